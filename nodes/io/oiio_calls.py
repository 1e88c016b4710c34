"""Checked OpenImageIO calls: every failure becomes a SequenceIOError that names the file.

OpenImageIO reports errors through return values *and* a pending error message on each object; a call can
return data and still leave an error behind (a damaged file that decodes with a corrupt header). Every call
into OIIO from this package goes through these helpers so neither is ever missed.

OIIO's messages can quote raw bytes from a damaged file, and the Python binding then fails to decode them
(``UnicodeDecodeError`` from ``geterror()``): :func:`error_text` decodes them leniently instead, and
escapes control characters so the message is safe to print.
"""

from __future__ import annotations

import os
from typing import Any

import OpenImageIO as oiio
from faceplate.foundation.errors import SequenceIOError

__all__ = ["check", "error_text", "existing_file", "mip_level_count", "open_input", "subimage_specs"]

_MAX_SUBIMAGES = 100_000  # a fuzzed header must not make us loop for ever


def error_text(obj: Any = None) -> str:
    """The pending error message of ``obj`` (an ImageInput/ImageOutput) or OIIO's global one, and clear it."""
    try:
        text = obj.geterror() if obj is not None else oiio.geterror()
    except UnicodeDecodeError as exc:  # the message quotes bytes from a damaged file
        raw = exc.object if isinstance(exc.object, bytes) else b""
        text = raw.decode("utf-8", "replace")
    text = "".join(c if c.isprintable() or c.isspace() else f"\\x{ord(c):02x}" for c in text)
    return " ".join(text.split())


def check(obj: Any, result: Any, what: str, path: str) -> Any:
    """Return ``result`` of an OIIO call on ``obj``, or raise when it failed or left an error pending.

    Args:
        obj: the ImageInput/ImageOutput the call was made on.
        result: what the call returned (False/None mean failure).
        what: what the call was doing, for the message ("reading pixels").
        path: the file, for the message.
    """
    pending = obj.has_error
    if result is None or result is False or pending:
        message = error_text(obj) or error_text() or "OpenImageIO gave no reason"
        raise SequenceIOError(f"{what} failed: {message}", path=path)
    return result


def existing_file(path: str | os.PathLike[str]) -> str:
    """``path`` as a str when it names a file; SequenceIOError otherwise (missing, or a folder)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        reason = "is a folder, not an image file" if os.path.isdir(path) else "file not found"
        raise SequenceIOError(reason, path=path)
    return path


def open_input(path: str) -> Any:
    """Open an image for reading; raise SequenceIOError (naming the path) when it cannot be opened."""
    inp = oiio.ImageInput.open(path)
    if inp is None:
        raise SequenceIOError(f"cannot open image: {error_text() or 'unknown format'}", path=path)
    check(inp, True, "opening", path)
    return inp


def subimage_specs(inp: Any, path: str) -> list[Any]:
    """The spec of level 0 of every subimage (EXR part) of an open input, in file order.

    When the header states a subimage count (``oiio:subimages``) every one of them must be readable;
    otherwise subimages are read until a seek fails (that last failure is expected and cleared).
    """
    check(inp, inp.seek_subimage(0, 0), "reading the header", path)
    declared = inp.spec().get_int_attribute("oiio:subimages", 0)
    specs = []
    while len(specs) < (declared or _MAX_SUBIMAGES):
        if not inp.seek_subimage(len(specs), 0):
            if declared:
                check(inp, False, f"reading the header of part {len(specs)}", path)
            error_text(inp)  # the failed seek past the last subimage
            break
        specs.append(oiio.ImageSpec(inp.spec()))
    check(inp, inp.seek_subimage(0, 0), "reading the header", path)
    return specs


def mip_level_count(inp: Any, subimage: int) -> int:
    """How many MIP levels a subimage has (1 for a flat image); leaves the input on level 0 of it."""
    levels = 1
    while levels < 64 and inp.seek_subimage(subimage, levels):
        levels += 1
    error_text(inp)  # the failed seek past the last level
    inp.seek_subimage(subimage, 0)
    return levels

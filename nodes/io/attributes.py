"""Header attributes <-> Plate metadata.

Reading keeps every attribute that describes the *image* and leaves out the ones that describe how the file
was *stored*, which would be wrong once the pixels are rewritten (see :data:`STORAGE_ATTRIBUTES` and
:data:`STORAGE_PREFIXES`): compression and its levels, line order, chunk counts, tile rounding and level
modes (``openexr:*``), OIIO's bookkeeping (``oiio:*``: subimage counts and names, bits per sample, colour
space guesses), TIFF/PNG/JPEG storage settings, thumbnail sizes, and the windows and pixel aspect (those
live in the Plate itself).

Values come back as plain Python: str, int, float (float32 values widened), or tuples of them (float
arrays, matrices as 16 or 9 floats in row-major order, string arrays such as ``multiView``, timecodes and
rationals as int pairs).

Writing maps plain values back to header types: a table of well-known EXR attributes gives their exact type
(matrices, timecode, keycode, rational, chromaticities, 2D vectors); otherwise str -> string, int -> int,
float -> float, bool -> int, a sequence of str -> string[n], of ints -> int[2]/int[3], of numbers ->
float[n]. OpenEXR has no int[4+] or double attributes and OIIO drops them silently, so: longer int
sequences are written as float[n] (exact below 2**24), Python floats are written as 32-bit floats, and ints
outside int32 are written as decimal strings. Anything else (dicts, objects) is an error naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import OpenImageIO as oiio
from faceplate.foundation.errors import SequenceIOError

__all__ = ["STORAGE_ATTRIBUTES", "STORAGE_PREFIXES", "is_storage_attribute", "metadata_from_spec", "set_metadata"]

STORAGE_PREFIXES = ("oiio:", "openexr:")
STORAGE_ATTRIBUTES = frozenset(
    {
        "compression",
        "PixelAspectRatio",
        "dataWindow",
        "displayWindow",
        "tiles",
        "lineOrder",
        "chunkCount",
        "version",
        "type",
        "planarconfig",
        "thumbnail_width",
        "thumbnail_height",
        "thumbnail_nchannels",
        "tiff:Compression",
        "tiff:PlanarConfiguration",
        "tiff:RowsPerStrip",
        "tiff:PhotometricInterpretation",
        "tiff:zipquality",
        "jpeg:subsampling",
        "png:compressionLevel",
        "Compression",
        "CompressionQuality",
    }
)

# Exact header types of well-known attributes, so a read -> write round trip keeps them.
_KNOWN_TYPES: dict[str, Any] = {
    "worldToCamera": oiio.TypeMatrix44,
    "worldToNDC": oiio.TypeMatrix44,
    "worldToCamera33": oiio.TypeMatrix33,
    "chromaticities": oiio.TypeDesc("float[8]"),
    "screenWindowCenter": oiio.TypeFloat2,
    "adoptedNeutral": oiio.TypeFloat2,
    "smpte:TimeCode": oiio.TypeTimeCode,
    "smpte:KeyCode": oiio.TypeKeyCode,
    "FramesPerSecond": oiio.TypeRational,
}

_INT32 = (-(2**31), 2**31 - 1)
_FLOAT_EXACT_INT = 2**24


def is_storage_attribute(name: str) -> bool:
    """True for attributes that describe the file's storage rather than the image."""
    return name in STORAGE_ATTRIBUTES or name.startswith(STORAGE_PREFIXES)


def metadata_from_spec(spec: Any) -> dict[str, Any]:
    """The image-describing attributes of an ImageSpec as a plain dict (storage attributes left out)."""
    out: dict[str, Any] = {}
    for param in spec.extra_attribs:
        if is_storage_attribute(param.name):
            continue
        out[param.name] = param.value
    return out


def set_metadata(spec: Any, metadata: Mapping[str, Any], *, path: str) -> None:
    """Set every entry of ``metadata`` on ``spec`` with a header type (see the module docstring).

    Storage attributes are skipped: the writer decides them.

    Raises:
        SequenceIOError: a key is not a non-empty str, or a value has no header representation.
    """
    for key, value in metadata.items():
        if not isinstance(key, str) or not key:
            raise SequenceIOError(f"metadata key {key!r}: keys must be non-empty strings", path=path)
        if is_storage_attribute(key):
            continue
        typedesc, stored = _header_value(key, value, path)
        spec.attribute(key, typedesc, stored)


def _header_value(key: str, value: Any, path: str) -> tuple[Any, Any]:
    if isinstance(value, np.ndarray):
        value = value.tolist() if value.ndim else value.item()
    elif isinstance(value, np.generic):
        value = value.item()
    known = _KNOWN_TYPES.get(key)
    if known is not None and isinstance(value, (tuple, list)):
        return known, tuple(value)
    if isinstance(value, bool):
        return oiio.TypeInt, int(value)
    if isinstance(value, int):
        if _INT32[0] <= value <= _INT32[1]:
            return oiio.TypeInt, value
        return oiio.TypeString, str(value)
    if isinstance(value, float):
        return oiio.TypeFloat, value
    if isinstance(value, str):
        return oiio.TypeString, value
    if isinstance(value, (tuple, list)) and value:
        return _header_array(key, tuple(value), path)
    raise SequenceIOError(
        f"metadata '{key}': a {type(value).__name__} cannot be stored in an image header; "
        "use str, int, float or a non-empty sequence of them",
        path=path,
    )


def _header_array(key: str, values: tuple, path: str) -> tuple[Any, Any]:
    if all(isinstance(v, str) for v in values):
        return oiio.TypeDesc(f"string[{len(values)}]"), values
    if not all(isinstance(v, (int, float)) for v in values):
        raise SequenceIOError(f"metadata '{key}': a sequence must hold only strings or only numbers", path=path)
    values = tuple(int(v) if isinstance(v, bool) else v for v in values)
    if all(isinstance(v, int) for v in values):
        if len(values) in (2, 3) and all(_INT32[0] <= v <= _INT32[1] for v in values):
            return oiio.TypeDesc(f"int[{len(values)}]"), values
        if not all(abs(v) <= _FLOAT_EXACT_INT for v in values):
            return oiio.TypeString, " ".join(str(v) for v in values)
    floats = tuple(float(v) for v in values)
    return oiio.TypeDesc(f"float[{len(floats)}]"), floats

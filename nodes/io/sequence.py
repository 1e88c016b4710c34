"""Numbered file patterns (frame ranges: :mod:`faceplate.foundation.frames`).

File patterns hold at most one frame token in the file name:

=========  ===================================  =================
``####``   Nuke style, one digit per ``#``      ``####`` -> 0042
``@@@``    OpenImageIO style, one digit per @   ``@@@`` -> 042
``%04d``   printf, padded to 4                  ``%04d`` -> 0042
``%d``     printf, no padding                   ``%d`` -> 42
=========  ===================================  =================

Padding is a minimum width: frame 12345 in ``####`` is ``12345``. Negative frames are formatted the way
printf's ``%0Nd`` does it, the sign counting towards the width: ``####`` -> ``-001`` for frame -1, which
is also what Nuke writes. A pattern without a token names a single file used for every frame.
"""

from __future__ import annotations

import os
import re

from faceplate.foundation.errors import SequenceIOError

__all__ = ["SequencePattern"]

_FRAME_TOKEN = re.compile(r"#+|@+|%(?P<zero>0)?(?P<width>\d*)d")


class SequencePattern:
    """A numbered file path such as ``plates/sh010.####.exr``, with at most one frame token.

    Args:
        pattern: a path whose file name holds ``#...``, ``@...``, ``%0Nd`` or ``%d``, or no token at all
            (a single file used for every frame).

    Raises:
        SequenceIOError: more than one token, a token in a folder name, or ``%Nd`` without the zero.

    Example:
        >>> p = SequencePattern("plates/sh010.####.exr")
        >>> p.path(1001), p.path(-1), p.padding
        ('plates/sh010.1001.exr', 'plates/sh010.-001.exr', 4)
    """

    __slots__ = ("pattern", "padding", "_folder", "_prefix", "_suffix", "_is_sequence")

    def __init__(self, pattern: str | os.PathLike[str]):
        pattern = os.fspath(pattern)
        self.pattern = pattern
        folder, name = os.path.split(pattern)
        if _FRAME_TOKEN.search(folder):
            raise SequenceIOError(
                "frame token in a folder name is not supported; put it in the file name", path=pattern
            )
        tokens = list(_FRAME_TOKEN.finditer(name))
        if len(tokens) > 1:
            found = ", ".join(repr(t.group(0)) for t in tokens)
            raise SequenceIOError(f"file pattern has {len(tokens)} frame tokens ({found}); use one", path=pattern)
        self._folder = folder
        if not tokens:
            self._is_sequence = False
            self.padding = 0
            self._prefix, self._suffix = name, ""
            return
        token = tokens[0]
        text = token.group(0)
        if text.startswith("%"):
            if token["width"] and not token["zero"]:
                raise SequenceIOError(f"'{text}' pads with spaces; use '%0{token['width']}d' or '%d'", path=pattern)
            self.padding = int(token["width"] or 0)
        else:
            self.padding = len(text)
        self._is_sequence = True
        self._prefix, self._suffix = name[: token.start()], name[token.end() :]

    @property
    def is_sequence(self) -> bool:
        """False for a pattern without a frame token (one file for every frame)."""
        return self._is_sequence

    @property
    def folder(self) -> str:
        return self._folder

    def file_name(self, frame: int) -> str:
        """The file name (no folder) of ``frame``."""
        if not self._is_sequence:
            return self._prefix
        return f"{self._prefix}{int(frame):0{self.padding}d}{self._suffix}"

    def path(self, frame: int) -> str:
        """The path of ``frame`` (the pattern itself for a single file)."""
        if not self._is_sequence:
            return self.pattern
        return os.path.join(self._folder, self.file_name(frame))

    def frame_of(self, file_name: str) -> int | None:
        """The frame a file name in the folder stands for, or None when it is not part of this sequence.

        A name matches only when formatting its frame gives the name back, so ``sh.001.exr`` is not frame 1
        of ``sh.####.exr``, and hidden temp files (``.sh.1001.exr...partial``) never match.
        """
        if not self._is_sequence:
            return None
        if not (file_name.startswith(self._prefix) and file_name.endswith(self._suffix)):
            return None
        digits = file_name[len(self._prefix) : len(file_name) - len(self._suffix)]
        if not re.fullmatch(r"-?\d+", digits):
            return None
        frame = int(digits)
        return frame if self.file_name(frame) == file_name else None

    def frames_on_disk(self) -> tuple[int, ...]:
        """The frames of this sequence present in its folder, sorted.

        For a single-file pattern there is no frame range: the result is empty (see :attr:`is_sequence`).

        Raises:
            SequenceIOError: the folder does not exist or cannot be listed.
        """
        if not self._is_sequence:
            return ()
        folder = self._folder or "."
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            raise SequenceIOError("folder does not exist", path=folder) from None
        except OSError as exc:
            raise SequenceIOError(f"cannot list folder: {exc.strerror}", path=folder) from None
        frames = {frame for name in names if (frame := self.frame_of(name)) is not None}
        return tuple(sorted(frames))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SequencePattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __str__(self) -> str:
        return self.pattern

    def __repr__(self) -> str:
        return f"SequencePattern({self.pattern!r})"

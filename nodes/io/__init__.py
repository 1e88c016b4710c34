"""faceplate.nodes.io: image files and sequences under the Read and Write nodes.

- :mod:`.sequence`: file patterns (``sh010.####.exr``); frame ranges are :mod:`faceplate.foundation.frames`.
- This package's names are the image-file API in one import (the modules below hold the code).
- :mod:`.image_read`: :func:`read_image`, any OpenImageIO format into a Plate (parts, views, windows, metadata).
- :mod:`.image_write`: :func:`write_image` (EXR) and :func:`write_preview` (8-bit PNG/JPEG/TIFF), both atomic.
- :mod:`.image_info`: :func:`image_info` / :func:`format_info`, what ``faceplate info FILE`` prints.
- :mod:`.attributes`: header attributes <-> Plate metadata (what is kept, what is left out, value types).
- :mod:`.colour`: OpenColorIO conversions, working space ACEScg.

Every file problem raises :class:`~faceplate.foundation.errors.SequenceIOError` naming the file; colour problems raise
:class:`~faceplate.foundation.errors.ColourError`.
"""

from faceplate.foundation.frames import format_frame_range, parse_frame_range
from faceplate.nodes.io.image_info import format_info, image_info
from faceplate.nodes.io.image_read import read_header_metadata, read_image
from faceplate.nodes.io.image_write import write_image, write_preview
from faceplate.nodes.io.colour import WORKING_SPACE, convert, convert_plate, resolve_colour_space
from faceplate.nodes.io.sequence import SequencePattern

__all__ = [
    "WORKING_SPACE",
    "SequencePattern",
    "convert",
    "convert_plate",
    "format_frame_range",
    "format_info",
    "image_info",
    "parse_frame_range",
    "read_header_metadata",
    "read_image",
    "resolve_colour_space",
    "write_image",
    "write_preview",
]

"""faceplate.nodes.io: image files and sequences under the Read and Write nodes.

- :mod:`.sequence`: frame ranges (``1001-1100x2``) and file patterns (``sh010.####.exr``).
- :mod:`.imagefile`: the image-file API in one place (the modules below hold the code).
- :mod:`.image_read`: :func:`read_image`, any OpenImageIO format into a Plate (parts, views, windows, metadata).
- :mod:`.image_write`: :func:`write_image` (EXR) and :func:`write_preview` (8-bit PNG/JPEG/TIFF), both atomic.
- :mod:`.image_info`: :func:`image_info` / :func:`format_info`, what ``faceplate info FILE`` prints.
- :mod:`.attributes`: header attributes <-> Plate metadata (what is kept, what is left out, value types).
- :mod:`.colour`: OpenColorIO conversions, working space ACEScg.

Every file problem raises :class:`~faceplate.errors.SequenceIOError` naming the file; colour problems raise
:class:`~faceplate.errors.ColourError`.
"""

from faceplate.nodes.io.colour import WORKING_SPACE, convert, convert_plate, resolve_colour_space
from faceplate.nodes.io.imagefile import (
    format_info,
    image_info,
    read_header_metadata,
    read_image,
    write_image,
    write_preview,
)
from faceplate.nodes.io.sequence import SequencePattern, format_frame_range, parse_frame_range

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

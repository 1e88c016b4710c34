"""The image-file API under the Read and Write nodes, in one import.

- :func:`read_image` / :func:`read_header_metadata` (:mod:`.image_read`): files into Plates.
- :func:`write_image` / :func:`write_preview` (:mod:`.image_write`): Plates into EXR / 8-bit previews, atomically.
- :func:`image_info` / :func:`format_info` (:mod:`.image_info`): what ``faceplate info`` prints.
"""

from faceplate.nodes.io.image_info import format_info, image_info
from faceplate.nodes.io.image_read import read_header_metadata, read_image
from faceplate.nodes.io.image_write import write_image, write_preview

__all__ = ["format_info", "image_info", "read_header_metadata", "read_image", "write_image", "write_preview"]

"""Image operations the nodes call: warps, paste-back, mattes and blends, on numpy arrays (CPU) or CUDA arrays.

Conventions (shared by every function here): images are channels-last ``(H, W, C)``; pixel centres
sit at +0.5 with the origin at the top-left corner; matrices are named ``dst_from_src`` and map
SOURCE pixel positions to DESTINATION pixel positions. Errors are :class:`faceplate.foundation.errors.NativeError`.
"""

from faceplate.foundation.imaging.blend import multiband_blend
from faceplate.foundation.imaging.matte import blur, erode_dilate, polygon_matte
from faceplate.foundation.imaging.warp import paste_back, warp_affine, warp_perspective

__all__ = ["blur", "erode_dilate", "multiband_blend", "paste_back", "polygon_matte", "warp_affine", "warp_perspective"]

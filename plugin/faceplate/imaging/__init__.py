"""Image operations the nodes call: warps and paste-back, on numpy arrays (CPU) or CUDA tensors.

Conventions (shared by every function here): images are channels-last ``(H, W, C)``; pixel centres
sit at +0.5 with the origin at the top-left corner; matrices are named ``dst_from_src`` and map
SOURCE pixel positions to DESTINATION pixel positions. Errors are :class:`faceplate.errors.NativeError`.
"""

from faceplate.imaging.warp import paste_back, warp_affine, warp_perspective

__all__ = ["paste_back", "warp_affine", "warp_perspective"]

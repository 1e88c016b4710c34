"""Image-processing functions the nodes call, on top of the native kernels in faceplate._native."""

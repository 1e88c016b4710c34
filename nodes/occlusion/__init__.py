"""OcclusionMask: landmark region mattes (face, jaw, hairline, eyes, mouth) and the learned-occlusion seam.

Modules: :mod:`.node` (the node; its region contours are :mod:`faceplate.nodes.face_regions`),
:mod:`.learned` (where the learned ONNX occlusion
model runs: the shipped default or one trained per shot), :mod:`.matte_overlay` (matte overlays as 8-bit
pictures for artists and tests).
"""

"""OcclusionMask: landmark region mattes (face, jaw, hairline, eyes, mouth) and the learned-occlusion seam.

Modules: :mod:`.regions` (contours from the 68 landmarks, forehead and hairline estimate, per-segment
offsets and feathers), :mod:`.node` (the node), :mod:`.learned` (where the learned ONNX occlusion
model runs: the shipped default or one trained per shot), :mod:`.preview` (matte overlays as 8-bit
pictures for artists and tests).
"""

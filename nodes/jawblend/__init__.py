"""JawBlend: swapped faces put back into the plate, with the mattes a compositor needs.

Modules: :mod:`.node` (the node), :mod:`.matte` (model x region x visibility, per-segment erode/dilate
and feather), :mod:`.colour` (colour transfer in linear light and Oklab, smoothed along the track),
:mod:`.grain` (the plate's noise measured and matched), :mod:`.lens` (defocus, motion blur),
:mod:`.seam` (the seam measure the tests and benchmark use).
"""

from faceplate.nodes.jawblend.node import JawBlend

__all__ = ["JawBlend"]

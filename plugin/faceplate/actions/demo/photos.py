"""The two real face photos available offline, and the face regions the demo uses.

- ``astronaut``: ``skimage.data.astronaut()`` (512x512, Eileen Collins, NASA; public domain).
- ``hopper``: matplotlib's ``grace_hopper.jpg`` sample (512x600, Grace Hopper, US Navy; public domain).
"""

from __future__ import annotations

import functools

import numpy as np

from faceplate.foundation.errors import FaceplateError
from faceplate.nodes.io import colour

PHOTOS = ("astronaut", "hopper")
SRGB = "sRGB Encoded Rec.709 (sRGB)"


@functools.lru_cache(maxsize=2)
def photo_srgb(name: str) -> np.ndarray:
    """``(H, W, 3)`` uint8 sRGB pixels of photo ``name`` (read-only)."""
    if name == "astronaut":
        import skimage.data

        pixels = skimage.data.astronaut()
    elif name == "hopper":
        import matplotlib.cbook
        from PIL import Image

        with Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")) as im:
            pixels = np.asarray(im.convert("RGB"))
    else:
        raise FaceplateError(f"unknown photo '{name}'; choose one of {', '.join(PHOTOS)}")
    pixels = np.array(pixels, np.uint8)
    pixels.flags.writeable = False
    return pixels


@functools.lru_cache(maxsize=2)
def photo_linear(name: str) -> np.ndarray:
    """Photo ``name`` in the scene-linear working space (ACEScg), float32 ``(H, W, 3)`` (read-only)."""
    linear = colour.convert(photo_srgb(name).astype(np.float32) / 255.0, SRGB, colour.WORKING_SPACE)
    linear.flags.writeable = False
    return linear

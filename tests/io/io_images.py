"""The OpenEXR reference images copied into tests/data (BSD-3, LICENSE beside them), for the image-file tests.

Helpers live here, not in conftest.py: several test folders have a conftest, and ``from conftest import``
picks whichever was imported first.
"""

from __future__ import annotations

import os

EXR_IMAGES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "openexr-images")


def exr_image(*parts: str) -> str:
    path = os.path.join(EXR_IMAGES, *parts)
    assert os.path.isfile(path), f"fixture missing: {path}"
    return path

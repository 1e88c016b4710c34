"""Shared helpers of the native kernel tests: small smooth images and test transforms.

Not in conftest.py: several test folders have a conftest, and ``from conftest import`` picks whichever
was imported first.
"""

from __future__ import annotations

import cv2
import numpy as np


def smooth_image(height: int, width: int, channels: int, seed: int = 0) -> np.ndarray:
    """A smooth float32 image in [0, 1] (upsampled noise), like a defocused plate region."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((max(2, height // 6), max(2, width // 6), channels)).astype(np.float32)
    planes = [cv2.resize(coarse[..., c], (width, height), interpolation=cv2.INTER_CUBIC) for c in range(channels)]
    return np.clip(np.stack(planes, axis=-1), 0, 1).astype(np.float32)


def similarity(angle_deg: float, scale: float, tx: float, ty: float, centre=(0.0, 0.0)) -> np.ndarray:
    """2x3 dst_from_src rotating/scaling about centre (source pixels) then shifting by (tx, ty)."""
    a = np.deg2rad(angle_deg)
    r = scale * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    c = np.asarray(centre, dtype=np.float64)
    return np.hstack([r, (c - r @ c + [tx, ty])[:, None]])


# Output 56x50 from a 48x40 source: rotated and scaled so that part of the output samples outside.
AFFINE = similarity(17.0, 1.13, 6.0, 3.0, centre=(24.0, 20.0))
PERSPECTIVE = np.array([[1.05, 0.12, 3.0], [-0.06, 0.97, 5.0], [0.0021, -0.0013, 1.0]])
OUT_SIZE = (56, 50)

"""The seam measure: how much a comp's matte edge shows, relative to the plate's own detail there.

``seam_energy = mean |grad comp|^2 / mean |grad plate|^2`` over the matte's edge band (pixels whose
matte is strictly between ``lo`` and ``hi``, widened by ``grow`` pixels both ways), gradients by
central differences summed over R, G, B. A comp that blends in adds no gradient energy at the
boundary beyond what the plate itself has there (about 1); a pasted-on face adds the step in
lighting and colour along its edge (well above 1). Used by the tests and the benchmark; not by the node.
"""

from __future__ import annotations

import cv2
import numpy as np


def edge_band(matte: np.ndarray, lo: float = 0.02, hi: float = 0.98, grow: int = 2) -> np.ndarray:
    """Boolean ``(h, w)`` band where the matte is between ``lo`` and ``hi``, widened by ``grow`` px."""
    band = ((matte > lo) & (matte < hi)).astype(np.uint8)
    if grow > 0:
        band = cv2.dilate(band, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    return band.astype(bool)


def gradient_energy(rgb: np.ndarray) -> np.ndarray:
    """``(h, w)`` squared gradient magnitude of an ``(h, w, 3)`` image, summed over channels."""
    gy, gx = np.gradient(np.asarray(rgb, np.float64), axis=(0, 1))
    return (gx * gx + gy * gy).sum(axis=2)


def seam_energy(comp: np.ndarray, plate: np.ndarray, matte: np.ndarray, **band) -> float:
    """Gradient energy of ``comp`` along ``matte``'s edge over the plate's own there (see module doc)."""
    where = edge_band(matte, **band)
    if not where.any():
        raise ValueError("the matte has no edge (no pixel between lo and hi)")
    return float(gradient_energy(comp)[where].mean() / max(gradient_energy(plate)[where].mean(), 1e-30))

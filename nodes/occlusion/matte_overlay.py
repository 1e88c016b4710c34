"""Matte overlays for looking at: the plate with each mask layer tinted in its own colour.

Example:
    >>> import numpy as np
    >>> from faceplate.nodes.plate import Plate
    >>> from faceplate.nodes.occlusion.matte_overlay import overlay
    >>> p = Plate(np.zeros((4, 4, 4), np.float32), ["R", "G", "B", "mask.face"])
    >>> overlay(p).shape, overlay(p).dtype
    ((4, 4, 3), dtype('uint8'))
"""

from __future__ import annotations

import numpy as np
from faceplate.nodes.plate import Plate

COLOURS = {
    "mask.face": (0.2, 1.0, 0.2),
    "mask.jaw": (1.0, 0.3, 0.1),
    "mask.hairline": (1.0, 0.9, 0.1),
    "mask.eyes": (0.2, 0.6, 1.0),
    "mask.mouth": (1.0, 0.2, 0.8),
    "mask.occlusion": (1.0, 0.0, 0.0),
}


def overlay(plate: Plate, layers=None, opacity: float = 0.45) -> np.ndarray:
    """``(H, W, 3)`` uint8 sRGB-ish picture of the plate with ``layers`` (default: every known mask
    layer present) tinted over it; the plate is shown with a plain 1/2.2 gamma (a preview, not a grade)."""
    rgb = np.stack([plate.channel(c) for c in ("R", "G", "B")], axis=-1)
    shown = np.clip(rgb, 0.0, 1.0) ** (1 / 2.2)
    for layer in layers or [name for name in COLOURS if plate.has_channel(name)]:
        alpha = np.clip(plate.channel(layer), 0.0, 1.0)[:, :, None] * opacity
        shown = shown * (1 - alpha) + np.asarray(COLOURS[layer]) * alpha
    return (np.clip(shown, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)

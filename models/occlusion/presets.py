"""Occlusion network presets: resolution of the aligned crop, widths, batch and learning rate.

``128`` is the shipped default occluder's architecture (per-shot training starts from its weights
by default); ``tiny`` (64 px) is for quick tests and very small faces.
"""

from __future__ import annotations

import dataclasses

from faceplate.foundation.errors import FaceplateError


@dataclasses.dataclass(frozen=True)
class OcclusionPreset:
    name: str
    resolution: int
    widths: tuple[int, ...]
    batch_size: int
    lr: float
    steps: int
    body: str = "quarter"


PRESETS = {
    "tiny": OcclusionPreset("tiny", 64, (12, 24, 32), 12, 2e-3, 400),
    "128": OcclusionPreset("128", 128, (16, 32, 48, 64), 12, 2e-3, 900),
}


def preset(name: str) -> OcclusionPreset:
    try:
        return PRESETS[name]
    except KeyError:
        raise FaceplateError(f"unknown occlusion preset '{name}' (known: {', '.join(PRESETS)})") from None

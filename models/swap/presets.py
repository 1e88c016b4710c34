"""Swap-model presets: resolution, progressive stages, widths and schedule.

A preset fixes the architecture (so a checkpoint names its preset and is rebuilt from it) and the
default training schedule (which ``faceplate train`` flags may override).

Stages: training starts at ``stage_resolutions[0]`` and adds one resolution doubling per stage; each
new stage fades in over ``fade_fraction`` of its steps (ProGAN-style: the new layers' output is blended
with the previous stage's upsampled output, the blend weight going linearly from 0 to 1).
"""

from __future__ import annotations

import dataclasses

from faceplate.foundation.errors import FaceplateError


@dataclasses.dataclass(frozen=True)
class Preset:
    """Architecture and default schedule of a swap model.

    Attributes:
        name: preset name (recorded in checkpoints and cards).
        resolution: side of the aligned face the final stage works at (pixels).
        first_resolution: side of the first stage (each later stage doubles it up to ``resolution``).
        base_channels: encoder/decoder width at the first stage's resolution; halves per doubling.
        max_channels: cap on any layer's width.
        min_channels: floor on any layer's width.
        latent: width of the dense bottleneck shared by every identity.
        batch_size: default samples per identity per step.
        steps_per_stage: default optimiser steps per stage (the last stage runs until ``steps``).
        fade_fraction: fraction of a stage (after the first) spent fading its new layers in.
        lr: default AdamW learning rate.
    """

    name: str
    resolution: int
    first_resolution: int
    base_channels: int
    max_channels: int
    min_channels: int
    latent: int
    batch_size: int
    steps_per_stage: int
    fade_fraction: float = 0.5
    lr: float = 5e-4

    def __post_init__(self) -> None:
        r = self.first_resolution
        while r < self.resolution:
            r *= 2
        if r != self.resolution or self.first_resolution < 16:
            raise FaceplateError(
                f"preset '{self.name}': resolution {self.resolution} must be first_resolution "
                f"{self.first_resolution} (>= 16) times a power of two"
            )

    @property
    def stage_resolutions(self) -> tuple[int, ...]:
        out, r = [], self.first_resolution
        while r <= self.resolution:
            out.append(r)
            r *= 2
        return tuple(out)

    @property
    def stages(self) -> int:
        return len(self.stage_resolutions)

    def channels(self, resolution: int) -> int:
        """Feature width at ``resolution``: ``base_channels`` at the first stage, halved per doubling."""
        width = (
            self.base_channels * self.first_resolution // resolution
            if resolution >= self.first_resolution
            else self.base_channels * 2 ** ((self.first_resolution // resolution).bit_length() - 1)
        )
        return max(self.min_channels, min(self.max_channels, width))

    def stage_at(self, step: int, steps_per_stage: int | None = None) -> tuple[int, float]:
        """``(stage, alpha)`` at optimiser step ``step`` (0-based): alpha is the new stage's fade-in weight."""
        per = steps_per_stage or self.steps_per_stage
        stage = min(step // per, self.stages - 1)
        if stage == 0:
            return 0, 1.0
        into = step - stage * per
        fade = max(1, round(per * self.fade_fraction))
        return stage, min(1.0, (into + 1) / fade)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        # Seconds on a CPU: 32 -> 64 px, a few thousand parameters per layer.
        Preset(
            "tiny",
            resolution=64,
            first_resolution=32,
            base_channels=32,
            max_channels=48,
            min_channels=12,
            latent=96,
            batch_size=4,
            steps_per_stage=300,
            lr=1e-3,
        ),
        Preset(
            "256",
            resolution=256,
            first_resolution=64,
            base_channels=256,
            max_channels=384,
            min_channels=32,
            latent=512,
            batch_size=16,
            steps_per_stage=40000,
        ),
        Preset(
            "512",
            resolution=512,
            first_resolution=64,
            base_channels=384,
            max_channels=512,
            min_channels=32,
            latent=512,
            batch_size=8,
            steps_per_stage=40000,
            lr=3e-4,
        ),
        Preset(
            "1024",
            resolution=1024,
            first_resolution=64,
            base_channels=512,
            max_channels=512,
            min_channels=24,
            latent=768,
            batch_size=4,
            steps_per_stage=50000,
            lr=2e-4,
        ),
    )
}


def preset(name: str) -> Preset:
    """The preset called ``name``; raises FaceplateError listing the presets."""
    try:
        return PRESETS[str(name)]
    except KeyError:
        raise FaceplateError(f"unknown preset '{name}'; choose one of {', '.join(PRESETS)}") from None

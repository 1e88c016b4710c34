"""The swap model's training task for the generic loop (:mod:`faceplate.models.trainer.loop`).

Each step draws ``batch_size`` faces per identity; each face is augmented (see :mod:`.augment`) into a
distorted *input* and a clean *target* at the current stage's resolution. The shared encoder sees all
identities' inputs in one pass and each identity's decoder redraws its own faces.

Losses per identity, summed: masked L1 and masked DSSIM of the RGB (weight: 0.1 + the target matte,
times ``feature_weight`` over the eyes and mouth, from the landmarks), and L1 of the predicted matte.

Batches are made by a :class:`torch.utils.data.DataLoader` (``workers`` processes) from a map-style
dataset indexed by step; a sample's random generator is seeded from (seed, step, rank, identity, slot),
so batches do not depend on the worker count and a resumed run sees the same data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from faceplate.models.swap import SwapModel
from faceplate.models.swap.presets import Preset
from faceplate.models.trainer import augment
from faceplate.models.trainer.faceset import FaceSet
from faceplate.models.trainer.loop import step_batches
from faceplate.models.trainer.losses import masked_dssim, masked_l1, psnr
from faceplate.models.trainer.preview_grid import write_grid


@dataclasses.dataclass(frozen=True)
class SwapOptions:
    """Swap-specific training settings.

    Attributes:
        batch_size: faces per identity per step (per process when distributed).
        steps_per_stage: steps per progressive stage (the last stage runs to the end).
        feature_weight: loss weight over the eyes and mouth (1: no extra weight).
        matte_weight: weight of the matte loss.
        ssim_weight / l1_weight: weights of the RGB losses.
        augment: augmentation strengths (None: the preset's, :data:`PRESET_AUGMENT`, else the defaults).
        workers: data-loader worker processes (0: in the training process).
        preview_faces: faces per identity in a preview grid.
    """

    batch_size: int = 8
    steps_per_stage: int = 150
    feature_weight: float = 3.0
    matte_weight: float = 1.0
    ssim_weight: float = 1.0
    l1_weight: float = 1.0
    augment: augment.AugmentOptions | None = None
    workers: int = 0
    preview_faces: int = 3


PRESET_AUGMENT = {"tiny": augment.MILD}


def make_sample(
    faceset: FaceSet, index: int, rng: np.random.Generator, out: int, options: augment.AugmentOptions
) -> tuple[np.ndarray, ...]:
    """``(input, target, matte, features)`` float32 arrays of one augmented face at ``out`` pixels:
    ``(out, out, 3)`` x2, ``(out, out)`` x2."""
    m, _ = augment.jitter_matrix(rng, faceset.size, out, options)
    rgb = augment.warp(faceset.images[index], m, out).astype(np.float32) / 255.0
    matte = augment.warp(faceset.mattes[index], m, out, border=0).astype(np.float32) / 255.0
    points = faceset.landmarks[index].astype(np.float64) @ m[:, :2].T + m[:, 2]
    target = augment.photometric(rgb, rng, options)
    source = augment.degrade(augment.grid_warp(target, rng, options.warp), rng, options)
    return source, target, matte, augment.feature_mask(points, out)


class SwapBatches(torch.utils.data.Dataset):
    """Map-style dataset: item ``step`` is that step's batch for one process (see the module docstring)."""

    def __init__(self, facesets: list[FaceSet], preset: Preset, options: SwapOptions, seed: int, rank: int):
        self.facesets = facesets
        self.preset = preset
        self.options = options
        self.seed = seed
        self.rank = rank

    def __len__(self) -> int:
        return 1 << 40

    def __getitem__(self, step: int) -> dict[str, torch.Tensor]:
        stage, _ = self.preset.stage_at(step, self.options.steps_per_stage)
        out = self.preset.stage_resolutions[stage]
        b = self.options.batch_size
        arrays = {k: [] for k in ("input", "target", "matte", "features")}
        for identity, faceset in enumerate(self.facesets):
            for slot in range(b):
                rng = np.random.default_rng([self.seed, step, self.rank, identity, slot])
                sample = make_sample(faceset, int(rng.integers(len(faceset))), rng, out, self.options.augment)
                for key, value in zip(arrays, sample):
                    arrays[key].append(value)
        batch = {k: torch.from_numpy(np.stack(v)) for k, v in arrays.items()}
        batch["input"] = batch["input"].permute(0, 3, 1, 2).contiguous()
        batch["target"] = batch["target"].permute(0, 3, 1, 2).contiguous()
        batch["matte"] = batch["matte"][:, None]
        batch["features"] = batch["features"][:, None]
        return batch


class SwapTrainModule(nn.Module):
    """The trained module: ``forward(batch, step)`` returns the loss terms (what DDP wraps)."""

    def __init__(self, model: SwapModel, options: SwapOptions):
        super().__init__()
        self.model = model
        self.options = options

    def forward(self, batch: dict[str, torch.Tensor], step: int) -> dict[str, torch.Tensor]:
        o = self.options
        stage, alpha = self.model.preset.stage_at(step, o.steps_per_stage)
        n = len(self.model.identities)
        inputs = batch["input"].chunk(n)
        outputs = self.model.reconstruct_all(list(inputs), stage, alpha)
        rgb = torch.cat([r for r, _ in outputs]).float()
        matte = torch.cat([m for _, m in outputs]).float()
        weight = (0.1 + batch["matte"]) * (1.0 + (o.feature_weight - 1.0) * batch["features"])
        # Losses in fp32 even under autocast: SSIM's variances (E[x²] - E[x]²) cancel catastrophically in
        # bf16, which the H100 run showed as a loss 1.6x the fp32 run's after 25 steps.
        with torch.autocast(rgb.device.type, enabled=False):
            return {
                "l1": o.l1_weight * masked_l1(rgb, batch["target"], weight),
                "dssim": o.ssim_weight * masked_dssim(rgb, batch["target"], weight),
                "matte": o.matte_weight * F.l1_loss(matte, batch["matte"]),
            }


class SwapTask:
    """:class:`~faceplate.models.trainer.loop.Task` of a swap model over identities' face-sets."""

    name = "swap"

    def __init__(self, facesets: list[FaceSet], preset: Preset, options: SwapOptions = SwapOptions(), seed: int = 0):
        self.facesets = facesets
        self.preset = preset
        if options.augment is None:
            options = dataclasses.replace(options, augment=PRESET_AUGMENT.get(preset.name, augment.AugmentOptions()))
        self.options = options
        self.seed = seed
        self._preview_index = [
            np.linspace(0, len(f) - 1, min(options.preview_faces, len(f))).round().astype(int) for f in facesets
        ]

    @property
    def identities(self) -> list[str]:
        return [f.identity for f in self.facesets]

    def build(self) -> SwapTrainModule:
        return SwapTrainModule(SwapModel(self.preset, self.identities), self.options)

    def config(self) -> dict:
        return {
            "task": self.name,
            "preset": self.preset.name,
            "identities": self.identities,
            "steps_per_stage": self.options.steps_per_stage,
            "batch_size": self.options.batch_size,
        }

    def markers(self, steps: int) -> list[tuple[int, str]]:
        per = self.options.steps_per_stage
        return [
            (s * per, f"stage {s}: {r} px") for s, r in enumerate(self.preset.stage_resolutions) if 0 < s * per < steps
        ]

    def batches(self, start: int, stop: int, rank: int, world: int) -> Iterator[dict]:
        return step_batches(
            SwapBatches(self.facesets, self.preset, self.options, self.seed, rank), start, stop, self.options.workers
        )

    def clean_faces(self, identity: int, indices, out: int) -> torch.Tensor:
        """Un-augmented faces ``(N, 3, out, out)`` of one identity (area-resized)."""
        faceset = self.facesets[identity]
        k = out / faceset.size
        m = np.array([[k, 0.0, 0.0], [0.0, k, 0.0]])
        faces = [augment.warp(faceset.images[i], m, out).astype(np.float32) / 255.0 for i in indices]
        return torch.from_numpy(np.stack(faces)).permute(0, 3, 1, 2).contiguous()

    def preview(self, module: SwapTrainModule, step: int, path: str) -> str:
        """Grid: a row per face of each identity; columns: the face, then every decoder's redraw (matte
        shown as a thin strip under each)."""
        model = module.model
        stage, alpha = self.preset.stage_at(max(step - 1, 0), self.options.steps_per_stage)
        res = self.preset.stage_resolutions[stage]
        device = next(model.parameters()).device
        rows, labels = [], []
        for i, indices in enumerate(self._preview_index):
            faces = self.clean_faces(i, indices, res).to(device)
            redraws = [model(faces, j, stage, alpha) for j in range(len(self.identities))]
            for k in range(faces.shape[0]):
                cells = [faces[k]] + [
                    torch.cat([rgb[k], matte[k].expand(3, -1, -1)[:, : res // 8]], 1) for rgb, matte in redraws
                ]
                rows.append([c.permute(1, 2, 0).float().cpu().numpy() for c in cells])
                labels.append(self.identities[i])
        header = ["face"] + [f"as {name}" for name in self.identities]
        title = f"step {step}  stage {stage} ({res} px, fade {alpha:.2f})"
        return write_grid(
            path,
            rows,
            header,
            labels,
            title,
            cell=max(96, self.preset.resolution if self.preset.resolution <= 128 else 128),
        )

    @torch.no_grad()
    def reconstruction_psnr(self, model: SwapModel, faces_per_identity: int = 16) -> float:
        """Mean PSNR (dB) of each identity's un-augmented faces redrawn by its own decoder at the final stage."""
        model.eval()
        device = next(model.parameters()).device
        values = []
        for i, faceset in enumerate(self.facesets):
            indices = np.linspace(0, len(faceset) - 1, min(faces_per_identity, len(faceset))).round().astype(int)
            faces = self.clean_faces(i, indices, self.preset.resolution).to(device)
            rgb, _ = model(faces, i)
            values.append(psnr(rgb, faces))
        return float(np.mean(values))

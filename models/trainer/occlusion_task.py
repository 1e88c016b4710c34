"""The occlusion model's training task for the generic loop (:mod:`faceplate.models.trainer.loop`).

Each sample is an aligned face from the shot's own face-set(s), jittered (affine, exposure, colour),
with zero to three synthetic occluders (:mod:`.occluders`) composited over it; the target is what they
hide. A share of every batch (:attr:`OcclusionOptions.correction_share`) comes from the artist's
corrections when there are any: faces whose plate-space correction matte (:mod:`.corrections`) gives
the true occlusion, weighted :attr:`OcclusionOptions.correction_weight` times in the loss (XSeg-style
few-shot fine-tuning).

Loss: per-pixel weighted binary cross-entropy on the logits plus a soft Dice term (which keeps small
occluders from being drowned by the unoccluded majority).

Batches are a pure function of (seed, step, rank): a map-style dataset indexed by step, one generator
per sample seeded from (seed, step, rank, slot), as in :mod:`.swap_task`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from faceplate.models.occlusion.network import OcclusionNet
from faceplate.models.occlusion.presets import OcclusionPreset
from faceplate.models.trainer import augment, occluders
from faceplate.models.trainer.corrections import Correction
from faceplate.models.trainer.faceset import FaceSet
from faceplate.models.trainer.loop import step_batches
from faceplate.models.trainer.preview_grid import write_grid

AUGMENT = augment.AugmentOptions(
    rotate=8.0, scale=0.08, shift=0.05, flip=0.5, warp=0.0, exposure=0.6, colour=0.08, blur=0.8, noise=0.015
)


@dataclasses.dataclass(frozen=True)
class OcclusionOptions:
    """Occlusion-specific training settings.

    Attributes:
        batch_size: samples per step (per process when distributed).
        max_occluders: most synthetic occluders per face (each sample draws 0 to this many).
        clean_share: share of samples with no occluder at all (teaches "nothing hidden").
        correction_share: share of each batch drawn from the corrections (when there are any).
        correction_weight: loss weight of a correction sample's pixels relative to a synthetic one's.
        dice_weight: weight of the soft Dice term.
        soft_edges: share of solid occluders drawn with a defocused (soft) edge.
        workers: data-loader worker processes.
        preview_faces: faces in each preview grid.
    """

    batch_size: int = 12
    max_occluders: int = 3
    clean_share: float = 0.1
    correction_share: float = 0.25
    correction_weight: float = 4.0
    dice_weight: float = 0.5
    soft_edges: float = 0.3
    workers: int = 0
    preview_faces: int = 4


class OcclusionSampler:
    """Draws training samples (see the module docstring); shared by the batches and the previews."""

    def __init__(
        self,
        facesets: list[FaceSet],
        corrections: list[Correction],
        size: int,
        options: OcclusionOptions,
        photos: list[np.ndarray] | None = None,
    ):
        self.facesets = facesets
        self.corrections = corrections
        self.size = size
        self.options = options
        self.bank = occluders.TextureBank(
            np.concatenate([f.images for f in facesets]),
            np.concatenate([f.mattes for f in facesets]),
            list(photos or []),
        )

    def _face(
        self, image: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator, extra: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The jittered face at the model size, its landmarks, and ``extra`` (a matte) moved alike."""
        m, _ = augment.jitter_matrix(rng, image.shape[0], self.size, AUGMENT)
        rgb = augment.warp(image, m, self.size).astype(np.float32) / 255.0
        rgb = augment.photometric(rgb, rng, AUGMENT)
        points = landmarks.astype(np.float64) @ m[:, :2].T + m[:, 2]
        moved = None if extra is None else augment.warp(extra, m, self.size, border=0)
        return rgb, points, moved

    def sample(self, rng: np.random.Generator, correction: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(image (S, S, 3), target (S, S), weight (S, S))`` float32."""
        o = self.options
        if correction:
            c = self.corrections[int(rng.integers(len(self.corrections)))]
            image, points, known = self._face(c.image, c.landmarks, rng, c.matte)
            hidden = known.astype(np.float32)
            weight = np.full(hidden.shape, o.correction_weight, np.float32)
            count = int(rng.integers(0, 2))  # an extra synthetic occluder now and then, over the true ones
        else:
            f = self.facesets[int(rng.integers(len(self.facesets)))]
            i = int(rng.integers(len(f)))
            image, points, _ = self._face(f.images[i], f.landmarks[i], rng)
            hidden = np.zeros(image.shape[:2], np.float32)
            weight = np.ones(image.shape[:2], np.float32)
            count = 0 if rng.random() < o.clean_share else int(rng.integers(1, o.max_occluders + 1))
        layers = [occluders.occluder(rng, self.size, self.bank, points, soft=o.soft_edges) for _ in range(count)]
        image, drawn = occluders.composite(image, layers)
        hidden = 1.0 - (1.0 - hidden) * (1.0 - drawn)
        image = augment.degrade(image, rng, AUGMENT)
        return image.astype(np.float32), hidden.astype(np.float32), weight


class OcclusionBatches(torch.utils.data.Dataset):
    """Map-style dataset: item ``step`` is that step's batch for one process."""

    def __init__(self, sampler: OcclusionSampler, seed: int, rank: int):
        self.sampler = sampler
        self.seed = seed
        self.rank = rank

    def __len__(self) -> int:
        return 1 << 40

    def __getitem__(self, step: int) -> dict[str, torch.Tensor]:
        o = self.sampler.options
        images, targets, weights = [], [], []
        n_corr = int(round(o.batch_size * o.correction_share)) if self.sampler.corrections else 0
        for slot in range(o.batch_size):
            rng = np.random.default_rng([self.seed, step, self.rank, slot])
            image, target, weight = self.sampler.sample(rng, correction=slot < n_corr)
            images.append(image)
            targets.append(target)
            weights.append(weight)
        return {
            "image": torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous(),
            "target": torch.from_numpy(np.stack(targets))[:, None],
            "weight": torch.from_numpy(np.stack(weights))[:, None],
        }


def soft_dice(prob: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """1 - weighted soft Dice over the batch (eps keeps clean faces, with nothing hidden, defined)."""
    inter = (weight * prob * target).sum()
    total = (weight * (prob + target)).sum()
    return 1.0 - (2.0 * inter + 1.0) / (total + 1.0)


class OcclusionTrainModule(nn.Module):
    """The trained module: ``forward(batch, step)`` returns the loss terms."""

    def __init__(self, net: OcclusionNet, options: OcclusionOptions):
        super().__init__()
        self.net = net
        self.options = options

    def forward(self, batch: dict[str, torch.Tensor], step: int) -> dict[str, torch.Tensor]:
        logits = self.net.logits(batch["image"]).float()
        with torch.autocast(logits.device.type, enabled=False):
            weight = batch["weight"]
            bce = (
                F.binary_cross_entropy_with_logits(logits, batch["target"], reduction="none") * weight
            ).sum() / weight.sum()
            dice = soft_dice(torch.sigmoid(logits), batch["target"], weight)
            return {"bce": bce, "dice": self.options.dice_weight * dice}


class OcclusionTask:
    """:class:`~faceplate.models.trainer.loop.Task` of an occlusion model over face-sets and corrections.

    Args:
        facesets: the shot's face-sets (aligned crops, any size; resampled to the preset's).
        preset: network widths and resolution (:mod:`faceplate.models.occlusion.presets`).
        corrections: artist-corrected faces (may be empty).
        options: batch and loss settings.
        seed: seeds the samples.
        photos: extra texture photos (uint8 RGB) for the occluders.
        init: a state dict of :class:`OcclusionNet` to start from (fine-tuning), or None.
        label: what the data is, for the checkpoint's config (resume checks it).
    """

    name = "occlusion"

    def __init__(
        self,
        facesets: list[FaceSet],
        preset: OcclusionPreset,
        corrections: list[Correction] = (),
        options: OcclusionOptions = OcclusionOptions(),
        seed: int = 0,
        photos=None,
        init: dict | None = None,
        label: str = "",
    ):
        self.preset = preset
        self.options = options
        self.seed = seed
        self.init = init
        self.label = label
        self.sampler = OcclusionSampler(facesets, list(corrections), preset.resolution, options, photos)

    def build(self) -> OcclusionTrainModule:
        net = OcclusionNet(self.preset.widths, self.preset.body)
        if self.init is not None:
            net.load_state_dict(self.init)
        return OcclusionTrainModule(net, self.options)

    def config(self) -> dict:
        return {
            "task": self.name,
            "preset": self.preset.name,
            "resolution": self.preset.resolution,
            "widths": list(self.preset.widths),
            "body": self.preset.body,
            "batch_size": self.options.batch_size,
            "data": self.label,
            "corrections": len(self.sampler.corrections),
        }

    def markers(self, steps: int) -> list[tuple[int, str]]:
        return []

    def batches(self, start: int, stop: int, rank: int, world: int) -> Iterator[dict]:
        return step_batches(OcclusionBatches(self.sampler, self.seed, rank), start, stop, self.options.workers)

    def preview_samples(self) -> dict[str, torch.Tensor]:
        """Fixed samples (seeded apart from training's) for previews: half with occluders, corrections first."""
        images, targets = [], []
        n = self.options.preview_faces
        for k in range(n):
            rng = np.random.default_rng([self.seed, 7919, k])
            image, target, _ = self.sampler.sample(rng, correction=bool(self.sampler.corrections) and k == 0)
            images.append(image)
            targets.append(target)
        return {
            "image": torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous(),
            "target": torch.from_numpy(np.stack(targets))[:, None],
        }

    def preview(self, module: OcclusionTrainModule, step: int, path: str) -> str:
        """Grid: per face the input, the true hidden matte and the prediction."""
        samples = self.preview_samples()
        device = next(module.parameters()).device
        prob = module.net(samples["image"].to(device)).float().cpu()
        rows = []
        for k in range(prob.shape[0]):
            image = samples["image"][k].permute(1, 2, 0).numpy()
            truth = samples["target"][k, 0].numpy()
            pred = prob[k, 0].numpy()
            over = image * (1 - 0.5 * pred[..., None]) + np.array([1.0, 0.0, 0.0], np.float32) * 0.5 * pred[..., None]
            rows.append([image, np.repeat(truth[..., None], 3, 2), np.repeat(pred[..., None], 3, 2), over])
        return write_grid(
            path,
            rows,
            ["input", "hidden (truth)", "predicted", "overlay"],
            [f"face {k}" for k in range(len(rows))],
            f"occlusion step {step}",
            cell=max(96, min(self.preset.resolution, 128)),
        )

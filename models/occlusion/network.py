"""The occlusion segmenter: a compact U-Net in aligned-face space.

Input ``(N, 3, S, S)`` float32 RGB in [0, 1], sRGB-encoded (the model card's colour space); output
``(N, 1, S, S)`` float32 probability that the pixel is hidden (occluded). ``S`` must be a multiple of
``2 ** (len(widths) + 1)``; the shipped default and the ``128`` preset use 128 (``tiny``: 64).

Light convolutions at full and half resolution (kept for the edges), then a U-Net body from a quarter
of the resolution: per level two 3x3 convolutions (GroupNorm, SiLU), strided-convolution down,
bilinear up with skip connections; the body's output is refined with the half-resolution features
and a narrow full-resolution head. Training on two CPU cores is what it is sized for: the body at a
quarter resolution costs a third of a full-resolution U-Net of the same widths, and the skip paths
keep the edges. About 0.3 M parameters at the ``128`` preset's widths (exported ONNX about 1.2 MB).
No BatchNorm: per-shot fine-tuning runs with small batches, and GroupNorm behaves the same in training and inference.

Example:
    >>> import torch
    >>> from faceplate.models.occlusion.network import OcclusionNet
    >>> net = OcclusionNet(widths=(8, 16))
    >>> net(torch.rand(2, 3, 32, 32)).shape
    torch.Size([2, 1, 32, 32])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

DEFAULT_WIDTHS = (16, 32, 48, 64)
FULL, HALF = 8, 16  # channels of the light full- and half-resolution layers
BODIES = {"quarter": 2, "half": 1}  # where the U-Net body starts: the stem's stride after the half-resolution layer


def _block(c_in: int, c_out: int) -> nn.Sequential:
    groups = max(1, c_out // 8)
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1),
        nn.GroupNorm(groups, c_out),
        nn.SiLU(),
        nn.Conv2d(c_out, c_out, 3, padding=1),
        nn.GroupNorm(groups, c_out),
        nn.SiLU(),
    )


class OcclusionNet(nn.Module):
    """U-Net segmenter: ``forward(image) -> probability`` (see the module docstring).

    Args:
        widths: channels per level of the U-Net body, finest first; the coarsest is the bottleneck.
        body: the body's finest resolution: ``"quarter"`` or ``"half"`` of the input's (sharper edges,
            about twice the cost).
    """

    def __init__(self, widths: tuple[int, ...] = DEFAULT_WIDTHS, body: str = "quarter"):
        super().__init__()
        if body not in BODIES:
            raise ValueError(f"body must be one of {', '.join(BODIES)}, got {body!r}")
        self.widths = tuple(int(w) for w in widths)
        self.body = body
        self.fullres = nn.Sequential(nn.Conv2d(3, FULL, 3, padding=1), nn.SiLU())
        self.halfres = nn.Sequential(nn.Conv2d(FULL, HALF, 3, stride=2, padding=1), nn.SiLU())
        self.stem = nn.Sequential(
            nn.Conv2d(HALF, self.widths[0], 3, stride=BODIES[body], padding=1), _block(self.widths[0], self.widths[0])
        )
        self.down = nn.ModuleList(nn.Conv2d(a, b, 3, stride=2, padding=1) for a, b in zip(self.widths, self.widths[1:]))
        self.encode = nn.ModuleList(_block(b, b) for b in self.widths[1:])
        self.decode = nn.ModuleList(_block(a + b, a) for a, b in zip(self.widths[:-1], self.widths[1:]))
        self.refine = nn.Sequential(nn.Conv2d(self.widths[0] + HALF, HALF, 3, padding=1), nn.SiLU())
        # Full resolution is where the cost goes: a 1x1 mix, then one narrow 3x3.
        self.head = nn.Sequential(nn.Conv2d(HALF + FULL, FULL, 1), nn.SiLU(), nn.Conv2d(FULL, 1, 3, padding=1))

    @property
    def multiple(self) -> int:
        """The input side must be a multiple of this."""
        return 2 ** (len(self.widths) - 1) * 2 * BODIES[self.body]

    def logits(self, image: torch.Tensor) -> torch.Tensor:
        full = self.fullres(image * 2.0 - 1.0)
        half = self.halfres(full)
        x = self.stem(half)
        skips = [x]
        for down, encode in zip(self.down, self.encode):
            x = encode(down(x))
            skips.append(x)
        skips.pop()
        for decode in reversed(self.decode):
            skip = skips.pop()
            x = decode(torch.cat([_up(x, skip), skip], 1))
        x = self.refine(torch.cat([_up(x, half), half], 1))
        return self.head(torch.cat([_up(x, full), full], 1))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(image))


def _up(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)

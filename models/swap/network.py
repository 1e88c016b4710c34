"""The swap network: shared encoder + dense bottleneck, one decoder per identity with RGB and matte heads.

Every identity's face goes through the same encoder, so the bottleneck learns pose, expression and
lighting shared by all of them; each decoder learns to draw one person. Swapping is encoding a face of
one identity and decoding it with another identity's decoder.

Tensors are ``(N, 3, R, R)`` float32 RGB in [0, 1], *display-referred sRGB-encoded* (the face-set PNGs'
encoding; the NeuralSwap node converts from and to the scene-linear plate), channels first.
Outputs: ``rgb`` ``(N, 3, R, R)`` and ``matte`` ``(N, 1, R, R)``, both in [0, 1].

Progressive growing (:mod:`.presets`): stage ``s`` works at ``preset.stage_resolutions[s]``. The
encoder has one ``from_rgb`` layer per stage and the decoders one ``to_rgb`` head per stage; while
stage ``s`` fades in (``alpha`` < 1) its new layers' result is blended with the previous stage's
layers applied at half resolution (encoder: features; decoder: the output images, after the sigmoid),
so adding a stage never throws the model off.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from faceplate.models.swap.presets import Preset

BOTTLENECK = 4  # spatial side of the dense bottleneck


def _act() -> nn.Module:
    return nn.LeakyReLU(0.1, inplace=True)


def init_weights(module: nn.Module) -> None:
    """He (Kaiming) initialisation for the LeakyReLU(0.1) network, biases zero.

    PyTorch's default init (``kaiming_uniform_(a=sqrt(5))``) gives each layer about a third of the variance
    it needs; over the ~20 layers between a face and its redraw the input's contribution shrank by ~1e6, so
    every face came out as the same bias-driven "mean face" and the encoder never recovered from it.
    The output heads (``to_rgb``) start at a tenth of that, so an untrained model draws a near-uniform grey
    (the baseline the PSNR test compares against is not made worse by random-weight noise).
    """
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, a=0.1, nonlinearity="leaky_relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    for m in module.modules():
        if isinstance(m, Decoder):
            for head in m.to_rgb:
                head.weight.data.mul_(0.1)


class Down(nn.Module):
    """Halves the resolution: strided 3x3 conv, then a 3x3 conv."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(cin, cout, 3, 2, 1), _act(), nn.Conv2d(cout, cout, 3, 1, 1), _act())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class Up(nn.Module):
    """Doubles the resolution: 3x3 conv to 4x the channels and pixel shuffle, then a residual 3x3 block."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.up = nn.Sequential(nn.Conv2d(cin, cout * 4, 3, 1, 1), nn.PixelShuffle(2), _act())
        self.res = nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1), _act(), nn.Conv2d(cout, cout, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.up(x)
        return F.leaky_relu(x + self.res(x), 0.1)


class Encoder(nn.Module):
    """Shared encoder: per-stage ``from_rgb``, downsampling to the first stage's resolution, then to 4x4 and
    a dense latent, and back up to 8x8 (the shared "inter" part every decoder starts from)."""

    def __init__(self, p: Preset):
        super().__init__()
        res = p.stage_resolutions
        self.from_rgb = nn.ModuleList(nn.Sequential(nn.Conv2d(3, p.channels(r), 3, 1, 1), _act()) for r in res)
        # stage_down[s] maps resolution res[s] to res[s-1]; index 0 unused (kept for indexing).
        self.stage_down = nn.ModuleList(
            [nn.Identity()] + [Down(p.channels(res[s]), p.channels(res[s - 1])) for s in range(1, len(res))]
        )
        core, r = [], res[0]
        while r > BOTTLENECK:
            core.append(Down(p.channels(r), p.channels(r // 2)))
            r //= 2
        self.core = nn.Sequential(*core)
        width = p.channels(BOTTLENECK)
        self.to_latent = nn.Linear(width * BOTTLENECK * BOTTLENECK, p.latent)
        self.from_latent = nn.Linear(p.latent, width * BOTTLENECK * BOTTLENECK)
        self.inter_up = Up(width, p.channels(2 * BOTTLENECK))
        self.width = width

    def forward(self, x: torch.Tensor, stage: int, alpha: float = 1.0) -> torch.Tensor:
        h = self.stage_down[stage](self.from_rgb[stage](x)) if stage > 0 else self.from_rgb[0](x)
        if stage > 0 and alpha < 1.0:
            old = self.from_rgb[stage - 1](F.avg_pool2d(x, 2))
            h = alpha * h + (1.0 - alpha) * old
        for s in range(stage - 1, 0, -1):
            h = self.stage_down[s](h)
        h = self.core(h)
        z = self.to_latent(h.flatten(1))
        h = self.from_latent(z).view(-1, self.width, BOTTLENECK, BOTTLENECK)
        return self.inter_up(F.leaky_relu(h, 0.1))


class Decoder(nn.Module):
    """One identity's decoder: up to the first stage's resolution, one ``Up`` per later stage, and a
    ``to_rgb`` head per stage giving 4 channels (RGB and matte logits)."""

    def __init__(self, p: Preset):
        super().__init__()
        res = p.stage_resolutions
        core, r = [], 2 * BOTTLENECK
        while r < res[0]:
            core.append(Up(p.channels(r), p.channels(2 * r)))
            r *= 2
        self.core = nn.Sequential(*core)
        self.stage_up = nn.ModuleList(
            [nn.Identity()] + [Up(p.channels(res[s - 1]), p.channels(res[s])) for s in range(1, len(res))]
        )
        self.to_rgb = nn.ModuleList(nn.Conv2d(p.channels(r), 4, 3, 1, 1) for r in res)

    def forward(self, h: torch.Tensor, stage: int, alpha: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.core(h)
        previous = h
        for s in range(1, stage + 1):
            previous = h
            h = self.stage_up[s](h)
        out = torch.sigmoid(self.to_rgb[stage](h))
        if stage > 0 and alpha < 1.0:
            # Blend the *images* (after the sigmoid), as ProGAN does. Blending logits made the output
            # depend on alpha through the old head's saturated logits (the matte's reach +-10s), so each
            # alpha step moved the output and the end of the fade was a loss spike.
            old = F.interpolate(
                torch.sigmoid(self.to_rgb[stage - 1](previous)), scale_factor=2.0, mode="bilinear", align_corners=False
            )
            out = alpha * out + (1.0 - alpha) * old
        return out[:, :3], out[:, 3:4]


class SwapModel(nn.Module):
    """Shared encoder and one decoder per identity.

    Args:
        preset: the architecture (:func:`faceplate.models.swap.presets.preset`).
        identities: identity labels, in decoder order.

    Example:
        >>> from faceplate.models.swap import SwapModel, preset
        >>> model = SwapModel(preset("tiny"), ["A", "B"])
        >>> rgb, matte = model(torch.rand(2, 3, 64, 64), "B")
        >>> tuple(rgb.shape), tuple(matte.shape)
        ((2, 3, 64, 64), (2, 1, 64, 64))
    """

    def __init__(self, preset: Preset, identities: list[str]):
        super().__init__()
        if len(identities) < 1 or len(set(identities)) != len(identities):
            raise ValueError(f"identities must be distinct labels, got {identities}")
        self.preset = preset
        self.identities = list(identities)
        self.encoder = Encoder(preset)
        self.decoders = nn.ModuleList(Decoder(preset) for _ in identities)
        init_weights(self)

    def index(self, identity: str | int) -> int:
        if isinstance(identity, int):
            return identity
        try:
            return self.identities.index(identity)
        except ValueError:
            raise KeyError(f"identity '{identity}' is not in the model; it has {', '.join(self.identities)}") from None

    def forward(
        self, x: torch.Tensor, identity: str | int, stage: int | None = None, alpha: float = 1.0
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``x`` ``(N, 3, R, R)`` at the stage's resolution, redrawn as ``identity``: ``(rgb, matte)``."""
        stage = self.preset.stages - 1 if stage is None else stage
        return self.decoders[self.index(identity)](self.encoder(x, stage, alpha), stage, alpha)

    def reconstruct_all(self, batches: list[torch.Tensor], stage: int, alpha: float):
        """Each identity's batch through the shared encoder (one pass) and its own decoder."""
        sizes = [b.shape[0] for b in batches]
        codes = self.encoder(torch.cat(batches), stage, alpha).split(sizes)
        return [self.decoders[i](code, stage, alpha) for i, code in enumerate(codes)]


class SwapInference(nn.Module):
    """Encoder + one identity's decoder at the final stage: what is exported to ONNX.

    Input ``image`` ``(N, 3, R, R)`` sRGB-encoded [0, 1]; outputs ``rgb`` ``(N, 3, R, R)``, ``matte`` ``(N, 1, R, R)``.
    """

    def __init__(self, model: SwapModel, identity: str):
        super().__init__()
        self.encoder = model.encoder
        self.decoder = model.decoders[model.index(identity)]
        self.stage = model.preset.stages - 1

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.decoder(self.encoder(image, self.stage), self.stage)

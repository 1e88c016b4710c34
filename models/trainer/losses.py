"""Image losses for training on aligned crops: masked L1, masked SSIM (as DSSIM) and PSNR.

Every loss takes ``(N, C, H, W)`` tensors and a non-negative weight map ``(N, 1, H, W)`` that says where
(and how much) each pixel counts: the face matte, raised over the eyes and mouth.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F


def masked_l1(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Weighted mean absolute error (the weight broadcast over channels)."""
    return ((pred - target).abs() * weight).sum() / (weight.sum() * pred.shape[1]).clamp_min(1e-8)


@functools.lru_cache(maxsize=8)
def _gaussian(size: int, sigma: float, channels: int, device: str, dtype: torch.dtype) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = (g / g.sum()).to(dtype)
    return (g[:, None] * g[None, :]).expand(channels, 1, size, size).contiguous().to(device)


def ssim_map(a: torch.Tensor, b: torch.Tensor, size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """Per-pixel SSIM (Wang et al. 2004, Gaussian window, inputs in [0, 1]), ``(N, C, H, W)``."""
    c = a.shape[1]
    size = min(size, a.shape[-1] // 2 * 2 - 1)
    w = _gaussian(size, sigma, c, str(a.device), a.dtype)
    pad = size // 2

    def blur(x):
        return F.conv2d(F.pad(x, (pad,) * 4, mode="reflect"), w, groups=c)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    c1, c2 = 0.01**2, 0.03**2
    return ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))


def masked_dssim(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Weighted mean of (1 - SSIM) / 2."""
    d = (1.0 - ssim_map(pred, target)) / 2.0
    return (d * weight).sum() / (weight.sum() * pred.shape[1]).clamp_min(1e-8)


def psnr(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Peak signal-to-noise ratio in dB for values in [0, 1] over the whole batch."""
    mse = float(((pred.float() - target.float()) ** 2).mean())
    return float("inf") if mse == 0 else -10.0 * torch.log10(torch.tensor(mse)).item()

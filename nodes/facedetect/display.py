"""Linear plate pixels to the display-referred 8-bit RGB a face model expects, bit-exact and fast.

:func:`quantise` is the reference quantisation; :class:`DisplayQuantiser` gives the same bits as
OpenColorIO's processor followed by :func:`quantise`, without evaluating the transfer curve.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
import PyOpenColorIO as ocio

from faceplate import _native
from faceplate.nodes.io import colour


def quantise(rgba: np.ndarray) -> np.ndarray:
    """Display-referred float RGBA -> uint8 RGB, ``clip(x, 0, 1) * 255 + 0.5`` truncated (overwrites ``rgba``)."""
    np.clip(rgba, 0.0, 1.0, out=rgba)
    rgba *= np.float32(255.0)
    rgba += np.float32(0.5)
    return np.ascontiguousarray(rgba[:, :, :3].astype(np.uint8))


class DisplayQuantiser:
    """The display conversion and 8-bit quantisation, bit-exact, without evaluating the transfer curve.

    Where OpenColorIO's optimised processor is a matrix followed by one per-channel curve (ACEScg ->
    sRGB is: a 3x3 matrix, then the sRGB curve), the matrix is applied by OpenColorIO itself (a
    processor of that matrix alone: the same code, the same bits) and the curve *and* the quantisation
    are replaced by the 255 thresholds where the 8-bit result steps up. The curve is monotonic, so
    ``uint8(v) = number of thresholds <= v``; the thresholds are found once by bisection over float32
    values, evaluating OpenColorIO's own curve. Looking the count up goes through a table indexed by
    the float's top bits (one threshold at most per entry), in one pass of the native module
    (``_native.display_lookup``) instead of a ``pow`` per channel, which was 90 % of the
    conversion's time.

    Construction verifies the result against the full OpenColorIO processor (every threshold's
    neighbourhood, random and special values, the matrix on random colours) and refuses (raises
    ``ValueError``) on any difference or on a processor of another shape; callers then use OpenColorIO.
    """

    SHIFT = 12  # table entry = float32 bits >> SHIFT: 2**-11 relative width, far finer than the steps
    LOW = (1 << SHIFT) - 1
    TOP = np.float32(2.0)  # values are clipped to [TINY, TOP] before the lookup: every step lies inside
    TINY = np.float32(np.finfo(np.float32).smallest_subnormal)

    def __init__(self, config: str, src: str, dst: str):
        cfg = colour._load_config(config)
        self.full = colour._processor(config, src, dst)
        transforms = list(
            cfg.getProcessor(src, dst).getOptimizedProcessor(ocio.OPTIMIZATION_LOSSLESS).createGroupTransform()
        )
        if (
            len(transforms) != 2
            or not isinstance(transforms[0], ocio.MatrixTransform)
            or not isinstance(transforms[1], (ocio.ExponentWithLinearTransform, ocio.ExponentTransform))
        ):
            raise ValueError("not a matrix followed by a per-channel curve")
        self.matrix = cfg.getProcessor(transforms[0]).getOptimizedCPUProcessor(ocio.OPTIMIZATION_LOSSLESS)
        self.curve = cfg.getProcessor(transforms[1]).getOptimizedCPUProcessor(ocio.OPTIMIZATION_LOSSLESS)
        self.thresholds = self._thresholds()
        self.table = self._table()
        self.nan, self.zero = self._curve_u8(np.array([np.nan, self.TINY], np.float32))[:, 0]
        self._verify()

    def _curve_u8(self, values: np.ndarray) -> np.ndarray:
        """``(n, 3)`` uint8: OpenColorIO's curve then the quantisation, of each value in every channel."""
        rgba = np.empty((len(values), 4), np.float32)
        rgba[:, :3] = values[:, None]
        rgba[:, 3] = 1.0
        self.curve.applyRGBA(rgba.reshape(1, -1, 4))
        with np.errstate(invalid="ignore"):  # NaN: the cast's result is what the full path gives too
            return quantise(rgba.reshape(1, -1, 4))[0]

    def _thresholds(self) -> np.ndarray:
        """``(255,)`` float32 bits: the least value whose 8-bit result is at least k, k = 1..255."""
        lo_bits, hi_bits = int(self.TINY.view(np.uint32)), int(self.TOP.view(np.uint32))
        ends = self._curve_u8(np.array([self.TINY, self.TOP], np.float32))
        if (ends[0] != 0).any() or (ends[1] != 255).any():
            raise ValueError("the curve does not span 0..255 inside the lookup range")
        k = np.arange(1, 256)
        lo = np.full(255, lo_bits, np.int64)  # result(lo) < k
        hi = np.full(255, hi_bits, np.int64)  # result(hi) >= k
        while (hi - lo > 1).any():
            mid = (lo + hi) // 2
            got = self._curve_u8(mid.astype(np.uint32).view(np.float32))
            if (got != got[:, :1]).any():
                raise ValueError("the curve differs between channels")
            above = got[:, 0] >= k
            hi = np.where(above, mid, hi)
            lo = np.where(above, lo, mid)
        return hi.astype(np.uint32)

    def _table(self) -> np.ndarray:
        """Per entry (float32 bits >> SHIFT): the result at the entry's start << 16, plus the low bits of
        the step inside the entry (``LOW + 1``, past every low part, where there is none)."""
        size = (int(self.TOP.view(np.uint32)) >> self.SHIFT) + 1
        starts = np.arange(size, dtype=np.uint64) << self.SHIFT
        base = np.searchsorted(self.thresholds, starts, side="right").astype(np.uint32)
        table = (base << 16) | np.uint32(self.LOW + 1)
        entry = self.thresholds >> self.SHIFT
        low = self.thresholds & self.LOW
        inside = low != 0  # a step at an entry's start is counted in its base
        if len(np.unique(entry[inside])) != inside.sum():
            raise ValueError("two steps in one table entry")
        table[entry[inside]] = (base[entry[inside]] << 16) | low[inside]
        return table

    def lookup(self, values: np.ndarray) -> np.ndarray:
        """uint8 results, same shape, of float32 ``values`` taken before the curve (native, one pass)."""
        return _native.display_lookup(
            np.ascontiguousarray(values, np.float32), self.table, self.SHIFT, self.TINY, self.TOP, int(self.nan)
        )

    def __call__(self, rgba: np.ndarray) -> np.ndarray:
        """Scene-linear ``(h, w, 4)`` float32 RGBA (alpha 1; overwritten) -> display uint8 RGB."""
        self.matrix.applyRGBA(rgba)
        return cv2.cvtColor(self.lookup(rgba), cv2.COLOR_RGBA2RGB)  # alpha's result is dropped

    def _verify(self) -> None:
        rng = np.random.default_rng(0)
        # Each step's neighbourhood, every float32 value of it, against OpenColorIO's curve.
        near = (self.thresholds.astype(np.int64)[:, None] + np.arange(-256, 256)[None, :]).ravel()
        near = near[near > 0].astype(np.uint32).view(np.float32)
        special = np.array(
            [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1e30, -1e30, 2.0, 3.0], np.float32
        )
        values = np.concatenate(
            [
                near,
                special,
                rng.uniform(-0.5, 2.5, 50_000).astype(np.float32),
                np.exp(rng.uniform(-40, 5, 50_000)).astype(np.float32),
            ]
        )
        if not np.array_equal(self.lookup(values.copy()), self._curve_u8(values)[:, 0]):
            raise ValueError("the lookup differs from OpenColorIO's curve")
        # The whole conversion, against the full processor, on random colours (with specials mixed in).
        colours = rng.uniform(-0.2, 1.5, (1, 20_000, 4)).astype(np.float32)
        colours[0, : len(special), 0] = special
        colours[..., 3] = 1.0
        expected = colours.copy()
        self.full.applyRGBA(expected)
        with np.errstate(invalid="ignore"):
            expected = quantise(expected)
        if not np.array_equal(self(colours.copy()), expected):
            raise ValueError("matrix then curve differs from the full processor")


@functools.lru_cache(maxsize=16)
def display_quantiser(config: str, src: str, dst: str) -> DisplayQuantiser | None:
    """The :class:`DisplayQuantiser` of a conversion, or None where it does not apply (built once per process)."""
    try:
        return DisplayQuantiser(config, src, dst)
    except ValueError:
        return None

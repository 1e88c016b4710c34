"""Image comparison under the written tolerance policy of TOLERANCE.md (OpenImageIO idiff style).

A comparison fails when more than ``fail_fraction`` of the values differ by more than
``threshold``, or when any value differs by more than ``hard_ceiling``. NaN must match NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    """Per-value threshold, fraction of values allowed over it, and a hard ceiling for every value."""

    threshold: float
    fail_fraction: float
    hard_ceiling: float


# The named policies; TOLERANCE.md explains each figure.
EXACT = Tolerance(threshold=3e-5, fail_fraction=0.0, hard_ceiling=3e-5)
NEAREST = Tolerance(threshold=1e-6, fail_fraction=0.005, hard_ceiling=1.0)
FLOAT16 = Tolerance(threshold=1e-3, fail_fraction=0.0, hard_ceiling=1e-3)
FLOAT16_NEAREST = Tolerance(threshold=1e-3, fail_fraction=0.005, hard_ceiling=1.0)
OPENCV = Tolerance(threshold=1e-4, fail_fraction=0.001, hard_ceiling=2e-3)
OPENCV_NEAREST = Tolerance(threshold=1e-6, fail_fraction=0.01, hard_ceiling=1.0)
CUDA_PARITY = Tolerance(threshold=3e-5, fail_fraction=0.0, hard_ceiling=3e-5)
CUDA_PARITY_NEAREST = Tolerance(threshold=1e-6, fail_fraction=0.002, hard_ceiling=1.0)


def compare(actual, expected, tol: Tolerance) -> tuple[bool, str]:
    """Returns (passed, report) for two same-shaped arrays under tol."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        return False, f"shape {a.shape} != expected {e.shape}"
    nan_mismatch = np.isnan(a) != np.isnan(e)
    diff = np.abs(np.where(np.isnan(a) | np.isnan(e), 0.0, a - e))
    diff[nan_mismatch] = np.inf
    over = int(np.count_nonzero(diff > tol.threshold))
    fraction = over / max(diff.size, 1)
    worst = float(diff.max()) if diff.size else 0.0
    where = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.size else ()
    report = (
        f"{over} of {diff.size} values ({fraction:.4%}) over {tol.threshold:g} (allowed {tol.fail_fraction:.4%}); "
        f"max diff {worst:.3g} at {tuple(int(i) for i in where)} (ceiling {tol.hard_ceiling:g})"
    )
    return fraction <= tol.fail_fraction and worst <= tol.hard_ceiling, report


def assert_images_close(actual, expected, tol: Tolerance, what: str = "") -> None:
    """Fails the test with a report when actual and expected differ beyond tol."""
    passed, report = compare(actual, expected, tol)
    assert passed, f"{what}: {report}" if what else report

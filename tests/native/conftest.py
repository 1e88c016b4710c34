"""Fixtures of the native kernel tests (helpers are in native_cases.py)."""

from __future__ import annotations

import numpy as np
import pytest
from native_cases import smooth_image


@pytest.fixture
def src4() -> np.ndarray:
    return smooth_image(40, 48, 4, seed=1)

"""Fixtures of the FaceDetect tests (shared helpers are in shots.py)."""

import numpy as np
import pytest
from faceplate.nodes.facedetect.backends import get_backend


@pytest.fixture(scope="session")
def dlib_backend():
    return get_backend("dlib")


@pytest.fixture
def rng():
    return np.random.default_rng(0)

"""Fixtures of the FaceDetect tests (shared helpers are in shots.py)."""

import numpy as np
import pytest

from faceplate.nodes.facedetect.backends import get_backend


@pytest.fixture(scope="session")
def dlib_backend():
    return get_backend("dlib")


@pytest.fixture(scope="session")
def mesh_backend():
    return get_backend("mesh")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="module")
def still():
    """The astronaut's 68 landmarks (dlib, whole-photo search), centred on their mean: a real face to move."""
    from shots import photo_plate

    from faceplate.nodes.facedetect.backends import get_backend
    from faceplate.nodes.facedetect.detect import Detector

    (face,) = Detector(get_backend("dlib"), proxy_size=640).find(photo_plate("astronaut"))
    return face.landmarks - face.landmarks.mean(axis=0)

"""Fixtures of the image-file tests: the OpenEXR reference images copied into tests/data (BSD-3, LICENSE beside)."""

from __future__ import annotations

import os

import pytest

EXR_IMAGES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "openexr-images")


def exr_image(*parts: str) -> str:
    path = os.path.join(EXR_IMAGES, *parts)
    assert os.path.isfile(path), f"fixture missing: {path}"
    return path


@pytest.fixture
def beachball() -> str:
    return exr_image("Beachball", "singlepart.0001.exr")


@pytest.fixture
def beachball_multipart() -> str:
    return exr_image("Beachball", "multipart.0001.exr")

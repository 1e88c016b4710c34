"""Fixtures of the image-file tests (helpers are in io_images.py)."""

from __future__ import annotations

import pytest
from io_images import exr_image


@pytest.fixture
def beachball() -> str:
    return exr_image("Beachball", "singlepart.0001.exr")


@pytest.fixture
def beachball_multipart() -> str:
    return exr_image("Beachball", "multipart.0001.exr")

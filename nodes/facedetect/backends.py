"""The face backends by name: what the FaceDetect ``backend`` knob and ``faceplate track`` choose from."""

from __future__ import annotations

import functools

from faceplate.foundation.errors import ModelError
from faceplate.nodes.facedetect.backend import BACKENDS, Backend


@functools.lru_cache(maxsize=4)
def get_backend(name: str) -> Backend:
    """The backend ``name`` (one of :data:`~faceplate.nodes.facedetect.backend.BACKENDS`), built once per
    process (its weights are loaded and verified once)."""
    # Each backend module is imported on first use: dlib's and FAN's (torch) are slow to import.
    if name == "dlib":
        from faceplate.nodes.facedetect.dlib_backend import DlibBackend  # deferred: dlib

        return DlibBackend()
    if name == "fan":
        from faceplate.nodes.facedetect.fan_backend import FanBackend  # deferred: torch, face_alignment

        return FanBackend(dlib=get_backend("dlib"))
    raise ModelError(f"unknown face backend '{name}'; choose one of {', '.join(BACKENDS)}")

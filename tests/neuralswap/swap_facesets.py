"""Small face-sets built from the two real photos, in the format ``faceplate extract`` writes.

Not in conftest.py (``from conftest import`` collides across test folders). The sets come from
:func:`faceplate.actions.demo.facesets.write_photo_faceset` (each face the photo aligned to the ``whole_face``
template with its own small rotation, scale, shift and exposure, like the frames of a short shot).
"""

from __future__ import annotations

import sys

# Re-exported: the tests import them from here.
from faceplate.actions.demo.facesets import aligned_from_photo, photo_landmarks, write_photo_faceset  # noqa: F401
from faceplate.actions.demo.photos import photo_srgb  # noqa: F401


def build_faceset(folder: str, name: str, identity: str, count: int = 24, size: int = 64, seed: int = 0) -> str:
    """Writes a face-set of ``count`` ``size`` px faces of photo ``name`` into ``folder``; returns it."""
    return write_photo_faceset(folder, name, identity, count=count, size=size, seed=seed)


def train_command(facesets: dict[str, str], out: str, steps: int, *options: str) -> list[str]:
    """``python -m faceplate.cli train`` of a tiny-preset swap model on face-sets ``{"A": ..., "B": ...}`` into
    ``out``, ``steps`` steps, no ONNX export, quiet; ``options`` are further ``faceplate train`` arguments."""
    identities = [arg for label in ("A", "B") for arg in ("--identity", f"{label}={facesets[label]}")]
    command = [sys.executable, "-m", "faceplate.cli", "train", *identities, "-o", out, "--preset", "tiny"]
    return [*command, "--steps", str(steps), "--no-export", "-q", *options]

"""Atomic checkpoints: written to a temporary file beside the target, flushed, then renamed.

A training killed at any moment leaves either the previous checkpoint or the new one, never half a
file. A checkpoint is a dict saved with :func:`torch.save`; :func:`load` checks its format and that it
was written for the same task (the caller's ``config``) before anything is restored.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from faceplate.foundation.errors import FaceplateError

FORMAT = "faceplate-checkpoint"
VERSION = 1


def save(state: dict[str, Any], path: str) -> str:
    """Writes ``state`` (plus format and version) to ``path`` atomically; returns ``path``."""
    import torch

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.partial-{uuid.uuid4().hex[:8]}"
    try:
        with open(tmp, "wb") as f:
            torch.save({"format": FORMAT, "version": VERSION, **state}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def load(path: str, *, expect: dict[str, Any] | None = None) -> dict[str, Any]:
    """Reads a checkpoint; with ``expect``, every key there must match the checkpoint's ``config``.

    Raises:
        FaceplateError: missing or unreadable file, not a faceplate checkpoint, or a config mismatch
            (naming the key, both values and the fix).
    """
    import torch

    if not os.path.isfile(path):
        raise FaceplateError(f"checkpoint {path} does not exist; train without --resume to start a new model")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)  # plain data only: never unpickle code
    except Exception as exc:  # torch raises many types for a damaged file
        raise FaceplateError(f"checkpoint {path} cannot be read ({exc}); delete it to start again") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise FaceplateError(f"{path} is not a faceplate checkpoint")
    if state.get("version") != VERSION:
        raise FaceplateError(f"checkpoint {path} has version {state.get('version')}, expected {VERSION}")
    for key, want in (expect or {}).items():
        have = state.get("config", {}).get(key)
        if have != want:
            raise FaceplateError(
                f"checkpoint {path} was trained with {key}={have!r}, this training asks for "
                f"{key}={want!r}; use the same settings to resume, or train into a new folder"
            )
    return state

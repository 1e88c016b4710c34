"""A trained swap model's folder: the finished ``model.pt``, or the last checkpoint while training runs."""

from __future__ import annotations

import os

from faceplate.models.trainer import checkpoint

MODEL_FILE = "model.pt"


def load_swap_model(model_dir: str, *, ema: bool = True):
    """The trained :class:`~faceplate.models.swap.SwapModel` of a model folder (``model.pt``, or the last
    checkpoint's EMA weights when training has not finished), in eval mode on the CPU."""
    from faceplate.models.swap import SwapModel, preset  # deferred: torch

    path = os.path.join(model_dir, MODEL_FILE)
    if os.path.isfile(path):
        state = checkpoint.load(path)
        weights = state["weights"]
    else:
        state = checkpoint.load(os.path.join(model_dir, "checkpoints", "last.pt"))
        raw = state["ema"] if ema and state.get("ema") else state["module"]
        weights = {k[len("model.") :]: v for k, v in raw.items() if k.startswith("model.")}
    config = state["config"]
    model = SwapModel(preset(config["preset"]), config["identities"])
    model.load_state_dict(weights)
    return model.eval()

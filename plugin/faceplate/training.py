"""Training API behind ``faceplate train``: a swap model from two or more identities' face-sets.

Example::

    from faceplate.training import train_swap
    result = train_swap({"A": "facesets/actorA", "B": "facesets/actorB"}, "models/ab", preset="tiny", steps=300)
    print(result.step, result.checkpoint, result.loss_curve)

The model folder then holds ``checkpoints/last.pt`` (resume with ``resume=True``), ``model.pt`` (the EMA
weights and config, what :func:`faceplate.models.export.export_swap` reads), ``previews/*.png``,
``loss_curve.png`` and ``training.json`` (settings and figures).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping

from faceplate.errors import FaceplateError

MODEL_FILE = "model.pt"


def load_identities(identities: Mapping[str, str]):
    """Every identity's face-set, loaded and checked (before any training starts)."""
    from faceplate.models.training.faceset import check_facesets, load_faceset

    if len(identities) < 2:
        raise FaceplateError(f"a swap model needs two or more identities, got {len(identities)}; pass "
                             "--identity LABEL=FACESET once per person")
    sets = [load_faceset(folder, label) for label, folder in identities.items()]
    check_facesets(sets)
    return sets


def train_swap(identities: Mapping[str, str], out_dir: str, *, preset: str = "256", steps: int | None = None,
               steps_per_stage: int | None = None, batch_size: int | None = None, lr: float | None = None,
               seed: int = 0, resume: bool = False, checkpoint_every: int = 500, preview_every: int = 500,
               workers: int = 0, device: str = "auto", distributed: bool = False, progress: bool = True,
               ema: float = 0.99, on_step: Callable[[int, dict], None] | None = None):
    """Trains (or resumes) a swap model; returns the loop's :class:`~faceplate.models.training.loop.TrainResult`.

    Args:
        identities: ``{label: face-set folder}``, two or more, in decoder order.
        out_dir: the model folder (created).
        preset: ``tiny``, ``256``, ``512`` or ``1024`` (:mod:`faceplate.models.swap.presets`).
        steps: optimiser steps in all (default: every stage of the preset once).
        steps_per_stage, batch_size, lr: override the preset's defaults.
        seed: seeds weights, sampling and augmentation: the same seed gives the same model.
        resume: continue from ``out_dir/checkpoints/last.pt``.
        checkpoint_every, preview_every: steps between checkpoints and between previews.
        workers: data-loader worker processes.
        device: ``auto``, ``cpu`` or ``cuda``.
        distributed: under ``torchrun``: DistributedDataParallel.
        ema: EMA decay of the exported weights.
        on_step: called after each step with ``(step, losses)``.

    Raises:
        FaceplateError: bad face-sets (before training), a folder holding another training without
            ``resume``, a checkpoint of other settings.
    """
    import torch

    from faceplate.models.swap import preset as get_preset
    from faceplate.models.training.loop import Trainer, TrainOptions
    from faceplate.models.training.swap_task import SwapOptions, SwapTask

    p = get_preset(preset)
    sets = load_identities(identities)
    if sets[0].size < p.resolution:
        raise FaceplateError(f"the face-sets' crops are {sets[0].size} px but preset '{p.name}' trains at "
                             f"{p.resolution} px; extract with AlignEdit size {p.resolution} or more, or pick a "
                             "smaller preset")
    per = steps_per_stage or p.steps_per_stage
    options = SwapOptions(batch_size=batch_size or p.batch_size, steps_per_stage=per, workers=workers)
    task = SwapTask(sets, p, options, seed=seed)
    total = steps or per * p.stages
    loop = TrainOptions(steps=total, lr=lr or p.lr, warmup=min(50, max(1, total // 10)), ema=ema,
                        checkpoint_every=checkpoint_every, preview_every=preview_every, seed=seed, device=device,
                        distributed=distributed, progress=progress)
    os.makedirs(out_dir, exist_ok=True)
    trainer = Trainer(task, out_dir, loop, on_step=on_step)
    result = trainer.run(resume=resume)
    rank = torch.distributed.get_rank() if distributed and torch.distributed.is_initialized() else 0
    if rank == 0 and result.step == total:
        from faceplate.models.training import checkpoint

        state = checkpoint.load(result.checkpoint)
        weights = state["ema"] or state["module"]
        checkpoint.save({"config": task.config(), "step": result.step, "weights": {
            k[len("model."):]: v for k, v in weights.items() if k.startswith("model.")}},
            os.path.join(result.folder, MODEL_FILE))
        info = {"preset": p.name, "identities": dict(identities), "steps": result.step, "seed": seed,
                "options": {"loop": dataclasses.asdict(loop), "swap": dataclasses.asdict(options)},
                "final_losses": result.history[-1] if result.history else None}
        with open(os.path.join(result.folder, "training.json"), "w") as f:
            json.dump(info, f, indent=1, default=str)
    return result


def load_swap_model(model_dir: str, *, ema: bool = True):
    """The trained :class:`~faceplate.models.swap.SwapModel` of a model folder (``model.pt``, or the last
    checkpoint's EMA weights when training has not finished), in eval mode on the CPU."""
    from faceplate.models.swap import SwapModel, preset
    from faceplate.models.training import checkpoint

    path = os.path.join(model_dir, MODEL_FILE)
    if os.path.isfile(path):
        state = checkpoint.load(path)
        weights = state["weights"]
    else:
        state = checkpoint.load(os.path.join(model_dir, "checkpoints", "last.pt"))
        raw = (state["ema"] if ema and state.get("ema") else state["module"])
        weights = {k[len("model."):]: v for k, v in raw.items() if k.startswith("model.")}
    config = state["config"]
    model = SwapModel(preset(config["preset"]), config["identities"])
    model.load_state_dict(weights)
    return model.eval()

"""Training API behind ``faceplate train``: a swap model from two or more identities' face-sets.

Example::

    from faceplate.actions.model_training import train_swap
    result = train_swap({"A": "facesets/actorA", "B": "facesets/actorB"}, "models/ab", preset="tiny", steps=300)
    print(result.step, result.checkpoint, result.loss_curve)

The model folder then holds ``checkpoints/last.pt`` (resume with ``resume=True``), ``model.pt`` (the EMA
weights and config, what :func:`faceplate.models.swap.swap_export.export_swap` reads), ``previews/*.png``,
``loss_curve.png`` and ``training.json`` (settings and figures).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from faceplate.foundation.errors import FaceplateError
from faceplate.foundation.files import write_text
from faceplate.foundation.version import __version__
from faceplate.models.occlusion.occluder_export import export_occlusion, load_weights
from faceplate.models.occlusion.presets import preset as get_preset
from faceplate.models.registry import default_occluder
from faceplate.models.trainer import checkpoint, occluders
from faceplate.models.trainer.corrections import find_corrections, load_corrections
from faceplate.models.trainer.faceset import check_facesets, load_faceset

# The most CPU threads a preset's training uses. tiny (64 px) gained nothing from a second thread at any load
# measured on 2 cores (bench_threads.py, issue 20: 60 steps took 84 s at the free cores vs 62 s on one thread
# with the machine shared, 423 vs 333 s beside four busy torch processes), so it keeps to one; the larger
# presets follow the free cores.
SMALL_PRESET_THREADS = {"tiny": 1}


def _loop_options(arguments: Mapping[str, Any], steps: int, lr: float, **extra: Any):
    """The training loop's :class:`~faceplate.models.trainer.loop.TrainOptions` from a training function's own
    arguments (``arguments``: its ``locals()``; each TrainOptions field it takes, such as ``checkpoint_every``,
    ``seed`` or ``threads``, passes through), with ``steps``, ``lr``, the warm-up every task uses and ``extra``."""
    from faceplate.models.trainer.loop import TrainOptions  # deferred: torch

    named = {f.name: arguments[f.name] for f in dataclasses.fields(TrainOptions) if f.name in arguments}
    return TrainOptions(**{**named, "steps": steps, "lr": lr, "warmup": min(50, max(1, steps // 10)), **extra})


def load_identities(identities: Mapping[str, str]):
    """Every identity's face-set, loaded and checked (before any training starts)."""
    if len(identities) < 2:
        raise FaceplateError(
            f"a swap model needs two or more identities, got {len(identities)}; pass "
            "--identity LABEL=FACESET once per person"
        )
    sets = [load_faceset(folder, label) for label, folder in identities.items()]
    check_facesets(sets)
    return sets


def train_swap(
    identities: Mapping[str, str],
    out_dir: str,
    *,
    preset: str = "256",
    steps: int | None = None,
    steps_per_stage: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    seed: int = 0,
    resume: bool = False,
    checkpoint_every: int = 500,
    preview_every: int = 500,
    workers: int = 0,
    device: str = "auto",
    distributed: bool = False,
    progress: bool = True,
    ema: float = 0.99,
    threads: int | None = None,
    on_step: Callable[[int, dict], None] | None = None,
):
    """Trains (or resumes) a swap model; returns the loop's :class:`~faceplate.models.trainer.loop.TrainResult`.

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
        threads: torch's CPU threads (None: follow the free cores; see
            :class:`faceplate.foundation.threads.ThreadGovernor`).
        on_step: called after each step with ``(step, losses)``.

    Raises:
        FaceplateError: bad face-sets (before training), a folder holding another training without
            ``resume``, a checkpoint of other settings.
    """
    import torch

    from faceplate.models.swap import preset as get_preset  # deferred: torch
    from faceplate.models.trainer.loop import Trainer  # deferred: torch
    from faceplate.models.trainer.swap_task import SwapOptions, SwapTask  # deferred: torch

    p = get_preset(preset)
    sets = load_identities(identities)
    if sets[0].size < p.resolution:
        raise FaceplateError(
            f"the face-sets' crops are {sets[0].size} px but preset '{p.name}' trains at "
            f"{p.resolution} px; extract with AlignEdit size {p.resolution} or more, or pick a "
            "smaller preset"
        )
    per = steps_per_stage or p.steps_per_stage
    options = SwapOptions(batch_size=batch_size or p.batch_size, steps_per_stage=per, workers=workers)
    task = SwapTask(sets, p, options, seed=seed)
    total = steps or per * p.stages
    loop = _loop_options(locals(), total, lr or p.lr, max_threads=SMALL_PRESET_THREADS.get(p.name))
    os.makedirs(out_dir, exist_ok=True)
    trainer = Trainer(task, out_dir, loop, on_step=on_step)
    result = trainer.run(resume=resume)
    rank = torch.distributed.get_rank() if distributed and torch.distributed.is_initialized() else 0
    if rank == 0 and result.step == total:
        from faceplate.models.swap.trained import MODEL_FILE  # deferred: torch

        state = checkpoint.load(result.checkpoint)
        weights = state["ema"] or state["module"]
        checkpoint.save(
            {
                "config": task.config(),
                "step": result.step,
                "weights": {k[len("model.") :]: v for k, v in weights.items() if k.startswith("model.")},
            },
            os.path.join(result.folder, MODEL_FILE),
        )
        info = {
            "preset": p.name,
            "identities": dict(identities),
            "steps": result.step,
            "seed": seed,
            "options": {"loop": dataclasses.asdict(loop), "swap": dataclasses.asdict(options)},
            "final_losses": result.history[-1] if result.history else None,
        }
        write_text(os.path.join(result.folder, "training.json"), json.dumps(info, indent=1, default=str))
    return result


# -- occlusion -----------------------------------------------------------------------------------------------

OCCLUSION_MODEL = "occluder.onnx"
PHOTO_LICENCES = {
    "astronaut": "skimage.data.astronaut: Eileen Collins, NASA photograph, public domain (scikit-image data)",
    "hopper": "matplotlib sample grace_hopper.jpg: Grace Hopper, US Navy photograph, public domain",
    "skimage": (
        "scikit-image sample images used as occluder textures (immunohistochemistry, hubble_deep_field, "
        "camera, brick, grass, gravel, colorwheel, coins, moon): public domain / CC0 / BSD as listed in "
        "skimage/data/README.txt"
    ),
}


def train_occlusion(
    facesets: list[str],
    out_dir: str,
    *,
    corrections: str | list[str] | None = None,
    preset: str = "128",
    steps: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    init: str | None = "default",
    seed: int = 0,
    resume: bool = False,
    checkpoint_every: int = 500,
    preview_every: int = 500,
    workers: int = 0,
    device: str = "auto",
    distributed: bool = False,
    progress: bool = True,
    ema: float = 0.99,
    threads: int | None = None,
    photos: bool = True,
    options=None,
    label: str | None = None,
    on_step: Callable[[int, dict], None] | None = None,
):
    """Trains (or resumes) an occlusion model on a shot's face-sets; returns the loop's ``TrainResult``.

    Args:
        facesets: face-set folders (``faceplate extract``), one or more (e.g. one per actor).
        out_dir: the model folder: ``checkpoints/``, ``previews/``, ``loss_curve.png``, ``training.json``;
            :func:`export_occlusion_model` writes ``occluder.onnx`` and its card there.
        corrections: artist mattes in plate space (a folder or a ``####`` pattern, or a list of files):
            see :mod:`faceplate.models.trainer.corrections`.
        preset: ``128`` (the default occluder's architecture) or ``tiny`` (64 px).
        steps: optimiser steps (default: the preset's).
        init: weights to start from: ``"default"`` (the shipped default occluder, when the preset
            matches its architecture), a path to an exported ``.onnx`` (its ``.pt`` beside it), or
            None/``"none"`` (from scratch).
        photos: also cut occluder textures from the bundled training photos (scikit-image samples).
        options: :class:`~faceplate.models.trainer.occlusion_task.OcclusionOptions` (batch, loss weights).

    Raises:
        FaceplateError: bad face-sets or corrections (before training starts), a folder holding another
            training without ``resume``, an ``init`` of another architecture.
    """
    import torch

    from faceplate.models.trainer.loop import Trainer  # deferred: torch
    from faceplate.models.trainer.occlusion_task import OcclusionOptions, OcclusionTask  # deferred: torch

    p = get_preset(preset)
    if not facesets:
        raise FaceplateError("an occlusion model needs at least one face-set; pass --faceset DIR")
    sets = [load_faceset(folder) for folder in facesets]
    if isinstance(corrections, str):
        corrections = find_corrections(corrections)
    fixes = load_corrections(list(corrections or []), sets)
    start = None
    if init and init != "none":
        source = default_occluder() if init == "default" else init
        state = load_weights(source)
        theirs = (int(state["resolution"]), tuple(state["widths"]), state.get("body", "quarter"))
        if theirs != (p.resolution, p.widths, p.body):
            raise FaceplateError(
                f"--init {init}: {source} is a {theirs[0]} px model of widths {theirs[1]} "
                f"({theirs[2]} body), but preset '{p.name}' is {p.resolution} px of widths {p.widths} ({p.body} "
                f"body); pick preset '{state.get('preset')}' or train from scratch (--init none)"
            )
        start = state["weights"]
    options = options or OcclusionOptions(batch_size=batch_size or p.batch_size, workers=workers)
    if batch_size:
        options = dataclasses.replace(options, batch_size=batch_size)
    texture_photos = [occluders.training_photo(n) for n in occluders.TRAINING_PHOTOS] if photos else []
    task = OcclusionTask(
        sets,
        p,
        fixes,
        options,
        seed=seed,
        photos=texture_photos,
        init=start,
        label=label or ",".join(os.path.basename(os.path.abspath(f)) for f in facesets),
    )
    total = steps or p.steps
    loop = _loop_options(locals(), total, lr or p.lr)
    os.makedirs(out_dir, exist_ok=True)

    cpu_began = time.process_time()
    result = Trainer(task, out_dir, loop, on_step=on_step).run(resume=resume)
    cpu_seconds = time.process_time() - cpu_began
    rank = torch.distributed.get_rank() if distributed and torch.distributed.is_initialized() else 0
    if rank == 0 and result.step == total:
        info = {
            "task": "occlusion",
            "preset": p.name,
            "resolution": p.resolution,
            "facesets": [os.path.abspath(f) for f in facesets],
            "faces": sum(len(s) for s in sets),
            "corrections": sorted({c.path for c in fixes}),
            "init": init or "none",
            "steps": result.step,
            "seed": seed,
            "seconds": round(result.seconds, 1),
            # CPU time of all threads: on a shared machine, wall time says more about the neighbours
            "cpu_seconds": round(cpu_seconds, 1),
            "threads": torch.get_num_threads(),
            "options": {"loop": dataclasses.asdict(loop), "occlusion": dataclasses.asdict(options)},
            "texture_photos": list(occluders.TRAINING_PHOTOS) if photos else [],
            "final_losses": result.history[-1] if result.history else None,
        }
        write_text(os.path.join(result.folder, "training.json"), json.dumps(info, indent=1, default=str))
    return result


def load_occlusion_net(model_dir: str, *, ema: bool = True):
    """The trained :class:`~faceplate.models.occlusion.network.OcclusionNet` of a model folder (the last
    checkpoint's EMA weights), in eval mode on the CPU."""
    from faceplate.models.occlusion.network import OcclusionNet  # deferred: torch

    state = checkpoint.load(os.path.join(model_dir, "checkpoints", "last.pt"))
    raw = state["ema"] if ema and state.get("ema") else state["module"]
    net = OcclusionNet(tuple(state["config"]["widths"]), state["config"].get("body", "quarter"))
    net.load_state_dict({k[len("net.") :]: v for k, v in raw.items() if k.startswith("net.")})
    return net.eval()


def export_occlusion_model(
    model_dir: str,
    out_path: str | None = None,
    *,
    model_id: str | None = None,
    title: str | None = None,
    description: str | None = None,
    licence: str | None = None,
) -> str:
    """Exports a trained occlusion model folder to ONNX with its card (default ``model_dir/occluder.onnx``)."""
    state = checkpoint.load(os.path.join(model_dir, "checkpoints", "last.pt"))
    config = state["config"]
    info = {}
    info_path = os.path.join(model_dir, "training.json")
    if os.path.isfile(info_path):
        with open(info_path) as f:
            info = json.load(f)
    name = os.path.basename(os.path.abspath(model_dir))
    training = {
        "description": description
        or (
            f"per-shot occlusion model: synthetic occluders (hands, texture patches, hair strands, glasses, bars; "
            f"soft and semi-transparent edges) over the face-sets {config.get('data')}, plus "
            f"{config.get('corrections', 0)} artist-corrected faces"
        ),
        "resolution": config["resolution"],
        "steps": state["step"],
        **{
            k: info.get(k)
            for k in (
                "facesets",
                "faces",
                "corrections",
                "init",
                "seed",
                "seconds",
                "cpu_seconds",
                "threads",
                "texture_photos",
            )
        },
    }
    return export_occlusion(
        load_occlusion_net(model_dir),
        out_path or os.path.join(model_dir, OCCLUSION_MODEL),
        model_id=model_id or f"faceplate-occlusion-{name}",
        preset=config["preset"],
        title=title or f"faceplate occlusion model '{name}' ({config['preset']} preset, {config['resolution']} px)",
        training=training,
        licence=licence
        or (
            "Trained per shot from the production's own face-sets and corrections: the production's terms apply. "
            "Occluder textures from scikit-image sample images (public domain / CC0 / BSD)."
        ),
        source=f"faceplate {__version__} trainer (faceplate train --task occlusion), model folder "
        f"{os.path.abspath(model_dir)}",
    )

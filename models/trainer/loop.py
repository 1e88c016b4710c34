"""A generic training loop: what every faceplate model's training shares.

The loop knows nothing about faces. A :class:`Task` supplies the module to train, the batch of a step,
the loss of a batch, previews and the configuration a checkpoint must match; the loop supplies the
rest: seeding, AdamW with linear warm-up and gradient clipping, mixed precision on CUDA, EMA weights,
atomic checkpoints every N steps with ``resume``, preview pictures every N steps, the loss history and
its curve, a progress bar with it/s and ETA, and DistributedDataParallel under ``torchrun``.

Determinism: the module is built after ``torch.manual_seed(seed)`` and a task must derive each step's
batch from ``(seed, step, rank)`` alone (see :mod:`faceplate.models.trainer.swap_task`), so a run is
repeatable, and a resumed run sees the batches an uninterrupted one would have.

Distributed: under ``torchrun`` with ``distributed=True`` each process trains on its own share of
every step's batch (``task.batches(start, stop, rank, world)``), gradients are averaged by DDP (``gloo`` on
CPUs, ``nccl`` on GPUs) and rank 0 alone writes checkpoints, previews and curves.

Example (any task)::

    trainer = Trainer(task, "models/ab", TrainOptions(steps=2000, seed=1))
    result = trainer.run(resume=True)
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import torch
from torch import nn
from tqdm import tqdm

from faceplate.foundation.errors import FaceplateError
from faceplate.models.trainer import checkpoint as ckpt
from faceplate.models.trainer.curves import write_loss_curve

log = logging.getLogger(__name__)

CHECKPOINT = os.path.join("checkpoints", "last.pt")


class Task(Protocol):
    """What a model's training supplies to the :class:`Trainer`."""

    name: str

    def build(self) -> nn.Module:
        """The module to train (called after seeding). Its ``forward(batch, step)`` returns a dict of loss
        tensors; the trainer minimises their sum."""

    def batches(self, start: int, stop: int, rank: int, world: int) -> Iterable[Any]:
        """The batches of steps ``start`` .. ``stop - 1`` for process ``rank`` of ``world``, each a pure
        function of (seed, step, rank, world) (so they may come from a multi-worker data loader)."""

    def config(self) -> dict[str, Any]:
        """JSON-able settings a checkpoint must match to be resumed (architecture, data labels)."""

    def markers(self, steps: int) -> list[tuple[int, str]]:
        """``(step, label)`` lines for the loss curve (stage changes)."""

    def preview(self, module: nn.Module, step: int, path: str) -> str:
        """Writes a preview picture of ``module`` (the EMA weights) at ``step`` to ``path``."""


@dataclasses.dataclass(frozen=True)
class TrainOptions:
    """Settings of the generic loop.

    Attributes:
        steps: optimiser steps in all.
        lr: peak AdamW learning rate.  weight_decay: AdamW weight decay.
        warmup: steps of linear learning-rate warm-up from 0.
        clip: gradient norm clip (0: none).
        ema: EMA decay of the weights used for previews and export (0: no EMA, the raw weights).
        checkpoint_every: steps between checkpoints (one is always written at the end).
        preview_every: steps between preview pictures and loss curves (0: only at the end).
        seed: the seed of everything random.
        device: "auto" (CUDA when present), "cpu" or "cuda".
        amp: mixed precision on CUDA ("auto": bf16 when supported, else fp16 with a grad scaler); ignored on CPU.
        distributed: join the torchrun process group (DistributedDataParallel).
        progress: show a progress bar (rank 0 only).
    """

    steps: int = 1000
    lr: float = 5e-4
    weight_decay: float = 1e-4
    warmup: int = 50
    clip: float = 1.0
    ema: float = 0.99
    checkpoint_every: int = 500
    preview_every: int = 500
    seed: int = 0
    device: str = "auto"
    amp: bool = True
    distributed: bool = False
    progress: bool = True


@dataclasses.dataclass
class TrainResult:
    folder: str
    step: int
    resumed_from: int | None
    checkpoint: str
    history: list[dict]
    previews: list[str]
    loss_curve: str | None
    seconds: float


class StopTraining(Exception):
    """Raised from an ``on_step`` callback to stop after the current step (as a kill would, minus the kill)."""


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


class EMA:
    """Exponential moving average of a module's parameters (buffers copied as they are)."""

    def __init__(self, module: nn.Module, decay: float):
        self.decay = decay
        self.module = copy.deepcopy(module).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, module: nn.Module, step: int) -> None:
        # Short warm-up of the decay so early previews are not dominated by the random initial weights.
        decay = min(self.decay, (1.0 + step) / (10.0 + step))
        for ema, live in zip(self.module.parameters(), module.parameters()):
            ema.lerp_(live.detach(), 1.0 - decay)
        for ema, live in zip(self.module.buffers(), module.buffers()):
            ema.copy_(live)


class Trainer:
    """Runs a :class:`Task` (see the module docstring).

    Args:
        task: what to train.
        folder: output folder: ``checkpoints/last.pt``, ``previews/step_NNNNNNN.png``, ``loss_curve.png``.
        options: the loop's settings.
        on_step: called with ``(step, losses)`` after every optimiser step (rank 0); may raise
            :class:`StopTraining`.
    """

    def __init__(self, task: Task, folder: str, options: TrainOptions = TrainOptions(),
                 on_step: Callable[[int, dict], None] | None = None):
        self.task = task
        self.folder = os.path.abspath(folder)
        self.options = options
        self.on_step = on_step

    @property
    def checkpoint_path(self) -> str:
        return os.path.join(self.folder, CHECKPOINT)

    def run(self, resume: bool = False) -> TrainResult:
        """Trains to ``options.steps``; with ``resume``, continues from the folder's last checkpoint."""
        o = self.options
        rank, world = 0, 1
        if o.distributed:
            import torch.distributed as dist

            if not dist.is_initialized():
                dist.init_process_group("nccl" if _device(o.device).type == "cuda" else "gloo")
            rank, world = dist.get_rank(), dist.get_world_size()
        device = _device(o.device)
        if device.type == "cuda" and o.distributed:
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
            torch.cuda.set_device(device)
        torch.manual_seed(o.seed)
        module = self.task.build().to(device)
        ema = EMA(module, o.ema) if o.ema > 0 else None
        optimiser = torch.optim.AdamW(module.parameters(), lr=o.lr, weight_decay=o.weight_decay)
        amp_dtype = None
        if o.amp and device.type == "cuda":
            amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        scaler = torch.amp.GradScaler("cuda") if amp_dtype == torch.float16 else None
        history: list[dict] = []
        start, resumed_from = 0, None
        if resume:
            state = ckpt.load(self.checkpoint_path, expect=self.task.config())
            module.load_state_dict(state["module"])
            optimiser.load_state_dict(state["optimiser"])
            if ema is not None and state.get("ema") is not None:
                ema.module.load_state_dict(state["ema"])
            if scaler is not None and state.get("scaler"):
                scaler.load_state_dict(state["scaler"])
            history = list(state.get("history", []))
            start = resumed_from = int(state["step"])
            if rank == 0:
                log.info("resuming %s from step %d (%s)", self.task.name, start, self.checkpoint_path)
        elif self._folder_holds_training(rank):
            raise FaceplateError(f"{self.folder} already holds a training (checkpoint {self.checkpoint_path}); "
                                 "pass --resume to continue it, or train into a new folder")
        train_module: nn.Module = module
        if o.distributed:
            from torch.nn.parallel import DistributedDataParallel

            train_module = DistributedDataParallel(module, device_ids=[device.index] if device.type == "cuda" else None,
                                                   find_unused_parameters=True)
        previews: list[str] = []
        curve = None
        began = time.perf_counter()
        bar = None
        if rank == 0 and o.progress:
            bar = tqdm(total=o.steps, initial=start, unit="it", desc=self.task.name, file=sys.stderr, dynamic_ncols=True)
        step = start
        try:
            module.train()
            for batch in self.task.batches(start, o.steps, rank, world):
                batch = _to(batch, device)
                for group in optimiser.param_groups:
                    group["lr"] = o.lr * min(1.0, (step + 1) / max(1, o.warmup))
                with torch.autocast(device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
                    losses = train_module(batch, step)
                total = sum(losses.values())
                if not torch.isfinite(total):
                    raise FaceplateError(f"{self.task.name}: the loss is {total.item()} at step {step}; lower the "
                                         "learning rate (--lr) or resume from the last checkpoint")
                optimiser.zero_grad(set_to_none=True)
                if scaler is not None:
                    scaler.scale(total).backward()
                    scaler.unscale_(optimiser)
                else:
                    total.backward()
                if o.clip > 0:
                    nn.utils.clip_grad_norm_(module.parameters(), o.clip)
                if scaler is not None:
                    scaler.step(optimiser)
                    scaler.update()
                else:
                    optimiser.step()
                if ema is not None:
                    ema.update(module, step)
                step += 1
                record = {"step": step, "total": float(total.detach())}
                record.update({k: float(v.detach()) for k, v in losses.items()})
                history.append(record)
                if bar is not None:
                    bar.set_postfix(loss=f"{record['total']:.4f}", refresh=False)
                    bar.update(1)
                last = step == o.steps
                if rank == 0 and (step % o.checkpoint_every == 0 or last):
                    self._save(step, module, optimiser, ema, scaler, history)
                if rank == 0 and ((o.preview_every and step % o.preview_every == 0) or last):
                    previews.append(self._preview(ema.module if ema else module, step))
                    curve = write_loss_curve(os.path.join(self.folder, "loss_curve.png"), history,
                                             f"{self.task.name}: {step} steps",
                                             self.task.markers(o.steps) + ([(resumed_from, "resumed")]
                                                                          if resumed_from else []))
                if o.distributed:
                    torch.distributed.barrier()
                if self.on_step is not None and rank == 0:
                    self.on_step(step, record)
        except StopTraining:
            pass
        finally:
            if bar is not None:
                bar.close()
        return TrainResult(self.folder, step, resumed_from, self.checkpoint_path, history, previews, curve,
                           time.perf_counter() - began)

    def _folder_holds_training(self, rank: int) -> bool:
        """Whether the folder already has a checkpoint, as rank 0 sees it, on every rank (so all of them stop
        together instead of the others waiting for rank 0 in DDP's first collective)."""
        found = [rank == 0 and os.path.isfile(self.checkpoint_path)]
        if self.options.distributed:
            torch.distributed.broadcast_object_list(found, src=0)
        return bool(found[0])

    def _save(self, step, module, optimiser, ema, scaler, history) -> None:
        ckpt.save({"step": step, "config": self.task.config(), "module": module.state_dict(),
                   "optimiser": optimiser.state_dict(), "ema": ema.module.state_dict() if ema else None,
                   "scaler": scaler.state_dict() if scaler else None, "history": history,
                   "options": dataclasses.asdict(self.options)}, self.checkpoint_path)

    def _preview(self, module: nn.Module, step: int) -> str:
        folder = os.path.join(self.folder, "previews")
        os.makedirs(folder, exist_ok=True)
        module.eval()
        try:
            with torch.no_grad():
                return self.task.preview(module, step, os.path.join(folder, f"step_{step:07d}.png"))
        finally:
            module.train()


def _to(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, dict):
        return {k: _to(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to(v, device) for v in batch)
    return batch


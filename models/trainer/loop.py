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
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

import torch
from torch import nn
from tqdm import tqdm

from faceplate.foundation.errors import FaceplateError
from faceplate.foundation.threads import ThreadGovernor
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
        threads: torch's CPU threads (None: follow the free cores as the load changes, see
            :class:`faceplate.foundation.threads.ThreadGovernor`; ``OMP_NUM_THREADS`` in the environment also fixes
            them).
            A run is bit-for-bit repeatable at a fixed thread count.
        max_threads: the most threads the governor may choose (None: the usable cores); a task whose steps are
            too small to gain from more threads sets 1.
        stop_on_signal: on SIGINT/SIGTERM finish the current step, write a checkpoint and raise
            :class:`TrainingInterrupted` (main thread only, not under ``distributed``).
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
    threads: int | None = None
    max_threads: int | None = None
    stop_on_signal: bool = True


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


class TrainingInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM stopped the training after a whole step, whose checkpoint was written.

    A :class:`KeyboardInterrupt`, so code that does not know about it stops as on Ctrl-C.

    Attributes:
        step: the steps done (and saved).  checkpoint: the checkpoint written.  signal: the signal number.
    """

    def __init__(self, step: int, checkpoint: str, signum: int):
        super().__init__(f"interrupted at step {step}; checkpoint {checkpoint}")
        self.step = step
        self.checkpoint = checkpoint
        self.signal = signum


def ignore_interrupts(worker_id: int) -> None:
    """``worker_init_fn`` of a task's data loader: Ctrl-C (and a farm's SIGTERM) reaches the whole process
    group, and the trainer (not its workers) decides how to stop, so a worker must not die of it mid-batch.
    Workers still end with the trainer: the loader shuts them down, and they exit when their parent dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def step_batches(dataset: torch.utils.data.Dataset, start: int, stop: int, workers: int) -> Iterator[Any]:
    """The batches of steps ``start`` to ``stop`` (excluded) from a dataset whose item ``step`` is that step's
    whole batch, made by ``workers`` data-loader processes (0: in this one) that leave Ctrl-C to the trainer."""
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=None,
        sampler=range(start, stop),
        num_workers=workers,
        prefetch_factor=2 if workers else None,
        persistent_workers=False,
        worker_init_fn=ignore_interrupts if workers else None,
    )
    return iter(loader)


class _SignalLatch:
    """While active, SIGINT/SIGTERM set :attr:`signum` instead of interrupting (a second one interrupts at once)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and threading.current_thread() is threading.main_thread()
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _SignalLatch:
        if self.enabled:
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._latch)
        return self

    def _latch(self, signum: int, frame: Any) -> None:
        if self.signum is not None:  # the second signal: stop now, without a checkpoint
            signal.signal(signum, self._previous.get(signum, signal.SIG_DFL))
            raise KeyboardInterrupt
        self.signum = signum

    def __exit__(self, *exc: Any) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


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

    def __init__(
        self,
        task: Task,
        folder: str,
        options: TrainOptions = TrainOptions(),
        on_step: Callable[[int, dict], None] | None = None,
    ):
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
        start, resumed_from, rng = 0, None, None
        if resume:
            state = ckpt.load(self.checkpoint_path, expect=self.task.config())
            module.load_state_dict(state["module"])
            optimiser.load_state_dict(state["optimiser"])
            if ema is not None and state.get("ema") is not None:
                ema.module.load_state_dict(state["ema"])
            if scaler is not None and state.get("scaler"):
                scaler.load_state_dict(state["scaler"])
            history = list(state.get("history", []))
            rng = state.get("rng")
            start = resumed_from = int(state["step"])
            if rank == 0:
                log.info("resuming %s from step %d (%s)", self.task.name, start, self.checkpoint_path)
        elif self._folder_holds_training(rank):
            raise FaceplateError(
                f"{self.folder} already holds a training (checkpoint {self.checkpoint_path}); "
                "pass --resume to continue it, or train into a new folder"
            )
        train_module: nn.Module = module
        if o.distributed:
            from torch.nn.parallel import DistributedDataParallel

            train_module = DistributedDataParallel(
                module, device_ids=[device.index] if device.type == "cuda" else None, find_unused_parameters=True
            )
        previews: list[str] = []
        curve = None
        began = time.perf_counter()
        bar = None
        if rank == 0 and o.progress:
            bar = tqdm(
                total=o.steps, initial=start, unit="it", desc=self.task.name, file=sys.stderr, dynamic_ncols=True
            )
        step = start
        batches = None
        governor = None
        if device.type == "cpu":
            governor = ThreadGovernor(limit=o.max_threads, fixed=o.threads)
        # Under torchrun the ranks would stop at different steps and hang in a collective: not there.
        latch = _SignalLatch(o.stop_on_signal and not o.distributed)
        try:
            latch.__enter__()
            module.train()
            batches = iter(self.task.batches(start, o.steps, rank, world))
            if rng is not None:  # after the data loader drew its seed, as the uninterrupted run's had
                torch.set_rng_state(rng)
            for batch in batches:
                batch = _to(batch, device)
                for group in optimiser.param_groups:
                    group["lr"] = o.lr * min(1.0, (step + 1) / max(1, o.warmup))
                with torch.autocast(device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
                    losses = train_module(batch, step)
                total = sum(losses.values())
                if not torch.isfinite(total):
                    raise FaceplateError(
                        f"{self.task.name}: the loss is {total.item()} at step {step}; lower the "
                        "learning rate (--lr) or resume from the last checkpoint"
                    )
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
                    curve = write_loss_curve(
                        os.path.join(self.folder, "loss_curve.png"),
                        history,
                        f"{self.task.name}: {step} steps",
                        self.task.markers(o.steps) + ([(resumed_from, "resumed")] if resumed_from else []),
                    )
                if o.distributed:
                    torch.distributed.barrier()
                if self.on_step is not None and rank == 0:
                    self.on_step(step, record)
                if governor is not None:
                    governor.step()
                if latch.signum is not None and not last:
                    if rank == 0 and step % o.checkpoint_every:
                        self._save(step, module, optimiser, ema, scaler, history)
                    raise TrainingInterrupted(step, self.checkpoint_path, latch.signum)
        except StopTraining:
            pass
        finally:
            latch.__exit__()
            # Drop the batch iterator now: a raised exception's traceback keeps this frame alive, and a data
            # loader's workers are shut down only when their iterator goes.
            batches = None
            if bar is not None:
                bar.close()
        return TrainResult(
            self.folder, step, resumed_from, self.checkpoint_path, history, previews, curve, time.perf_counter() - began
        )

    def _folder_holds_training(self, rank: int) -> bool:
        """Whether the folder already has a checkpoint, as rank 0 sees it, on every rank (so all of them stop
        together instead of the others waiting for rank 0 in DDP's first collective)."""
        found = [rank == 0 and os.path.isfile(self.checkpoint_path)]
        if self.options.distributed:
            torch.distributed.broadcast_object_list(found, src=0)
        return bool(found[0])

    def _save(self, step, module, optimiser, ema, scaler, history) -> None:
        ckpt.save(
            {
                "step": step,
                "config": self.task.config(),
                "module": module.state_dict(),
                "optimiser": optimiser.state_dict(),
                "ema": ema.module.state_dict() if ema else None,
                "scaler": scaler.state_dict() if scaler else None,
                "history": history,
                "rng": torch.get_rng_state(),
                "options": dataclasses.asdict(self.options),
            },
            self.checkpoint_path,
        )

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

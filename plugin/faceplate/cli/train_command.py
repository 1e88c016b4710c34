"""faceplate train: train a swap model from two or more identities' face-sets, or (``--task occlusion``) an
occlusion model from a shot's face-sets and artist corrections; then export it to ONNX."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from collections.abc import Callable

from tqdm import tqdm

from faceplate.actions.faceset_coverage import coverage_warnings
from faceplate.actions.model_training import export_occlusion_model, train_occlusion, train_swap
from faceplate.cli.exit_codes import EXIT_OK, EXIT_USAGE
from faceplate.foundation.files import check_output_folder
from faceplate.models.occlusion.presets import PRESETS as OCCLUSION_PRESETS
from faceplate.models.swap.presets import PRESETS as SWAP_PRESETS


def _identity(text: str) -> tuple[str, str]:
    label, sep, folder = text.partition("=")
    if not sep or not label or not folder:
        raise argparse.ArgumentTypeError(f"'{text}' is not LABEL=FACESET_FOLDER (e.g. A=facesets/actorA)")
    return label, folder


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train a swap model (shared encoder, a decoder per identity) or an occlusion "
        "model (--task occlusion), and export ONNX",
    )
    p.add_argument(
        "--task",
        default="swap",
        choices=("swap", "occlusion"),
        help="swap (default): a swap model from --identity face-sets; occlusion: a per-shot occlusion "
        "model from --faceset face-sets and --corrections",
    )
    p.add_argument(
        "--identity",
        action="append",
        type=_identity,
        metavar="LABEL=DIR",
        help="swap: an identity's label and face-set folder (from `faceplate extract`); two or more",
    )
    p.add_argument(
        "--faceset",
        action="append",
        metavar="DIR",
        help="occlusion: a face-set folder of the shot (from `faceplate extract`); one or more",
    )
    p.add_argument(
        "--corrections",
        metavar="DIR_OR_PATTERN",
        help="occlusion: artist mattes in plate space, one per frame (a folder, or e.g. "
        "'corr/occ.####.png'), "
        "1 where the face is hidden; trained with extra weight",
    )
    p.add_argument(
        "--init",
        default="default",
        metavar="MODEL",
        help="occlusion: start from 'default' (the shipped occluder; preset 128), an exported .onnx (its "
        ".pt beside it), or 'none' (from scratch)",
    )
    p.add_argument("-o", "--output", required=True, help="model folder (checkpoints, previews, ONNX export)")
    p.add_argument(
        "--preset",
        help=f"architecture and schedule: swap {', '.join(SWAP_PRESETS)} (default 256 on a GPU, "
        f"tiny on a CPU); occlusion {', '.join(OCCLUSION_PRESETS)} (default 128)",
    )
    p.add_argument("--steps", type=int, help="optimiser steps in all (default: each stage of the preset once)")
    p.add_argument("--steps-per-stage", type=int, help="steps per progressive stage (default: the preset's)")
    p.add_argument("--batch-size", type=int, help="faces per identity per step (default: the preset's)")
    p.add_argument("--lr", type=float, help="peak learning rate (default: the preset's)")
    p.add_argument("--seed", type=int, default=0, help="seed of weights, sampling and augmentation (default 0)")
    p.add_argument("--resume", action="store_true", help="continue from the folder's last checkpoint")
    p.add_argument("--checkpoint-every", type=int, default=500, metavar="N", help="steps between checkpoints")
    p.add_argument("--preview-every", type=int, default=500, metavar="N", help="steps between preview grids")
    p.add_argument("--workers", type=int, default=2, help="data-loader worker processes (default 2)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="torch CPU threads (default: the free cores, followed as the load changes; OMP_NUM_THREADS "
        "also fixes them); a fixed count makes a run repeatable bit for bit",
    )
    p.add_argument(
        "--distributed", action="store_true", help="DistributedDataParallel under torchrun (gloo on CPUs, nccl on GPUs)"
    )
    p.add_argument("--no-export", action="store_true", help="do not export ONNX at the end")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    if args.threads is not None and args.threads < 1:
        print("faceplate: error: --threads must be 1 or more", file=sys.stderr)
        return EXIT_USAGE
    check_output_folder(os.path.join(args.output, "training.json"), probe=True, what="-o/--output (the model folder)")
    if args.task == "occlusion":
        return _run_occlusion(args)

    if not args.identity:
        print(
            "faceplate: error: a swap model needs --identity LABEL=FACESET, twice or more (or --task occlusion)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.faceset or args.corrections:
        print("faceplate: error: --faceset and --corrections are for --task occlusion", file=sys.stderr)
        return EXIT_USAGE
    if not _pick_preset(args, SWAP_PRESETS, "256" if _on_gpu(args.device) else CPU_PRESET, "swap"):
        return EXIT_USAGE
    identities = dict(args.identity)
    if len(identities) != len(args.identity):
        print("faceplate: error: an identity label is given twice; give each --identity its own LABEL", file=sys.stderr)
        return EXIT_USAGE
    for warning in coverage_warnings(identities):
        print(f"faceplate: warning: {warning}", file=sys.stderr)
    preset = SWAP_PRESETS[args.preset]
    total = args.steps or (args.steps_per_stage or preset.steps_per_stage) * preset.stages
    if args.preset_chosen:
        _say(
            f"faceplate: no --preset on a CPU: training the CPU preset '{args.preset}' ({preset.resolution} px, "
            f"{total} steps); the GPU preset '256' would take "
            f"{SWAP_PRESETS['256'].steps_per_stage * SWAP_PRESETS['256'].stages} steps (pass --preset 256 to "
            "choose it)"
        )
    result = _interruptible(
        args,
        lambda: train_swap(
            identities,
            args.output,
            steps_per_stage=args.steps_per_stage,
            on_step=_estimate(total, args.quiet) if not _on_gpu(args.device) else None,
            **_loop_arguments(args),
        ),
    )

    def export() -> str:
        from faceplate.models.swap.swap_export import export_swap  # deferred: torch

        return export_swap(args.output)

    return _finish(args, result, export)


def _run_occlusion(args: argparse.Namespace) -> int:
    if args.identity:
        print(
            "faceplate: error: --identity is for swap models; an occlusion model takes --faceset DIR", file=sys.stderr
        )
        return EXIT_USAGE
    if not args.faceset:
        print(
            "faceplate: error: --task occlusion needs --faceset DIR (a face-set of the shot), once or more",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not _pick_preset(args, OCCLUSION_PRESETS, "128", "occlusion"):
        return EXIT_USAGE
    result = _interruptible(
        args,
        lambda: train_occlusion(
            args.faceset,
            args.output,
            corrections=args.corrections,
            init=args.init,
            **_loop_arguments(args),
        ),
    )
    return _finish(
        args, result, lambda: f"{export_occlusion_model(args.output)} (set OcclusionMask's 'model' knob to it)"
    )


def _finish(args: argparse.Namespace, result, export: Callable[[], str]) -> int:
    """The exit status after a training: an interrupt's (``result`` an int), else OK after the report and, without
    ``--no-export``, the ONNX export (``export`` does it and returns the line to print)."""
    if isinstance(result, int):
        return result
    if _report(args, result) and not args.no_export:
        print(f"  onnx: {export()}")
    return EXIT_OK


def _loop_arguments(args: argparse.Namespace) -> dict:
    """The arguments both tasks' training functions take alike, from the command line."""
    names = ("preset", "steps", "batch_size", "lr", "seed", "resume", "checkpoint_every", "preview_every")
    names += ("workers", "device", "distributed", "threads")
    return {**{name: getattr(args, name) for name in names}, "progress": not args.quiet}


CPU_PRESET = "tiny"
ESTIMATE_AFTER = 20  # steps measured before the time estimate (the first ones include start-up)


def _on_gpu(device: str) -> bool:
    if device != "auto":
        return device == "cuda"
    import torch

    return torch.cuda.is_available()


def _say(text: str) -> None:
    tqdm.write(text, file=sys.stderr)


def _estimate(total: int, quiet: bool):
    """An ``on_step`` callback that prints, once, how long the run will take: steps left x the measured
    time of a step (steps 5 to 5 + ESTIMATE_AFTER, after start-up)."""
    marks: dict[str, float] = {}
    began: list[int] = []

    def on_step(step: int, record: dict) -> None:
        if not began:
            began.append(step)
        done = step - began[0]
        if done == 5:
            marks["t"] = time.perf_counter()
        elif done == 5 + ESTIMATE_AFTER and not quiet:
            per_step = (time.perf_counter() - marks["t"]) / ESTIMATE_AFTER
            left = (total - step) * per_step
            _say(f"faceplate: {per_step:.2f} s a step here: about {_duration(left)} for the {total - step} steps left")

    return on_step


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _interruptible(args: argparse.Namespace, train):
    """Runs ``train()``; on SIGINT/SIGTERM (a checkpoint written after a whole step) prints how to resume
    and returns the exit code 128 + the signal (130 for Ctrl-C)."""
    from faceplate.models.trainer.loop import TrainingInterrupted  # deferred: torch

    try:
        return train()
    except TrainingInterrupted as stop:
        argv = list(getattr(args, "argv", None) or [])
        again = (
            "faceplate " + shlex.join(argv + ([] if "--resume" in argv else ["--resume"]))
            if argv
            else "the same faceplate train command with --resume"
        )
        print(
            f"faceplate: interrupted at step {stop.step}; checkpoint {stop.checkpoint}; to continue run: {again}",
            file=sys.stderr,
        )
        return 128 + stop.signal


def _report(args: argparse.Namespace, result) -> bool:
    """Leaves the process group; on rank 0 (or without --distributed) prints what training wrote and
    returns True, on the other ranks returns False (they print and export nothing)."""
    import torch.distributed as dist

    if args.distributed and dist.is_initialized():
        rank = dist.get_rank()
        dist.destroy_process_group()
        if rank != 0:
            return False
    print(
        f"trained {result.step} steps in {result.seconds:.0f} s"
        + (f" (resumed from step {result.resumed_from})" if result.resumed_from is not None else "")
    )
    print(f"  checkpoint: {result.checkpoint}")
    if result.loss_curve:
        print(f"  loss curve: {result.loss_curve}")
    if result.previews:
        print(f"  previews: {result.previews[-1]} ({len(result.previews)})")
    return True


def _pick_preset(args: argparse.Namespace, presets, default: str, task: str) -> bool:
    """Sets ``args.preset`` (``default`` when not given; ``args.preset_chosen``: the CPU preset was picked for
    the user); False, with the error printed, when unknown."""
    args.preset_chosen = args.preset is None and default == CPU_PRESET
    args.preset = args.preset or default
    if args.preset in presets:
        return True
    print(
        f"faceplate: error: unknown {task} preset '{args.preset}' (choose from {', '.join(presets)})", file=sys.stderr
    )
    return False

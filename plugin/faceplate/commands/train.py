"""faceplate train: train a swap model from two or more identities' face-sets (then export it to ONNX)."""

from __future__ import annotations

import argparse

from faceplate.commands import EXIT_OK, EXIT_USAGE


def _identity(text: str) -> tuple[str, str]:
    label, sep, folder = text.partition("=")
    if not sep or not label or not folder:
        raise argparse.ArgumentTypeError(f"'{text}' is not LABEL=FACESET_FOLDER (e.g. A=facesets/actorA)")
    return label, folder


def add_parser(sub: argparse._SubParsersAction) -> None:
    from faceplate.models.swap.presets import PRESETS

    p = sub.add_parser("train", help="train a swap model (shared encoder, a decoder per identity) and export ONNX")
    p.add_argument("--identity", action="append", type=_identity, required=True, metavar="LABEL=DIR",
                   help="an identity's label and face-set folder (from `faceplate extract`); two or more")
    p.add_argument("-o", "--output", required=True, help="model folder (checkpoints, previews, ONNX export)")
    p.add_argument("--preset", default="256", choices=list(PRESETS), help="architecture and schedule (default 256)")
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
    p.add_argument("--distributed", action="store_true",
                   help="DistributedDataParallel under torchrun (gloo on CPUs, nccl on GPUs)")
    p.add_argument("--no-export", action="store_true", help="do not export ONNX at the end")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from faceplate.training import train_swap

    identities = dict(args.identity)
    if len(identities) != len(args.identity):
        print("faceplate: error: an identity label is given twice")
        return EXIT_USAGE
    result = train_swap(identities, args.output, preset=args.preset, steps=args.steps,
                        steps_per_stage=args.steps_per_stage, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                        resume=args.resume, checkpoint_every=args.checkpoint_every, preview_every=args.preview_every,
                        workers=args.workers, device=args.device, distributed=args.distributed,
                        progress=not args.quiet)
    import torch.distributed as dist

    if args.distributed and dist.is_initialized():
        rank = dist.get_rank()
        dist.destroy_process_group()
        if rank != 0:
            return EXIT_OK
    print(f"trained {result.step} steps in {result.seconds:.0f} s"
          + (f" (resumed from step {result.resumed_from})" if result.resumed_from is not None else ""))
    print(f"  checkpoint: {result.checkpoint}")
    if result.loss_curve:
        print(f"  loss curve: {result.loss_curve}")
    if result.previews:
        print(f"  previews: {result.previews[-1]} ({len(result.previews)})")
    if not args.no_export:
        from faceplate.models.export import export_swap

        print(f"  onnx: {export_swap(args.output)}")
    return EXIT_OK

"""Trains the default occluder that ships with faceplate, from photos available offline. Rerunnable:

    python -m faceplate.actions.default_occluder -o DIR [--steps N] [--init MODEL] [--install]

Data: the two real face photos available offline (``skimage.data.astronaut``; matplotlib's
``grace_hopper.jpg``), each turned into a face-set the way ``faceplate extract`` writes one (dlib's
68 landmarks, AlignEdit's ``whole_face`` template at 128 px, each face with its own small rotation,
scale, shift and exposure), and synthetic occluders (:mod:`faceplate.models.trainer.occluders`) with
textures from those photos and the scikit-image samples in ``TRAINING_PHOTOS``. The photos reserved
for evaluation (coffee, chelsea, rocket) are not used.

v2 (the shipped default) is v1 (2500 steps from scratch, before the ``thin`` occluders existed)
fine-tuned with every occluder family, thin rods, cables, fingers and glasses arms included:
``--init V1_DIR/occluder.onnx --steps 1000``. v1 is in the repository's history
(``git show 4a7d948:models/occlusion/default/occluder.pt`` and ``.onnx``, ``.card.json``).

Writes ``DIR/occluder.onnx``, ``DIR/occluder.card.json``, ``DIR/occluder.pt`` (and the training folder:
checkpoints, previews, loss curve). ``--install`` copies the three files into the package's
``models/occlusion/default/`` (what the OcclusionMask ``model`` knob's ``default`` loads). The same
seed and steps give the same weights on the same machine and library versions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time

from faceplate.actions.demo.facesets import Variation, write_photo_faceset
from faceplate.actions.model_training import PHOTO_LICENCES, export_occlusion_model, train_occlusion
from faceplate.foundation.files import sha256_of
from faceplate.models.cards import card_path
from faceplate.models.registry import DEFAULT_OCCLUDER

PHOTOS = ("astronaut", "hopper")
FACES_PER_PHOTO = 48
FACESET_SIZE = 128
DEFAULT_STEPS = 2500
MODEL_ID = "faceplate-occlusion-default-v2"


def train_default(
    out_dir: str, *, steps: int = DEFAULT_STEPS, seed: int = 0, init: str | None = None, progress: bool = True
) -> str:
    """Trains the default occluder into ``out_dir`` (from scratch, or fine-tuning ``init``, an occluder's
    ``.onnx`` with its ``.pt`` beside it); returns the ONNX path."""
    out_dir = os.path.abspath(out_dir)
    sets_dir = os.path.join(out_dir, "facesets")

    varied = Variation(roll=12.0, scale=0.08, shift=0.04, stops=0.7)
    folders = [
        write_photo_faceset(
            os.path.join(sets_dir, name),
            name,
            name,
            count=FACES_PER_PHOTO,
            size=FACESET_SIZE,
            seed=seed + i,
            variation=varied,
        )
        for i, name in enumerate(PHOTOS)
    ]
    began = time.perf_counter()
    train_occlusion(
        folders,
        os.path.join(out_dir, "training"),
        preset="128",
        steps=steps,
        init=init,
        seed=seed,
        progress=progress,
        checkpoint_every=max(steps // 4, 1),
        preview_every=max(steps // 4, 1),
        label="default:" + ",".join(PHOTOS),
    )
    return export_default(out_dir, steps=steps, seed=seed, init=init, seconds=time.perf_counter() - began)


def export_default(out_dir: str, *, steps: int, seed: int, init: str | None, seconds: float) -> str:
    """Exports the finished training in ``out_dir/training`` as ``out_dir/occluder.onnx`` with the shipped card
    (what :func:`train_default` ends with; ``--export-only`` reruns it); returns the ONNX path."""
    out_dir = os.path.abspath(out_dir)
    start = _describe_init(init)
    path = export_occlusion_model(
        os.path.join(out_dir, "training"),
        os.path.join(out_dir, "occluder.onnx"),
        model_id=MODEL_ID,
        title="faceplate default occluder (generic; 128 px aligned whole_face crops)",
        description=(
            f"generic occlusion model shipped with faceplate: {FACES_PER_PHOTO} faces each of the photos "
            f"{', '.join(PHOTOS)} (aligned, varied in rotation, scale and exposure), synthetic occluders "
            "(hands, texture patches, hair strands, glasses, bars, thin rods/cables/fingers/glasses arms "
            "5-15 px; "
            "soft and semi-transparent edges) with textures from those photos and scikit-image samples; "
            f"{steps} steps from {start}, seed {seed}, {seconds:.0f} s on the CPU. "
            "Rerun: python -m faceplate.actions.default_occluder -o DIR"
            + (" --init V1_DIR/occluder.onnx" if init else "")
        ),
        licence=(
            "Weights: trained by the faceplate project from public-domain photos; same terms as faceplate. "
            "Training photos: " + "; ".join(PHOTO_LICENCES.values())
        ),
    )
    neutral_card(path, steps, seed, start if init else None)
    return path


def _describe_init(init: str | None) -> str:
    """``scratch``, or the starting model's id and sha256 (from its card)."""
    if not init:
        return "scratch"
    with open(card_path(init)) as f:
        card = json.load(f)
    return f"{card.get('id', os.path.basename(init))} (sha256 {sha256_of(init)})"


def neutral_card(path: str, steps: int, seed: int, init: str | None = None) -> None:
    """The shipped card names no machine's folders: the source is the command, the face-sets the photos."""
    with open(card_path(path)) as f:
        card = json.load(f)
    card["source"] = (
        f"faceplate trainer: python -m faceplate.actions.default_occluder -o DIR --steps {steps} "
        f"--seed {seed}"
        + (
            " --init V1_DIR/occluder.onnx (v1: git show 4a7d948:models/occlusion/default/"
            "occluder.onnx, .pt, .card.json)"
            if init
            else ""
        )
    )
    card["training"]["facesets"] = [f"{name} ({FACES_PER_PHOTO} aligned faces)" for name in PHOTOS]
    if init:
        card["training"]["init"] = init
    with open(card_path(path), "w") as f:
        json.dump(card, f, indent=1)


def install(out_dir: str) -> str:
    """Copies a trained default (``occluder.onnx``, ``.card.json``, ``.pt``) into the package's default folder."""
    target = os.path.dirname(DEFAULT_OCCLUDER)
    for name in ("occluder.onnx", "occluder.card.json", "occluder.pt"):
        shutil.copyfile(os.path.join(out_dir, name), os.path.join(target, name))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m faceplate.actions.default_occluder",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-o", "--output", required=True, help="working folder (face-sets, training, the model)")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--init", help="fine-tune this occluder (.onnx, its .pt beside it) instead of training from scratch"
    )
    parser.add_argument("--install", action="store_true", help="copy the result into the package's default folder")
    parser.add_argument(
        "--export-only",
        action="store_true",
        help="export the finished training in the folder again (its training.json gives the time)",
    )
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.export_only:
        with open(os.path.join(args.output, "training", "training.json")) as f:
            seconds = float(json.load(f)["seconds"])
        path = export_default(args.output, steps=args.steps, seed=args.seed, init=args.init, seconds=seconds)
    else:
        path = train_default(args.output, steps=args.steps, seed=args.seed, init=args.init, progress=not args.quiet)
    print(f"default occluder: {path}")
    if args.install:
        print(f"installed into {install(os.path.dirname(path))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

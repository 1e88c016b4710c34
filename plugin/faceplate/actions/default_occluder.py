"""Trains the default occluder that ships with faceplate, from photos available offline. Rerunnable:

    python -m faceplate.actions.default_occluder -o DIR [--steps N] [--install]

Data: the two real face photos available offline (``skimage.data.astronaut``; matplotlib's
``grace_hopper.jpg``), each turned into a face-set the way ``faceplate extract`` writes one (dlib's
68 landmarks, AlignEdit's ``whole_face`` template at 128 px, each face with its own small rotation,
scale, shift and exposure), and synthetic occluders (:mod:`faceplate.models.trainer.occluders`) with
textures from those photos and the scikit-image samples in ``TRAINING_PHOTOS``. The photos reserved
for evaluation (coffee, chelsea, rocket) are not used.

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
from faceplate.models.cards import card_path
from faceplate.models.registry import DEFAULT_OCCLUDER

PHOTOS = ("astronaut", "hopper")
FACES_PER_PHOTO = 48
FACESET_SIZE = 128
DEFAULT_STEPS = 2500
MODEL_ID = "faceplate-occlusion-default-v1"


def train_default(out_dir: str, *, steps: int = DEFAULT_STEPS, seed: int = 0, progress: bool = True) -> str:
    """Trains the default occluder into ``out_dir``; returns the ONNX path."""
    out_dir = os.path.abspath(out_dir)
    sets_dir = os.path.join(out_dir, "facesets")

    varied = Variation(roll=12.0, scale=0.08, shift=0.04, stops=0.7)
    folders = [write_photo_faceset(os.path.join(sets_dir, name), name, name, count=FACES_PER_PHOTO,
                                   size=FACESET_SIZE, seed=seed + i, variation=varied)
               for i, name in enumerate(PHOTOS)]
    began = time.perf_counter()
    train_occlusion(folders, os.path.join(out_dir, "training"), preset="128", steps=steps, init=None, seed=seed,
                    progress=progress, checkpoint_every=max(steps // 4, 1), preview_every=max(steps // 4, 1),
                    label="default:" + ",".join(PHOTOS))
    seconds = time.perf_counter() - began
    path = export_occlusion_model(
        os.path.join(out_dir, "training"), os.path.join(out_dir, "occluder.onnx"), model_id=MODEL_ID,
        title="faceplate default occluder (generic; 128 px aligned whole_face crops)",
        description=(f"generic occlusion model shipped with faceplate: {FACES_PER_PHOTO} faces each of the photos "
                     f"{', '.join(PHOTOS)} (aligned, varied in rotation, scale and exposure), synthetic occluders "
                     "(hands, texture patches, hair strands, glasses, bars; soft and semi-transparent edges) with "
                     f"textures from those photos and scikit-image samples; {steps} steps, seed {seed}, "
                     f"{seconds:.0f} s on the CPU. Rerun: python -m faceplate.actions.default_occluder -o DIR"),
        licence=("Weights: trained by the faceplate project from public-domain photos; same terms as faceplate. "
                 "Training photos: " + "; ".join(PHOTO_LICENCES.values())))
    neutral_card(path, steps, seed)
    return path


def neutral_card(path: str, steps: int, seed: int) -> None:
    """The shipped card names no machine's folders: the source is the command, the face-sets the photos."""
    with open(card_path(path)) as f:
        card = json.load(f)
    card["source"] = (f"faceplate trainer: python -m faceplate.actions.default_occluder -o DIR --steps {steps} "
                      f"--seed {seed}")
    card["training"]["facesets"] = [f"{name} ({FACES_PER_PHOTO} aligned faces)" for name in PHOTOS]
    with open(card_path(path), "w") as f:
        json.dump(card, f, indent=1)


def install(out_dir: str) -> str:
    """Copies a trained default (``occluder.onnx``, ``.card.json``, ``.pt``) into the package's default folder."""
    target = os.path.dirname(DEFAULT_OCCLUDER)
    for name in ("occluder.onnx", "occluder.card.json", "occluder.pt"):
        shutil.copyfile(os.path.join(out_dir, name), os.path.join(target, name))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faceplate.actions.default_occluder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", required=True, help="working folder (face-sets, training, the model)")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--install", action="store_true", help="copy the result into the package's default folder")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    path = train_default(args.output, steps=args.steps, seed=args.seed, progress=not args.quiet)
    print(f"default occluder: {path}")
    if args.install:
        print(f"installed into {install(os.path.dirname(path))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

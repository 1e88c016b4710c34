"""Trains the default occluder that ships with faceplate, from photos available offline. Rerunnable:

    python -m faceplate.models.occlusion.train_default -o DIR [--steps N] [--install]

Data: the two real face photos available offline (``skimage.data.astronaut``; matplotlib's
``grace_hopper.jpg``), each turned into a face-set the way ``faceplate extract`` writes one (dlib's
68 landmarks, AlignEdit's ``whole_face`` template at 128 px, each face with its own small rotation,
scale, shift and exposure), and synthetic occluders (:mod:`faceplate.models.training.occluders`) with
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

import numpy as np

PHOTOS = ("astronaut", "hopper")
FACES_PER_PHOTO = 48
FACESET_SIZE = 128
DEFAULT_STEPS = 2500
MODEL_ID = "faceplate-occlusion-default-v1"


def photo_srgb(name: str) -> np.ndarray:
    """``(H, W, 3)`` uint8 sRGB photo: ``astronaut`` or ``hopper``."""
    if name == "astronaut":
        import skimage.data

        return skimage.data.astronaut()
    import matplotlib.cbook
    from PIL import Image

    with Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")) as im:
        return np.asarray(im.convert("RGB"))


def photo_landmarks(image: np.ndarray) -> np.ndarray:
    """``(68, 2)`` dlib landmarks of the largest face (pixel centres at +0.5)."""
    import dlib

    from faceplate.models import registry

    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(registry.locate("dlib-shape-predictor-68"))
    box = max(detector(image, 1), key=lambda r: r.area())
    shape = predictor(image, box)
    return np.array([(p.x + 0.5, p.y + 0.5) for p in shape.parts()], np.float64)


def build_photo_faceset(folder: str, name: str, count: int = FACES_PER_PHOTO, size: int = FACESET_SIZE,
                        seed: int = 0) -> str:
    """Writes a face-set of ``count`` aligned faces of photo ``name`` (varied like a shot's frames)."""
    import cv2

    from faceplate.extract import hull_matte
    from faceplate.models.training.augment import linear_to_srgb, srgb_to_linear
    from faceplate.models.training.preview import write_png
    from faceplate.nodes.alignedit.align import plate_from_template
    from faceplate.nodes.alignedit.template import aligned_from_template
    from faceplate.nodes.facedetect import geometry

    rng = np.random.default_rng(seed)
    for sub in ("faces", "mattes"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    srgb = photo_srgb(name)
    points = photo_landmarks(srgb)
    photo = srgb.astype(np.float32) / 255.0
    base = geometry.compose(aligned_from_template("whole_face", size), geometry.invert(plate_from_template(points)))
    faces = []
    for i in range(count):
        angle, k = np.radians(rng.uniform(-12, 12)), 1.0 + rng.uniform(-0.08, 0.08)
        dx, dy = rng.uniform(-0.04, 0.04, 2) * size
        c, s = k * np.cos(angle), k * np.sin(angle)
        jitter = np.array([[c, -s, 0.0], [s, c, 0.0]])
        jitter[:, 2] = [size / 2 + dx, size / 2 + dy] - jitter[:, :2] @ [size / 2, size / 2]
        m = jitter @ np.vstack([base, [0, 0, 1]])
        cv = m.copy()
        cv[:, 2] += m[:, :2] @ [0.5, 0.5] - 0.5
        crop = cv2.warpAffine(photo, cv, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT101)
        crop = np.clip(linear_to_srgb(srgb_to_linear(crop) * 2 ** rng.uniform(-0.7, 0.7)), 0, 1)
        landmarks = points @ m[:, :2].T + m[:, 2]
        stem = f"{name}_{1001 + i:06d}"
        write_png(os.path.join(folder, "faces", stem + ".png"), crop)
        matte = np.repeat(hull_matte(landmarks, size)[..., None], 3, 2)
        write_png(os.path.join(folder, "mattes", stem + ".png"), matte)
        faces.append({"image": f"faces/{stem}.png", "matte": f"mattes/{stem}.png", "frame": 1001 + i, "track": 1,
                      "identity": name, "aligned_from_plate": m.tolist(), "landmarks": landmarks.tolist()})
    manifest = {"format": "faceplate-faceset", "version": 1, "track": 1, "identity": name, "face_type": "whole_face",
                "size": size, "plate_size": [int(srgb.shape[1]), int(srgb.shape[0])],
                "frames": [1001, 1000 + count], "faces": faces}
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    return folder


def train_default(out_dir: str, *, steps: int = DEFAULT_STEPS, seed: int = 0, progress: bool = True) -> str:
    """Trains the default occluder into ``out_dir``; returns the ONNX path."""
    from faceplate.training import PHOTO_LICENCES, export_occlusion_model, train_occlusion

    out_dir = os.path.abspath(out_dir)
    sets_dir = os.path.join(out_dir, "facesets")
    folders = [build_photo_faceset(os.path.join(sets_dir, name), name, seed=seed + i) for i, name in enumerate(PHOTOS)]
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
                     f"{seconds:.0f} s on the CPU. Rerun: python -m faceplate.models.occlusion.train_default -o DIR"),
        licence=("Weights: trained by the faceplate project from public-domain photos; same terms as faceplate. "
                 "Training photos: " + "; ".join(PHOTO_LICENCES.values())))
    neutral_card(path, steps, seed)
    return path


def neutral_card(path: str, steps: int, seed: int) -> None:
    """The shipped card names no machine's folders: the source is the command, the face-sets the photos."""
    from faceplate.models.occlusion.export import card_path

    with open(card_path(path)) as f:
        card = json.load(f)
    card["source"] = (f"faceplate trainer: python -m faceplate.models.occlusion.train_default -o DIR --steps {steps} "
                      f"--seed {seed}")
    card["training"]["facesets"] = [f"{name} ({FACES_PER_PHOTO} aligned faces)" for name in PHOTOS]
    with open(card_path(path), "w") as f:
        json.dump(card, f, indent=1)


def install(out_dir: str) -> str:
    """Copies a trained default (``occluder.onnx``, ``.card.json``, ``.pt``) into the package's default folder."""
    from faceplate.models.registry import DEFAULT_OCCLUDER

    target = os.path.dirname(DEFAULT_OCCLUDER)
    for name in ("occluder.onnx", "occluder.card.json", "occluder.pt"):
        shutil.copyfile(os.path.join(out_dir, name), os.path.join(target, name))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faceplate.models.occlusion.train_default", description=__doc__,
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

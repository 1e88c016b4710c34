"""Small face-sets built from the two real photos, in the format ``faceplate extract`` writes.

Not in conftest.py (``from conftest import`` collides across test folders).

Each photo's 68 landmarks are found once with dlib; each face of the set is the photo aligned to the
``whole_face`` template (as AlignEdit aligns it) with a different small rotation, scale, shift and
exposure, like the frames of a short shot.
"""

from __future__ import annotations

import functools
import json
import os

import cv2
import numpy as np

from faceplate.demo.photos import photo_srgb  # noqa: F401  (the tests import it from here)
from faceplate.models.training.augment import linear_to_srgb, srgb_to_linear


@functools.lru_cache(maxsize=2)
def photo_landmarks(name: str) -> np.ndarray:
    """``(68, 2)`` dlib landmarks of the photo's face (pixel centres at +0.5)."""
    import dlib

    from faceplate.models import registry

    image = photo_srgb(name)
    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(registry.locate("dlib-shape-predictor-68"))
    box = max(detector(image, 1), key=lambda r: r.area())
    shape = predictor(image, box)
    return np.array([(p.x + 0.5, p.y + 0.5) for p in shape.parts()], np.float64)


def aligned_from_photo(name: str, size: int) -> np.ndarray:
    from faceplate.nodes.alignedit.align import plate_from_template
    from faceplate.nodes.alignedit.template import aligned_from_template
    from faceplate.nodes.facedetect import geometry

    return geometry.compose(aligned_from_template("whole_face", size),
                            geometry.invert(plate_from_template(photo_landmarks(name))))


def _cv(m: np.ndarray) -> np.ndarray:
    t = np.array(m, np.float64)
    t[:, 2] += t[:, :2] @ [0.5, 0.5] - 0.5
    return t


def build_faceset(folder: str, name: str, identity: str, count: int = 24, size: int = 64, seed: int = 0) -> str:
    """Writes a face-set of ``count`` ``size`` px faces of photo ``name`` into ``folder``; returns it."""
    from faceplate.extract import hull_matte
    from faceplate.models.training.preview import write_png

    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(folder, "faces"), exist_ok=True)
    os.makedirs(os.path.join(folder, "mattes"), exist_ok=True)
    photo = photo_srgb(name).astype(np.float32) / 255.0
    base = aligned_from_photo(name, size)
    faces = []
    for i in range(count):
        angle, k = np.radians(rng.uniform(-6, 6)), 1.0 + rng.uniform(-0.04, 0.04)
        dx, dy = rng.uniform(-0.03, 0.03, 2) * size
        c, s = k * np.cos(angle), k * np.sin(angle)
        jitter = np.array([[c, -s, 0.0], [s, c, 0.0]])
        jitter[:, 2] = [size / 2 + dx, size / 2 + dy] - jitter[:, :2] @ [size / 2, size / 2]
        m = jitter @ np.vstack([base, [0, 0, 1]])
        crop = cv2.warpAffine(photo, _cv(m), (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT101)
        crop = np.clip(linear_to_srgb(srgb_to_linear(crop) * 2 ** rng.uniform(-0.3, 0.3)), 0, 1)
        landmarks = photo_landmarks(name) @ m[:, :2].T + m[:, 2]
        matte = hull_matte(landmarks, size)
        stem = f"{identity}_t01_{1001 + i:06d}"
        write_png(os.path.join(folder, "faces", stem + ".png"), crop)
        write_png(os.path.join(folder, "mattes", stem + ".png"), np.repeat(matte[..., None], 3, 2))
        faces.append({"image": f"faces/{stem}.png", "matte": f"mattes/{stem}.png", "frame": 1001 + i, "track": 1,
                      "identity": identity, "aligned_from_plate": m.tolist(), "landmarks": landmarks.tolist()})
    manifest = {"format": "faceplate-faceset", "version": 1, "track": 1, "identity": identity,
                "face_type": "whole_face", "size": size, "faces": faces}
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    return folder

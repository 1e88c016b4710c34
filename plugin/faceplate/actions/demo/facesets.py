"""Face-sets made from the two real photos, in the format ``faceplate extract`` writes.

Each face of a set is the photo aligned to the ``whole_face`` template (as AlignEdit aligns it, from the
photo's dlib landmarks) with its own small roll, scale, shift and exposure, like the frames of a short
shot. The default occluder is trained on such sets, and the tests train swap models on them.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os

import cv2
import numpy as np

from faceplate import _native
from faceplate.actions.demo.photos import photo_srgb
from faceplate.actions.faceset_extraction import hull_matte
from faceplate.foundation import geometry
from faceplate.foundation.drawing import write_png
from faceplate.models import registry
from faceplate.models.trainer.augment import linear_to_srgb, srgb_to_linear
from faceplate.nodes.alignedit.align import plate_from_template
from faceplate.nodes.alignedit.template import aligned_from_template


@functools.lru_cache(maxsize=2)
def photo_landmarks(name: str) -> np.ndarray:
    """``(68, 2)`` dlib landmarks of the largest face in photo ``name`` (pixel centres at +0.5)."""
    import dlib

    image = np.ascontiguousarray(photo_srgb(name))
    detector = dlib.get_frontal_face_detector()
    predictor = _native.ShapePredictor(registry.locate("dlib-shape-predictor-68"))
    r = max(detector(image, 1), key=lambda r: r.area())
    points = predictor.predict(image, np.array([[r.left(), r.top(), r.right(), r.bottom()]], np.int64))[0]
    return points.astype(np.float64) + 0.5


def aligned_from_photo(name: str, size: int) -> np.ndarray:
    """2x3 transform from photo pixels to a ``size`` px ``whole_face`` crop."""
    return geometry.compose(
        aligned_from_template("whole_face", size), geometry.invert(plate_from_template(photo_landmarks(name)))
    )


@dataclasses.dataclass(frozen=True)
class Variation:
    """Per-face variation, each drawn uniformly in ±value: roll (degrees), scale (fraction), shift (fraction
    of the crop side), exposure (stops, in linear light)."""

    roll: float = 6.0
    scale: float = 0.04
    shift: float = 0.03
    stops: float = 0.3


def write_photo_faceset(
    folder: str,
    name: str,
    identity: str,
    *,
    count: int = 24,
    size: int = 64,
    seed: int = 0,
    variation: Variation = Variation(),
) -> str:
    """Writes a face-set of ``count`` ``size`` px faces of photo ``name`` labelled ``identity``; returns ``folder``."""

    rng = np.random.default_rng(seed)
    for sub in ("faces", "mattes"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    srgb = photo_srgb(name)
    photo = srgb.astype(np.float32) / 255.0
    base = aligned_from_photo(name, size)
    v = variation
    faces = []
    for i in range(count):
        angle, k = np.radians(rng.uniform(-v.roll, v.roll)), 1.0 + rng.uniform(-v.scale, v.scale)
        dx, dy = rng.uniform(-v.shift, v.shift, 2) * size
        c, s = k * np.cos(angle), k * np.sin(angle)
        jitter = np.array([[c, -s, 0.0], [s, c, 0.0]])
        jitter[:, 2] = [size / 2 + dx, size / 2 + dy] - jitter[:, :2] @ [size / 2, size / 2]
        m = jitter @ np.vstack([base, [0, 0, 1]])
        cv = m.copy()  # pixel centres at +0.5 -> OpenCV's corner convention
        cv[:, 2] += m[:, :2] @ [0.5, 0.5] - 0.5
        crop = cv2.warpAffine(photo, cv, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT101)
        crop = np.clip(linear_to_srgb(srgb_to_linear(crop) * 2 ** rng.uniform(-v.stops, v.stops)), 0, 1)
        landmarks = photo_landmarks(name) @ m[:, :2].T + m[:, 2]
        stem = f"{identity}_t01_{1001 + i:06d}"
        write_png(os.path.join(folder, "faces", stem + ".png"), crop)
        write_png(
            os.path.join(folder, "mattes", stem + ".png"), np.repeat(hull_matte(landmarks, size)[..., None], 3, 2)
        )
        faces.append(
            {
                "image": f"faces/{stem}.png",
                "matte": f"mattes/{stem}.png",
                "frame": 1001 + i,
                "track": 1,
                "identity": identity,
                "aligned_from_plate": m.tolist(),
                "landmarks": landmarks.tolist(),
            }
        )
    manifest = {
        "format": "faceplate-faceset",
        "version": 1,
        "track": 1,
        "identity": identity,
        "face_type": "whole_face",
        "size": size,
        "plate_size": [int(srgb.shape[1]), int(srgb.shape[0])],
        "frames": [1001, 1000 + count],
        "faces": faces,
    }
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    return folder

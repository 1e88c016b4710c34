"""Synthetic shots for the JawBlend tests and bench_jawblend.py: a tracked plate and a stand-in swap.

Not in conftest.py (``from conftest import`` collides across test folders).

- :class:`ShotFaces`: the astronaut actor of ``tests/facedetect/shots.py`` moving through a noisy
  scene-linear plate, carrying its known 68 landmarks (``tests/occlusion/occlusion_shots.py``) as Faces,
  aligned to the ``whole_face`` template at :data:`CROP` px as AlignEdit aligns them; optional landmark
  jitter (tracking noise) per frame.
- :class:`StandInSwap`: what NeuralSwap puts into the metadata, without a model: Grace Hopper's face
  (the other offline photo) aligned to the same template, with the model matte a trained model learns
  (the landmark hull), a colour cast, softer than the plate (no grain) and a per-frame exposure flicker
  -- the failure modes JawBlend exists to hide. The crop is a different person under different light,
  so the seam and the colour match have real work to do.
"""

from __future__ import annotations

import functools
import os
import sys

import numpy as np

HERE = os.path.dirname(__file__)
for folder in ("facedetect", "occlusion", "neuralswap"):
    sys.path.insert(0, os.path.join(HERE, "..", folder))

from occlusion_shots import ASTRONAUT_LANDMARKS  # noqa: E402
from shots import Actor, photo, render  # noqa: E402

from faceplate.foundation import geometry  # noqa: E402
from faceplate.nodes.core import Graph, Node  # noqa: E402
from faceplate.nodes.faces import (  # noqa: E402
    METADATA_KEY,
    SWAP_KEY,
    Face,
    Faces,
)
from faceplate.nodes.jawblend.node import JawBlend  # noqa: E402
from faceplate.nodes.neuralswap.node import SwapCrop, SwapCrops  # noqa: E402

CROP = 128
FRAMES = list(range(1001, 1013))
SIZE = (512, 384)
CAST = np.array([1.25, 0.95, 0.75], np.float32)  # the stand-in model's colour cast (linear gains)


def motion(frame):
    """A slow pan and push-in with a little roll (centre x, y, scale, degrees)."""
    t = (frame - FRAMES[0]) / (len(FRAMES) - 1)
    return (230.0 + 60.0 * t, 185.0 + 6.0 * t, 1.55 + 0.1 * t, 6.0 * t)


def aligned_from_landmarks(points: np.ndarray, size: int = CROP) -> np.ndarray:
    from faceplate.nodes.alignedit.align import plate_from_template
    from faceplate.nodes.alignedit.template import aligned_from_template

    return geometry.compose(aligned_from_template("whole_face", size), geometry.invert(plate_from_template(points)))


class ShotFaces(Node):
    """The plate of a synthetic shot with its known faces (track 1), aligned at :data:`CROP` px."""

    type_name = "TestJawBlendShot"

    def __init__(self, name, *, size=SIZE, noise=0.006, jitter=0.0, motion=motion, seed=0, crop=CROP):
        super().__init__(name)
        self.actor = Actor("astronaut", motion)
        self.size, self.noise, self.jitter, self.seed, self.crop = size, noise, jitter, seed, crop

    def hash_extra(self, frame):
        return [id(self), frame]

    def landmarks(self, frame):
        points = geometry.apply(self.actor.frame_from_sprite(frame), ASTRONAUT_LANDMARKS)
        if self.jitter:
            rng = np.random.default_rng(self.seed * 7919 + frame)
            points = points + rng.normal(0.0, self.jitter, 2)  # the whole track wobbles, as trackers do
        return points

    def compute(self, context):
        plate = render([self.actor], context.frame, size=self.size, noise=self.noise, seed=self.seed)
        points = self.landmarks(context.frame)
        face = Face(
            1,
            "person1",
            (*points.min(0), *points.max(0)),
            points,
            np.ones(68),
            score=1.0,
            aligned_from_plate=aligned_from_landmarks(points, self.crop),
        )
        return plate.replace(metadata={METADATA_KEY: Faces(context.frame, (face,))})


@functools.lru_cache(maxsize=2)
def hopper_crop(size: int = CROP) -> tuple[np.ndarray, np.ndarray]:
    """Hopper's face aligned to the whole_face template: ``(rgb linear (S, S, 3), hull matte (S, S))``."""
    from swap_facesets import photo_landmarks

    from faceplate.actions.faceset_extraction import hull_matte
    from faceplate.nodes.alignedit.align import warp_crop

    points = photo_landmarks("hopper")
    m = aligned_from_landmarks(points, size)
    rgb = warp_crop(np.ascontiguousarray(photo("hopper")), m, size, filter="bilinear")
    rgb = np.ascontiguousarray(rgb[..., :3], np.float32)
    rgb.flags.writeable = False
    matte = hull_matte(geometry.apply(m, points), size)
    matte.flags.writeable = False
    return rgb, matte


class StandInSwap(Node):
    """Puts a SwapCrops into the metadata as NeuralSwap would: Hopper's face with a cast and a flicker."""

    type_name = "TestJawBlendStandInSwap"
    inputs = ("input",)

    def __init__(self, name, *, flicker=0.15, cast=CAST, crop=CROP):
        super().__init__(name)
        self.flicker, self.cast, self.crop = flicker, np.asarray(cast, np.float32), crop

    def hash_extra(self, frame):
        return [id(self)]

    def compute(self, context):
        plate = context.input()
        rgb, matte = hopper_crop(self.crop)
        gain = 2.0 ** (self.flicker * np.random.default_rng(frame_seed(context.frame)).uniform(-1, 1))
        face_rgb = (rgb * self.cast * np.float32(gain)).astype(np.float32)
        face_rgb.flags.writeable = False
        crops = tuple(
            SwapCrop(f.track_id, "B", face_rgb, matte, f.aligned_from_plate, "standin", "0" * 64)
            for f in plate.metadata[METADATA_KEY]
        )
        return plate.replace(
            metadata={**plate.metadata, SWAP_KEY: SwapCrops(context.frame, crops), "faceplate/synthetic": 1}
        )


def frame_seed(frame):
    return 104729 + frame


def blend_graph(
    *, swap=True, jitter=0.0, noise=0.006, flicker=0.15, size=SIZE, frames=FRAMES, motion=motion, crop=CROP, **knobs
):
    """``(graph, jawblend)``: ShotFaces -> [StandInSwap] -> JawBlend over ``frames``."""
    graph = Graph(frame_range=(frames[0], frames[-1]))
    last = graph.add(ShotFaces("Plate", jitter=jitter, noise=noise, size=size, motion=motion, crop=crop))
    if swap:
        node = graph.add(StandInSwap("Swap", flicker=flicker, crop=crop))
        graph.connect(last, node)
        last = node
    blend = graph.add(JawBlend("JawBlend1", **knobs))
    graph.connect(last, blend)
    return graph, blend


def rgb_of(plate):
    return plate.pixels[:, :, [plate.channel_index(c) for c in ("R", "G", "B")]]


def true_face_matte(graph, frame, erode_px=4.0):
    """The face hull from the true (unjittered) landmarks, eroded: where colour errors are measured."""
    import cv2

    from faceplate.actions.faceset_extraction import hull_matte  # noqa: F401  (same hull as the stand-in's matte)
    from faceplate.foundation.imaging import erode_dilate, polygon_matte

    source = graph["Plate"]
    points = geometry.apply(source.actor.frame_from_sprite(frame), ASTRONAUT_LANDMARKS)
    hull = cv2.convexHull(points.astype(np.float32)).reshape(-1, 2).astype(np.float64)
    matte = polygon_matte(hull, source.size)
    return erode_dilate(matte, -erode_px) > 0.99

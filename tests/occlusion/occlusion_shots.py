"""Synthetic shots with known landmarks for the OcclusionMask tests.

Not in conftest.py: several test folders have a conftest, and ``from conftest import`` picks whichever
was imported first. The plates come from ``tests/facedetect/shots.py`` (the astronaut photo moved by
a known similarity per frame); the faces are the astronaut's 68 landmarks, found once by dlib in the
sprite and checked in below, moved by the same transform, so every landmark's true place is known
without running a detector.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "facedetect"))

from shots import Actor, render

from faceplate.foundation import geometry
from faceplate.nodes.core import Graph, Node
from faceplate.nodes.faces import METADATA_KEY, Face, Faces
from faceplate.nodes.occlusion.node import OcclusionMask

# dlib's 68 landmarks of the astronaut sprite (shots.SPRITES["astronaut"]: 170 px square), pixel centres +0.5.
ASTRONAUT_LANDMARKS = np.array(
    [
        [39.5, 64.5],
        [39.5, 76.5],
        [40.5, 87.5],
        [42.5, 99.5],
        [45.5, 110.5],
        [51.5, 120.5],
        [60.5, 129.5],
        [69.5, 136.5],
        [81.5, 138.5],
        [92.5, 137.5],
        [103.5, 131.5],
        [113.5, 123.5],
        [120.5, 114.5],
        [125.5, 103.5],
        [128.5, 91.5],
        [130.5, 80.5],
        [132.5, 68.5],
        [46.5, 54.5],
        [52.5, 48.5],
        [60.5, 47.5],
        [69.5, 49.5],
        [76.5, 52.5],
        [96.5, 53.5],
        [104.5, 51.5],
        [112.5, 51.5],
        [120.5, 52.5],
        [125.5, 59.5],
        [86.5, 62.5],
        [85.5, 71.5],
        [85.5, 79.5],
        [85.5, 87.5],
        [74.5, 91.5],
        [79.5, 92.5],
        [84.5, 94.5],
        [89.5, 93.5],
        [94.5, 92.5],
        [55.5, 61.5],
        [60.5, 58.5],
        [67.5, 58.5],
        [72.5, 64.5],
        [66.5, 64.5],
        [60.5, 64.5],
        [97.5, 65.5],
        [104.5, 60.5],
        [110.5, 60.5],
        [115.5, 65.5],
        [110.5, 67.5],
        [104.5, 66.5],
        [60.5, 98.5],
        [69.5, 99.5],
        [78.5, 99.5],
        [83.5, 101.5],
        [89.5, 100.5],
        [97.5, 100.5],
        [106.5, 101.5],
        [97.5, 111.5],
        [89.5, 115.5],
        [82.5, 116.5],
        [76.5, 115.5],
        [67.5, 110.5],
        [62.5, 100.5],
        [77.5, 103.5],
        [83.5, 104.5],
        [89.5, 103.5],
        [103.5, 102.5],
        [89.5, 110.5],
        [82.5, 110.5],
        [77.5, 109.5],
    ]
)

FRAMES = list(range(1001, 1009))
SIZE = (480, 320)


def moving_motion(frame):
    """Known motion: a pan with a push-in and a roll (centre x, y in plate pixels, scale, degrees)."""
    t = (frame - FRAMES[0]) / (len(FRAMES) - 1)
    return (170.0 + 140.0 * t, 160.0 + 12.0 * t, 1.0 + 0.3 * t, 15.0 * t)


def landmarks_at(actor, frame):
    return geometry.apply(actor.frame_from_sprite(frame), ASTRONAUT_LANDMARKS)


class FacesSource(Node):
    """A synthetic shot whose plates carry the actor's known landmarks as Faces (track 1)."""

    type_name = "TestOcclusionFacesSource"

    def __init__(self, name, actor, size=SIZE, landmarks=None, align=None):
        super().__init__(name)
        self.actor, self.size, self.align = actor, size, align
        self.landmarks = landmarks or (lambda frame: landmarks_at(actor, frame))

    def hash_extra(self, frame):
        return [id(self), frame]

    def compute(self, context):
        plate = render([self.actor], context.frame, size=self.size, noise=0.0)
        points = self.landmarks(context.frame)
        box = (*points.min(axis=0), *points.max(axis=0))
        face = Face(
            track_id=1,
            identity="person1",
            box=box,
            landmarks=points,
            confidence=np.ones(68),
            score=1.0,
            aligned_from_plate=None if self.align is None else self.align(points),
        )
        return plate.replace(metadata={METADATA_KEY: Faces(frame=context.frame, faces=(face,))})


def shot(motion=moving_motion, align=None, **knobs):
    """``(graph, OcclusionMask node, actor)`` of a FacesSource -> OcclusionMask graph; ``align(landmarks)``
    gives each face an ``aligned_from_plate`` (as AlignEdit would). The node's ``model`` is empty unless
    given (these shots test the region mattes; the learned model has its own tests)."""
    knobs.setdefault("model", "")
    actor = Actor("astronaut", motion)
    graph = Graph(frame_range=(FRAMES[0], FRAMES[-1]))
    source = graph.add(FacesSource("Plate", actor, align=align))
    node = graph.add(OcclusionMask("OcclusionMask1", **knobs))
    graph.connect(source, node)
    return graph, node, actor

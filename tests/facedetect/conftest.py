import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from shots import Actor, render  # noqa: E402

from faceplate.nodes.core import Graph, Node, register  # noqa: E402
from faceplate.nodes.facedetect.backend import get_backend  # noqa: E402
from faceplate.nodes.facedetect.node import FaceDetect  # noqa: E402

register(FaceDetect)  # until the package's entry point is installed


class ShotSource(Node):
    """A synthetic shot as a graph input: renders ``actors`` per frame (the frame is all it reads)."""

    type_name = "TestShotSource"

    def __init__(self, name, actors, size=(640, 360), empty_frames=(), noise=0.004):
        super().__init__(name)
        self.actors, self.size, self.empty_frames, self.noise = actors, size, set(empty_frames), noise

    def hash_extra(self, frame):
        return [id(self), frame]

    def compute(self, context):
        actors = [] if context.frame in self.empty_frames else self.actors
        return render(actors, context.frame, size=self.size, noise=self.noise)


def shot_graph(tmp_path, actors, frames, **facedetect_knobs):
    graph = Graph(root=tmp_path, frame_range=(frames[0], frames[-1]))
    source = graph.add(ShotSource("Plate", actors, empty_frames=facedetect_knobs.pop("empty_frames", ()),
                                  noise=facedetect_knobs.pop("noise", 0.004)))
    detect = graph.add(FaceDetect("FaceDetect1", proxy_size=640, **facedetect_knobs))
    graph.connect(source, detect)
    return graph


@pytest.fixture(scope="session")
def dlib_backend():
    return get_backend("dlib")


def linear_motion(x0, y0, x1, y1, frames, scale=1.0, angle=0.0):
    first, last = frames[0], frames[-1]

    def motion(f):
        t = (f - first) / max(1, last - first)
        return (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, scale, angle)

    return motion


@pytest.fixture
def rng():
    return np.random.default_rng(0)


__all__ = ["Actor", "linear_motion", "shot_graph"]

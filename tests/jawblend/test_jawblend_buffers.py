"""JawBlend's recycled output arrays give the same frames, bit for bit, as freshly filled ones.

An edit session on one graph (a knob changed, the frame re-rendered, the superseded plate dropped from
the cache as the viewer drops it, so its array is reused and only the faces' boxes are restored) against
a fresh graph rendering each state from scratch, on shots that stress the boxes: a face running off the
frame's edge, two faces whose boxes overlap, a face NeuralSwap left alone, and an unreadable face whose
error stops a compute half way through.
"""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from jawblend_shots import FRAMES, SIZE, ShotFaces, StandInSwap, blend_graph, motion

from faceplate.foundation import geometry
from faceplate.foundation.errors import RenderError
from faceplate.nodes.core import Graph, Node
from faceplate.nodes.faces import METADATA_KEY, SWAP_KEY, Face, Faces
from faceplate.nodes.jawblend.node import JawBlend

EDITS = [
    dict(jaw_left_offset=4.0),
    dict(jaw_left_offset=-3.0, erode=2.0),
    dict(blend="over", feather=3.0),
    dict(blend="multiband", chin_offset=5.0, colour_match="histogram"),
    dict(grain=0.0, jaw_left_offset=0.0),
    dict(jaw_left_offset=4.0),  # back to an earlier value: a new hash, a recycled array
]
FRAMES_SHOWN = [FRAMES[3], FRAMES[3], FRAMES[4], FRAMES[3], FRAMES[3], FRAMES[5]]


def edge_motion(frame):
    """The face pushed half out of the frame's right edge and up to its top."""
    x, y, scale, roll = motion(frame)
    return (SIZE[0] - 20.0, 60.0, scale, roll)


class MoreFaces(Node):
    """Adds faces to the plate's Faces: track 2 (the first face moved by ``shift``) and, on ``broken_frames``,
    track 3 with collapsed landmarks (an unreadable face)."""

    type_name = "TestJawBlendMoreFaces"
    inputs = ("input",)

    def __init__(self, name, shift=(150.0, 20.0), broken_frames=()):
        super().__init__(name)
        self.shift, self.broken_frames = np.asarray(shift), tuple(broken_frames)

    def hash_extra(self, frame):
        return [id(self), frame]

    def compute(self, context):
        plate = context.input()
        faces = list(plate.metadata[METADATA_KEY])
        first = faces[0]

        def like_first(track, landmarks, aligned_from_plate):
            return Face(
                track,
                f"person{track}",
                (*landmarks.min(0), *landmarks.max(0)),
                landmarks,
                first.confidence,
                score=1.0,
                aligned_from_plate=aligned_from_plate,
            )

        moved = geometry.compose(first.aligned_from_plate, geometry.invert(geometry.translation(*self.shift)))
        faces.append(like_first(2, first.landmarks + self.shift, moved))
        if context.frame in self.broken_frames:
            collapsed = np.repeat(first.landmarks.mean(0, keepdims=True), 68, axis=0)
            faces.append(like_first(3, collapsed, first.aligned_from_plate))
        return plate.replace(metadata={**plate.metadata, METADATA_KEY: Faces(context.frame, tuple(faces))})


class SomeSwaps(StandInSwap):
    """The stand-in swap, leaving ``skip`` tracks alone (as NeuralSwap does with a face it has no identity for)."""

    type_name = "TestJawBlendSomeSwaps"

    def __init__(self, name, skip=()):
        super().__init__(name)
        self.skip = tuple(skip)

    def compute(self, context):
        plate = super().compute(context)
        swaps = plate.metadata[SWAP_KEY]
        kept = tuple(c for c in swaps.crops if c.track_id not in self.skip)
        return plate.replace(metadata={**plate.metadata, SWAP_KEY: swaps.__class__(context.frame, kept)})


def shot(kind):
    """``(graph, jawblend)`` for one kind of shot."""
    if kind == "one face":
        return blend_graph()
    if kind == "edge":
        return blend_graph(motion=edge_motion)
    graph = Graph(frame_range=(FRAMES[0], FRAMES[-1]))
    plate = graph.add(ShotFaces("Plate"))
    more = graph.add(MoreFaces("More", broken_frames=(FRAMES[4],) if kind == "unreadable" else ()))
    swap = graph.add(SomeSwaps("Swap", skip=(2,) if kind == "left alone" else ()))
    blend = graph.add(JawBlend("JawBlend1"))
    graph.connect(plate, more)
    graph.connect(more, swap)
    graph.connect(swap, blend)
    return graph, blend


@pytest.mark.parametrize("kind", ["one face", "edge", "two faces", "left alone", "unreadable"])
def test_recycled_outputs_equal_fresh_ones(kind):
    graph, node = shot(kind)
    shown = []
    for knobs, frame in zip(EDITS, FRAMES_SHOWN):
        for name, value in knobs.items():
            node[name] = value
        try:
            plate = graph.render(node, frame)
        except RenderError:
            assert kind == "unreadable" and frame == FRAMES[4]
            shown.append(None)
            continue
        shown.append((plate.pixels.copy(), plate.channels, plate.metadata["faceplate/jawblend/tracks"]))
        graph.cache.discard(graph.hash(node, frame))  # superseded, as the viewer drops it
        del plate
    assert node._buffers.restored >= 2, "the edits must have reused arrays, restoring only the boxes"
    for i, (seen, frame) in enumerate(zip(shown, FRAMES_SHOWN)):
        fresh_graph, fresh_node = shot(kind)
        for knobs in EDITS[: i + 1]:
            for name, value in knobs.items():
                fresh_node[name] = value
        if seen is None:
            with pytest.raises(RenderError, match="track 3"):
                fresh_graph.render(fresh_node, frame)
            continue
        fresh = fresh_graph.render(fresh_node, frame)
        pixels, channels, tracks = seen
        assert channels == fresh.channels
        assert np.array_equal(pixels, fresh.pixels, equal_nan=True), f"{kind}: state {i} ({EDITS[i]}) differs"
        assert tracks == fresh.metadata["faceplate/jawblend/tracks"]
    if kind == "two faces":
        assert shown[0] is not None and shown[0][2] == "1,2"


def test_a_held_plate_is_never_overwritten():
    graph, node = blend_graph()
    frame = FRAMES[3]
    first = graph.render(node, frame)
    kept = first.pixels.copy()
    graph.cache.discard(graph.hash(node, frame))  # out of the cache, but this test still holds the plate
    node["jaw_left_offset"] = 8.0
    second = graph.render(node, frame)
    assert second.pixels is not first.pixels
    assert np.array_equal(first.pixels, kept)
    assert not np.array_equal(second.pixels, kept)
    assert not second.pixels.flags.writeable

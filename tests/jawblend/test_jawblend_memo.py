"""JawBlend's memo (nodes/jawblend/memo.py) never serves a stale result.

An edit session on one graph changes, one at a time, each knob that feeds a memoised value (the face's
mattes, the swap's crop and matte warped into the box, the plate's grain, the noise field, the neighbours'
colour statistics) or moves its key (a jaw offset that grows the box, another frame, the input itself
changing under the same knobs); every frame it renders must equal, bit for bit, what a fresh graph with
the same knobs renders. The memo must also have been used, or the comparison proves nothing.
"""

import dataclasses
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from jawblend_shots import FRAMES, ShotFaces, StandInSwap

from faceplate.nodes.core import FloatKnob, Graph, Node
from faceplate.nodes.faces import SWAP_KEY
from faceplate.nodes.jawblend.node import JawBlend

FRAME = FRAMES[4]

# (JawBlend knobs set, the input's gain, frame shown); each state keeps the earlier ones' knobs.
STATES = [
    ({}, 1.0, FRAME),
    ({"jaw_left_offset": 2.0}, 1.0, FRAME),  # the matte changes inside the same box
    ({"jaw_left_offset": 25.0}, 1.0, FRAME),  # the box grows: warps and grain re-keyed
    ({"grain": 1.5}, 1.0, FRAME),  # the mattes reused, the grain applied anew
    ({"colour_match": "histogram"}, 1.0, FRAME),
    ({"colour_smoothing": 4}, 1.0, FRAME),  # more neighbours' statistics
    ({"model_matte": False}, 1.0, FRAME),
    ({"feather": 3.0, "erode": -1.0}, 1.0, FRAME),
    ({"jaw_left_offset": 2.0}, 1.0, FRAMES[5]),  # another frame: its own keys
    ({}, 1.3, FRAMES[5]),  # the input changes under the same knobs
    ({"chin_offset": -6.0, "model_matte": True}, 1.3, FRAME),
    ({"jaw_left_offset": 25.0}, 1.0, FRAME),  # back to earlier values: the earlier entries are right again
]


class Gain(Node):
    """Scales the plate's pixels and the swap's face, and thins its matte: an upstream edit (a new swap
    model, a graded plate) that leaves the faces and so the box where they were."""

    type_name = "TestJawBlendGain"
    inputs = ("input",)
    knobs = (FloatKnob("gain", 1.0, "pixel gain"),)

    def compute(self, context):
        plate = context.input()
        gain = np.float32(context.value("gain"))
        swaps = plate.metadata[SWAP_KEY]
        crops = tuple(
            dataclasses.replace(c, rgb=c.rgb * gain, matte=np.clip(c.matte * gain - (gain - 1), 0, 1))
            for c in swaps.crops
        )
        metadata = {**plate.metadata, SWAP_KEY: dataclasses.replace(swaps, crops=crops)}
        return plate.replace(pixels=plate.pixels * gain, metadata=metadata)


def graph_of():
    graph = Graph(frame_range=(FRAMES[0], FRAMES[-1]))
    nodes = [graph.add(ShotFaces("Plate")), graph.add(StandInSwap("Swap")), graph.add(Gain("Gain"))]
    nodes.append(graph.add(JawBlend("JawBlend1")))
    for a, b in zip(nodes, nodes[1:]):
        graph.connect(a, b)
    return graph, nodes[2], nodes[3]


def test_memoised_results_are_never_stale():
    graph, gain, node = graph_of()
    knobs = {}
    for i, (changed, value, frame) in enumerate(STATES):
        knobs.update(changed)
        for name, v in changed.items():
            node[name] = v
        gain["gain"] = value
        misses = node._warp_memo.misses
        seen = graph.render(node, frame).pixels.copy()
        if i == 2:
            assert node._warp_memo.misses > misses, "a jaw offset of 25% must grow the box (new warp keys)"
        graph.cache.discard(graph.hash(node, frame))  # superseded, as the viewer drops it
        fresh_graph, fresh_gain, fresh_node = graph_of()
        for name, v in knobs.items():
            fresh_node[name] = v
        fresh_gain["gain"] = value
        fresh = fresh_graph.render(fresh_node, frame).pixels
        assert np.array_equal(seen, fresh, equal_nan=True), f"state {i} ({changed}, gain {value}, frame {frame})"
    for memo in ("_matte_memo", "_warp_memo", "_grain_memo", "_stats_memo"):
        assert getattr(node, memo).hits > 0, f"{memo} was never used: the comparison proves nothing about it"

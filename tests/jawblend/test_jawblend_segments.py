"""JawBlend's per-segment matte knobs: keyed values interpolate, and each knob changes only its segment."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from jawblend_shots import FRAMES, blend_graph

from faceplate.nodes.face_regions import SEGMENTS

FRAME = FRAMES[4]
# The landmarks nearest to a segment's part of the face edge: its jaw landmarks one either side (the
# half-landmark transitions), and for the top edge of the hull region the brows and the jaw ends.
NEAREST = {
    "cheek_left": set(range(0, 5)) | {17},  # landmark 0 meets the brow end 17 (the hull's top edge)
    "jaw_left": set(range(2, 8)),
    "chin": set(range(5, 12)),
    "jaw_right": set(range(9, 15)),
    "cheek_right": set(range(12, 17)) | {26},
    "hairline": set(range(17, 27)) | {0, 1, 15, 16},
}


@pytest.fixture(scope="module")
def base():
    graph, node = blend_graph(swap=False, colour_smoothing=0)
    return graph, node, graph.render(node, FRAME).channel("fp_matte.face").copy()


def _nearest_edge_landmark(graph, ys, xs):
    points = graph["Plate"].landmarks(FRAME)[:27]  # jaw and brows, plate pixels (the data window starts at 0)
    pixels = np.c_[xs + 0.5, ys + 0.5]
    return np.argmin(np.linalg.norm(pixels[:, None, :] - points[None], axis=2), axis=1)


@pytest.mark.parametrize("kind, value", [("offset", -8.0), ("erode", -6.0), ("feather", 16.0)])
@pytest.mark.parametrize("segment", SEGMENTS)
def test_a_segment_knob_changes_only_its_segment(base, segment, kind, value):
    graph, node, before = base
    node[f"{segment}_{kind}"] = value
    try:
        after = graph.render(node, FRAME).channel("fp_matte.face")
    finally:
        node[f"{segment}_{kind}"] = node.knob(f"{segment}_{kind}").default
    changed = np.abs(after - before) > 1e-3
    assert changed.sum() > 20, f"{segment}_{kind} changed nothing"
    ys, xs = np.nonzero(changed)
    nearest = _nearest_edge_landmark(graph, ys, xs)
    outside = ~np.isin(nearest, sorted(NEAREST[segment]))
    assert outside.mean() < 0.02, (
        f"{segment}_{kind}: {outside.sum()} of {len(nearest)} changed pixels elsewhere, "
        f"nearest landmarks {sorted(set(nearest[outside].tolist()))}"
    )


@pytest.mark.parametrize("knob", ["jaw_left_offset", "chin_erode", "hairline_feather", "erode"])
def test_keyed_knobs_interpolate_between_keys(knob):
    graph, node = blend_graph(swap=False, colour_smoothing=0)
    lo, hi = (0.0, -8.0) if "feather" not in knob else (4.0, 20.0)
    node.set_key(knob, FRAMES[2], lo)
    node.set_key(knob, FRAMES[6], hi)
    keyed = graph.render(node, FRAME).channel("fp_matte.face").copy()
    assert node.value(knob, FRAME) == pytest.approx((lo + hi) / 2)
    static_graph, static = blend_graph(swap=False, colour_smoothing=0, **{knob: (lo + hi) / 2})
    np.testing.assert_array_equal(keyed, static_graph.render(static, FRAME).channel("fp_matte.face"))
    at_key = graph.render(node, FRAMES[2]).channel("fp_matte.face")
    plain_graph, plain = blend_graph(swap=False, colour_smoothing=0, **{knob: lo})
    np.testing.assert_array_equal(at_key, plain_graph.render(plain, FRAMES[2]).channel("fp_matte.face"))
    assert not np.array_equal(keyed, graph.render(node, FRAMES[6]).channel("fp_matte.face"))

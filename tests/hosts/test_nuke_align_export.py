"""Per-frame alignments as keyed CornerPin2D and Transform nodes."""

import math

import nuke_test_nodes  # noqa: F401 - registers HostsAlign
import numpy as np
import pytest
from nuke_test_nodes import HostsAlign

from faceplate.foundation.errors import ScriptError
from faceplate.hosts.nuke import align_export
from faceplate.hosts.nuke.conventions import PlateSpace
from faceplate.hosts.nuke.knob_mapping import json_value
from faceplate.hosts.nuke.nk_parse import parse_script
from faceplate.nodes import Plate
from faceplate.nodes.core import Curve, Graph, Node

PLATE, ALIGNED = PlateSpace(64, 48), PlateSpace(32, 32)
FRAMES = (1001, 1002, 1003, 1004)


def matrices():
    found = {f: align_export.as_3x3(HostsAlign.matrix(f, 20.0)) for f in FRAMES}
    return align_export.nuke_matrices(found, PLATE, ALIGNED)


def keyed(node, knob, frame, components):
    value = json_value(
        {"name": knob, "type": "xy" if components == 2 else "float", "components": components}, node.knobs[knob]
    )
    parts = value if components > 1 else [value]
    return [Curve([tuple(k) for k in p["curve"]]).evaluate(frame) if isinstance(p, dict) else p for p in parts]


def homography(src, dst):
    rows = []
    for (x, y), (u, v) in zip(src, dst):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, -u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, -v])
    h = np.linalg.svd(np.array(rows))[2][-1].reshape(3, 3)
    return h / h[2, 2]


def test_corner_pin_reproduces_the_transform_in_nuke_coordinates():
    m = matrices()
    (node,) = parse_script(align_export.corner_pin_node(m, width=64, height=48, name="Pin1"))
    assert node.cls == "CornerPin2D" and node.name == "Pin1"
    for frame in FRAMES:
        src = [keyed(node, f"from{i}", frame, 2) for i in range(1, 5)]
        dst = [keyed(node, f"to{i}", frame, 2) for i in range(1, 5)]
        assert src[0] == [0, 0] and src[2] == [64, 48]
        np.testing.assert_allclose(homography(src, dst), m[frame], atol=1e-9)


def test_nuke_coordinates_are_the_faceplate_transform_seen_with_y_up():
    m = matrices()[1002]
    fp = align_export.as_3x3(HostsAlign.matrix(1002, 20.0))
    p = np.array([10.0, 5.0, 1.0])  # a faceplate point in the plate, y down
    nuke_p = np.array([p[0], 48 - p[1], 1.0])
    q = fp @ p
    np.testing.assert_allclose(m @ nuke_p, [q[0], 32 - q[1], 1.0])


def test_transform_node_knobs_rebuild_the_matrix():
    m = matrices()
    center = (32.0, 24.0)
    (node,) = parse_script(align_export.transform_node(m, center=center, label="track 1"))
    assert node.cls == "Transform" and node.knobs["label"].text == "track 1"
    for frame in FRAMES:
        translate = keyed(node, "translate", frame, 2)
        (rotate,) = keyed(node, "rotate", frame, 1)
        scale = keyed(node, "scale", frame, 2)
        rebuilt = align_export.transform_matrix(translate, rotate, scale, center)
        np.testing.assert_allclose(rebuilt, m[frame], atol=1e-9)
        # y flips, so a counter-clockwise turn in faceplate is clockwise in Nuke.
        assert rotate == pytest.approx(-20.0 * (frame - 1000))


def test_rotation_is_unwrapped_between_keys():
    angles = (170, 179, -179, -170)
    turns = {f: align_export.transform_matrix((0, 0), a, (1, 1), (0, 0)) for f, a in zip(FRAMES, angles)}
    (node,) = parse_script(align_export.transform_node(turns, center=(0, 0)))
    assert [keyed(node, "rotate", f, 1)[0] for f in FRAMES] == pytest.approx([170, 179, 181, 190])


def test_skew_is_refused_for_a_transform():
    skewed = {1001: np.array([[1.0, 0.3, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])}
    with pytest.raises(ScriptError, match="CornerPin2D"):
        align_export.transform_node(skewed, center=(0, 0))
    with pytest.raises(ScriptError, match="no frame"):
        align_export.corner_pin_node({}, width=1, height=1)


class Flat(Node):
    """A 64x48 grey plate."""

    def compute(self, context):
        return Plate(np.full((48, 64, 4), 0.5, np.float32), ["R", "G", "B", "A"])


def test_alignments_come_from_the_faces_a_node_attaches():
    g = Graph()
    g.add(Flat("Flat1"))
    g.add(HostsAlign("Align1", turn=20.0))
    g.connect("Flat1", "Align1")
    found = align_export.alignments(g, "Align1", 1, FRAMES)
    assert sorted(found) == list(FRAMES)
    np.testing.assert_allclose(found[1003][:2], HostsAlign.matrix(1003, 20.0))
    assert align_export.alignments(g, "Align1", 2, FRAMES) == {}
    assert math.isclose(np.linalg.det(found[1001][:2, :2]), 1.5**2)

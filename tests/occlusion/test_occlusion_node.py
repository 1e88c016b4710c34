"""The OcclusionMask node: layers, known motion, per-segment knobs, animation, footprint, errors, pictures."""

import numpy as np
import pytest
from occlusion_shots import ASTRONAUT_LANDMARKS, FRAMES, SIZE, shot

from faceplate.foundation import geometry
from faceplate.foundation.drawing import write_png
from faceplate.foundation.errors import KnobError, RenderError
from faceplate.foundation.imaging import warp_affine
from faceplate.nodes.faces import METADATA_KEY, Faces
from faceplate.nodes.occlusion.matte_overlay import overlay
from faceplate.nodes.occlusion.node import OcclusionMask

LAYERS = ["fp_matte.face", "fp_matte.jaw", "fp_matte.hairline", "fp_feature.eyes", "fp_feature.mouth"]


@pytest.fixture(scope="module")
def moving():
    return shot()


def iou(a, b):
    return float(np.minimum(a, b).sum() / np.maximum(a, b).sum())


def test_adds_the_region_layers_and_keeps_the_plate(moving):
    graph, node, _ = moving
    plate = graph.render(node, FRAMES[0])
    source = graph.render("Plate", FRAMES[0])
    assert list(plate.channels) == ["R", "G", "B", "A", *LAYERS]
    assert np.array_equal(plate.pixels[:, :, :4], source.pixels)
    assert plate.metadata[METADATA_KEY] == source.metadata[METADATA_KEY]
    for layer in LAYERS:
        matte = plate.channel(layer)
        assert matte.min() == 0.0 and matte.max() == pytest.approx(1.0), layer
    face, eyes, mouth = (plate.channel(n) for n in ("fp_matte.face", "fp_feature.eyes", "fp_feature.mouth"))
    assert np.all(eyes <= face + 1e-6) and np.all(mouth <= face + 1e-6)  # inside the face


def test_region_mattes_follow_the_landmarks_under_known_motion(moving):
    """Each matte, carried back into the actor's own (sprite) frame by the known motion, is the same
    matte at every frame: the mattes move, turn and scale with the face."""
    graph, node, actor = moving
    side = 340  # sprite pixels x2

    def in_sprite(frame, layer):
        sprite_from_frame = geometry.compose(
            np.array([[2.0, 0, 0], [0, 2.0, 0]]), geometry.invert(actor.frame_from_sprite(frame))
        )
        matte = np.ascontiguousarray(graph.render(node, frame).channel(layer))[:, :, None]
        return warp_affine(matte, sprite_from_frame, size=(side, side))[:, :, 0]

    for layer in LAYERS:
        first = in_sprite(FRAMES[0], layer)
        for frame in (FRAMES[3], FRAMES[-1]):  # pan, push-in to 1.3x, roll to 15 degrees
            assert iou(in_sprite(frame, layer), first) > 0.93, (layer, frame)


def test_mattes_touch_only_the_faces_footprint(moving):
    graph, node, actor = moving
    plate = graph.render(node, FRAMES[0])
    points = geometry.apply(actor.frame_from_sprite(FRAMES[0]), ASTRONAUT_LANDMARKS)
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    margin = 0.6 * (x1 - x0)  # forehead and feathers
    outside = np.ones(plate.pixels.shape[:2], bool)
    outside[max(int(y0 - 2 * margin), 0) : int(y1 + margin), max(int(x0 - margin), 0) : int(x1 + margin)] = False
    for layer in LAYERS:
        assert not plate.channel(layer)[outside].any(), layer


def _diff(graph, node, layer, frame=FRAMES[0], **knobs):
    before = graph.render(node, frame)
    saved = {k: node[k] for k in knobs}
    for k, v in knobs.items():
        node[k] = v
    try:
        after = graph.render(node, frame)
    finally:
        for k, v in saved.items():
            node[k] = v
    return before, after


@pytest.mark.parametrize(
    "segment, landmarks",
    [
        ("chin", range(5, 12)),
        ("jaw_left", range(2, 8)),
        ("cheek_right", range(12, 17)),
    ],
)
@pytest.mark.parametrize("kind, value", [("feather", 20.0), ("offset", 6.0)])
def test_a_segment_knob_changes_only_its_segment(moving, segment, landmarks, kind, value):
    graph, node, actor = moving
    before, after = _diff(graph, node, "fp_matte.face", **{f"{segment}_{kind}": value})
    changed = np.abs(after.channel("fp_matte.face") - before.channel("fp_matte.face")) > 1e-6
    assert changed.sum() > 50
    # every changed pixel lies nearer this segment's jaw landmarks than any other jaw landmark
    edge = geometry.apply(actor.frame_from_sprite(FRAMES[0]), ASTRONAUT_LANDMARKS)[:17]
    jj, ii = np.nonzero(changed)
    nearest = np.argmin(np.linalg.norm((np.c_[ii, jj] + 0.5)[:, None] - edge[None], axis=2), axis=1)
    assert set(nearest) <= set(landmarks), sorted(set(nearest))
    for layer in ("fp_feature.eyes", "fp_feature.mouth"):
        assert np.array_equal(after.channel(layer), before.channel(layer))


def test_hairline_knobs_change_only_the_top(moving):
    graph, node, actor = moving
    before, after = _diff(graph, node, "fp_matte.face", hairline_feather=20.0, hairline_offset=5.0)
    changed = np.abs(after.channel("fp_matte.face") - before.channel("fp_matte.face")) > 1e-6
    points = geometry.apply(actor.frame_from_sprite(FRAMES[0]), ASTRONAUT_LANDMARKS)
    jj, _ = np.nonzero(changed)
    assert changed.any() and jj.max() < points[[2, 14], 1].min()  # reaches no lower than the upper cheeks
    # the hairline band follows the offset hairline; the jaw band moves only at its ends (the blend)
    assert not np.array_equal(after.channel("fp_matte.hairline"), before.channel("fp_matte.hairline"))
    jj, ii = np.nonzero(np.abs(after.channel("fp_matte.jaw") - before.channel("fp_matte.jaw")) > 1e-6)
    nearest = np.argmin(np.linalg.norm((np.c_[ii, jj] + 0.5)[:, None] - points[None, :17], axis=2), axis=1)
    assert set(nearest) <= {0, 1, 15, 16}


def test_segment_knobs_animate_with_keyframes():
    graph, node, _ = shot()
    static = graph.render(node, FRAMES[0]).channel("fp_matte.face").copy()
    node.set_key("chin_offset", FRAMES[0], 0.0)
    node.set_key("chin_offset", FRAMES[-1], 10.0)
    assert np.array_equal(graph.render(node, FRAMES[0]).channel("fp_matte.face"), static)
    hashes = {node.hash(f) for f in FRAMES}
    assert len(hashes) == len(FRAMES)
    node["chin_offset"] = 0.0
    assert node.hash(FRAMES[0]) == node.hash(FRAMES[0])


def test_hash_follows_knobs_and_stays_put_otherwise(moving):
    graph, node, _ = moving
    h = node.hash(FRAMES[0])
    assert node.hash(FRAMES[0]) == h
    node["eyes_feather"] = 5.0
    assert node.hash(FRAMES[0]) != h
    node["eyes_feather"] = 2.0
    assert node.hash(FRAMES[0]) == h


def test_data_window_offset_moves_the_mattes_with_the_plate(moving):
    from faceplate.nodes.core import Node
    from faceplate.nodes.plate import Box2i

    graph, node, _ = moving
    full = graph.render(node, FRAMES[0])

    class Cropped(Node):
        type_name = "TestOcclusionCropped"
        inputs = ("input",)

        def compute(self, context):
            plate = context.input()
            pixels = np.ascontiguousarray(plate.pixels[20:, 30:])
            return plate.replace(
                pixels=pixels,
                data_window=Box2i.from_size(pixels.shape[1], pixels.shape[0], 30, 20),
                display_window=plate.data_window,
            )

    crop = graph.add(Cropped("Crop"))
    graph.connect("Plate", crop)
    mask = graph.add(OcclusionMask("OcclusionMaskCropped", model=""))
    graph.connect(crop, mask)
    try:
        cropped = graph.render(mask, FRAMES[0])
        assert np.allclose(cropped.channel("fp_matte.face"), full.channel("fp_matte.face")[20:, 30:], atol=1e-6)
    finally:
        graph.remove("OcclusionMaskCropped")
        graph.remove("Crop")


def test_tracks_knob_selects_faces(moving):
    graph, node, _ = moving
    node["tracks"] = "2, 3"
    try:
        assert not graph.render(node, FRAMES[0]).channel("fp_matte.face").any()
    finally:
        node["tracks"] = ""


# -- bad input ---------------------------------------------------------------------------------------------


def test_a_knob_out_of_range_names_node_and_knob():
    node = OcclusionMask("Occ1")
    with pytest.raises(KnobError, match=r"node 'Occ1', knob 'chin_feather': .*below the minimum"):
        node["chin_feather"] = -1.0
    with pytest.raises(KnobError, match=r"node 'Occ1', knob 'forehead_height': .*above the maximum"):
        node.set_key("forehead_height", 1001, 9.0)


def test_bad_tracks_knob_names_node_and_knob(moving):
    graph, node, _ = moving
    node["tracks"] = "one"
    try:
        with pytest.raises(KnobError, match=r"node 'OcclusionMask1', knob 'tracks'"):
            graph.render(node, FRAMES[0])
    finally:
        node["tracks"] = ""


def test_a_face_without_usable_landmarks_fails_the_frame_naming_the_track():
    graph, node, _ = shot()
    graph["Plate"].landmarks = lambda frame: np.zeros((68, 2))
    with pytest.raises(RenderError, match=r"node 'OcclusionMask1'.*frame 1001.*track 1: landmarks are collapsed"):
        graph.render(node, FRAMES[0])


def test_no_faces_metadata_passes_through_writes_empty_mattes_or_fails():
    from faceplate.nodes.core import Node

    graph, node, _ = shot()

    class Bare(Node):
        type_name = "TestOcclusionBare"
        inputs = ("input",)

        def compute(self, context):
            return context.input().replace(metadata={})

    bare = graph.add(Bare("Bare"))
    graph.connect("Plate", bare)
    graph.connect(bare, node)
    assert graph.render(node, FRAMES[0]).channels == ("R", "G", "B", "A")  # untracked: passes through
    node["missing_faces"] = "empty mattes"
    plate = graph.render(node, FRAMES[0])
    assert all(not plate.channel(layer).any() for layer in LAYERS)
    node["missing_faces"] = "error"
    with pytest.raises(RenderError, match=r"node 'OcclusionMask1'.*no faces.*FaceDetect"):
        graph.render(node, FRAMES[0])


# -- the learned-occlusion seam --------------------------------------------------------------------------


def test_write_occlusion_adds_a_zero_layer_without_a_model(moving):
    graph, node, _ = moving
    node["write_occlusion"] = True
    try:
        plate = graph.render(node, FRAMES[0])
        assert plate.channels[-1] == "fp_matte.occlusion" and not plate.channel("fp_matte.occlusion").any()
    finally:
        node["write_occlusion"] = False


def test_a_model_path_to_a_missing_file_says_it_is_not_trained_yet(tmp_path):
    graph, node, _ = shot()
    node["model"] = str(tmp_path / "occluder.onnx")
    with pytest.raises(
        RenderError,
        match=r"node 'OcclusionMask1'.*knob 'model'.*occluder.onnx does not exist.*"
        r"not trained yet.*faceplate train --task occlusion",
    ):
        graph.render(node, FRAMES[0])


def test_overlay_pictures(moving, tmp_path):
    """Writes overlays of every layer on two frames (look at them: see docs/occlusion.md)."""
    graph, node, _ = moving
    for frame in (FRAMES[0], FRAMES[-1]):
        picture = overlay(graph.render(node, frame))
        assert picture.shape == (SIZE[1], SIZE[0], 3) and picture.dtype == np.uint8
        write_png(str(tmp_path / f"occlusion_overlay.{frame}.png"), picture)
    assert len(list(tmp_path.glob("*.png"))) == 2


def test_faces_metadata_as_json_is_accepted(moving):
    graph, node, _ = moving
    from faceplate.nodes.core import Node

    class AsJson(Node):
        type_name = "TestOcclusionAsJson"
        inputs = ("input",)

        def compute(self, context):
            plate = context.input()
            return plate.replace(metadata={METADATA_KEY: plate.metadata[METADATA_KEY].to_json()})

    g2, n2, _ = shot()
    as_json = g2.add(AsJson("AsJson"))
    g2.connect("Plate", as_json)
    g2.connect(as_json, n2)
    assert np.array_equal(
        g2.render(n2, FRAMES[0]).channel("fp_matte.face"), graph.render(node, FRAMES[0]).channel("fp_matte.face")
    )
    assert isinstance(graph.render("Plate", FRAMES[0]).metadata[METADATA_KEY], Faces)

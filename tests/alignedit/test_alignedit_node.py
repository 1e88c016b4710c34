"""The AlignEdit node: round trip, stability against known motion, edits, hashing, default graph."""

import json
import os
import sys

import numpy as np
import pytest
from align_shots import FRAMES, crop_jitter, moving_motion

from faceplate.foundation import geometry
from faceplate.foundation.errors import KnobError
from faceplate.foundation.imaging import paste_back
from faceplate.nodes.alignedit import api

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "native"))
from tolerance import Tolerance, assert_images_close

# Plate -> 512 aligned (about 3x up) -> plate through the inverse, both bicubic. Interpolating twice
# is not the identity: on this photo the error is a smoothing of the finest detail, seen <= 0.02 on a
# few pixels and mostly < 2e-3 (scene-linear values near 0.05-0.6). Threshold 5e-3, 2 % of values over
# it, ceiling 0.05: a wrong transform (one pixel off) puts > 20 % of values over the threshold.
ROUND_TRIP = Tolerance(threshold=5e-3, fail_fraction=0.02, hard_ceiling=0.05)


def test_round_trip_plate_aligned_plate(shot):
    node = shot["AlignEdit1"]
    node["output"], node["size"], node["face_type"] = "aligned", 512, "face"
    try:
        crop = shot.render(node, 1010)
        plate = shot.render("Plate", 1010)
        m = np.array(crop.metadata["faceplate/align/aligned_from_plate"]).reshape(2, 3)
        back = np.zeros_like(plate.pixels)
        paste_back(back, np.ascontiguousarray(crop.pixels), np.ones((512, 512), np.float32), m, filter="bicubic")
        # The face region: plate pixels whose centres fall inside the crop, 8 px from its border.
        h, w = plate.pixels.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w] + 0.5
        q = geometry.apply(m, np.stack([xx.ravel(), yy.ravel()], 1)).reshape(h, w, 2)
        inside = np.all((q > 8) & (q < 504), axis=2)
        assert inside.sum() > 100 * 100  # the face, about 115 px across on this plate
        assert_images_close(back[inside][:, :3], plate.pixels[inside][:, :3], ROUND_TRIP, "round trip")
        assert crop.data_window.width == crop.display_window.width == 512 and crop.pixels.dtype == np.float32
    finally:
        node["output"], node["size"], node["face_type"] = "plate", 256, "whole_face"


def test_stabilised_crops_jitter_three_times_less_without_lag(shot):
    from align_shots import Actor

    actor = Actor("astronaut", moving_motion)
    node, detect = shot["AlignEdit1"], shot["FaceDetect1"]
    stable = node.track_transforms(1)
    node["smoothing"], detect["strength"] = 0.0, 0.0
    try:
        raw = node.track_transforms(1)
    finally:
        node["smoothing"], detect["strength"] = 0.5, 0.5
    jitter_raw, raw_tracks = crop_jitter(raw, actor, 256)
    jitter_stable, stable_tracks = crop_jitter(stable, actor, 256)
    print(
        f"crop jitter: raw {jitter_raw:.3f} px, stabilised {jitter_stable:.3f} px ({jitter_raw / jitter_stable:.1f}x)"
    )
    assert jitter_stable * 3 <= jitter_raw
    # No lag: the crop moves ~10 aligned px per frame on the plate; lagging one frame would leave the
    # stabilised crop that far behind the raw one along the motion. It stays within a fraction of a pixel.
    lag = np.abs((stable_tracks - raw_tracks).mean(axis=(0, 1)))
    assert lag.max() < 0.5, lag


def test_edits_interpolate_lock_and_hash_per_frame(shot):
    node = shot["AlignEdit1"]
    before = {f: node.hash(f) for f in (1002, 1010, 1024)}
    base = node.track_transforms(1)
    try:
        api.set_offset(node, 1, 1004, translate=(0.0, 0.0), interpolation="linear")
        api.set_offset(node, 1, 1008, translate=(0.1, 0.0), rotate=4.0, scale=1.2, interpolation="constant")
        api.set_offset(node, 1, 1012, translate=(0.0, 0.0))
        assert api.offset_at(node, 1, 1006) == pytest.approx((0.05, 0.0, 2.0, 1.1))  # linear midway
        assert api.offset_at(node, 1, 1010) == pytest.approx((0.1, 0.0, 4.0, 1.2))  # constant holds
        assert api.offset_at(node, 1, 1020) == pytest.approx((0.0, 0.0, 0.0, 1.0))  # after the last key
        edited = node.track_transforms(1)
        shift = geometry.apply(edited[1006], [[0, 0]]) - geometry.apply(base[1006], [[0, 0]])
        assert np.linalg.norm(geometry.compose(edited[1006], geometry.invert(base[1006]))[:, :2] - np.eye(2)) > 0.05
        assert abs(shift).max() > 5
        np.testing.assert_allclose(edited[1002], base[1002])  # before the first key: identity offset
        assert node.hash(1010) != before[1010] and node.hash(1024) == before[1024]  # far frames keep their hash
        # A landmark fix replaces that frame's landmarks and locks it.
        fixed = shot.render("FaceDetect1", 1016).metadata["faceplate/faces"].faces[0].landmarks + (3.0, 0.0)
        api.set_landmarks(node, 1, 1016, fixed)
        face = shot.render(node, 1016).metadata["faceplate/faces"].faces[0]
        np.testing.assert_allclose(face.landmarks, fixed, atol=1e-3)
        api.copy_from(node, 1, 1017, "previous")
        assert api.edited_frames(node) == {1: [1004, 1008, 1012, 1016, 1017]}
        api.clear(node, 1, frames=[1017])
        assert api.edited_frames(node, 1) == {1: [1004, 1008, 1012, 1016]}
        with pytest.raises(KnobError, match="no edited frame next of frame 1020"):
            api.copy_from(node, 1, 1020, "next")
    finally:
        api.clear(node)
    assert node["edits"] == "" and node.hash(1010) == before[1010]


def test_edits_survive_retracking_and_script_round_trip(tmp_path):
    from align_shots import tracked_shot

    from faceplate.actions.shot_tracking import track

    frames = FRAMES[:10]
    graph = tracked_shot(tmp_path, frames)
    node = graph["AlignEdit1"]
    api.set_offset(node, 1, 1003, translate=(0.02, -0.01), rotate=2.0, scale=1.05)
    api.lock(node, 1, [1005])
    graph.save(tmp_path / "shot.json")
    expected = node.track_transforms(1)
    track(graph, frames=frames, contact_sheets=False)  # re-track: rewrites the sidecar only
    from faceplate.nodes.alignedit.node import AlignEdit

    saved = json.loads((tmp_path / "shot.json").read_text())["nodes"]["AlignEdit1"]["knobs"]
    loaded = AlignEdit("AlignEdit1")  # the test's plate source cannot be loaded from a script
    loaded.load_knob_json(saved)
    assert loaded["edits"] == node["edits"] != ""
    assert api.edited_frames(loaded) == {1: [1003, 1005]}
    after = node.track_transforms(1)
    for f in frames:
        np.testing.assert_allclose(after[f], expected[f], atol=1e-6)


def test_bad_edits_name_node_knob_track_and_frame():
    from faceplate.nodes.alignedit.node import AlignEdit

    node = AlignEdit("AlignEdit7")
    with pytest.raises(KnobError, match=r"node 'AlignEdit7', knob 'edits': track 2, frame 1010: rotate 400"):
        node["edits"] = '{"2": {"offsets": {"1010": [0, 0, 400, 1, "linear"]}}}'
    with pytest.raises(KnobError, match=r"track 1, frame 1003: landmarks must be 68"):
        node["edits"] = '{"1": {"landmarks": {"1003": [[1, 2]]}}}'
    with pytest.raises(KnobError, match="not valid JSON"):
        node["edits"] = "{"
    with pytest.raises(KnobError, match="interpolation 'bouncy'"):
        api.set_offset(node, 1, 1001, interpolation="bouncy")


def test_default_graph_has_alignedit_after_facedetect(tmp_path):
    from faceplate.actions.default_graph import default_graph

    graph = default_graph(str(tmp_path / "s.json"), plate="p.####.exr", frame_range=(1, 2))
    assert list(graph.nodes)[:3] == ["Read1", "FaceDetect1", "AlignEdit1"]
    assert graph["AlignEdit1"].input() is graph["FaceDetect1"]
    assert graph["AlignEdit1"] in graph.upstream(graph["Write1"])
    assert list(default_graph(str(tmp_path / "b.json"), plate="p.####.exr", frame_range=(1, 2), bare=True).nodes) == [
        "Read1",
        "Write1",
    ]


def test_edits_of_a_track_the_sidecar_lacks_warn_and_can_be_moved(shot, caplog):
    """A re-track that drops or renumbers a track must not leave its edits silently unused. A warning,
    not an error: the render of every other face stays right, and the edits stay in the script."""
    node = shot["AlignEdit1"]
    try:
        api.set_offset(node, 5, 1003, translate=(0.05, 0.0))
        api.lock(node, 5, [1004])
        assert api.edits_without_track(node) == {5: [1003, 1004]}
        with caplog.at_level("WARNING", logger="faceplate.nodes.alignedit.node"):
            shot.render(node, 1003)
        assert (
            "AlignEdit 'AlignEdit1', knob 'edits': track 5 has edits (frames 1003,1004) but the tracks sidecar "
            "has no track 5 (its tracks: 1); those edits are ignored"
        ) in caplog.text
        assert "api.move_track(node, 5, NEW_ID)" in caplog.text
        base = node.track_transforms(1)
        api.move_track(node, 5, 1)
        assert api.edits_without_track(node) == {} and api.edited_frames(node) == {1: [1003, 1004]}
        assert abs(node.track_transforms(1)[1003] - base[1003]).max() > 5  # the offset now lands on track 1
        api.set_offset(node, 2, 1003)
        with pytest.raises(KnobError, match="track 1 already has edits"):
            api.move_track(node, 2, 1)
        with pytest.raises(KnobError, match=r"track 9 has no edits to move \(edited tracks: \[1, 2\]\)"):
            api.move_track(node, 9, 3)
    finally:
        api.clear(node)

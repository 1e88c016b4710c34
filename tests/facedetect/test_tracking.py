"""Shot-long tracks: crossing paths, misses, identities across the shot, references, errors, the CLI."""

import json
import os

import numpy as np
import pytest
from shots import SRGB, Actor, linear_motion, photo, render, shot_graph

from faceplate.actions.shot_tracking import track
from faceplate.foundation.errors import FaceplateError, SequenceIOError


def centre_x(tf):
    return (tf.box[0] + tf.box[2]) / 2


def test_two_people_crossing_paths_keep_two_tracks_with_stable_ids(tmp_path):
    frames = list(range(1001, 1101))
    anna = Actor("astronaut", linear_motion(80, 140, 560, 140, frames, scale=1.3))
    bea = Actor("hopper", linear_motion(560, 225, 80, 225, frames, scale=0.5))
    result = track(shot_graph(tmp_path, [anna, bea], frames))
    assert len(result.tracks) == 2
    for tr in result.tracks:
        assert (tr.first, tr.last) == (1001, 1100)
        actor = min((anna, bea), key=lambda a: abs(a.motion(1001)[0] - centre_x(tr.frames[1001])))
        off_path = [f for f, tf in tr.frames.items() if abs(centre_x(tf) - actor.motion(f)[0]) > 25]
        assert not off_path, f"track {tr.id} left its person at frames {off_path}"
    assert len({tr.identity for tr in result.tracks}) == 2
    assert len(result.sheets) == 2 and all(os.path.exists(s) for s in result.sheets)


def test_a_face_that_leaves_and_comes_back_gets_its_identity_back(tmp_path):
    frames = list(range(1, 61))
    anna = Actor("astronaut", lambda f: (170 + f, 180, 1.3, 0.0), visible=lambda f: not 16 <= f <= 40)
    bea = Actor("hopper", lambda f: (470, 180, 0.5, 0.0))
    # Identity across a gap needs an identity embedding: only the dlib backend has one (see its card).
    # max_gap is in seconds: 0.2 s is 4.8 frames at 24 fps, so the 25-frame absence splits the track.
    result = track(shot_graph(tmp_path, [anna, bea], frames, max_gap=0.2, backend="dlib"))
    anna_tracks = [t for t in result.tracks if centre_x(t.frames[t.first]) < 320]
    bea_tracks = [t for t in result.tracks if centre_x(t.frames[t.first]) > 320]
    assert [(t.first, t.last) for t in anna_tracks] == [(1, 15), (41, 60)]
    assert len(bea_tracks) == 1 and len(bea_tracks[0].frames) == 60
    assert anna_tracks[0].identity == anna_tracks[1].identity != bea_tracks[0].identity


def test_short_misses_are_bridged_interpolated_and_flagged(tmp_path):
    frames = list(range(1, 31))
    anna = Actor("astronaut", lambda f: (200 + 4 * f, 180, 1.3, 0.0), visible=lambda f: f not in (12, 13, 14))
    result = track(shot_graph(tmp_path, [anna], frames, empty_frames=(20,)))
    (tr,) = result.tracks
    assert sorted(tr.frames) == frames
    assert sorted(f for f, tf in tr.frames.items() if "interpolated" in tf.flags) == [12, 13, 14, 20]
    assert abs(centre_x(tr.frames[13]) - (200 + 4 * 13)) < 6


def test_empty_shot_and_empty_frames_are_fine(tmp_path):
    graph = shot_graph(tmp_path, [], [1, 2, 3])
    result = track(graph)
    assert result.tracks == [] and result.sheets == []
    faces = graph.render("FaceDetect1", 2).metadata["faceplate/faces"]
    assert len(faces) == 0 and faces.frame == 2


def test_references_name_the_tracks_of_their_person(tmp_path):
    from faceplate.nodes.io import colour, write_preview
    from faceplate.nodes.plate import Plate

    photo_path = str(tmp_path / "eileen.png")
    srgb = colour.convert(np.array(photo("astronaut")), colour.WORKING_SPACE, SRGB)
    write_preview(Plate(srgb, ["R", "G", "B"]), photo_path)
    frames = list(range(1, 9))
    anna = Actor("astronaut", lambda f: (170, 180, 1.3, 0.0))
    bea = Actor("hopper", lambda f: (470, 180, 0.5, 0.0))
    # Reference photos need an identity embedding: only the dlib backend has one (see its card).
    result = track(shot_graph(tmp_path, [anna, bea], frames, backend="dlib"), references={"eileen": photo_path})
    names = {("left" if centre_x(t.frames[1]) < 320 else "right"): t.identity for t in result.tracks}
    assert names == {"left": "eileen", "right": "person1"}
    data = json.load(open(result.sidecar))
    assert data["identities"]["eileen"]["reference"] == photo_path


def write_exr_shot(folder, actors, frames):
    from faceplate.nodes.io import write_image

    for f in frames:
        write_image(render(actors, f), os.path.join(folder, f"shot.{f:04d}.exr"), pixel_type="half")


def test_a_corrupt_frame_is_an_error_that_names_the_frame(tmp_path):
    from faceplate.actions.default_graph import default_graph

    write_exr_shot(tmp_path, [Actor("astronaut", lambda f: (320, 180, 1.3, 0.0))], [1, 2, 3])
    with open(tmp_path / "shot.0002.exr", "r+b") as f:
        f.truncate(3000)
    graph = default_graph(str(tmp_path / "shot.json"), plate=str(tmp_path / "shot.####.exr"), frame_range=(1, 3))
    with pytest.raises(SequenceIOError, match=r"shot\.0002\.exr.*frame 2"):
        track(graph)
    assert not os.path.exists(graph["FaceDetect1"].sidecar_path())


def test_cli_new_then_track_then_render_faces(tmp_path, capsys):
    import faceplate
    from faceplate.cli import main

    write_exr_shot(tmp_path, [Actor("astronaut", lambda f: (300 + 3 * f, 180, 1.3, 0.0))], [1, 2, 3, 4])
    script = str(tmp_path / "shot.json")
    assert main(["new", script, "--plate", str(tmp_path / "shot.####.exr"), "--frames", "1-4"]) == 0
    assert [n["type"] for n in json.load(open(script))["nodes"].values()][:2] == [
        "Read",
        "FaceDetect",
    ]  # then the nodes after it
    assert main(["track", script, "-q"]) == 0
    out = capsys.readouterr().out
    assert "1 tracks" in out and "track 1: person1, frames 1-4" in out
    assert os.path.exists(tmp_path / "tracks" / "FaceDetect1.json")
    assert os.path.exists(tmp_path / "tracks" / "FaceDetect1.track01.person1.png")
    graph = faceplate.Graph.load(script)
    faces = graph.render("FaceDetect1", 3).metadata["faceplate/faces"]
    assert [f.identity for f in faces] == ["person1"]
    assert abs((faces.faces[0].box[0] + faces.faces[0].box[2]) / 2 - 309) < 8


def test_reference_photos_with_the_mesh_backend_say_what_to_do(tmp_path):
    from faceplate.nodes.io import colour, write_preview
    from faceplate.nodes.plate import Plate

    photo_path = str(tmp_path / "eileen.png")
    srgb = colour.convert(np.array(photo("astronaut")), colour.WORKING_SPACE, SRGB)
    write_preview(Plate(srgb, ["R", "G", "B"]), photo_path)
    graph = shot_graph(tmp_path, [Actor("astronaut", lambda f: (170, 180, 1.3, 0.0))], [1, 2])
    with pytest.raises(FaceplateError, match="no identity embedding.*backend' knob to dlib"):
        track(graph, references={"eileen": photo_path}, workers=1)

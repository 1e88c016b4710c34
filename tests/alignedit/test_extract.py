"""faceplate extract: a face-set whose manifest and images agree, its options, bad input, the CLI."""

import json
import os
import sys

import cv2
import numpy as np
import pytest
from align_shots import FRAMES
from PIL import Image

from faceplate.actions.faceset_extraction import ExtractOptions, extract
from faceplate.foundation import geometry
from faceplate.foundation.errors import FaceplateError, ScriptError, SequenceIOError
from faceplate.foundation.imaging import warp_affine
from faceplate.nodes.alignedit.template import MEAN_SHAPE
from faceplate.nodes.io import colour, read_image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "native"))
from tolerance import EXACT, FLOAT16, Tolerance, assert_images_close

# The PNG crop against the plate re-warped here and encoded to 8-bit sRGB: the same float values up to
# EXACT, so one code at most where a value sits at a rounding tie.
ONE_CODE = Tolerance(threshold=1.01 / 255, fail_fraction=0.0, hard_ceiling=1.01 / 255)


@pytest.fixture(scope="module")
def faceset(shot, tmp_path_factory):
    return extract(shot, 1, str(tmp_path_factory.mktemp("sets") / "actorA"), options=ExtractOptions(exr=True))


def manifest_of(result):
    with open(result.manifest) as f:
        return json.load(f)


def test_manifest_and_images_agree(shot, faceset):
    manifest = manifest_of(faceset)
    faces, size = manifest["faces"], manifest["size"]
    assert manifest["format"] == "faceplate-faceset" and manifest["track"] == 1 and size == 256
    assert [f["frame"] for f in faces] == FRAMES and manifest["frames"] == [FRAMES[0], FRAMES[-1]]
    for kind in ("faces", "mattes", "exr"):
        listed = sorted(os.path.basename(f["image" if kind == "faces" else kind.rstrip("s")]) for f in faces)
        assert sorted(os.listdir(os.path.join(faceset.folder, kind))) == listed, kind
    assert [os.path.basename(f["image"]) for f in faces[:2]] == ["person1_t01_001001.png", "person1_t01_001002.png"]
    template_eyes = geometry.apply(
        shot["AlignEdit1"].settings_at(FRAMES[0]).aligned_from_template(), MEAN_SHAPE[36:48]
    ).mean(axis=0)
    for face in faces[::7]:
        image = Image.open(os.path.join(faceset.folder, face["image"]))
        matte = np.asarray(Image.open(os.path.join(faceset.folder, face["matte"])), np.float32) / 255
        assert image.size == (size, size) and image.mode == "RGB"
        # Landmarks in aligned space land on the crop's face: inside the crop, eyes where the template puts
        # them, the matte covering them and not the crop's corners, and dlib finding the face around them.
        points = np.array(face["landmarks"])
        assert points.shape == (68, 2) and np.all((points > 0) & (points < size))
        assert np.linalg.norm(points[36:48].mean(axis=0) - template_eyes) < 3.0
        assert matte[tuple(np.floor(points[27:48]).astype(int)[:, ::-1].T)].min() > 0.99
        assert matte[[0, 0, -1, -1], [0, -1, 0, -1]].max() == 0
        box = detect_box(np.asarray(image))
        assert box[0] < points[:, 0].min() + 25 and points[:, 0].max() - 25 < box[2]
        assert box[1] < points[30, 1] < box[3]
        # The manifest's transform reproduces the crop from the plate.
        plate = shot.render("Plate", face["frame"])
        m = np.array(face["aligned_from_plate"])
        again = warp_affine(
            np.ascontiguousarray(plate.pixels[:, :, :3]), m, size=(size, size), filter="bicubic", border="constant"
        )
        exr = read_image(os.path.join(faceset.folder, face["exr"])).pixels
        assert_images_close(
            exr,
            again,
            Tolerance(FLOAT16.threshold + EXACT.threshold, 0.0, FLOAT16.hard_ceiling + EXACT.hard_ceiling),
            "exr crop",
        )
        srgb = np.rint(np.clip(colour.convert(again, colour.WORKING_SPACE, "sRGB Encoded Rec.709 (sRGB)"), 0, 1) * 255)
        assert_images_close(np.asarray(image, np.float64) / 255, srgb / 255, ONE_CODE, "png crop")


def detect_box(rgb):
    from faceplate.nodes.facedetect.backends import get_backend

    boxes = get_backend("dlib").detect(np.ascontiguousarray(rgb))
    assert boxes, "dlib finds no face in the crop"
    return max(boxes, key=lambda d: d.score).box


def test_alignment_export_and_pictures(faceset):
    manifest = manifest_of(faceset)
    with open(os.path.join(faceset.folder, manifest["alignment"]["json"])) as f:
        alignment = json.load(f)
    assert alignment["track"] == 1 and sorted(map(int, alignment["frames"])) == FRAMES
    face = manifest["faces"][5]
    np.testing.assert_allclose(
        alignment["frames"][str(face["frame"])]["aligned_from_plate"], face["aligned_from_plate"], atol=1e-8
    )
    with open(os.path.join(faceset.folder, manifest["alignment"]["nuke"])) as f:
        assert "CornerPin2D {" in f.read()
    assert manifest["pictures"] == ["contact_sheet.png", "pose_coverage.png", "expression_coverage.png"]
    for path in faceset.pictures:
        assert Image.open(path).size[0] >= 800
    assert not [n for n in os.listdir(os.path.dirname(faceset.folder)) if n.startswith(".")]  # no staging left


def test_every_min_size_pose_and_duplicates(shot, faceset, tmp_path):
    faces = manifest_of(faceset)["faces"]

    def kept(**options):
        result = extract(shot, 1, str(tmp_path / "set"), options=ExtractOptions(**options))
        assert manifest_of(result)["faces"] == result.faces and manifest_of(result)["options"]["every"] >= 1
        return result, [f["frame"] for f in result.faces]

    result, frames = kept(every=5)
    assert frames == FRAMES[::5] and result.skipped["every"] == len(FRAMES) - len(frames)
    # Limits halfway between two measured values (the manifest rounds them): about half the faces pass.
    size = midway([f["face_size"] for f in faces])  # the face grows as the actor walks in
    result, frames = kept(min_size=size)
    assert frames == [f["frame"] for f in faces if f["face_size"] >= size] and result.skipped["min_size"]
    for axis, option in ((0, "max_yaw"), (1, "max_pitch")):
        limit = midway([abs(f["pose"][axis]) for f in faces])
        result, frames = kept(**{option: limit})
        assert frames == [f["frame"] for f in faces if abs(f["pose"][axis]) <= limit] and result.skipped["pose"]


def midway(values):
    values = sorted(set(values))
    return (values[len(values) // 2 - 1] + values[len(values) // 2]) / 2


def test_duplicates_go_and_distinct_faces_stay(shot, tmp_path):
    threshold = 0.004  # mean grey difference of 32x32 thumbnails; neighbouring frames differ by ~0.002
    result = extract(shot, 1, str(tmp_path / "set"), options=ExtractOptions(dedupe=threshold))
    frames = [f["frame"] for f in result.faces]
    assert frames[0] == FRAMES[0] and 2 <= len(frames) < len(FRAMES) / 2
    assert result.skipped["duplicate"] == len(FRAMES) - len(frames)
    thumbs = [
        cv2.resize(
            np.asarray(Image.open(os.path.join(result.folder, f["image"])), np.float32).mean(axis=2) / 255,
            (32, 32),
            interpolation=cv2.INTER_AREA,
        )
        for f in result.faces
    ]
    for a, b in zip(thumbs, thumbs[1:]):  # kept faces differ from the one kept before (8-bit PNGs: a small margin)
        assert np.abs(a - b).mean() > threshold - 5e-4


def test_bad_input_is_refused_before_any_file_is_written(shot, tmp_path):
    target = tmp_path / "sets" / "actorA"
    with pytest.raises(ScriptError, match=r"FaceDetect1.*track 7 is not in the tracks sidecar; its tracks are 1"):
        extract(shot, 7, str(target))
    with pytest.raises(
        ScriptError, match=r"track 1 has no frames in the requested range \(the track covers 1001-1024\)"
    ):
        extract(shot, 1, str(target), frames=range(2001, 2010))
    assert not (tmp_path / "sets").exists()
    (tmp_path / "sets").write_text("a file where the folder should be")
    with pytest.raises(SequenceIOError, match=r"sets/actorA: cannot create the face-set folder: .*/sets is a file"):
        extract(shot, 1, str(target))
    with pytest.raises(SequenceIOError, match=r"sets: the face-set folder is a file, not a folder"):
        extract(shot, 1, str(tmp_path / "sets"))
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    with pytest.raises(SequenceIOError, match="holds files but no face-set manifest"):
        extract(shot, 1, str(tmp_path / "notes"))
    with pytest.raises(FaceplateError, match="no face of track 1 passed the options.*24 min size"):
        extract(shot, 1, str(tmp_path / "empty"), options=ExtractOptions(min_size=5000))
    assert sorted(os.listdir(tmp_path)) == ["notes", "sets"] and os.listdir(tmp_path / "notes") == ["todo.txt"]


def test_a_failure_midway_keeps_the_previous_set(shot, faceset, tmp_path):
    target = str(tmp_path / "set")
    extract(shot, 1, target, frames=FRAMES[:3])
    before = sorted(os.listdir(os.path.join(target, "faces")))

    def crash(frame, what):
        if frame == FRAMES[4]:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        extract(shot, 1, target, frames=FRAMES[:8], on_frame=crash)
    assert sorted(os.listdir(os.path.join(target, "faces"))) == before and len(before) == 3
    assert sorted(os.listdir(tmp_path)) == ["set"]  # no staging folder left behind


def test_cli_extract_and_its_errors(tmp_path, capsys):
    from shots import Actor, render

    import faceplate
    from faceplate.actions.shot_tracking import track
    from faceplate.cli import main
    from faceplate.nodes.io import write_image

    actor = Actor("astronaut", lambda f: (300 + 4 * f, 180, 1.3, 2.0 * f))
    for f in (1, 2, 3, 4):
        write_image(render([actor], f), tmp_path / f"shot.{f:04d}.exr", pixel_type="half")
    script = str(tmp_path / "shot.json")
    assert main(["new", script, "--plate", str(tmp_path / "shot.####.exr"), "--frames", "1-4"]) == 0
    track(faceplate.Graph.load(script), contact_sheets=False, workers=1)
    out_dir = tmp_path / "facesets" / "actorA"
    capsys.readouterr()
    assert main(["extract", script, "--track", "1", "-o", str(out_dir), "-q", "--every", "2"]) == 0
    out = capsys.readouterr().out
    assert f"2 faces -> {out_dir} (dropped: 2 every)" in out and "pose_coverage.png" in out
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert [f["frame"] for f in manifest["faces"]] == [1, 3]
    assert manifest["faces"][1]["source_plate"] == str(tmp_path / "shot.0003.exr")
    assert (out_dir / manifest["alignment"]["nuke"]).exists()
    (tmp_path / "blocked").write_text("")
    for args, message in (
        (["--track", "9", "-o", str(tmp_path / "new")], "track 9 is not in the tracks sidecar; its tracks are 1"),
        (["--track", "1", "--frames", "50-60", "-o", str(tmp_path / "new")], "frames 50 are beyond the plates on disk"),
        (["--track", "1", "-o", str(tmp_path / "blocked" / "set")], "cannot create the face-set folder"),
        (["--track", "1", "--every", "0", "-o", str(tmp_path / "new")], "every must be 1 or more"),
    ):
        assert main(["extract", script, "-q", *args]) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("faceplate: error:") and message in err, err
    assert not (tmp_path / "new").exists()

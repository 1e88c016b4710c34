"""Mistakes a new user makes, caught before any work: each is exit 2 and one line on stderr naming the fix."""

import os
import shutil
import subprocess
import sys

import pytest

from faceplate.cli import main

DATA = os.path.join(os.path.dirname(__file__), "data", "openexr-images")
BEACHBALL = os.path.join(DATA, "Beachball", "singlepart.####.exr")


def _plates(folder, frames=(1, 2, 3, 4)):
    """Beachball frames copied to ``folder/bb.####.exr``; returns the pattern."""
    os.makedirs(folder, exist_ok=True)
    for f in frames:
        shutil.copy(BEACHBALL.replace("####", f"{f:04d}"), os.path.join(folder, f"bb.{f:04d}.exr"))
    return os.path.join(folder, "bb.####.exr")


def _one_error_line(capsys):
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("faceplate: error:"), captured.err
    return lines[0]


def test_new_frames_beyond_the_plates(tmp_path, capsys):
    pattern = _plates(str(tmp_path / "plates"))
    assert main(["new", str(tmp_path / "s.json"), "--plate", pattern, "--frames", "1-10"]) == 2
    line = _one_error_line(capsys)
    assert "beyond the plates on disk (frames 1-4)" in line and "--frames 1-4" in line
    assert not (tmp_path / "s.json").exists()
    assert main(["new", str(tmp_path / "s.json"), "--plate", pattern, "--frames", "2-3"]) == 0


def test_new_wrong_pattern_names_what_the_folder_holds(tmp_path, capsys):
    _plates(str(tmp_path / "plates"))
    wrong = str(tmp_path / "plates" / "bb.###.exr")  # three digits; the files have four
    assert main(["new", str(tmp_path / "s.json"), "--plate", wrong, "--frames", "1-4"]) == 2
    line = _one_error_line(capsys)
    assert "no frames of this pattern" in line and "bb.0001.exr" in line and "padding" in line
    assert main(["new", str(tmp_path / "s.json"), "--plate", str(tmp_path / "nowhere" / "bb.####.exr")]) == 2
    assert "plate folder does not exist" in _one_error_line(capsys)


def test_pattern_without_a_frame_number_naming_an_existing_file(tmp_path, capsys):
    still = tmp_path / "still.exr"
    shutil.copy(BEACHBALL.replace("####", "0001"), still)
    assert main(["new", str(tmp_path / "s.json"), "--plate", str(still)]) == 2
    line = _one_error_line(capsys)
    assert "this file exists but the pattern has no frame number" in line and "still.####.exr" in line
    assert str(still) in line and "--frames" in line
    # With a range the one file is used for every frame, as the Read node documents.
    assert main(["new", str(tmp_path / "s.json"), "--plate", str(still), "--frames", "1-3", "--bare"]) == 0


def test_render_with_a_missing_plate_folder_stops_at_once(tmp_path, capsys):
    pattern = _plates(str(tmp_path / "plates"))
    script = str(tmp_path / "s.json")
    assert main(["new", script, "--plate", pattern, "--bare"]) == 0
    shutil.rmtree(tmp_path / "plates")
    capsys.readouterr()
    assert main(["render", script, "-q"]) == 2
    line = _one_error_line(capsys)
    assert "Read 'Read1': the plate folder does not exist" in line and str(tmp_path / "plates") in line
    assert not (tmp_path / "render").exists() or not os.listdir(tmp_path / "render")


def test_render_whose_first_plate_cannot_be_read_stops(tmp_path, capsys):
    pattern = _plates(str(tmp_path / "plates"))
    script = str(tmp_path / "s.json")
    assert main(["new", script, "--plate", pattern, "--bare"]) == 0
    (tmp_path / "plates" / "bb.0001.exr").write_bytes(b"not an image")
    capsys.readouterr()
    assert main(["render", script, "-q"]) == 2
    line = _one_error_line(capsys)
    assert "cannot read its first plate" in line and "bb.0001.exr" in line
    assert main(["render", script, "-q", "--frames", "5-6"]) == 2  # beyond the plates on disk
    assert "beyond the plates on disk (frames 1-4)" in _one_error_line(capsys)


def test_render_before_tracking_is_an_error_unless_allowed(tmp_path, capsys):
    pattern = _plates(str(tmp_path / "plates"), frames=(1,))
    script = str(tmp_path / "s.json")
    assert main(["new", script, "--plate", pattern]) == 0  # the default graph, FaceDetect included
    capsys.readouterr()
    assert main(["render", script, "-q"]) == 2
    line = _one_error_line(capsys)
    assert "node 'FaceDetect1': the shot is not tracked" in line
    assert "faceplate track" in line and "--allow-passthrough" in line
    assert not (tmp_path / "render").exists() or not os.listdir(tmp_path / "render")
    assert main(["render", script, "-q", "--allow-passthrough"]) == 0
    assert os.listdir(tmp_path / "render") == ["bb_faceplate.0001.exr"]


def test_debug_is_accepted_anywhere(tmp_path):
    for args in (
        ["--debug", "render", "missing.json"],
        ["render", "missing.json", "--debug"],
        ["render", "--debug", "missing.json"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "faceplate.cli", *args], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" in done.stderr and "cannot read script missing.json" in done.stderr, args
    done = subprocess.run(
        [sys.executable, "-m", "faceplate.cli", "render", "missing.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_duplicate_identity_label_goes_to_stderr(tmp_path, capsys):
    out = str(tmp_path / "m")
    assert main(["train", "--identity", "A=x", "--identity", "A=y", "-o", out, "-q"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "an identity label is given twice" in _one_error_line_of(captured.err)
    assert not os.path.exists(out)


def _one_error_line_of(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("faceplate: error:"), err
    return lines[0]


@pytest.mark.parametrize("command", ["train", "track", "new"])
def test_outputs_that_cannot_be_written_are_refused_before_work(tmp_path, capsys, command):
    (tmp_path / "blocker").write_text("a file where a folder should be")
    blocked = str(tmp_path / "blocker" / "inside")
    if command == "train":
        args = ["train", "--identity", "A=x", "--identity", "B=y", "-o", blocked, "-q"]
        expect = "-o/--output"
    elif command == "new":
        args = ["new", os.path.join(blocked, "s.json"), "--plate", _plates(str(tmp_path / "plates"))]
        expect = "script's folder"
    else:
        script = str(tmp_path / "s.json")
        assert main(["new", script, "--plate", _plates(str(tmp_path / "plates"), frames=(1,))]) == 0
        assert main(["set", script, f"FaceDetect1.sidecar={blocked}/tracks.json"]) == 0
        args = ["track", script, "-q"]
        expect = "tracks folder"
    capsys.readouterr()
    assert main(args) == 2
    line = _one_error_line(capsys)
    assert expect in line and "blocker" in line and "is a file, not a folder" in line

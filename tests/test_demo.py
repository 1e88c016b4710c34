"""`faceplate demo --quick` and examples/walkthrough.md, run end to end (about 40 s each on 2 cores)."""

import os
import re
import subprocess
import sys

import numpy as np
import OpenImageIO as oiio

from faceplate.cli import main

WALKTHROUGH = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "walkthrough.md")
# The walkthrough's sizes, scaled down for the test suite (the commands are otherwise run as written).
QUICK_EDITS = (
    ("faceplate demo --plates-only -o walkthrough", "faceplate demo --plates-only --quick -q -o walkthrough"),
    ("--steps 2400 --steps-per-stage 800", "--steps 60 --steps-per-stage 30 -q"),
    ("faceplate track", "faceplate track -q"),
    ("faceplate render shot.json", "faceplate render -q shot.json"),
)


def _pixels(path):
    image = oiio.ImageInput.open(path)
    assert image, oiio.geterror()
    try:
        return image.spec(), np.asarray(image.read_image(0, 0, 0, image.spec().nchannels, "float"))
    finally:
        image.close()


def _change_inside_and_far_outside(plate_path, render_path, landmarks):
    """Mean absolute RGB change (plate -> render) inside the landmarks' box, and the largest change farther
    than one face size from it (where the comp must keep the plate's exact values)."""
    _, plate = _pixels(plate_path)
    _, comp = _pixels(render_path)
    lo, hi = landmarks.min(0).astype(int), landmarks.max(0).astype(int)
    size = int((hi - lo).max())
    inside = np.zeros(plate.shape[:2], bool)
    inside[lo[1] : hi[1], lo[0] : hi[0]] = True
    near = np.zeros(plate.shape[:2], bool)
    near[max(lo[1] - size, 0) : hi[1] + size, max(lo[0] - size, 0) : hi[0] + size] = True
    diff = np.abs(comp[:, :, :3] - plate[:, :, :3]).max(axis=2)
    return float(diff[inside].mean()), float(diff[~near].max())


def test_walkthrough_runs_as_written(tmp_path):
    text = open(WALKTHROUGH).read()
    (block,) = re.findall(r"```sh\n(.*?)```", text, re.S)
    for old, new in QUICK_EDITS:
        assert old in block, f"the walkthrough no longer has {old!r}: update QUICK_EDITS"
        block = block.replace(old, new)
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run(
        ["bash", "-e", "-c", block], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    folder = tmp_path / "walkthrough"
    renders = sorted(os.listdir(folder / "render"))
    assert renders == [f"astronaut_faceplate.{f}.exr" for f in range(1001, 1013)]
    spec, _ = _pixels(str(folder / "render" / renders[0]))
    assert spec.getattribute("faceplate/swap/model_sha256")  # the model's provenance is in the header
    assert "faceplate/swap/model_id" in done.stdout + "".join(a.name for a in spec.extra_attribs)


def test_quick_demo_writes_the_shot_the_render_and_pictures(tmp_path, capsys):
    assert main(["demo", "--quick", "-q", "-o", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "contact sheet:" in out and "before/after:" in out
    folder = tmp_path / "demo"
    for picture in ("contact_sheet.png", "before_after.png"):
        spec, pixels = _pixels(str(folder / "pictures" / picture))
        assert spec.width >= 960 and pixels.std() > 0.05, picture  # a real picture, not a flat field
    _, plate = _pixels(str(folder / "plates" / "astronaut.1001.exr"))
    assert plate.shape == (360, 640, 4) and 0.0 < float(plate[:, :, :3].mean()) < 1.0  # scene-linear, not clipped
    assert len(os.listdir(folder / "render")) == 12
    from faceplate.nodes.facedetect import sidecar

    (track,) = sidecar.load(str(folder / "tracks" / "FaceDetect1.json")).tracks
    inside, far = _change_inside_and_far_outside(
        str(folder / "plates" / "astronaut.1003.exr"),
        str(folder / "render" / "astronaut_faceplate.1003.exr"),
        np.asarray(track.frames[1003].landmarks),
    )
    assert inside > 0.01, "the face was not replaced"
    assert far == 0.0, "pixels far from the face changed"

    # Run again into the same folder: the demo resumes. Finished steps are skipped (their files untouched);
    # a training whose model was not exported continues from its checkpoint; only missing frames render.
    def stamps(*parts):
        return {str(p): p.stat().st_mtime_ns for p in folder.joinpath(*parts).iterdir() if p.is_file()}

    kept = {
        **stamps("plates"),
        **stamps("tracks"),
        **stamps("facesets", "A"),
        **stamps("render"),
        **stamps("models", "ab", "checkpoints"),
    }
    assert main(["demo", "--quick", "-q", "-o", str(folder)]) == 0
    assert {
        **stamps("plates"),
        **stamps("tracks"),
        **stamps("facesets", "A"),
        **stamps("render"),
        **stamps("models", "ab", "checkpoints"),
    } == kept
    import shutil

    shutil.rmtree(folder / "models" / "ab" / "onnx")
    (folder / "models" / "ab" / "model.pt").unlink()
    (folder / "render" / "astronaut_faceplate.1005.exr").unlink()
    capsys.readouterr()
    assert main(["demo", "--quick", "-q", "-o", str(folder)]) == 0
    assert (folder / "models" / "ab" / "onnx" / "swap_model.json").is_file()
    assert (folder / "models" / "ab" / "model.pt").is_file()
    now = stamps("render")
    assert sorted(p for p in now if now[p] != kept.get(p)) == [str(folder / "render" / "astronaut_faceplate.1005.exr")]

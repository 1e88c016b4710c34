"""`faceplate demo --quick` and examples/walkthrough.md, run end to end (about 40 s each on 2 cores)."""

import os
import re
import subprocess
import sys

import numpy as np
import OpenImageIO as oiio
import pytest

from faceplate.cli import main

WALKTHROUGH = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "walkthrough.md")
# The walkthrough's sizes, scaled down for the test suite (the commands are otherwise run as written).
QUICK_EDITS = (("faceplate demo --plates-only -o walkthrough", "faceplate demo --plates-only --quick -q -o walkthrough"),
               ("--steps 1600 --steps-per-stage 600", "--steps 60 --steps-per-stage 30 -q"),
               ("faceplate track", "faceplate track -q"), ("faceplate render shot.json", "faceplate render -q shot.json"))


def _pixels(path):
    image = oiio.ImageInput.open(path)
    assert image, oiio.geterror()
    try:
        return image.spec(), np.asarray(image.read_image(0, 0, 0, image.spec().nchannels, "float"))
    finally:
        image.close()


def _swapped_face_differs(plate_path, render_path, sidecar_frame_landmarks):
    """Mean absolute RGB change inside the landmarks' box, and outside it (plate vs render)."""
    _, plate = _pixels(plate_path)
    _, comp = _pixels(render_path)
    lo, hi = sidecar_frame_landmarks.min(0).astype(int), sidecar_frame_landmarks.max(0).astype(int)
    inside = np.zeros(plate.shape[:2], bool)
    inside[lo[1]:hi[1], lo[0]:hi[0]] = True
    diff = np.abs(comp[:, :, :3] - plate[:, :, :3]).mean(axis=2)
    return float(diff[inside].mean()), float(diff[~inside].mean())


def test_walkthrough_runs_as_written(tmp_path):
    text = open(WALKTHROUGH).read()
    (block,) = re.findall(r"```sh\n(.*?)```", text, re.S)
    for old, new in QUICK_EDITS:
        assert old in block, f"the walkthrough no longer has {old!r}: update QUICK_EDITS"
        block = block.replace(old, new)
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run(["bash", "-e", "-c", block], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
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

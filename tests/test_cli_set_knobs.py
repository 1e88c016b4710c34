"""`faceplate set` and `faceplate knobs`: knobs changed and listed without Python, checked as a script load checks."""

import json
import os

import pytest

import faceplate
from faceplate.cli import main

BEACHBALL = os.path.join(os.path.dirname(__file__), "data", "openexr-images", "Beachball", "singlepart.####.exr")


@pytest.fixture
def script(tmp_path):
    path = str(tmp_path / "shot.json")
    assert main(["new", path, "--plate", BEACHBALL]) == 0  # the default graph: every node type of a shot
    return path


def test_set_round_trips_a_keyed_knob(script, capsys):
    assert main(["set", script, "JawBlend1.colour_strength=0.25", "--frame", "1"]) == 0
    assert main(["set", script, "JawBlend1.colour_strength=0.75", "--frame", "4", "--interpolation", "smooth"]) == 0
    graph = faceplate.Graph.load(script)
    node = graph["JawBlend1"]
    assert node.is_animated("colour_strength")
    assert node["colour_strength"].keys == [(1.0, 0.25, "linear"), (4.0, 0.75, "smooth")]
    assert node.value("colour_strength", 1) == 0.25 and node.value("colour_strength", 4) == 0.75
    stored = json.load(open(script))["nodes"]["JawBlend1"]["knobs"]["colour_strength"]
    assert stored == {"curve": [[1, 0.25, "linear"], [4, 0.75, "smooth"]]}
    capsys.readouterr()
    assert main(["knobs", script, "JawBlend1"]) == 0
    listing = capsys.readouterr().out
    assert "JawBlend1 (JawBlend)" in listing
    (mix,) = [line for line in listing.splitlines() if line.split()[:1] == ["colour_strength"]]
    assert "keys 1=0.25, 4=0.75 (smooth)" in mix and "float [0..1]" in mix
    # A static value replaces the animation.
    assert main(["set", script, "JawBlend1.colour_strength=0.5"]) == 0
    assert faceplate.Graph.load(script)["JawBlend1"]["colour_strength"] == 0.5


def test_set_text_and_several_knobs_at_once(script, capsys):
    assert (
        main(
            [
                "set",
                script,
                "NeuralSwap1.model=models/ab/onnx",
                "NeuralSwap1.identities=1=B",
                "FaceDetect1.overlay=true",
            ]
        )
        == 0
    )
    graph = faceplate.Graph.load(script)
    assert graph["NeuralSwap1"]["model"] == "models/ab/onnx"
    assert graph["NeuralSwap1"]["identities"] == "1=B"
    assert graph["FaceDetect1"]["overlay"] is True
    capsys.readouterr()
    assert main(["knobs", script, "--changed"]) == 0
    listing = capsys.readouterr().out
    assert '"models/ab/onnx"' in listing and '"1=B"' in listing and "overlay" in listing
    assert "strength" not in listing  # at its default


@pytest.mark.parametrize(
    "assignment, extra, message",
    [
        ("Nope1.mix=0.5", [], "no node 'Nope1' in the script; it has Read1"),
        ("JawBlend1.colour_strengthx=0.5", [], "node 'JawBlend1', knob 'colour_strengthx': no such knob; JawBlend has"),
        ("JawBlend1.colour_strength=7", [], "node 'JawBlend1', knob 'colour_strength': 7 is above the maximum 1"),
        (
            "JawBlend1.colour_strength=lots",
            [],
            "node 'JawBlend1', knob 'colour_strength': expected a number, got 'lots'",
        ),
        ("FaceDetect1.overlay=1", [], "knob 'overlay': expected true or false, got 1"),
        ("FaceDetect1.backend=magic", [], "knob 'backend': 'magic' is not one of mesh, dlib, fan"),
        ("FaceDetect1.overlay=true", ["--frame", "3"], "knob 'overlay': a bool knob cannot be animated"),
        ("JawBlend1mix=0.5", [], "is not NODE.KNOB=VALUE"),
    ],
)
def test_bad_input_is_exit_2_with_one_line_and_the_script_unchanged(script, capsys, assignment, extra, message):
    before = open(script).read()
    capsys.readouterr()
    assert main(["set", script, "JawBlend1.colour_strength=0.5", assignment, *extra]) == 2  # the first one is valid
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("faceplate: error:") and message in lines[0], lines
    assert open(script).read() == before  # all or nothing
    assert not [n for n in os.listdir(os.path.dirname(script)) if n.startswith(".shot.json.tmp")]


def test_knobs_of_an_unknown_node(script, capsys):
    capsys.readouterr()
    assert main(["knobs", script, "Nope"]) == 2
    assert "no node 'Nope'" in capsys.readouterr().err

import json

import pytest
from nodes_for_tests import Constant, Gain, Merge

from faceplate.foundation.errors import KnobError, ScriptError
from faceplate.nodes.core import Graph, register

for cls in (Constant, Gain, Merge):
    register(cls)


def build():
    g = Graph(frame_range=(1001, 1010))
    c = g.add(Constant("C", value=0.1))
    c.set_key("width", 1001, 8, "constant")
    c.set_key("width", 1005, 16, "constant")
    m = g.add(Merge("M", offset=1))
    g.connect(c, m, "a")
    g.connect(c, m, "b")
    gain = g.add(Gain("G"))
    gain.set_key("gain", 1001, 1.0, "smooth")
    gain.set_key("gain", 1010, 2.0, "linear")
    g.connect(m, gain)
    return g


def test_save_load_round_trip(tmp_path):
    g = build()
    path = tmp_path / "shot.json"
    g.save(path)
    h = Graph.load(path)
    assert h.frame_range == (1001, 1010)
    assert list(h.nodes) == ["C", "M", "G"]
    assert h["G"].input().name == "M" and h["M"].input("b").name == "C"
    assert h.script_hash() == g.script_hash()
    for frame in (1001, 1002, 1007, 1010):  # (frame 1004 would merge widths 8 and 16)
        assert h["G"].hash(frame) == g["G"].hash(frame)
        assert (h.render("G", frame).pixels == g.render("G", frame).pixels).all()


def test_script_is_readable_json_with_only_non_default_knobs(tmp_path):
    g = build()
    g.save(tmp_path / "s.json")
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["format"] == "faceplate-script" and data["version"] == 1
    assert data["nodes"]["C"]["knobs"] == {
        "value": 0.1,
        "width": {"curve": [[1001, 8, "constant"], [1005, 16, "constant"]]},
    }
    assert "knobs" not in data["nodes"]["M"] or data["nodes"]["M"]["knobs"] == {"offset": 1}


def test_script_hash_changes_with_a_knob():
    g = build()
    before = g.script_hash()
    g["C"]["value"] = 0.2
    assert g.script_hash() != before


def script(nodes, **top):
    return json.dumps({"format": "faceplate-script", "version": 1, "nodes": nodes, **top})


@pytest.mark.parametrize(
    "text, match",
    [
        ("{nope", "not valid JSON"),
        (json.dumps([1]), "must be a JSON object"),
        (json.dumps({"format": "other", "version": 1}), "not a faceplate script"),
        (json.dumps({"format": "faceplate-script", "version": 99}), "version 99 is not supported"),
        (script({}, extra=1), "unknown top-level fields"),
        (script({}, frame_range=[10, 1]), "frame_range"),
        (script({"X": {"type": "NoSuchNode"}}), "node 'X': unknown node type 'NoSuchNode'"),
        (script({"X": {"type": "Constant", "knobs": {"nope": 1}}}), "node 'X', knob 'nope': no such knob"),
        (script({"X": {"type": "Constant", "knobs": {"value": "high"}}}), "node 'X', knob 'value': expected a number"),
        (
            script({"X": {"type": "Constant", "knobs": {"value": {"curve": [[1, 2]]}}}}),
            "node 'X', knob 'value': a key must be",
        ),
        (
            script({"X": {"type": "Constant", "knobs": {"value": {"curve": [[1, 2, "bezier"]]}}}}),
            "node 'X', knob 'value'.*interpolation",
        ),
        (
            script({"X": {"type": "Gain", "inputs": {"input": "Y"}}}),
            "node 'X': input 'input' is connected to 'Y', which is not in",
        ),
        (script({"X": {"type": "Gain", "inputs": {"mask": "X"}}}), "node 'X': no input 'mask'"),
        (
            script({"X": {"type": "Gain", "inputs": {"input": "Y"}}, "Y": {"type": "Gain", "inputs": {"input": "X"}}}),
            "cycle",
        ),
        (script({"X": {"type": "Gain", "colour": 1}}), "node 'X': unknown fields"),
        (
            '{"format": "faceplate-script", "version": 1, "nodes": {"A": {"type": "Gain"}, "A": {"type": "Gain"}}}',
            "'A' appears twice",
        ),
    ],
)
def test_load_errors_name_the_node_and_knob(text, match):
    with pytest.raises(ScriptError, match=match):
        Graph.loads(text)


def test_knob_errors_are_script_errors():
    assert issubclass(KnobError, ScriptError)


def test_scripts_are_data_nothing_is_executed(tmp_path):
    marker = tmp_path / "pwned"
    evil = script({"X": {"type": "Constant", "knobs": {"label": f"__import__('os').mkdir('{marker}')"}}})
    g = Graph.loads(evil)
    g.render("X", 1)
    assert not marker.exists()


def test_relative_paths_resolve_against_the_script_folder(tmp_path):
    g = Graph.loads(script({}), root=tmp_path)
    assert g.resolve_path("plates/a.####.exr") == str(tmp_path / "plates/a.####.exr")
    assert g.resolve_path("/abs/b.exr") == "/abs/b.exr"

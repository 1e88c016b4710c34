"""Gizmo text from node metadata parses back to the same knobs, defaults and keyframes."""

import random

import nuke_test_nodes  # noqa: F401 - registers HostsSpot, HostsAlign
import pytest
from nuke_test_nodes import HostsSpot

from faceplate.foundation.errors import ScriptError
from faceplate.hosts.nuke import catalog, gizmo, knob_mapping
from faceplate.hosts.nuke.nk_parse import Word, parse_curve, parse_script, quote, split_words
from faceplate.nodes.core import Curve, FloatKnob

CATALOG = catalog.from_registry()


def comparable(knob):
    """What a gizmo carries of a knob description (one-sided bounds are a slider range only)."""
    out = {k: knob[k] for k in ("name", "type", "tooltip", "default")}
    out["options"] = knob.get("options")
    if knob.get("min") is not None and knob.get("max") is not None:
        out["range"] = (knob["min"], knob["max"])
    return out


@pytest.mark.parametrize("type_name", sorted(CATALOG))
def test_every_node_gizmo_parses_back_to_its_knobs_and_defaults(type_name):
    entry = CATALOG[type_name]
    parsed = gizmo.parse_node(gizmo.gizmo_text(entry, "9.9"), source=f"{type_name}.gizmo")
    assert parsed["type"] == type_name
    assert parsed["inputs"] == entry["inputs"]
    assert parsed["actions"] == entry["actions"]
    assert [comparable(k) for k in parsed["knobs"]] == [comparable(k) for k in entry["knobs"]]
    assert gizmo.adapter_values(parsed["node"])["faceplate_version"] == "9.9"


def test_product_nodes_are_in_the_toolbar_and_host_native_ones_are_not():
    assert "FaceDetect" in CATALOG and "Read" not in CATALOG and "Write" not in CATALOG
    assert CATALOG["FaceDetect"]["actions"] == ["track", "render"]
    assert list(CATALOG).index("FaceDetect") == 0


def test_a_knob_added_to_a_node_appears_in_its_gizmo(monkeypatch):
    added = FloatKnob("jaw_feather", 2.5, "Feather of the jaw matte in pixels", min=0.0, max=50.0)
    monkeypatch.setattr(HostsSpot, "knobs", (*HostsSpot.knobs, added))
    parsed = gizmo.parse_node(gizmo.gizmo_text(catalog.entry(HostsSpot)))
    knob = parsed["knobs"][-1]
    assert (knob["name"], knob["type"], knob["default"]) == ("jaw_feather", "float", 2.5)
    assert (knob["min"], knob["max"]) == (0, 50)
    assert 'addUserKnob {7 jaw_feather l "jaw feather"' in gizmo.gizmo_text(catalog.entry(HostsSpot))


def test_instance_values_and_keyframes_round_trip_through_group_text():
    node = HostsSpot("Spot7", radius=9.5, mode="skip it", label_it=True, note='a "b" [c] {d} $e\nf', file="x/y.exr")
    node.set_key("radius", 1001, 2.0, "constant")
    node.set_key("radius", 1005.5, 3.0, "smooth")
    node.set_key("radius", 1010, 7.0, "linear")
    node.set_key("radius", 1020, 1.0, "smooth")
    node.set_key("center", 1001, (10.0, 20.0), "linear")
    node.set_key("center", 1003, (12.5, 18.0), "smooth")
    node.set_key("colour", 1001, (1.0, 0.0, 0.0, 1.0), "constant")
    text = gizmo.node_text(catalog.entry(HostsSpot), node_class="Group", name="Spot7", values=node.knob_json())
    parsed = gizmo.parse_node(text)
    assert parsed["node"].name == "Spot7"
    for knob, value in node.knob_json().items():
        assert parsed["values"][knob] == value, knob
    # Reading back a curve gives the same Curve as the node holds.
    assert Curve([tuple(k) for k in parsed["values"]["radius"]["curve"]]) == node["radius"]


def test_renamed_knob_where_nuke_owns_the_name():
    assert knob_mapping.nuke_name("file") == "fp_file"
    assert knob_mapping.nuke_name("faceplate_x") == "fp_faceplate_x"
    assert knob_mapping.faceplate_name("fp_file") == "file"
    assert "addUserKnob {2 fp_file " in gizmo.gizmo_text(catalog.entry(HostsSpot))


def test_gizmo_internals_show_the_input_until_a_render_then_the_read():
    nodes = gizmo.parse_node(gizmo.gizmo_text(CATALOG["FaceDetect"]))["node"]
    read = nodes.child(gizmo.RESULT_READ)
    assert read.knobs["file"].text == "[value parent.faceplate_output]"
    assert read.knobs["raw"].text == "true" and read.knobs["on_error"].text == "black"
    assert read.knobs["first"].text == "{parent.faceplate_first}"
    switch = nodes.child(gizmo.SWITCH)
    # Inputs 0 and 2 are the plate, 1 the result, whichever way Nuke pops its stack.
    assert switch.inputs == ["input", gizmo.RESULT_READ, "input"]
    assert switch.knobs["which"].text == "{parent.faceplate_show_result}"
    assert nodes.child("Output1").inputs == [gizmo.SWITCH]


def test_layers_are_declared_so_a_shuffle_offers_them():
    text = gizmo.gizmo_text(CATALOG["FaceDetect"])
    assert "add_layer {fp_matte fp_matte.face fp_matte.jaw fp_matte.hairline fp_matte.occlusion}" in text
    assert "add_layer {fp_feature fp_feature.eyes fp_feature.mouth}" in text
    assert "add_layer {fp_swap fp_swap.red fp_swap.green fp_swap.blue}" in text


@pytest.mark.parametrize("text", ["", "0.5", "pass through", 'a"b', "[x]", "{y}", "$HOME/a", "a\\b", "two\nlines"])
def test_quote_reads_back(text):
    assert split_words(quote(text)) == [Word(text)]


def test_curves_as_nuke_writes_them():
    # No letter: smooth; letters stick to later keys; keys without x follow the last step.
    keys = parse_curve(Word("curve x1001 2224 2224.85 K x1010 3 4 L x1020 5 s0.5 t0.25", braced=True))
    assert [(k.frame, k.value, k.interpolation) for k in keys] == [
        (1001, 2224, "S"),
        (1002, 2224.85, "S"),
        (1010, 3, "K"),
        (1018, 4, "K"),
        (1020, 5, "L"),
    ]
    assert (keys[-1].left_slope, keys[-1].right_slope) == (0.5, 0.25)
    knob = {"name": "size", "type": "float", "components": 1}
    assert knob_mapping.json_value(knob, Word("{curve K x1 2}", braced=True)) == {"curve": [[1, 2.0, "constant"]]}
    assert knob_mapping.json_value(knob, split_words("{{curve x1 2}}")[0]) == {"curve": [[1, 2.0, "smooth"]]}
    colour = {"name": "c", "type": "colour", "components": 4}
    assert knob_mapping.json_value(colour, Word("0.5")) == [0.5] * 4


def test_expressions_are_refused_naming_the_knob():
    knob = {"name": "size", "type": "float", "components": 1}
    with pytest.raises(ScriptError, match="knob 'size'.*bake"):
        knob_mapping.json_value(knob, split_words('{{"frame * 2"}}')[0], node="Spot1")


def _nuke_evaluate(keys, frame):
    """A Nuke curve with written slopes between keys: cubic Hermite; K holds (see knob_mapping)."""
    if frame <= keys[0].frame:
        return keys[0].value
    if frame >= keys[-1].frame:
        return keys[-1].value
    i = max(j for j, k in enumerate(keys) if k.frame <= frame)
    k0, k1 = keys[i], keys[i + 1]
    if k0.interpolation == "K":
        return k0.value
    h = k1.frame - k0.frame
    t = (frame - k0.frame) / h
    m0, m1 = k0.right_slope * h, k1.left_slope * h
    return (
        (2 * t**3 - 3 * t**2 + 1) * k0.value
        + (t**3 - 2 * t**2 + t) * m0
        + (-2 * t**3 + 3 * t**2) * k1.value
        + (t**3 - t**2) * m1
    )


def test_written_slopes_make_nukes_curve_the_one_faceplate_evaluates():
    rng = random.Random(7)
    for _ in range(20):
        curve = Curve()
        frame = 1001.0
        for _ in range(rng.randint(2, 6)):
            curve.set_key(frame, rng.uniform(-5, 5), rng.choice(["constant", "linear", "smooth"]))
            frame += rng.randint(1, 9)
        text = knob_mapping.component_text({"curve": curve.to_json()})
        keys = parse_curve(split_words(text)[0])
        for f in [1000 + 0.25 * i for i in range(4 * 50)]:
            assert _nuke_evaluate(keys, f) == pytest.approx(curve.evaluate(f), abs=1e-9)


def test_parse_errors_name_the_line():
    with pytest.raises(ScriptError, match="line 2: unbalanced"):
        parse_script("version 15.1 v2\nBlur {\n size {1 2\n}")

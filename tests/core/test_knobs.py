import pytest

from faceplate.foundation.errors import KnobError
from faceplate.nodes.core import (
    BoolKnob,
    ColourKnob,
    Curve,
    EnumKnob,
    FloatKnob,
    IntKnob,
    Node,
    PathKnob,
    XYKnob,
)


class Everything(Node):
    knobs = (
        FloatKnob("f", 1.0, min=0.0, max=10.0),
        IntKnob("i", 3),
        BoolKnob("b", False),
        EnumKnob("e", ["zip", "piz", "none"]),
        PathKnob("p", ""),
        XYKnob("xy", (0.0, 0.0)),
        ColourKnob("c", (1.0, 1.0, 1.0)),
    )


@pytest.mark.parametrize(
    "knob, bad",
    [
        ("f", "1"),
        ("f", 11.0),
        ("f", float("nan")),
        ("i", 1.5),
        ("i", True),
        ("b", 1),
        ("e", "gzip"),
        ("p", 3),
        ("xy", (1.0,)),
        ("xy", "ab"),
        ("c", (1, 2)),
    ],
)
def test_bad_values_name_node_and_knob(knob, bad):
    n = Everything("N")
    with pytest.raises(KnobError, match=f"node 'N', knob '{knob}'"):
        n[knob] = bad


def test_unknown_knob():
    with pytest.raises(KnobError, match="node 'N', knob 'nope': no such knob"):
        Everything("N")["nope"] = 1


def test_colour_gets_alpha_and_xy_animates_per_component():
    n = Everything("N")
    assert n["c"] == (1.0, 1.0, 1.0, 1.0)
    n.set_key("xy", 0, (0.0, 10.0))
    n.set_key("xy", 10, (10.0, 20.0))
    assert n.value("xy", 5) == (5.0, 15.0)
    assert n.is_animated("xy") and not n.is_animated("f")


def test_only_numeric_knobs_animate():
    with pytest.raises(KnobError, match="cannot be animated"):
        Everything("N").set_key("e", 1, "zip")


def test_int_knob_rounds_animation():
    n = Everything("N")
    n.set_key("i", 0, 0)
    n.set_key("i", 4, 3)
    assert n.value("i", 2) == 2  # 1.5 rounds to even 2
    assert isinstance(n.value("i", 1), int)


@pytest.mark.parametrize(
    "interp, frame, expected",
    [("constant", 5, 0.0), ("linear", 5, 5.0), ("linear", 2.5, 2.5), ("smooth", 5, 5.0), ("smooth", 1, 0.28)],
)
def test_curve_interpolation(interp, frame, expected):
    c = Curve([(0, 0.0, interp), (10, 10.0, interp)])
    assert c.evaluate(frame) == pytest.approx(expected)


def test_curve_holds_outside_keys_and_smooth_passes_through_keys():
    c = Curve([(0, 0.0, "smooth"), (10, 10.0, "smooth"), (20, 0.0, "smooth")])
    assert c.evaluate(-5) == 0.0 and c.evaluate(30) == 0.0
    assert c.evaluate(10) == 10.0
    # flat tangent at the peak: symmetric around it
    assert c.evaluate(8) == pytest.approx(c.evaluate(12))


def test_curve_rejects_bad_keys():
    with pytest.raises(ValueError, match="interpolation"):
        Curve([(0, 1.0, "bezier")])
    with pytest.raises(ValueError, match="finite"):
        Curve([(0, float("inf"), "linear")])


def test_describe_has_everything_a_host_needs():
    d = {k["name"]: k for k in Everything.describe()["knobs"]}
    assert d["f"]["min"] == 0.0 and d["f"]["max"] == 10.0 and d["f"]["animatable"]
    assert d["e"]["options"] == ["zip", "piz", "none"]
    assert d["c"]["default"] == [1.0, 1.0, 1.0, 1.0]

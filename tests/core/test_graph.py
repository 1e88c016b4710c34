import numpy as np
import pytest
from nodes_for_tests import Constant, Gain, Leaky, Merge

from faceplate.foundation.errors import RenderError, ScriptError
from faceplate.nodes.core import Graph


@pytest.fixture
def chain():
    g = Graph()
    c = g.add(Constant("C", value=0.25))
    a = g.add(Gain("A", gain=2.0))
    b = g.add(Gain("B", gain=3.0))
    g.connect(c, a)
    g.connect(a, b)
    return g


def test_render_pulls_upstream(chain):
    plate = chain.render("B", 1001)
    assert plate.pixels.shape == (4, 8, 4)
    np.testing.assert_allclose(plate.pixels, 0.25 * 2 * 3)


def test_second_render_is_a_cache_hit(chain):
    chain.render("B", 1001)
    chain.render("B", 1001)
    assert chain.compute_counts == {"C": 1, "A": 1, "B": 1}


def test_changing_a_knob_recomputes_only_downstream(chain):
    chain.render("B", 1)
    chain["A"]["gain"] = 5.0
    plate = chain.render("B", 1)
    np.testing.assert_allclose(plate.pixels, 0.25 * 5 * 3)
    assert chain.compute_counts == {"C": 1, "A": 2, "B": 2}
    chain["B"]["gain"] = 4.0
    chain.render("B", 1)
    assert chain.compute_counts == {"C": 1, "A": 2, "B": 3}


def test_knob_that_does_not_affect_output_keeps_the_hash(chain):
    before = chain["C"].hash(1)
    chain["C"]["label"] = "a note"
    assert chain["C"].hash(1) == before
    chain["C"]["value"] = 0.3
    assert chain["C"].hash(1) != before


def test_hash_is_stable_and_frame_dependent_only_when_animated(chain):
    assert chain["B"].hash(1) == chain["B"].hash(1)
    assert chain["B"].hash(1) == chain["B"].hash(2)
    chain["A"].set_key("gain", 1, 1.5)
    chain["A"].set_key("gain", 10, 3.0)
    assert chain["B"].hash(1) != chain["B"].hash(2)
    assert chain["B"].hash(10) == chain["B"].hash(20)  # held after the last key


def test_animated_knob_renders_interpolated_values(chain):
    chain["A"].set_key("gain", 1, 2.0)
    chain["A"].set_key("gain", 3, 4.0)
    np.testing.assert_allclose(chain.render("A", 2).pixels, 0.25 * 3.0)


def test_passthrough_shares_the_cache(chain):
    chain["B"]["gain"] = 1.0
    assert chain["B"].hash(1) == chain["A"].hash(1)
    chain.render("A", 1)
    chain.render("B", 1)
    assert chain.compute_counts["B"] == 0


def test_results_are_read_only(chain):
    plate = chain.render("B", 1)
    with pytest.raises(ValueError):
        plate.pixels[0, 0, 0] = 1.0


def test_input_frames_are_hashed():
    g = Graph()
    c = g.add(Constant("C"))
    m = g.add(Merge("M", offset=2))
    g.connect(c, m, "a")
    g.connect(c, m, "b")
    c.set_key("value", 1, 0.0)
    c.set_key("value", 11, 10.0)
    np.testing.assert_allclose(g.render(m, 1).pixels, 0.0 + 2.0)
    before = m.hash(5)
    m["offset"] = 3
    assert m.hash(5) != before


def test_reading_an_unhashed_knob_is_caught():
    g = Graph()
    g.add(Leaky("L"))
    with pytest.raises(RenderError, match="node 'L'.*secret.*hash does not cover"):
        g.render("L", 1)


def test_unconnected_input_names_node_and_input():
    g = Graph()
    g.add(Gain("G", gain=2.0))
    with pytest.raises(RenderError, match="node 'G', frame 7: input 'input' is not connected"):
        g.render("G", 7)


def test_cycles_are_refused(chain):
    with pytest.raises(ScriptError, match="cycle"):
        chain.connect("B", "A")
    with pytest.raises(ScriptError, match="cycle"):
        chain.connect("A", "A")


def test_duplicate_names_and_unknown_inputs():
    g = Graph()
    g.add(Constant("C"))
    with pytest.raises(ScriptError, match="node 'C'.*already"):
        g.add(Constant("C"))
    g.add(Gain("G"))
    with pytest.raises(ScriptError, match="node 'G'.*no input 'mask'"):
        g.connect("C", "G", "mask")


def test_cache_is_bounded():
    g = Graph(cache_bytes=3 * 8 * 4 * 4 * 4)  # room for three 8x4 RGBA plates
    g.add(Constant("C"))
    for frame in range(10):
        g["C"]["value"] = float(frame)
        g.render("C", frame)
    assert len(g.cache) == 3
    assert g.cache.nbytes <= g.cache.max_bytes


def test_cache_discard_forgets_one_plate():
    g = Graph()
    g.add(Constant("C"))
    g.render("C", 1)
    key = g.hash(g["C"], 1)
    g["C"]["value"] = 2.0
    g.render("C", 1)
    other = g.hash(g["C"], 1)
    size = g.cache.nbytes
    g.cache.discard(key)
    g.cache.discard(key)  # twice: nothing more to forget
    assert key not in g.cache and other in g.cache
    assert g.cache.nbytes == size // 2


def test_remove_disconnects(chain):
    chain.remove("A")
    assert chain["B"].input() is None


def test_find_by_type():
    g = Graph()
    g.add(Constant("C"))
    g.add(Gain("G1"))
    assert g.find("Constant") is g["C"]
    assert g.find("Gain", "G1") is g["G1"]
    with pytest.raises(ScriptError, match="node 'C': is a Constant, not a Gain node"):
        g.find("Gain", "C")
    g.add(Gain("G2"))
    with pytest.raises(ScriptError, match=r"2 Gain nodes \(G1, G2\); name one with --node"):
        g.find("Gain")
    with pytest.raises(ScriptError, match="no Merge node; add one after the Read"):
        g.find("Merge", where="after the Read")

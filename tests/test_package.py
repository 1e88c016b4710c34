"""Package-wide checks: layout, no host SDK imports, every node documented and well behaved."""

import subprocess
import sys

import faceplate
import pytest
from faceplate.nodes.core import Graph, node_types


def test_one_import_package_no_top_level_names():
    for name in ("nodes", "models", "plugin"):
        code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({name!r}) is not None)"
        assert subprocess.run([sys.executable, "-c", code], cwd="/").returncode == 0, name


def test_nodes_never_import_a_host_sdk():
    code = (
        "import sys, faceplate, faceplate.nodes, faceplate.cli, faceplate.actions.rendering\n"
        "from faceplate.nodes.core import node_types\n"
        "node_types()\n"
        "bad = [m for m in sys.modules if m == 'nuke' or m.startswith('nuke.')]\n"
        "sys.exit(1 if bad else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_native_module_loads():
    from faceplate import _native

    assert isinstance(_native.cuda_available(), bool)
    assert _native.thread_count() >= 1


def faceplate_node_types():
    """The node types faceplate itself ships (tests register others of their own)."""
    return sorted(name for name, cls in node_types().items() if cls.__module__.startswith("faceplate."))


def test_builtin_nodes_are_registered():
    assert {"Read", "Write"} <= set(node_types())


@pytest.mark.parametrize("type_name", faceplate_node_types())
def test_every_node_constructs_with_defaults_and_is_documented(type_name):
    cls = node_types()[type_name]
    node = cls()
    assert node.name == type_name
    info = cls.describe()
    assert len(info["doc"]) > 40, f"{type_name} needs a docstring"
    for knob in info["knobs"]:
        assert knob["tooltip"], f"{type_name}.{knob['name']} needs a tooltip"


@pytest.mark.parametrize("type_name", faceplate_node_types())
def test_every_node_hash_changes_with_each_output_knob(type_name, tmp_path):
    cls = node_types()[type_name]
    g = Graph(root=tmp_path)
    node = g.add(cls())
    (tmp_path / "in.0001.exr").write_bytes(b"")
    if "file" in node._knob_index:
        node["file"] = "in.####.exr"
    before = node.hash(1)
    assert node.hash(1) == before
    for knob in cls.knobs:
        if not knob.affects_output or knob.name == "file":
            continue
        original = node[knob.name]
        node[knob.name] = _other_value(knob)
        if node.passthrough_hash(1) is None:
            assert node.hash(1) != before, f"{type_name}.{knob.name} does not change the hash"
        node[knob.name] = original
        assert node.hash(1) == before


def _other_value(knob):
    if hasattr(knob, "probe_value"):  # structured knobs (AlignEdit's edits) know a valid other value
        return knob.probe_value()
    t = knob.type_name
    if t == "enum":
        return next(o for o in knob.options if o != knob.default)
    if t == "bool":
        return not knob.default
    if t in ("string", "path"):
        return knob.default + "x"
    if t in ("float", "int"):
        lo = knob.min if knob.min is not None else knob.default - 1
        hi = knob.max if knob.max is not None else knob.default + 1
        candidates = [knob.default + 1, knob.default - 1, (lo + hi) / 2 if t == "float" else (lo + hi) // 2, lo, hi]
        return next(c for c in candidates if lo <= c <= hi and c != knob.default)
    return tuple(v + 1 for v in knob.default)


def test_public_api():
    assert faceplate.__version__ != "0+unknown"
    assert issubclass(faceplate.SequenceIOError, faceplate.FaceplateError)

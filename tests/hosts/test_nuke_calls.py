"""The thin layer over nuke.*, run against a stand-in nuke module built from recorded values."""

import json
import os
import subprocess
import sys
import types

import nuke_test_nodes  # noqa: F401 - registers HostsSpot
import pytest

from faceplate.hosts.nuke import bridge, catalog, gizmo

DATA = os.path.join(os.path.dirname(__file__), "data")
CATALOG = catalog.from_registry()


def test_faceplate_and_its_nodes_never_import_nuke_and_the_nuke_side_stays_light():
    code = (
        "import sys, faceplate, faceplate.nodes\n"
        "from faceplate.nodes.core import node_types\n"
        "node_types()\n"
        "assert 'nuke' not in sys.modules and 'faceplate.hosts' not in sys.modules, 'faceplate imports a host'\n"
        "for name in ('nuke_calls', 'bridge', 'gizmo', 'catalog', 'conventions', 'knob_mapping', 'nk_parse'):\n"
        "    __import__('faceplate.hosts.nuke.' + name)\n"
        "assert 'nuke' not in sys.modules, 'an adapter module imports nuke at import time'\n"
    )
    # The Nuke-side modules, alone: no image libraries, no torch, no native module (Nuke's Python has none).
    light = (
        "import sys\n"
        "import faceplate.hosts.nuke.nuke_calls\n"
        "heavy = {'OpenImageIO', 'PyOpenColorIO', 'torch', 'cv2', 'dlib', 'faceplate._native', 'nuke'}\n"
        "sys.exit(sorted(heavy & set(sys.modules)) or 0)\n"
    )
    for source in (code, light):
        done = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr + done.stdout


# -- a stand-in for nuke -----------------------------------------------------------------------------


class Knob:
    def __init__(self, value, script=None):
        self._value, self._script = value, script

    def value(self):
        return self._value

    def toScript(self):
        return self._script if self._script is not None else str(self._value)

    def evaluate(self):
        return self._value

    def setValue(self, value):
        self._value = value


class Format:
    def __init__(self, width, height):
        self._size = (width, height)

    def width(self):
        return self._size[0]

    def height(self):
        return self._size[1]


class Node:
    def __init__(self, cls, name, knobs, inputs=(), fmt=None):
        self._cls, self._name, self._knobs, self._inputs, self._format = cls, name, knobs, list(inputs), fmt

    def Class(self):
        return self._cls

    def name(self):
        return self._name

    def inputs(self):
        return len(self._inputs)

    def input(self, i):
        return self._inputs[i]

    def knobs(self):
        return self._knobs

    def __getitem__(self, name):
        return self._knobs[name]

    def format(self):
        return self._format

    def metadata(self):
        return {}


def nodes_from_recording(description):
    """Nuke nodes whose knobs hold the recorded values (numbers as Nuke's script text)."""
    built = {}

    def make(name):
        if name in built:
            return built[name]
        data = description["nodes"][name]
        knobs = {}
        for knob, text in data["knobs"].items():
            if knob in ("disable", "raw", "label_it", "overlay", "faceplate_farm"):
                knobs[knob] = Knob(text == "true")
            else:
                knobs[knob] = Knob(text, text)
        if "faceplate_type" in data:
            knobs["faceplate_type"] = Knob(data["faceplate_type"])
            knobs["faceplate_farm"] = Knob(False)
            for adapter in (
                "faceplate_output",
                "faceplate_script",
                "faceplate_first",
                "faceplate_last",
                "faceplate_show_result",
            ):
                knobs[adapter] = Knob(None)
        fmt = Format(**data["format"]) if "format" in data else None
        node = Node(data["class"], name, knobs, [make(i) for i in data["inputs"]], fmt)
        built[name] = node
        return node

    return make(description["target"])


@pytest.fixture
def nuke(monkeypatch, tmp_path):
    with open(os.path.join(DATA, "nuke_graph_sh010.json")) as f:
        description = json.load(f)
    description["nuke_script"] = str(tmp_path / "comp" / "sh010_comp_v003.nk")
    module = types.ModuleType("nuke")
    module.NUKE_VERSION_STRING = description["nuke_version"]
    root = Node(
        "Root",
        description["nuke_script"],
        {
            "project_directory": Knob(""),
            "first_frame": Knob(1001.0),
            "last_frame": Knob(1003.0),
            "proxy": Knob(False),
            "proxy_scale": Knob(0.5),
            "workingSpaceLUT": Knob("scene_linear"),
        },
    )
    module.root = lambda: root
    module.filename = lambda node: node["file"].value()
    module.messages, module.plugin_paths, module.commands = [], [], []
    module.message = module.messages.append
    module.pluginAddPath = module.plugin_paths.append
    module.executeInMainThread = lambda fn, args=(): fn(*args)

    class Menu:
        def addMenu(self, name):
            module.commands.append(("menu", name))
            return self

        def addCommand(self, name, command):
            module.commands.append((name, command))

    module.toolbar = lambda name: Menu()
    monkeypatch.setitem(sys.modules, "nuke", module)
    folder = tmp_path / "nuke_path"
    gizmo.install(str(folder), CATALOG)
    from faceplate.hosts.nuke import nuke_calls

    monkeypatch.setitem(nuke_calls._state, "catalog", None)
    nuke_calls.on_init(str(folder))
    module.target = nodes_from_recording(description)
    module.description = description
    return module


def test_start_up_registers_gizmos_and_a_toolbar(nuke, tmp_path):
    from faceplate.hosts.nuke import nuke_calls

    nuke_calls.on_menu(str(tmp_path / "nuke_path"))
    assert nuke.plugin_paths == [str(tmp_path / "nuke_path" / "gizmos")]
    assert nuke.commands[0] == ("menu", "faceplate")
    assert ("FaceDetect", "nuke.createNode('FaceDetect')") in nuke.commands
    assert (tmp_path / "nuke_path" / "gizmos" / "FaceDetect.gizmo").exists()


def test_recording_nuke_nodes_builds_the_same_script_as_the_recorded_fixture(nuke):
    from faceplate.hosts.nuke import nuke_calls

    recorded = nuke_calls.record(nuke.target)
    assert recorded["root"]["working_space"] == "scene_linear"
    assert bridge.build(recorded, CATALOG, env={}).script == bridge.build(nuke.description, CATALOG, env={}).script


def test_render_button_runs_the_command_and_points_the_internal_read_at_the_output(nuke, monkeypatch):
    from faceplate.hosts.nuke import nuke_calls

    ran = []

    class Inline:  # run the worker thread right away
        def __init__(self, target, name, daemon):
            self.target = target

        def start(self):
            self.target()

    monkeypatch.setattr(nuke_calls.threading, "Thread", Inline)
    monkeypatch.setattr(
        nuke_calls.subprocess, "run", lambda argv, **kw: ran.append(argv) or subprocess.CompletedProcess(argv, 0)
    )
    nuke_calls.run_action(nuke.target, "render")
    assert ran[0][1:3] == ["render", nuke.target["faceplate_script"].value()]
    assert nuke.target["faceplate_output"].value().endswith("render/Spot1/Spot1.####.exr")
    assert nuke.target["faceplate_show_result"].value() is True
    assert "faceplate render Spot1: done" in nuke.messages[-1]
    assert os.path.exists(nuke.target["faceplate_script"].value())


def test_farm_submission_and_errors_come_back_as_messages(nuke, monkeypatch):
    from faceplate.hosts.nuke import nuke_calls

    ran = []
    monkeypatch.setattr(
        nuke_calls.subprocess, "run", lambda argv, **kw: ran.append(argv) or subprocess.CompletedProcess(argv, 0)
    )
    monkeypatch.setenv("FACEPLATE_NUKE_FARM_COMMAND", "submit --name {name} -- {command}")
    nuke.target["faceplate_farm"].setValue(True)
    nuke_calls.run_action(nuke.target, "track")
    assert ran[0][:3] == ["submit", "--name", "faceplate track Spot1"]
    assert nuke.messages[-1] == "faceplate track Spot1: submitted to the farm"
    nuke.description["nodes"]["Read1"]["knobs"]["frame"] = "5"
    nuke.target.input(0).input(0).input(0).input(0)["frame"].setValue("5")
    nuke_calls.run_action(nuke.target, "render")
    assert "remaps time" in nuke.messages[-1] and len(ran) == 1

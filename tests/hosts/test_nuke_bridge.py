"""A recorded Nuke graph becomes a faceplate script that renders what the same graph built in faceplate does."""

import copy
import json
import os
import shlex
import subprocess
import sys

import nuke_test_nodes  # noqa: F401 - registers HostsSpot
import numpy as np
import pytest

from faceplate.foundation.errors import ScriptError
from faceplate.hosts.nuke import bridge, catalog
from faceplate.nodes import Plate
from faceplate.nodes.core import Graph
from faceplate.nodes.io import read_image, write_image

DATA = os.path.join(os.path.dirname(__file__), "data")
FRAMES = (1001, 1002, 1003)
CATALOG = catalog.from_registry()


@pytest.fixture
def shot(tmp_path):
    """The recorded graph of tests/hosts/data, its .nk placed in tmp_path with a 64x48 plate beside it."""
    with open(os.path.join(DATA, "nuke_graph_sh010.json")) as f:
        description = json.load(f)
    description["nuke_script"] = str(tmp_path / "comp" / "sh010_comp_v003.nk")
    plates = tmp_path / "comp" / "plates"
    plates.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for frame in FRAMES:
        pixels = rng.uniform(0, 1, (48, 64, 4)).astype(np.float32)
        write_image(Plate(pixels, ["R", "G", "B", "A"]), plates / f"sh010.{frame:04d}.exr", pixel_type="float")
    return description


def direct_graph(plate_pattern):
    """The same graph, built in faceplate: positions in faceplate's top-left convention (y = 48 - y_nuke)."""
    g = Graph(frame_range=(1001, 1003))
    g.create("Read", "Read1", file=plate_pattern)
    detect = g.create("FaceDetect", "FaceDetect1")
    detect.set_key("strength", 1001, 0.5, "smooth")
    detect.set_key("strength", 1003, 0.8, "smooth")
    spot = g.create("HostsSpot", "Spot1")
    spot.set_key("center", 1001, (10.0, 8.0), "linear")
    spot.set_key("center", 1003, (12.0, 12.0), "linear")
    spot.set_key("radius", 1001, 3.0, "smooth")
    spot.set_key("radius", 1003, 5.0, "smooth")
    spot.load_knob_json({"colour": [0.25, 0.75, {"curve": [[1001, 0.0, "constant"], [1002, 1.0, "constant"]]}, 1.0]})
    g.connect("Read1", "FaceDetect1")
    g.connect("FaceDetect1", "Spot1")
    return g


def test_recorded_graph_renders_like_the_graph_built_in_faceplate(shot, tmp_path):
    prepared = bridge.build(shot, CATALOG, env={})
    graph = Graph.from_dict(prepared.script, root=prepared.workdir)
    assert list(graph.nodes) == ["Read1", "FaceDetect1", "Spot1", bridge.WRITE_NODE]  # Dot, disabled Grade gone
    assert graph.frame_range == (1001, 1003) and prepared.frames == "1001-1003"
    plate_pattern = str(tmp_path / "comp" / "plates" / "sh010.%04d.exr")
    assert graph["Read1"]["file"] == plate_pattern
    direct = direct_graph(plate_pattern)
    for frame in FRAMES:
        ours, theirs = graph.render("Spot1", frame), direct.render("Spot1", frame)
        assert ours.channels == theirs.channels and ours.display_window == theirs.display_window
        np.testing.assert_array_equal(ours.pixels, theirs.pixels)
        assert not np.array_equal(ours.pixels, graph.render("Read1", frame).pixels)  # the disc is there
    # The knobs themselves, not only the pixels: same values at every frame.
    for node in ("FaceDetect1", "Spot1"):
        for knob in graph[node].knobs:
            for frame in (1001, 1001.5, 1002, 1003):
                assert graph[node].value(knob.name, frame) == direct[node].value(knob.name, frame), (node, knob.name)


def test_the_disc_sits_where_nuke_put_it(shot):
    # Nuke (10, 40) in a 48-high format is 8 pixels below the top: the disc covers row 7 (centre 7.5).
    graph = Graph.from_dict(bridge.build(shot, CATALOG, env={}).script)
    plate, read = graph.render("Spot1", 1001), graph.render("Read1", 1001)
    changed = np.argwhere(np.any(plate.pixels != read.pixels, axis=2))
    assert changed[:, 0].min() >= 8 - 3 - 1 and changed[:, 0].max() <= 8 + 3
    assert abs(changed[:, 0].mean() - 7.5) < 0.6 and abs(changed[:, 1].mean() - 9.5) < 0.6


def test_proxy_mode_changes_nothing_faceplate_renders(shot):
    proxied = copy.deepcopy(shot)
    proxied["root"].update(proxy=True, proxy_scale=0.5)
    proxied["nodes"]["Read1"]["knobs"]["proxy"] = "plates_half/sh010.%04d.exr"
    assert bridge.build(proxied, CATALOG, env={}).script == bridge.build(shot, CATALOG, env={}).script


def test_display_window_offset_moves_positions(shot):
    shot["nodes"]["Read1"]["display_window"] = [0, 100, 63, 147]
    spot = bridge.build(shot, CATALOG, env={}).script["nodes"]["Spot1"]["knobs"]
    assert spot["center"][1]["curve"][0][1] == 100 + 48 - 40


def test_write_and_paths(shot, tmp_path):
    prepared = bridge.build(shot, CATALOG, env={})
    workdir = tmp_path / "comp" / "faceplate" / "sh010_comp_v003"
    assert prepared.workdir == str(workdir)
    assert prepared.script_path == str(workdir / "Spot1.json")
    write = prepared.script["nodes"][bridge.WRITE_NODE]
    assert write == {
        "type": "Write",
        "inputs": {"input": "Spot1"},
        "knobs": {"file": str(workdir / "render" / "Spot1" / "Spot1.####.exr"), "colourspace": "scene_linear"},
    }
    custom = bridge.build(shot, CATALOG, env={"FACEPLATE_NUKE_WORKDIR": "/jobs/{nk_name}/fp"})
    assert custom.script_path == "/jobs/sh010_comp_v003/fp/Spot1.json"


def test_nuke_default_names_and_read_settings(shot):
    read = shot["nodes"]["Read1"]["knobs"]
    read.update(colorspace="default (linear)", on_error="nearest frame")
    shot["root"]["working_space"] = "linear"
    data = bridge.build(shot, CATALOG, env={}).script["nodes"]
    assert data["Read1"]["knobs"]["colourspace"] == "Linear Rec.709 (sRGB)"
    assert data["Read1"]["knobs"]["missing_frames"] == "hold"
    assert data[bridge.WRITE_NODE]["knobs"]["colourspace"] == "Linear Rec.709 (sRGB)"
    read["raw"] = "true"
    assert bridge.build(shot, CATALOG, env={}).script["nodes"]["Read1"]["knobs"]["colourspace"] == "raw"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["nodes"]["Grade1"]["knobs"].update(disable="false"), "node 'Grade1': is a Grade node"),
        (lambda d: d["nodes"]["Read1"]["knobs"].update(frame="1"), "knob 'frame': the Read remaps time"),
        (lambda d: d["nodes"]["Read1"]["knobs"].update(file="plates/sh010.%V.%04d.exr"), "view token"),
        (lambda d: d["nodes"]["Spot1"]["knobs"].update(radius='{{"frame / 2"}}'), "knob 'radius'.*expression"),
        (lambda d: d.update(nuke_script="Root"), "not saved"),
        (lambda d: d["nodes"]["Spot1"].update(faceplate_type="JawBlendFromTheFuture"), "reinstall the gizmos"),
        (lambda d: d.update(target="Dot1"), "not a faceplate node"),
    ],
)
def test_refusals_name_the_node_and_the_fix(shot, change, message):
    change(shot)
    with pytest.raises(ScriptError, match=message):
        bridge.build(shot, CATALOG, env={})


def test_commands_farm_and_result_knobs(shot):
    prepared = bridge.build(shot, CATALOG, env={})
    render = bridge.command(prepared, "render", env={"FACEPLATE_EXECUTABLE": "/opt/fp/bin/faceplate"})
    assert render[:6] == ["/opt/fp/bin/faceplate", "render", prepared.script_path, "--frames", "1001-1003", "--write"]
    assert "--skip-existing" in render
    track = bridge.command(prepared, "track", env={})
    assert track == ["faceplate", "track", prepared.script_path, "--node", "Spot1", "--frames", "1001-1003", "-q"]
    env = {"FACEPLATE_NUKE_FARM_COMMAND": "submit --name {name} --range {first}-{last} -- {command}"}
    farm = bridge.farm_command(track, prepared, "track", env=env)
    assert farm[:5] == ["submit", "--name", "faceplate track Spot1", "--range", "1001-1003"]
    assert shlex.split(farm[6]) == track
    with pytest.raises(ScriptError, match="FACEPLATE_NUKE_FARM_COMMAND"):
        bridge.farm_command(track, prepared, "track", env={})
    knobs = bridge.result_knobs(prepared, "render")
    assert knobs["faceplate_output"].endswith("Spot1.####.exr") and knobs["faceplate_show_result"] is True
    assert (knobs["faceplate_first"], knobs["faceplate_last"]) == (1001, 1003)
    assert set(bridge.result_knobs(prepared, "track")) == {"faceplate_script"}


def test_render_subprocess_writes_every_frame_the_internal_read_expects(shot, tmp_path):
    shot["nodes"]["Spot1"]["knobs"]["faceplate_frames"] = "1001-1002"
    prepared = bridge.build(shot, CATALOG, env={})
    bridge.save(prepared)
    launcher = tmp_path / "faceplate_with_test_nodes.py"  # the CLI, with this folder's test nodes registered
    launcher.write_text(
        f"import sys\nsys.path.insert(0, {os.path.dirname(__file__)!r})\nimport nuke_test_nodes\n"
        "from faceplate.cli import main\nsys.exit(main())\n"
    )
    argv = bridge.command(prepared, "render", env={"FACEPLATE_EXECUTABLE": f"{sys.executable} {launcher}"})
    # The recorded shot was never tracked: its FaceDetect passes the plate through, which a render now asks for.
    done = subprocess.run([*argv, "--allow-passthrough"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for frame in (1001, 1002):
        path = prepared.output.replace("####", f"{frame:04d}")
        written = read_image(path)
        expected = Graph.from_dict(prepared.script).render("Spot1", frame)
        np.testing.assert_allclose(written.pixels, expected.pixels, atol=2e-3)  # half floats
    assert not os.path.exists(prepared.output.replace("####", "1003"))


def test_every_gizmo_action_is_a_command_faceplate_accepts(shot):
    """The command line of each button parses with faceplate's own CLI parser (no guessed flags)."""
    from faceplate.cli import build_parser
    from faceplate.hosts.nuke import catalog

    prepared = bridge.build(shot, CATALOG, env={})
    parser = build_parser()
    actions = {a for entry in catalog.from_registry().values() for a in entry["actions"]} - {"export"}
    assert {"track", "extract", "render"} <= actions
    for action in sorted(actions):
        argv = bridge.command(prepared, action, env={})
        args = parser.parse_args(argv[1:])
        assert args.command == action and args.script == prepared.script_path
    extract = parser.parse_args(bridge.command(prepared, "extract", env={})[1:])
    assert extract.track == 1 and extract.output.startswith(prepared.workdir)

"""The only module that calls ``nuke.*``: records nodes as plain data, sets knobs, starts processes.

Everything here is a few lines around the tested pure modules: :func:`record` turns Nuke nodes into the
description :mod:`.bridge` reads, :func:`run_action` hands it to the bridge and runs the command, and
:func:`on_init` / :func:`on_menu` (called by the NUKE_PATH folder's init.py / menu.py) register the gizmos
and the toolbar. ``nuke`` is imported inside the functions, so importing this module outside Nuke works
(the tests import it with a stand-in ``nuke`` module).

Nothing here has been run inside Nuke: see docs/nuke.md.
"""

from __future__ import annotations

import os
import subprocess
import threading
from typing import Any

from faceplate.foundation.errors import FaceplateError
from faceplate.hosts.nuke import bridge, gizmo
from faceplate.hosts.nuke import catalog as catalog_io
from faceplate.hosts.nuke.knob_mapping import nuke_name

TOOLBAR = "faceplate"
READ_KNOBS = ("first", "last", "on_error", "colorspace", "frame_mode", "frame")
_state: dict[str, Any] = {"folder": None, "catalog": None}


def _nuke():
    import nuke

    return nuke


# -- start-up -------------------------------------------------------------------------------------------


def on_init(folder: str) -> None:
    """init.py: make the generated gizmos loadable (also in render-only sessions)."""
    _state["folder"] = folder
    _nuke().pluginAddPath(os.path.join(folder, gizmo.GIZMO_FOLDER))


def on_menu(folder: str) -> None:
    """menu.py: a faceplate menu in the Nodes toolbar, one entry per node type."""
    nuke = _nuke()
    _state["folder"] = folder
    menu = nuke.toolbar("Nodes").addMenu(TOOLBAR)
    for type_name in catalog():
        menu.addCommand(type_name, f"nuke.createNode({type_name!r})")


def catalog() -> dict[str, dict[str, Any]]:
    if _state["catalog"] is None:
        _state["catalog"] = catalog_io.load(_state["folder"] or os.path.dirname(__file__))
    return _state["catalog"]


# -- recording --------------------------------------------------------------------------------------------


def record(target) -> dict[str, Any]:
    """The bridge's description of ``target`` and every node upstream of it."""
    nuke = _nuke()
    root = nuke.root()
    nodes: dict[str, Any] = {}
    pending = [target]
    while pending:
        node = pending.pop()
        if node.name() in nodes:
            continue
        upstream = [node.input(i) for i in range(node.inputs())]
        nodes[node.name()] = _record_node(nuke, node, upstream)
        pending.extend(n for n in upstream if n is not None)
    return {
        "format": bridge.FORMAT,
        "version": bridge.VERSION,
        "nuke_version": nuke.NUKE_VERSION_STRING,
        "nuke_script": root.name(),
        "project_directory": root["project_directory"].evaluate() or "",
        "root": {
            "first_frame": int(root["first_frame"].value()),
            "last_frame": int(root["last_frame"].value()),
            "proxy": bool(root["proxy"].value()),
            "proxy_scale": float(root["proxy_scale"].value()),
            "working_space": root["workingSpaceLUT"].value(),
        },
        "target": target.name(),
        "nodes": nodes,
    }


def _record_node(nuke, node, upstream: list) -> dict[str, Any]:
    knobs = node.knobs()
    data: dict[str, Any] = {
        "class": node.Class(),
        "inputs": [n.name() if n is not None else None for n in upstream],
        "knobs": {},
    }
    if "disable" in knobs:
        data["knobs"]["disable"] = "true" if knobs["disable"].value() else "false"
    if node.Class() == "Read":
        data["knobs"]["file"] = nuke.filename(node) or knobs["file"].value()  # Tcl evaluated, frame token kept
        data["knobs"]["raw"] = "true" if knobs["raw"].value() else "false"
        for name in READ_KNOBS:
            if name in knobs:
                data["knobs"][name] = str(knobs[name].value())
        data["format"] = {"width": node.format().width(), "height": node.format().height()}
        window = node.metadata().get("exr/displayWindow")
        if window:
            data["display_window"] = [int(v) for v in window]
    elif "faceplate_type" in knobs:
        type_name = knobs["faceplate_type"].value()
        data["faceplate_type"] = type_name
        data["knobs"]["faceplate_frames"] = knobs["faceplate_frames"].value()
        for knob in catalog().get(type_name, {}).get("knobs", ()):
            nuke_knob = knobs.get(nuke_name(knob["name"]))
            if nuke_knob is not None:
                string = knob["type"] in bridge.STRING_TYPES
                data["knobs"][nuke_name(knob["name"])] = nuke_knob.value() if string else nuke_knob.toScript()
    return data


# -- actions ----------------------------------------------------------------------------------------------


def run_action(node, action: str) -> None:
    """A gizmo button: build the faceplate script, then run ``faceplate <action>`` here or on the farm."""
    nuke = _nuke()
    try:
        prepared = bridge.build(record(node), catalog())
        bridge.save(prepared)
        if action == "export":
            _export(nuke, node, prepared)
            return
        argv = bridge.command(prepared, action)
        if node["faceplate_farm"].value():
            subprocess.run(bridge.farm_command(argv, prepared, action), check=True)
            set_knobs(node, bridge.result_knobs(prepared, action))
            nuke.message(f"faceplate {action} {node.name()}: submitted to the farm")
            return
    except (FaceplateError, OSError, subprocess.CalledProcessError) as exc:
        nuke.message(f"faceplate {action} {node.name()}: {exc}")
        return
    _start(nuke, node, argv, prepared.log_path(action), lambda code: _finished(nuke, node, action, prepared, code))


def _start(nuke, node, argv: list[str], log: str, done) -> None:
    """Runs ``argv`` in a thread (Nuke stays usable), then ``done(returncode)`` in Nuke's main thread."""

    def work() -> None:
        with open(log, "w") as out:
            code = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT).returncode
        nuke.executeInMainThread(done, args=(code,))

    threading.Thread(target=work, name=f"faceplate {node.name()}", daemon=True).start()


def _finished(nuke, node, action: str, prepared: bridge.Prepared, code: int) -> None:
    if code in (0, 1):  # 1: some frames failed; show what rendered
        set_knobs(node, bridge.result_knobs(prepared, action))
    nuke.message(bridge.exit_message(action, node.name(), code, prepared.log_path(action)))


def set_knobs(node, values: dict[str, Any]) -> None:
    for name, value in values.items():
        node[name].setValue(value)


def _export(nuke, node, prepared: bridge.Prepared) -> None:
    track = nuke.getInput("faceplate export: track id", "1")
    size = nuke.getInput("faceplate export: aligned face size (W H)", "256 256")
    if not track or not size:
        return
    output = os.path.join(prepared.workdir, "exports", f"{prepared.target}.track{track}.nk")
    os.makedirs(os.path.dirname(output), exist_ok=True)
    width, height = (int(v) for v in size.split())
    argv = bridge.export_command(prepared, int(track), (width, height), output)

    def pasted(code: int) -> None:
        if code == 0:
            nuke.nodePaste(output)
        else:
            nuke.message(bridge.exit_message("export", node.name(), code, prepared.log_path("export")))

    _start(nuke, node, argv, prepared.log_path("export"), pasted)


__all__ = ["catalog", "on_init", "on_menu", "record", "run_action", "set_knobs"]

"""The graph bridge: a recorded Nuke graph -> a faceplate script, the command that runs it, the result.

:mod:`.nuke_calls` records the Nuke side as plain data (so everything here runs and is tested without
Nuke), in this form (``faceplate-nuke-graph``, version 1)::

    {
      "format": "faceplate-nuke-graph", "version": 1,
      "nuke_script": "/shows/demo/sh010/comp/sh010_comp_v003.nk",
      "project_directory": "",                    # root.project_directory, evaluated ('' = the .nk's folder)
      "root": {"first_frame": 1001, "last_frame": 1100, "proxy": false, "proxy_scale": 0.5,
               "working_space": "scene_linear"},  # root.workingSpaceLUT
      "target": "JawBlend1",                      # the gizmo whose button was pressed
      "nodes": {                                  # the target and everything upstream of it
        "Read1": {"class": "Read", "inputs": [],
                  "format": {"width": 2048, "height": 1152},  # the Read's format (full resolution)
                  "display_window": [0, 0, 2047, 1151],       # optional: exr/displayWindow metadata
                  "knobs": {"file": "plates/sh010.%04d.exr", "first": "1001", "last": "1100", ...}},
        "Dot1": {"class": "Dot", "inputs": ["Read1"], "knobs": {}},
        "JawBlend1": {"class": "JawBlend", "faceplate_type": "JawBlend", "inputs": ["Dot1"],
                      "knobs": {"feather": "{{curve L x1001 2 x1050 6}}", "faceplate_frames": "", ...}}
      }
    }

Knob values are Nuke's own text (``Knob.toScript()``) for numeric and boolean knobs, and the plain value
(``Knob.value()``) for string, file and enumeration knobs. The faceplate script the bridge builds is
``Read -> <the faceplate gizmos, as in Nuke> -> Write``; Dot and NoOp nodes and disabled nodes pass their
input through; any other Nuke node between the Read and the target is refused (faceplate cannot run it:
render it to disk and Read that). Every Nuke convention is converted by :mod:`.conventions`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
from collections.abc import Mapping
from typing import Any

from faceplate.foundation.errors import ScriptError
from faceplate.foundation.files import write_text
from faceplate.hosts.nuke import conventions
from faceplate.hosts.nuke.catalog import RENDER
from faceplate.hosts.nuke.knob_mapping import json_value, nuke_name
from faceplate.hosts.nuke.nk_parse import Word, split_words

FORMAT = "faceplate-nuke-graph"
VERSION = 1
PASSTHROUGH_CLASSES = ("Dot", "NoOp")
STRING_TYPES = ("string", "path", "enum")
WRITE_NODE = "faceplate_write"
EXECUTABLE_ENV = "FACEPLATE_EXECUTABLE"
PYTHON_ENV = "FACEPLATE_PYTHON"
FARM_ENV = "FACEPLATE_NUKE_FARM_COMMAND"
EXIT_MESSAGES = {0: "done", 1: "some frames failed (see the log)", 2: "nothing ran: bad script or usage (see the log)"}


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A faceplate script built from a Nuke graph, and where everything it makes goes."""

    script: dict[str, Any]
    script_path: str
    workdir: str
    target: str
    frames: str  # --frames text
    first: int  # the plate Read's range: the output sequence's range
    last: int

    @property
    def output(self) -> str:
        return self.script["nodes"][WRITE_NODE]["knobs"]["file"]

    def log_path(self, action: str) -> str:
        return os.path.join(self.workdir, "logs", f"{self.target}.{action}.log")


def build(
    description: Mapping[str, Any], catalog: Mapping[str, dict[str, Any]], *, env: Mapping[str, str] | None = None
) -> Prepared:
    """The faceplate script for the recorded graph's target node (see the module docstring)."""
    if description.get("format") != FORMAT or description.get("version") != VERSION:
        raise ScriptError(f"not a recorded Nuke graph of version {VERSION} (format {description.get('format')!r})")
    workdir = conventions.workdir(description.get("nuke_script", ""), description.get("project_directory", ""), env)
    builder = _Builder(description, catalog)
    target = description["target"]
    if "faceplate_type" not in builder.nuke_node(target):
        raise ScriptError("is not a faceplate node; press the button on a faceplate gizmo", node=target)
    builder.visit(target)
    first, last = builder.ranges[builder.plates[target]]
    output = os.path.join(workdir, "render", target, f"{target}.####.exr")
    builder.nodes[WRITE_NODE] = {
        "type": "Write",
        "knobs": {
            "file": output,
            "colourspace": conventions.colour_space(description["root"].get("working_space", "")),
        },
        "inputs": {"input": target},
    }
    if not builder.nodes[WRITE_NODE]["knobs"]["colourspace"]:
        del builder.nodes[WRITE_NODE]["knobs"]["colourspace"]
    frames = _knob_text(builder.nuke_node(target), "faceplate_frames").strip() or f"{first}-{last}"
    script = {"format": "faceplate-script", "version": 1, "frame_range": [first, last], "nodes": builder.nodes}
    return Prepared(script, os.path.join(workdir, f"{target}.json"), workdir, target, frames, first, last)


class _Builder:
    def __init__(self, description: Mapping[str, Any], catalog: Mapping[str, dict[str, Any]]):
        self.description, self.catalog = description, catalog
        self.base = description.get("project_directory") or os.path.dirname(description.get("nuke_script", ""))
        self.nodes: dict[str, Any] = {}
        self.plates: dict[str, str] = {}  # faceplate node -> the Read its main input comes from
        self.ranges: dict[str, tuple[int, int]] = {}
        self.spaces: dict[str, conventions.PlateSpace] = {}

    def nuke_node(self, name: str) -> Mapping[str, Any]:
        try:
            return self.description["nodes"][name]
        except KeyError:
            raise ScriptError(
                "is not in the recorded graph (record every node upstream of the target)", node=name
            ) from None

    def visit(self, name: str) -> str:
        """The faceplate node standing for Nuke node ``name``'s output, added with its upstream."""
        node = self.nuke_node(name)
        if node.get("class") in PASSTHROUGH_CLASSES or _knob_text(node, "disable") == "true":
            inputs = [i for i in node.get("inputs", []) if i]
            if not inputs:
                raise ScriptError("passes nothing through: connect its input", node=name)
            return self.visit(inputs[0])
        if name in self.nodes:
            return name
        if node.get("class") == "Read":
            self.nodes[name] = self._read(name, node)
            self.plates[name] = name
        elif "faceplate_type" in node:
            self.nodes[name] = self._faceplate_node(name, node)
        else:
            raise ScriptError(
                f"is a {node.get('class')} node, which faceplate cannot run; faceplate nodes take a "
                "Read (through Dots) or other faceplate nodes: render this node to disk and Read "
                "that",
                node=name,
            )
        return name

    def _read(self, name: str, node: Mapping[str, Any]) -> dict[str, Any]:
        conventions.check_frame_mode(_knob_text(node, "frame_mode"), _knob_text(node, "frame"), node=name)
        file = conventions.faceplate_pattern(_knob_text(node, "file"), node=name)
        knobs = {
            "file": conventions.absolute_path(file, self.base),
            "missing_frames": conventions.missing_frames(_knob_text(node, "on_error") or "error", node=name),
        }
        space = conventions.colour_space(_knob_text(node, "colorspace"), _knob_text(node, "raw") == "true")
        if space:
            knobs["colourspace"] = space
        if knobs["missing_frames"] == "error":
            del knobs["missing_frames"]
        self.ranges[name] = (int(_knob_text(node, "first")), int(_knob_text(node, "last")))
        self.spaces[name] = conventions.plate_space(node["format"], node.get("display_window"))
        return {"type": "Read", "knobs": knobs}

    def _faceplate_node(self, name: str, node: Mapping[str, Any]) -> dict[str, Any]:
        type_name = node["faceplate_type"]
        try:
            entry = self.catalog[type_name]
        except KeyError:
            raise ScriptError(
                f"is a faceplate {type_name} gizmo, but this faceplate has no {type_name} node; "
                "reinstall the gizmos (python -m faceplate.hosts.nuke install)",
                node=name,
            ) from None
        inputs: dict[str, str] = {}
        for number, upstream in enumerate(node.get("inputs", [])):
            if upstream is None:
                continue
            if number >= len(entry["inputs"]):
                raise ScriptError(
                    f"input {number} is connected, but {type_name} has {len(entry['inputs'])} inputs", node=name
                )
            inputs[entry["inputs"][number]] = self.visit(upstream)
        main = inputs.get(entry["inputs"][0]) if entry["inputs"] else None
        if main is None:
            raise ScriptError("its main input is not connected; connect the plate (a Read) to it", node=name)
        self.plates[name] = self.plates[main]
        space = self.spaces[self.plates[name]]
        knobs = {}
        for knob in entry["knobs"]:
            value = self._knob_value(name, node, knob, space)
            if value is not None:
                knobs[knob["name"]] = value
        data: dict[str, Any] = {"type": type_name, "inputs": inputs}
        if knobs:
            data["knobs"] = knobs
        return data

    def _knob_value(
        self, name: str, node: Mapping[str, Any], knob: dict[str, Any], space: conventions.PlateSpace
    ) -> Any:
        recorded = node.get("knobs", {}).get(nuke_name(knob["name"]))
        if recorded is None:
            return None
        if knob["type"] in STRING_TYPES:
            value = json_value(knob, Word(recorded), node=name)
        else:
            words = split_words(recorded, f"node '{name}', knob '{knob['name']}'")
            word = words[0] if len(words) == 1 else Word(recorded, braced=True)
            value = json_value(knob, word, node=name)
        if value == knob["default"]:
            return None  # as in a faceplate script: only what differs from the default
        if knob["type"] == "xy":
            value = _flip_y(value, space)
        elif knob["type"] == "path":
            value = conventions.absolute_path(value, self.base)
        return value


def _flip_y(value: list, space: conventions.PlateSpace) -> list:
    """An xy knob value (numbers or curves) from Nuke's bottom-left origin to faceplate's top-left."""

    def x(v: float) -> float:
        return space.to_faceplate(v, 0.0)[0]

    def y(v: float) -> float:
        return space.to_faceplate(0.0, v)[1]

    def each(component: Any, convert) -> Any:
        if isinstance(component, dict):
            return {"curve": [[f, convert(v), i] for f, v, i in component["curve"]]}
        return convert(component)

    return [each(value[0], x), each(value[1], y)]


def _knob_text(node: Mapping[str, Any], knob: str) -> str:
    return str(node.get("knobs", {}).get(knob, ""))


# -- files and commands --------------------------------------------------------------------------------


def save(prepared: Prepared) -> str:
    """Writes the faceplate script (atomically) and makes the work folders; returns the script's path."""
    for folder in (prepared.workdir, os.path.dirname(prepared.output), os.path.dirname(prepared.log_path(RENDER))):
        os.makedirs(folder, exist_ok=True)
    write_text(prepared.script_path, json.dumps(prepared.script, indent=2) + "\n")
    return prepared.script_path


def command(prepared: Prepared, action: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The ``faceplate`` command line of an action (track, extract, train, render) on the target node.

    ``$FACEPLATE_EXECUTABLE`` names the program (default ``faceplate``; e.g. ``/opt/faceplate/bin/faceplate``
    or ``python3.11 -m faceplate.cli`` when Nuke's PATH does not hold it).
    """
    env = os.environ if env is None else env
    program = shlex.split(env.get(EXECUTABLE_ENV) or "faceplate")
    if action == RENDER:
        return [
            *program,
            "render",
            prepared.script_path,
            "--frames",
            prepared.frames,
            "--write",
            WRITE_NODE,
            "--skip-existing",
            "--report",
            os.path.splitext(prepared.log_path(action))[0] + ".json",
            "-q",
        ]
    argv = [*program, action, prepared.script_path, "--node", prepared.target, "--frames", prepared.frames, "-q"]
    if action == "extract":  # the face-set of the track the AlignEdit gizmo shows, into the work folder
        track = int(prepared.script["nodes"][prepared.target].get("knobs", {}).get("track", 1))
        argv += [
            "--track",
            str(track),
            "-o",
            os.path.join(prepared.workdir, "facesets", f"{prepared.target}.track{track}"),
        ]
    return argv


def export_command(
    prepared: Prepared, track: int, aligned_size: tuple[int, int], output: str, env: Mapping[str, str] | None = None
) -> list[str]:
    """The command that writes the target's alignment of ``track`` as a keyed CornerPin2D (.nk text).

    It runs in faceplate's environment: ``$FACEPLATE_PYTHON`` (default ``python3``) must import faceplate.
    """
    env = os.environ if env is None else env
    python = shlex.split(env.get(PYTHON_ENV) or "python3")
    return [
        *python,
        "-m",
        "faceplate.hosts.nuke.align_export",
        prepared.script_path,
        "--node",
        prepared.target,
        "--track",
        str(track),
        "--frames",
        prepared.frames,
        "--aligned-size",
        *map(str, aligned_size),
        "-o",
        output,
    ]


def farm_command(argv: list[str], prepared: Prepared, action: str, env: Mapping[str, str] | None = None) -> list[str]:
    """``argv`` wrapped in the studio's farm submission command from ``$FACEPLATE_NUKE_FARM_COMMAND``.

    The template is split like a shell line after filling in ``{command}`` (the whole faceplate command,
    quoted), ``{name}`` (``faceplate <action> <node>``), ``{action}``, ``{script}``, ``{frames}``,
    ``{first}`` and ``{last}``, each quoted. Example::

        FACEPLATE_NUKE_FARM_COMMAND='submit --name {name} --frames {frames} --chunk 10 -- {command}'
    """
    env = os.environ if env is None else env
    template = env.get(FARM_ENV)
    if not template:
        raise ScriptError(
            f"'submit to farm' is on, but ${FARM_ENV} is not set; set it to the studio's submission "
            "command, e.g. 'submit --name {name} -- {command}'"
        )
    fields = {
        "command": shlex.join(argv),
        "name": f"faceplate {action} {prepared.target}",
        "action": action,
        "script": prepared.script_path,
        "frames": prepared.frames,
        "first": str(prepared.first),
        "last": str(prepared.last),
    }
    try:
        return shlex.split(template.format(**{k: shlex.quote(v) for k, v in fields.items()}))
    except (KeyError, IndexError, ValueError) as exc:
        raise ScriptError(
            f"${FARM_ENV} '{template}': cannot fill it in ({exc}); use the fields "
            f"{', '.join('{' + k + '}' for k in fields)}"
        ) from None


def result_knobs(prepared: Prepared, action: str) -> dict[str, Any]:
    """The gizmo's adapter-knob values once ``action`` has been started (render: the internal Read's input)."""
    knobs: dict[str, Any] = {"faceplate_script": prepared.script_path}
    if action == RENDER:
        knobs.update(
            faceplate_output=conventions.nuke_pattern(prepared.output),
            faceplate_first=prepared.first,
            faceplate_last=prepared.last,
            faceplate_show_result=True,
        )
    return knobs


def exit_message(action: str, node: str, returncode: int, log: str) -> str:
    what = EXIT_MESSAGES.get(returncode, f"stopped with exit code {returncode}")
    return f"faceplate {action} {node}: {what}. Log: {log}"

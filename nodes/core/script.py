"""The graph script: a versioned, human-readable JSON file.

Format (version 1)::

    {
      "format": "faceplate-script",
      "version": 1,
      "frame_range": [1001, 1100],
      "nodes": {
        "Read1":  {"type": "Read", "knobs": {"file": "plates/sh010.####.exr"}},
        "Write1": {"type": "Write", "knobs": {"file": "render/sh010.####.exr"},
                   "inputs": {"input": "Read1"}}
      }
    }

Only knobs that differ from their defaults are written; an animated knob is written as
``{"curve": [[frame, value, interpolation], ...]}`` per component. Loading validates everything and
raises :class:`~faceplate.foundation.errors.ScriptError` naming the node and knob at fault. Scripts are data:
nothing in them is executed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faceplate.foundation.errors import ScriptError, SequenceIOError
from faceplate.foundation.files import write_text
from faceplate.nodes.core.node_types import node_type

if TYPE_CHECKING:
    from faceplate.nodes.core.graph import Graph

FORMAT = "faceplate-script"
VERSION = 1
SUPPORTED_VERSIONS = (1,)


def to_dict(graph: Graph) -> dict[str, Any]:
    nodes: dict[str, Any] = {}
    for node in graph:
        entry: dict[str, Any] = {"type": node.type_name}
        knobs = node.knob_json()
        if knobs:
            entry["knobs"] = knobs
        inputs = {name: upstream.name for name, upstream in node.connected_inputs().items()}
        if inputs:
            entry["inputs"] = inputs
        nodes[node.name] = entry
    data: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    if graph.frame_range is not None:
        data["frame_range"] = list(graph.frame_range)
    data["nodes"] = nodes
    return data


def dumps(graph: Graph) -> str:
    return json.dumps(to_dict(graph), indent=2) + "\n"


def script_hash(graph: Graph) -> str:
    """sha256 of the script's canonical JSON: what a render's provenance records."""
    canonical = json.dumps(to_dict(graph), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def save(graph: Graph, path: str | os.PathLike) -> None:
    """Writes the script atomically; the graph's root becomes the script's folder."""
    path = Path(path)
    try:
        write_text(path, dumps(graph))
    except SequenceIOError as exc:
        raise ScriptError(f"cannot write script {path}: {exc}") from None
    graph.root = path.resolve().parent


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ScriptError(f"'{key}' appears twice in the same JSON object")
        out[key] = value
    return out


def parse(text: str, source: str = "<script>") -> Any:
    """The script's JSON data (not yet validated: :func:`fill` does that)."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise ScriptError(f"{source} is not valid JSON: {exc}") from None


def read(path: str | os.PathLike) -> Any:
    """The JSON data of the script file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ScriptError(f"cannot read script {path}: {exc.strerror or exc}") from None
    return parse(text, str(path))


def _expect(value: Any, kind: type | tuple[type, ...], what: str, node: str | None = None) -> Any:
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ScriptError(
            f"{what} must be a JSON {names.replace('dict', 'object').replace('str', 'string')}, "
            f"got {json.dumps(value)[:60]}",
            node=node,
        )
    return value


def fill(graph: Graph, data: Any, source: str = "<script>") -> Graph:
    """Validates the script data and builds its nodes and connections into the empty ``graph``."""
    _expect(data, dict, f"{source}: the script")
    if data.get("format") != FORMAT:
        raise ScriptError(
            f'{source} is not a faceplate script (its "format" is {data.get("format")!r}, expected {FORMAT!r})'
        )
    version = data.get("version")
    if version not in SUPPORTED_VERSIONS:
        raise ScriptError(
            f"{source}: script version {version!r} is not supported by this faceplate "
            f"(supported: {', '.join(map(str, SUPPORTED_VERSIONS))}); upgrade faceplate to read it"
        )
    unknown = set(data) - {"format", "version", "frame_range", "nodes"}
    if unknown:
        raise ScriptError(f"{source}: unknown top-level fields {sorted(unknown)}")

    frame_range = data.get("frame_range")
    if frame_range is not None:
        if (
            not isinstance(frame_range, list)
            or len(frame_range) != 2
            or not all(isinstance(f, int) and not isinstance(f, bool) for f in frame_range)
            or frame_range[0] > frame_range[1]
        ):
            raise ScriptError(
                f"{source}: frame_range must be [first, last] whole numbers with first <= last, "
                f"got {json.dumps(frame_range)}"
            )
        frame_range = (frame_range[0], frame_range[1])

    graph.frame_range = frame_range
    nodes = _expect(data.get("nodes", {}), dict, f'{source}: "nodes"')
    for name, entry in nodes.items():
        _expect(entry, dict, "the node entry", node=name)
        unknown = set(entry) - {"type", "knobs", "inputs"}
        if unknown:
            raise ScriptError(f"unknown fields {sorted(unknown)} (expected type, knobs, inputs)", node=name)
        type_name = _expect(entry.get("type"), str, '"type"', node=name)
        try:
            cls = node_type(type_name)
        except ScriptError as exc:
            raise ScriptError(str(exc), node=name) from None
        node = cls(name)
        node.load_knob_json(_expect(entry.get("knobs", {}), dict, '"knobs"', node=name))
        graph.add(node)

    for name, entry in nodes.items():
        inputs = _expect(entry.get("inputs", {}), dict, '"inputs"', node=name)
        for input_name, upstream in inputs.items():
            _expect(upstream, str, f"input '{input_name}'", node=name)
            if upstream not in graph.nodes:
                raise ScriptError(
                    f"input '{input_name}' is connected to '{upstream}', which is not in the script", node=name
                )
            graph.connect(upstream, name, input_name)
    return graph

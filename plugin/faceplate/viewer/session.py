"""The script a viewer edits: the live graph, its edits, undo/redo, and saving back to disk.

Every edit is validated exactly as :meth:`Graph.load` validates a script: the edit is made on the script's
JSON, the candidate text is loaded with :meth:`Graph.loads`, and only a candidate
that loads is applied. Applying copies the candidate's knob values onto the live graph's nodes, so the
graph's plate cache (and every node's own memo) survives: a knob change re-renders only what its hash
covers.

The plates the viewer showed are remembered by their hash; after an edit, those it superseded (a
JawBlend frame before its knob changed) are dropped from the graph's cache at once rather than when the
cache fills, so their memory (and JawBlend's recycled output arrays) is free for the next render. Undo
renders such a frame again.

The session remembers the file's sha256 as it was read or last saved; saving refuses to overwrite a file
that changed on disk meanwhile (another viewer, a text editor, a script), and nothing is written when
the session's script does not load.
"""

from __future__ import annotations

import collections
import copy
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from faceplate.foundation.errors import FaceplateError, KnobError, ScriptError
from faceplate.foundation.files import write_text
from faceplate.nodes.core import Graph
from faceplate.nodes.core import script as script_io
from faceplate.nodes.core.animation import INTERPOLATIONS
from faceplate.nodes.plate import Plate

log = logging.getLogger("faceplate.viewer")
SHOWN = 8  # (node, frame) pairs whose plate hashes are remembered (module doc); each costs a hash per edit


class DiskConflict(ScriptError):
    """The script changed on disk since the viewer read (or last saved) it."""


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _components(value: Any, n: int) -> list:
    return [value] if n == 1 else list(value)


def _join(parts: list, n: int) -> Any:
    return parts[0] if n == 1 else parts


def _frame(value: Any, node: str, knob: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) == float("inf"):
        raise KnobError(f"a key's frame must be a finite number, got {value!r}", node=node, knob=knob)
    return int(value) if float(value).is_integer() else float(value)


def _curve_keys(part: Any) -> list | None:
    return part["curve"] if isinstance(part, dict) and isinstance(part.get("curve"), list) else None


class Session:
    """One script open in the viewer. Thread-safe: every method holds :attr:`lock`, and so must anyone
    rendering :attr:`graph` (node evaluation is not re-entrant across threads)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path).resolve()
        self.folder = self.path.parent
        self.lock = threading.RLock()
        text = self._read_disk()
        self.graph = self._load(text, str(self.path))
        self._disk_sha = _sha(text)
        self._history = [script_io.dumps(self.graph)]
        self._index = 0
        self._saved = self._history[0]
        self._shown: collections.OrderedDict[tuple[str, int], str] = collections.OrderedDict()

    # -- reading ----------------------------------------------------------------------------------

    def _read_disk(self) -> str:
        try:
            return self.path.read_text()
        except OSError as exc:
            raise ScriptError(f"cannot read script {self.path}: {exc.strerror or exc}") from None

    def _load(self, text: str, source: str) -> Graph:
        return Graph.loads(text, root=self.folder, source=source)

    def render(self, node: str, frame: int) -> tuple[Plate, str]:
        """``node``'s plate at ``frame`` from the live graph (its cache), remembered as shown, and its hash
        (the cache's key: equal hashes, equal pixels)."""
        with self.lock:
            key = self.graph.hash(self.graph[node], frame)
            plate = self.graph.cache.get(key)
            if plate is None:
                plate = self.graph.render(node, frame)
            self._shown[(node, frame)] = key
            self._shown.move_to_end((node, frame))
            while len(self._shown) > SHOWN:
                self._shown.popitem(last=False)
            return plate, key

    def _drop_superseded(self) -> None:
        """Drops from the cache the plates shown before an edit that the edit changed (module doc)."""
        for (node, frame), key in list(self._shown.items()):
            try:
                current = self.graph.hash(self.graph[node], frame)
            except FaceplateError:  # the node is gone (a reload) or cannot hash now (its file is missing)
                current = None
            if current != key:
                self.graph.cache.discard(key)
                del self._shown[(node, frame)]

    @property
    def text(self) -> str:
        """The session's script as it would be saved."""
        return self._history[self._index]

    def state(self) -> dict[str, Any]:
        """Whether there are unsaved edits, and whether undo and redo can go anywhere."""
        return {
            "script": str(self.path),
            "dirty": self.text != self._saved,
            "can_undo": self._index > 0,
            "can_redo": self._index < len(self._history) - 1,
        }

    def describe(self, frame: int | None = None) -> dict[str, Any]:
        """The script for the page: frame range, and every node with its knobs' metadata, stored values
        (``value``: static or curves), keys, and value at ``frame`` (``at_frame``; default the first frame)."""
        with self.lock:
            if frame is None:
                frame = self.graph.frame_range[0] if self.graph.frame_range else 0
            nodes = []
            for node in self.graph:
                meta = node.describe()
                for knob in meta["knobs"]:
                    decl = node.knob(knob["name"])
                    stored = node[knob["name"]]
                    knob["value"] = decl.to_json(stored)
                    knob["keys"] = self._key_frames(knob["value"], decl.components if decl.animatable else 1)
                    knob["at_frame"] = decl.to_json(node.value(knob["name"], frame))
                meta["name"] = node.name
                meta["connections"] = {k: v.name for k, v in node.connected_inputs().items()}
                nodes.append(meta)
            return {**self.state(), "frame_range": self.graph.frame_range, "nodes": nodes}

    @staticmethod
    def _key_frames(value: Any, n: int) -> list[dict[str, Any]]:
        keys: dict[float, dict[str, Any]] = {}
        for part in _components(value, n) if n > 1 and isinstance(value, list) else [value]:
            for frame, v, interp in _curve_keys(part) or ():
                keys.setdefault(frame, {"frame": frame, "interpolation": interp, "values": []})["values"].append(v)
        return [keys[f] for f in sorted(keys)]

    # -- edits ------------------------------------------------------------------------------------

    def _edit(self, node: str, knob: str, change: Callable[[Any, Any], Any], what: str) -> dict[str, Any]:
        with self.lock:
            data = copy.deepcopy(script_io.to_dict(self.graph))
            live = self.graph[node]  # names the node when it is not in the script
            decl = live.knob(knob)  # names the knob when the node has no such knob
            entry = data["nodes"][node]
            current = entry.get("knobs", {}).get(knob, decl.to_json(decl.default))
            entry.setdefault("knobs", {})[knob] = change(decl, current)
            text = json.dumps(data, indent=2) + "\n"
            candidate = self._load(text, f"{self.path} (edited in the viewer)")
            if decl.type_name == "path":
                self._check_inside(candidate, node, knob)
            self._apply(candidate)
            text = script_io.dumps(self.graph)
            del self._history[self._index + 1 :]
            self._history.append(text)
            self._index += 1
            log.info("%s.%s: %s", node, knob, what)
            return self.state()

    def _check_inside(self, graph: Graph, node: str, knob: str) -> None:
        value = graph[node][knob]
        resolved = os.path.realpath(graph.resolve_path(value))
        if os.path.commonpath([resolved, str(self.folder)]) != str(self.folder):
            raise KnobError(
                f"path {value!r} resolves to {resolved}, outside the script's folder {self.folder}; "
                "the viewer only points knobs at files inside the script's folder (edit the script "
                "by hand to reach elsewhere)",
                node=node,
                knob=knob,
            )

    def _apply(self, candidate: Graph) -> None:
        """Copies the candidate's knob values onto the live nodes (same nodes, same connections)."""
        for node in candidate:
            values = {k.name: k.to_json(k.default) for k in node.knobs}
            values.update(node.knob_json())
            self.graph[node.name].load_knob_json(values)
        self.graph.changed()
        self._drop_superseded()

    def set_value(self, node: str, knob: str, value: Any) -> dict[str, Any]:
        """Sets a knob's static value (removing its animation)."""
        return self._edit(node, knob, lambda decl, current: value, f"set to {value!r}")

    def set_key(self, node: str, knob: str, frame: float, value: Any, interpolation: str = "linear") -> dict[str, Any]:
        """Sets (or replaces) a key at ``frame`` on every component of an animatable knob."""
        if interpolation not in INTERPOLATIONS:
            raise KnobError(
                f"interpolation {interpolation!r} is not one of {', '.join(INTERPOLATIONS)}", node=node, knob=knob
            )
        frame = _frame(frame, node, knob)

        def change(decl, current):
            self._animatable(decl, node)
            n = decl.components
            values = _components(value, n) if isinstance(value, list) or n == 1 else None
            if values is None or len(values) != n:
                raise KnobError(f"expected {n} values for a key, got {value!r}", node=node, knob=knob)
            parts = []
            for part, v in zip(_components(current, n), values):
                keys = [k for k in _curve_keys(part) or () if k[0] != frame]
                parts.append({"curve": sorted([*keys, [frame, v, interpolation]], key=lambda k: k[0])})
            return _join(parts, n)

        return self._edit(node, knob, change, f"key at {frame:g} = {value!r} ({interpolation})")

    def delete_key(self, node: str, knob: str, frame: float) -> dict[str, Any]:
        """Deletes the key at ``frame``; a component left without keys keeps that key's value."""
        frame = _frame(frame, node, knob)

        def change(decl, current):
            self._animatable(decl, node)
            parts, found = [], False
            for part in _components(current, decl.components):
                keys = _curve_keys(part)
                if keys is None:
                    parts.append(part)
                    continue
                kept = [k for k in keys if k[0] != frame]
                found |= len(kept) != len(keys)
                removed = [k[1] for k in keys if k[0] == frame]
                parts.append({"curve": kept} if kept else removed[0] if removed else part)
            if not found:
                raise KnobError(f"no key at frame {frame:g}", node=node, knob=knob)
            return _join(parts, decl.components)

        return self._edit(node, knob, change, f"key at {frame:g} deleted")

    def move_key(self, node: str, knob: str, frame: float, to: float) -> dict[str, Any]:
        """Moves the key at ``frame`` to frame ``to`` (replacing a key there)."""
        frame, to = _frame(frame, node, knob), _frame(to, node, knob)

        def change(decl, current):
            self._animatable(decl, node)
            parts, found = [], False
            for part in _components(current, decl.components):
                keys = _curve_keys(part)
                if keys is None or not any(k[0] == frame for k in keys):
                    parts.append(part)
                    continue
                found = True
                moved = [[to, k[1], k[2]] for k in keys if k[0] == frame]
                kept = [k for k in keys if k[0] not in (frame, to)]
                parts.append({"curve": sorted(kept + moved, key=lambda k: k[0])})
            if not found:
                raise KnobError(f"no key at frame {frame:g} to move", node=node, knob=knob)
            return _join(parts, decl.components)

        return self._edit(node, knob, change, f"key moved from {frame:g} to {to:g}")

    @staticmethod
    def _animatable(decl, node: str) -> None:
        if not decl.animatable:
            raise KnobError(f"a {decl.type_name} knob cannot be animated", node=node, knob=decl.name)

    # -- history ----------------------------------------------------------------------------------

    def _goto(self, index: int) -> dict[str, Any]:
        candidate = self._load(self._history[index], f"{self.path} (viewer history)")
        self._apply(candidate)
        self._index = index
        return self.state()

    def undo(self) -> dict[str, Any]:
        with self.lock:
            if self._index == 0:
                raise ScriptError("nothing to undo")
            return self._goto(self._index - 1)

    def redo(self) -> dict[str, Any]:
        with self.lock:
            if self._index >= len(self._history) - 1:
                raise ScriptError("nothing to redo")
            return self._goto(self._index + 1)

    # -- disk -------------------------------------------------------------------------------------

    def save(self) -> dict[str, Any]:
        """Writes the script atomically, unless the file changed on disk since it was read or saved."""
        with self.lock:
            on_disk = self._read_disk()
            if _sha(on_disk) != self._disk_sha:
                raise DiskConflict(
                    f"{self.path} changed on disk since the viewer read it; nothing was written. "
                    "Reload it in the viewer (your unsaved edits are dropped) and redo them, or "
                    "move the other version aside and save again"
                )
            text = self.text
            self._load(text, f"{self.path} (to be saved)")  # what Graph.load will accept, or nothing is written
            write_text(self.path, text)
            self._disk_sha = _sha(text)
            self._saved = text
            log.info("saved %s", self.path)
            return self.state()

    def reload(self) -> dict[str, Any]:
        """Re-reads the script from disk, dropping unsaved edits and the history; a broken file changes nothing."""
        with self.lock:
            text = self._read_disk()
            graph = self._load(text, str(self.path))
            graph.cache = self.graph.cache  # hashes name content, so cached plates stay valid
            self.graph = graph
            self._drop_superseded()
            self._disk_sha = _sha(text)
            self._history = [script_io.dumps(graph)]
            self._index = 0
            self._saved = self._history[0]
            log.info("reloaded %s", self.path)
            return self.state()

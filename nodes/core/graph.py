"""Graph: nodes, their connections, and pull-based per-frame evaluation with a result cache."""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from faceplate.foundation import config
from faceplate.foundation.errors import FaceplateError, RenderError, ScriptError
from faceplate.nodes.core import script
from faceplate.nodes.core.cache import PlateCache
from faceplate.nodes.core.node import Context, Executable, Node
from faceplate.nodes.core.node_types import node_type
from faceplate.nodes.plate import Plate


class Graph:
    """A shot graph: named nodes, connections, a frame range, and an evaluation cache.

    ``graph.render(node, frame)`` pulls what the node needs from upstream, computing each node at most
    once per distinct hash while the result stays in the cache.

    Args:
        root: folder that relative path knobs resolve against (the script's folder once saved/loaded).
        frame_range: the shot's ``(first, last)`` frames, inclusive.
        cache_bytes: cache budget; default from ``FACEPLATE_CACHE_MB``.

    Example:
        >>> from faceplate.nodes.core import Graph
        >>> g = Graph()
        >>> len(g.nodes)
        0
    """

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        frame_range: tuple[int, int] | None = None,
        cache_bytes: int | None = None,
    ):
        self.nodes: dict[str, Node] = {}
        self.root = Path(root).resolve() if root is not None else None
        self.frame_range = frame_range
        self.cache = PlateCache(config.cache_bytes() if cache_bytes is None else cache_bytes)
        self.compute_counts: Counter[str] = Counter()
        self._hash_memo: dict[tuple[int, int], str] = {}
        self._depth = 0

    # -- building ---------------------------------------------------------------------------------

    def add(self, node: Node) -> Node:
        if node.name in self.nodes:
            raise ScriptError("a node of this name is already in the graph; choose another name", node=node.name)
        if node.graph is not None and node.graph is not self:
            raise ScriptError("node belongs to another graph", node=node.name)
        node.graph = self
        self.nodes[node.name] = node
        self.changed()
        return node

    def create(self, type_name: str, name: str | None = None, **knobs: Any) -> Node:
        """Creates a node of a registered type with a unique name (``Read1``, ``Read2``...)."""
        cls = node_type(type_name)
        if name is None:
            i = 1
            while f"{type_name}{i}" in self.nodes:
                i += 1
            name = f"{type_name}{i}"
        return self.add(cls(name, **knobs))

    def remove(self, name: str) -> None:
        node = self[name]
        for other in self.nodes.values():
            for input_name, upstream in other.connected_inputs().items():
                if upstream is node:
                    other._inputs[input_name] = None
        del self.nodes[name]
        node.graph = None
        self.changed()

    def connect(self, src: Node | str, dst: Node | str, input: str = "input") -> None:
        """Connects ``src``'s output to ``dst``'s input ``input``; refuses cycles."""
        src, dst = self._node(src), self._node(dst)
        dst.input(input)  # validates the input name
        if src is dst or dst in self.upstream(src):
            raise ScriptError(f"connecting '{src.name}' to input '{input}' would make a cycle", node=dst.name)
        dst._inputs[input] = src
        self.changed()

    def disconnect(self, dst: Node | str, input: str = "input") -> None:
        dst = self._node(dst)
        dst.input(input)
        dst._inputs[input] = None
        self.changed()

    def __getitem__(self, name: str) -> Node:
        try:
            return self.nodes[name]
        except KeyError:
            raise ScriptError(f"no such node; the graph has {', '.join(self.nodes) or 'no nodes'}", node=name) from None

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def _node(self, node: Node | str) -> Node:
        if isinstance(node, str):
            return self[node]
        if self.nodes.get(node.name) is not node:
            raise ScriptError("node is not in this graph", node=node.name)
        return node

    def upstream(self, node: Node) -> list[Node]:
        """Every node ``node`` depends on, nearest first."""
        seen: list[Node] = []
        stack = list(node.connected_inputs().values())
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.append(n)
                stack.extend(n.connected_inputs().values())
        return seen

    def find(self, type_name: str, name: str | None = None, *, where: str = "") -> Node:
        """The node named ``name`` (checked to be a ``type_name``), or the graph's only ``type_name``.

        Args:
            type_name: the node type wanted.
            name: a node name, or None for "the only one".
            where: where such a node belongs, for the error when there is none (e.g. "after the Read").
        """
        if name is not None:
            node = self[name]
            if node.type_name != type_name:
                raise ScriptError(f"is a {node.type_name}, not a {type_name} node; name a {type_name} node", node=name)
            return node
        found = [n for n in self.nodes.values() if n.type_name == type_name]
        if len(found) == 1:
            return found[0]
        if found:
            names = ", ".join(n.name for n in found)
            raise ScriptError(f"the script has {len(found)} {type_name} nodes ({names}); name one with --node")
        raise ScriptError(f"the script has no {type_name} node; add one{' ' + where if where else ''}")

    def executables(self) -> list[Node]:
        """Nodes that produce files when rendered (Write nodes), in graph order."""
        return [n for n in self.nodes.values() if isinstance(n, Executable)]

    def resolve_path(self, path: str) -> str:
        """Expands ``~`` and env vars, and makes a relative path relative to :attr:`root`."""
        path = os.path.expandvars(os.path.expanduser(path))
        if not os.path.isabs(path) and self.root is not None:
            path = str(self.root / path)
        return path

    def changed(self) -> None:
        """Forget memoised hashes (the graph's structure changed)."""
        self._hash_memo.clear()

    # -- scripts ----------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Writes the graph as a JSON script, atomically (see :mod:`faceplate.nodes.core.script`)."""
        script.save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Graph:
        """Reads and validates a JSON script; relative paths in it resolve against its folder."""
        return script.fill(cls(root=Path(path).resolve().parent), script.read(path), str(path))

    @classmethod
    def loads(cls, text: str, *, root: str | os.PathLike | None = None, source: str = "<script>") -> Graph:
        """Reads and validates a script from its JSON text (``source`` names it in errors)."""
        return script.fill(cls(root=root), script.parse(text, source), source)

    @classmethod
    def from_dict(cls, data: Any, *, root: str | os.PathLike | None = None, source: str = "<script>") -> Graph:
        """Validates script data (as :meth:`to_dict` gives it) and builds its graph."""
        return script.fill(cls(root=root), data, source)

    def to_dict(self) -> dict[str, Any]:
        """The graph as script data (JSON-ready)."""
        return script.to_dict(self)

    def script_hash(self) -> str:
        """sha256 of the graph's canonical script text (recorded in every output's provenance)."""
        return script.script_hash(self)

    # -- evaluation -------------------------------------------------------------------------------

    def hash(self, node: Node, frame: int) -> str:
        """The node's hash at ``frame``.

        Hashes are memoised only for the duration of one top-level :meth:`hash` or :meth:`render`
        call, so knob edits and files changed on disk between calls are always seen.
        """
        with self._evaluation():
            key = (id(node), frame)
            h = self._hash_memo.get(key)
            if h is None:
                h = node._compute_hash(frame)
                self._hash_memo[key] = h
            return h

    def render(self, node: Node | str, frame: int) -> Plate:
        """Pulls ``node``'s plate at ``frame``, computing upstream nodes only on cache misses."""
        node = self._node(node)
        with self._evaluation():
            return self._render(node, frame)

    @contextlib.contextmanager
    def _evaluation(self) -> Iterator[None]:
        if self._depth == 0:
            self._hash_memo.clear()
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._hash_memo.clear()

    def _render(self, node: Node, frame: int) -> Plate:
        key = self.hash(node, frame)
        plate = self.cache.get(key)
        if plate is not None:
            return plate
        context = Context(self, node, frame)
        try:
            plate = node.compute(context)
        except FaceplateError:
            raise
        except Exception as exc:  # a node bug or a library failure: name the node and frame
            raise RenderError(f"{type(exc).__name__}: {exc}", node=node.name, frame=frame) from exc
        self.compute_counts[node.name] += 1
        self._check_reads(node, frame, context)
        if not isinstance(plate, Plate):
            raise RenderError(f"compute returned {type(plate).__name__}, not a Plate", node=node.name, frame=frame)
        self.cache.put(key, plate)
        return plate

    def _check_reads(self, node: Node, frame: int, context: Context) -> None:
        unhashed = context.knobs_read - set(node.hashed_knobs())
        declared = {(name, f) for name, frames in node.input_frames(frame).items() for f in frames}
        undeclared = context.inputs_read - declared
        if node.passthrough_hash(frame) is None and (unhashed or undeclared):
            raise RenderError(
                f"compute read {sorted(unhashed) or ''}{sorted(undeclared) or ''} which its hash does not cover "
                "(a bug in the node: declare them in hashed_knobs/input_frames)",
                node=node.name,
                frame=frame,
            )

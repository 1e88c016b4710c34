"""Node: the unit of computation in a faceplate graph.

The contract, which every node keeps (after Gaffer's ComputeNode):

- A node computes one :class:`~faceplate.nodes.plate.Plate` per frame, as a pure function of its knob
  values at that frame, its inputs' plates at the frames it declares in :meth:`Node.input_frames`,
  and whatever external state it declares in :meth:`Node.hash_extra` (file contents, sidecars,
  model files).
- :meth:`Node.hash` covers exactly those things and nothing else, so a cached result is reused
  whenever it would be recomputed identically, and only then. A node that passes its input through
  unchanged returns its input's hash from :meth:`Node.passthrough_hash`, so caches are shared.
- :meth:`Node.compute` reads knobs and inputs only through its :class:`Context`; the context records
  what was read and the graph checks the record against the hash's coverage after every compute,
  so a node whose hash misses something it reads fails loudly instead of serving stale frames.
- Results are immutable: the graph marks returned pixel arrays read-only. A node that wants to
  modify its input copies it first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from faceplate.foundation.errors import KnobError, RenderError, ScriptError
from faceplate.nodes.core.knobs import Knob, _NumericKnob
from faceplate.nodes.plate import Plate

if TYPE_CHECKING:
    from faceplate.nodes.core.graph import Graph


class Context:
    """What :meth:`Node.compute` sees: the frame, knob values, inputs and resolved paths.

    Every read is recorded so the graph can verify the node's hash covers it.
    """

    def __init__(self, graph: Graph, node: Node, frame: int):
        self.graph = graph
        self.node = node
        self.frame = frame
        self.knobs_read: set[str] = set()
        self.inputs_read: set[tuple[str, int]] = set()

    def value(self, knob: str) -> Any:
        """The knob's value at this frame."""
        self.knobs_read.add(knob)
        return self.node.value(knob, self.frame)

    def path(self, knob: str) -> str:
        """A path knob's value, resolved against the script's folder when relative."""
        return self.graph.resolve_path(self.value(knob))

    def input(self, name: str = "input", frame: int | None = None) -> Plate:
        """The plate of input ``name`` at ``frame`` (default: this frame), pulled through the graph."""
        frame = self.frame if frame is None else frame
        upstream = self.node.input(name)
        if upstream is None:
            raise RenderError(
                f"input '{name}' is not connected; connect a node to it", node=self.node.name, frame=self.frame
            )
        self.inputs_read.add((name, frame))
        return self.graph.render(upstream, frame)

    def has_input(self, name: str = "input") -> bool:
        return self.node.input(name) is not None


class Node:
    """Base class of every faceplate node. See the module docstring for the compute/hash contract.

    Subclasses declare :attr:`inputs` (input names), :attr:`knobs` (knob declarations) and implement
    :meth:`compute`. Bump :attr:`version` whenever a change to compute changes its output for the
    same inputs, so caches and ``--skip-existing`` renders do not serve stale results.
    """

    inputs: ClassVar[tuple[str, ...]] = ()
    knobs: ClassVar[tuple[Knob, ...]] = ()
    version: ClassVar[int] = 1
    category: ClassVar[str] = "Other"
    type_name: ClassVar[str] = ""
    _knob_index: ClassVar[dict[str, Knob]] = {}  # set per subclass from ``knobs``

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        if "type_name" not in cls.__dict__:
            cls.type_name = cls.__name__
        names = [k.name for k in cls.knobs]
        if len(set(names)) != len(names):
            raise TypeError(f"{cls.__name__} declares a knob twice: {names}")
        cls._knob_index = {k.name: k for k in cls.knobs}

    def __init__(self, name: str | None = None, **knob_values: Any):
        self.name = name or self.type_name
        self.graph: Graph | None = None
        self._values: dict[str, Any] = {k.name: k.default for k in self.knobs}
        self._inputs: dict[str, Node | None] = {n: None for n in self.inputs}
        for knob, value in knob_values.items():
            self[knob] = value

    # -- knobs ------------------------------------------------------------------------------------

    def knob(self, name: str) -> Knob:
        try:
            return self._knob_index[name]
        except KeyError:
            raise KnobError(
                f"no such knob; {self.type_name} has {', '.join(self._knob_index) or 'no knobs'}",
                node=self.name,
                knob=name,
            ) from None

    def __getitem__(self, name: str) -> Any:
        """The stored value (static, or curves when animated)."""
        self.knob(name)
        return self._values[name]

    def __setitem__(self, name: str, value: Any) -> None:
        """Sets a static value (removes any animation)."""
        self._values[name] = self.knob(name).validate(value, node=self.name)

    def set_key(self, name: str, frame: float, value: Any, interpolation: str = "linear") -> None:
        """Sets a keyframe on an animatable knob (every component for xy/colour knobs)."""
        knob = self.knob(name)
        if not isinstance(knob, _NumericKnob):
            raise KnobError(f"a {knob.type_name} knob cannot be animated", node=self.name, knob=name)
        self._values[name] = knob.set_key(self._values[name], frame, value, interpolation, node=self.name)

    def is_animated(self, name: str) -> bool:
        knob = self.knob(name)
        return isinstance(knob, _NumericKnob) and knob.is_animated(self._values[name])

    def value(self, name: str, frame: float) -> Any:
        """The knob's value at ``frame``."""
        return self.knob(name).evaluate(self._values[name], frame)

    def knob_json(self) -> dict[str, Any]:
        """Knob values that differ from their defaults, as JSON data."""
        return {k.name: k.to_json(self._values[k.name]) for k in self.knobs if self._values[k.name] != k.default}

    def load_knob_json(self, data: Mapping[str, Any]) -> None:
        for name, value in data.items():
            knob = self.knob(name)
            self._values[name] = knob.from_json(value, node=self.name)

    # -- inputs -----------------------------------------------------------------------------------

    def input(self, name: str = "input") -> Node | None:
        if name not in self._inputs:
            raise ScriptError(
                f"no input '{name}'; {self.type_name} has {', '.join(self.inputs) or 'no inputs'}", node=self.name
            )
        return self._inputs[name]

    def connected_inputs(self) -> dict[str, Node]:
        return {k: v for k, v in self._inputs.items() if v is not None}

    # -- hashing ----------------------------------------------------------------------------------

    def input_frames(self, frame: int) -> dict[str, list[int]]:
        """Which frames of which inputs compute reads at ``frame``. Default: each connected input at ``frame``."""
        return {name: [frame] for name in self.connected_inputs()}

    def hashed_knobs(self) -> list[str]:
        """Knobs whose values the hash covers: those that affect the output."""
        return [k.name for k in self.knobs if k.affects_output]

    def hash_extra(self, frame: int) -> Iterable[Any]:
        """External state compute reads (JSON-able items): file stats, sidecar contents, model hashes."""
        return ()

    def passthrough_hash(self, frame: int) -> str | None:
        """The hash to return when this node passes its input through unchanged at ``frame``, else None."""
        return None

    def hash(self, frame: int) -> str:
        """Hex digest covering exactly what :meth:`compute` reads at ``frame``."""
        graph = self._require_graph()
        return graph.hash(self, frame)

    def _compute_hash(self, frame: int) -> str:
        graph = self._require_graph()
        same = self.passthrough_hash(frame)
        if same is not None:
            return same
        h = hashlib.sha256()
        connected = self.connected_inputs()
        record = {
            "type": self.type_name,
            "version": self.version,
            "knobs": {name: self.knob(name).to_json(self.value(name, frame)) for name in self.hashed_knobs()},
            "extra": list(self.hash_extra(frame)),
            "inputs": {
                name: [graph.hash(connected[name], f) for f in frames]
                for name, frames in sorted(self.input_frames(frame).items())
            },
        }
        if any(knob.type_name == "path" for knob in self.knobs):
            record["root"] = str(graph.root) if graph.root else ""
        h.update(json.dumps(record, sort_keys=True, default=str).encode())
        return h.hexdigest()

    def _require_graph(self) -> Graph:
        if self.graph is None:
            raise ScriptError("node is not in a graph; add it with graph.add(node)", node=self.name)
        return self.graph

    # -- compute ----------------------------------------------------------------------------------

    def compute(self, context: Context) -> Plate:
        """The node's plate at ``context.frame``. Read knobs and inputs through ``context`` only."""
        raise NotImplementedError(f"{self.type_name}.compute")

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """Node metadata for host UIs and docs."""
        return {
            "type": cls.type_name,
            "category": cls.category,
            "doc": (cls.__doc__ or "").strip(),
            "inputs": list(cls.inputs),
            "knobs": [k.describe() for k in cls.knobs],
        }

    def __repr__(self) -> str:
        return f"<{self.type_name} '{self.name}'>"


class Executable:
    """Mixin for nodes that do something when a frame is rendered (write a file), like Nuke's Write.

    The graph's render loop calls :meth:`execute` for each frame; :meth:`output_path` names what the
    frame produces so resumable renders can check it.
    """

    def execute(self, frame: int) -> str:
        raise NotImplementedError

    def output_path(self, frame: int) -> str:
        raise NotImplementedError

"""Rendering a graph's Write nodes over a set of frames, frame by frame.

Each frame is an independent task: a failure is recorded in the :class:`RenderReport` (with the
node, file and reason) and the other frames go on. Outputs are written atomically by the Write
node, so a killed render never leaves a half-written frame, and ``skip_existing`` trusts only
complete outputs whose provenance records this script's hash.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from faceplate.errors import FaceplateError, RenderError
from faceplate.nodes.core import Executable, Graph, Node


@dataclasses.dataclass
class FrameResult:
    frame: int
    status: str  # "rendered", "skipped" or "failed"
    seconds: float
    outputs: list[str]
    error: str | None = None
    worker: str = dataclasses.field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")


@dataclasses.dataclass
class RenderReport:
    results: list[FrameResult]

    @property
    def failed(self) -> list[FrameResult]:
        return [r for r in self.results if r.status == "failed"]

    def counts(self) -> dict[str, int]:
        out = {"rendered": 0, "skipped": 0, "failed": 0}
        for r in self.results:
            out[r.status] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {"counts": self.counts(), "frames": {str(r.frame): dataclasses.asdict(r) for r in self.results}}

    def save(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump(self.to_json(), f, indent=2)


def provenance(graph: Graph) -> dict[str, str]:
    """The provenance block every output carries (the Write node adds its own name)."""
    from faceplate import __version__

    return {"faceplate/version": __version__, "faceplate/script_hash": graph.script_hash()}


def writers(graph: Graph, names: Sequence[str] = ()) -> list[Node]:
    """The Write nodes to render: those named, or every one in the graph."""
    if names:
        nodes = [graph[n] for n in names]
        for n in nodes:
            if not isinstance(n, Executable):
                raise RenderError(f"{n.type_name} nodes do not write files; name a Write node", node=n.name)
        return nodes
    nodes = graph.executables()
    if not nodes:
        raise RenderError("the script has no Write node; add one to render")
    return nodes


def render_frame(graph: Graph, nodes: Sequence[Node], frame: int, prov: dict[str, str], *,
                 skip_existing: bool = False) -> FrameResult:
    """Renders one frame of every node in ``nodes``; never raises for a frame failure."""
    start = time.perf_counter()
    outputs: list[str] = []
    skipped = 0
    try:
        for node in nodes:
            if skip_existing and node.is_complete(frame, prov["faceplate/script_hash"]):
                skipped += 1
                continue
            outputs.append(node.execute(frame, prov))
    except FaceplateError as exc:
        return FrameResult(frame, "failed", time.perf_counter() - start, outputs, str(exc))
    except Exception as exc:  # a bug: keep the other frames going, but keep the traceback
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return FrameResult(frame, "failed", time.perf_counter() - start, outputs,
                           f"frame {frame}: unexpected {detail}\n{traceback.format_exc()}")
    status = "skipped" if skipped == len(nodes) else "rendered"
    return FrameResult(frame, status, time.perf_counter() - start, outputs)


def render(graph: Graph, frames: Iterable[int], *, write_nodes: Sequence[str] = (), skip_existing: bool = False,
           on_frame: Callable[[FrameResult], None] | None = None) -> RenderReport:
    """Renders ``frames`` of the graph's Write nodes in this process.

    Args:
        graph: the loaded script.
        frames: frame numbers, rendered in the order given.
        write_nodes: names of the Write nodes to render (default: all).
        skip_existing: leave frames whose outputs are complete and carry this script's hash.
        on_frame: called after each frame (progress bars).

    Returns:
        A :class:`RenderReport`; frames that failed are listed with their errors.
    """
    nodes = writers(graph, write_nodes)
    for node in nodes:
        node.check_output_folder()
    prov = provenance(graph)
    results = []
    for frame in frames:
        result = render_frame(graph, nodes, frame, prov, skip_existing=skip_existing)
        results.append(result)
        if on_frame is not None:
            on_frame(result)
    return RenderReport(results)

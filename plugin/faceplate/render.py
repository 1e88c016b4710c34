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


@dataclasses.dataclass(frozen=True)
class RenderJob:
    """Everything a worker needs to render frames of a script: plain data, picklable, no live objects."""

    script: dict[str, Any]
    root: str
    script_hash: str
    write_nodes: tuple[str, ...] = ()
    skip_existing: bool = False
    threads: int | None = None  # per worker; None leaves the libraries' defaults

    @classmethod
    def from_graph(cls, graph: Graph, *, write_nodes: Sequence[str] = (), skip_existing: bool = False,
                   threads: int | None = None) -> RenderJob:
        from faceplate.nodes.core import script

        return cls(script.to_dict(graph), str(graph.root or os.getcwd()), graph.script_hash(), tuple(write_nodes),
                   skip_existing, threads)


# One loaded graph per script per worker process, so sidecars, model sessions and caches are loaded
# once per worker rather than once per frame or per chunk.
_worker_graphs: dict[tuple[str, str], Graph] = {}


def _worker_graph(job: RenderJob) -> Graph:
    key = (job.script_hash, job.root)
    graph = _worker_graphs.get(key)
    if graph is None:
        from faceplate.nodes.core import script

        graph = script.from_dict(job.script, root=job.root)
        if graph.script_hash() != job.script_hash:
            raise RenderError("the script changed in transit (hash mismatch); resubmit the job")
        _worker_graphs.clear()  # a worker serves one job at a time; keep memory bounded
        _worker_graphs[key] = graph
    return graph


def render_chunk(job: RenderJob, frames: Sequence[int]) -> list[FrameResult]:
    """Renders a chunk of frames in this process (the task every scheduler runs)."""
    if job.threads is not None:
        from faceplate import config

        config.set_thread_count(job.threads)
    graph = _worker_graph(job)
    nodes = writers(graph, job.write_nodes)
    prov = provenance(graph)
    return [render_frame(graph, nodes, f, prov, skip_existing=job.skip_existing) for f in frames]


def render(graph: Graph, frames: Iterable[int], *, write_nodes: Sequence[str] = (), skip_existing: bool = False,
           on_frame: Callable[[FrameResult], None] | None = None, jobs: int = 1, scheduler: str | None = None,
           chunk: int = 1, retries: int = 2) -> RenderReport:
    """Renders ``frames`` of the graph's Write nodes, each frame an independent task.

    Args:
        graph: the loaded script.
        frames: frame numbers.
        write_nodes: names of the Write nodes to render (default: all).
        skip_existing: leave frames whose outputs are complete and carry this script's hash.
        on_frame: called in this process after each frame (progress bars), in completion order.
        jobs: local worker processes (1: render in this process).
        scheduler: Dask scheduler: ``tcp://HOST:PORT`` (an existing cluster) or ``local:N`` (a LocalCluster
            of N single-threaded worker processes). Overrides ``jobs``.
        chunk: frames per task.
        retries: times a task is re-run when its worker dies or it raises unexpectedly.

    Returns:
        A :class:`RenderReport` in the order of ``frames``; frames that failed are listed with their errors.
    """
    from faceplate import scheduling

    frames = list(frames)
    nodes = writers(graph, write_nodes)
    for node in nodes:
        node.check_output_folder()
    if chunk < 1 or jobs < 1 or retries < 0:
        raise RenderError(f"chunk ({chunk}) and jobs ({jobs}) must be at least 1, retries ({retries}) at least 0")
    if scheduler is None and jobs == 1:
        prov = provenance(graph)
        results = []
        for frame in frames:
            result = render_frame(graph, nodes, frame, prov, skip_existing=skip_existing)
            results.append(result)
            if on_frame is not None:
                on_frame(result)
        return RenderReport(results)

    tasks = scheduling.chunks(frames, chunk)
    # Local workers share this machine's free cores (other processes, e.g. a training, keep theirs); a remote
    # cluster's workers keep their own settings.
    local_workers = jobs if scheduler is None else scheduling.local_worker_count(scheduler)
    threads = None
    if local_workers:
        from faceplate.threads import pool_threads

        threads = pool_threads(local_workers)
    job = RenderJob.from_graph(graph, write_nodes=write_nodes, skip_existing=skip_existing, threads=threads)
    if scheduler is not None:
        results = scheduling.run_dask(job, tasks, scheduler, retries=retries, on_frame=on_frame)
    else:
        results = scheduling.run_pool(job, tasks, jobs, retries=retries, on_frame=on_frame)
    order = {f: i for i, f in enumerate(frames)}
    return RenderReport(sorted(results, key=lambda r: order[r.frame]))

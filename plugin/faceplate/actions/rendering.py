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

from faceplate.actions import workers
from faceplate.foundation.errors import FaceplateError, RenderError
from faceplate.foundation.files import write_text
from faceplate.foundation.version import __version__
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
        write_text(path, json.dumps(self.to_json(), indent=2))


def provenance(graph: Graph) -> dict[str, str]:
    """The provenance block every output carries (the Write node adds its own name)."""
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


def render_frame(
    graph: Graph, nodes: Sequence[Node], frame: int, prov: dict[str, str], *, skip_existing: bool = False
) -> FrameResult:
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
        return FrameResult(
            frame,
            "failed",
            time.perf_counter() - start,
            outputs,
            f"frame {frame}: unexpected {detail}\n{traceback.format_exc()}",
        )
    status = "skipped" if skipped == len(nodes) else "rendered"
    return FrameResult(frame, status, time.perf_counter() - start, outputs)


@dataclasses.dataclass(frozen=True)
class RenderJob:
    """Everything a render worker needs: the script (plain data) and which outputs to write."""

    script: workers.ScriptJob
    write_nodes: tuple[str, ...] = ()
    skip_existing: bool = False


def render_chunk(job: RenderJob, frames: Sequence[int]) -> list[FrameResult]:
    """Renders a chunk of frames in this process (the task every scheduler runs)."""
    graph = workers.load_graph(job.script)
    nodes = writers(graph, job.write_nodes)
    prov = provenance(graph)
    return [render_frame(graph, nodes, f, prov, skip_existing=job.skip_existing) for f in frames]


def failed_frames(chunk: Sequence[int], reason: str) -> list[FrameResult]:
    """The results of a chunk whose task failed for good."""
    return [FrameResult(f, "failed", 0.0, [], f"frame {f}: {reason}", worker="") for f in chunk]


def render(
    graph: Graph,
    frames: Iterable[int],
    *,
    write_nodes: Sequence[str] = (),
    skip_existing: bool = False,
    on_frame: Callable[[FrameResult], None] | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
    chunk: int = 1,
    retries: int = 2,
) -> RenderReport:
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

    tasks = workers.chunks(frames, chunk)
    # Local workers share this machine's cores; a remote cluster's workers keep their own settings.
    local_workers = jobs if scheduler is None else workers.local_worker_count(scheduler)
    threads = workers.threads_per_worker(local_workers) if local_workers else None
    job = RenderJob(workers.ScriptJob.from_graph(graph, threads), tuple(write_nodes), skip_existing)
    results: list[FrameResult] = []

    def deliver(chunk_results: list[FrameResult]) -> None:
        results.extend(chunk_results)
        if on_frame is not None:
            for r in chunk_results:
                on_frame(r)

    if scheduler is not None:
        workers.run_dask(
            render_chunk,
            job,
            tasks,
            scheduler,
            key=f"faceplate-render-{job.script.script_hash[:12]}",
            retries=retries,
            on_failure=failed_frames,
            on_results=deliver,
        )
    else:
        workers.run_pool(render_chunk, job, tasks, jobs, retries=retries, on_failure=failed_frames, on_results=deliver)
    order = {f: i for i, f in enumerate(frames)}
    return RenderReport(sorted(results, key=lambda r: order[r.frame]))

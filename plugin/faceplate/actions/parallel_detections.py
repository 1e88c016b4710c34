"""Worker processes for ``faceplate track``: chunks of the frame list pulled and detected in parallel.

The per-frame work (pulling the plate through the graph, i.e. the EXR decode, then detection and
landmarks) reads only the frames of a chunk (:func:`faceplate.nodes.facedetect.keyframes.chunks`:
from one keyframe to the next chunk's first); only linking detections into tracks needs the whole
list. So chunks are shared by the calling process and ``workers - 1`` spawned processes, each of
which loads the graph once from the script data (as render workers do) and returns each frame's
detections (boxes, landmarks and the small display-referred landmark crop the identity embedding and
contact sheets need, never the plate). The calling process links them in frame order and computes
embeddings on demand, exactly as the serial pass does: both give the same sidecar, byte for byte.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from faceplate.actions import workers
from faceplate.foundation.errors import FaceplateError, RenderError
from faceplate.nodes.core import Graph
from faceplate.nodes.facedetect import visible_flow
from faceplate.nodes.facedetect.backends import get_backend
from faceplate.nodes.facedetect.detect import Detector
from faceplate.nodes.facedetect.keyframes import KeyframeDetections

# Plate cache during a track pass (the calling process's and each worker's): each frame is pulled once
# (a chunk's last frame twice, by two chunks), so a cache only holds memory, and a large one costs
# speed: on the 2-core machine, a full 2 GB cache of 1080p plates halved the decode rate (pull
# 150-160 ms a frame instead of 75-90; measured over repeated 48-frame passes).
TRACK_CACHE_BYTES = 256 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class TrackJob:
    """What a track worker needs: the script (plain data) and what to detect on which node."""

    script: workers.ScriptJob
    node: str  # the FaceDetect node (named in errors)
    upstream: str  # the node whose plate is detected
    backend: str
    detector: dict[str, Any]  # Detector keyword arguments
    every: int  # a full search on every ``every``-th frame


@dataclasses.dataclass(frozen=True)
class Chunk:
    """Frames ``frames`` of the frame list, the first at position ``first_index``; ``final``: the chunk
    ends the list (else its last frame is the next chunk's first, and is left out of its result)."""

    first_index: int
    frames: tuple[int, ...]
    final: bool


@dataclasses.dataclass
class ChunkResult:
    """A chunk's detections in frame order (each with the frame's picture for the flow,
    :func:`~faceplate.nodes.facedetect.visible_flow.picture`), then the error that stopped it (if any),
    and timings."""

    detections: list[tuple[int, list, Any]]
    error: tuple | None
    pull_seconds: float
    detect_seconds: float


def push(run, frame: int, plate, node: str, last: bool, pictures: dict) -> list[tuple[int, list, Any]]:
    """``run.push`` (a :class:`~faceplate.nodes.facedetect.keyframes.KeyframeDetections`), its errors
    naming the node and frame; each frame done comes with its picture for the flow
    (:func:`~faceplate.nodes.facedetect.visible_flow.picture`, made from the same proxy as detection
    reads; None for an empty plate), kept in ``pictures`` until then."""
    try:
        px = None if plate.width == 0 or plate.height == 0 else run.detector.pixels(plate)
        pictures[frame] = None if px is None else visible_flow.picture(run.detector, px)
        done = run.push(frame, plate, last=last, pixels=px)
    except FaceplateError:
        raise
    except Exception as exc:
        raise RenderError(f"face detection failed: {type(exc).__name__}: {exc}", node=node, frame=frame) from exc
    return [(f, dets, pictures.pop(f)) for f, dets in done]


def detect_chunk(graph: Graph, detector, upstream: str, node: str, every: int, chunk: Chunk) -> ChunkResult:
    """Pulls the chunk's frames through ``graph`` and detects their faces; errors are returned, not raised."""
    run = KeyframeDetections(detector, every, lambda f: graph.render(upstream, f), chunk.first_index)
    result = ChunkResult([], None, 0.0, 0.0)
    pictures: dict[int, Any] = {}
    for i, frame in enumerate(chunk.frames):
        start = time.perf_counter()
        try:
            plate = graph.render(upstream, frame)
        except BaseException as exc:
            result.error = workers.pack_error(exc)
            return result
        finally:
            result.pull_seconds += time.perf_counter() - start
        start = time.perf_counter()
        try:
            result.detections += push(run, frame, plate, node, i == len(chunk.frames) - 1, pictures)
        except BaseException as exc:
            result.error = workers.pack_error(exc)
            return result
        finally:
            result.detect_seconds += time.perf_counter() - start
    if not chunk.final:
        result.detections.pop()
    return result


_worker: dict[str, Any] = {}  # per worker process: the graph and detector, or the error that stopped loading


def _worker_init(job: TrackJob) -> None:
    """Pool initializer: loads the graph and the models once per worker process."""
    try:
        graph = workers.load_graph(job.script)
        graph.cache.max_bytes = min(graph.cache.max_bytes, TRACK_CACHE_BYTES)
        _worker.update(graph=graph, detector=Detector(get_backend(job.backend), **job.detector), job=job)
    except BaseException as exc:
        _worker["error"] = workers.pack_error(exc)


def _ready() -> bool:
    """Pool task that returns as soon as a worker has started (its initializer has run)."""
    return "error" not in _worker


def _detect_chunk(chunk: Chunk) -> ChunkResult:
    """Pool task: :func:`detect_chunk` with the worker's graph and detector."""
    if "error" in _worker:
        return ChunkResult([], _worker["error"], 0.0, 0.0)
    job: TrackJob = _worker["job"]
    return detect_chunk(_worker["graph"], _worker["detector"], job.upstream, job.node, job.every, chunk)


class ParallelDetections:
    """Each frame's detections in frame order (iterate), computed chunk by chunk by ``workers - 1``
    spawned processes and by the calling process itself.

    Chunks go, in order, to whoever is free: a pool process that has started (each holds at most one
    chunk running and one queued) or the calling process, which detects the next unassigned chunk
    whenever the chunk it must link next is not back yet. So detection starts at once, in the calling
    process, while the pool processes are still starting (spawning, imports, the models: about 2 s
    each), and the calling process, which also links and computes the embeddings, takes fewer chunks
    when that keeps it busy. Errors are kept with their frame and raised in frame order, as the serial
    pass raises them. At most :data:`LOOKAHEAD` chunks are detected ahead of the one being linked.
    ``timing`` accumulates [pull, detect] seconds.
    """

    LOOKAHEAD = 4

    def __init__(self, job: TrackJob, chunks: Sequence[Chunk], processes: int, timing: list[float]):
        self.job, self.timing, self.chunks = job, timing, list(chunks)
        self.spawned = processes - 1
        self.pool = workers.spawn_pool(self.spawned, initializer=_worker_init, initargs=(job,))
        self.assigned = 0  # chunks[:assigned] are detected, being detected, or queued in the pool
        self.futures: dict[int, Any] = {}
        self.results: dict[int, ChunkResult] = {}
        self.local: Callable[[Chunk], ChunkResult] | None = None
        # Starts the pool processes; each answers once it has loaded, and only then is given chunks.
        self.started = [self.pool.submit(_ready) for _ in range(self.spawned)]

    def _feed(self) -> None:
        ready = sum(f.done() for f in self.started)
        busy = sum(not f.done() for f in self.futures.values())
        while busy < 2 * ready and self.assigned < len(self.chunks):
            self.futures[self.assigned] = self.pool.submit(_detect_chunk, self.chunks[self.assigned])
            self.assigned += 1
            busy += 1

    def _collect(self, index: int, wait: bool) -> None:
        for i, future in list(self.futures.items()):
            if future.done() or (wait and i == index):
                try:
                    self.results[i] = future.result()
                except BrokenProcessPool as exc:
                    raise RenderError(
                        f"a track worker process died ({exc}); track again, or with workers=1 to see the error",
                        node=self.job.node,
                    ) from None
                del self.futures[i]

    def __iter__(self):
        for index in range(len(self.chunks)):
            while index not in self.results:
                self._feed()
                self._collect(index, wait=False)
                if index in self.results:
                    break
                if self.local is not None and self.assigned < min(len(self.chunks), index + self.LOOKAHEAD):
                    mine = self.assigned
                    self.assigned += 1
                    self.results[mine] = self.local(self.chunks[mine])
                else:
                    self._collect(index, wait=True)
            result = self.results.pop(index)
            self.timing[0] += result.pull_seconds
            self.timing[1] += result.detect_seconds
            yield from result.detections
            if result.error is not None:
                raise workers.unpack_error(result.error)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

"""The shot-level face tracking action behind ``faceplate track``.

:func:`track` runs a FaceDetect node's detector over the frame range, links detections into tracks,
labels identities (optionally naming them from reference photos), and writes the node's sidecar and
one contact sheet per track.

Detection searches whole frames on keyframes only and follows the faces between them
(:mod:`faceplate.nodes.facedetect.keyframes`). Serially (``workers=1``) frames are pulled on a thread
while detection runs on the calling thread (OpenImageIO releases the GIL, so decoding overlaps
detection); with ``workers=N > 1`` chunks of frames go to worker processes
(:mod:`faceplate.actions.parallel_detections`). Linking is always done here, in frame order, and both ways give the
same sidecar, byte for byte.

Example::

    import faceplate
    from faceplate.actions.shot_tracking import track
    graph = faceplate.Graph.load("shot.json")
    result = track(graph, references={"anna": "refs/anna.jpg"})
    print(result.sidecar, [t.identity for t in result.tracks])
"""

from __future__ import annotations

import dataclasses
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from faceplate.actions.parallel_detections import (
    TRACK_CACHE_BYTES,
    Chunk,
    ParallelDetections,
    TrackJob,
    detect_chunk,
    push,
)
from faceplate.actions.workers import ScriptJob
from faceplate.foundation.errors import FaceplateError, RenderError, ScriptError
from faceplate.foundation.version import __version__
from faceplate.nodes.core import Graph, Node
from faceplate.nodes.facedetect import contact_sheet, identity, sidecar, visible_flow
from faceplate.nodes.facedetect.backends import get_backend
from faceplate.nodes.facedetect.detect import Detector
from faceplate.nodes.facedetect.keyframes import KeyframeDetections, chunks
from faceplate.nodes.facedetect.stabilise import stabilise_track
from faceplate.nodes.facedetect.track_qc import track_qc
from faceplate.nodes.facedetect.tracker import Tracker
from faceplate.nodes.facedetect.tracks import lock_frames
from faceplate.nodes.io import read_image

REFERENCE_SPACE = "sRGB Encoded Rec.709 (sRGB)"  # photos are display-referred
DEFAULT_FPS = 24.0  # the frame rate ``max_gap`` seconds are counted in when the plate does not say


@dataclasses.dataclass
class TrackResult:
    """What a track pass produced, with timings (seconds)."""

    sidecar: str
    tracks: list
    identities: dict[str, Any]
    sheets: list[str]
    frames: list[int]
    seconds: float
    pull_seconds: float  # spent pulling plates through the graph (EXR decode), summed over workers
    detect_seconds: float  # spent detecting (summed over workers) and linking (calling process)
    workers: int = 1  # processes that detected, the calling one included (1: serial)
    first_frame_seconds: float = 0.0  # from the start until the first frame was linked (pool start-up)

    @property
    def frames_per_second(self) -> float:
        return len(self.frames) / self.seconds if self.seconds else 0.0


def _frames(graph: Graph, frames: Iterable[int] | None) -> list[int]:
    if frames is not None:
        return sorted(set(int(f) for f in frames))
    if graph.frame_range is None:
        raise ScriptError("the script has no frame_range; pass the frames to track (--frames 1001-1100)")
    return list(range(graph.frame_range[0], graph.frame_range[1] + 1))


def frame_rate(plate) -> float:
    """The plate's frame rate from its ``FramesPerSecond`` header attribute (a rational, as OpenEXR
    stores it), or :data:`DEFAULT_FPS` when it has none or an unusable one."""
    value = plate.metadata.get("FramesPerSecond")
    try:
        rate = float(value[0]) / float(value[1]) if isinstance(value, (tuple, list)) else float(value)
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return DEFAULT_FPS
    return rate if 1.0 <= rate <= 1000.0 else DEFAULT_FPS


def reference_embeddings(detector, references: Mapping[str, str]) -> dict[str, np.ndarray]:
    """Identity embeddings of reference photos (the largest face in each)."""
    out = {}
    for name, path in references.items():
        if not name.isidentifier():
            raise FaceplateError(f"reference name '{name}' must be a single word (letters, digits, _)")
        plate = read_image(path)
        photo = Detector(
            detector.backend, proxy_size=max(plate.width, plate.height, 640), threshold=0.0, colourspace=REFERENCE_SPACE
        )
        faces = photo.find(plate)
        if not faces:
            raise FaceplateError(
                f"reference '{name}': no face found in {path}; use a photo where the face is at "
                "least 80 pixels tall and roughly frontal"
            )
        largest = max(faces, key=lambda d: (d.box[2] - d.box[0]) * (d.box[3] - d.box[1]))
        out[name] = photo.embed(largest)
        if out[name] is None:
            raise FaceplateError(
                f"reference '{name}': the '{detector.backend.name}' face backend has no identity "
                "embedding (none cleared for commercial use ships), so faces cannot be named from "
                "photos; set the FaceDetect 'backend' knob to dlib (its embedding's licence is "
                "unclear: see `faceplate info --models`), or name the tracks after tracking"
            )
    return out


def _pull(
    graph: Graph,
    upstream: Node,
    frames: Sequence[int],
    out: queue.Queue,
    stop: threading.Event,
    timing: list[float],
    lock: threading.Lock,
) -> None:
    """Worker thread: renders the FaceDetect's input frame by frame into ``out`` (``lock``: the graph is
    not thread-safe, and the calling thread may render a frame again, to follow a face backwards)."""
    for frame in frames:
        start = time.perf_counter()
        try:
            with lock:
                item: Any = (frame, graph.render(upstream, frame), None)
        except BaseException as exc:  # handed to the calling thread, which raises it
            item = (frame, None, exc)
        timing[0] += time.perf_counter() - start
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                break
            except queue.Full:
                continue
        if item[2] is not None or stop.is_set():
            return


# -- the process pool -----------------------------------------------------------------------------

# Below this many frames a worker's start-up (spawning, imports, loading the models: about 2 s of CPU
# per worker, on the same cores) costs more than it saves, and ``workers=None`` tracks serially.
PARALLEL_MIN_FRAMES = 32
# The serial pass already keeps about 1.7 cores busy (the decode thread runs without the GIL), so on
# 2 cores worker processes gain little (measured: between -8 % and +8 % on 96 1080p frames, within
# the noise); from this many cores on, the default is parallel.
PARALLEL_MIN_CORES = 3
MAX_WORKERS = 8
CHUNK_FRAMES = 16  # about this many frames per worker task (whole keyframe intervals; each task reads one frame twice)


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_workers(frame_count: int) -> int:
    """Processes (the calling one included) for ``frame_count`` frames: one per core, or 1 (serial) for
    short frame lists and machines of fewer than :data:`PARALLEL_MIN_CORES` cores."""
    cores = available_cores()
    return 1 if cores < PARALLEL_MIN_CORES or frame_count < PARALLEL_MIN_FRAMES else min(cores, MAX_WORKERS)


def _track_job(
    graph: Graph, fd: Node, upstream: Node, backend: str, detector: dict[str, Any], first: int, every: int, workers: int
) -> TrackJob | None:
    """The job for track workers, or None when the graph does not survive a round trip through its script
    data (nodes built in code, unregistered node types): the workers would not see the same plates."""
    try:
        job = ScriptJob.from_graph(graph, threads=max(1, available_cores() // workers))
        copy = Graph.from_dict(job.script, root=job.root)
        if copy.hash(copy[upstream.name], first) != graph.hash(upstream, first):
            return None
    except Exception:
        return None
    return TrackJob(job, fd.name, upstream.name, backend, detector, every)


def _chunks(frames: Sequence[int], every: int) -> list[Chunk]:
    return [
        Chunk(a, tuple(frames[a : b + 1]), b == len(frames) - 1)
        for a, b in chunks(len(frames), every, max(1, CHUNK_FRAMES // every))
    ]


def _serial_detections(
    graph: Graph, fd: Node, upstream: Node, detector, every: int, frames: Sequence[int], timing: list[float]
):
    """Yields each frame's detections in frame order: plates pulled on a worker thread, detection here."""
    plates: queue.Queue = queue.Queue(maxsize=2)
    stop, pull_time, lock = threading.Event(), [0.0], threading.Lock()
    worker = threading.Thread(target=_pull, args=(graph, upstream, frames, plates, stop, pull_time, lock), daemon=True)
    worker.start()

    def fetch(frame: int):
        with lock:
            return graph.render(upstream, frame)

    run = KeyframeDetections(detector, every, fetch)
    pictures: dict = {}
    try:
        for i in range(len(frames)):
            frame, plate, error = plates.get()
            if error is not None:
                raise error
            t0 = time.perf_counter()
            done = push(run, frame, plate, fd.name, i == len(frames) - 1, pictures)
            timing[1] += time.perf_counter() - t0
            yield from done
    finally:
        stop.set()
        worker.join()
        timing[0] += pull_time[0]


def _pictures(graph: Graph, upstream: Node, detector: Detector) -> Callable[[int], visible_flow.Picture]:
    """Frames as :func:`visible_flow.carry` reads them (grey, display-referred, at the detector's proxy
    size), the last few kept (it reads each one or two times running)."""
    kept: dict[int, visible_flow.Picture] = {}

    def picture(frame: int) -> visible_flow.Picture:
        if frame not in kept:
            if len(kept) >= 4:
                kept.pop(next(iter(kept)))
            kept[frame] = visible_flow.picture(detector, detector.pixels(graph.render(upstream, frame)))
        return kept[frame]

    return picture


def track(
    graph: Graph,
    node: str | None = None,
    frames: Iterable[int] | None = None,
    references: Mapping[str, str] | None = None,
    *,
    contact_sheets: bool = True,
    on_frame: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> TrackResult:
    """Tracks the faces of a shot and writes the FaceDetect node's sidecar (and contact sheets).

    Args:
        graph: the shot graph.
        node: the FaceDetect node's name (default: the graph's only FaceDetect).
        frames: frames to track (default: the graph's frame range).
        references: ``{name: photo path}``; tracks of a pictured person take the name as identity.
        contact_sheets: write one PNG per track beside the sidecar.
        on_frame: called with (frame, faces found) after each frame, in frame order (progress bars).
        workers: processes that pull and detect frames, this one included (1: serial, in this process).
            Default (:func:`default_workers`): one per core from :data:`PARALLEL_MIN_CORES` cores and
            :data:`PARALLEL_MIN_FRAMES` frames on, else 1. A
            graph that cannot be rebuilt from its script data (nodes built in code) is tracked serially
            (with ``workers`` given, that is an error). The result is the same whatever the count.

    Raises:
        SequenceIOError: a frame cannot be read (names the file and frame).
        RenderError: detection failed on a frame (names the node and frame).
        ModelError: a weight file is missing or does not verify.
    """
    fd = graph.find("FaceDetect", node, where="after the Read")
    frame_list = _frames(graph, frames)
    upstream = fd.input()
    if upstream is None:
        raise ScriptError("input is not connected; connect the Read to it", node=fd.name)
    if workers is not None and workers < 1:
        raise FaceplateError(f"workers ({workers}) must be at least 1")
    first = frame_list[0]
    settings = {
        k: fd.value(k, first)
        for k in (
            "score_threshold",
            "proxy_size",
            "exposure",
            "rotation_search",
            "detect_every",
            "max_gap",
            "min_track",
        )
    }
    start = time.perf_counter()
    fps = frame_rate(graph.render(upstream, first))  # the pass pulls this frame again: a cache hit
    count = default_workers(len(frame_list)) if workers is None else min(workers, len(frame_list))
    job = None
    if count > 1:
        detector_args = {
            "proxy_size": settings["proxy_size"],
            "threshold": settings["score_threshold"],
            "exposure": settings["exposure"],
            "rotation_search": settings["rotation_search"],
        }
        job = _track_job(
            graph, fd, upstream, fd.value("backend", first), detector_args, first, settings["detect_every"], count
        )
        if job is None and workers is not None:
            raise ScriptError(
                f"cannot track with {workers} worker processes: the graph cannot be rebuilt from "
                "its script data (a node built in code?); use workers=1",
                node=fd.name,
            )
        count = count if job is not None else 1
    timing = [0.0, 0.0]  # pull, detect
    # The workers start first, so that spawning them overlaps loading the models here.
    pool = (
        ParallelDetections(job, _chunks(frame_list, settings["detect_every"]), count, timing)
        if job is not None
        else None
    )
    link_time, first_frame, detections_of = 0.0, 0.0, None
    cache_budget = graph.cache.max_bytes  # restored after the pass (see TRACK_CACHE_BYTES)
    graph.cache.max_bytes = min(cache_budget, TRACK_CACHE_BYTES)
    try:
        backend = get_backend(fd.value("backend", first))
        detector = Detector(
            backend,
            proxy_size=settings["proxy_size"],
            threshold=settings["score_threshold"],
            exposure=settings["exposure"],
            rotation_search=settings["rotation_search"],
        )
        refs = reference_embeddings(detector, references or {})
        thumbnails = contact_sheet.Thumbnails()
        flows = visible_flow.FrameFlow()

        def extended(track, frame, detection):
            flows(track, frame, detection)
            if contact_sheets:
                thumbnails(track, frame, detection)

        tracker = Tracker(
            detector.embed,
            max_gap=round(settings["max_gap"] * fps),
            embed_every=max(1, round(fps)),
            on_extend=extended,
            on_join=thumbnails.join,
        )
        if pool is None:
            start = time.perf_counter()
            detections_of = _serial_detections(
                graph, fd, upstream, detector, settings["detect_every"], frame_list, timing
            )
        else:
            pool.local = lambda c: detect_chunk(graph, detector, upstream.name, fd.name, settings["detect_every"], c)
            detections_of = iter(pool)
        for frame, detections, picture in detections_of:
            t0 = time.perf_counter()
            try:
                tracker.update(frame, detections)
                flows.frame_done(frame, tracker.tracks, picture)
            except FaceplateError:
                raise
            except Exception as exc:
                raise RenderError(
                    f"face detection failed: {type(exc).__name__}: {exc}", node=fd.name, frame=frame
                ) from exc
            link_time += time.perf_counter() - t0
            first_frame = first_frame or time.perf_counter() - start
            if on_frame is not None:
                on_frame(frame, len(detections))
    finally:
        if pool is not None:
            pool.close()
        elif detections_of is not None:
            detections_of.close()  # stops the pulling thread
        graph.cache.max_bytes = cache_budget

    tracks = tracker.finish(min_detections=min(settings["min_track"], len(frame_list)))
    t0 = time.perf_counter()
    visible_flow.carry(tracks, _pictures(graph, upstream, detector))
    link_time += time.perf_counter() - t0
    labels = identity.label(tracks, refs)
    path = fd.sidecar_path(first)
    header = {
        "faceplate_version": __version__,
        "node": fd.name,
        "frame_range": [frame_list[0], frame_list[-1]],
        "backend": backend.name,
        "models": backend.model_digests(),
        "settings": settings,
        "fps": fps,
    }
    identities = {name: {"reference": (references or {}).get(name), "embedding": emb} for name, emb in labels.items()}
    locks = lock_frames(fd.value("lock_frames", first), fd.name)
    strength = fd.value("strength", first)
    stabilised = {t.id: stabilise_track(t, strength=strength, lock_frames=locks) for t in tracks}
    qc = {t.id: track_qc(t, stabilised[t.id], strength) for t in tracks}
    sidecar.save(path, sidecar.to_json(tracks, header=header, identities=identities, qc=qc))

    sheets = []
    if contact_sheets:
        for t in tracks:
            sheet = contact_sheet.sheet_path(path, t)
            image = contact_sheet.render_sheet(t, stabilised[t.id], thumbnails.of(t), qc[t.id])
            contact_sheet.write_sheet(sheet, image)
            sheets.append(sheet)
    return TrackResult(
        path,
        tracks,
        labels,
        sheets,
        frame_list,
        time.perf_counter() - start,
        timing[0],
        timing[1] + link_time,
        count,
        first_frame,
    )

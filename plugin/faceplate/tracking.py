"""The shot-level face tracking action behind ``faceplate track``.

:func:`track` runs a FaceDetect node's detector over the frame range, links detections into tracks,
labels identities (optionally naming them from reference photos), and writes the node's sidecar and
one contact sheet per track. Frames are pulled through the graph on a worker thread while the
detector runs on the calling thread, so decoding and detection overlap on two cores.

Example::

    import faceplate
    from faceplate.tracking import track
    graph = faceplate.Graph.load("shot.json")
    result = track(graph, references={"anna": "refs/anna.jpg"})
    print(result.sidecar, [t.identity for t in result.tracks])
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from faceplate.errors import FaceplateError, RenderError, ScriptError
from faceplate.nodes.core import Graph, Node

REFERENCE_SPACE = "sRGB Encoded Rec.709 (sRGB)"  # photos are display-referred


@dataclasses.dataclass
class TrackResult:
    """What a track pass produced, with timings (seconds)."""

    sidecar: str
    tracks: list
    identities: dict[str, Any]
    sheets: list[str]
    frames: list[int]
    seconds: float
    pull_seconds: float  # spent pulling plates through the graph (EXR decode), on the worker thread
    detect_seconds: float  # spent detecting and linking, on the calling thread

    @property
    def frames_per_second(self) -> float:
        return len(self.frames) / self.seconds if self.seconds else 0.0


def facedetect_node(graph: Graph, name: str | None = None) -> Node:
    """The FaceDetect node named ``name``, or the graph's only one."""
    if name is not None:
        node = graph[name]
        if node.type_name != "FaceDetect":
            raise ScriptError(f"is a {node.type_name}, not a FaceDetect node; name a FaceDetect node", node=name)
        return node
    found = [n for n in graph if n.type_name == "FaceDetect"]
    if len(found) != 1:
        names = ", ".join(n.name for n in found)
        raise ScriptError(f"the script has {len(found)} FaceDetect nodes{f' ({names})' if names else ''}; "
                          "name one with --node" if found else "the script has no FaceDetect node; add one after the Read")
    return found[0]


def _frames(graph: Graph, frames: Iterable[int] | None) -> list[int]:
    if frames is not None:
        return sorted(set(int(f) for f in frames))
    if graph.frame_range is None:
        raise ScriptError("the script has no frame_range; pass the frames to track (--frames 1001-1100)")
    return list(range(graph.frame_range[0], graph.frame_range[1] + 1))


def reference_embeddings(detector, references: Mapping[str, str]) -> dict[str, np.ndarray]:
    """Identity embeddings of reference photos (the largest face in each)."""
    from faceplate.nodes.facedetect.detect import Detector
    from faceplate.nodes.io.imagefile import read_image

    out = {}
    for name, path in references.items():
        if not name.isidentifier():
            raise FaceplateError(f"reference name '{name}' must be a single word (letters, digits, _)")
        plate = read_image(path)
        photo = Detector(detector.backend, proxy_size=max(plate.width, plate.height, 640), threshold=0.0,
                         colourspace=REFERENCE_SPACE)
        faces = photo.find(plate)
        if not faces:
            raise FaceplateError(f"reference '{name}': no face found in {path}; use a photo where the face is at "
                                 "least 80 pixels tall and roughly frontal")
        largest = max(faces, key=lambda d: (d.box[2] - d.box[0]) * (d.box[3] - d.box[1]))
        out[name] = photo.embed(largest)
    return out


def _pull(graph: Graph, upstream: Node, frames: Sequence[int], out: queue.Queue, stop: threading.Event,
          timing: list[float]) -> None:
    """Worker thread: renders the FaceDetect's input frame by frame into ``out``."""
    for frame in frames:
        start = time.perf_counter()
        try:
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


def track(graph: Graph, node: str | None = None, frames: Iterable[int] | None = None,
          references: Mapping[str, str] | None = None, *, contact_sheets: bool = True,
          on_frame: Callable[[int, int], None] | None = None) -> TrackResult:
    """Tracks the faces of a shot and writes the FaceDetect node's sidecar (and contact sheets).

    Args:
        graph: the shot graph.
        node: the FaceDetect node's name (default: the graph's only FaceDetect).
        frames: frames to track (default: the graph's frame range).
        references: ``{name: photo path}``; tracks of a pictured person take the name as identity.
        contact_sheets: write one PNG per track beside the sidecar.
        on_frame: called with (frame, faces found) after each frame (progress bars).

    Raises:
        SequenceIOError: a frame cannot be read (names the file and frame).
        RenderError: detection failed on a frame (names the node and frame).
        ModelError: a weight file is missing or does not verify.
    """
    from faceplate import __version__
    from faceplate.nodes.facedetect import contact_sheet, identity, sidecar
    from faceplate.nodes.facedetect.backend import get_backend
    from faceplate.nodes.facedetect.detect import Detector
    from faceplate.nodes.facedetect.node import _lock_frames
    from faceplate.nodes.facedetect.stabilise import stabilise_track
    from faceplate.nodes.facedetect.tracker import Tracker

    fd = facedetect_node(graph, node)
    frame_list = _frames(graph, frames)
    upstream = fd.input()
    if upstream is None:
        raise ScriptError("input is not connected; connect the Read to it", node=fd.name)
    first = frame_list[0]
    settings = {k: fd.value(k, first) for k in ("score_threshold", "proxy_size", "exposure", "rotation_search", "max_gap",
                                           "min_track")}
    backend = get_backend(fd.value("backend", first))
    detector = Detector(backend, proxy_size=settings["proxy_size"], threshold=settings["score_threshold"],
                        exposure=settings["exposure"], rotation_search=settings["rotation_search"])
    refs = reference_embeddings(detector, references or {})
    thumbnails = contact_sheet.Thumbnails()
    tracker = Tracker(detector.embed, max_gap=settings["max_gap"], on_extend=thumbnails if contact_sheets else None)

    start = time.perf_counter()
    plates: queue.Queue = queue.Queue(maxsize=2)
    stop, pull_time, detect_time = threading.Event(), [0.0], 0.0
    worker = threading.Thread(target=_pull, args=(graph, upstream, frame_list, plates, stop, pull_time), daemon=True)
    worker.start()
    try:
        for _ in frame_list:
            frame, plate, error = plates.get()
            if error is not None:
                raise error
            t0 = time.perf_counter()
            try:
                detections = detector.find(plate)
                tracker.update(frame, detections)
            except FaceplateError:
                raise
            except Exception as exc:
                raise RenderError(f"face detection failed: {type(exc).__name__}: {exc}", node=fd.name, frame=frame) from exc
            detect_time += time.perf_counter() - t0
            if on_frame is not None:
                on_frame(frame, len(detections))
    finally:
        stop.set()
        worker.join()

    tracks = tracker.finish(min_detections=min(settings["min_track"], len(frame_list)))
    labels = identity.label(tracks, refs)
    path = fd.sidecar_path(first)
    header = {"faceplate_version": __version__, "node": fd.name, "frame_range": [frame_list[0], frame_list[-1]],
              "backend": backend.name, "models": backend.model_digests(), "settings": settings}
    identities = {name: {"reference": (references or {}).get(name), "embedding": emb} for name, emb in labels.items()}
    sidecar.save(path, sidecar.to_json(tracks, header=header, identities=identities))

    sheets = []
    if contact_sheets:
        locks = _lock_frames(fd.value("lock_frames", first), fd.name)
        for t in tracks:
            faces = stabilise_track(t, strength=fd.value("strength", first), lock_frames=locks)
            sheet = contact_sheet.sheet_path(path, t)
            contact_sheet.write_sheet(sheet, contact_sheet.render_sheet(t, faces, thumbnails.of(t)))
            sheets.append(sheet)
    return TrackResult(path, tracks, labels, sheets, frame_list, time.perf_counter() - start, pull_time[0], detect_time)

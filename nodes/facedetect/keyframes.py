"""A run of frames' detections with the full-frame search on keyframes only.

A full search (:meth:`Detector.find`: the detector over the whole 960-pixel proxy, about 45 ms on
two cores, then each face's landmarks) is the costly part of a frame's detection. Faces move little
from one frame to the next, so between keyframes each face is *followed* (:meth:`Detector.follow`):
the detector searches a small crop around where the face was, and the landmarks are measured from
the box it finds there, as after a full search. Every face in every frame is still confirmed by the
detector; what keyframes save is searching the whole frame. A full search runs:

- on every ``every``-th frame of the frame list (counted from its first frame), and on the last;
- on any frame where a followed face is lost (it left, was covered, or the crop lost it).

A face that a search finds but that was not in the previous frame (it came into view since the last
search) is followed backwards through the frames since that search, so its track starts on the frame
where the detector first confirms it, not on the keyframe. Those frames' plates are fetched again for
that (``fetch``: a cache hit or a decode) rather than held: keeping up to ``every - 1`` plates alive
(a gigabyte of UHD RGBA) slowed the decoding of the next frames by a third on the 2-core machine.

Keyframes are fixed by position in the frame list, and what a run does between two searches reads
only the frames between them: a run over part of the list that starts on a keyframe and ends on the
next keyframe gives those frames the same detections as a run over the whole list. Worker processes
rely on it (:func:`chunks`).

Example::

    run = KeyframeDetections(detector, every=8, fetch=lambda f: graph.render(read, f))
    for frame in frames:
        for done_frame, detections in run.push(frame, graph.render(read, frame), last=frame == frames[-1]):
            ...  # in frame order, each frame once
"""

from __future__ import annotations

from collections.abc import Callable

from faceplate.foundation.geometry import box_iou
from faceplate.nodes.facedetect.detect import Detection, Detector, FramePixels
from faceplate.nodes.plate import Plate

SAME_FACE_IOU = 0.5  # a face followed backwards into a frame where a detection overlaps it this much is that face
NEW_FACE_IOU = 0.2  # a searched face overlapping none of the previous frame's faces this much came into view


class KeyframeDetections:
    """Feeds on the plates of consecutive frames of a frame list (:meth:`push`) and returns each frame's
    detections once no later frame can add to them.

    Args:
        detector: finds and follows the faces.
        every: a full search on every ``every``-th frame (1: every frame, the reference behaviour).
        fetch: the plate of a frame already pushed (to follow a new face backwards).
        first_index: the position in the frame list of the first frame pushed (runs over part of a list).
    """

    def __init__(self, detector: Detector, every: int, fetch: Callable[[int], Plate], first_index: int = 0):
        if every < 1:
            raise ValueError(f"every ({every}) must be at least 1")
        self.detector = detector
        self.every = every
        self.fetch = fetch
        self.index = first_index
        self.previous: list[Detection] | None = None  # the last frame's faces (None: nothing pushed yet)
        self.before: list[Detection] | None = None  # the faces of the frame before, when followed into previous
        self.pending: list[tuple[int, list[Detection]]] = []  # frames since the last search
        self.searches = 0

    def push(
        self, frame: int, plate: Plate, last: bool = False, pixels: FramePixels | None = None
    ) -> list[tuple[int, list[Detection]]]:
        """Detects ``frame`` (``last``: the final frame of the run, always searched; ``pixels``: the plate's
        :meth:`~.detect.Detector.pixels`, when the caller made them already) and returns the frames whose
        detections are now final, in frame order."""
        key = self.index % self.every == 0 or last or self.previous is None
        self.index += 1
        if plate.width == 0 or plate.height == 0:
            return self._searched(frame, [])
        px = pixels if pixels is not None else self.detector.pixels(plate)
        if not key:
            followed = self.detector.follow(px, self.previous, self.before)
            if all(d is not None for d in followed):
                self.pending.append((frame, followed))
                self.before, self.previous = self.previous, followed
                return []
        return self._searched(frame, self.detector.find(px))

    def _searched(self, frame: int, found: list[Detection]) -> list[tuple[int, list[Detection]]]:
        self.searches += 1
        before = self.previous or []
        for det in found:
            if not any(box_iou(det.box, b.box) >= NEW_FACE_IOU for b in before):
                self._follow_back(det)
        done = self.pending + [(frame, found)]
        self.pending = []
        self.before, self.previous = None, found
        return done

    def _follow_back(self, det: Detection) -> None:
        """Adds ``det``'s face to the frames since the last search, backwards, while it is confirmed."""
        for frame, dets in reversed(self.pending):
            (back,) = self.detector.follow(self.fetch(frame), [det])
            if back is None or any(box_iou(back.box, d.box) >= SAME_FACE_IOU for d in dets):
                return
            dets.append(back)
            det = back


def chunks(count: int, every: int, keyframes_per_chunk: int) -> list[tuple[int, int]]:
    """``[start, stop]`` positions (inclusive) of runs that cover a ``count``-frame list for workers: each
    starts on a keyframe and ends on the next chunk's first frame (searched by both; the later chunk
    reports it), or on the list's last frame."""
    size = every * max(1, keyframes_per_chunk)
    return [(start, min(start + size, count - 1)) for start in range(0, max(count - 1, 1), size)]

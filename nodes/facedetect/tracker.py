"""Linking per-frame detections into shot-long face tracks.

Online, frame by frame, in frame order: each open track predicts its box (constant velocity), and
detections are assigned to tracks one-to-one (Hungarian) by box overlap, with the identity embedding
added where it decides something. A track survives up to ``max_gap`` frames without a detection; the
gap is filled by interpolation when it is found again, and those frames are flagged.

Two people are never merged: a detection joins at most one track per frame, and where identity must
decide (several tracks and detections overlap, as when two faces cross paths, or a track comes back
after a miss) a detection whose embedding is farther than ``same_person`` from the track's never
joins it, however well the boxes overlap. Embeddings cost about 75 ms per face on two CPU cores
(more than finding and measuring the face), so they are computed only there, for new tracks, and
every ``embed_every`` frames along a track (once a second at 24 fps, to keep its identity fresh; a
single clear overlap is not vetoed by it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from faceplate.nodes.facedetect.detect import Detection, iou
from scipy.optimize import linear_sum_assignment

SAME_PERSON = 0.55  # dlib's embedding: same person below about 0.6 (we stay on the cautious side)
MIN_IOU = 0.2
NO_MATCH = 1e6


@dataclasses.dataclass
class TrackFrame:
    """One frame of a track, in plate pixels (``embedding`` only on frames where it was computed)."""

    box: np.ndarray
    score: float
    landmarks: np.ndarray
    confidence: np.ndarray
    flags: frozenset[str]
    embedding: np.ndarray | None = None


@dataclasses.dataclass
class Track:
    id: int
    frames: dict[int, TrackFrame] = dataclasses.field(default_factory=dict)
    velocity: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(4))
    last_embedded: int | None = None
    identity: str = ""

    @property
    def first(self) -> int:
        return min(self.frames)

    @property
    def last(self) -> int:
        return max(self.frames)

    def detected_frames(self) -> list[int]:
        return sorted(f for f, tf in self.frames.items() if "interpolated" not in tf.flags)

    def embedding(self) -> np.ndarray | None:
        """The mean of the track's frame embeddings, or None."""
        embeddings = [tf.embedding for tf in self.frames.values() if tf.embedding is not None]
        return np.mean(embeddings, axis=0) if embeddings else None

    def predict(self, frame: int) -> np.ndarray:
        last = self.last
        return self.frames[last].box + self.velocity * (frame - last)


class Tracker:
    """Feeds on one frame's detections at a time (:meth:`update`), returns tracks from :meth:`finish`.

    Args:
        embed: computes (and caches on the detection) a detection's identity embedding.
        max_gap: frames a track may miss and still continue.
        embed_every: refresh a track's embedding at least this often (frames).
        same_person: largest embedding distance at which a detection may join a track.
        on_extend: called with (track, frame, detection) whenever a detection joins a track.
    """

    def __init__(self, embed: Callable[[Detection], np.ndarray], *, max_gap: int = 12, embed_every: int = 24,
                 same_person: float = SAME_PERSON,
                 on_extend: Callable[[Track, int, Detection], None] | None = None):
        self.embed = embed
        self.on_extend = on_extend
        self.max_gap = max_gap
        self.embed_every = embed_every
        self.same_person = same_person
        self.tracks: list[Track] = []
        self._open: list[Track] = []

    def update(self, frame: int, detections: list[Detection]) -> None:
        self._open = [t for t in self._open if frame - t.last <= self.max_gap + 1]
        tracks = self._open
        overlap = np.array([[iou(t.predict(frame), np.asarray(d.box)) for d in detections] for t in tracks])
        overlap = overlap.reshape(len(tracks), len(detections))
        candidates = overlap >= MIN_IOU
        cost = np.where(candidates, 1.0 - overlap, NO_MATCH)
        for i, track in enumerate(tracks):
            for j, det in enumerate(detections):
                if not candidates[i, j]:
                    continue
                if self._contested(frame, track, candidates, i, j):
                    distance = self._distance(track, det)
                    cost[i, j] = NO_MATCH if distance > self.same_person else cost[i, j] + distance
                elif track.last_embedded is None or frame - track.last_embedded >= self.embed_every:
                    self.embed(det)  # keeps the track's identity fresh; one clear overlap is not vetoed
        matched: set[int] = set()
        if tracks and detections:
            rows, cols = linear_sum_assignment(cost)
            for i, j in zip(rows, cols):
                if cost[i, j] < NO_MATCH:
                    self._extend(tracks[i], frame, detections[j])
                    matched.add(j)
        for j, det in enumerate(detections):
            if j not in matched:
                self._start(frame, det)

    def _contested(self, frame: int, track: Track, candidates: np.ndarray, i: int, j: int) -> bool:
        """Whether identity must decide: several tracks or detections compete, or the track was lost."""
        return bool(candidates[i].sum() > 1 or candidates[:, j].sum() > 1 or frame - track.last > 1)

    def _distance(self, track: Track, det: Detection) -> float:
        reference = track.embedding()
        embedding = self.embed(det)
        return 0.0 if reference is None else float(np.linalg.norm(reference - embedding))

    def _start(self, frame: int, det: Detection) -> None:
        track = Track(id=len(self.tracks) + 1)
        self.embed(det)
        self.tracks.append(track)
        self._open.append(track)
        self._extend(track, frame, det)

    def _extend(self, track: Track, frame: int, det: Detection) -> None:
        box = np.asarray(det.box, np.float64)
        if track.frames:
            last = track.last
            step = (box - track.frames[last].box) / (frame - last)
            track.velocity = step if len(track.frames) == 1 else 0.5 * track.velocity + 0.5 * step
        if det.embedding is not None:
            track.last_embedded = frame
        track.frames[frame] = TrackFrame(box, det.score, np.asarray(det.landmarks, np.float64),
                                         np.asarray(det.confidence, np.float64), det.flags, det.embedding)
        if self.on_extend is not None:
            self.on_extend(track, frame, det)

    def finish(self, min_detections: int = 1) -> list[Track]:
        """Tracks with at least ``min_detections`` detected frames, gaps filled, numbered 1.. by first frame."""
        tracks = [t for t in self.tracks if len(t.frames) >= min_detections]
        for track in tracks:
            fill_gaps(track)
        tracks.sort(key=lambda t: (t.first, t.id))
        for i, track in enumerate(tracks, 1):
            track.id = i
        return tracks


def fill_gaps(track: Track) -> None:
    """Linear interpolation over missed frames, flagged ``interpolated``, confidence halved."""
    frames = sorted(track.frames)
    for a, b in zip(frames, frames[1:]):
        fa, fb = track.frames[a], track.frames[b]
        for f in range(a + 1, b):
            t = (f - a) / (b - a)
            track.frames[f] = TrackFrame(
                box=(1 - t) * fa.box + t * fb.box, score=0.0,
                landmarks=(1 - t) * fa.landmarks + t * fb.landmarks,
                confidence=0.5 * np.minimum(fa.confidence, fb.confidence),
                flags=frozenset({"interpolated"}))

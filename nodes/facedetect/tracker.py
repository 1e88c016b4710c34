"""Linking per-frame detections into shot-long face tracks, through occlusions and crossings.

Online, frame by frame, in frame order: each open track predicts its box (its velocity, damped the
longer the face is unseen), and detections are assigned to tracks one-to-one (Hungarian) by box
overlap, with the identity embedding added where it decides something. A face that is lost (hidden
behind another face or an object, or missed by the detector) keeps its track open for ``max_gap``
frames: on its return a detection anywhere within reach of the prediction (a reach that grows with
the gap) may rejoin it, and identity decides. When linking is done, each track drops its gross
misfits (:mod:`.misfits`: fits that jumped onto a nearer face or guessed at a sliver), tracks of one
person that follow each other within ``max_gap`` are joined (:meth:`Tracker.finish`; by identity, or
by motion alone where no identity model decides and the join is unambiguous), and every gap is
bridged by the head's motion (:func:`fill_gaps`): those frames are flagged ``interpolated`` and ``predicted`` and
their confidence falls toward the middle of the gap, so later nodes still place a face there and an
artist sees which frames to check.

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
from scipy.optimize import linear_sum_assignment

from faceplate.foundation.geometry import box_iou
from faceplate.nodes.facedetect import gap_motion, head_motion
from faceplate.nodes.facedetect.detect import Detection
from faceplate.nodes.facedetect.misfits import misfit_frames

SAME_PERSON = 0.55  # dlib's embedding: same person below about 0.6 (we stay on the cautious side)
MIN_IOU = 0.2
NO_MATCH = 1e6
VELOCITY_DAMPING = 0.9  # per unseen frame: a lost face is predicted to slow down (at most 10 frames' travel)
RECENT_FRAMES = 12  # a lost face's size: the median over the track's last frames
REACH = 0.6  # a lost face may come back this many box sides from its prediction ...
REACH_PER_FRAME = 0.04  # ... plus this many per frame unseen ...
MAX_REACH = 3.0  # ... up to this many
RETURN_COST = 0.5  # added to a lost track's cost, so a face seen on the frame before keeps its detection
CONFIDENCE_HALF_LIFE = 12.0  # frames: a bridged frame's confidence halves this far from a measured frame


@dataclasses.dataclass
class TrackFrame:
    """One frame of a track, in plate pixels (``embedding`` only on frames where it was computed;
    ``mesh`` and ``pose`` from a dense backend, on detected frames; ``flow``, where it was measured,
    the similarity ``(a, b, tx, ty)`` that moves the face's visible pixels from the frame before to
    this one: ``x' = [[a, -b], [b, a]] x + (tx, ty)``)."""

    box: np.ndarray
    score: float
    landmarks: np.ndarray
    confidence: np.ndarray
    flags: frozenset[str]
    embedding: np.ndarray | None = None
    mesh: np.ndarray | None = None
    pose: tuple[float, float, float] | None = None
    flow: np.ndarray | None = None


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

    def predict(self, frame: int, damped: bool = True) -> np.ndarray:
        """The box at ``frame`` (after the track's last). The next frame's is the last box moved on by the
        velocity; after a miss, the box's centre moves on by the velocity, damped per unseen frame, and
        its size is the track's recent size (a face going out of sight behind something shrinks its
        box: that is not the face's size). ``damped=False``: the centre keeps its velocity (a face
        passing behind another does not stop)."""
        last = self.last
        steps = frame - last
        box = self.frames[last].box
        if steps <= 1:
            return box + self.velocity * steps
        travel = (1.0 - VELOCITY_DAMPING**steps) / (1.0 - VELOCITY_DAMPING) if damped else float(steps)
        centre = 0.5 * (box[:2] + box[2:]) + 0.5 * (self.velocity[:2] + self.velocity[2:]) * travel
        recent = [self.frames[f].box for f in sorted(self.frames)[-RECENT_FRAMES:]]
        half = 0.5 * np.median([b[2:] - b[:2] for b in recent], axis=0)
        return np.concatenate([centre - half, centre + half])


class Tracker:
    """Feeds on one frame's detections at a time (:meth:`update`), returns tracks from :meth:`finish`.

    Args:
        embed: computes (and caches on the detection) a detection's identity embedding.
        max_gap: frames a track may miss and still continue (a hidden face, a crossing).
        embed_every: refresh a track's embedding at least this often (frames).
        same_person: largest embedding distance at which a detection may join a track.
        on_extend: called with (track, frame, detection) whenever a detection joins a track.
        on_join: called with (kept, absorbed) when :meth:`finish` joins two tracks of one person.
    """

    def __init__(
        self,
        embed: Callable[[Detection], np.ndarray],
        *,
        max_gap: int = 48,
        embed_every: int = 24,
        same_person: float = SAME_PERSON,
        on_extend: Callable[[Track, int, Detection], None] | None = None,
        on_join: Callable[[Track, Track], None] | None = None,
    ):
        self.embed = embed
        self.on_extend = on_extend
        self.on_join = on_join
        self.max_gap = max_gap
        self.embed_every = embed_every
        self.same_person = same_person
        self.tracks: list[Track] = []
        self._open: list[Track] = []

    def update(self, frame: int, detections: list[Detection]) -> None:
        self._open = [t for t in self._open if frame - t.last <= self.max_gap + 1]
        tracks = self._open
        overlap = np.zeros((len(tracks), len(detections)))
        candidates = np.zeros((len(tracks), len(detections)), bool)
        for i, track in enumerate(tracks):
            predicted = track.predict(frame)
            for j, det in enumerate(detections):
                overlap[i, j] = box_iou(predicted, np.asarray(det.box))
                candidates[i, j] = overlap[i, j] >= MIN_IOU or (
                    frame - track.last > 1 and within_reach(predicted, np.asarray(det.box), frame - track.last)
                )
        cost = np.where(candidates, 1.0 - overlap, NO_MATCH)
        for i, track in enumerate(tracks):
            for j, det in enumerate(detections):
                if not candidates[i, j]:
                    continue
                if self._contested(frame, track, candidates, i, j):
                    distance = self._distance(track, det)
                    lost = RETURN_COST if frame - track.last > 1 else 0.0
                    cost[i, j] = NO_MATCH if distance > self.same_person else cost[i, j] + distance + lost
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
        track.frames[frame] = TrackFrame(
            box,
            det.score,
            np.asarray(det.landmarks, np.float64),
            np.asarray(det.confidence, np.float64),
            det.flags,
            det.embedding,
            det.mesh,
            det.pose,
        )
        if self.on_extend is not None:
            self.on_extend(track, frame, det)

    def finish(self, min_detections: int = 1) -> list[Track]:
        """Tracks with at least ``min_detections`` detected frames, one person's consecutive tracks joined,
        gaps bridged, numbered 1.. by first frame."""
        for track in self.tracks:
            for frame in misfit_frames({f: tf.landmarks for f, tf in track.frames.items()}):
                del track.frames[frame]
        self.tracks = [t for t in self.tracks if t.frames]
        self._join_returns()
        tracks = [t for t in self.tracks if len(t.frames) >= min_detections]
        for track in tracks:
            fill_gaps(track)
        tracks.sort(key=lambda t: (t.first, t.id))
        for i, track in enumerate(tracks, 1):
            track.id = i
        return tracks

    def _join_returns(self) -> None:
        """Joins a track to an earlier one of the same person that ended at most ``max_gap`` frames before
        it began, within reach of where that one was going (a face that came back looking different
        enough, half hidden, to start a track of its own). Nearest identities first; then, for tracks
        without embeddings (a backend with no identity model), by motion alone where it is unambiguous:
        the only track within reach of the other's ending, and the other the only one within reach of
        its start."""
        while True:
            best = None
            returns = self._returns()
            for x, y in returns:
                ex, ey = x.embedding(), y.embedding()
                if ex is None or ey is None:
                    continue
                distance = float(np.linalg.norm(ex - ey))
                if distance <= self.same_person and (best is None or distance < best[0]):
                    best = (distance, x, y)
            if best is None:
                unembedded = [(x, y) for x, y in returns if x.embedding() is None and y.embedding() is None]
                unique = [
                    (x, y)
                    for x, y in unembedded
                    if sum(a is x for a, _ in unembedded) == 1 and sum(b is y for _, b in unembedded) == 1
                ]
                if not unique:
                    return
                best = (0.0, *unique[0])
            _, kept, absorbed = best
            kept.frames.update(absorbed.frames)
            kept.velocity = absorbed.velocity
            self.tracks.remove(absorbed)
            if self.on_join is not None:
                self.on_join(kept, absorbed)

    def _returns(self) -> list[tuple[Track, Track]]:
        """``(x, y)``: track ``y`` begins after ``x`` ends (on the next frame: a jump the online linking did not
        take; or after at most ``max_gap`` frames unseen), within reach of where ``x`` was going (slowing
        down, or keeping its speed)."""
        out = []
        for x in self.tracks:
            for y in self.tracks:
                gap = y.first - x.last
                if x is y or not 1 <= gap <= self.max_gap + 1:
                    continue
                start = y.frames[y.first].box
                if any(within_reach(x.predict(y.first, damped), start, gap) for damped in (True, False)):
                    out.append((x, y))
        return out


def within_reach(predicted: np.ndarray, box, gap: int) -> bool:
    """Whether a face last predicted at box ``predicted`` may be the one boxed at ``box`` after ``gap``
    frames unseen: near enough (:data:`REACH` box sides, growing with the gap) and of a like size."""
    box = np.asarray(box, np.float64)
    side = 0.5 * (predicted[2] - predicted[0] + predicted[3] - predicted[1])
    other = 0.5 * (box[2] - box[0] + box[3] - box[1])
    if side <= 0 or not 0.5 < other / side < 2.0:
        return False
    distance = np.linalg.norm(0.5 * (predicted[:2] + predicted[2:]) - 0.5 * (box[:2] + box[2:]))
    return bool(distance <= side * min(REACH + REACH_PER_FRAME * gap, MAX_REACH))


def fill_gaps(track: Track) -> None:
    """Bridges each gap of ``track`` by the head's motion: flagged ``interpolated`` and ``predicted``,
    confidence falling toward the gap's middle (see :func:`bridge`)."""
    frames = sorted(track.frames)
    for a, b in zip(frames, frames[1:]):
        if b - a > 1:
            bridge(track, a, b)


def _end_motion(track: Track, shape: np.ndarray, frames: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The head pose at ``frames[-1]`` and its velocity per frame (a line through the frames, up to 4)."""
    points = np.stack([track.frames[f].landmarks for f in frames])
    weights = np.stack([track.frames[f].confidence for f in frames]) + 1e-6
    pose = gap_motion.pose(head_motion.robust_fit(shape, points, weights))
    return pose[-1], gap_motion.velocity(np.asarray(frames, np.float64) - frames[-1], pose)


def bridge(track: Track, a: int, b: int) -> None:
    """Fills frames ``a+1 .. b-1`` of ``track`` (measured at ``a`` and ``b``): the head pose (scale, roll,
    position) follows the line from ``a``'s to ``b``'s and, near each end, the head's velocity there
    (over the last :data:`.gap_motion.VELOCITY_FRAMES` measured frames), fading within a few frames
    (:mod:`.gap_motion`); the face's shape blends from ``a``'s to ``b``'s in the head's frame."""
    fa, fb = track.frames[a], track.frames[b]
    shape = fa.landmarks - fa.landmarks.mean(axis=0)
    measured = sorted(f for f, tf in track.frames.items() if "interpolated" not in tf.flags)
    reach = gap_motion.VELOCITY_FRAMES - 1
    before = [f for f in measured if a - reach <= f <= a] or [a]
    after = [f for f in measured if b <= f <= b + reach] or [b]
    pose_a, velocity_a = _end_motion(track, shape, before)
    pose_b, velocity_b = _end_motion(track, shape, after[::-1])
    gap = b - a
    shape_a = head_motion.to_head(gap_motion.motion(pose_a[None]), fa.landmarks[None])[0]
    shape_b = head_motion.to_head(gap_motion.motion(pose_b[None]), fb.landmarks[None])[0]
    centre_a, centre_b = fa.landmarks.mean(axis=0), fb.landmarks.mean(axis=0)
    poses = gap_motion.path(pose_a, velocity_a, pose_b, velocity_b, gap)
    for f in range(a + 1, b):
        s = (f - a) / gap
        landmarks = head_motion.place(
            gap_motion.motion(poses[f - a - 1][None]), ((1 - s) * shape_a + s * shape_b)[None]
        )[0]
        shift = landmarks.mean(axis=0) - ((1 - s) * centre_a + s * centre_b)
        box = (1 - s) * fa.box + s * fb.box + np.tile(shift, 2)
        fade = 0.5 ** (min(f - a, b - f) / CONFIDENCE_HALF_LIFE)
        track.frames[f] = TrackFrame(
            box=box,
            score=0.0,
            landmarks=landmarks,
            confidence=np.clip(fade * np.minimum(fa.confidence, fb.confidence), 0.0, 1.0),
            flags=frozenset({"interpolated", "predicted"}),
        )

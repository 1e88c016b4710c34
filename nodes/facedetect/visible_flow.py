"""The flow of a face's own visible pixels: a face passing behind another or lost under an object
carried by it (:func:`carry`), and every frame's head motion measured by it for the stabiliser
(:class:`FrameFlow`).

As a face slides behind a nearer one, its landmark fits drift onto the nearer face: the landmark
model sees half of one face and half of another (on the hard set's ``cross`` shot the far face's fits
are 5-17 % of the inter-ocular distance (IOD) off at 75-41 % in sight), and when it is lost, the
gap's prediction starts from those drifting fits. No smoothing of the landmarks can tell that drift
from motion. A compositor's answer is a planar track with a holdout: follow the pixels of the face
that are still in sight, masking out the face in front. :func:`carry` does that for each gap of a
track where the face is behind another tracked face:

- from the last frame before the gap where no other face overlaps this one (the *anchor*), it
  follows corner features inside the face's outline (its landmarks' hull), leaving out the other
  faces' outlines (their landmarks' hull grown by :data:`COVER_GROWTH`), frame to frame by pyramidal
  Lucas-Kanade, forward and back (a feature whose round trip misses by more than
  :data:`ROUND_TRIP` pixels is dropped); a similarity fitted to them robustly (RANSAC) moves the
  anchor's landmarks on. Which face is behind needs no depth: it is the one whose track is lost.
- it stops where less than :data:`MIN_VISIBLE` of the face's outline is in sight, fewer than
  :data:`MIN_FEATURES` features agree with the fit, or fewer than :data:`MIN_FEATURE_SHARE` of the
  first step's features are still followed into sight (then the rest of the gap is predicted);
- the same runs back from the first clear frame after the gap.

The frames reached (the fits between the anchor and the gap, and the gap's own frames as far as
the flow went) take the carried landmarks, flagged ``carried``; what remains of the gap is bridged
again from the carried ends (:func:`.tracker.bridge`). A frame-to-frame chain drifts slowly (a
similarity ignores a turning head and a changing expression), so it is used only within
:data:`MAX_CARRY` frames of its anchor.

Measured against the truth on the hard set's crossings at 640x360 (72 frames, tracked with the mesh):
on ``cross`` the far face's carried frames lay 0.7-1.2 % of the IOD off down to a quarter in sight,
where its fits had been up to 17 % off, and the frames still predicted 1-12 % where they had been
20-32 %. On ``combo`` (motion blur, a 2 Hz bob) a first version followed one frame at 6 % in sight
onto the nearer face (20 % off): :data:`MIN_FEATURE_SHARE` was added for it, so ``combo`` no longer
counts as held out here. ``tumble`` in ``tests/facedetect/test_visible_flow.py`` (roll +-25 deg at
1.5 Hz, scale +-22 %), made after that, was not tuned on: 0.7-1.4 %. Those faces are rigid copies of
a photo, the best case for a similarity. A head that turns while it passes behind is not: on
``turning`` (the far face turned 40 deg in 3D over a second, tracked for real) the carried frames
drift about 0.7 % of the IOD per frame as it turns (1.9 -> 7.5 % over the 9 half-hidden frames,
4.6 on average, where the fits served 2.2 -> 16 %, 7.8 on average), and the predicted frames after
them 17 % off on average, where the bridge from the drifting fits was 86 % off. Hence the short reach.

A face lost with no other tracked face over it (a hand or a bar over it that the landmark model
gives up on, as dlib does on the hard set's ``eyes`` and ``mouth``, or a missed detection) is
carried the same way from the measured frames either side of the gap, with nothing held out, the
whole gap if it is at most twice :data:`MAX_CARRY` long. An object over a face may move with it
(a bar, a hand on the cheek) or on its own (a hand passing), and an object that moves on its own
drags the flow of the pixels under it along: so the carries from both sides must meet inside the
gap and agree to within :data:`UNDER_AGREEMENT` of the IOD, else the gap keeps its prediction. On
``eyes`` and ``mouth`` with dlib's gaps (``test_visible_flow.py``) the carried frames lay 1.1 and
0.9 % of the IOD off on average (at most 1.6), where the prediction was 54 and 37 % off; the far
face of ``cross`` with the near face left untracked (a face-sized object moving the other way)
has its carries part by 184 % of the IOD and keeps its prediction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import cv2
import numpy as np

from faceplate.foundation import geometry
from faceplate.nodes.facedetect import head_motion
from faceplate.nodes.facedetect.tracker import TrackFrame, bridge
from faceplate.nodes.faces import inter_ocular

COVER_GROWTH = 1.3  # another face hides this much more than its landmarks' hull (forehead, hair, chin)
MIN_VISIBLE = 0.15  # of the face's outline in sight, below which it is not followed
MIN_FEATURES = 20  # features agreeing with the frame's similarity, below which it is not followed
MIN_FEATURE_SHARE = 0.25  # ... and features followed into sight, as a share of those on the first step
ROUND_TRIP = 0.5  # pixels: a feature tracked forward and back must land this near where it started
MAX_CARRY = 24  # frames from the anchor
ANCHOR_CLEARANCE = 1.6  # an anchor's hull grown this much meets no other face: the landmark model's crop
# holds more than the face, and a fit starts drifting before the faces meet
UNDER_AGREEMENT = 0.05  # of the IOD: carries from both sides of a gap under an object must meet this near
ANCHOR_SEARCH = 12  # frames before (after) a gap searched for a frame clear of other faces
MAX_FEATURES = 200
WINDOW = (15, 15)
LEVELS = 3
RANSAC_PIXELS = 1.0


@dataclasses.dataclass
class Picture:
    """A frame (or a part of it) as the flow reads it: 8-bit grey ``image`` and ``image_from_plate``
    (2x3: where a plate pixel lies in it; a similarity or a scale and shift)."""

    image: np.ndarray
    image_from_plate: np.ndarray

    @classmethod
    def scaled(cls, image: np.ndarray, scale, origin) -> Picture:
        """``image`` holding plate pixel ``p`` at ``(p - origin) * scale`` (a proxy of the plate)."""
        sx, sy = scale
        return cls(image, np.array([[sx, 0.0, -origin[0] * sx], [0.0, sy, -origin[1] * sy]]))

    @property
    def scale(self) -> float:
        """Image pixels per plate pixel."""
        return float(np.sqrt(abs(np.linalg.det(self.image_from_plate[:, :2]))))

    def to_image(self, points: np.ndarray) -> np.ndarray:
        return points @ self.image_from_plate[:, :2].T + self.image_from_plate[:, 2]

    def to_plate(self, points: np.ndarray) -> np.ndarray:
        return (points - self.image_from_plate[:, 2]) @ np.linalg.inv(self.image_from_plate[:, :2]).T


@dataclasses.dataclass
class Carried:
    """A frame reached by the flow: ``plate_from_anchor`` (2x3, plate pixels) and how much of the face was in sight."""

    anchor: int
    plate_from_anchor: np.ndarray
    visible: float
    features: int
    step: np.ndarray  # 2x3: the last step's plate_from_before (from the frame beside it, toward the anchor)


def hull_mask(points: np.ndarray, shape: tuple[int, int], growth: float = 1.0) -> np.ndarray:
    """uint8 mask (``shape`` rows, columns) of the convex hull of ``points`` grown about their mean."""
    centre = points.mean(axis=0)
    grown = centre + (points - centre) * growth
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(grown).astype(np.int32)), 1)
    return mask


@dataclasses.dataclass
class Step:
    """The flow of a face's visible pixels from one frame to the next: ``plate_from_before`` (2x3, plate
    pixels), the features that agree with it, those followed into sight, and the share of the moved
    outline in sight."""

    plate_from_before: np.ndarray
    inliers: int
    followed: int
    visible: float


def step(before: Picture, now: Picture, points: np.ndarray, hidden_before: list, hidden_now: list) -> Step | None:
    """The similarity that moves the pixels inside the hull of ``points`` (plate pixels, on ``before``)
    and outside the ``hidden_*`` hulls (other faces, on each frame) to ``now``; None where fewer than
    :data:`MIN_FEATURES` features are found or agree."""
    shape = before.image.shape[:2]
    face = hull_mask(before.to_image(points), shape)
    features = cv2.goodFeaturesToTrack(
        before.image, MAX_FEATURES, 0.01, 3, mask=face & (1 - _cover(before, hidden_before, shape))
    )
    if features is None or len(features) < MIN_FEATURES:
        return None
    ahead, ok, _ = cv2.calcOpticalFlowPyrLK(before.image, now.image, features, None, winSize=WINDOW, maxLevel=LEVELS)
    back, ok_back, _ = cv2.calcOpticalFlowPyrLK(now.image, before.image, ahead, None, winSize=WINDOW, maxLevel=LEVELS)
    good = (ok[:, 0] == 1) & (ok_back[:, 0] == 1) & (np.linalg.norm(back - features, axis=2)[:, 0] < ROUND_TRIP)
    start, end = features[good, 0], ahead[good, 0]
    hidden = _cover(now, hidden_now, now.image.shape[:2])
    rows = np.clip(end[:, 1].astype(int), 0, hidden.shape[0] - 1)
    cols = np.clip(end[:, 0].astype(int), 0, hidden.shape[1] - 1)
    keep = hidden[rows, cols] == 0
    start, end = before.to_plate(start[keep]), now.to_plate(end[keep])
    if len(start) < MIN_FEATURES:
        return None
    matrix, inliers = cv2.estimateAffinePartial2D(
        start, end, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PIXELS / now.scale
    )
    if matrix is None or int(inliers.sum()) < MIN_FEATURES:
        return None
    moved = geometry.apply(matrix, points)
    outline = hull_mask(now.to_image(moved), now.image.shape[:2])
    visible = float((outline & (1 - hidden)).sum() / max(int(outline.sum()), 1))
    return Step(matrix, int(inliers.sum()), len(start), visible)


def follow(
    pictures: Callable[[int], Picture],
    landmarks: np.ndarray,
    frames: list[int],
    covers: Callable[[int], list[np.ndarray]],
) -> dict[int, Carried]:
    """Carries ``landmarks`` (plate pixels, at ``frames[0]``) along ``frames`` (consecutive, either
    direction) by the flow of the pixels inside their hull and outside every ``covers(frame)`` hull
    (other faces' landmarks, plate pixels). Returns the frames reached, until the face is too hidden."""
    out: dict[int, Carried] = {}
    before = pictures(frames[0])
    total = geometry.translation(0.0, 0.0)  # plate_from_anchor
    points = landmarks
    first = 0  # features followed into sight on the first step
    for previous, frame in zip(frames, frames[1:]):
        now = pictures(frame)
        moved = step(before, now, points, covers(previous), covers(frame))
        if moved is None:
            break
        first = first or moved.followed
        if moved.followed < MIN_FEATURE_SHARE * first or moved.visible < MIN_VISIBLE:
            break
        m = moved.plate_from_before
        points = geometry.apply(m, points)
        total = geometry.compose(m, total)
        out[frame] = Carried(frames[0], total, moved.visible, moved.inliers, m)
        before = now
    return out


def _cover(picture: Picture, hulls: list[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    for points in hulls:
        mask |= hull_mask(picture.to_image(points), shape, COVER_GROWTH)
    return mask


def overlaps(points: np.ndarray, others: list[np.ndarray], growth: float = 1.0) -> bool:
    """Whether the hull of ``points`` (grown by ``growth``) meets any of ``others``' hulls grown by
    :data:`COVER_GROWTH` (plate pixels)."""
    if not others:
        return False
    everything = np.concatenate([points, *others])
    centre = points.mean(axis=0)
    everything = np.concatenate([everything, centre + (points - centre) * growth])
    origin = np.floor(everything.min(axis=0)) - 2
    shape = tuple(int(v) for v in np.ceil(everything.max(axis=0) - origin)[::-1] + 4)
    mine = hull_mask(points - origin, shape, growth)  # type: ignore[arg-type]
    return any((mine & hull_mask(o - origin, shape, COVER_GROWTH)).any() for o in others)  # type: ignore[arg-type]


def carry(tracks: list, pictures: Callable[[int], Picture]) -> dict[int, list[int]]:
    """Carries each track's face by its visible pixels beside every gap where it is behind another
    track's face, and through every gap under an object where the carries from both sides agree
    (above); returns ``{track id: frames carried}``. Tracks are changed in place."""
    done: dict[int, list[int]] = {}
    for track in tracks:

        def others(frame: int, track=track) -> list[np.ndarray]:
            return [o.frames[frame].landmarks for o in tracks if o is not track and frame in o.frames]

        def clear(frame: int, track=track) -> bool:
            tf = track.frames.get(frame)
            return tf is not None and not _unseen(tf) and not overlaps(tf.landmarks, others(frame), ANCHOR_CLEARANCE)

        for g0, g1 in _gaps(track):
            if any(overlaps(track.frames[f].landmarks, others(f)) for f in (g0 - 1, g1 + 1)):
                reached = _behind(track, g0, g1, clear, pictures, others)
            else:  # lost for another reason (an object over it, the detector)
                reached = _under(track, g0, g1, pictures, others)
            if not reached:
                continue
            for f, c in reached.items():
                track.frames[f] = _moved(track.frames[c.anchor], c.plate_from_anchor)
            for f, c in reached.items():  # the flow between consecutive frames of a carry is its step
                later, forward = (f, c.step) if f > c.anchor else (f + 1, geometry.invert(c.step))
                track.frames[later] = dataclasses.replace(track.frames[later], flow=head_motion.from_matrix(forward))
            done.setdefault(track.id, []).extend(sorted(reached))
            unseen = [f for f in range(g0, g1 + 1) if f not in reached]
            if unseen and reached:
                for f in unseen:
                    del track.frames[f]
                for lo, hi in _runs(unseen):
                    bridge(track, lo - 1, hi + 1)
    return {k: sorted(v) for k, v in done.items() if v}


def _behind(track, g0: int, g1: int, clear, pictures, others) -> dict[int, Carried]:
    """The frames of gap ``g0 .. g1`` (and beside it) reached from the clear anchors either side, each
    from the nearer anchor: the face is behind another track's face."""
    reached: dict[int, Carried] = {}
    for anchor, stop, step in (
        (next((f for f in range(g0 - 1, g0 - 2 - ANCHOR_SEARCH, -1) if clear(f)), None), g1, 1),
        (next((f for f in range(g1 + 1, g1 + 2 + ANCHOR_SEARCH) if clear(f)), None), g0, -1),
    ):
        if anchor is None:
            continue
        end = anchor + step * MAX_CARRY
        last = min(stop, end) if step > 0 else max(stop, end)
        got = follow(pictures, track.frames[anchor].landmarks, list(range(anchor, last + step, step)), others)
        for f, c in got.items():
            if f not in reached or abs(f - c.anchor) < abs(f - reached[f].anchor):
                reached[f] = c
    return reached


def _under(track, g0: int, g1: int, pictures, others) -> dict[int, Carried]:
    """The frames of gap ``g0 .. g1``, where no other track's face is over this one (a hand, a bar, a
    missed detection), carried from the measured frames either side; kept only where the two carries
    meet and agree to within :data:`UNDER_AGREEMENT` of the IOD (an object that moves on its own drags
    the flow of the pixels under it along, and the two sides then part), else none."""
    a, b = g0 - 1, g1 + 1
    if g1 - g0 + 1 > 2 * MAX_CARRY:
        return {}
    ahead = follow(pictures, track.frames[a].landmarks, list(range(a, min(g1, a + MAX_CARRY) + 1)), others)
    if not ahead:
        return {}
    back = follow(pictures, track.frames[b].landmarks, list(range(b, max(g0, b - MAX_CARRY) - 1, -1)), others)
    met = sorted(set(ahead) & set(back))
    if not met:
        return {}
    iod = max(inter_ocular(track.frames[a].landmarks), 1e-6)
    parted = [
        float(
            np.linalg.norm(
                geometry.apply(ahead[f].plate_from_anchor, track.frames[a].landmarks)
                - geometry.apply(back[f].plate_from_anchor, track.frames[b].landmarks),
                axis=1,
            ).mean()
        )
        / iod
        for f in met
    ]
    if np.median(parted) > UNDER_AGREEMENT:
        return {}
    return {f: ahead[f] if f in ahead and (f not in back or f - a <= b - f) else back[f] for f in range(g0, g1 + 1)}


def _moved(anchor, plate_from_anchor: np.ndarray):
    m = plate_from_anchor
    corners = np.array(
        [
            [anchor.box[0], anchor.box[1]],
            [anchor.box[2], anchor.box[1]],
            [anchor.box[0], anchor.box[3]],
            [anchor.box[2], anchor.box[3]],
        ]
    )
    corners = geometry.apply(m, corners)
    mesh = None
    if anchor.mesh is not None:
        mesh = anchor.mesh.copy()
        mesh[:, :2] = geometry.apply(m, anchor.mesh[:, :2])
        mesh[:, 2] = anchor.mesh[:, 2] * float(np.sqrt(abs(np.linalg.det(m[:, :2]))))
    return TrackFrame(
        box=np.concatenate([corners.min(axis=0), corners.max(axis=0)]),
        score=anchor.score,
        landmarks=geometry.apply(m, anchor.landmarks),
        confidence=anchor.confidence.copy(),
        flags=frozenset({"carried"}),
        mesh=mesh,
    )


def _unseen(tf) -> bool:
    return bool({"interpolated", "predicted"} & set(tf.flags))


def _gaps(track) -> list[tuple[int, int]]:
    """Runs of unseen frames strictly inside ``track``."""
    frames = sorted(track.frames)
    return [
        (lo, hi)
        for lo, hi in _runs([f for f in frames if _unseen(track.frames[f])])
        if lo > frames[0] and hi < frames[-1]
    ]


def _runs(frames: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for f in frames:
        if runs and f == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], f)
        else:
            runs.append((f, f))
    return runs


def picture(detector, px) -> Picture:
    """A plate as the flow reads it: the detector's proxy of it (``px``, :meth:`.detect.Detector.pixels`:
    its size, display-referred as detection sees it), grey."""
    grey = cv2.cvtColor(detector.display(px.proxy[:, :, :3]), cv2.COLOR_RGB2GRAY)
    return Picture.scaled(grey, px.scale, px.origin)


class FrameFlow:
    """Measures each track's ``flow`` as the tracks are linked, frame by frame in order, from each frame's
    :func:`picture` (made when its plate was pulled for detection: no frame is read again). Pass it as
    the tracker's ``on_extend`` (or call it from there) and call :meth:`frame_done` after each frame's
    :meth:`.tracker.Tracker.update`. A frame gets a flow where the track's face was measured on the
    frame before too and :func:`step` finds one with :data:`MIN_VISIBLE` of it in sight, the other
    tracks' faces held out."""

    def __init__(self) -> None:
        self._before: tuple[int, Picture] | None = None
        self._pending: list = []

    def __call__(self, track, frame: int, detection) -> None:
        self._pending.append(track)

    def frame_done(self, frame: int, tracks: list, now: Picture | None) -> None:
        before = self._before[1] if self._before is not None and self._before[0] == frame - 1 else None
        for track in self._pending if before is not None else []:
            if frame - 1 not in track.frames or frame not in track.frames:
                continue
            moved = step(
                before,
                now,
                track.frames[frame - 1].landmarks,
                [o.frames[frame - 1].landmarks for o in tracks if o is not track and frame - 1 in o.frames],
                [o.frames[frame].landmarks for o in tracks if o is not track and frame in o.frames],
            )
            if moved is not None and moved.visible >= MIN_VISIBLE:
                track.frames[frame] = dataclasses.replace(
                    track.frames[frame], flow=head_motion.from_matrix(moved.plate_from_before)
                )
        self._pending.clear()
        self._before = (frame, now)

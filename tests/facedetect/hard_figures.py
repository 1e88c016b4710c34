"""Measuring tracks of the hard shot set against their exact truth (:mod:`hard_shots`).

:func:`track_shot` writes a shot as EXR frames, tracks it through a Read -> FaceDetect graph with
:func:`faceplate.actions.shot_tracking.track`, and :func:`figures` scores the tracks per actor:

- each track belongs to the actor its measured landmarks lie nearest on most frames;
- ``error``: mean landmark distance to the truth over the actor's measured frames, % of the true
  inter-ocular distance (IOD), raw and stabilised at each strength, on the same frames;
- ``jitter``: mean frame-to-frame change of that error vector (% IOD), raw and stabilised: the
  motion the truth explains is taken out, so only the landmarks' own shake is left;
- ``ends``: the mean error over each track's first and last :data:`END_FRAMES` frames (worst
  track): where a smoother without a run-up goes wrong. One frame alone is a coin toss against its
  own noise (a lucky raw measurement beats any estimate), so ``ends_first_last`` keeps the strict
  first-and-last-frame figure beside it, for the record;
- ``coverage``: frames where one of the actor's tracks places a face (stabilised at the last
  strength given: what the node serves) within 1 IOD of the truth where it was measured, within
  :data:`PREDICTED_REACH` IOD where the face was unseen and predicted (through 1.5 s of a nodding
  head a prediction can be off by the nod's amplitude; ``predicted_error`` says by how much), over
  the shot's frames;
- ``tracks``: how many tracks the actor's frames are split over; ``id_switches``: how often the
  track whose *measured* face lies nearest the actor's truth (within 0.5 IOD) changes id along the
  shot, over the frames where at least half the face is in sight: a switch is a detection of the
  face joining another track. (A predicted face, placed while its person is unseen, may pass over
  the other person's truth, as a face hidden behind another has the near face on top of it: that
  is not a switch.)
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
from hard_shots import HardShot

UNMEASURED = ("interpolated", "predicted")
END_FRAMES = 3
PREDICTED_REACH = 1.5


def track_shot(
    shot: HardShot,
    folder: str,
    size: tuple[int, int],
    *,
    proxy_size: int | None = None,
    contact_sheets: bool = False,
    **knobs,
):
    """``(TrackResult, graph)`` of ``shot`` written at ``size`` into ``folder`` and tracked serially."""
    from hard_shots import write_shot

    from faceplate.actions.shot_tracking import track
    from faceplate.nodes.core import Graph

    pattern = write_shot(shot, os.path.join(folder, "plates"), size)
    graph = Graph(root=folder, frame_range=(shot.frames[0], shot.frames[-1]))
    read = graph.create("Read", file=pattern)
    fd = graph.create("FaceDetect", proxy_size=proxy_size or min(960, size[0]), **knobs)
    graph.connect(read, fd)
    return track(graph, contact_sheets=contact_sheets, workers=1), graph


def measured(tf) -> bool:
    return not (set(tf.flags) & set(UNMEASURED))


def _iod(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[36:42].mean(0) - points[42:48].mean(0)))


def _error(points: np.ndarray, truth: np.ndarray) -> float:
    """Mean landmark distance, % of the true IOD."""
    return float(100.0 * np.linalg.norm(points - truth, axis=1).mean() / _iod(truth))


@dataclasses.dataclass
class ActorFigures:
    shot: str
    actor: str
    frames: list[int]  # the actor's measured frames, in order
    raw: np.ndarray  # per measured frame, % IOD
    stable: dict[float, np.ndarray]  # strength -> per measured frame, % IOD
    raw_jitter: float
    stable_jitter: dict[float, float]
    ends_raw: float  # worst error on a track's first or last frame, raw
    ends_stable: dict[float, float]
    ends_first_last_raw: float  # the same on the first and last frame alone
    ends_first_last_stable: dict[float, float]
    coverage: float  # %
    tracks: int
    id_switches: int
    predicted_error: float  # stabilised error on frames with no measurement (% IOD), nan when none
    predicted_frames: list[int] = dataclasses.field(default_factory=list)  # those frames ...
    predicted_errors: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))  # ... and their errors

    @property
    def raw_error(self) -> float:
        return float(self.raw.mean()) if len(self.raw) else float("nan")

    def stable_error(self, strength: float) -> float:
        return float(self.stable[strength].mean()) if len(self.raw) else float("nan")


def _jitter(frames: list[int], estimate: dict[int, np.ndarray], truth: dict[int, np.ndarray]) -> float:
    steps = [
        100.0 * np.linalg.norm((estimate[b] - truth[b]) - (estimate[a] - truth[a]), axis=1).mean() / _iod(truth[b])
        for a, b in zip(frames, frames[1:])
        if b == a + 1
    ]
    return float(np.mean(steps)) if steps else float("nan")


def figures(
    shot: HardShot, tracks: list, size: tuple[int, int], strengths=(0.0, 0.25, 0.5), backend: str | None = None
) -> list[ActorFigures]:
    """Per actor of ``shot``, the figures above (stabilisation by FaceDetect's own :func:`stabilise_track`),
    against the truth as ``backend`` (the one that tracked the shot; None: the default) sees the stills."""
    from faceplate.nodes.facedetect.stabilise import stabilise_track

    truths = {f: shot.truth(f, size, backend) for f in shot.frames}
    n = len(shot.actors)

    def nearest(points: np.ndarray, f: int) -> tuple[int, float]:
        d = [np.linalg.norm(points - truths[f][a], axis=1).mean() / _iod(truths[f][a]) for a in range(n)]
        return int(np.argmin(d)), float(min(d))

    owner = {}
    for t in tracks:
        votes = np.zeros(n)
        for f, tf in t.frames.items():
            if measured(tf) and f in truths:
                votes[nearest(tf.landmarks, f)[0]] += 1
        owner[t.id] = int(np.argmax(votes)) if votes.sum() else -1
    served = strengths[-1]  # what the node serves at the default strength places the face
    stabilised = {
        s: {t.id: {f: face.landmarks for f, face in stabilise_track(t, strength=s).items()} for t in tracks}
        for s in strengths
    }
    out = []
    for a, actor in enumerate(shot.actors):
        own = [t for t in tracks if owner[t.id] == a]
        frames, raw, stable = [], [], {s: [] for s in strengths}
        ends, first_last = ({s: [] for s in ["raw", *strengths]} for _ in range(2))
        raw_points, stable_points = {}, {s: {} for s in strengths}
        predicted = []
        for t in own:
            done = sorted(f for f in t.frames if f in truths)
            for f in done:
                tf = t.frames[f]
                truth = truths[f][a]
                if not measured(tf):
                    predicted.append((f, _error(stabilised[served][t.id][f], truth)))
                    continue
                frames.append(f)
                raw.append(_error(tf.landmarks, truth))
                raw_points[f] = tf.landmarks
                for s in strengths:
                    stable[s].append(_error(stabilised[s][t.id][f], truth))
                    stable_points[s][f] = stabilised[s][t.id][f]
            for group in (done[:END_FRAMES], done[-END_FRAMES:]) if done else ():
                ends["raw"].append(np.mean([_error(t.frames[f].landmarks, truths[f][a]) for f in group]))
                for s in strengths:
                    ends[s].append(np.mean([_error(stabilised[s][t.id][f], truths[f][a]) for f in group]))
            for f in (done[:1] + done[-1:]) if done else []:
                first_last["raw"].append(_error(t.frames[f].landmarks, truths[f][a]))
                for s in strengths:
                    first_last[s].append(_error(stabilised[s][t.id][f], truths[f][a]))
        order = np.argsort(frames)
        frames = [frames[i] for i in order]
        truth_of = {f: truths[f][a] for f in shot.frames}
        covered, sequence = 0, []  # id switches: the track nearest the truth, frame by frame
        for f in shot.frames:
            truth = truths[f][a]
            near = [
                (np.linalg.norm(stabilised[served][t.id][f] - truth, axis=1).mean() / _iod(truth), t.id)
                for t in tracks
                if f in t.frames
            ]
            reach = {t.id: 1.0 if measured(t.frames[f]) else PREDICTED_REACH for t in tracks if f in t.frames}
            if any(d < reach[i] and owner[i] == a for d, i in near):
                covered += 1
            close = [
                (d, t.id)
                for t in tracks
                if f in t.frames and measured(t.frames[f])
                for d in [np.linalg.norm(t.frames[f].landmarks - truth, axis=1).mean() / _iod(truth)]
                if d < 0.5
            ]
            if close and shot.visible_fraction(f, size)[a] >= 0.5:
                sequence.append(min(close)[1])
        switches = sum(1 for x, y in zip(sequence, sequence[1:]) if x != y)
        out.append(
            ActorFigures(
                shot=shot.name,
                actor=actor.photo,
                frames=frames,
                raw=np.array(raw)[order],
                stable={s: np.array(v)[order] for s, v in stable.items()},
                raw_jitter=_jitter(frames, raw_points, truth_of),
                stable_jitter={s: _jitter(frames, stable_points[s], truth_of) for s in strengths},
                ends_raw=max(ends["raw"], default=float("nan")),
                ends_stable={s: max(ends[s], default=float("nan")) for s in strengths},
                ends_first_last_raw=max(first_last["raw"], default=float("nan")),
                ends_first_last_stable={s: max(first_last[s], default=float("nan")) for s in strengths},
                coverage=100.0 * covered / len(shot.frames),
                tracks=len(own),
                id_switches=switches,
                predicted_error=float(np.mean([e for _, e in predicted])) if predicted else float("nan"),
                predicted_frames=[f for f, _ in sorted(predicted)],
                predicted_errors=np.array([e for _, e in sorted(predicted)]),
            )
        )
    return out


def summary(fig: ActorFigures, strength: float = 0.5) -> str:
    """One line: the figures of one actor at ``strength`` beside raw."""
    return (
        f"{fig.shot:9s} {fig.actor:9s} error raw {fig.raw_error:6.2f} stab {fig.stable_error(strength):6.2f} "
        f"| jitter raw {fig.raw_jitter:5.2f} stab {fig.stable_jitter[strength]:5.2f} "
        f"| ends raw {fig.ends_raw:6.2f} stab {fig.ends_stable[strength]:6.2f} "
        f"(1 frame: {fig.ends_first_last_raw:5.2f} / {fig.ends_first_last_stable[strength]:5.2f}) "
        f"| coverage {fig.coverage:5.1f}% tracks {fig.tracks} switches {fig.id_switches} "
        f"| predicted err {fig.predicted_error:6.2f}"
    )

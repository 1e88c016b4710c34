"""Artist edits of an AlignEdit node: per track, per frame, kept in the script (never in the sidecar).

Three kinds of edit, per track:

- **offsets**: keyed ``(translate x, translate y, rotate, scale)`` corrections of the aligned crop,
  interpolated between keys like any knob curve (``constant``, ``linear``, ``smooth``; the key's
  interpolation governs the segment that starts at it; before the first key and after the last
  the end values hold). Translate is a fraction of the crop side (so an edit survives a change of
  output size), rotate is degrees clockwise on screen, scale multiplies (> 1 zooms in). The offset
  moves the *face within the crop* about the crop's centre, as a Transform on the crop would.
- **landmarks**: the 68 points of one frame, in plate pixels, replacing the tracked ones on that
  frame only (a landmark is a measurement, not an animation: between two fixed frames the tracked
  landmarks are right and are used). A frame with overridden landmarks is also locked.
- **locks**: frames whose alignment is taken exactly from their landmarks, unsmoothed; the
  smoothing eases into them.

The store is one compact JSON value (the ``edits`` knob of the node), validated on every set and on
script load; errors name the node, the knob, the track and the frame::

    {"1": {"offsets": {"1012": [0.01, 0.0, 2.5, 1.0, "linear"]},
           "landmarks": {"1040": [[x, y], ... 68]},
           "locks": [1003, 1040]}}

:class:`EditsKnob` evaluates the store *at a frame* to only what that frame's render reads (the
interpolated offset of each track, and the landmark overrides and locks within the smoothing
reach), so the node's hash at a frame ignores edits that cannot change it.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from faceplate.nodes.core.animation import INTERPOLATIONS, Curve
from faceplate.nodes.core.knobs import StringKnob
from faceplate.nodes.faces import NUM_LANDMARKS

IDENTITY_OFFSET = (0.0, 0.0, 0.0, 1.0)
OFFSET_LIMITS = ((-1.0, 1.0), (-1.0, 1.0), (-180.0, 180.0), (0.1, 10.0))
OFFSET_NAMES = ("translate x", "translate y", "rotate", "scale")


class TrackEdits:
    """One track's edits: ``offsets`` frame -> (tx, ty, rot, scale, interpolation),
    ``landmarks`` frame -> (68, 2) plate pixels, ``locks`` set of frames."""

    __slots__ = ("offsets", "landmarks", "locks")

    def __init__(self, offsets=None, landmarks=None, locks=()):
        self.offsets: dict[int, tuple] = dict(offsets or {})
        self.landmarks: dict[int, np.ndarray] = dict(landmarks or {})
        self.locks: set[int] = set(locks)

    def empty(self) -> bool:
        return not (self.offsets or self.landmarks or self.locks)

    def frames(self) -> list[int]:
        """Every frame that carries an edit."""
        return sorted(set(self.offsets) | set(self.landmarks) | self.locks)

    def locked(self) -> set[int]:
        """Frames whose alignment is exact: the locks and the frames with landmark overrides."""
        return self.locks | set(self.landmarks)

    def offset_at(self, frame: int) -> tuple[float, float, float, float]:
        """The interpolated offset at ``frame`` (identity when the track has no offset keys)."""
        if not self.offsets:
            return IDENTITY_OFFSET
        keys = sorted(self.offsets.items())
        return tuple(Curve((f, k[c], k[4]) for f, k in keys).evaluate(frame) for c in range(4))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.offsets:
            out["offsets"] = {str(f): [*(_num(v) for v in k[:4]), k[4]] for f, k in sorted(self.offsets.items())}
        if self.landmarks:
            out["landmarks"] = {str(f): np.round(p, 3).tolist() for f, p in sorted(self.landmarks.items())}
        if self.locks:
            out["locks"] = sorted(self.locks)
        return out

    def copy(self) -> TrackEdits:
        return TrackEdits(self.offsets, {f: p.copy() for f, p in self.landmarks.items()}, self.locks)


def _num(v: float) -> float | int:
    v = round(float(v), 6)
    return int(v) if v.is_integer() else v


class Edits:
    """All tracks' edits. Immutable in use: the editing functions of :mod:`.api` return new stores."""

    def __init__(self, tracks: dict[int, TrackEdits] | None = None):
        self.tracks = {t: e for t, e in (tracks or {}).items() if not e.empty()}

    def track(self, track_id: int) -> TrackEdits:
        """The track's edits (an empty :class:`TrackEdits` when it has none)."""
        return self.tracks.get(int(track_id)) or TrackEdits()

    def edited_frames(self, track_id: int | None = None) -> dict[int, list[int]]:
        """``{track: [frames carrying an edit]}`` for every edited track (or just ``track_id``)."""
        ids = sorted(self.tracks) if track_id is None else [int(track_id)]
        return {t: self.track(t).frames() for t in ids if not self.track(t).empty()}

    def to_json(self) -> str:
        """Canonical compact JSON; the empty store is ``""`` (the knob's default, not saved)."""
        if not self.tracks:
            return ""
        return json.dumps({str(t): e.to_json() for t, e in sorted(self.tracks.items())}, separators=(",", ":"))

    def at_frame(self, frame: int, reach: int) -> str:
        """What a render of ``frame`` reads, as canonical JSON: per track the offset at ``frame`` and the
        landmark overrides and locks within ``reach`` frames."""
        out = {}
        for t, e in sorted(self.tracks.items()):
            near = lambda f: abs(f - frame) <= reach  # noqa: E731
            entry: dict[str, Any] = {}
            offset = e.offset_at(frame)
            if offset != IDENTITY_OFFSET:
                entry["offset"] = [_num(v) for v in offset]
            landmarks = {f: p for f, p in e.landmarks.items() if near(f)}
            if landmarks:
                entry["landmarks"] = {str(f): np.round(p, 3).tolist() for f, p in sorted(landmarks.items())}
            locks = sorted(f for f in e.locks if near(f))
            if locks:
                entry["locks"] = locks
            if entry:
                out[str(t)] = entry
        return json.dumps(out, separators=(",", ":")) if out else ""

    @classmethod
    def from_json(cls, text: str) -> Edits:
        """Parses and validates a store; raises ValueError naming the track and frame at fault."""
        return _parse(text)


@functools.lru_cache(maxsize=32)
def _parse(text: str) -> Edits:
    if not isinstance(text, str):
        raise TypeError(f"expected a JSON string, got {type(text).__name__}")
    if not text.strip():
        return Edits()
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"edits are not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError("edits must be a JSON object of track id -> edits")
    tracks = {}
    for key, entry in data.items():
        track = _whole(key, "track id")
        if track < 1:
            raise ValueError(f"track id {key!r} must be 1 or more")
        if not isinstance(entry, dict) or set(entry) - {"offsets", "landmarks", "locks", "offset"}:
            raise ValueError(f"track {track}: expected an object with offsets, landmarks, locks")
        edits = TrackEdits()
        for fkey, value in _object(entry.get("offsets", {}), track, "offsets").items():
            frame = _whole(fkey, f"track {track}: offsets frame")
            edits.offsets[frame] = _offset_key(value, track, frame)
        if "offset" in entry:  # a frame slice (EditsKnob.evaluate): the evaluated offset
            edits.offsets[0] = _offset_key([*entry["offset"], "constant"], track, 0)
        for fkey, value in _object(entry.get("landmarks", {}), track, "landmarks").items():
            frame = _whole(fkey, f"track {track}: landmarks frame")
            points = np.asarray(value, dtype=np.float64) if _is_matrix(value) else None
            if points is None or points.shape != (NUM_LANDMARKS, 2) or not np.all(np.isfinite(points)):
                raise ValueError(
                    f"track {track}, frame {frame}: landmarks must be {NUM_LANDMARKS} [x, y] pairs of finite numbers"
                )
            edits.landmarks[frame] = points
        locks = entry.get("locks", [])
        if not isinstance(locks, list):
            raise ValueError(f"track {track}: locks must be a list of frames")
        edits.locks = {_whole(f, f"track {track}: lock frame") for f in locks}
        tracks[track] = edits
    return Edits(tracks)


def _object(value: Any, track: int, what: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"track {track}: {what} must be an object of frame -> value")
    return value


def _whole(value: Any, what: str) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        f = float(value)
        if not f.is_integer():
            raise ValueError
        return int(f)
    except (TypeError, ValueError):
        raise ValueError(f"{what} {value!r} must be a whole number") from None


def _is_matrix(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(p, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p) for p in value
    )


def _offset_key(value: Any, track: int, frame: int) -> tuple:
    where = f"track {track}, frame {frame}"
    if not isinstance(value, list) or len(value) != 5 or not isinstance(value[4], str):
        raise ValueError(f"{where}: an offset key is [translate x, translate y, rotate, scale, interpolation]")
    if value[4] not in INTERPOLATIONS:
        raise ValueError(f"{where}: interpolation {value[4]!r} is not one of {', '.join(INTERPOLATIONS)}")
    out = []
    for name, v, (lo, hi) in zip(OFFSET_NAMES, value[:4], OFFSET_LIMITS):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
            raise ValueError(f"{where}: {name} {v!r} must be a number in [{lo:g}, {hi:g}]")
        out.append(float(v))
    return (*out, value[4])


class EditsKnob(StringKnob):
    """A string knob holding an :class:`Edits` store as canonical JSON.

    Hosts see a plain string knob; :meth:`evaluate` gives the slice of the store that a frame reads
    (:meth:`Edits.at_frame`), which is what the node's hash covers at that frame.
    """

    def __init__(self, name: str, tooltip: str, *, reach: int):
        self.reach = reach
        super().__init__(name, "", tooltip)

    def _coerce(self, value: Any) -> str:
        if isinstance(value, Edits):
            value = value.to_json()  # validated below like any text
        return Edits.from_json(super()._coerce(value)).to_json()

    def evaluate(self, stored: str, frame: float) -> str:
        return Edits.from_json(stored).at_frame(int(frame), self.reach)

    def probe_value(self) -> str:
        """A valid non-default value (module-wide knob tests)."""
        return Edits({1: TrackEdits(locks=[1])}).to_json()

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "data": "alignedit-edits", "hidden": True}


def frames_near(frames: Iterable[int], frame: int, reach: int) -> list[int]:
    return [f for f in frames if abs(f - frame) <= reach]

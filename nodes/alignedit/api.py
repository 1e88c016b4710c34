"""Editing an AlignEdit node's artist edits from Python (what a host UI's buttons call).

Every function takes the node (or a graph and the node's name), changes its ``edits`` knob and
returns the new :class:`~.edits.Edits`; the script saves them with the rest of the node.

Example:
    >>> from faceplate.nodes.alignedit.node import AlignEdit
    >>> from faceplate.nodes.alignedit import api
    >>> node = AlignEdit("AlignEdit1")
    >>> _ = api.set_offset(node, track=1, frame=1010, translate=(0.02, 0.0), rotate=3.0)
    >>> _ = api.set_offset(node, track=1, frame=1020, translate=(0.0, 0.0))
    >>> api.offset_at(node, track=1, frame=1015)
    (0.01, 0.0, 1.5, 1.0)
    >>> api.edited_frames(node)
    {1: [1010, 1020]}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from faceplate.foundation.errors import FaceplateError, KnobError
from faceplate.nodes.alignedit.edits import Edits, TrackEdits
from faceplate.nodes.core import Node
from faceplate.nodes.faces import NUM_LANDMARKS

KINDS = ("offsets", "landmarks", "locks")


def _check(node: Node) -> None:
    if node.type_name != "AlignEdit":
        raise FaceplateError(f"node '{node.name}' is a {node.type_name}, not an AlignEdit")


def _change(node: Node, track: int, change) -> Edits:
    _check(node)
    if int(track) < 1:
        raise KnobError(f"track {track} must be 1 or more", node=node.name, knob="edits")
    edits = node.edits()
    tracks = {t: e.copy() for t, e in edits.tracks.items()}
    entry = tracks.setdefault(int(track), TrackEdits())
    change(entry)
    new = Edits(tracks)
    node["edits"] = new  # validated by the knob
    return new


def set_offset(
    node: Node,
    track: int,
    frame: int,
    *,
    translate: Sequence[float] = (0.0, 0.0),
    rotate: float = 0.0,
    scale: float = 1.0,
    interpolation: str = "linear",
) -> Edits:
    """Keys an offset of the aligned crop at ``frame``: ``translate`` (x, y) in fractions of the crop side,
    ``rotate`` degrees clockwise, ``scale`` (> 1 zooms in); ``interpolation`` governs the segment after it."""
    key = (float(translate[0]), float(translate[1]), float(rotate), float(scale), interpolation)

    def change(e: TrackEdits) -> None:
        e.offsets[int(frame)] = key

    return _change(node, track, change)


def offset_at(node: Node, track: int, frame: int) -> tuple[float, float, float, float]:
    """The interpolated offset ``(tx, ty, rotate, scale)`` of ``track`` at ``frame``."""
    _check(node)
    return tuple(round(v, 9) for v in node.edits().track(track).offset_at(frame))


def set_landmarks(node: Node, track: int, frame: int, landmarks) -> Edits:
    """Replaces the ``(68, 2)`` plate-pixel landmarks of ``track`` on ``frame`` (and locks the frame)."""
    points = np.asarray(landmarks, np.float64)
    if points.shape != (NUM_LANDMARKS, 2):
        raise KnobError(
            f"track {track}, frame {frame}: landmarks must be ({NUM_LANDMARKS}, 2), got {points.shape}",
            node=node.name,
            knob="edits",
        )

    def change(e: TrackEdits) -> None:
        e.landmarks[int(frame)] = points.copy()

    return _change(node, track, change)


def lock(node: Node, track: int, frames: Iterable[int], locked: bool = True) -> Edits:
    """Locks (or unlocks) ``frames`` of ``track``: aligned exactly from their landmarks."""
    frames = {int(f) for f in frames}

    def change(e: TrackEdits) -> None:
        e.locks = e.locks | frames if locked else e.locks - frames

    return _change(node, track, change)


def copy_from(node: Node, track: int, frame: int, source: str | int = "previous") -> Edits:
    """Copies the edits of another frame onto ``frame``: its offset key and landmark override.

    ``source`` is ``"previous"`` or ``"next"`` (the nearest frame before/after ``frame`` that carries an
    offset key or a landmark override) or a frame number. Raises when there is nothing to copy.
    """
    _check(node)
    edits = node.edits().track(track)
    edited = sorted(set(edits.offsets) | set(edits.landmarks))
    if source == "previous":
        candidates = [f for f in edited if f < frame]
        src = candidates[-1] if candidates else None
    elif source == "next":
        src = next((f for f in edited if f > frame), None)
    else:
        src = int(source) if int(source) in edited else None
    if src is None:
        raise KnobError(
            f"track {track}: no edited frame {source} of frame {frame} to copy from "
            f"(edited frames: {edited or 'none'})",
            node=node.name,
            knob="edits",
        )

    def change(e: TrackEdits) -> None:
        if src in e.offsets:
            e.offsets[int(frame)] = e.offsets[src]
        if src in e.landmarks:
            e.landmarks[int(frame)] = e.landmarks[src].copy()

    return _change(node, track, change)


def clear(
    node: Node, track: int | None = None, frames: Iterable[int] | None = None, kinds: Sequence[str] = KINDS
) -> Edits:
    """Removes edits: of every track (``track`` None) or one, on ``frames`` (None: all), of ``kinds``."""
    _check(node)
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise KnobError(f"unknown edit kinds {sorted(unknown)}; use {', '.join(KINDS)}", node=node.name, knob="edits")
    edits = node.edits()
    frames = None if frames is None else {int(f) for f in frames}
    tracks = {}
    for t, e in edits.tracks.items():
        e = e.copy()
        if track is None or t == int(track):
            drop = (lambda f: True) if frames is None else (lambda f: f in frames)
            if "offsets" in kinds:
                e.offsets = {f: k for f, k in e.offsets.items() if not drop(f)}
            if "landmarks" in kinds:
                e.landmarks = {f: p for f, p in e.landmarks.items() if not drop(f)}
            if "locks" in kinds:
                e.locks = {f for f in e.locks if not drop(f)}
        tracks[t] = e
    new = Edits(tracks)
    node["edits"] = new
    return new


def move_track(node: Node, source: int, target: int) -> Edits:
    """Moves every edit of track ``source`` to track ``target`` (after a re-track renumbered the tracks).

    Raises when ``source`` has no edits or ``target`` already has some (clear them first).
    """
    _check(node)
    edits = node.edits()
    source, target = int(source), int(target)
    if source not in edits.tracks:
        raise KnobError(
            f"track {source} has no edits to move (edited tracks: {sorted(edits.tracks) or 'none'})",
            node=node.name,
            knob="edits",
        )
    if target in edits.tracks:
        raise KnobError(
            f"track {target} already has edits; clear them first with api.clear(node, {target})",
            node=node.name,
            knob="edits",
        )
    if target < 1:
        raise KnobError(f"track {target} must be 1 or more", node=node.name, knob="edits")
    tracks = {t: e.copy() for t, e in edits.tracks.items() if t != source}
    tracks[target] = edits.track(source).copy()
    new = Edits(tracks)
    node["edits"] = new
    return new


def edits_without_track(node: Node) -> dict[int, list[int]]:
    """``{track: [edited frames]}`` of edited tracks missing from the tracks sidecar (renders warn about them)."""
    _check(node)
    return node.edits_without_track()


def edited_frames(node: Node, track: int | None = None) -> dict[int, list[int]]:
    """``{track: [frames carrying any edit]}`` (every edited track, or just ``track``)."""
    _check(node)
    return node.edits().edited_frames(track)

"""A FaceDetect node's tracks, as other nodes and actions read them: the public track store.

``faceplate track`` writes a shot's tracks to the node's sidecar; FaceDetect serves one frame's faces from it,
and AlignEdit (which smooths an alignment over neighbouring frames), face-set extraction and the tracking
action read whole tracks. All of them go through :class:`TrackStore`, which names what it reads (the sidecar
path and content digest, ``strength``, ``lock_frames``) in :meth:`TrackStore.hash_items`, so a node that reads
tracks declares them in its hash. Parsed sidecars and stabilised tracks are cached by the sidecar's content
digest, so a rewritten sidecar is read again and an unchanged one is read once per process.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from typing import Any

import numpy as np

from faceplate.foundation.errors import KnobError, SequenceIOError
from faceplate.foundation.files import sha256_of
from faceplate.foundation.frames import parse_frame_range
from faceplate.nodes.core import Node
from faceplate.nodes.facedetect import sidecar as sidecar_io
from faceplate.nodes.facedetect.stabilise import stabilise_track
from faceplate.nodes.faces import Face, Faces

__all__ = ["NODE_TOKEN", "TrackStore", "load_sidecar", "lock_frames", "sidecar_path", "upstream_facedetect"]

NODE_TOKEN = "{node}"


def sidecar_path(facedetect: Node, frame: int | None = None) -> str:
    """A FaceDetect node's resolved sidecar path (``{node}`` replaced by the node's name)."""
    value = facedetect["sidecar"] if frame is None else facedetect.value("sidecar", frame)
    value = value.replace(NODE_TOKEN, facedetect.name)
    return facedetect.graph.resolve_path(value) if facedetect.graph is not None else value


def lock_frames(text: str, node: str) -> tuple[int, ...]:
    """The frames of a ``lock_frames`` knob value (``'1001, 1040-1042'``), sorted; errors name the knob."""
    if not text.strip():
        return ()
    try:
        return tuple(sorted(parse_frame_range(text)))
    except SequenceIOError as exc:
        raise KnobError(str(exc), node=node, knob="lock_frames") from None


def upstream_facedetect(node: Node) -> Node | None:
    """The nearest FaceDetect above ``node``, or None."""
    if node.graph is None:
        return None
    return next((n for n in node.graph.upstream(node) if n.type_name == "FaceDetect"), None)


@dataclasses.dataclass(frozen=True)
class TrackStore:
    """The stabilised tracks of one FaceDetect node at one frame's knob values.

    ``digest`` is None when the sidecar does not exist (then there are no tracks).
    """

    node: str | None
    path: str | None
    digest: str | None
    strength: float
    lock_text: str

    @classmethod
    def of(cls, facedetect: Node | None, frame: int) -> TrackStore:
        """The store of ``facedetect`` (a FaceDetect node, or None: no tracks) at ``frame``'s knob values."""
        if facedetect is None:
            return cls(None, None, None, 0.0, "")
        path = sidecar_path(facedetect, frame)
        digest = sha256_of(path) if os.path.isfile(path) else None
        return cls(
            facedetect.name,
            path,
            digest,
            float(facedetect.value("strength", frame)),
            facedetect.value("lock_frames", frame),
        )

    def hash_items(self) -> list[Any]:
        """What reading these tracks depends on: put it in the reading node's hash."""
        return [self.node, self.path, self.digest, self.strength, self.lock_text]

    @property
    def exists(self) -> bool:
        return self.digest is not None

    def locks(self) -> tuple[int, ...]:
        return lock_frames(self.lock_text, self.node or "FaceDetect")

    def faces_at(self, frame: int) -> Faces:
        """The stabilised faces of ``frame`` (empty when no track covers it)."""
        if self.digest is None:
            return Faces(frame=frame, faces=())
        by_frame = _stabilised(self.path, self.digest, self.strength, self.locks())
        return Faces(frame=frame, faces=tuple(by_frame.get(frame, ())))

    def tracks(self) -> dict[int, dict[int, Face]]:
        """``{track id: {frame: Face}}`` (empty without a sidecar)."""
        if self.digest is None:
            return {}
        return _by_track(self.path, self.digest, self.strength, self.locks())

    def sidecar(self) -> sidecar_io.Sidecar | None:
        """The parsed sidecar (raw, unstabilised tracks and header), or None."""
        return None if self.digest is None else load_sidecar(self.path, self.digest)


@functools.lru_cache(maxsize=8)
def load_sidecar(path: str, digest: str) -> sidecar_io.Sidecar:
    """The parsed sidecar, cached by content digest (re-read whenever the file changes)."""
    loaded = sidecar_io.load(path)
    if sha256_of(path) != digest:  # rewritten while we read it: let the next call see the new file
        load_sidecar.cache_clear()
    return loaded


@functools.lru_cache(maxsize=8)
def _stabilised(path: str, digest: str, strength: float, locks: tuple[int, ...]) -> dict[int, list[Face]]:
    by_frame: dict[int, list[Face]] = {}
    for track in load_sidecar(path, digest).tracks:
        meshed = np.array(sorted(f for f, tf in track.frames.items() if tf.mesh is not None), dtype=np.int64)
        for frame, face in stabilise_track(track, strength=strength, lock_frames=locks).items():
            measured = track.frames.get(frame)
            changes = {}
            if measured is not None and measured.pose is not None:  # from the face mesh's 3D points
                changes["pose"] = measured.pose
            if len(meshed):  # the frame's own mesh, or across a gap the nearest measured one (regions place it)
                i = int(np.clip(np.searchsorted(meshed, frame), 1, max(len(meshed) - 1, 1)))
                nearest = meshed[i - 1 : i + 1][np.argmin(np.abs(meshed[i - 1 : i + 1] - frame))]
                changes["mesh"] = track.frames[int(nearest)].mesh
            if changes:
                face = face.replace(**changes)
            by_frame.setdefault(frame, []).append(face)
    return by_frame


@functools.lru_cache(maxsize=8)
def _by_track(path: str, digest: str, strength: float, locks: tuple[int, ...]) -> dict[int, dict[int, Face]]:
    out: dict[int, dict[int, Face]] = {}
    for frame, faces in _stabilised(path, digest, strength, locks).items():
        for face in faces:
            out.setdefault(face.track_id, {})[frame] = face
    return out

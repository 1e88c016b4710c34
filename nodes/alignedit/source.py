"""Where AlignEdit finds a whole track: the sidecar of the nearest FaceDetect upstream.

A frame's alignment is smoothed over neighbouring frames, so it needs the track's landmarks there.
Pulling neighbouring plates through the graph would decode a dozen EXRs per frame; instead AlignEdit
reads the same stabilised tracks FaceDetect serves (its sidecar, strength and lock frames, cached by
the sidecar's content digest) and declares them in its hash.
"""

from __future__ import annotations

import functools

import numpy as np

from faceplate.nodes.core import Node
from faceplate.nodes.faces import Face, Faces


def upstream_facedetect(node: Node) -> Node | None:
    """The nearest FaceDetect above ``node``, or None."""
    if node.graph is None:
        return None
    return next((n for n in node.graph.upstream(node) if n.type_name == "FaceDetect"), None)


class TrackSource:
    """The stabilised tracks of a FaceDetect at one frame's knob values (or none)."""

    def __init__(self, facedetect: Node | None, frame: int):
        self.facedetect = facedetect
        self.path = self.digest = None
        self.strength, self.lock_text = 0.0, ""
        if facedetect is not None:
            self.path, self.digest = facedetect._sidecar_state(frame)
            self.strength = facedetect.value("strength", frame)
            self.lock_text = facedetect.value("lock_frames", frame)

    def hash_items(self) -> list:
        name = self.facedetect.name if self.facedetect is not None else None
        return [name, self.path, self.digest, self.strength, self.lock_text]

    def tracks(self) -> dict[int, dict[int, Face]]:
        """``{track id: {frame: Face}}`` (empty without a FaceDetect or a sidecar)."""
        if self.digest is None:
            return {}
        from faceplate.nodes.facedetect.node import _lock_frames

        return _tracks(self.path, self.digest, self.strength, _lock_frames(self.lock_text, self.facedetect.name))

    def landmarks(self, track_id: int, faces: Faces) -> dict[int, np.ndarray]:
        """The track's landmarks by frame; the frame's own faces win over the sidecar's."""
        out = {f: face.landmarks for f, face in self.tracks().get(track_id, {}).items()}
        here = faces.track(track_id)
        if here is not None:
            out[faces.frame] = here.landmarks
        return out


@functools.lru_cache(maxsize=8)
def _tracks(path: str, digest: str, strength: float, locks: tuple[int, ...]) -> dict[int, dict[int, Face]]:
    from faceplate.nodes.facedetect.node import _stabilised

    out: dict[int, dict[int, Face]] = {}
    for frame, faces in _stabilised(path, digest, strength, locks).items():
        for face in faces:
            out.setdefault(face.track_id, {})[frame] = face
    return out

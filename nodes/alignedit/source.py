"""Where AlignEdit finds a whole track: the tracks of the nearest FaceDetect upstream.

A frame's alignment is smoothed over neighbouring frames, so it needs the track's landmarks there.
Pulling neighbouring plates through the graph would decode a dozen EXRs per frame; instead AlignEdit
reads the same stabilised tracks FaceDetect serves, through FaceDetect's public track store
(:class:`faceplate.nodes.facedetect.tracks.TrackStore`), and declares them in its hash.
"""

from __future__ import annotations

import numpy as np
from faceplate.nodes.facedetect.tracks import TrackStore
from faceplate.nodes.faces import Faces


def track_landmarks(store: TrackStore, track_id: int, faces: Faces) -> dict[int, np.ndarray]:
    """The track's landmarks by frame; the frame's own faces (``faces``) win over the sidecar's."""
    out = {f: face.landmarks for f, face in store.tracks().get(track_id, {}).items()}
    here = faces.track(track_id)
    if here is not None:
        out[faces.frame] = here.landmarks
    return out

"""Quality figures of one track, so a TD sees a bad track without rendering it.

Written into the sidecar beside each track (``"qc"``) and onto its contact sheet:

- ``jitter``: the raw landmarks' frame-to-frame shake, % of the inter-ocular distance: the mean
  frame-to-frame change of (raw - stabilised) over consecutive measured frames, i.e. the motion the
  stabiliser takes out as noise (a steady track is well under 1 %, a sliding one several);
- ``measured_frames``; ``predicted_frames`` and ``predicted`` (``[first, last]`` runs): frames where
  the face was not seen and the track carries it by the head's motion (check them);
- ``outlier_frames``: frames whose raw landmarks the stabiliser rejected;
- ``carried`` (``[first, last]`` runs): frames placed by the flow of the face's visible pixels, not
  by their fits: behind another face (the tracker) or under an occluder, where the fits jumped away
  and back (the stabiliser, :mod:`.fit_jumps`);
- ``strength``: the stabilisation strength the figures were taken at (the node's, at track time).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from faceplate.foundation.frames import frame_runs
from faceplate.nodes.facedetect.tracker import Track
from faceplate.nodes.faces import Face


def track_qc(track: Track, faces: Mapping[int, Face], strength: float) -> dict[str, Any]:
    """The QC figures of ``track`` given its stabilised ``faces`` (frame -> Face, at ``strength``)."""
    frames = sorted(track.frames)
    measured = [f for f in frames if "interpolated" not in track.frames[f].flags]
    predicted = [f for f in frames if "interpolated" in track.frames[f].flags]
    steps = []
    for a, b in zip(measured, measured[1:]):
        if b != a + 1:
            continue
        noise_a = track.frames[a].landmarks - faces[a].landmarks
        noise_b = track.frames[b].landmarks - faces[b].landmarks
        iod = max(faces[b].inter_ocular, 1e-6)
        steps.append(100.0 * float(np.linalg.norm(noise_b - noise_a, axis=1).mean()) / iod)
    return {
        "jitter": round(float(np.mean(steps)), 3) if steps else None,
        "measured_frames": len(measured),
        "predicted_frames": len(predicted),
        "predicted": frame_runs(predicted),
        "outlier_frames": [f for f in frames if "outlier" in faces[f].flags],
        "carried": frame_runs([f for f in frames if "carried" in track.frames[f].flags | faces[f].flags]),
        "strength": float(strength),
    }

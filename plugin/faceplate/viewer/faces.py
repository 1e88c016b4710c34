"""Faces for the viewer: a frame's faces as JSON, and the per-track QC strip from the tracks sidecars.

The QC strip reads each FaceDetect node's sidecar once, through the sidecar's own reader (any version),
and passes each track's fields beyond the frames (per-track QC and whatever a newer ``faceplate track``
adds) on as they are:

- a frame's status is ``outlier`` (stabilisation rejected its raw landmarks), ``predicted`` (bridged or
  followed without a detection: the ``predicted`` or ``interpolated`` flag) or ``found``; a frame that
  the track lacks is absent;
- ``jitter`` is the landmarks' distance from the midpoint of their neighbours' (a second difference),
  averaged over the 68 points, in percent of the inter-ocular distance: high where the track shakes.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from faceplate.foundation.errors import FaceplateError
from faceplate.nodes.core import Graph
from faceplate.nodes.facedetect import sidecar
from faceplate.nodes.faces import METADATA_KEY, inter_ocular
from faceplate.nodes.plate import Plate

PREDICTED_FLAGS = ("predicted", "interpolated")


def faces_json(plate: Plate) -> list[dict[str, Any]]:
    """The faces ``plate`` carries (none when no FaceDetect is upstream or the shot is untracked)."""
    faces = plate.metadata.get(METADATA_KEY)
    if faces is None:
        return []
    return [
        {
            "track_id": f.track_id,
            "identity": f.identity,
            "box": list(f.box),
            "landmarks": f.landmarks.round(2).tolist(),
            "score": round(f.score, 3),
            "flags": sorted(f.flags),
        }
        for f in faces
    ]


def _status(flags: list[str]) -> str:
    if "outlier" in flags:
        return "outlier"
    if any(flag in flags for flag in PREDICTED_FLAGS):
        return "predicted"
    return "found"


def _jitter(frames: dict[int, dict[str, Any]]) -> dict[int, float]:
    out = {}
    for f, face in frames.items():
        before, after = frames.get(f - 1), frames.get(f + 1)
        if before is None or after is None:
            continue
        p, a, b = (np.asarray(x["landmarks"], np.float64) for x in (face, before, after))
        if p.shape != (68, 2) or a.shape != p.shape or b.shape != p.shape:
            continue
        iod = inter_ocular(p)
        if iod > 0:
            out[f] = round(float(np.linalg.norm(p - 0.5 * (a + b), axis=1).mean() / iod * 100.0), 2)
    return out


def qc_tracks(graph: Graph) -> list[dict[str, Any]]:
    """Every track of every FaceDetect node's sidecar: per frame its status and jitter, and the sidecar's
    own per-track fields other than the frames (such as QC summaries), as they are."""
    out = []
    for node in graph:
        if node.type_name != "FaceDetect":
            continue
        path = node.sidecar_path()
        if not os.path.exists(path):
            out.append({"node": node.name, "sidecar": path, "missing": True, "tracks": []})
            continue
        try:  # one read: the raw tracks for their extra fields, the parsed ones for landmarks (any version)
            loaded = sidecar.load(path)
        except FaceplateError as exc:
            out.append({"node": node.name, "sidecar": path, "error": str(exc), "tracks": []})
            continue
        raw_tracks = loaded.document.get("tracks", [])
        parsed = {t.id: t for t in loaded.tracks}
        tracks = []
        for raw in raw_tracks:
            frames = {int(k): v for k, v in raw.get("frames", {}).items()}
            read = parsed.get(raw.get("id"))
            points = {f: {"landmarks": tf.landmarks} for f, tf in read.frames.items()} if read is not None else {}
            jitter = _jitter(points)
            tracks.append(
                {
                    "id": raw.get("id"),
                    "identity": raw.get("identity"),
                    "extra": {k: v for k, v in raw.items() if k not in ("id", "identity", "frames", "embedding")},
                    "frames": {
                        str(f): {"status": _status(list(face.get("flags", []))), "jitter": jitter.get(f)}
                        for f, face in sorted(frames.items())
                    },
                }
            )
        out.append({"node": node.name, "sidecar": path, "tracks": tracks})
    return out

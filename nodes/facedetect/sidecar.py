"""The tracks sidecar: ``faceplate track`` writes it, the FaceDetect node reads it per frame.

Versioned JSON, one file per FaceDetect node (default ``tracks/<node>.json`` beside the script)::

    {
      "format": "faceplate-tracks", "version": 2,
      "faceplate_version": "0.1.0", "node": "FaceDetect1", "frame_range": [1001, 1100],
      "backend": "dlib", "models": {"dlib-shape-predictor-68": "<sha256>", ...},
      "settings": {"score_threshold": 0.5, "proxy_size": 960, "exposure": 0.0, "max_gap": 3.0},
      "identities": {"person1": {"reference": null, "embedding": [128 floats]},
                     "anna": {"reference": "/refs/anna.jpg", "embedding": [...]}},
      "fps": 24.0,
      "tracks": [
        {"id": 1, "identity": "anna", "embedding": [128 floats],
         "qc": {"jitter": 0.8, "measured_frames": 90, "predicted_frames": 10, "predicted": [[1040, 1049]],
                "outlier_frames": [1051], "carried": [], "strength": 0.5},
         "frames": {"1001": {"box": [xmin, ymin, xmax, ymax], "score": 1.42,
                             "landmarks": [[x, y], ... 68], "confidence": [68 floats],
                             "flags": ["profile"], "embedding": [128 floats] or null,
                             "mesh": [[x, y, z], ... 468] or null, "pose": [yaw, pitch, roll] or null,
                             "flow": [a, b, tx, ty]}, ...}}
      ]
    }

Version 2 adds ``mesh`` (the face mesh's 468 points, plate pixels, z depth in the same scale, larger
nearer the camera) and ``pose`` (degrees, from the mesh) on frames a dense backend measured; both are
null otherwise (dlib, fan, bridged frames). Version 1 files (no such fields) are still read.
``flow`` (optional, on frames where it was measured: ``[a, b, tx, ty]``) is the similarity that moves
the face's visible pixels from the frame before to this one, ``x' = [[a, -b], [b, a]] x + (tx, ty)``
in plate pixels (:class:`.visible_flow.FrameFlow`); the stabiliser follows the head's motion with it.
Sidecars without it load as before, and older faceplate versions ignore it.

Coordinates are plate pixels (pixel centres at +0.5, see :mod:`faceplate.nodes.faces`); landmarks
are the raw per-frame measurements (the node stabilises them, so its strength and lock frames stay
live knobs). Frames bridged across a detection gap carry the ``interpolated`` flag, and, when the
head's motion placed them (always, from this version of ``faceplate track`` on), ``predicted`` too,
with a confidence that falls toward the gap's middle. ``fps`` (the frame rate ``max_gap`` seconds
were counted in) and each track's ``qc`` (:mod:`.track_qc`) are optional additions: older sidecars
without them load as before. Loading validates everything and names the file, track and frame at
fault; the file is written atomically.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from faceplate.foundation.errors import SequenceIOError
from faceplate.foundation.files import write_text
from faceplate.nodes.facedetect.tracker import Track, TrackFrame
from faceplate.nodes.faces import FLAGS, NUM_LANDMARKS

FORMAT = "faceplate-tracks"
VERSION = 2
SUPPORTED_VERSIONS = (1, 2)
MESH_POINTS = 468


def _floats(values: Any, digits: int) -> list:
    return np.round(np.asarray(values, np.float64), digits).tolist()


def _frame_json(tf: TrackFrame) -> dict[str, Any]:
    return {
        "box": _floats(tf.box, 3),
        "score": round(float(tf.score), 4),
        "landmarks": _floats(tf.landmarks, 3),
        "confidence": _floats(tf.confidence, 3),
        "flags": sorted(tf.flags),
        "embedding": None if tf.embedding is None else _floats(tf.embedding, 5),
        "mesh": None if tf.mesh is None else _floats(tf.mesh, 2),
        "pose": None if tf.pose is None else _floats(tf.pose, 2),
        **({} if tf.flow is None else {"flow": _floats(tf.flow[:2], 7) + _floats(tf.flow[2:], 4)}),
    }


def to_json(
    tracks: list[Track],
    *,
    header: dict[str, Any],
    identities: dict[str, dict[str, Any]],
    qc: dict[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The sidecar document. ``header`` holds node, frame_range, backend, models, settings (and fps);
    ``qc``: track id -> the track's QC figures (:func:`~faceplate.nodes.facedetect.track_qc.track_qc`)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        **header,
        "identities": {
            name: {
                "reference": info.get("reference"),
                "embedding": None if info.get("embedding") is None else _floats(info["embedding"], 5),
            }
            for name, info in identities.items()
        },
        "tracks": [
            {
                "id": t.id,
                "identity": t.identity,
                "embedding": None if t.embedding() is None else _floats(t.embedding(), 5),
                **({"qc": qc[t.id]} if qc and t.id in qc else {}),
                "frames": {str(f): _frame_json(t.frames[f]) for f in sorted(t.frames)},
            }
            for t in tracks
        ],
    }


def save(path: str, document: dict[str, Any]) -> None:
    """Writes the sidecar atomically (temporary file in the same folder, then rename)."""
    write_text(path, json.dumps(document, separators=(",", ":")) + "\n", create_folder=True)


class Sidecar:
    """A loaded, validated sidecar: header fields, identities and tracks (:class:`Track` objects)."""

    def __init__(self, path: str, document: dict[str, Any], tracks: list[Track]):
        self.path = path
        self.document = document
        self.tracks = tracks

    @property
    def identities(self) -> dict[str, Any]:
        return self.document.get("identities", {})

    def qc(self, track_id: int) -> dict[str, Any] | None:
        """The QC figures of track ``track_id`` (see :mod:`.track_qc`), or None (an older sidecar)."""
        for raw in self.document.get("tracks", []):
            if raw.get("id") == track_id:
                return raw.get("qc")
        return None

    def track(self, track_id: int) -> Track:
        for t in self.tracks:
            if t.id == track_id:
                return t
        raise SequenceIOError(
            f"no track {track_id}; the sidecar has tracks {', '.join(str(t.id) for t in self.tracks) or 'none'}",
            path=self.path,
        )


def load(path: str) -> Sidecar:
    """Reads and validates a sidecar; every error names the file (and the track and frame)."""
    try:
        with open(path) as f:
            document = json.load(f)
    except FileNotFoundError:
        raise SequenceIOError(
            "tracks sidecar not found; run `faceplate track SCRIPT` to create it", path=path
        ) from None
    except (OSError, ValueError) as exc:
        raise SequenceIOError(f"cannot read the tracks sidecar: {exc}", path=path) from None
    return parse(document, path)


def parse(document: Any, path: str) -> Sidecar:
    def fail(message: str) -> SequenceIOError:
        return SequenceIOError(f"invalid tracks sidecar: {message}", path=path)

    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise fail(f'expected a JSON object with "format": "{FORMAT}"')
    if document.get("version") not in SUPPORTED_VERSIONS:
        raise fail(
            f"version {document.get('version')!r} is not supported (this faceplate reads "
            f"{', '.join(map(str, SUPPORTED_VERSIONS))}); re-run `faceplate track` or update faceplate"
        )
    raw_tracks = document.get("tracks")
    if not isinstance(raw_tracks, list):
        raise fail("'tracks' must be a list")
    tracks, ids = [], set()
    for i, raw in enumerate(raw_tracks):
        where = f"track #{i}"
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), int) or not isinstance(raw.get("identity"), str):
            raise fail(f"{where}: needs an integer 'id' and a string 'identity'")
        if raw["id"] in ids:
            raise fail(f"track {raw['id']} appears twice")
        ids.add(raw["id"])
        if "qc" in raw and not isinstance(raw["qc"], dict):
            raise fail(f"track {raw['id']}: 'qc' must be an object of figures")
        frames = raw.get("frames")
        if not isinstance(frames, dict) or not frames:
            raise fail(f"track {raw['id']}: 'frames' must be a non-empty object of frame -> face")
        track = Track(id=raw["id"], identity=raw["identity"])
        for key, face in frames.items():
            try:
                frame = int(key)
                track.frames[frame] = _parse_frame(face)
            except (TypeError, ValueError, KeyError) as exc:
                raise fail(f"track {raw['id']}, frame {key}: {exc}") from None
        tracks.append(track)
    return Sidecar(path, document, tracks)


def _array(value: Any, shape: tuple[int, ...], name: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.shape != shape or not np.all(np.isfinite(array)):
        raise ValueError(f"'{name}' must be {shape} finite numbers, got shape {array.shape}")
    return array


def _parse_frame(face: Any) -> TrackFrame:
    if not isinstance(face, dict):
        raise ValueError("expected an object with box, landmarks, confidence, flags")
    flags = face.get("flags", [])
    if not isinstance(flags, list) or not set(flags) <= set(FLAGS):
        raise ValueError(f"'flags' must be a list of {', '.join(FLAGS)}, got {flags!r}")
    confidence = _array(face["confidence"], (NUM_LANDMARKS,), "confidence")
    if confidence.min() < 0 or confidence.max() > 1:
        raise ValueError("'confidence' values must lie in [0, 1]")
    embedding = face.get("embedding")
    mesh, pose = face.get("mesh"), face.get("pose")  # version 2; absent in version 1
    return TrackFrame(
        box=_array(face["box"], (4,), "box"),
        score=float(face.get("score", 0.0)),
        landmarks=_array(face["landmarks"], (NUM_LANDMARKS, 2), "landmarks"),
        confidence=confidence,
        flags=frozenset(flags),
        embedding=None if embedding is None else _array(embedding, (len(embedding),), "embedding"),
        mesh=None if mesh is None else _array(mesh, (MESH_POINTS, 3), "mesh"),
        pose=None if pose is None else tuple(_array(pose, (3,), "pose").tolist()),
        flow=None if face.get("flow") is None else _array(face["flow"], (4,), "flow"),
    )

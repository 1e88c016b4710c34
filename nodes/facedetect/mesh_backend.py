"""The default backend, licence-clean: BlazeFace detection and the 468-point face mesh, on ONNX Runtime.

Both networks are Google's MediaPipe models (Apache-2.0), converted to ONNX once by a developer
(``tools/face_mesh/convert.py``) and shipped with faceplate; the registry finds them and checks
their sha256 before use. Sessions come from :mod:`faceplate.models.runtime` (the CUDA provider only
when a device is really there). Every face of a pass runs in one batch.

What the mesh gives beyond the 68 iBUG points (mapped from the mesh by
:mod:`.mesh_geometry`, whose docs give the mapping):

- a face-presence probability: a face followed from the frame before is confirmed by the mesh
  itself (:attr:`confirms_faces`), so following needs no detector search;
- head pose from its 3D points, and per-point confidence (presence times how squarely the surface
  at the point faces the camera: points turning away on a turned head are uncertain).

No identity embedding: the only offline face embedding (dlib's ResNet) is not cleared for commercial
use (see its card), and a signature from the mesh's 3D shape did not tell the two test faces apart
(its distances across one person's moves overlapped those between the two people). So :meth:`embed`
returns None: tracks are linked by motion and overlap alone, each track is its own identity, and
reference photos need the ``dlib`` backend.
"""

from __future__ import annotations

import cv2
import numpy as np

from faceplate.models import registry, runtime
from faceplate.models.cards import BLAZEFACE, FACE_MESH, ModelCard
from faceplate.nodes.facedetect import blazeface, mesh_geometry
from faceplate.nodes.facedetect.backend import Backend, CropLayout, Measurement, RawDetection

MESH_INPUT = 192
# The 68 landmarks' detector-like box (detect.landmark_box) over BlazeFace's box: measured 1.04 and
# 0.97 on the two test photos, so the box is used as it is.
BOX_SCALE = 1.0
DETECT_MIN_SCORE = 0.1  # decoded at all (the caller applies its threshold)
# Crop perturbations (dx, dy in crop pixels, scale about the centre): the mesh is run on each and its
# points averaged back, as the dlib backend averages box perturbations; a quick pass runs the first only.
ENSEMBLE = ((0.0, 0.0, 1.0), (2.0, 2.0, 1.04), (-2.0, -2.0, 0.96))


def mesh_points(session, crops: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(N, 468, 3)`` mesh points (crop pixels, centres at +0.5; z: depth in the same scale, larger is
    nearer the camera) and ``(N,)`` face-presence probabilities of ``MESH_INPUT``-pixel uint8 RGB crops,
    in one run of the face mesh ``session``."""
    batch = np.stack(crops).astype(np.float32) * np.float32(1.0 / 255.0)
    points, presence = session.run(None, {"input_1": batch})
    points = points.reshape(len(crops), 468, 3).astype(np.float64)
    points[:, :, 2] *= -1.0  # the network's z grows away from the camera
    return points, 1.0 / (1.0 + np.exp(-presence.reshape(-1).astype(np.float64)))


class MeshBackend(Backend):
    name = "mesh"
    # The landmark box fills 1/1.6 of the crop: MediaPipe's own crops are 1.5 times the mesh's extent.
    layout = CropLayout(size=MESH_INPUT, box_side=MESH_INPUT / 1.6, centre=(MESH_INPUT / 2, MESH_INPUT / 2))
    confirms_faces = True

    def __init__(self) -> None:
        self._detector = runtime.session(registry.locate(BLAZEFACE))
        self._mesh = runtime.session(registry.locate(FACE_MESH))
        self._topology = mesh_geometry.topology()

    @property
    def cards(self) -> tuple[ModelCard, ...]:
        return (BLAZEFACE, FACE_MESH)

    def model_digests(self) -> dict[str, str | None]:
        return {BLAZEFACE.id: BLAZEFACE.sha256, FACE_MESH.id: FACE_MESH.sha256}

    def detect(self, image: np.ndarray) -> list[RawDetection]:
        h, w = image.shape[:2]
        squares = blazeface.windows(w, h)
        regressors, logits = self._detector.run(None, {"input": blazeface.inputs(image, squares)})
        out = []
        for face in blazeface.merge(blazeface.decode(regressors, logits, squares, DETECT_MIN_SCORE)):
            cx, cy = 0.5 * (face.box[:2] + face.box[2:])
            half = 0.25 * BOX_SCALE * (face.box[2] - face.box[0] + face.box[3] - face.box[1])
            right_eye, left_eye = face.keypoints[0], face.keypoints[1]
            roll = float(np.degrees(np.arctan2(*(left_eye - right_eye)[::-1])))
            out.append(RawDetection((cx - half, cy - half, cx + half, cy + half), face.score, "front", roll=roll))
        return out

    def measure(self, crops: list[np.ndarray], quick: bool = False) -> list[Measurement]:
        if not crops:
            return []
        members = ENSEMBLE[:1] if quick else ENSEMBLE
        centre = MESH_INPUT / 2
        batch, back = [], []
        for dx, dy, scale in members:
            # member_from_crop: scale about the centre, then shift
            m = np.array([[scale, 0.0, (1 - scale) * centre + dx], [0.0, scale, (1 - scale) * centre + dy]])
            for crop in crops:
                batch.append(
                    crop
                    if (dx, dy, scale) == (0.0, 0.0, 1.0)
                    else cv2.warpAffine(
                        crop, m, (MESH_INPUT, MESH_INPUT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
                    )
                )
            back.append((m, scale))
        points, presences = mesh_points(self._mesh, batch)
        n = len(crops)
        runs = []
        for k, (m, scale) in enumerate(back):
            run = points[k * n : (k + 1) * n].copy()
            run[:, :, :2] = (run[:, :, :2] - m[:, 2]) / scale  # member pixels -> crop pixels
            run[:, :, 2] /= scale
            runs.append(run)
        dense = np.mean(runs, axis=0)
        presence = np.mean(presences.reshape(len(members), n), axis=0)
        out = []
        for mesh, p in zip(dense, presence):
            points = mesh_geometry.ibug68(mesh, self._topology)
            confidence = p * mesh_geometry.facing68(mesh, self._topology)
            out.append(Measurement(points, confidence, dense=mesh, presence=float(p)))
        return out

    def landmarks(self, crop: np.ndarray, *, quick: bool = False) -> tuple[np.ndarray, np.ndarray]:
        (m,) = self.measure([crop])
        return m.points, m.confidence

    def embed(self, crop: np.ndarray, points: np.ndarray, dense: np.ndarray | None = None) -> None:
        return None

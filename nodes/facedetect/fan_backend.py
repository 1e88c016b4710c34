"""FAN backend: face-alignment's 2D FAN landmarks on dlib's detector boxes and dlib's embedding.

The FAN checkpoint is never downloaded: it is found by the registry (``$FACEPLATE_FAN_WEIGHTS`` or
torch hub's checkpoints folder) and verified before use; a missing file is a ModelError naming the
file, the folder and the environment variable. Per-point confidence is the heatmap peak.
"""

from __future__ import annotations

import threading

import numpy as np
from faceplate.foundation.errors import ModelError
from faceplate.foundation.files import sha256_of
from faceplate.models import registry
from faceplate.models.cards import FAN_2D, ModelCard
from faceplate.nodes.facedetect.backend import Backend, CropLayout, RawDetection
from faceplate.nodes.facedetect.dlib_backend import DlibBackend

HEATMAP_STRIDE = 4  # 256-pixel crop -> 64-pixel heatmaps


class FanBackend(Backend):
    """FAN landmarks. ``weights``/``sha256`` override the card (a studio's own checkpoint)."""

    name = "fan"
    layout = CropLayout(size=256, box_side=110.0, centre=(128.0, 128.0))

    def __init__(self, weights: str | None = None, sha256: str | None = None, *, dlib: Backend | None = None) -> None:
        import torch
        from face_alignment.models import FAN

        if weights is None:
            weights = registry.locate(FAN_2D)
            self._digest = sha256_of(weights)
        else:
            self._digest = registry.verify(weights, sha256, what=FAN_2D.title)
        try:
            state = torch.load(weights, map_location="cpu", weights_only=True)
            net = FAN(4)
            net.load_state_dict(state)
        except Exception as exc:  # torch raises many types for a bad checkpoint
            raise ModelError(f"{FAN_2D.title}: cannot load {weights}: {type(exc).__name__}: {exc}") from None
        self._net = net.eval()
        self._torch = torch
        self._lock = threading.Lock()  # torch CPU inference is thread-safe, but one at a time is faster on 2 cores
        self._dlib = dlib if dlib is not None else DlibBackend()  # HOG boxes and the identity embedding

    @property
    def cards(self) -> tuple[ModelCard, ...]:
        return (self._dlib.cards[0], FAN_2D, self._dlib.cards[2])

    def model_digests(self) -> dict[str, str | None]:
        digests = self._dlib.model_digests()
        digests.pop("dlib-shape-predictor-68")
        return {**digests, FAN_2D.id: self._digest}

    def detect(self, image: np.ndarray) -> list[RawDetection]:
        return self._dlib.detect(image)

    def landmarks(self, crop: np.ndarray, *, quick: bool = False) -> tuple[np.ndarray, np.ndarray]:
        tensor = self._torch.from_numpy(np.ascontiguousarray(crop.transpose(2, 0, 1))).float().div_(255.0)[None]
        with self._lock, self._torch.inference_mode():
            out = self._net(tensor)
        heatmaps = (out[-1] if isinstance(out, (list, tuple)) else out)[0].numpy()
        return heatmap_peaks(heatmaps)

    def embed(self, crop: np.ndarray, points: np.ndarray) -> np.ndarray:
        return self._dlib.embed(crop, points)


def heatmap_peaks(heatmaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel peaks of ``(68, h, w)`` heatmaps in crop pixels (centres at +0.5), and peak heights.

    The peak moves a quarter heatmap pixel toward the higher neighbour, as FAN's authors do.
    """
    n, h, w = heatmaps.shape
    flat = heatmaps.reshape(n, -1).argmax(axis=1)
    ys, xs = np.divmod(flat, w)
    points = np.stack([xs, ys], axis=1).astype(np.float64)
    for i, (x, y) in enumerate(zip(xs, ys)):
        hm = heatmaps[i]
        if 0 < x < w - 1:
            points[i, 0] += 0.25 * np.sign(hm[y, x + 1] - hm[y, x - 1])
        if 0 < y < h - 1:
            points[i, 1] += 0.25 * np.sign(hm[y + 1, x] - hm[y - 1, x])
    confidence = np.clip(heatmaps.reshape(n, -1).max(axis=1), 0.0, 1.0).astype(np.float64)
    return (points + 0.5) * HEATMAP_STRIDE, confidence

"""The learned occlusion model: where OcclusionMask runs its ONNX inference.

This module is the only place the node talks to an occlusion model. The interface a model meets
(written on its card by :mod:`faceplate.models.occlusion.occluder_export`):

- input ``image``: ``(N, 3, S, S)`` float32 RGB in [0, 1], **sRGB-encoded** (the card's
  ``colour_space``): the face resampled from the plate into the model's aligned space, converted here
  from the scene-linear working space and clipped (highlights above display white clip; an occlusion
  matte needs no HDR);
- output ``hidden``: ``(N, 1, S, S)`` float32 probability that the pixel is hidden (occluded).

The model's aligned space is AlignEdit's (``whole_face`` template) scaled to ``S``:
``model_from_plate = (S / align_size) * aligned_from_plate``, where ``align_size`` is the upstream
AlignEdit's ``size`` (or ``S`` when there is no AlignEdit, i.e. the transform was made for the model).
``S`` is read from the model's input shape (the card's ``resolution`` when the shape is dynamic).

Files are verified before use: a model with a card beside it (``NAME.card.json``) must match the
card's sha256 (:func:`faceplate.models.registry.occlusion_model`); ``default`` is the occluder that
ships with the package (:func:`faceplate.models.registry.default_occluder`). Sessions are shared per
file by :func:`faceplate.models.runtime.session`.
"""

from __future__ import annotations

import collections
import os
import threading

import cv2
import numpy as np

from faceplate.foundation import geometry
from faceplate.foundation.errors import ModelError
from faceplate.foundation.files import sha256_of
from faceplate.foundation.imaging import warp_affine
from faceplate.models import registry, runtime
from faceplate.models.cards import DISPLAY_SRGB
from faceplate.models.registry import DEFAULT_OCCLUDER
from faceplate.nodes.io import colour

DEFAULT_SIZE = 128
DEFAULT_MODEL = "default"
TRAIN_HINT = (
    "train one with `faceplate train --task occlusion --faceset DIR -o MODEL_DIR`, set the 'model' knob "
    "to 'default' (the occluder that ships with faceplate), or clear it to render the landmark region "
    "mattes without learned occlusion"
)


def resolve(value: str, resolve_path) -> str | None:
    """The model file a ``model`` knob value names: None (empty), the shipped default, or a path."""
    value = value.strip()
    if not value:
        return None
    if value == DEFAULT_MODEL:
        return DEFAULT_OCCLUDER
    return resolve_path(value)


class PredictionCache:
    """Model-space ``(prediction, crop)`` pairs keyed by (model sha256, input hash at the frame, track).

    Temporal smoothing reads each frame's prediction (and the crop it saw, to weigh it) 2r + 1 times in a
    sequential render; this keeps them (read-only arrays, LRU, ``capacity`` entries: 256 KB each at 128 px).
    Module-wide and behind a lock: the key holds everything a prediction depends on, so nodes and threads
    can share it.
    """

    def __init__(self, capacity: int = 256):
        self.capacity = capacity
        self._items: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key) -> tuple[np.ndarray, ...] | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value: tuple[np.ndarray, ...]) -> None:
        for array in value:
            array.flags.writeable = False
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


PREDICTIONS = PredictionCache()


class OcclusionModel:
    """An occlusion model file, verified, and its ONNX Runtime session.

    Raises:
        ModelError: the file does not exist (not trained yet), its sha256 differs from its card's
            (a corrupt or replaced file), or ONNX Runtime cannot load it / it has the wrong shapes.
    """

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        if not os.path.isfile(self.path):
            if self.path == registry.DEFAULT_OCCLUDER:
                registry.default_occluder()  # raises the install / retrain message
            raise ModelError(
                f"occlusion model {self.path} does not exist: the learned occlusion model is not "
                f"trained yet; {TRAIN_HINT}"
            )
        if self.path == registry.DEFAULT_OCCLUDER:
            registry.default_occluder()
        _, card = registry.occlusion_model(self.path)
        self.card = card or {}
        self.colour_space = self.card.get("colour_space", DISPLAY_SRGB)
        self.sha256 = sha256_of(self.path)
        self.session = runtime.session(self.path)
        inputs = self.session.get_inputs()
        shape = inputs[0].shape if inputs else ()
        if len(shape) != 4 or shape[1] not in (3, "3"):
            raise ModelError(f"occlusion model {self.path}: expected input (1, 3, S, S), got {shape}")
        side = shape[2] if isinstance(shape[2], int) else int(self.card.get("resolution") or DEFAULT_SIZE)
        self.size = int(side)
        self.input_name = inputs[0].name

    def crop(self, rgb: np.ndarray, model_from_array: np.ndarray) -> np.ndarray:
        """``(S, S, 3)`` float32 model input: the face of ``rgb`` (scene-linear plate pixels, array
        coordinates) in model space, in the card's colour space, clipped to [0, 1]."""
        s = self.size
        linear = warp_affine(np.ascontiguousarray(rgb), model_from_array, size=(s, s), filter="bilinear", border="edge")
        return np.clip(colour.convert(linear, colour.WORKING_SPACE, self.colour_space), 0.0, 1.0).astype(np.float32)

    def predict_aligned(self, crop: np.ndarray) -> np.ndarray:
        """``(S, S)`` occlusion probability of an ``(S, S, 3)`` float32 model-space crop."""
        batch = np.ascontiguousarray(crop.transpose(2, 0, 1)[np.newaxis], dtype=np.float32)
        (out, *_) = self.session.run(None, {self.input_name: batch})
        out = np.asarray(out, dtype=np.float32)
        if out.shape != (1, 1, self.size, self.size):
            raise ModelError(
                f"occlusion model {self.path}: expected output (1, 1, {self.size}, {self.size}), got {out.shape}"
            )
        return np.clip(out[0, 0], 0.0, 1.0)

    def draw(self, rgb: np.ndarray, model_from_array: np.ndarray, out: np.ndarray) -> None:
        """Predicts one face's occlusion and draws it into ``out`` ``(H, W)`` (union by max), in place."""
        paste(self.predict_aligned(self.crop(rgb, model_from_array)), model_from_array, out)


def paste(matte: np.ndarray, model_from_array: np.ndarray, out: np.ndarray) -> None:
    """Draws a model-space ``(S, S)`` matte into the plate matte ``out`` ``(H, W)`` (union by max) over
    the crop's footprint only (never a full-frame warp), in place."""
    s = matte.shape[0]
    array_from_model = geometry.invert(model_from_array)
    corners = geometry.apply(array_from_model, np.array([[0, 0], [s, 0], [s, s], [0, s]], float))
    h, w = out.shape
    x0, y0 = np.maximum(np.floor(corners.min(axis=0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(corners.max(axis=0)).astype(int), (w, h))
    if x1 <= x0 or y1 <= y0:
        return
    footprint_from_model = geometry.compose(geometry.translation(-x0, -y0), array_from_model)
    footprint = warp_affine(
        np.ascontiguousarray(matte, np.float32)[:, :, np.newaxis],
        footprint_from_model,
        size=(x1 - x0, y1 - y0),
        filter="bilinear",
        border="constant",
    )
    np.maximum(out[y0:y1, x0:x1], footprint[:, :, 0], out=out[y0:y1, x0:x1])


AGREEMENT_SIGMA = 0.06  # crop difference (display-referred, 0-1) at which a neighbour's weight falls to 1/e


def agreement(crop: np.ndarray, other: np.ndarray, sigma: float = AGREEMENT_SIGMA) -> np.ndarray:
    """``(S, S)`` weight in (0, 1]: how alike two model-space crops of one face are at each pixel.

    ``other`` is first scaled to ``crop``'s mean (an exposure change between frames is not a
    disagreement); the difference, the mean over RGB of the absolute values, smoothed over 3x3 pixels
    against noise, gives ``exp(-(d / sigma)^2)``.
    """
    gain = float(crop.mean()) / max(float(other.mean()), 1e-6)
    d = np.abs(crop - other * np.float32(gain)).mean(axis=2).astype(np.float32)
    d = cv2.blur(d, (3, 3))
    return np.exp(-np.square(d / np.float32(sigma))).astype(np.float32)


def shape_matte(prob: np.ndarray, threshold: float, softness: float) -> np.ndarray:
    """Probability to matte: a linear ramp ``softness`` wide (in probability) centred on ``threshold``.

    ``threshold 0.5, softness 1`` keeps the probability as it is; ``softness 0`` is a hard cut.
    """
    if softness <= 1e-6:
        return (prob >= threshold).astype(np.float32)
    return np.clip((prob - threshold) / softness + 0.5, 0.0, 1.0).astype(np.float32)

"""The backend interface: what a face model set must provide, and the backends by name.

A backend works on display-referred 8-bit RGB images (the colour space its model cards declare);
:mod:`.detect` converts the linear plate, builds proxies and face crops, and maps every result back
to plate pixels. Coordinates a backend returns are in the pixels of the image it was given, pixel
centres at +0.5.

Backends are built once per process and per settings (:func:`get_backend`): loading the dlib
predictor takes about a second, and the objects are reused by every frame. dlib's objects and a
torch module in eval mode are read-only while running, so one instance may serve several threads.
"""

from __future__ import annotations

import abc
import dataclasses

import numpy as np
from faceplate.models.cards import ModelCard

BACKENDS = ("dlib", "fan")

# Detector filter kinds, in the order of dlib's HOG frontal detector's five filters.
KINDS = ("front", "left", "right", "front-tilted-left", "front-tilted-right")


@dataclasses.dataclass(frozen=True)
class RawDetection:
    """A face box in the detector image: ``(xmin, ymin, xmax, ymax)`` pixel edges, score, filter kind."""

    box: tuple[float, float, float, float]
    score: float
    kind: str = "front"

    @property
    def centre(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2

    @property
    def side(self) -> float:
        """The side of the square the box stands for (the mean of its width and height)."""
        return 0.5 * (self.box[2] - self.box[0] + self.box[3] - self.box[1])


@dataclasses.dataclass(frozen=True)
class CropLayout:
    """Where a backend wants the face inside its landmark crop.

    The face box (square, side ``box_side`` crop pixels) is centred at ``centre`` of a ``size`` x ``size``
    crop, turned upright.
    """

    size: int
    box_side: float
    centre: tuple[float, float]


class Backend(abc.ABC):
    """Face detection, 68 landmarks with per-point confidence, and a 128-D identity embedding."""

    name: str = ""
    layout: CropLayout

    @property
    @abc.abstractmethod
    def cards(self) -> tuple[ModelCard, ...]:
        """The model cards of every model this backend runs."""

    @abc.abstractmethod
    def model_digests(self) -> dict[str, str | None]:
        """``{card id: sha256}`` of the weights in use (recorded in sidecars)."""

    @abc.abstractmethod
    def detect(self, image: np.ndarray) -> list[RawDetection]:
        """Faces in ``(H, W, 3)`` uint8 RGB, every score (threshold applied by the caller)."""

    @abc.abstractmethod
    def landmarks(self, crop: np.ndarray, *, quick: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``(68, 2)`` points and ``(68,)`` confidences in [0, 1] for the face placed per :attr:`layout`.

        ``quick``: a first estimate, used only to place the final crop (confidence may be rough).
        """

    @abc.abstractmethod
    def embed(self, crop: np.ndarray, points: np.ndarray) -> np.ndarray:
        """``(128,)`` identity embedding of the face in ``crop`` with landmarks ``points`` (crop pixels)."""

"""Plate: the image that flows between nodes.

A plate holds named float32 channels in one channels-last array that covers its *data window*, plus
a *display window*, a pixel aspect ratio and a metadata dict (carried into EXR headers).

Windows follow OpenEXR: integer boxes with inclusive corners, in pixel coordinates whose origin is the
top-left of the display window's coordinate system, y down. The pixel at array index ``[j, i]`` has
its centre at ``(data_window.xmin + i + 0.5, data_window.ymin + j + 0.5)``.

Channel names follow EXR: ``R, G, B, A`` for the main layer, ``layer.channel`` for the others
(``fp_matte.jaw``, ``fp_swap.R``). Order is kept as given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from faceplate.foundation.errors import FaceplateError


@dataclasses.dataclass(frozen=True)
class Box2i:
    """Integer pixel box with inclusive corners, as in OpenEXR's data and display windows."""

    xmin: int
    ymin: int
    xmax: int
    ymax: int

    @classmethod
    def from_size(cls, width: int, height: int, x: int = 0, y: int = 0) -> Box2i:
        return cls(x, y, x + width - 1, y + height - 1)

    @property
    def width(self) -> int:
        return self.xmax - self.xmin + 1

    @property
    def height(self) -> int:
        return self.ymax - self.ymin + 1

    @property
    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.xmin, self.ymin, self.xmax, self.ymax)

    def __str__(self) -> str:
        return f"({self.xmin}, {self.ymin}) - ({self.xmax}, {self.ymax})"


class Plate:
    """Named float32 channels over a data window, with a display window and metadata.

    Args:
        pixels: ``(H, W, C)`` float32 array covering ``data_window`` (``(H, W)`` is taken as one channel).
        channels: C channel names, unique.
        data_window: where ``pixels`` sits; defaults to ``(0, 0) - (W-1, H-1)``.
        display_window: the frame's extent; defaults to the data window.
        pixel_aspect: pixel width over height.
        metadata: header attributes (str keys; str, int, float or float-array values).

    Example:
        >>> import numpy as np
        >>> p = Plate(np.zeros((2, 3, 4), np.float32), ["R", "G", "B", "A"])
        >>> p.channel("A").shape, p.data_window.width
        ((2, 3), 3)
    """

    __slots__ = ("pixels", "channels", "data_window", "display_window", "pixel_aspect", "metadata")

    def __init__(
        self,
        pixels: np.ndarray,
        channels: Sequence[str],
        *,
        data_window: Box2i | None = None,
        display_window: Box2i | None = None,
        pixel_aspect: float = 1.0,
        metadata: Mapping[str, Any] | None = None,
    ):
        pixels = np.asarray(pixels)
        if pixels.ndim == 2:
            pixels = pixels[:, :, np.newaxis]
        if pixels.ndim != 3 or pixels.dtype != np.float32:
            raise FaceplateError(f"Plate pixels: expected (H, W, C) float32, got {pixels.shape} {pixels.dtype}")
        channels = tuple(channels)
        if len(channels) != pixels.shape[2]:
            raise FaceplateError(f"Plate: {len(channels)} channel names for {pixels.shape[2]} channels: {channels}")
        if len(set(channels)) != len(channels):
            raise FaceplateError(f"Plate: duplicate channel names in {channels}")
        h, w = pixels.shape[:2]
        if data_window is None:
            data_window = Box2i.from_size(w, h)
        elif (data_window.width, data_window.height) != (w, h) and not (h == 0 or w == 0):
            raise FaceplateError(
                f"Plate: data window {data_window} is {data_window.width}x{data_window.height}, pixels are {w}x{h}"
            )
        self.pixels = pixels
        self.channels = channels
        self.data_window = data_window
        self.display_window = display_window if display_window is not None else data_window
        self.pixel_aspect = float(pixel_aspect)
        self.metadata = dict(metadata or {})

    # -- channels -------------------------------------------------------------------------------

    @property
    def width(self) -> int:
        return self.pixels.shape[1]

    @property
    def height(self) -> int:
        return self.pixels.shape[0]

    def has_channel(self, name: str) -> bool:
        return name in self.channels

    def channel_index(self, name: str) -> int:
        try:
            return self.channels.index(name)
        except ValueError:
            raise FaceplateError(f"Plate has no channel '{name}'; it has {', '.join(self.channels)}") from None

    def channel(self, name: str) -> np.ndarray:
        """The ``(H, W)`` view of one channel."""
        return self.pixels[:, :, self.channel_index(name)]

    def layers(self) -> dict[str, list[str]]:
        """Channels grouped by layer: ``{"": ["R", "G", "B", "A"], "fp_matte": ["fp_matte.jaw"], ...}``."""
        out: dict[str, list[str]] = {}
        for name in self.channels:
            layer = name.rsplit(".", 1)[0] if "." in name else ""
            out.setdefault(layer, []).append(name)
        return out

    def select(self, names: Iterable[str]) -> Plate:
        """A plate with only the named channels, in the order given (pixels copied)."""
        names = list(names)
        idx = [self.channel_index(n) for n in names]
        return self.replace(pixels=np.ascontiguousarray(self.pixels[:, :, idx]), channels=names)

    def with_channel(self, name: str, values: np.ndarray) -> Plate:
        """A plate with channel ``name`` set to ``values`` ``(H, W)``, added at the end when new."""
        values = np.asarray(values, dtype=np.float32)
        if values.shape != self.pixels.shape[:2]:
            raise FaceplateError(f"channel '{name}': expected {self.pixels.shape[:2]}, got {values.shape}")
        if name in self.channels:
            pixels = self.pixels.copy()
            pixels[:, :, self.channels.index(name)] = values
            return self.replace(pixels=pixels)
        pixels = np.concatenate([self.pixels, values[:, :, np.newaxis]], axis=2)
        return self.replace(pixels=pixels, channels=self.channels + (name,))

    # -- copies ---------------------------------------------------------------------------------

    def replace(self, **changes: Any) -> Plate:
        """A new plate with some fields replaced (pixels are shared unless replaced)."""
        fields = {
            "pixels": self.pixels,
            "channels": self.channels,
            "data_window": self.data_window,
            "display_window": self.display_window,
            "pixel_aspect": self.pixel_aspect,
            "metadata": self.metadata,
        }
        fields.update(changes)
        pixels = fields.pop("pixels")
        channels = fields.pop("channels")
        return Plate(pixels, channels, **fields)

    @property
    def nbytes(self) -> int:
        return int(self.pixels.nbytes)

    def __repr__(self) -> str:
        return (
            f"Plate({self.width}x{self.height}, channels={list(self.channels)}, "
            f"data_window={self.data_window}, display_window={self.display_window}, "
            f"pixel_aspect={self.pixel_aspect:g})"
        )

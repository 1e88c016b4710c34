"""Keyframed curves for animatable knobs.

A :class:`Curve` holds keys ``(frame, value, interpolation)`` sorted by frame. The interpolation of a
key governs the segment that *starts* at it, as in Nuke's curve editor:

- ``constant``: the key's value holds until the next key;
- ``linear``: straight line to the next key;
- ``smooth``: Catmull-Rom style cubic Hermite through the keys (tangents from the neighbours, flat
  at the ends), so motion eases through keys without overshooting on two-key curves.

Before the first key and after the last the curve holds the end values. Values are floats; vector
knobs (xy, colour) animate each component with its own curve.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable

INTERPOLATIONS = ("constant", "linear", "smooth")


class Curve:
    """Keyframed float curve.

    Example:
        >>> c = Curve([(1001, 0.0, "linear"), (1011, 10.0, "linear")])
        >>> c.evaluate(1006)
        5.0
    """

    __slots__ = ("_frames", "_values", "_interps")

    def __init__(self, keys: Iterable[tuple[float, float, str]] = ()):
        self._frames: list[float] = []
        self._values: list[float] = []
        self._interps: list[str] = []
        for frame, value, interp in keys:
            self.set_key(frame, value, interp)

    def set_key(self, frame: float, value: float, interpolation: str = "linear") -> None:
        """Adds or replaces the key at ``frame``."""
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"interpolation '{interpolation}' is not one of {', '.join(INTERPOLATIONS)}")
        frame, value = float(frame), float(value)
        if not (math.isfinite(frame) and math.isfinite(value)):
            raise ValueError(f"key ({frame}, {value}) is not finite")
        i = bisect.bisect_left(self._frames, frame)
        if i < len(self._frames) and self._frames[i] == frame:
            self._values[i], self._interps[i] = value, interpolation
        else:
            self._frames.insert(i, frame)
            self._values.insert(i, value)
            self._interps.insert(i, interpolation)

    def remove_key(self, frame: float) -> None:
        i = bisect.bisect_left(self._frames, float(frame))
        if i < len(self._frames) and self._frames[i] == float(frame):
            del self._frames[i], self._values[i], self._interps[i]
        else:
            raise KeyError(f"no key at frame {frame:g}")

    @property
    def keys(self) -> list[tuple[float, float, str]]:
        return list(zip(self._frames, self._values, self._interps))

    def __len__(self) -> int:
        return len(self._frames)

    def evaluate(self, frame: float) -> float:
        frames, values = self._frames, self._values
        if not frames:
            raise ValueError("curve has no keys")
        if frame <= frames[0]:
            return values[0]
        if frame >= frames[-1]:
            return values[-1]
        i = bisect.bisect_right(frames, frame) - 1
        f0, f1 = frames[i], frames[i + 1]
        v0, v1 = values[i], values[i + 1]
        interp = self._interps[i]
        if interp == "constant":
            return v0
        t = (frame - f0) / (f1 - f0)
        if interp == "linear":
            return v0 + (v1 - v0) * t
        # smooth: cubic Hermite with Catmull-Rom tangents (per frame), flat at the curve's ends.
        m0 = self._slope(i) * (f1 - f0)
        m1 = self._slope(i + 1) * (f1 - f0)
        t2, t3 = t * t, t * t * t
        return (2 * t3 - 3 * t2 + 1) * v0 + (t3 - 2 * t2 + t) * m0 + (-2 * t3 + 3 * t2) * v1 + (t3 - t2) * m1

    def _slope(self, i: int) -> float:
        frames, values = self._frames, self._values
        if i == 0 or i == len(frames) - 1:
            return 0.0
        return (values[i + 1] - values[i - 1]) / (frames[i + 1] - frames[i - 1])

    def to_json(self) -> list[list]:
        return [[f if not float(f).is_integer() else int(f), v, k] for f, v, k in self.keys]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Curve) and self.keys == other.keys

    def __repr__(self) -> str:
        return f"Curve({self.keys})"

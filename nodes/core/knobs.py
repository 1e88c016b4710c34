"""Typed knobs: the parameters a node declares.

A knob is declared once on the node class (name, type, default, range, tooltip) and holds one value
per node instance. Numeric knobs (float, int, xy, colour) are animatable: their value is then a
:class:`~faceplate.nodes.core.animation.Curve` per component. Knob declarations are plain metadata so
host adapters can build their UI from them (:meth:`Knob.describe`).

Values are validated on every set and on script load; a bad value raises :class:`KnobError` naming the
node and the knob.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, ClassVar

from faceplate.foundation.errors import KnobError
from faceplate.nodes.core.animation import INTERPOLATIONS, Curve


class Knob:
    """Base knob declaration. Subclasses set :attr:`type_name` and implement :meth:`_coerce`."""

    type_name: ClassVar[str] = ""
    animatable: ClassVar[bool] = False
    components: ClassVar[int] = 1

    def __init__(self, name: str, default: Any, tooltip: str = "", *, affects_output: bool = True):
        if not name.isidentifier():
            raise ValueError(f"knob name '{name}' must be an identifier")
        self.name = name
        self.tooltip = tooltip
        self.affects_output = affects_output
        self.default = self.validate(default, node="<declaration>")

    # -- values -----------------------------------------------------------------------------------

    def _coerce(self, value: Any) -> Any:
        raise NotImplementedError

    def validate(self, value: Any, *, node: str) -> Any:
        """Returns the normalised static value, or raises KnobError naming node and knob."""
        try:
            return self._coerce(value)
        except (TypeError, ValueError) as exc:
            raise KnobError(f"{exc} (a {self.type_name} knob)", node=node, knob=self.name) from None

    def evaluate(self, stored: Any, frame: float) -> Any:
        """The value at ``frame`` of a stored value (static, or curves for animatable knobs)."""
        return stored

    def to_json(self, stored: Any) -> Any:
        return stored

    def from_json(self, data: Any, *, node: str) -> Any:
        return self.validate(data, node=node)

    def describe(self) -> dict[str, Any]:
        """Metadata for host UIs and docs: type, default, tooltip, and type-specific fields."""
        return {
            "name": self.name,
            "type": self.type_name,
            "default": self.to_json(self.default),
            "tooltip": self.tooltip,
            "animatable": self.animatable,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, default={self.default!r})"


def _finite(value: float, what: str = "value") -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"expected a number, got {value!r}")
    f = float(value)
    if not math.isfinite(f):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return f


class _NumericKnob(Knob):
    """Float-valued components with an optional hard range, animatable per component.

    Stored value: a float (one component) or a tuple of floats; when animated, the component (or
    each component) may be a :class:`Curve` instead of a float.
    """

    animatable = True

    def __init__(
        self,
        name: str,
        default: Any,
        tooltip: str = "",
        *,
        min: float | None = None,
        max: float | None = None,
        affects_output: bool = True,
    ):
        self.min, self.max = min, max
        super().__init__(name, default, tooltip, affects_output=affects_output)

    def _component(self, value: Any) -> float:
        f = _finite(value)
        if self.min is not None and f < self.min:
            raise ValueError(f"{f:g} is below the minimum {self.min:g}")
        if self.max is not None and f > self.max:
            raise ValueError(f"{f:g} is above the maximum {self.max:g}")
        return f

    def _coerce(self, value: Any) -> Any:
        if self.components == 1:
            return self._component(value)
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != self.components:
            raise TypeError(f"expected {self.components} numbers, got {value!r}")
        return tuple(self._component(v) for v in value)

    # -- animation --------------------------------------------------------------------------------

    def set_key(self, stored: Any, frame: float, value: Any, interpolation: str, *, node: str) -> Any:
        """Returns the stored value with a key set at ``frame`` on every component."""
        value = self.validate(value, node=node)
        if interpolation not in INTERPOLATIONS:
            raise KnobError(
                f"interpolation '{interpolation}' is not one of {', '.join(INTERPOLATIONS)}", node=node, knob=self.name
            )
        parts = [stored] if self.components == 1 else list(stored)
        values = [value] if self.components == 1 else list(value)
        out = []
        for part, v in zip(parts, values):
            curve = part if isinstance(part, Curve) else Curve()
            curve = Curve(curve.keys)  # never mutate a shared curve
            curve.set_key(frame, v, interpolation)
            out.append(curve)
        return out[0] if self.components == 1 else tuple(out)

    def is_animated(self, stored: Any) -> bool:
        parts = [stored] if self.components == 1 else stored
        return any(isinstance(p, Curve) for p in parts)

    def evaluate(self, stored: Any, frame: float) -> Any:
        if self.components == 1:
            return self._cast(stored.evaluate(frame) if isinstance(stored, Curve) else stored)
        return tuple(self._cast(p.evaluate(frame) if isinstance(p, Curve) else p) for p in stored)

    def _cast(self, value: float) -> Any:
        return value

    # -- JSON: a number, a list of numbers, or {"curve": [[frame, value, interp], ...]} per component --

    def to_json(self, stored: Any) -> Any:
        def one(part: Any) -> Any:
            return {"curve": part.to_json()} if isinstance(part, Curve) else self._cast(part)

        return one(stored) if self.components == 1 else [one(p) for p in stored]

    def from_json(self, data: Any, *, node: str) -> Any:
        def one(part: Any) -> Any:
            if isinstance(part, dict):
                if set(part) != {"curve"} or not isinstance(part["curve"], list) or not part["curve"]:
                    raise KnobError(
                        f'an animated value must be {{"curve": [[frame, value, interpolation], ...]}}, got {part!r}',
                        node=node,
                        knob=self.name,
                    )
                curve = Curve()
                for key in part["curve"]:
                    if not isinstance(key, list) or len(key) != 3 or not isinstance(key[2], str):
                        raise KnobError(
                            f"a key must be [frame, value, interpolation], got {key!r}", node=node, knob=self.name
                        )
                    try:
                        curve.set_key(_finite(key[0], "frame"), self._component(key[1]), key[2])
                    except (TypeError, ValueError) as exc:
                        raise KnobError(f"key {key!r}: {exc}", node=node, knob=self.name) from None
                return curve
            try:
                return self._component(part)
            except (TypeError, ValueError) as exc:
                raise KnobError(f"{exc} (a {self.type_name} knob)", node=node, knob=self.name) from None

        if self.components == 1:
            return one(data)
        if not isinstance(data, list) or len(data) != self.components:
            raise KnobError(f"expected a list of {self.components} values, got {data!r}", node=node, knob=self.name)
        return tuple(one(p) for p in data)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "min": self.min, "max": self.max, "components": self.components}


class FloatKnob(_NumericKnob):
    type_name = "float"


class IntKnob(_NumericKnob):
    """Integer knob; animated values are rounded to the nearest integer."""

    type_name = "int"

    def _component(self, value: Any) -> float:
        f = super()._component(value)
        if not float(f).is_integer():
            raise ValueError(f"expected a whole number, got {value!r}")
        return int(f)

    def _cast(self, value: float) -> Any:
        return int(round(value))


class XYKnob(_NumericKnob):
    """A 2D position or offset in pixels (x, y)."""

    type_name = "xy"
    components = 2


class ColourKnob(_NumericKnob):
    """An RGBA colour in the working (scene-linear) space."""

    type_name = "colour"
    components = 4

    def _coerce(self, value: Any) -> Any:
        if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 3:
            value = (*value, 1.0)
        return super()._coerce(value)


class BoolKnob(Knob):
    type_name = "bool"

    def _coerce(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise TypeError(f"expected true or false, got {value!r}")
        return value


class StringKnob(Knob):
    type_name = "string"

    def _coerce(self, value: Any) -> str:
        if not isinstance(value, str):
            raise TypeError(f"expected a string, got {value!r}")
        return value


class PathKnob(StringKnob):
    """A file path or file pattern; relative paths are relative to the script's folder."""

    type_name = "path"


class EnumKnob(Knob):
    type_name = "enum"

    def __init__(
        self,
        name: str,
        options: Sequence[str],
        default: str | None = None,
        tooltip: str = "",
        *,
        affects_output: bool = True,
    ):
        self.options = tuple(options)
        super().__init__(name, self.options[0] if default is None else default, tooltip, affects_output=affects_output)

    def _coerce(self, value: Any) -> str:
        if value not in self.options:
            raise ValueError(f"'{value}' is not one of {', '.join(self.options)}")
        return value

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "options": list(self.options)}

"""Small real nodes used to exercise the graph framework."""

import numpy as np
from faceplate.nodes import Plate
from faceplate.nodes.core import FloatKnob, IntKnob, Node, StringKnob


class Constant(Node):
    """A flat RGBA plate of a given value and size."""

    knobs = (
        FloatKnob("value", 0.5, "fill value"),
        IntKnob("width", 8, "width in pixels", min=1),
        IntKnob("height", 4, "height in pixels", min=1),
        StringKnob("label", "", "a note that does not change the output", affects_output=False),
    )

    def compute(self, context):
        w, h = context.value("width"), context.value("height")
        pixels = np.full((h, w, 4), context.value("value"), np.float32)
        return Plate(pixels, ["R", "G", "B", "A"])


class Gain(Node):
    """Multiplies every channel."""

    inputs = ("input",)
    knobs = (FloatKnob("gain", 1.0, "multiplier"),)

    def passthrough_hash(self, frame):
        if self.value("gain", frame) == 1.0 and self.input() is not None:
            return self.input().hash(frame)
        return None

    def compute(self, context):
        plate = context.input()
        gain = context.value("gain")
        if gain == 1.0:
            return plate
        return plate.replace(pixels=plate.pixels * np.float32(gain))


class Merge(Node):
    """Adds input b, taken `offset` frames later, to input a."""

    inputs = ("a", "b")
    knobs = (IntKnob("offset", 0, "frame offset of b"),)

    def input_frames(self, frame):
        return {"a": [frame], "b": [frame + self.value("offset", frame)]}

    def compute(self, context):
        a = context.input("a")
        b = context.input("b", context.frame + context.value("offset"))
        return a.replace(pixels=a.pixels + b.pixels)


class Leaky(Node):
    """Wrong on purpose: reads a knob its hash does not cover."""

    knobs = (FloatKnob("value", 1.0, "hashed"), FloatKnob("secret", 2.0, "not hashed", affects_output=False))

    def compute(self, context):
        return Plate(np.full((1, 1, 1), context.value("secret"), np.float32), ["Y"])

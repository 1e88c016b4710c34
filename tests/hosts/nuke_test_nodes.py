"""Small nodes for the Nuke adapter's tests: every knob type, a position that shows in the pixels."""

import numpy as np

from faceplate.nodes.core import (
    BoolKnob,
    ColourKnob,
    EnumKnob,
    FloatKnob,
    IntKnob,
    Node,
    PathKnob,
    StringKnob,
    XYKnob,
    register,
)
from faceplate.nodes.faces import METADATA_KEY, Face, Faces


class HostsSpot(Node):
    """Paints a disc of one colour at a position: a node whose output shows where an xy knob points."""

    category = "Face"
    inputs = ("input",)
    knobs = (
        XYKnob("center", (16.0, 12.0), "Disc centre in pixels"),
        FloatKnob("radius", 4.0, "Disc radius in pixels", min=0.0, max=100.0),
        ColourKnob("colour", (1.0, 0.5, 0.25, 1.0), "Disc colour"),
        IntKnob("rings", 1, "An int knob with one bound", min=1),
        EnumKnob("mode", ("paint", "skip it"), "paint", "paint, or pass through"),
        BoolKnob("label_it", False, "A bool knob"),
        StringKnob("note", "", 'A string knob with "quotes", [brackets] and {braces}'),
        PathKnob("file", "", "A path knob whose name Nuke owns"),
    )

    def compute(self, context):
        plate = context.input()
        if context.value("mode") != "paint":
            return plate
        (cx, cy), r = context.value("center"), context.value("radius")
        colour = context.value("colour")
        context.value("rings"), context.value("label_it"), context.value("note"), context.value("file")
        dw = plate.data_window
        ys, xs = np.mgrid[dw.ymin : dw.ymax + 1, dw.xmin : dw.xmax + 1] + 0.5
        inside = (xs - cx) ** 2 + (ys - cy) ** 2 <= r * r
        pixels = plate.pixels.copy()
        for i, name in enumerate("RGB"):
            pixels[..., plate.channels.index(name)][inside] = colour[i]
        return plate.replace(pixels=pixels)


class HostsAlign(Node):
    """Attaches one face per frame whose aligned_from_plate rotates and moves with the frame."""

    category = "Face"
    inputs = ("input",)
    knobs = (FloatKnob("turn", 2.0, "Degrees per frame"),)

    @staticmethod
    def matrix(frame, turn):
        a = np.radians(turn * (frame - 1000))
        s = 1.5
        return np.array([[s * np.cos(a), -s * np.sin(a), 3.0 * (frame - 1000)], [s * np.sin(a), s * np.cos(a), -20.0]])

    def hash_extra(self, frame):
        return [frame]  # the output depends on the frame itself

    def compute(self, context):
        plate = context.input()
        face = Face(
            1,
            "person1",
            (0, 0, 10, 10),
            np.zeros((68, 2)),
            np.ones(68),
            aligned_from_plate=self.matrix(context.frame, context.value("turn")),
        )
        return plate.replace(metadata={**plate.metadata, METADATA_KEY: Faces(context.frame, (face,))})


for cls in (HostsSpot, HostsAlign):
    register(cls)

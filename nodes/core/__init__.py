"""The graph framework: nodes, knobs, animation, evaluation, caching, registry and scripts."""

from faceplate.nodes.core.animation import Curve
from faceplate.nodes.core.graph import Graph
from faceplate.nodes.core.knobs import (
    BoolKnob,
    ColourKnob,
    EnumKnob,
    FloatKnob,
    IntKnob,
    Knob,
    PathKnob,
    StringKnob,
    XYKnob,
)
from faceplate.nodes.core.node import Context, Executable, Node
from faceplate.nodes.core.node_types import node_type, node_types, register

__all__ = [
    "BoolKnob",
    "ColourKnob",
    "Context",
    "Curve",
    "EnumKnob",
    "Executable",
    "FloatKnob",
    "Graph",
    "IntKnob",
    "Knob",
    "Node",
    "PathKnob",
    "StringKnob",
    "XYKnob",
    "node_type",
    "node_types",
    "register",
]

"""faceplate: a compositor-style node suite for face replacement on scene-linear EXR plates.

The public API: build or load a graph, render it, read and write plates::

    import faceplate
    graph = faceplate.Graph.load("shot.json")
    plate = graph.render("Write1", 1001)
    report = faceplate.render(graph, range(1001, 1101))
    faceplate.edits.set_offset(graph["AlignEdit1"], track=1, frame=1010, translate=(0.02, 0.0))

This module is the package's front door: it only re-exports. The layers behind it are described in
ARCHITECTURE.md (foundation -> graph -> models -> nodes -> actions -> interfaces); nothing inside the
package imports this module.
"""

from faceplate.actions.rendering import RenderReport, render
from faceplate.foundation.errors import (
    ColourError,
    FaceplateError,
    KnobError,
    ModelError,
    NativeError,
    RenderError,
    ScriptError,
    SequenceIOError,
)
from faceplate.foundation.version import __version__
from faceplate.nodes import Box2i, Plate
from faceplate.nodes.alignedit import api as edits
from faceplate.nodes.core import Graph, Node

__all__ = [
    "Box2i",
    "ColourError",
    "FaceplateError",
    "Graph",
    "KnobError",
    "ModelError",
    "NativeError",
    "Node",
    "Plate",
    "RenderError",
    "RenderReport",
    "ScriptError",
    "SequenceIOError",
    "__version__",
    "edits",
    "render",
]

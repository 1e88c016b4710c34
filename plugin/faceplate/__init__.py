"""faceplate: a compositor-style node suite for face replacement on scene-linear EXR plates.

The public API: build or load a graph, render it, read and write plates::

    import faceplate
    graph = faceplate.Graph.load("shot.json")
    plate = graph.render("Write1", 1001)
    report = faceplate.render(graph, range(1001, 1101))
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("faceplate")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

from faceplate.errors import (  # noqa: E402
    ColourError,
    FaceplateError,
    KnobError,
    ModelError,
    NativeError,
    RenderError,
    ScriptError,
    SequenceIOError,
)
from faceplate.nodes import Box2i, Plate  # noqa: E402
from faceplate.nodes.core import Graph, Node  # noqa: E402
from faceplate.render import RenderReport, render  # noqa: E402

__all__ = [
    "Box2i", "ColourError", "FaceplateError", "Graph", "KnobError", "ModelError", "NativeError", "Node", "Plate",
    "RenderError", "RenderReport", "ScriptError", "SequenceIOError", "__version__", "render",
]

"""Default graphs for a plate: what ``faceplate new`` writes.

The default graph is Read -> FaceDetect -> AlignEdit -> OcclusionMask -> NeuralSwap -> JawBlend -> Write
(:data:`PRODUCT_CHAIN`): an untracked shot renders as a plain conversion (each product node passes a plate
without faces through), a tracked one gets JawBlend's matte layers even before a swap model is assigned.
"""

from __future__ import annotations

import os
import re

from faceplate.models.cards import ModelCard, card_path
from faceplate.models.registry import DEFAULT_OCCLUDER
from faceplate.nodes.core import Graph
from faceplate.nodes.facedetect.backends import get_backend

# The product nodes between Read and Write in a default graph, in order.
PRODUCT_CHAIN = ("FaceDetect", "AlignEdit", "OcclusionMask", "NeuralSwap", "JawBlend")

_FRAME_TOKEN = re.compile(r"[._-]?(#+|@+|%0?\d*d)")


def plate_name(pattern: str) -> str:
    """The plate's name from its file pattern: ``plates/sh010.####.exr`` -> ``sh010``."""
    stem = os.path.splitext(os.path.basename(pattern))[0]
    return _FRAME_TOKEN.sub("", stem) or "plate"


def default_graph(
    script: str, *, plate: str, frame_range: tuple[int, int], output: str | None = None, bare: bool = False
) -> Graph:
    """The default graph for ``plate``, with paths relative to the script's folder.

    Args:
        script: where the script will be saved (paths in it are made relative to its folder).
        plate: plate file pattern, relative to the current folder or absolute.
        frame_range: the shot's first and last frames.
        output: output pattern (default ``render/<plate>_faceplate.####.exr`` beside the script).
        bare: just Read -> Write, a plain conversion, whatever the default graph grows into.
    """
    root = os.path.dirname(os.path.abspath(script))
    graph = Graph(root=root, frame_range=frame_range)
    read = graph.create("Read", file=_relative(plate, root))
    last = read
    for type_name in () if bare else PRODUCT_CHAIN:
        node = graph.create(type_name)
        graph.connect(last, node)
        last = node
    if output is None:
        output = os.path.join("render", f"{plate_name(plate)}_faceplate.####.exr")
    else:
        output = _relative(output, root)
    write = graph.create("Write", file=output)
    graph.connect(last, write)
    return graph


def default_chain_models() -> dict[str, list]:
    """``{node type: [model cards]}``: every model a default graph runs, with the knobs as they come.

    FaceDetect: its default backend's models (detector, landmarks, identity embedding: what
    ``faceplate track`` loads); OcclusionMask: the occluder that ships with faceplate. AlignEdit and
    JawBlend run no learned model; NeuralSwap runs the studio's own trained model (none by default).
    """
    graph = Graph()
    nodes = {name: graph.create(name) for name in PRODUCT_CHAIN}
    chain = {"FaceDetect": list(get_backend(nodes["FaceDetect"]["backend"]).cards)}
    if nodes["OcclusionMask"]["model"] == "default":
        chain["OcclusionMask"] = [ModelCard.from_json(card_path(DEFAULT_OCCLUDER))]
    if nodes["NeuralSwap"]["model"]:
        raise AssertionError("a default NeuralSwap model would need a card here")  # none ships
    return chain


def _relative(path: str, root: str) -> str:
    """``path`` (relative to the current folder) made relative to ``root`` when that is shorter."""
    absolute = os.path.abspath(os.path.expanduser(path))
    try:
        rel = os.path.relpath(absolute, root)
    except ValueError:  # another drive
        return absolute
    return rel if not rel.startswith(os.pardir + os.sep + os.pardir) else absolute

"""faceplate.nodes: the graph framework, image I/O and the product nodes."""

from faceplate.nodes.plate import Box2i, Plate

__all__ = ["Box2i", "Plate"]

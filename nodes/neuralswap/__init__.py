"""NeuralSwap: per-shot swap models (ONNX, via ONNX Runtime) redrawing tracked faces as another identity."""

from faceplate.nodes.neuralswap.node import NeuralSwap

__all__ = ["NeuralSwap"]

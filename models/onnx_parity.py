"""Checking an ONNX export against the torch module it came from."""

from __future__ import annotations

import numpy as np


def parity(
    module, path: str, images: np.ndarray, outputs: tuple[str, ...] = ("rgb", "matte"), input_name: str = "image"
) -> float:
    """Max abs difference between torch and ONNX Runtime (CPU) outputs on ``images`` ``(N, 3, R, R)``.

    ``module`` returns a tensor or a tuple of tensors in the order of ``outputs`` (the ONNX output names)."""
    import onnxruntime as ort  # deferred: onnxruntime and torch are heavy, and only exports need both
    import torch

    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    with torch.no_grad():
        result = module(torch.from_numpy(images))
        expected = [t.numpy() for t in (result if isinstance(result, (tuple, list)) else (result,))]
    got = session.run(list(outputs), {input_name: images})
    return float(max(np.abs(a - b).max() for a, b in zip(got, expected)))

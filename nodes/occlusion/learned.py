"""The seam for the learned occlusion model (issue 6, part 2): where its ONNX inference runs.

Part 1 ships no model: OcclusionMask's ``model`` knob is empty and ``mask.occlusion`` is not
predicted. Part 2 (the bundled trainer, ``faceplate train --task occlusion``) exports an ONNX model
with a card; this module is the only place the node talks to it, so the trainer's output plugs in
here without touching the node.

The interface a trained model must meet (provisional until part 2 writes the model card):

- input 0: ``(1, 3, S, S)`` float32, the face's RGB resampled into aligned-face space by the
  face's ``aligned_from_plate`` (AlignEdit), scene-linear working space, as the plate holds it;
  ``S`` is read from the model's input shape (:data:`DEFAULT_SIZE` when the shape is dynamic);
- output 0: ``(1, 1, S, S)`` float32 probability in [0, 1] that the pixel is hidden (occluded).

The probability is resampled back into plate space over the crop's footprint only (never a
full-frame warp). Sessions are shared per model file by :func:`faceplate.models.runtime.session`.
"""

from __future__ import annotations

import os

import numpy as np

from faceplate.errors import ModelError
from faceplate.nodes.facedetect import geometry

DEFAULT_SIZE = 256
TRAIN_HINT = ("train one with `faceplate train --task occlusion` (issue 6, part 2), or clear the 'model' knob to "
              "render the landmark region mattes without learned occlusion")


class OcclusionModel:
    """An occlusion model file and its ONNX Runtime session.

    Raises:
        ModelError: the file does not exist (the model is not trained yet) or ONNX Runtime cannot load it.
    """

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        if not os.path.isfile(self.path):
            raise ModelError(f"occlusion model {self.path} does not exist: the learned occlusion model is not "
                             f"trained yet; {TRAIN_HINT}")
        from faceplate.models import runtime

        self.session = runtime.session(self.path)
        inputs = self.session.get_inputs()
        shape = inputs[0].shape if inputs else ()
        if len(shape) != 4 or shape[1] not in (3, "3"):
            raise ModelError(f"occlusion model {self.path}: expected input (1, 3, S, S), got {shape}")
        side = shape[2] if isinstance(shape[2], int) else DEFAULT_SIZE
        self.size = int(side)
        self.input_name = inputs[0].name

    def predict_aligned(self, crop: np.ndarray) -> np.ndarray:
        """``(S, S)`` occlusion probability of an ``(S, S, 3)`` float32 aligned crop."""
        batch = np.ascontiguousarray(crop.transpose(2, 0, 1)[np.newaxis], dtype=np.float32)
        (out, *_) = self.session.run(None, {self.input_name: batch})
        out = np.asarray(out, dtype=np.float32)
        if out.shape != (1, 1, self.size, self.size):
            raise ModelError(f"occlusion model {self.path}: expected output (1, 1, {self.size}, {self.size}), "
                             f"got {out.shape}")
        return np.clip(out[0, 0], 0.0, 1.0)

    def draw(self, rgb: np.ndarray, aligned_from_array: np.ndarray, out: np.ndarray) -> None:
        """Predicts one face's occlusion and draws it into ``out`` ``(H, W)`` (union by max), in place.

        Args:
            rgb: ``(H, W, 3)`` float32 plate pixels (array coordinates).
            aligned_from_array: ``(2, 3)`` transform from array pixel coordinates to aligned pixels.
            out: ``(H, W)`` float32 plate matte; only the crop's footprint is written.
        """
        from faceplate.imaging import warp_affine

        s = self.size
        crop = warp_affine(np.ascontiguousarray(rgb), aligned_from_array, size=(s, s), filter="bilinear",
                           border="edge")
        prob = self.predict_aligned(crop)
        array_from_aligned = geometry.invert(aligned_from_array)
        corners = geometry.apply(array_from_aligned, np.array([[0, 0], [s, 0], [s, s], [0, s]], float))
        h, w = out.shape
        x0, y0 = np.maximum(np.floor(corners.min(axis=0)).astype(int), 0)
        x1, y1 = np.minimum(np.ceil(corners.max(axis=0)).astype(int), (w, h))
        if x1 <= x0 or y1 <= y0:
            return
        footprint_from_aligned = geometry.compose(geometry.translation(-x0, -y0), array_from_aligned)
        footprint = warp_affine(prob[:, :, np.newaxis], footprint_from_aligned, size=(x1 - x0, y1 - y0),
                                filter="bilinear", border="constant")
        np.maximum(out[y0:y1, x0:x1], footprint[:, :, 0], out=out[y0:y1, x0:x1])

"""ONNX export of a trained occlusion network, with its model card and fine-tuning weights.

``export_occlusion(net, out_path, ...)`` writes three files side by side:

- ``NAME.onnx``: input ``image`` ``(N, 3, S, S)`` float32 RGB in [0, 1], sRGB-encoded (display-referred;
  the node converts its scene-linear crop and clips), aligned face crop (AlignEdit's ``whole_face``
  template); output ``hidden`` ``(N, 1, S, S)`` float32 probability that the pixel is hidden. Batch dynamic.
- ``NAME.card.json``: a :class:`~faceplate.models.cards.ModelCard` (sha256 of the ONNX file, inputs,
  outputs, colour space, licence, source) plus ``resolution``, ``widths``, ``face_type``, the training
  description and the parity figure. The node verifies the ONNX file against this sha256 before use.
- ``NAME.pt``: the network's weights (float16) so per-shot training can start from them (``--init``).

The ONNX file is checked at export: ONNX Runtime's output must agree with torch's within
:data:`PARITY_TOLERANCE` on ``check_images`` (or seeded noise); a mismatch raises and writes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np

from faceplate.foundation.errors import ModelError
from faceplate.foundation.files import atomic_path, sha256_of, write_text
from faceplate.models.cards import DISPLAY_SRGB, ModelCard, card_path
from faceplate.models.onnx_parity import parity

PARITY_TOLERANCE = 1e-4
OPSET = 17
FACE_TYPE = "whole_face"
WEIGHTS_SUFFIX = ".pt"
INPUT_NAME, OUTPUT_NAME = "image", "hidden"


def weights_path(model_path: str) -> str:
    return os.path.splitext(model_path)[0] + WEIGHTS_SUFFIX


def export_occlusion(
    net,
    out_path: str,
    *,
    model_id: str,
    title: str,
    preset: str,
    training: dict,
    licence: str,
    source: str,
    check_images: np.ndarray | None = None,
) -> str:
    """Writes ``out_path`` (.onnx), its card and its weights; returns ``out_path``.

    Args:
        net: the trained :class:`~faceplate.models.occlusion.network.OcclusionNet` (moved to the CPU, eval).
        out_path: the ONNX file to write.
        model_id / title: the card's id and title.
        preset: the preset name (architecture), recorded for fine-tuning.
        training: what it was trained on and how (JSON-able; goes into the card).
        licence / source: the card's licence and source lines.
        check_images: ``(N, 3, S, S)`` float32 in [0, 1] for the parity check (default: seeded noise).

    Raises:
        ModelError: ONNX Runtime disagreeing with torch beyond the tolerance.
    """
    import torch

    net = net.cpu().eval().float()
    s = int(training.get("resolution") or 128)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    if check_images is None:
        check_images = np.random.default_rng(0).random((2, 3, s, s), dtype=np.float32)
    with atomic_path(out_path) as tmp:
        with torch.no_grad():
            torch.onnx.export(
                net,
                (torch.rand(2, 3, s, s),),
                tmp,
                dynamo=False,
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
                opset_version=OPSET,
            )
        error = parity(
            net, tmp, np.ascontiguousarray(check_images, np.float32), outputs=(OUTPUT_NAME,), input_name=INPUT_NAME
        )
        if not error <= PARITY_TOLERANCE:
            raise ModelError(
                f"ONNX export of {out_path}: ONNX Runtime differs from torch by {error:.2e} (tolerance "
                f"{PARITY_TOLERANCE:g}); the file was not written"
            )
    torch.save(
        {
            "preset": preset,
            "widths": list(net.widths),
            "body": net.body,
            "resolution": s,
            "weights": {k: v.half() for k, v in net.state_dict().items()},
        },
        weights_path(out_path),
    )
    card = ModelCard(
        id=model_id,
        title=title,
        file=os.path.basename(out_path),
        sha256=sha256_of(out_path),
        located_by=f"the OcclusionMask 'model' knob (this card beside it: {os.path.basename(card_path(out_path))})",
        inputs=f"{INPUT_NAME}: (N, 3, {s}, {s}) float32 RGB in [0, 1], sRGB-encoded display-referred (scene-linear "
        f"crops converted and clipped), aligned face crop ({FACE_TYPE} template, AlignEdit), channels first",
        outputs=f"{OUTPUT_NAME}: (N, 1, {s}, {s}) float32 probability in [0, 1] that the pixel is hidden (occluded)",
        colour_space=DISPLAY_SRGB,
        licence=licence,
        source=source,
    )
    data = {
        **dataclasses.asdict(card),
        "format": "faceplate-occlusion-model",
        "version": 1,
        "resolution": s,
        "preset": preset,
        "widths": list(net.widths),
        "body": net.body,
        "face_type": FACE_TYPE,
        "parity_max_abs": error,
        "weights": os.path.basename(weights_path(out_path)),
        "training": training,
    }
    write_text(card_path(out_path), json.dumps(data, indent=1, default=str))
    return out_path


def load_weights(model_path: str) -> dict:
    """``{"preset", "widths", "resolution", "weights"}`` (float32 state dict) saved beside an exported model."""
    import torch

    path = weights_path(model_path)
    if not os.path.isfile(path):
        raise ModelError(
            f"{path} is missing: per-shot training starts from the weights saved beside the ONNX "
            "model; export the model again, or train from scratch (--init none)"
        )
    state = torch.load(path, map_location="cpu", weights_only=True)
    state["weights"] = {k: v.float() for k, v in state["weights"].items()}
    return state

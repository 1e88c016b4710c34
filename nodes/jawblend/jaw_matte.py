"""JawBlend's mattes: model matte x region matte x (1 - occlusion), shaped per segment, in a face's box.

Everything here works in one face's *box*: a rectangle of array pixels ``(x0, y0, x1, y1)`` (half-open)
around the face, so the cost follows the face's footprint, never the frame. Landmarks and transforms
are given in array pixels (plate pixels minus the data window's origin; centres at +0.5).

The final matte of a face, in order:

1. ``model``: the swap model's own matte, warped from the crop into the box (bilinear), when the
   ``model_matte`` knob is on and a swap crop is there;
2. ``region``: the face region from the landmarks, or the face mesh's outline where the face has one
   (:func:`faceplate.nodes.face_regions.face_regions`, the same geometry OcclusionMask draws), each
   segment with its own offset and feather;
3. ``(1 - occlusion)``: the input's ``fp_matte.occlusion`` when it has one;
4. per-segment erode/dilate of that product (``<segment>_erode``): each pixel is assigned a position
   along the face loop by its direction from the nose (:func:`segment_field`), so a segment's
   amount reaches only its own part of the matte (blending into its neighbours over the same
   half-landmark transition the region geometry uses); the edge is moved with the native sub-pixel
   :func:`faceplate.foundation.imaging.erode_dilate`, interpolated between the distinct amounts in use;
5. global ``erode`` then global ``feather`` (a Gaussian blur of the matte).

Segment and global lengths are in percent of the face size (:func:`face_regions.face_size`), as in
OcclusionMask, so one setting holds through a push-in.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from faceplate.foundation import geometry
from faceplate.foundation.imaging import blur, erode_dilate, polygon_matte, warp_affine
from faceplate.nodes import face_regions
from faceplate.nodes.face_regions import JAW_BOUNDS, SEGMENTS, TOP_LENGTH, RegionSettings

Box = tuple[int, int, int, int]
# A face's box has its edges on multiples of this many pixels: an edit that moves a contour by a few pixels
# keeps the box, and with it what JawBlend memoises per box (the swap's warps, the plate's grain).
BOX_GRID = 16


@dataclasses.dataclass(frozen=True)
class MatteSettings:
    """The matte knobs at one frame; lengths in percent of the face size."""

    region: RegionSettings
    erodes: tuple[float, ...] = (0.0,) * len(SEGMENTS)
    erode: float = 0.0
    feather: float = 0.0
    model_matte: bool = True

    def reach(self, scale: float) -> float:
        """How far (pixels) the matte may reach beyond the region's offset edge."""
        feather = max(self.region.feathers) * scale / 2
        grow = max(0.0, max(self.erodes) + self.erode) * scale
        return feather + grow + self.feather * scale + 2.0


@dataclasses.dataclass
class FaceMattes:
    """A face's mattes over its box: the final ``face`` matte and the ``jaw``/``hairline`` bands."""

    box: Box
    face: np.ndarray
    jaw: np.ndarray | None
    hairline: np.ndarray | None
    occlusion: np.ndarray | None


def face_box(
    contours: dict[str, list[face_regions.Contour]],
    points: np.ndarray,
    settings: MatteSettings,
    shape: tuple[int, int],
    margin: float = 0.0,
) -> Box | None:
    """The array-pixel box around a face's region ``contours`` (:func:`face_regions.face_regions` of
    ``points``; the face and its bands) grown by the matte's reach and ``margin``, its edges moved out to
    multiples of :data:`BOX_GRID`, clipped to ``shape`` ``(H, W)``; None when it misses the plate."""
    scale = face_regions.face_size(points) / 100.0
    vertices = np.concatenate([c.vertices for name in ("face", "jaw", "hairline") for c in contours[name]])
    bands = max(settings.region.jaw_band_feather, settings.region.hairline_band_feather) * scale / 2
    grow = settings.reach(scale) + bands + margin
    x0, y0 = np.floor((vertices.min(axis=0) - grow) / BOX_GRID).astype(int) * BOX_GRID
    x1, y1 = np.ceil((vertices.max(axis=0) + grow) / BOX_GRID).astype(int) * BOX_GRID
    h, w = shape
    box = (max(int(x0), 0), max(int(y0), 0), min(int(x1), w), min(int(y1), h))
    return box if box[2] > box[0] and box[3] > box[1] else None


def segment_field(points: np.ndarray, box: Box, values) -> np.ndarray:
    """Per-pixel ``(h, w)`` float32 value of a per-segment quantity over ``box``.

    A pixel takes the face-loop position of its direction from the nose bridge
    (:func:`face_regions.loop_params`); :func:`face_regions.segment_values` then gives the segment's value
    there, with the same smooth transitions as the region geometry.
    """
    x0, y0, x1, y1 = box
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float64) + 0.5
    params = face_regions.loop_params(points, np.stack([xx, yy], axis=-1))
    period = 16.0 + TOP_LENGTH
    bounds = (*JAW_BOUNDS, 16.0, period)
    return face_regions.segment_values(params.ravel(), values, bounds, period).reshape(params.shape).astype(np.float32)


def variable_erode(matte: np.ndarray, amounts: np.ndarray, levels) -> np.ndarray:
    """``matte`` eroded (< 0) or dilated (> 0) by a per-pixel ``amounts`` field (pixels).

    The matte is moved by each distinct amount in ``levels`` (plus 0) with the native sub-pixel
    erode/dilate, and each pixel interpolates linearly between the two levels around its amount.
    """
    levels = sorted({0.0, *(float(v) for v in levels)})
    if len(levels) == 1:
        return matte
    moved = [matte if v == 0.0 else erode_dilate(matte, v) for v in levels]
    levels_arr = np.asarray(levels, np.float32)
    index = np.clip(np.searchsorted(levels_arr, amounts, side="right") - 1, 0, len(levels) - 2)
    lo, hi = levels_arr[index], levels_arr[index + 1]
    t = np.clip((amounts - lo) / np.maximum(hi - lo, 1e-6), 0.0, 1.0)
    stack = np.stack(moved)
    rows, cols = np.indices(matte.shape)
    return (stack[index, rows, cols] * (1 - t) + stack[index + 1, rows, cols] * t).astype(np.float32)


def face_mattes(
    points: np.ndarray,
    settings: MatteSettings,
    box: Box,
    contours: dict[str, list[face_regions.Contour]],
    *,
    crop_matte: np.ndarray | None = None,
    box_from_crop: np.ndarray | None = None,
    occlusion: np.ndarray | None = None,
    bands: bool = True,
    model: np.ndarray | None = None,
) -> FaceMattes:
    """The final face matte and the bands of one face over ``box`` (``bands=False``: the face matte only,
    ``jaw`` and ``hairline`` None).

    Args:
        points: ``(68, 2)`` landmarks in array pixels.
        settings: the matte knobs at this frame.
        box: ``(x0, y0, x1, y1)`` array pixels (from :func:`face_box`).
        contours: :func:`face_regions.face_regions` of ``points`` (array pixels), as :func:`face_box` read them.
        crop_matte: the swap model's ``(R, R)`` matte, or None (no model: the region alone).
        box_from_crop: 2x3 mapping crop pixels to box pixels (with ``crop_matte``).
        occlusion: the input's ``fp_matte.occlusion`` over the box, or None.
        model: ``crop_matte`` already warped into the box (:func:`model_matte`), to use instead of warping it.
    """
    x0, y0, x1, y1 = box
    size = (x1 - x0, y1 - y0)
    contours = {name: [_shifted(c, -x0, -y0) for c in contours[name]] for name in ("face", "jaw", "hairline")}
    scale = face_regions.face_size(points) / 100.0

    def draw(region: str) -> np.ndarray:
        out = np.zeros((size[1], size[0]), np.float32)
        for c in contours[region]:
            polygon_matte(c.vertices, out=out, inner_widths=c.inner, outer_widths=c.outer)
        return out

    face = draw("face")
    if settings.model_matte and crop_matte is not None:
        if model is None:
            model = model_matte(crop_matte, box_from_crop, size)
        face *= np.clip(model, 0.0, 1.0)
    if occlusion is not None:
        face *= 1.0 - np.clip(occlusion, 0.0, 1.0)
    erodes = [e * scale for e in settings.erodes]
    if any(erodes):
        amounts = segment_field(points, box, erodes)
        face = variable_erode(face, amounts, erodes)
    if settings.erode:
        face = erode_dilate(face, settings.erode * scale)
    if settings.feather:
        face = blur(face, settings.feather * scale)
    np.clip(face, 0.0, 1.0, out=face)
    if not bands:
        return FaceMattes(box, face, None, None, occlusion)
    if settings.region.face_region == "hull":  # the hairline band follows the hull's top (the brows) instead
        contours["hairline"] = [_top_band(contours["face"][0], settings.region, scale)]
    return FaceMattes(box, face, draw("jaw"), draw("hairline"), occlusion)


def model_matte(crop_matte: np.ndarray, box_from_crop: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The swap model's ``(R, R)`` matte warped into a box of ``size`` ``(w, h)`` (bilinear, 0 outside)."""
    return warp_affine(
        np.ascontiguousarray(crop_matte, np.float32)[:, :, None],
        box_from_crop,
        size=size,
        filter="bilinear",
        border="constant",
    )[:, :, 0]


def _top_band(face: face_regions.Contour, region: RegionSettings, scale: float) -> face_regions.Contour:
    """A band along the face contour's top edge (its vertices past the jaw, loop position > 16), as wide and
    soft as the hairline band knobs say."""
    normals = face_regions.outward_normals(face.vertices)
    top = face.params > 16.0
    half = 0.5 * region.hairline_band_width * scale * normals[top]
    ring = np.concatenate([face.vertices[top] + half, (face.vertices[top] - half)[::-1]])
    widths = np.full(len(ring), 0.5 * region.hairline_band_feather * scale)
    return face_regions.Contour(ring, widths, widths)


def _shifted(contour: face_regions.Contour, dx: float, dy: float) -> face_regions.Contour:
    return dataclasses.replace(contour, vertices=contour.vertices + (dx, dy))


def box_from(array_from_plate: np.ndarray, box: Box) -> np.ndarray:
    """2x3 mapping plate pixels to ``box`` pixels."""
    return geometry.compose(geometry.translation(-box[0], -box[1]), array_from_plate)

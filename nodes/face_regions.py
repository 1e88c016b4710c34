"""Region contours from the 68 iBUG landmarks: face, extended face, jaw and hairline bands, eyes, mouth.

Everything here is geometry on ``(68, 2)`` landmark arrays in one pixel frame (the caller's: plate or
array coordinates, y down); drawing is the caller's (:func:`faceplate.foundation.imaging.polygon_matte`, which
computes only the contour's bounding box). Each region is a list of :class:`Contour`: closed vertex
rings with per-vertex inner and outer feather widths, so every segment of the face edge can be
offset and feathered on its own.

Sizes and the face scale. Offsets, feathers and band widths are given in **percent of the face
size** (:func:`face_size`: the mean of the face's width, landmarks 0 to 16, and its height, nose
bridge 27 to chin 8), so one setting holds through a push-in and for faces of different sizes.

The face edge is one closed loop, parameterised by landmark intervals: the jaw runs from 0 (image
left, the subject's right) to 16, then the top edge (brows for the hull, the hairline estimate for
the extended face) runs back to 0. Its segments, image left to right along the jaw then over the
top: ``cheek_left`` 0-3, ``jaw_left`` 3-6, ``chin`` 6-10, ``jaw_right`` 10-13, ``cheek_right``
13-16, ``hairline`` the top. A segment's value blends into its neighbour's over
:data:`TRANSITION` landmark intervals either side of their boundary (smoothstep), so the edge never
kinks, and a change of one segment reaches no further than that.

Dense outline. Given a face :class:`Outline` (a closed ring round the whole face with each vertex's
loop position: where a face mesh exists, its silhouette with the forehead drawn up to the hairline height,
see :mod:`faceplate.nodes.facedetect.mesh_regions`), the face edge follows it instead of the landmark
spline and the hairline arc; the loop positions keep the segments, offsets and bands meaningful. The hull
then takes the outline's jaw part (loop positions up to 16) and closes along the brows. An outline from the
mesh also carries rings round the eye openings and the lips as the mesh sees them (:attr:`Outline.eyes`,
:attr:`Outline.mouth`); the eye and mouth regions then follow those instead of the landmarks' six- and
twelve-point splines.

Forehead and hairline. Landmarks stop at the brows. The hairline is estimated as a superellipse
arc from jaw end 0 to jaw end 16 (the face's width, on the axis through them), whose top lies one
*facial third* (the mean of brow-to-nose-base and nose-base-to-chin, anthropometry's thirds) times
``forehead_height`` above the highest brow point. Its exponent (:data:`HAIRLINE_EXPONENT`) makes
it boxier than an ellipse, as temples are.

Example:
    >>> import numpy as np
    >>> from faceplate.nodes.face_regions import RegionSettings, face_regions
    >>> t = np.linspace(0, 2 * np.pi, 68, endpoint=False)
    >>> points = np.c_[100 + 40 * np.cos(t), 100 + 50 * np.sin(t)]
    >>> regions = face_regions(points, RegionSettings())
    >>> sorted(regions)
    ['eyes', 'face', 'hairline', 'jaw', 'mouth']
"""

from __future__ import annotations

import dataclasses

import numpy as np

JAW = slice(0, 17)
BROWS = slice(17, 27)
RIGHT_EYE = slice(36, 42)  # the subject's right eye, on the image's left
LEFT_EYE = slice(42, 48)
OUTER_LIPS = slice(48, 60)
NOSE_BRIDGE, NOSE_BASE, CHIN = 27, 33, 8

SEGMENTS = ("cheek_left", "jaw_left", "chin", "jaw_right", "cheek_right", "hairline")
JAW_BOUNDS = (3.0, 6.0, 10.0, 13.0)  # landmark parameters where the jaw segments meet (see module doc)
TOP_LENGTH = 10.0  # the top edge's share of the loop parameter, in landmark intervals
PERIOD = 16.0 + TOP_LENGTH  # the whole face loop's length in the same units
TRANSITION = 0.5  # landmark intervals either side of a segment boundary over which values blend
SAMPLES = 6  # contour vertices per landmark interval (Catmull-Rom through the landmarks)
TOP_SAMPLES = 40  # vertices of the hairline arc
HAIRLINE_EXPONENT = 3.0
MIN_FACE_SIZE = 2.0  # pixels; smaller means collapsed landmarks
FACE_REGIONS = ("extended", "hull")
REGION_SOURCES = ("face mesh", "landmarks")  # where the face outline comes from (the first is the default)
NOSE = slice(27, 31)  # the nose bridge: the centre loop positions are measured from


@dataclasses.dataclass(frozen=True)
class RegionSettings:
    """Knob values the regions read; lengths in percent of :func:`face_size`.

    ``offsets``/``feathers``: per segment of :data:`SEGMENTS` (offset > 0 grows the face outward;
    feather is the full width of the soft edge, centred on the offset edge).
    """

    face_region: str = "extended"
    offsets: tuple[float, ...] = (0.0,) * len(SEGMENTS)
    feathers: tuple[float, ...] = (4.0,) * len(SEGMENTS)
    forehead_height: float = 1.0
    jaw_band_width: float = 10.0
    jaw_band_feather: float = 6.0
    hairline_band_width: float = 12.0
    hairline_band_feather: float = 8.0
    eyes_offset: float = 1.0
    eyes_feather: float = 2.0
    mouth_offset: float = 1.0
    mouth_feather: float = 2.0
    regions_from: str = REGION_SOURCES[0]

    def __post_init__(self) -> None:
        if self.face_region not in FACE_REGIONS:
            raise ValueError(f"face_region '{self.face_region}' is not one of {', '.join(FACE_REGIONS)}")
        if self.regions_from not in REGION_SOURCES:
            raise ValueError(f"regions_from '{self.regions_from}' is not one of {', '.join(REGION_SOURCES)}")
        if len(self.offsets) != len(SEGMENTS) or len(self.feathers) != len(SEGMENTS):
            raise ValueError(f"offsets and feathers need one value per segment ({', '.join(SEGMENTS)})")


@dataclasses.dataclass(frozen=True)
class Contour:
    """A closed ring ``vertices`` ``(N, 2)`` with ``inner``/``outer`` ``(N,)`` feather widths in pixels;
    the face contour also has ``params``, each vertex's position along the face loop (0-16 the jaw)."""

    vertices: np.ndarray
    inner: np.ndarray
    outer: np.ndarray
    params: np.ndarray | None = None


@dataclasses.dataclass(frozen=True)
class Outline:
    """A closed ring ``vertices`` ``(N, 2)`` round the whole face, forehead included, and each vertex's
    position along the face loop, ``params`` ``(N,)`` (0-16 along the jaw as landmarks 0-16, 16-26 over the
    top back to jaw end 0; see the module doc)."""

    vertices: np.ndarray
    params: np.ndarray
    eyes: tuple[np.ndarray, ...] | None = None  # closed rings round the eye openings, or None: the landmarks'
    mouth: np.ndarray | None = None  # the closed ring round the lips, or None: the landmarks'

    def shifted(self, dx: float, dy: float) -> Outline:
        """The same outline moved by ``(dx, dy)`` pixels."""
        eyes = None if self.eyes is None else tuple(e + (dx, dy) for e in self.eyes)
        mouth = None if self.mouth is None else self.mouth + (dx, dy)
        return Outline(self.vertices + (dx, dy), self.params, eyes, mouth)


class LandmarkError(ValueError):
    """The landmarks cannot outline a face (wrong shape, not finite, collapsed)."""


def check_landmarks(points) -> np.ndarray:
    """``points`` as ``(68, 2)`` float64, or :class:`LandmarkError` saying what is wrong."""
    points = np.asarray(points, dtype=np.float64)
    if points.shape != (68, 2):
        raise LandmarkError(f"expected (68, 2) landmarks, got {points.shape}")
    if not np.all(np.isfinite(points)):
        raise LandmarkError("landmarks must be finite")
    size = face_size(points)
    if not size >= MIN_FACE_SIZE:
        raise LandmarkError(f"landmarks are collapsed (face size {size:.3g} px); the face has no usable landmarks")
    return points


def face_size(points: np.ndarray) -> float:
    """The face's scale in pixels: mean of its width (landmarks 0-16) and height (27 to 8)."""
    width = np.linalg.norm(points[16] - points[0])
    height = np.linalg.norm(points[NOSE_BRIDGE] - points[CHIN])
    return float(0.5 * (width + height))


def catmull_rom(points: np.ndarray, samples: int, *, closed: bool) -> tuple[np.ndarray, np.ndarray]:
    """A uniform Catmull-Rom spline through ``points``: ``(vertices, params)``, ``samples`` per interval.

    ``params`` run in landmark intervals (0 at the first point). Open splines end on the last point;
    closed ones stop one sample short of returning to the first.
    """
    p = np.asarray(points, dtype=np.float64)
    n = len(p)
    if closed:
        ext = np.concatenate([p[-1:], p, p[:2]])
        intervals = n
    else:
        ext = np.concatenate([2 * p[:1] - p[1:2], p, 2 * p[-1:] - p[-2:-1]])
        intervals = n - 1
    t = np.arange(intervals * samples + (0 if closed else 1)) / samples
    i = np.minimum(t.astype(int), intervals - 1)
    u = (t - i)[:, None]
    p0, p1, p2, p3 = ext[i], ext[i + 1], ext[i + 2], ext[i + 3]
    vertices = 0.5 * (
        2 * p1 + (p2 - p0) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u**2 + (3 * p1 - p0 - 3 * p2 + p3) * u**3
    )
    return vertices, t


def face_axes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(centre, across, up, half_width)``: the jaw ends' midpoint, the unit axis from jaw end 0 to
    16, the unit axis perpendicular to it towards the brows, and half the jaw ends' distance."""
    centre = 0.5 * (points[0] + points[16])
    across = points[16] - points[0]
    half_width = float(np.linalg.norm(across)) / 2
    across = across / max(2 * half_width, 1e-12)
    up = np.array([across[1], -across[0]])
    if np.dot(up, points[NOSE_BRIDGE] - points[CHIN]) < 0:
        up = -up
    return centre, across, up, half_width


def facial_third(points: np.ndarray) -> float:
    """Mean of brow-to-nose-base and nose-base-to-chin distances (pixels)."""
    brows = points[BROWS].mean(axis=0)
    return float(0.5 * (np.linalg.norm(points[NOSE_BASE] - brows) + np.linalg.norm(points[CHIN] - points[NOSE_BASE])))


def hairline_arc(points: np.ndarray, forehead_height: float, samples: int = TOP_SAMPLES) -> np.ndarray:
    """``(samples, 2)`` hairline estimate from near jaw end 16 over the forehead to near jaw end 0
    (the jaw ends themselves excluded)."""
    centre, across, up, a = face_axes(points)
    brow_top = float(np.max((points[BROWS] - centre) @ up))
    b = max(brow_top, 0.0) + forehead_height * facial_third(points)
    theta = np.linspace(0.0, np.pi, samples + 2)[1:-1]
    e = 2.0 / HAIRLINE_EXPONENT
    x = a * np.sign(np.cos(theta)) * np.abs(np.cos(theta)) ** e
    y = b * np.abs(np.sin(theta)) ** e
    return centre + x[:, None] * across + y[:, None] * up


def _wrap(angle):
    return (np.asarray(angle) + np.pi) % (2 * np.pi) - np.pi


def loop_params(points: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """The face-loop position (0-16 along the jaw, 16-26 over the top) of each point of ``xy`` (``(..., 2)``)
    by its direction from the nose bridge: between two jaw landmarks, the interpolated landmark parameter;
    above the jaw ends, the top's share of the loop. Works up to a strong three-quarter view (the jaw
    landmarks must sweep round the nose monotonically, which they do until the far jaw hides)."""
    xy = np.asarray(xy, dtype=np.float64)
    centre = points[NOSE].mean(axis=0)
    chin = np.arctan2(points[CHIN, 1] - centre[1], points[CHIN, 0] - centre[0])
    jaw = points[JAW]
    rel = _wrap(np.arctan2(jaw[:, 1] - centre[1], jaw[:, 0] - centre[0]) - chin)
    if rel[0] < rel[-1]:  # the jaw sweeps the other way round (a mirrored face): flip the angle
        rel, sign = -rel, -1.0
    else:
        sign = 1.0
    rel = np.minimum.accumulate(rel)  # monotonic (decreasing from jaw end 0 to jaw end 16)
    theta = sign * _wrap(np.arctan2(xy[..., 1] - centre[1], xy[..., 0] - centre[0]) - chin)
    params = np.interp(-theta, -rel, np.arange(17.0))
    span = max(rel[-1] - (rel[0] - 2 * np.pi), 1e-6)
    over = theta < rel[-1]
    params[over] = 16.0 + TOP_LENGTH * (rel[-1] - theta[over]) / span
    under = theta > rel[0]
    params[under] = 16.0 + TOP_LENGTH * (rel[-1] - (theta[under] - 2 * np.pi)) / span
    return params


def segment_values(params: np.ndarray, values, bounds, period: float, transition: float = TRANSITION) -> np.ndarray:
    """Per-vertex values along a closed loop split at ``bounds`` into ``len(bounds)`` segments.

    Segment k covers ``[bounds[k-1], bounds[k])`` (segment 0 wraps round from the last bound);
    values blend by smoothstep within ``transition`` of each bound.
    """
    values = np.asarray(values, dtype=np.float64)
    bounds = np.asarray(bounds, dtype=np.float64)
    seg = np.searchsorted(bounds, params, side="right") % len(bounds)
    out = values[seg]
    for k, b in enumerate(bounds):
        before, after = values[k], values[(k + 1) % len(values)]
        d = (params - b + period / 2) % period - period / 2  # signed circular distance to the bound
        near = np.abs(d) < transition
        s = np.clip((d[near] + transition) / (2 * transition), 0.0, 1.0)
        out[near] = before + (after - before) * (s * s * (3 - 2 * s))
    return out


def outward_normals(ring: np.ndarray) -> np.ndarray:
    """Unit normals of a closed ring, pointing out of it (whatever its winding)."""
    tangent = np.roll(ring, -1, axis=0) - np.roll(ring, 1, axis=0)
    normal = np.c_[tangent[:, 1], -tangent[:, 0]]
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
    x, y = ring[:, 0], ring[:, 1]
    signed_area = 0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)
    return normal if signed_area > 0 else -normal


def _face_loop(points: np.ndarray, top: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The jaw spline 0..16 followed by ``top`` (from near 16 back to near 0), with loop parameters."""
    jaw, t = catmull_rom(points[JAW], SAMPLES, closed=False)
    u = 16.0 + TOP_LENGTH * np.arange(1, len(top) + 1) / (len(top) + 1)
    return np.concatenate([jaw, top]), np.concatenate([t, u])


def outline_loop(outline: Outline) -> tuple[np.ndarray, np.ndarray]:
    """An :class:`Outline` as a face loop: ``(ring, params)``, ordered and started so that the loop
    positions run from jaw end 0 round the jaw and over the top, non-decreasing."""
    ring = np.asarray(outline.vertices, dtype=np.float64)
    params = np.asarray(outline.params, dtype=np.float64)
    step = (np.roll(params, -1) - params + PERIOD / 2) % PERIOD - PERIOD / 2  # circular steps along the ring
    if np.sum(step) < 0:
        ring, params = ring[::-1], params[::-1]
    start = int(np.argmin(params))
    ring, params = np.roll(ring, -start, axis=0), np.roll(params, -start)
    return ring, np.maximum.accumulate(params)


def _dense_loop(outline: Outline, top: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The outline as the face loop; with ``top`` (the hull's brows), its jaw part followed by ``top``."""
    ring, params = outline_loop(outline)
    if top is None:
        return ring, params
    jaw = params <= 16.0
    u = 16.0 + TOP_LENGTH * np.arange(1, len(top) + 1) / (len(top) + 1)
    return np.concatenate([ring[jaw], top]), np.concatenate([params[jaw], u])


def _brow_top(points: np.ndarray) -> np.ndarray:
    """The hull's top edge: the brows from 26 back to 17, as a spline (ends excluded)."""
    brows, _ = catmull_rom(points[BROWS][::-1], SAMPLES, closed=False)
    return brows


def _offset_loop(
    points: np.ndarray,
    top: np.ndarray | None,
    settings: RegionSettings,
    px_per_pct: float,
    outline: Outline | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The face loop moved out by each segment's offset: ``(ring, params, feather widths in px)``. The loop
    is the landmarks' jaw spline and ``top``, or with an ``outline`` that outline (``top``: the hull's
    brows in place of its top, or None)."""
    ring, params = _face_loop(points, top) if outline is None else _dense_loop(outline, top)
    period = 16.0 + TOP_LENGTH
    bounds = (*JAW_BOUNDS, 16.0, period)  # segment k of SEGMENTS ends at bounds[k]
    offset = segment_values(params, settings.offsets, bounds, period) * px_per_pct
    feather = segment_values(params, settings.feathers, bounds, period) * px_per_pct
    ring = ring + outward_normals(ring) * offset[:, None]
    return ring, params, feather


def _band(centreline: np.ndarray, normals: np.ndarray, width: float, feather: float) -> Contour:
    """A closed band ``width`` wide centred on an open polyline, feathered ``feather`` in all."""
    half = 0.5 * width * normals
    ring = np.concatenate([centreline + half, (centreline - half)[::-1]])
    widths = np.full(len(ring), 0.5 * feather)
    return Contour(ring, widths, widths)


def _grown(ring: np.ndarray, offset: float, feather: float) -> Contour:
    ring = ring + outward_normals(ring) * offset
    widths = np.full(len(ring), 0.5 * feather)
    return Contour(ring, widths, widths)


def face_regions(points, settings: RegionSettings, outline: Outline | None = None) -> dict[str, list[Contour]]:
    """Contours per region (``face``, ``jaw``, ``hairline``, ``eyes``, ``mouth``) of one face.

    Args:
        points: ``(68, 2)`` landmarks, iBUG order, in the pixel frame the contours should be in.
        settings: the node's region knobs at this frame.
        outline: the face's :class:`Outline` in the same pixel frame, or None: the face edge from the
            landmarks (see the module doc).

    Returns:
        ``{region: [Contour, ...]}``; a region's contours are drawn as a union.

    Raises:
        LandmarkError: the landmarks are not (68, 2), not finite, or collapsed.
    """
    points = check_landmarks(points)
    scale = face_size(points) / 100.0  # pixels per percent
    hairline = None if outline is not None else hairline_arc(points, settings.forehead_height)
    top = hairline if settings.face_region == "extended" else _brow_top(points)
    ring, params, feather = _offset_loop(points, top, settings, scale, outline)
    face = Contour(ring, 0.5 * feather, 0.5 * feather, params)

    # bands follow the offset extended edge, so an artist's jaw or hairline offset moves them too
    extended, ext_params, _ = _offset_loop(points, hairline, settings, scale, outline)
    normals = outward_normals(extended)
    jaw = ext_params <= 16.0
    top_part = ~jaw
    jaw_band = _band(extended[jaw], normals[jaw], settings.jaw_band_width * scale, settings.jaw_band_feather * scale)
    hairline_band = _band(
        extended[top_part],
        normals[top_part],
        settings.hairline_band_width * scale,
        settings.hairline_band_feather * scale,
    )

    eye_rings = [catmull_rom(points[eye], SAMPLES, closed=True)[0] for eye in (RIGHT_EYE, LEFT_EYE)]
    lips = catmull_rom(points[OUTER_LIPS], SAMPLES, closed=True)[0]
    if outline is not None and outline.eyes is not None and outline.mouth is not None:
        eye_rings, lips = list(outline.eyes), outline.mouth
    eyes = [_grown(ring, settings.eyes_offset * scale, settings.eyes_feather * scale) for ring in eye_rings]
    mouth = _grown(lips, settings.mouth_offset * scale, settings.mouth_feather * scale)
    return {"face": [face], "jaw": [jaw_band], "hairline": [hairline_band], "eyes": eyes, "mouth": [mouth]}

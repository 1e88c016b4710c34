"""The face outline, eyes and mouth from the face mesh, for the region mattes of OcclusionMask and JawBlend.

A face tracked by the ``mesh`` backend carries the mesh's 468 points (:attr:`faceplate.nodes.faces.Face.mesh`).
The outline drawn from them is the **silhouette of the mesh's surface as seen**: the union of its
triangles (a Delaunay triangulation of the frontal reference head, :func:`triangles`) projected where the
face is, so on a turned head the far side follows the cheek's and nose's profile rather than jaw points
that have gone behind the face. The mesh stops a little above the brows (about 0.4 facial thirds on the
reference head); its forehead is drawn up, in the head's own frame, so that its top lies
``forehead_height`` facial thirds above the highest brow point, as the landmark hairline estimate does
(:func:`faceplate.nodes.face_regions.hairline_arc`). The forehead thus tilts and turns with the head.

Placement. The mesh is put on the face's current 68 landmarks (stabilised, or edited in AlignEdit) by the
least-squares similarity from its own 68 points (:func:`mesh_geometry.ibug68`): on a measured frame that
is the small stabilisation step; across a detection gap the track's nearest measured mesh is carried.
When that similarity leaves more than :data:`MAX_RESIDUAL` of the face size between the mesh's 68 points
and the landmarks (an artist moved the landmarks, or the head turned a lot since the mesh was measured),
the mesh does not describe this face and the regions fall back to the 68 landmarks.

Loop positions. Each outline vertex takes the face-loop position (0-16 along the jaw, then over the top;
:class:`faceplate.nodes.face_regions.Outline`) of the nearest mesh vertex as seen, measured once on the
frontal reference head (:func:`vertex_params`). So the segments stay on the same part of the face
however the head turns: on a turned head the far side's profile (cheek, nose, lips) keeps the positions
of those features, where the landmarks' own jaw line folds behind the nose.

Eyes and mouth. The outline also carries rings round the eye openings and the lips, splines through the
placed mesh's lid-rim and outer-lip loops (:func:`feature_rings`), so the eye and mouth regions turn with the
head as the mesh does. The loops run along the lid margins and round every lip vertex, outside what the eye
shows of itself and outside the lips' red: each ring is drawn in towards its centre, to 0.9 (eyes) and 0.85
(mouth) of its size, the scales that matched the astronaut photo's hand-drawn lids and lips best at 0 and 30
degrees of turn (tests/facedetect/region_truth.py; hopper was kept aside, and measures better still).

The outline is rasterised at :data:`RASTER` pixels across the face in the face's own box (never the
frame), closed morphologically over :data:`CLOSING` of the face (the mesh's outermost vertices sit at
uneven depths, so a turned head's near side would come out serrated) and traced back to
:data:`OUTLINE_VERTICES` vertices; the regions' feathers (a few percent of the face size) are far wider
than that sampling.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
from scipy.spatial import Delaunay

from faceplate.foundation import geometry
from faceplate.nodes.face_regions import (
    BROWS,
    CHIN,
    NOSE_BASE,
    PERIOD,
    Outline,
    RegionSettings,
    catmull_rom,
    loop_params,
)
from faceplate.nodes.facedetect import mesh_geometry
from faceplate.nodes.faces import Face

MAX_RESIDUAL = 0.05  # RMS landmark residual after placement, in face sizes, beyond which the mesh is not used
RASTER = 256  # pixels across the face's longer side when tracing its silhouette
OUTLINE_VERTICES = 160
SLIVER_ANGLE = 12.0  # rim triangles: see triangles()
CLOSING = 0.1  # the closing's diameter over the face's longer side (see silhouette())
SMOOTH = 2  # vertices either side averaged along the traced outline (the raster's staircase)
FEATURE_SAMPLES = 3  # spline vertices per interval of the lid and lip loops
FEATURE_SCALE = {"eyes": 0.9, "mouth": 0.85}  # the loops drawn in to the visible opening (see the module doc)


@functools.cache
def triangles() -> np.ndarray:
    """``(T, 3)`` vertex indices: the Delaunay triangulation of the reference head seen from the front, its
    rim peeled. Delaunay closes the convex hull with thin triangles between outer vertices that are not
    neighbours on the face; a triangle on the rim goes while its smallest angle (seen from the front) is
    under :data:`SLIVER_ANGLE` degrees, until none is left."""
    ref = mesh_geometry.topology()["reference"][:, :2]
    simplices = Delaunay(ref).simplices
    corners = ref[simplices]
    angles = []
    for k in range(3):
        a, b = corners[:, k - 1] - corners[:, k], corners[:, (k + 1) % 3] - corners[:, k]
        cos = np.sum(a * b, axis=1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-12)
        angles.append(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
    sliver = np.min(angles, axis=0) < SLIVER_ANGLE
    keep = np.ones(len(simplices), bool)
    while True:
        kept = simplices[keep]
        pairs = np.sort(np.concatenate([kept[:, [0, 1]], kept[:, [1, 2]], kept[:, [2, 0]]]), axis=1)
        unique, counts = np.unique(pairs, axis=0, return_counts=True)
        rim = {tuple(e) for e in unique[counts == 1].tolist()}
        drop = [
            i
            for i in np.flatnonzero(keep & sliver)
            if any(tuple(sorted((int(simplices[i][k]), int(simplices[i][k - 1])))) in rim for k in range(3))
        ]
        if not drop:
            return simplices[keep].astype(np.int32)
        keep[drop] = False


@functools.cache
def vertex_params() -> np.ndarray:
    """``(468,)`` each mesh vertex's face-loop position on the frontal reference head (by its direction from
    the nose bridge, :func:`faceplate.nodes.face_regions.loop_params`)."""
    ref = mesh_geometry.topology()["reference"]
    return loop_params(mesh_geometry.ibug68(ref), ref[:, :2])


def outline_params(ring: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Loop positions of the outline vertices ``ring`` from the nearest of the mesh points ``xy`` as seen,
    averaged along the ring over :data:`SMOOTH` * 2 vertices either side (unwrapped round the loop)."""
    nearest = np.argmin(((ring[:, None, :] - xy[None, :, :2]) ** 2).sum(axis=2), axis=1)
    params = vertex_params()[nearest]
    angle = params * (2 * np.pi / PERIOD)  # average on the circle: the loop wraps from 26 back to 0
    c, s = np.cos(angle), np.sin(angle)
    reach = 2 * SMOOTH
    c = np.mean([np.roll(c, k) for k in range(-reach, reach + 1)], axis=0)
    s = np.mean([np.roll(s, k) for k in range(-reach, reach + 1)], axis=0)
    return (np.arctan2(s, c) % (2 * np.pi)) * (PERIOD / (2 * np.pi))


def _similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2x3 least-squares similarity (rotation, uniform scale, shift) taking ``src`` points onto ``dst``."""
    sc, dc = src.mean(axis=0), dst.mean(axis=0)
    s, d = src - sc, dst - dc
    u, sv, vt = np.linalg.svd(d.T @ s)
    sign = np.sign(np.linalg.det(u @ vt)) or 1.0
    rotation = u @ np.diag([1.0, sign]) @ vt
    scale = float((sv * [1.0, sign]).sum() / max((s**2).sum(), 1e-12))
    return np.c_[scale * rotation, dc - scale * rotation @ sc]


def placed_mesh(face: Face, array_from_plate: np.ndarray) -> np.ndarray | None:
    """The face's mesh ``(468, 3)`` placed on its 68 landmarks, in the pixels ``array_from_plate`` maps to;
    None when it has no mesh or the mesh does not fit the landmarks (see the module doc)."""
    mesh = face.mesh
    if mesh is None:
        return None
    landmarks = face.landmarks
    own = mesh_geometry.ibug68(mesh)
    move = _similarity(own, landmarks)
    size = 0.5 * (np.linalg.norm(landmarks[16] - landmarks[0]) + np.linalg.norm(landmarks[27] - landmarks[CHIN]))
    residual = np.sqrt(np.mean(np.sum((geometry.apply(move, own) - landmarks) ** 2, axis=1)))
    if not size > 0 or residual > MAX_RESIDUAL * size:
        return None
    array_from_mesh = geometry.compose(np.asarray(array_from_plate, np.float64), move)
    out = np.empty_like(mesh)
    out[:, :2] = geometry.apply(array_from_mesh, mesh[:, :2])
    out[:, 2] = mesh[:, 2] * np.sqrt(abs(np.linalg.det(array_from_mesh[:, :2])))
    return out


def with_forehead(mesh: np.ndarray, forehead_height: float) -> np.ndarray:
    """``mesh`` with its forehead (the points above the highest brow point, in the head's frame) scaled up
    or down so that its top lies ``forehead_height`` facial thirds above that brow point."""
    rotation, scale, shift = mesh_geometry.fit(mesh)
    head = (mesh - shift) @ rotation / scale  # the head's frame: x to the subject's left, y down
    points = mesh_geometry.ibug68(head)
    brows = points[BROWS]
    third = 0.5 * (
        np.linalg.norm(points[NOSE_BASE] - brows.mean(axis=0)) + np.linalg.norm(points[CHIN] - points[NOSE_BASE])
    )
    brow_top = float(brows[:, 1].min())
    height = brow_top - float(head[:, 1].min())
    if height <= 1e-9:
        return mesh
    above = head[:, 1] < brow_top
    head[above, 1] = brow_top - (brow_top - head[above, 1]) * (forehead_height * third / height)
    return scale * head @ rotation.T + shift


def silhouette(xy: np.ndarray, simplices: np.ndarray | None = None) -> np.ndarray:
    """The outer outline ``(OUTLINE_VERTICES, 2)`` of the union of the mesh triangles at ``xy`` ``(468, 2)``
    (pixels), traced on a raster of :data:`RASTER` pixels across the face."""
    simplices = triangles() if simplices is None else simplices
    lo = xy.min(axis=0)
    k = RASTER / max(float(np.ptp(xy, axis=0).max()), 1e-6)
    pad = 4 + int(CLOSING * RASTER)
    size = np.ceil(np.ptp(xy, axis=0) * k).astype(int) + 2 * pad + 1
    mask = np.zeros((size[1], size[0]), np.uint8)
    corners = np.round(((xy - lo) * k + pad - 0.5) * 16).astype(np.int32)  # OpenCV: pixel centres at 0, 4 bits
    for tri in corners[simplices]:
        cv2.fillConvexPoly(mask, tri, 1, cv2.LINE_8, 4)
    # the mesh's outermost vertices sit at uneven depths, so a turned head's near side comes out
    # serrated: a closing fills notches narrower than CLOSING of the face
    side = int(round(CLOSING * RASTER)) | 1
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    ring = max(contours, key=cv2.contourArea)[:, 0, :].astype(np.float64)
    # a band-limited ring: average neighbours along the trace, then resample evenly by arc length
    ring = np.mean([np.roll(ring, s, axis=0) for s in range(-SMOOTH, SMOOTH + 1)], axis=0)
    closed = np.concatenate([ring, ring[:1]])
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(closed, axis=0), axis=1))])
    at = np.linspace(0.0, arc[-1], OUTLINE_VERTICES, endpoint=False)
    ring = np.c_[np.interp(at, arc, closed[:, 0]), np.interp(at, arc, closed[:, 1])]
    return (ring + 0.5 - pad) / k + lo


def feature_rings(xy: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """``((right eye, left eye), lips)``: closed rings (splines through the mesh's lid-rim and outer-lip loops,
    ``mesh_topology.json``, found by ``tools/face_mesh/derive_loops.py``) at the mesh points ``xy``, each
    drawn in towards its centre to :data:`FEATURE_SCALE` of its size (see the module doc)."""
    topo = mesh_geometry.topology()

    def ring(key: str, scale: float) -> np.ndarray:
        spline, _ = catmull_rom(xy[topo[key]], FEATURE_SAMPLES, closed=True)
        centre = spline.mean(axis=0)
        return centre + scale * (spline - centre)

    eyes = (ring("loop_right_eye", FEATURE_SCALE["eyes"]), ring("loop_left_eye", FEATURE_SCALE["eyes"]))
    return eyes, ring("loop_outer_lips", FEATURE_SCALE["mouth"])


def face_outline(face: Face, array_from_plate: np.ndarray, settings: RegionSettings) -> Outline | None:
    """The :class:`~faceplate.nodes.face_regions.Outline` (array pixels) that
    :func:`faceplate.nodes.face_regions.face_regions` takes for ``face`` at these region settings, or None:
    regions from the landmarks (``regions_from`` is ``landmarks``, the face has no mesh, or its mesh does
    not fit the landmarks)."""
    if settings.regions_from != "face mesh" or not face.has_mesh:
        return None
    transform = tuple(np.asarray(array_from_plate, np.float64).ravel().tolist())
    return _outline(face, transform, float(settings.forehead_height))


@functools.lru_cache(maxsize=64)
def _outline(face: Face, transform: tuple[float, ...], forehead_height: float) -> Outline | None:
    """:func:`face_outline`, kept for the faces seen last (JawBlend asks again for neighbouring frames'
    colour statistics; the viewer re-renders on every knob change). Read-only."""
    mesh = placed_mesh(face, np.reshape(transform, (2, 3)))
    if mesh is None:
        return None
    xy = with_forehead(mesh, forehead_height)[:, :2]
    ring = silhouette(xy)
    params = outline_params(ring, xy)
    eyes, mouth = feature_rings(mesh[:, :2])
    for a in (ring, params, mouth, *eyes):
        a.flags.writeable = False
    return Outline(ring, params, eyes, mouth)

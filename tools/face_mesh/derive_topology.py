"""Developer tool: measures ``mesh_topology.json`` (the face mesh's 68-point mapping, reference head,
mirror vertices, neighbours) from the mesh's output on the test photos.

Run in faceplate's own environment (it needs dlib's 68-point predictor, the reference the mapping is
fitted to; the result is a table of vertex numbers and weights, not a model)::

    python tools/face_mesh/derive_topology.py

The mapping is fitted on the astronaut photo moved through :data:`MOVES`; the hopper photo, moved
the same way, is kept aside and only measured. See :mod:`faceplate.nodes.facedetect.mesh_geometry`.
"""

from __future__ import annotations

import itertools
import json
import os
import sys

import cv2
import numpy as np

from faceplate.actions.demo.photos import photo_linear, photo_srgb
from faceplate.foundation import geometry
from faceplate.models import registry, runtime
from faceplate.models.cards import FACE_MESH, FACE_MESH_FOLDER
from faceplate.nodes.facedetect.backends import get_backend
from faceplate.nodes.facedetect.detect import Detector, landmark_box
from faceplate.nodes.facedetect.mesh_backend import mesh_points
from faceplate.nodes.plate import Plate

MOVES = [(s, a) for s in (0.8, 1.0, 1.25) for a in (-20.0, -10.0, 0.0, 10.0, 20.0)]  # (scale, roll degrees)
CROP = 192
FILL = 1.6  # the landmark box is 1/FILL of the crop (as the mesh backend crops)
CANDIDATES = 10


def raw_mesh(image: np.ndarray, centre, side: float, roll: float) -> np.ndarray:
    """The mesh (image pixels; z larger nearer) of the face at ``centre``/``side``/``roll`` in uint8 ``image``."""
    crop_from_image = geometry.similarity(centre, (CROP / 2, CROP / 2), CROP / FILL / side, roll)
    crop = cv2.warpAffine(
        image,
        geometry.opencv_matrix(crop_from_image),
        (CROP, CROP),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    dense, _ = mesh_points(_session(), [crop])
    mesh = dense[0]
    out = np.empty_like(mesh)
    out[:, :2] = geometry.apply(geometry.invert(crop_from_image), mesh[:, :2])
    out[:, 2] = mesh[:, 2] * side * FILL / CROP
    return out


def _session():
    # The network alone: the backend needs the topology this script makes.
    return runtime.session(registry.locate(FACE_MESH))


def samples(name: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(dlib 68 points, mesh)`` of photo ``name`` under each of :data:`MOVES`, image pixels."""
    detector = Detector(get_backend("dlib"), proxy_size=640)
    srgb, linear = np.ascontiguousarray(photo_srgb(name)), photo_linear(name)
    h, w = srgb.shape[:2]
    out = []
    for scale, angle in MOVES:
        m = geometry.similarity((w / 2, h / 2), (w / 2, h / 2), scale, angle)
        image = cv2.warpAffine(
            srgb, geometry.opencv_matrix(m), (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        plate = Plate(
            cv2.warpAffine(
                np.ascontiguousarray(linear),
                geometry.opencv_matrix(m),
                (w, h),
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            ),
            ["R", "G", "B"],
        )
        (found,) = detector.find(plate)
        centre, side = landmark_box(found.landmarks)
        out.append((found.landmarks, raw_mesh(image, centre, side, found.roll)))
    return out


def mirror_map(image: np.ndarray, centre, side: float) -> np.ndarray:
    """Each vertex's mirror vertex: the mesh of the mirrored photo, mirrored back, nearest vertex."""
    mesh = raw_mesh(image, centre, side, 0.0)
    w = image.shape[1]
    flipped = raw_mesh(np.ascontiguousarray(image[:, ::-1]), (w - centre[0], centre[1]), side, 0.0)
    flipped[:, 0] = w - flipped[:, 0]
    d = np.linalg.norm(flipped[:, None, :2] - mesh[None, :, :2], axis=2)
    return d.argmin(axis=1)


def normalised(mesh: np.ndarray) -> np.ndarray:
    centred = mesh - mesh.mean(axis=0)
    return centred / np.sqrt((centred**2).sum(axis=1).mean())


def procrustes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``b`` turned onto ``a`` (both normalised)."""
    u, _, vt = np.linalg.svd(a.T @ b)
    d = np.sign(np.linalg.det(u @ vt))
    return b @ (u @ np.diag([1.0, 1.0, d]) @ vt).T


def reference(meshes: list[np.ndarray], mirror: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A symmetric frontal head (the photos and their mirror images, Procrustes-averaged) and its
    left-right axis."""
    shapes = [normalised(m) for m in meshes]
    for m in list(shapes):
        mirrored = m[mirror].copy()
        mirrored[:, 0] *= -1.0
        shapes.append(mirrored)
    mean = shapes[0]
    for _ in range(3):
        mean = normalised(np.mean([procrustes(mean, s) for s in shapes], axis=0))
    # Head frame: x along the mirror pairs, z perpendicular to x and to the eyes-to-mouth line.
    across = mean[mirror] - mean
    x = np.linalg.svd(across[np.linalg.norm(across, axis=1) > 0.1], full_matrices=False)[2][0]
    return mean, x * np.sign(x[0])


def head_frame(mean: np.ndarray, x: np.ndarray, eyes: np.ndarray, mouth: np.ndarray) -> np.ndarray:
    down = mouth - eyes
    z = np.cross(down, x)
    z /= np.linalg.norm(z)
    z *= np.sign(z[2])
    y = np.cross(z, x)
    frame = np.stack([x, y, z])  # rows: head axes in the mean's axes
    return (mean - mean.mean(axis=0)) @ frame.T


def fit_mapping(tune: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[int, int, float]]:
    """Per iBUG point, the vertex pair and weight nearest dlib's points over the tuning samples."""
    out = []
    for i in range(68):
        targets = np.stack([p[i] for p, _ in tune])  # (S, 2)
        verts = np.stack([m[:, :2] for _, m in tune])  # (S, 468, 2)
        mean_d = np.linalg.norm(verts - targets[:, None, :], axis=2).mean(axis=0)
        candidates = np.argsort(mean_d)[:CANDIDATES]
        best = (np.inf, int(candidates[0]), int(candidates[0]), 0.0)
        for a, b in itertools.combinations_with_replacement(candidates, 2):
            va, vb = verts[:, a], verts[:, b]
            diff = vb - va
            denom = float((diff**2).sum())
            t = 0.0 if denom < 1e-9 else float(np.clip(((targets - va) * diff).sum() / denom, 0.0, 1.0))
            err = float(np.linalg.norm(va + t * diff - targets, axis=1).mean())
            if err < best[0]:
                best = (err, int(a), int(b), t)
        out.append((best[1], best[2], round(best[3], 4)))
    return out


def mapping_error(mapping, data) -> float:
    """Mean distance of the mapped points to dlib's, over the inter-ocular distance."""
    errs = []
    for points, mesh in data:
        mapped = np.array([(1 - t) * mesh[a, :2] + t * mesh[b, :2] for a, b, t in mapping])
        io = np.linalg.norm(points[36:42].mean(0) - points[42:48].mean(0))
        errs.append(np.linalg.norm(mapped - points, axis=1).mean() / io)
    return float(np.mean(errs))


def main() -> int:
    tune, held = samples("astronaut"), samples("hopper")
    mapping = fit_mapping(tune)
    upright = MOVES.index((1.0, 0.0))
    srgb = np.ascontiguousarray(photo_srgb("astronaut"))
    centre, side = landmark_box(tune[upright][0])
    mirror = mirror_map(srgb, centre, side)
    mean, x = reference([tune[upright][1], held[upright][1]], mirror)
    m = np.array(mapping)
    a, b, t = m[:, 0].astype(int), m[:, 1].astype(int), m[:, 2][:, None]
    ibug = (1 - t) * mean[a] + t * mean[b]
    ref = head_frame(mean, x, ibug[[36, 45]].mean(0), ibug[[48, 54]].mean(0))
    d = np.linalg.norm(ref[:, None] - ref[None], axis=2)
    neighbours = np.argsort(d, axis=1)[:, :9]
    topo = {
        "about": (
            "faceplate face mesh topology, measured by tools/face_mesh/derive_topology.py from the face "
            "mesh's output on the astronaut and hopper photos (public domain)"
        ),
        "fit": {
            "mapping_error_tune_astronaut": round(mapping_error(mapping, tune), 5),
            "mapping_error_held_hopper": round(mapping_error(mapping, held), 5),
            "units": "mean distance to dlib's 68 points over the inter-ocular distance, over MOVES",
        },
        "ibug68": mapping,
        "reference": np.round(ref, 6).tolist(),
        "mirror": mirror.tolist(),
        "neighbours": neighbours.tolist(),
    }
    path = os.path.join(FACE_MESH_FOLDER, "mesh_topology.json")
    with open(path, "w") as f:
        json.dump(topo, f)
        f.write("\n")
    print(json.dumps(topo["fit"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

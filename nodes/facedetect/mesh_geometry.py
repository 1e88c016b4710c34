"""What faceplate reads from the 468-point face mesh: the 68 iBUG points, confidence, head pose.

All of it uses ``models/face_mesh/mesh_topology.json``, measured by the project
(``tools/face_mesh/derive_topology.py``, on the two public-domain test photos) from the mesh's own
output:

- ``ibug68``: each of the 68 iBUG points (0-16 jaw, 17-26 brows, 27-35 nose, 36-47 eyes, 48-67
  mouth; see :mod:`faceplate.nodes.faces`) is a blend of two mesh vertices,
  ``(1 - t) * v[a] + t * v[b]``. The pairs and weights are those nearest, in the least-squares
  sense, to the dlib predictor's points on the astronaut photo moved through 15 similarity
  transforms; the hopper photo was kept aside to check them (docs/facedetect.md gives both errors).
  The table is printed in docs/facedetect.md.
- ``reference``: the mesh of a frontal, symmetric face (the mean of both photos and their mirror
  images), in a head frame: x to the subject's left (image right), y down, z towards the camera;
  pitch 0 where the eyes and the mouth corners are equally far from the camera.
- ``loop_right_eye``, ``loop_left_eye``, ``loop_outer_lips``: the lid rims and the outer lip as ordered
  vertex loops (``tools/face_mesh/derive_loops.py``; used by :mod:`.mesh_regions`).
- ``mirror``: each vertex's mirror vertex (from the mirrored photo's mesh: 71 % of the pairs are mutual,
  24 vertices on the midline are their own); ``neighbours``: each vertex and its 8 nearest.

Mesh points here are ``(468, 3)``: x, y in pixels, z depth in the same scale, larger nearer the camera.
"""

from __future__ import annotations

import functools
import json
import os

import numpy as np

from faceplate.foundation.errors import ModelError
from faceplate.models.cards import FACE_MESH_FOLDER

TOPOLOGY_FILE = os.path.join(FACE_MESH_FOLDER, "mesh_topology.json")
NORMAL_PATCH = 24


@functools.cache
def topology() -> dict[str, np.ndarray]:
    """The topology tables as arrays (read once)."""
    try:
        with open(TOPOLOGY_FILE) as f:
            raw = json.load(f)
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"the face mesh topology {TOPOLOGY_FILE} cannot be read ({exc}); reinstall faceplate, "
            "or run tools/face_mesh/derive_topology.py"
        ) from None
    out = {k: np.asarray(v) for k, v in raw.items() if k not in ("about", "fit", "loops_about")}
    out["pairs"] = out["ibug68"][:, :2].astype(np.int64)
    out["weights"] = out["ibug68"][:, 2].astype(np.float64)
    return out


def ibug68(mesh: np.ndarray, topo: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """The ``(68, 2)`` iBUG points (x, y) of a mesh."""
    topo = topo or topology()
    a, b = topo["pairs"][:, 0], topo["pairs"][:, 1]
    t = topo["weights"][:, None]
    return (1.0 - t) * mesh[a, :2] + t * mesh[b, :2]


@functools.cache
def reference_normals() -> np.ndarray:
    """``(468, 3)`` unit surface normals of the reference head (head frame), pointing out of the face:
    the least-spread direction of each vertex's :data:`NORMAL_PATCH` nearest vertices (a patch wide
    enough to smooth over eyelids and lips)."""
    ref = topology()["reference"]
    d = np.linalg.norm(ref[:, None] - ref[None], axis=2)
    patches = ref[np.argsort(d, axis=1)[:, :NORMAL_PATCH]]
    _, _, vt = np.linalg.svd(patches - patches.mean(axis=1, keepdims=True))
    n = vt[:, 2, :]
    behind = ref.mean(axis=0) - np.array([0.0, 0.0, 1.0])  # a point inside the head, behind the face
    return n * np.sign(np.sum(n * (ref - behind), axis=1, keepdims=True) + 1e-12)


def facing68(mesh: np.ndarray, topo: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """``(68,)`` in [0, 1]: how squarely the surface at each iBUG point faces the camera (the reference
    head's normals turned by the face's fitted rotation): 1 from 25 degrees off its normal or nearer,
    0 past 100 degrees (turned away: the point is guessed)."""
    topo = topo or topology()
    rotation, _, _ = fit(mesh, topo)
    nz = reference_normals() @ rotation[2]
    a, b = topo["pairs"][:, 0], topo["pairs"][:, 1]
    t = topo["weights"]
    z = (1.0 - t) * nz[a] + t * nz[b]
    return np.clip((z - np.cos(np.radians(100.0))) / (np.cos(np.radians(25.0)) - np.cos(np.radians(100.0))), 0.0, 1.0)


def fit(mesh: np.ndarray, topo: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, float, np.ndarray]:
    """``(rotation, scale, translation)`` with ``mesh ~= scale * reference @ rotation.T + translation``
    (least squares over all 468 points; the rotation is proper)."""
    topo = topo or topology()
    ref = topo["reference"]
    mc, rc = mesh.mean(axis=0), ref.mean(axis=0)
    m, r = mesh - mc, ref - rc
    u, s, vt = np.linalg.svd(m.T @ r)
    d = np.sign(np.linalg.det(u @ vt))
    rotation = u @ np.diag([1.0, 1.0, d]) @ vt
    scale = float((s * [1.0, 1.0, d]).sum() / (r**2).sum())
    return rotation, scale, mc - scale * rc @ rotation.T


def pose(mesh: np.ndarray, topo: dict[str, np.ndarray] | None = None) -> tuple[float, float, float]:
    """``(yaw, pitch, roll)`` degrees of the head, from the mesh's 3D points (plate pixels).

    Conventions as :func:`faceplate.nodes.alignedit.pose.head_pose`: yaw > 0 turns the face to the
    image's right, pitch > 0 looks up, roll > 0 turns it clockwise on screen. The mesh is a weak-
    perspective reconstruction (no camera), so this is the head's turn relative to the line of sight.
    """
    r, _, _ = fit(mesh, topo)
    # r's columns are the head's axes in image axes (x right, y down, z to the camera).
    forward = r[:, 2]
    yaw = np.degrees(np.arctan2(forward[0], forward[2]))
    pitch = np.degrees(np.arctan2(-forward[1], np.hypot(forward[0], forward[2])))
    roll = np.degrees(np.arctan2(r[1, 0], r[0, 0]))
    return float(yaw), float(pitch), float(roll)

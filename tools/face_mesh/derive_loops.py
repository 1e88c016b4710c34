"""Developer tool: finds the face mesh's lid and lip loops and stores them in ``mesh_topology.json``
(``loop_right_eye``, ``loop_left_eye``, ``loop_outer_lips``; ``loops_about`` says how),
then draws them on the reference head and on both photos' meshes for checking::

    python tools/face_mesh/derive_loops.py [--picture docs/images/mesh_loops.png]

How. The mesh has no vertices inside the eye openings or the mouth: those are holes bounded by the lid
rims and the lips. Without the mesh's own triangulation, the loops are found on the Delaunay graph of the
mesh as seen (the astronaut photo, upright: eyes and mouth open; hopper is kept aside) as the **cheapest
cycle round a blocked region**: the edges that cross the region are removed, and Dijkstra on the graph's
directed edges, in two sheets (an edge crossing a ray from the region's centre switches sheet), finds the
cheapest way from an edge back to itself round the region once. Walking edges rather than vertices lets
the cost charge for bends, which keeps a loop on one row of vertices.

- Lids: the region is the 68-point eye contour (mapped from the mesh) squeezed to :data:`SQUEEZE` of its
  height, corners kept; the cost is the 3D edge length, so the cycle is the tightest ring round the opening:
  the rim vertices, in order.
- Outer lip: the upper lip curls inward, so its rows overlap when seen from the front. They are seen instead
  from a camera :data:`NEAR_VIEW` mouth widths in front of the lips (deeper vertices drawn towards the
  mouth's centre), among the vertices within :data:`LIP_ZONE` times the 68-point outer lip contour. The
  region is the 68-point inner lip contour, squeezed; an edge costs its 3D length times (a little plus the
  squared distance to the 68-point outer lip contour over :data:`LIP_SIGMA` inter-ocular distances), and a
  bend :data:`BEND` mean edge costs times (1 - its cosine): the row of vertices at the lip's edge.
- The inner lip is not stored: a closed or smiling mouth's inner upper-lip rows lie over its outer rows as
  seen, and no view tried here (near cameras 0.3-1.5 mouth widths, with and without bend costs) gave a cycle
  that kept to the inner rows.

Each loop is checked: closed, no vertex twice, not self-intersecting on the reference head and on both photos.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import cv2
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import Delaunay

from faceplate.actions.demo.photos import photo_linear
from faceplate.foundation.drawing import write_png
from faceplate.models.cards import FACE_MESH_FOLDER
from faceplate.nodes.face_regions import catmull_rom
from faceplate.nodes.facedetect import mesh_geometry
from faceplate.nodes.facedetect.backends import get_backend
from faceplate.nodes.facedetect.detect import Detector
from faceplate.nodes.plate import Plate

SQUEEZE = 0.5  # the blocked region's height over the 68-point contour's
NEAR_VIEW = 1.5  # the lips' camera distance in front of the lips, in mouth widths
LIP_ZONE = 1.35  # the lip loop's vertices lie within this times the 68-point outer lip contour (about its centre)
LIP_SIGMA = 0.1  # the outer lip cost's distance scale, in inter-ocular distances
BEND = 2.0  # the outer lip's cost of a right-angle bend, in mean edge costs
EYES = {"loop_right_eye": (36, 37, 38, 39, 40, 41), "loop_left_eye": (42, 43, 44, 45, 46, 47)}
INNER = (60, 61, 62, 63, 64, 65, 66, 67)
OUTER = tuple(range(48, 60))


def photo_mesh(name: str) -> np.ndarray:
    """The mesh backend's mesh of photo ``name``, upright (plate pixels; z nearer > 0)."""
    plate = Plate(np.ascontiguousarray(photo_linear(name)), ["R", "G", "B"])
    (found,) = Detector(get_backend("mesh"), proxy_size=640).find(plate)
    return found.mesh


def delaunay_edges(xy: np.ndarray) -> np.ndarray:
    tri = Delaunay(xy).simplices
    edges = np.sort(np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]]), axis=1)
    return np.unique(edges, axis=0)


def _ccw(p, q, r):
    return (q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1]) - (q[..., 1] - p[..., 1]) * (r[..., 0] - p[..., 0])


def crosses(a: np.ndarray, b: np.ndarray, polygon: np.ndarray) -> bool:
    """Whether segment ``ab`` crosses the closed ``polygon`` or lies inside it."""
    p, q = polygon, np.roll(polygon, -1, axis=0)
    hit = (_ccw(a, b, p) * _ccw(a, b, q) < 0) & (_ccw(p, q, a[None]) * _ccw(p, q, b[None]) < 0)
    inside = cv2.pointPolygonTest(polygon.astype(np.float32), tuple(map(float, (a + b) / 2)), False) > 0
    return bool(hit.any() or inside)


def cheapest_cycle(xy: np.ndarray, edges: np.ndarray, region: np.ndarray, cost, bend: float = 0.0) -> list[int]:
    """The cheapest cycle of graph ``edges`` (on vertices ``xy``) round ``region`` once: the sum of
    ``cost(a, b)`` over its edges plus ``bend`` mean edge costs times (1 - cosine) at each vertex."""
    centre = region.mean(axis=0)
    directed, over, weights = [], [], []
    for a, b in edges:
        if crosses(xy[a], xy[b], region):
            continue
        pa, pb = xy[a] - centre, xy[b] - centre
        up = False  # does the edge cross the ray straight up from the centre?
        if (pa[0] < 0) != (pb[0] < 0):
            t = pa[0] / (pa[0] - pb[0])
            up = bool(pa[1] + t * (pb[1] - pa[1]) < 0)
        w = cost(a, b)
        for e in ((a, b), (b, a)):
            directed.append(e)
            over.append(up)
            weights.append(w)
    directed, over, weights = np.array(directed), np.array(over), np.array(weights)
    m = len(directed)
    leaving: dict[int, list[int]] = {}
    for i, (a, _) in enumerate(directed):
        leaving.setdefault(int(a), []).append(i)
    unit = (xy[directed[:, 1]] - xy[directed[:, 0]]) / np.linalg.norm(
        xy[directed[:, 1]] - xy[directed[:, 0]], axis=1, keepdims=True
    )
    scale = float(weights.mean())
    rows, cols, arcs = [], [], []
    for i, (a, b) in enumerate(directed):  # arcs from walking edge i into edge j (no turning back)
        for j in leaving.get(int(b), []):
            if directed[j, 1] == a:
                continue
            w = weights[j] + bend * scale * (1.0 - float(unit[i] @ unit[j]))
            for sheet in (0, 1):
                rows.append(i + sheet * m)
                cols.append(j + ((1 - sheet) if over[j] else sheet) * m)
                arcs.append(w)
    graph = coo_matrix((arcs, (rows, cols)), shape=(2 * m, 2 * m)).tocsr()
    starts = np.flatnonzero(over)
    dist, pred = dijkstra(graph, indices=starts + m, return_predecessors=True)
    best = int(np.argmin([dist[k, s] for k, s in enumerate(starts)]))  # from edge s (crossed) back to it
    start = int(starts[best])
    path, at = [start], start
    while at != start + m:
        at = int(pred[best, at])
        path.append(at)
    return [int(directed[p % m, 1]) for p in path[::-1][:-1]]


def squeezed(points: np.ndarray, order: tuple[int, ...], height: float = SQUEEZE) -> np.ndarray:
    """The closed spline through ``points[order]``, squeezed to ``height`` across the line from its first
    point to its middle one (the corners stay)."""
    ring = catmull_rom(points[list(order)], 6, closed=True)[0]
    centre = ring.mean(axis=0)
    axis = points[order[len(order) // 2]] - points[order[0]]
    axis /= np.linalg.norm(axis)
    normal = np.array([-axis[1], axis[0]])
    d = ring - centre
    return centre + np.outer(d @ axis, axis) + np.outer(height * (d @ normal), normal)


def near_view(mesh: np.ndarray) -> np.ndarray:
    """The mesh as seen by a camera :data:`NEAR_VIEW` mouth widths in front of the lips, on the mouth's axis."""
    points = mesh_geometry.ibug68(mesh)
    centre = points[[62, 66]].mean(axis=0)
    front = mesh[mesh_geometry.topology()["pairs"][48:68, 0], 2].max()  # the lips' nearest point
    camera = front + NEAR_VIEW * np.linalg.norm(points[54] - points[48])
    scale = (camera - front) / (camera - mesh[:, 2])
    out = mesh.copy()
    out[:, :2] = centre + (mesh[:, :2] - centre) * scale[:, None]
    return out


def loops(mesh: np.ndarray) -> dict[str, list[int]]:
    """The lid-rim and outer-lip loops of a mesh with open eyes (see the module doc)."""
    xy = mesh[:, :2]
    points = mesh_geometry.ibug68(mesh)
    edges = delaunay_edges(xy)

    def length(a, b):
        return float(np.linalg.norm(mesh[a] - mesh[b]))

    out = {key: cheapest_cycle(xy, edges, squeezed(points, order), length) for key, order in EYES.items()}
    lips = catmull_rom(points[list(OUTER)], 6, closed=True)[0]
    centre = lips.mean(axis=0)
    zone = (centre + (lips - centre) * LIP_ZONE).astype(np.float32)
    inside = np.array([cv2.pointPolygonTest(zone, tuple(map(float, p)), False) >= 0 for p in xy])
    near = near_view(mesh)
    nxy = near[:, :2]
    npoints = mesh_geometry.ibug68(near)
    nedges = delaunay_edges(nxy)
    nedges = nedges[inside[nedges].all(axis=1)]
    contour = catmull_rom(npoints[list(OUTER)], 6, closed=True)[0].astype(np.float32)
    sigma = LIP_SIGMA * np.linalg.norm(npoints[36:42].mean(0) - npoints[42:48].mean(0))

    def lip_edge(a, b):
        along = nxy[a] + np.linspace(0.0, 1.0, 5)[:, None] * (nxy[b] - nxy[a])
        d = np.array([cv2.pointPolygonTest(contour, tuple(map(float, q)), True) for q in along])
        return float(np.linalg.norm(near[a] - near[b]) * (0.05 + np.mean((d / sigma) ** 2)))

    out["loop_outer_lips"] = cheapest_cycle(nxy, nedges, squeezed(npoints, INNER), lip_edge, BEND)
    return out


def simple(ring: np.ndarray) -> bool:
    """Whether the closed ring has no two non-adjacent edges crossing."""
    n = len(ring)
    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue
            a, b, c, d = ring[i], ring[(i + 1) % n], ring[j], ring[(j + 1) % n]
            if _ccw(a, b, c) * _ccw(a, b, d) < 0 and _ccw(c, d, a) * _ccw(c, d, b) < 0:
                return False
    return True


def draw(meshes: dict[str, np.ndarray], found: dict[str, list[int]], path: str) -> None:
    """Each mesh's points (grey) and the loops (eyes green, outer lip magenta), zoomed."""
    colours = {"loop_right_eye": (0, 230, 0), "loop_left_eye": (0, 230, 0)}
    colours["loop_outer_lips"] = (255, 0, 255)
    tiles = []
    for mesh in meshes.values():
        xy = mesh[:, :2]
        points = mesh_geometry.ibug68(mesh)
        lo, hi = points[17:68].min(axis=0), points[17:68].max(axis=0)
        k = 480 / float((hi - lo).max() * 1.15)
        origin = (lo + hi) / 2 - 240 / k
        tile = np.zeros((480, 480, 3), np.uint8)

        def px(p, k=k, origin=origin):
            return np.round(((p - origin) * k) * 16).astype(np.int32)

        for q in px(xy):
            cv2.circle(tile, tuple(int(v) for v in q), 2 * 16, (110, 110, 110), -1, cv2.LINE_AA, 4)
        for key, loop in found.items():
            cv2.polylines(tile, [px(xy[loop])], True, colours[key], 1, cv2.LINE_AA, 4)
            for q in px(xy[loop]):
                cv2.circle(tile, tuple(int(v) for v in q), 2 * 16, colours[key], -1, cv2.LINE_AA, 4)
        tiles.append(tile)
    write_png(path, np.hstack(tiles))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--picture", default="", help="draw the loops on the reference head and both photos")
    args = parser.parse_args()
    astronaut = photo_mesh("astronaut")
    found = loops(astronaut)
    reference = mesh_geometry.topology()["reference"].copy()
    reference[:, :2] *= 1000.0  # the reference is in head units; any scale draws the same
    meshes = {"reference": reference, "astronaut": astronaut, "hopper": photo_mesh("hopper")}
    for key, loop in found.items():
        assert len(set(loop)) == len(loop) >= 8, key
        for name, mesh in meshes.items():
            print(f"{key}: {len(loop)} vertices; simple on {name}: {simple(mesh[loop, :2])}")
    path = os.path.join(FACE_MESH_FOLDER, "mesh_topology.json")
    with open(path) as f:
        topo = json.load(f)
    topo = {k: v for k, v in topo.items() if not k.startswith("loop")} | found
    topo["loops_about"] = (
        "loop_*: lid rims and outer lip as ordered vertex loops, found by tools/face_mesh/derive_loops.py on the "
        "mesh of the astronaut photo (upright; eyes and mouth open) as the cheapest cycles of the mesh's Delaunay "
        "graph round the eye openings and the mouth (see that tool's doc)"
    )
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(topo, f)
        f.write("\n")
    os.replace(tmp, path)
    if args.picture:
        draw(meshes, found, args.picture)
    print(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())

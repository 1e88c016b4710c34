"""The face outline from the face mesh (nodes/facedetect/mesh_regions.py) against truth, and its fallbacks.

Figures measured with tests/benchmarks/bench_mesh_regions.py (docs/occlusion.md); the bounds below keep a
margin under them. Truth for turned heads is known_motion.turned_head's: the photo's face mesh turned in
3D by a known yaw; its true silhouette is the pixels the turned triangles cover.
"""

import json

import numpy as np
import pytest
import region_truth as rt
from known_motion import _head
from shots import Actor, linear_motion, photo_plate, shot_graph
from test_sidecar_versions import mesh_track

from faceplate.actions.shot_tracking import track
from faceplate.foundation.files import sha256_of
from faceplate.nodes import layers
from faceplate.nodes.core import Graph, Node
from faceplate.nodes.face_regions import RegionSettings, face_regions
from faceplate.nodes.facedetect import mesh_geometry, sidecar
from faceplate.nodes.facedetect.mesh_regions import face_outline, placed_mesh
from faceplate.nodes.facedetect.tracks import TrackStore
from faceplate.nodes.faces import METADATA_KEY, Face, Faces
from faceplate.nodes.jawblend.node import JawBlend
from faceplate.nodes.occlusion.node import OcclusionMask


def true_turn(name: str, yaw: float) -> Face:
    """The photo's measured mesh turned by ``yaw`` exactly as known_motion.turned_head turns it, as a Face."""
    mesh, _ = _head(name)
    a = np.radians(yaw)
    c = mesh.mean(axis=0)
    d = mesh - c
    turned = np.c_[
        c[0] + d[:, 0] * np.cos(a) + d[:, 2] * np.sin(a), mesh[:, 1], c[2] - d[:, 0] * np.sin(a) + d[:, 2] * np.cos(a)
    ]
    return Face(1, "p", (0, 0, 1, 1), mesh_geometry.ibug68(turned), np.ones(68), mesh=turned)


@pytest.mark.parametrize("name", rt.PHOTOS)
def test_the_mesh_outline_follows_a_turned_head(name):
    """Given the true turned mesh, its silhouette outline keeps to the turned face (measured 0.974/0.977 at
    0 degrees, 0.951/0.961 at 60), where the jaw line of its 68 points cuts the far cheek (0.611/0.583)."""
    plate = photo_plate(name)
    shape = (plate.height, plate.width)
    for yaw, least in ((0.0, 0.95), (30.0, 0.93), (60.0, 0.90)):
        face = true_turn(name, yaw)
        truth, brow = rt.turned_truth(name, yaw, shape)
        below = slice(int(np.ceil(brow)), None)
        mesh = rt.iou(rt.mattes(face, shape, "face mesh")["face"][below], truth[below])
        landmarks = rt.iou(rt.mattes(face, shape, "landmarks")["face"][below], truth[below])
        print(f"{name} yaw {yaw:.0f}: IoU mesh outline {mesh:.3f}, 68 landmarks {landmarks:.3f}")
        assert mesh >= least
        assert mesh >= landmarks + (0.25 if yaw >= 60 else 0.005)


@pytest.mark.parametrize("name", rt.PHOTOS)
def test_detected_turned_faces_are_no_worse_with_the_mesh(name):
    """End to end (the mesh backend on the turned image): measured mesh 0.971/0.977, 0.797/0.745 and
    0.580/0.661 at 0, 30 and 60 degrees, each 0.01-0.025 above the 68 landmarks' outline."""
    for yaw, least in ((0.0, 0.95), (30.0, 0.70), (60.0, 0.52)):
        mesh = rt.turned_iou(name, yaw, "face mesh")
        landmarks = rt.turned_iou(name, yaw, "landmarks")
        print(f"{name} yaw {yaw:.0f}: IoU mesh {mesh:.3f}, landmarks {landmarks:.3f}")
        assert mesh >= least
        assert mesh >= landmarks


def test_the_mesh_outline_moves_with_the_face():
    """A rolled, scaled, shifted photo: the face matte found there against the upright one moved (measured
    0.992 and 0.978 over all moves, lowest 0.905 at 90 degrees, landmarks 0.994 and 0.982)."""
    for name in rt.PHOTOS:
        ious = rt.moved_ious(name, "face mesh")["face"]
        landmarks = rt.moved_ious(name, "landmarks")["face"]
        print(f"{name}: IoU {np.mean(ious):.3f} (min {min(ious):.3f}), landmarks {np.mean(landmarks):.3f}")
        assert np.mean(ious) >= 0.96 and min(ious) >= 0.88
        assert np.mean(ious) >= np.mean(landmarks) - 0.01


def hopper_face() -> Face:
    return rt.as_face(rt.upright("hopper"))


def test_faces_without_a_mesh_fall_back_to_the_landmarks():
    face = hopper_face()
    shape = (600, 512)
    bare = face.replace(mesh=None)
    assert face_outline(bare, rt.IDENTITY, RegionSettings()) is None
    assert face_outline(face, rt.IDENTITY, RegionSettings(regions_from="landmarks")) is None
    for region, matte in rt.mattes(bare, shape, "face mesh").items():
        np.testing.assert_array_equal(matte, rt.mattes(bare, shape, "landmarks")[region])
    # the mesh is used, and changes the face, eye and mouth mattes
    with_mesh = rt.mattes(face, shape, "face mesh")
    landmarks = rt.mattes(face, shape, "landmarks")
    assert rt.iou(with_mesh["face"], landmarks["face"]) < 0.97
    assert rt.iou(with_mesh["eyes"], landmarks["eyes"]) < 0.95 and rt.iou(with_mesh["mouth"], landmarks["mouth"]) < 0.95


def test_a_mesh_that_no_longer_fits_the_landmarks_is_not_used():
    """Landmarks edited after tracking (the jaw pulled in) no longer fit the mesh: the landmarks win."""
    face = hopper_face()
    assert placed_mesh(face, rt.IDENTITY) is not None
    points = face.landmarks.copy()
    size = 0.5 * (np.linalg.norm(points[16] - points[0]) + np.linalg.norm(points[27] - points[8]))
    inward = points[30] - points[0:17]
    points[0:17] += 0.25 * size * inward / np.linalg.norm(inward, axis=1, keepdims=True)  # a quarter face inward
    assert placed_mesh(face.replace(landmarks=points), rt.IDENTITY) is None
    # a stabilised (slightly moved) face keeps its mesh, placed on the moved landmarks
    shifted = face.replace(landmarks=face.landmarks + (3.0, -2.0))
    placed = placed_mesh(shifted, rt.IDENTITY)
    np.testing.assert_allclose(placed[:, :2], face.mesh[:, :2] + (3.0, -2.0), atol=1e-6)


def test_regions_from_the_mesh_are_in_the_face_box():
    """The outline lies on the face (inside the face's box grown by its forehead), in any pixel frame, and its
    loop positions run round the face."""
    face = hopper_face()
    settings = RegionSettings()
    outline = face_outline(face, rt.IDENTITY, settings)
    shifted = face_outline(face, np.array([[1.0, 0.0, -100.0], [0.0, 1.0, -50.0]]), settings)
    np.testing.assert_allclose(shifted.vertices, outline.vertices - (100.0, 50.0), atol=1e-6)
    x0, y0, x1, y1 = face.box
    w = x1 - x0
    v = outline.vertices
    assert v[:, 0].min() > x0 - 0.3 * w and v[:, 0].max() < x1 + 0.3 * w and v[:, 1].max() < y1 + 0.3 * w
    regions = face_regions(face.landmarks, settings, outline)
    params = regions["face"][0].params
    assert np.all(np.diff(params) >= 0) and params[0] < 1.0 and params[-1] > 25.0


@pytest.mark.parametrize("yaw", [-60.0, -45.0, 45.0, 60.0])
@pytest.mark.parametrize("face_region", ["extended", "hull"])
def test_strongly_turned_heads_keep_every_region(yaw, face_region):
    """At 45-60 degrees the landmarks' far jaw folds behind the nose; the outline's loop positions come from
    the mesh itself, so the jaw and hairline bands and the hull keep their parts of the face."""
    face = true_turn("hopper", yaw)
    settings = RegionSettings(face_region=face_region)
    regions = face_regions(face.landmarks, settings, face_outline(face, rt.IDENTITY, settings))
    for region in ("face", "jaw", "hairline"):
        (contour,) = regions[region]
        assert len(contour.vertices) >= 40, region
    shape = (600, 512)
    truth, brow = rt.turned_truth("hopper", yaw, shape)
    matte = rt.mattes(face, shape, "face mesh", face_region=face_region)["face"]
    below = slice(int(np.ceil(brow)), None)
    assert rt.iou(matte[below], truth[below]) > (0.9 if face_region == "extended" else 0.8)


def test_faces_carry_their_mesh_through_json_and_headers():
    face = hopper_face()
    faces = Faces(frame=1, faces=(face,))
    back = Faces.from_json(faces.to_json())
    np.testing.assert_array_equal(back.faces[0].mesh, face.mesh)
    header = Faces.from_json(faces.to_header())
    assert np.abs(header.faces[0].mesh - face.mesh).max() <= 0.05 + 1e-9
    old = json.loads(Faces(frame=1, faces=(face.replace(mesh=None),)).to_json())
    old["version"] = 1
    for f in old["faces"]:
        del f["mesh"]
    assert Faces.from_json(json.dumps(old)).faces[0].mesh is None


def test_the_track_store_carries_the_nearest_mesh_across_a_gap(tmp_path, rng):
    track = mesh_track(rng)  # frames 1-3, frame 2 without a mesh
    path = str(tmp_path / "tracks.json")
    sidecar.save(path, sidecar.to_json([track], header={"node": "FaceDetect1"}, identities={}))
    store = TrackStore("FaceDetect1", path, sha256_of(path), 0.5, "")
    meshes = {f: store.faces_at(f).faces[0].mesh for f in (1, 2, 3)}
    np.testing.assert_allclose(meshes[1], track.frames[1].mesh, atol=0.005)
    np.testing.assert_allclose(meshes[3], track.frames[3].mesh, atol=0.005)
    np.testing.assert_allclose(meshes[2], track.frames[1].mesh, atol=0.005)
    document = json.load(open(path))
    document["version"] = 1
    for frame in document["tracks"][0]["frames"].values():
        del frame["mesh"], frame["pose"]
    json.dump(document, open(path, "w"))
    old = TrackStore("FaceDetect1", path, sha256_of(path), 0.5, "")
    assert old.faces_at(1).faces[0].mesh is None


class PhotoFaces(Node):
    """The hopper photo carrying its detected face (with or without its mesh) as Faces."""

    type_name = "TestMeshRegionsPhoto"

    def __init__(self, name, face):
        super().__init__(name)
        self.face = face

    def hash_extra(self, frame):
        return [id(self), frame]

    def compute(self, context):
        return photo_plate("hopper").replace(metadata={METADATA_KEY: Faces(frame=context.frame, faces=(self.face,))})


@pytest.mark.parametrize("node_type", [OcclusionMask, JawBlend])
def test_nodes_draw_the_mesh_outline_and_fall_back_without_it(node_type):
    face = hopper_face()
    out = {}
    for label, f in (("mesh", face), ("bare", face.replace(mesh=None))):
        for source in ("face mesh", "landmarks"):
            graph = Graph(frame_range=(1, 1))
            src = graph.add(PhotoFaces("Photo", f))
            extra = {"model": ""} if node_type is OcclusionMask else {}
            node = graph.add(node_type("N", regions_from=source, face_region="extended", **extra))
            graph.connect(src, node)
            plate = graph.render(node, 1)
            eyes = plate.channel(layers.EYES) if node_type is OcclusionMask else None
            out[label, source] = (plate.channel(layers.FACE), graph.hash(node, 1), eyes)
    truth = rt.mattes(face, (600, 512), "face mesh")
    assert rt.iou(out["mesh", "face mesh"][0], truth["face"]) > 0.99  # the node draws what the geometry says
    assert rt.iou(out["mesh", "face mesh"][0], out["mesh", "landmarks"][0]) < 0.97
    np.testing.assert_array_equal(out["bare", "face mesh"][0], out["bare", "landmarks"][0])
    assert out["mesh", "face mesh"][1] != out["mesh", "landmarks"][1]  # the knob is in the hash
    if node_type is OcclusionMask:  # the eyes from the mesh's lid loops, the landmarks' without a mesh
        assert rt.iou(out["mesh", "face mesh"][2], truth["eyes"]) > 0.99
        assert rt.iou(out["mesh", "face mesh"][2], out["mesh", "landmarks"][2]) < 0.95
        np.testing.assert_array_equal(out["bare", "face mesh"][2], out["bare", "landmarks"][2])


def test_a_tracked_shot_uses_the_mesh_on_every_frame(tmp_path):
    """Stabilised landmarks stay close to the mesh's own 68 points (measured: RMS 0.4 % of the face size after
    the similarity, at strength 0.5 and 1), far inside MAX_RESIDUAL: the fallback is not silently taken."""
    frames = list(range(1, 13))
    graph = shot_graph(tmp_path, [Actor("hopper", linear_motion(250, 180, 390, 200, frames, scale=0.9))], frames)
    track(graph, "FaceDetect1", contact_sheets=False)
    for strength in (0.5, 1.0):
        store = TrackStore.of(graph["FaceDetect1"], 1)
        store = TrackStore(store.node, store.path, store.digest, strength, "")
        faces = [face for f in frames for face in store.faces_at(f)]
        assert len(faces) == len(frames)
        assert all(placed_mesh(face, rt.IDENTITY) is not None for face in faces)


def _simple(ring: np.ndarray) -> bool:
    """No two non-adjacent edges of the closed ring cross."""
    n = len(ring)

    def side(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    for i in range(n):
        for j in range(i + 2, n - (i == 0)):
            a, b, c, d = ring[i], ring[(i + 1) % n], ring[j], ring[(j + 1) % n]
            if side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0:
                return False
    return True


def test_the_mesh_lid_and_lip_loops_are_clean_closed_loops():
    """The loops in mesh_topology.json (tools/face_mesh/derive_loops.py): distinct vertices, one ring each,
    not self-intersecting on the reference head, on both photos and on hopper (held out) turned up to 60
    degrees; the two lid rims are each other's mirror image for most vertices."""
    topo = mesh_geometry.topology()
    keys = ("loop_right_eye", "loop_left_eye", "loop_outer_lips")
    meshes = [topo["reference"]] + [rt.upright(n).mesh for n in rt.PHOTOS]
    meshes += [true_turn("hopper", yaw).mesh for yaw in (30.0, 60.0)]
    for key in keys:
        loop = topo[key]
        assert len(loop) >= 12 and len(set(loop.tolist())) == len(loop), key
        for mesh in meshes:
            assert _simple(mesh[loop, :2]), key
    mirrored = set(topo["mirror"][topo["loop_right_eye"]].tolist())
    assert len(mirrored & set(topo["loop_left_eye"].tolist())) >= 0.75 * len(topo["loop_left_eye"])


def test_eye_and_mouth_regions_from_the_mesh_match_the_real_lids_and_lips_better():
    """Held-out hopper, turned 0, 30 and 60 degrees; truth: its lids and lips drawn by hand on the upright photo,
    carried by the known 3D turn (region_truth.feature_truth). Measured IoU mesh vs 68 landmarks: eyes 0.644 vs
    0.528 and 0.394 vs 0.327 at 0 and 30 degrees; mouth 0.766 vs 0.554, 0.680 vs 0.531, 0.362 vs 0.299 at 0, 30,
    60. At 60 degrees both sources lose the far eye behind the nose (0.002 and 0.008): not compared."""
    for yaw, eyes_margin, mouth_margin in ((0.0, 0.05, 0.1), (30.0, 0.03, 0.07), (60.0, None, 0.02)):
        mesh, landmarks = rt.feature_ious("hopper", yaw, "face mesh"), rt.feature_ious("hopper", yaw, "landmarks")
        print(f"hopper yaw {yaw:.0f}: mesh {mesh}, landmarks {landmarks}")
        if eyes_margin is not None:
            assert mesh["eyes"] >= landmarks["eyes"] + eyes_margin
        assert mesh["mouth"] >= landmarks["mouth"] + mouth_margin

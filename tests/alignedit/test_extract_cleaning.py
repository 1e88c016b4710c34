"""Face-set cleaning: interpolated, predicted, poorly fitted and occluded faces dropped (or kept and flagged with
keep_all), counts in the manifest, mattes cut by the occlusion; expression coverage and the train warning."""

import json
import os
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

from faceplate.actions.faceset_coverage import coverage_warnings, expression, expressions, missing_coverage
from faceplate.actions.faceset_extraction import QUALITY_ISSUES, ExtractOptions, extract
from faceplate.foundation import geometry
from faceplate.nodes.alignedit.node import AlignEdit
from faceplate.nodes.alignedit.template import MEAN_SHAPE
from faceplate.nodes.io import colour

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "facedetect"))
from shots import SPRITES, Actor, ShotSource

FRAMES = list(range(1001, 1015))
EMPTY = (1004,)  # no face: the tracker bridges it (interpolated)
OCCLUDED = (1009, 1010, 1011)  # a disc textured from a photo the occluder never trains on, over the mouth and cheek


def motion(frame):
    t = (frame - FRAMES[0]) / (len(FRAMES) - 1)
    return (280.0 + 60.0 * t, 180.0, 1.25, 4.0 * t)


ACTOR = Actor("astronaut", motion)


def disc(frame, size=(640, 360)):
    """``(rgb, alpha)`` of the occluder at ``frame``: a textured disc over the lower right of the face."""
    side = SPRITES["astronaut"][2]
    cx, cy = geometry.apply(ACTOR.frame_from_sprite(frame), np.array([[0.62 * side, 0.68 * side]]))[0]
    yy, xx = np.mgrid[0 : size[1], 0 : size[0]] + 0.5
    alpha = np.clip(0.28 * side * 1.25 - np.hypot(xx - cx, yy - cy) + 0.5, 0, 1).astype(np.float32)
    import skimage.data

    texture = cv2.resize(skimage.data.coffee(), size).astype(np.float32) / 255
    rgb = colour.convert(np.ascontiguousarray(texture), "sRGB Encoded Rec.709 (sRGB)", colour.WORKING_SPACE)
    return rgb.astype(np.float32), alpha


class OccludedShot(ShotSource):
    type_name = "TestOccludedShot"

    def compute(self, context):
        plate = super().compute(context)
        if context.frame not in OCCLUDED:
            return plate
        rgb, alpha = disc(context.frame)
        pixels = np.array(plate.pixels)
        pixels[..., :3] = pixels[..., :3] * (1 - alpha[..., None]) + rgb * alpha[..., None]
        return plate.replace(pixels=pixels)


@pytest.fixture(scope="module")
def shot(tmp_path_factory):
    from faceplate.actions.shot_tracking import track
    from faceplate.nodes.core import Graph
    from faceplate.nodes.facedetect.node import FaceDetect

    graph = Graph(root=tmp_path_factory.mktemp("shot"), frame_range=(FRAMES[0], FRAMES[-1]))
    source = graph.add(OccludedShot("Plate", [ACTOR], empty_frames=EMPTY))
    graph.connect(source, graph.add(FaceDetect("FaceDetect1", proxy_size=640)))
    align = graph.add(AlignEdit("AlignEdit1", size=128))
    graph.connect("FaceDetect1", align)
    track(graph, frames=FRAMES, contact_sheets=False)
    return graph


@pytest.fixture(scope="module")
def kept_all(shot, tmp_path_factory):
    return extract(shot, 1, str(tmp_path_factory.mktemp("sets") / "all"), options=ExtractOptions(keep_all=True))


def test_unfit_faces_are_dropped_by_default_and_counted(shot, kept_all, tmp_path):
    issues = {f["frame"]: f["issues"] for f in kept_all.faces}
    flags = {f["frame"]: f["flags"] for f in kept_all.faces}
    print(
        f"\nissues with keep_all: { {f: i for f, i in issues.items() if i} }; occlusion share per frame: "
        f"{ {f['frame']: f['occlusion'] for f in kept_all.faces} }"
    )
    assert sorted(issues) == FRAMES  # keep_all keeps every tracked frame
    assert "interpolated" in issues[EMPTY[0]]
    for frame in FRAMES:
        assert ("interpolated" in issues[frame]) == ("interpolated" in flags[frame])
        assert ("predicted" in issues[frame]) == ("outlier" in flags[frame])
        if not flags[frame] and frame not in OCCLUDED:
            assert not issues[frame], f"clean frame {frame} flagged {issues[frame]}"  # no good face thrown away
    for frame in OCCLUDED:
        assert "occluded" in issues[frame], f"occluded frame {frame} was not flagged"
    assert sum(1 for f in FRAMES if not flags[f] and f not in OCCLUDED) >= 4  # the shot has clean frames to judge
    assert kept_all.flagged == {k: sum(k in i for i in issues.values()) for k in QUALITY_ISSUES}

    result = extract(shot, 1, str(tmp_path / "clean"))
    kept = [f["frame"] for f in result.faces]
    assert kept == [f for f in FRAMES if not issues[f]]
    with open(result.manifest) as f:
        manifest = json.load(f)
    assert manifest["skipped"] == result.skipped
    assert sum(result.skipped[k] for k in QUALITY_ISSUES) == len(FRAMES) - len(kept)
    assert manifest["flagged"] == kept_all.flagged
    assert manifest["occlusion_model"] == "default" and all(not f["issues"] for f in manifest["faces"])


def test_mattes_cut_out_the_occluder(kept_all):
    """A kept occluded face's matte is the hull times (1 - occlusion): low over the disc, high elsewhere."""
    face = next(f for f in kept_all.faces if f["frame"] == OCCLUDED[1])
    matte = np.asarray(Image.open(os.path.join(kept_all.folder, face["matte"])), np.float32) / 255
    matte = matte if matte.ndim == 2 else matte[..., 0]
    _, alpha = disc(face["frame"])
    m = np.array(face["aligned_from_plate"])
    truth = cv2.warpAffine(alpha, geometry.opencv_matrix(m), matte.shape[::-1], flags=cv2.INTER_LINEAR)
    points = np.array(face["landmarks"])
    hull = np.zeros_like(matte)
    cv2.fillConvexPoly(hull, cv2.convexHull(points.astype(np.int32)), 1.0)
    inside = (hull > 0) & (truth > 0.9)
    outside = (hull > 0) & (cv2.dilate(truth, np.ones((9, 9))) < 0.01)
    print(
        f"\nmatte over the occluder {matte[inside].mean():.3f}, over the rest of the face {matte[outside].mean():.3f}"
    )
    assert inside.sum() > 100 and matte[inside].mean() < 0.25 and matte[outside].mean() > 0.85


def test_expression_coverage_plot_beside_the_pose_plot(kept_all):
    assert [os.path.basename(p) for p in kept_all.pictures] == [
        "contact_sheet.png",
        "pose_coverage.png",
        "expression_coverage.png",
    ]
    assert Image.open(kept_all.pictures[-1]).size[0] >= 800


def _face(points, frame):
    return {"landmarks": np.asarray(points).tolist(), "frame": frame, "pose": [0.0, 0.0, 0.0]}


def _open_mouth(points, amount):
    p = np.array(points, float)
    width = np.linalg.norm(p[54] - p[48])
    p[[56, 57, 58, 65, 66, 67]] += [0.0, amount * width]
    return p


def _smile(points, amount):
    p = np.array(points, float)
    width = np.linalg.norm(p[54] - p[48])
    p[[48, 54]] += [[-0.1 * amount * width, -amount * width], [0.1 * amount * width, -amount * width]]
    return p


def test_expression_measures_follow_the_landmarks():
    neutral = expression(MEAN_SHAPE * 200)
    assert neutral["mouth_open"] < 0.12 and neutral["eyes_closed"] < 0.2 and neutral["smile"] == pytest.approx(0)
    closed = np.array(MEAN_SHAPE * 200)
    closed[[65, 66, 67]] = closed[[63, 62, 61]]
    assert expression(closed)["mouth_open"] < 0.01
    assert expression(_open_mouth(MEAN_SHAPE * 200, 0.3))["mouth_open"] > neutral["mouth_open"] + 0.25
    assert expression(_smile(MEAN_SHAPE * 200, 0.15))["smile"] > neutral["smile"] + 0.12
    shut = np.array(MEAN_SHAPE * 200)
    shut[[37, 38, 43, 44]] = shut[[41, 40, 47, 46]]
    assert expression(shut)["eyes_closed"] > 0.9
    rotated = geometry.apply(geometry.similarity((100, 100), (300, 200), 1.7, 25.0), _smile(MEAN_SHAPE * 200, 0.15))
    assert expression(rotated)["smile"] == pytest.approx(expression(_smile(MEAN_SHAPE * 200, 0.15))["smile"], abs=1e-6)


def test_missing_coverage_names_the_frames(tmp_path):
    closed = [_face(MEAN_SHAPE * 200, 2001 + i) for i in range(6)]
    shot = [
        _face(
            _open_mouth(_smile(MEAN_SHAPE * 200, 0.15), 0.3) if 1003 <= 1001 + i <= 1005 else MEAN_SHAPE * 200, 1001 + i
        )
        for i in range(8)
    ]
    gaps = missing_coverage(expressions(shot), expressions(closed))
    assert {g.measure for g in gaps} == {"mouth_open", "smile"}
    assert all(g.frames == (1003, 1004, 1005) for g in gaps)
    assert "1003-1005" in gaps[0].describe()
    assert not missing_coverage(expressions(closed), expressions(shot))  # the shot's set covers the closed mouth

    for name, faces in (("A", shot), ("B", closed)):
        os.makedirs(tmp_path / name)
        with open(tmp_path / name / "manifest.json", "w") as f:
            json.dump({"format": "faceplate-faceset", "faces": faces}, f)
    warnings = coverage_warnings({"A": str(tmp_path / "A"), "B": str(tmp_path / "B")})
    assert len(warnings) == 1 and "identity B's face-set" in warnings[0] and "mouth open" in warnings[0]
    assert "1003-1005" in warnings[0]

"""Developer tool: draws the face mesh and its 68-point mapping on the demo's faces and on a face at
60 degrees of roll, for docs/images (faceplate's own environment)::

    python tools/face_mesh/draw_mesh.py [--out docs/images]

Small grey dots: the 468 mesh points. Coloured lines: the 68 iBUG points mapped from the mesh (jaw,
brows, nose, eyes, mouth). White crosses: dlib's 68 points on the same face, for comparison. The
label gives the mesh's head pose (yaw, pitch, roll) and the mean distance between the two 68-point
sets over the inter-ocular distance.
"""

from __future__ import annotations

import argparse
import os
import sys

import cv2
import numpy as np

from faceplate.actions.demo.photos import photo_linear, photo_srgb
from faceplate.foundation import geometry
from faceplate.foundation.drawing import put_text, write_png
from faceplate.nodes.facedetect.backends import get_backend
from faceplate.nodes.facedetect.detect import Detector
from faceplate.nodes.plate import Plate

GROUPS = {  # iBUG ranges and colours (RGB)
    "jaw": (range(0, 17), (255, 200, 0)),
    "brows": (range(17, 27), (255, 120, 0)),
    "nose": (range(27, 36), (0, 200, 255)),
    "eyes": (range(36, 48), (0, 255, 120)),
    "mouth": (range(48, 68), (255, 60, 160)),
}
# Polylines through the iBUG points: (first, last, closed).
LINES = (
    (0, 16, False),
    (17, 21, False),
    (22, 26, False),
    (27, 30, False),
    (31, 35, False),
    (36, 41, True),
    (42, 47, True),
    (48, 59, True),
    (60, 67, True),
)
SCALE = 2  # drawn at twice the photo's size, so the points are legible


def draw(srgb: np.ndarray, mesh_det, dlib_det) -> np.ndarray:
    canvas = cv2.resize(srgb, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_CUBIC)
    canvas = (canvas * 0.75).astype(np.uint8)  # dimmed: the drawing reads better

    def px(p):
        return tuple(int(round(v * SCALE)) for v in p)

    for x, y, _ in mesh_det.mesh:
        cv2.circle(canvas, px((x, y)), 1, (200, 200, 200), -1, cv2.LINE_AA)
    points = mesh_det.landmarks
    colour_of = {i: colour for idx, colour in GROUPS.values() for i in idx}
    for first, last, closed in LINES:
        chain = list(range(first, last + 1)) + ([first] if closed else [])
        for a, b in zip(chain, chain[1:]):
            cv2.line(canvas, px(points[a]), px(points[b]), colour_of[first], 2, cv2.LINE_AA)
    for i, p in enumerate(points):
        cv2.circle(canvas, px(p), 3, colour_of[i], -1, cv2.LINE_AA)
    if dlib_det is not None:
        for p in dlib_det.landmarks:
            cv2.drawMarker(canvas, px(p), (255, 255, 255), cv2.MARKER_CROSS, 7, 1, cv2.LINE_AA)
    return canvas


def panel(name: str, roll: float, mesh: Detector, dlib: Detector) -> np.ndarray:
    srgb = np.ascontiguousarray(photo_srgb(name))
    linear = np.ascontiguousarray(photo_linear(name))
    h, w = srgb.shape[:2]
    if roll:
        m = geometry.opencv_matrix(geometry.similarity((w / 2, h / 2), (w / 2, h / 2), 1.0, roll))
        srgb = cv2.warpAffine(srgb, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        linear = cv2.warpAffine(linear, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    plate = Plate(linear, ["R", "G", "B"])
    (m_det,) = mesh.find(plate)
    found = dlib.find(plate)
    d_det = found[0] if found else None
    canvas = draw(srgb, m_det, d_det)
    x0, y0 = (int(v * SCALE) for v in m_det.landmarks.min(0) - 70)
    x1, y1 = (int(v * SCALE) for v in m_det.landmarks.max(0) + 70)
    crop = np.ascontiguousarray(canvas[max(y0, 0) : y1, max(x0, 0) : x1])
    crop = cv2.resize(crop, (440, int(440 * crop.shape[0] / crop.shape[1])), interpolation=cv2.INTER_AREA)
    io = np.linalg.norm(d_det.landmarks[36:42].mean(0) - d_det.landmarks[42:48].mean(0)) if d_det else None
    gap = f"{np.linalg.norm(m_det.landmarks - d_det.landmarks, axis=1).mean() / io:.3f} IOD" if d_det else "dlib: none"
    yaw, pitch, r = m_det.pose
    put_text(
        crop,
        f"{name}, roll {roll:g}: pose {yaw:.0f}/{pitch:.0f}/{r:.0f}, mesh-dlib {gap}",
        (8, 20),
        0.45,
        (255, 255, 255),
        1,
    )
    return crop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "docs", "images"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    mesh = Detector(get_backend("mesh"), proxy_size=640)
    dlib = Detector(get_backend("dlib"), proxy_size=640)
    faces = [panel(n, 0.0, mesh, dlib) for n in ("astronaut", "hopper")]
    h = max(f.shape[0] for f in faces)
    faces = [np.pad(f, ((0, h - f.shape[0]), (0, 0), (0, 0))) for f in faces]
    print(write_png(os.path.join(args.out, "face_mesh_demo_faces.png"), np.hstack(faces)))
    rolled = [panel(n, -60.0, mesh, dlib) for n in ("astronaut", "hopper")]
    h = max(f.shape[0] for f in rolled)
    rolled = [np.pad(f, ((0, h - f.shape[0]), (0, 0), (0, 0))) for f in rolled]
    print(write_png(os.path.join(args.out, "face_mesh_roll60.png"), np.hstack(rolled)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

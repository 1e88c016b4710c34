"""Region mattes from the face mesh beside those from the 68 landmarks, against truth, in one run.

Both sources take the ``mesh`` backend's detections (tests/facedetect/region_truth.py says how):

- ``moved``: soft IoU of the extended face, eye and mouth mattes found on the photo moved by a known
  similarity (0, 30, 60, 90 degrees of roll, three scale/shift variants each) against the upright matte
  moved by the same transform; mean per roll;
- ``turned``: soft IoU, below the brows, of the face matte (extended and hull) found on the face turned in
  3D by a known yaw against the turned face's true silhouette, 0-60 degrees;
- ``features``: soft IoU of the eye and mouth mattes (no offset, no feather) found on the face turned in
  3D by 0, 30 and 60 degrees against the photo's lids and lips drawn by hand, carried by the same turn
  (region_truth.feature_truth); the astronaut smiles with her teeth showing (an open mouth);
- ``time``: the mesh outline's cost per face (median of repeats) beside the landmark regions' own.

Hopper was kept aside while the outline was built; both photos are printed apart.

    python tests/benchmarks/bench_mesh_regions.py [--pictures docs/images]

``--pictures`` draws docs/images/mesh_regions_faces.png (both photos) and mesh_regions_turned.png
(hopper turned 0, 30, 60 degrees: detected, top; the true turned mesh, bottom): the face outline, eyes
and mouth from the 68 landmarks (red) and from the mesh (green); the true silhouette in white; and
mesh_features_truth.png (both photos turned 0, 30, 60 degrees, detected): eyes and mouth from the 68
landmarks (red) and the mesh (green), no offset, against the hand-drawn lids and lips carried by the turn
(white).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "facedetect"))

import feature_contours
import region_truth as rt
from known_motion import ROLLS, turned_head
from shots import photo_plate
from test_mesh_regions import true_turn

from faceplate.nodes.face_regions import RegionSettings, face_regions
from faceplate.nodes.facedetect.mesh_regions import face_outline

COLOURS = {"landmarks": (40, 40, 230), "face mesh": (40, 220, 40)}  # BGR


def _draw(image: np.ndarray, face, zoom: int, regions=("face", "eyes", "mouth"), knobs=None) -> None:
    for source, colour in COLOURS.items():
        settings = RegionSettings(regions_from=source, **(knobs or {}))
        contours = face_regions(face.landmarks, settings, face_outline(face, rt.IDENTITY, settings))
        for region in regions:
            for c in contours[region]:
                points = np.round((c.vertices * zoom - 0.5) * 16).astype(np.int32)
                cv2.polylines(image, [points], True, colour, 1, cv2.LINE_AA, 4)


def _tile(plate, faces, zoom: int = 2, truth: np.ndarray | None = None, crop=None) -> np.ndarray:
    """The plate in sRGB, zoomed, with each face's regions from both sources (and a truth outline)."""
    rgb = np.clip(plate.pixels[:, :, :3], 0.0, 1.0)
    rgb = np.where(rgb <= 0.0031308, 12.92 * rgb, 1.055 * rgb ** (1 / 2.4) - 0.055)
    image = np.ascontiguousarray((rgb[:, :, ::-1] * 255).astype(np.uint8))
    image = cv2.resize(image, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
    if truth is not None:
        big = cv2.resize(truth, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_NEAREST)
        contours, _ = cv2.findContours((big > 0.5).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(image, contours, -1, (255, 255, 255), 1, cv2.LINE_AA)
    for face in faces:
        _draw(image, face, zoom)
    if crop is not None:
        x0, y0, x1, y1 = (int(v * zoom) for v in crop)
        image = image[y0:y1, x0:x1]
    return image


def pictures(folder: str) -> None:
    from faceplate.foundation.drawing import write_png

    tiles = []
    for name, crop in (("astronaut", (150, 40, 320, 250)), ("hopper", (130, 90, 390, 410))):
        tile = _tile(photo_plate(name), [rt.as_face(rt.upright(name))], crop=crop)
        tiles.append(cv2.resize(tile, (int(tile.shape[1] * 320 / tile.shape[0]), 320), interpolation=cv2.INTER_AREA))
    write_png(os.path.join(folder, "mesh_regions_faces.png"), np.hstack(tiles)[:, :, ::-1])
    rows = []
    crop = (110, 80, 410, 420)
    for detected in (True, False):
        row = []
        for yaw in (0.0, 30.0, 60.0):
            plate, _ = turned_head("hopper", yaw)
            truth, _ = rt.turned_truth("hopper", yaw, (plate.height, plate.width))
            face = rt.as_face(rt.turned_detection("hopper", yaw)[1]) if detected else true_turn("hopper", yaw)
            row.append(_tile(plate, [face], zoom=1, truth=truth, crop=crop))
        rows.append(np.hstack(row))
    sheet = cv2.resize(np.vstack(rows), None, fx=0.75, fy=0.75, interpolation=cv2.INTER_AREA)
    write_png(os.path.join(folder, "mesh_regions_turned.png"), sheet[:, :, ::-1])
    write_png(os.path.join(folder, "mesh_features_truth.png"), feature_sheet()[:, :, ::-1])


def feature_sheet() -> np.ndarray:
    """Both photos turned 0, 30, 60 degrees: eyes and mouth from both sources and the truth, zoomed in."""
    from faceplate.nodes.face_regions import catmull_rom

    rows = []
    for name, crop in (("astronaut", (180, 80, 270, 170)), ("hopper", (200, 160, 340, 300))):
        row = []
        for yaw in rt.FEATURE_YAWS:
            plate, found = rt.turned_detection(name, yaw)
            _, move = turned_head(name, yaw)
            zoom = 4
            image = _tile(plate, [], zoom=zoom)
            for region in feature_contours.REGIONS:
                for contour in feature_contours.contours(name, region):
                    ring, _ = move(catmull_rom(contour, 8, closed=True)[0])
                    points = np.round((ring * zoom - 0.5) * 16).astype(np.int32)
                    cv2.polylines(image, [points], True, (255, 255, 255), 1, cv2.LINE_AA, 4)
            _draw(image, rt.as_face(found), zoom, ("eyes", "mouth"), rt.FEATURE_KNOBS)
            x0, y0, x1, y1 = (int(v * zoom) for v in crop)
            row.append(cv2.resize(image[y0:y1, x0:x1], (260, 260), interpolation=cv2.INTER_AREA))
        rows.append(np.hstack(row))
    return np.vstack(rows)


def features() -> None:
    """IoU of eyes and mouth against the hand-drawn truth, turned 0, 30, 60 degrees."""
    for name in rt.PHOTOS:
        print(f"{name}: features (IoU against the hand-drawn lids and lips, turned)")
        for source in rt.sources():
            ious = {yaw: rt.feature_ious(name, yaw, source) for yaw in rt.FEATURE_YAWS}
            for region in ("eyes", "mouth"):
                cells = "  ".join(f"{y:>3.0f}: {ious[y][region]:.3f}" for y in rt.FEATURE_YAWS)
                print(f"  {source:<10} {region:<6} {cells}")


def timing() -> None:
    """Median cost of one face's contours: landmarks, mesh outline computed afresh, mesh outline kept."""
    from faceplate.nodes.facedetect import mesh_regions

    face = rt.as_face(rt.upright("hopper"))
    for label, source, fresh in (
        ("landmarks", "landmarks", True),
        ("face mesh", "face mesh", True),
        ("face mesh, kept", "face mesh", False),
    ):
        settings = RegionSettings(regions_from=source)
        times = []
        for _ in range(15):
            if fresh:
                mesh_regions._outline.cache_clear()
            t = time.perf_counter()
            face_regions(face.landmarks, settings, face_outline(face, rt.IDENTITY, settings))
            times.append(time.perf_counter() - t)
        print(f"time {label:<16} {1e3 * statistics.median(times):.1f} ms per face (contours only)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pictures", help="write the pictures into this folder and stop")
    parser.add_argument("--time", action="store_true", help="only the timing")
    args = parser.parse_args()
    if args.time:
        print(f"load average {os.getloadavg()[0]:.2f}")
        timing()
        return
    if args.pictures:
        pictures(args.pictures)
        return
    print(f"load average {os.getloadavg()[0]:.2f}")
    n = len(rt.VARIANTS)
    for name in rt.PHOTOS:
        print(f"\n{name}: moved (IoU against the upright matte moved; mean per roll)")
        for source in rt.sources():
            ious = rt.moved_ious(name, source)
            for region, values in ious.items():
                per_roll = [np.mean(values[i * n : (i + 1) * n]) for i in range(len(ROLLS))]
                cells = "  ".join(f"{r:>3.0f}: {v:.3f}" for r, v in zip(ROLLS, per_roll))
                print(f"  {source:<10} {region:<6} {cells}   mean {np.mean(values):.3f}")
        print(f"{name}: turned (IoU against the true silhouette, below the brows)")
        for face_region in ("extended", "hull"):
            for source in rt.sources():
                cells = "  ".join(f"{y:>3.0f}: {rt.turned_iou(name, y, source, face_region):.3f}" for y in rt.YAWS)
                print(f"  {source:<10} {face_region:<8} {cells}")
    features()
    timing()
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

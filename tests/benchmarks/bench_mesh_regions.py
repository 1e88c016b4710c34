"""Region mattes from the face mesh beside those from the 68 landmarks, against truth, in one run.

Both sources take the ``mesh`` backend's detections (tests/facedetect/region_truth.py says how):

- ``moved``: soft IoU of the extended face, eye and mouth mattes found on the photo moved by a known
  similarity (0, 30, 60, 90 degrees of roll, three scale/shift variants each) against the upright matte
  moved by the same transform; mean per roll;
- ``turned``: soft IoU, below the brows, of the face matte (extended and hull) found on the face turned in
  3D by a known yaw against the turned face's true silhouette, 0-60 degrees;
- ``time``: the mesh outline's cost per face (median of repeats) beside the landmark regions' own.

Hopper was kept aside while the outline was built; both photos are printed apart.

    python tests/benchmarks/bench_mesh_regions.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "facedetect"))

import region_truth as rt
from known_motion import ROLLS
from shots import photo_plate

from faceplate.nodes.face_regions import RegionSettings, face_regions
from faceplate.nodes.facedetect.mesh_regions import face_outline


def main() -> None:
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
    face = rt.as_face(rt.detector().find(photo_plate("hopper"))[0])
    for source in rt.sources():
        settings = RegionSettings(regions_from=source)
        times = []
        for _ in range(15):
            t = time.perf_counter()
            face_regions(face.landmarks, settings, face_outline(face, rt.IDENTITY, settings))
            times.append(time.perf_counter() - t)
        print(f"time {source:<10} {1e3 * statistics.median(times):.1f} ms per face (contours only)")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""AlignEdit: crop jitter against known motion, and aligned-crop throughput against OpenCV.

Measured in one run:

- **crop jitter**: a synthetic shot (the astronaut photo moving with a known pan, push-in and turn,
  sensor noise) is tracked; each track's ``aligned_from_plate`` is computed from the raw per-frame
  landmarks (FaceDetect ``strength`` 0, AlignEdit ``smoothing`` 0) and from the defaults (stabilised
  landmarks, then smoothed parameters). Jitter is the RMS frame-to-frame movement of the crop's
  corners in the actor's own coordinates (the crop mapped back through the known motion, so a
  perfect crop does not move), in aligned pixels of a 256 crop. Lag is how many frames the
  stabilised crop's centre trails the raw one along the motion (least squares; + = behind).
- **crop throughput**: AlignEdit's crop (:func:`~faceplate.nodes.alignedit.align.warp_crop`: the
  footprint only, with its anti-alias pre-blur when the crop shrinks the face; bicubic) at 256 and 512
  from a 1920x1080 RGBA float32 plate with a ~440 px face, beside ``cv2.warpAffine`` (INTER_CUBIC) of
  the same crop from the same plate, and the native warp alone (same call on the whole plate, no pre-blur), each
  ``--repeats`` times interleaved (medians reported); plus the per-frame cost of the transform itself
  (fit, smoothing over the track, edits).

Timings on a shared machine are noisy: the load average is printed before and after. rows() follows
the protocol in benchtable.py; quick: 10 repeats.

    python tests/benchmarks/bench_align.py [--frames 48] [--repeats 40] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "facedetect"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "alignedit"))

from align_shots import crop_jitter, tracked_shot
from benchtable import print_table, row
from shots import Actor, render

from faceplate.foundation import geometry
from faceplate.foundation.imaging import warp_affine
from faceplate.nodes.alignedit.align import AlignSettings, aligned_from_plate, warp_crop
from faceplate.nodes.alignedit.template import MEAN_SHAPE


def shot_motion(frames: list[int]):
    first, n = frames[0], len(frames)

    def motion(frame):
        t = (frame - first) / (n - 1)
        return (250.0 + 140.0 * t, 175.0 + 10.0 * np.sin(3.0 * t), 1.0 + 0.15 * t, 8.0 * t)

    return motion


def jitter(frames: list[int]) -> dict:
    motion = shot_motion(frames)
    with tempfile.TemporaryDirectory() as folder:
        graph = tracked_shot(Path(folder), frames, motion)
        node, detect = graph["AlignEdit1"], graph["FaceDetect1"]
        stable = node.track_transforms(1)
        node["smoothing"], detect["strength"] = 0.0, 0.0
        raw = node.track_transforms(1)
    actor = Actor("astronaut", motion)
    raw_px, raw_tracks = crop_jitter(raw, actor, 256)
    stable_px, stable_tracks = crop_jitter(stable, actor, 256)
    centre = lambda ms: np.array([geometry.apply(geometry.invert(ms[f]), [[128, 128]])[0] for f in sorted(ms)])  # noqa: E731
    raw_c, stable_c = centre(raw), centre(stable)
    velocity = np.gradient(stable_c, axis=0)
    lag = float(-np.sum((stable_c - raw_c) * velocity) / np.sum(velocity * velocity))
    return {
        "frames": len(frames),
        "size": 256,
        "raw_px": raw_px,
        "stabilised_px": stable_px,
        "ratio": raw_px / stable_px,
        "lag_frames": lag,
        "offset_px": float(np.abs((stable_tracks - raw_tracks).mean(axis=(0, 1))).max()),
        "plate_motion_px_per_frame": float(np.median(np.linalg.norm(velocity, axis=1))),
    }


def timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def throughput(repeats: int) -> dict:
    size = (1920, 1080)
    actor = Actor("astronaut", lambda f: (900.0, 520.0, 2.6, 7.0))
    plate = np.ascontiguousarray(render([actor], 1001, size=size).pixels)
    # Landmarks of the template placed on the face (the transform is all throughput depends on).
    landmarks = geometry.apply(geometry.similarity((0.5, 0.6), (900.0, 540.0), 440.0, -7.0), MEAN_SHAPE)
    track = {f: landmarks + np.random.default_rng(f).normal(0, 0.5, landmarks.shape) for f in range(1001, 1050)}
    out = {"plate": f"{size[0]}x{size[1]} RGBA float32", "face_px": float(np.ptp(landmarks[:, 0]))}
    settings = AlignSettings()
    out["transform_ms"] = 1000 * statistics.median(timed(lambda: aligned_from_plate(track, 1025, settings), repeats))
    for crop in (256, 512):
        m = aligned_from_plate(track, 1025, AlignSettings(size=crop))
        ocv = geometry.opencv_matrix(m)

        def alignedit():
            return warp_crop(plate, m, crop, "bicubic")

        def opencv():
            return cv2.warpAffine(plate, ocv, (crop, crop), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT)

        def native():
            return warp_affine(plate, m, size=(crop, crop), filter="bicubic", border="constant")

        runs = {"alignedit": [], "opencv": [], "native_warp": []}
        for _ in range(repeats):  # interleaved, so load changes hit all three alike
            for name, fn in (("alignedit", alignedit), ("opencv", opencv), ("native_warp", native)):
                runs[name] += timed(fn, 1)
        ms = {k: 1000 * statistics.median(v) for k, v in runs.items()}
        out[str(crop)] = {
            "scale": float(np.sqrt(abs(np.linalg.det(m[:, :2])))),
            **{f"{k}_ms": v for k, v in ms.items()},
            "alignedit_over_opencv": ms["alignedit"] / ms["opencv"],
            "native_over_opencv": ms["native_warp"] / ms["opencv"],
        }
    return out


def figure_rows(j: dict, s: dict, repeats: int) -> list[dict]:
    """Protocol rows (benchtable.py) of the jitter and throughput figures."""
    out = [
        row(
            f"AlignEdit crop jitter, {j['size']} px crop, stabilised",
            j["stabilised_px"],
            "px/frame",
            "raw landmarks",
            j["raw_px"],
            higher_is_better=False,
            goal="ratio >= 3",
            note=f"{j['frames']} frames, face moving {j['plate_motion_px_per_frame']:.1f} plate px/frame; lag "
            f"{j['lag_frames']:+.3f} frames (mean offset from raw {j['offset_px']:.3f} px)",
        )
    ]
    for crop in ("256", "512"):
        r = s[crop]
        note = (
            f"from a {s['plate']} plate (face ~{s['face_px']:.0f} px), scale {r['scale']:.2f}, median of {repeats}"
            + (f"; transform (fit + smoothing + edits) {s['transform_ms']:.2f} ms/face" if crop == "256" else "")
        )
        out.append(
            row(
                f"AlignEdit crop {crop} bicubic",
                r["alignedit_ms"],
                "ms",
                "cv2.warpAffine INTER_CUBIC",
                r["opencv_ms"],
                higher_is_better=False,
                note=note,
            )
        )
        out.append(
            row(
                f"native warp_affine crop {crop} bicubic",
                r["native_warp_ms"],
                "ms",
                "cv2.warpAffine INTER_CUBIC",
                r["opencv_ms"],
                higher_is_better=False,
                note="the same crop, no anti-alias pre-blur",
            )
        )
    return out


def rows(quick: bool = False, frames: int | None = None, repeats: int | None = None) -> list[dict]:
    frames = frames or 48  # fewer frames move the face faster: a different figure
    repeats = repeats or (10 if quick else 40)
    cv2.setNumThreads(os.cpu_count() or 1)
    return figure_rows(jitter(list(range(1001, 1001 + frames))), throughput(repeats), repeats)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    cv2.setNumThreads(os.cpu_count() or 1)
    load_before = os.getloadavg()
    stability = jitter(list(range(1001, 1001 + args.frames)))
    speed = throughput(args.repeats)
    load_after = os.getloadavg()
    results = figure_rows(stability, speed, args.repeats)
    if args.json:
        print(
            json.dumps(
                {
                    "load_before": load_before,
                    "load_after": load_after,
                    "cores": os.cpu_count(),
                    "jitter": stability,
                    "throughput": speed,
                    "rows": results,
                },
                indent=2,
            )
        )
        return 0
    print_table(
        results,
        f"{os.cpu_count()} cores; load average before {load_before[0]:.2f} {load_before[1]:.2f} "
        f"{load_before[2]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Mattes and blending in faceplate._native against the OpenCV code a compositor would write instead.

Each row times ours and the reference in the same run, interleaved, at the same thread count
(faceplate.set_thread_count and cv2.setNumThreads), and prints medians and reference / ours
(> 1: ours is faster; rows() follows the protocol in benchtable.py):
  - polygon_matte: a 68-landmark face hull with a 40 px feather in a 3840x2160 matte, against
    cv2.fillPoly (anti-aliased) + cv2.GaussianBlur over the full frame;
  - multiband_blend of a 1024x1024 RGB region, 6 levels, against a cv2.pyrDown/pyrUp blend;
  - erode_dilate by 3.5 px against cv2.erode with a 7x7 ellipse, blur against cv2.GaussianBlur
    (both on the 4K face matte) and a 1024x1024 RGB box blur against cv2.blur.

    python tests/benchmarks/bench_mattes.py [--repeat 5] [--threads N] [--json]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from benchtable import compare, emit

from faceplate import _native
from faceplate.foundation.imaging.blend import multiband_blend
from faceplate.foundation.imaging.matte import blur, erode_dilate, polygon_matte

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "native"))
from matte_reference import pyramid_blend

WIDTH, HEIGHT = 3840, 2160


def face_hull() -> np.ndarray:
    """Convex hull of 68 landmark-like points of a face about 900 x 1200 px in the 4K frame."""
    rng = np.random.default_rng(4)
    t = np.linspace(0, 2 * np.pi, 68, endpoint=False)
    pts = np.stack([1920 + 450 * np.cos(t), 1080 + 600 * np.sin(t)], 1) + rng.normal(0, 30, (68, 2))
    return cv2.convexHull(pts.astype(np.float32))[:, 0].astype(np.float64)


def cases():
    hull = face_hull()
    matte = polygon_matte(hull, (WIDTH, HEIGHT))

    def cv_feathered():
        m = np.zeros((HEIGHT, WIDTH), np.float32)
        cv2.fillPoly(m, [np.round(hull * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
        return cv2.GaussianBlur(m, (81, 81), 40 / 3.0)

    rng = np.random.default_rng(0)
    a = rng.random((1024, 1024, 3), dtype=np.float32)
    b = rng.random((1024, 1024, 3), dtype=np.float32)
    m = np.zeros((1024, 1024), np.float32)
    cv2.circle(m, (512, 512), 340, 1.0, -1)
    m = cv2.GaussianBlur(m, (0, 0), 8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    return [
        (
            "polygon_matte 4K, 40 px feather",
            lambda: polygon_matte(hull, (WIDTH, HEIGHT), inner=20.0, outer=20.0),
            "fillPoly AA + GaussianBlur 4K",
            cv_feathered,
        ),
        (
            "multiband_blend 1024^2 RGB, 6 levels",
            lambda: multiband_blend(a, b, m, 6),
            "cv2 pyrDown/pyrUp blend",
            lambda: pyramid_blend(a, b, m, 6),
        ),
        (
            "erode_dilate 4K matte, 3.5 px",
            lambda: erode_dilate(matte, 3.5),
            "cv2.erode 7x7 ellipse",
            lambda: cv2.erode(matte, kernel),
        ),
        (
            "blur gaussian 4K matte, r=20",
            lambda: blur(matte, 20.0),
            "cv2.GaussianBlur 41x41",
            lambda: cv2.GaussianBlur(matte, (41, 41), 20 / 3.0, borderType=cv2.BORDER_REPLICATE),
        ),
        (
            "blur box 1024^2 RGB, r=10",
            lambda: blur(a, 10.0, kind="box"),
            "cv2.blur 21x21",
            lambda: cv2.blur(a, (21, 21), borderType=cv2.BORDER_REPLICATE),
        ),
    ]


def rows(quick: bool = False, repeat: int | None = None, threads: int = 0) -> list[dict]:
    """Protocol rows (benchtable.py): medians of ``repeat`` runs (3 when quick, 5 otherwise); ``threads``
    0 is faceplate's default (FACEPLATE_THREADS or all cores), OpenCV set to the same count."""
    repeat = repeat or (3 if quick else 5)
    _native.set_thread_count(threads)
    threads = _native.thread_count()
    cv2.setNumThreads(threads)
    note = f"{threads} threads, median of {repeat}"
    return [compare(name, ours, ref_name, ref, repeat, note=note) for name, ours, ref_name, ref in cases()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--threads", type=int, default=0, help="0: faceplate's default (FACEPLATE_THREADS or all cores)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = rows(repeat=args.repeat, threads=args.threads)
    emit(results, args.json, f"threads {_native.thread_count()}, median ms of {args.repeat}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

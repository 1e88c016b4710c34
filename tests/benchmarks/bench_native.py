"""Benchmark of the native kernels against the references a pipeline would otherwise use.

    python tests/benchmarks/bench_native.py [--json] [--repeat N] [--threads N]

Each figure is the median over --repeat runs (after one warm-up, ours and the reference interleaved);
each row's reference runs in the same process with the same thread count (OpenCV's and ours), so the
ratio (reference / ours, > 1: ours is faster) is the figure to read. Add a row by appending a Case to
the list that cases() returns. With torch and a CUDA device, the CUDA twins are timed against the CPU
path as well. rows() follows the protocol in benchtable.py.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from benchtable import compare, cuda_sync, emit

from faceplate import _native
from faceplate.foundation.imaging import paste_back, warp_affine

UHD = (3840, 2160)


@dataclass
class Case:
    name: str
    ours: Callable[[], object]
    reference: Callable[[], object]
    reference_name: str
    goal: str | None = None  # what the row must show, for the reader


def to_opencv(dst_from_src: np.ndarray) -> np.ndarray:
    """Our 2x3 (pixel centres at +0.5) as OpenCV's (centres at integers)."""
    m = np.vstack([dst_from_src, [0, 0, 1]])
    shift = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1.0]])
    return (shift @ m @ np.linalg.inv(shift))[:2]


def rotation(angle_deg: float, scale: float, centre: tuple[float, float], to: tuple[float, float]) -> np.ndarray:
    """2x3 dst_from_src: rotate and scale about source point centre, landing on destination point to."""
    a = np.deg2rad(angle_deg)
    r = scale * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return np.hstack([r, (np.asarray(to) - r @ np.asarray(centre))[:, None]])


def warp_cases(rng: np.random.Generator) -> list[Case]:
    w, h = UHD
    src = rng.random((h, w, 4), dtype=np.float32)
    out = np.empty_like(src)
    m = rotation(5.0, 1.05, (w / 2, h / 2), (w / 2 + 40, h / 2 - 30))
    m_cv = to_opencv(m)
    ours = lambda: warp_affine(src, m, out=out, filter="bilinear")  # noqa: E731
    return [
        Case(
            "warp_affine bilinear UHD RGBA f32",
            ours,
            lambda: cv2.warpAffine(src, m_cv, UHD, dst=out, flags=cv2.INTER_LINEAR),
            "cv2.warpAffine",
            "ratio >= 1",
        ),
        Case(
            "warp_affine bilinear UHD RGBA f32", ours, lambda: np.copyto(out, src), "np.copyto (floor)", "ratio >= 0.4"
        ),
        Case(
            "warp_affine bicubic UHD RGBA f32",
            lambda: warp_affine(src, m, out=out, filter="bicubic"),
            lambda: cv2.warpAffine(src, m_cv, UHD, dst=out, flags=cv2.INTER_CUBIC),
            "cv2.warpAffine (a=-0.75)",
        ),
    ]


def paste_case(rng: np.random.Generator):
    """A 1024x1024 aligned face crop of a face about 700 px tall, back into a UHD RGBA plate."""
    w, h = UHD
    plate = rng.random((h, w, 4), dtype=np.float32)
    face = rng.random((1024, 1024, 3), dtype=np.float32)
    yy, xx = np.mgrid[0:1024, 0:1024]
    matte = np.clip(3 * (1 - np.hypot(xx - 511.5, yy - 511.5) / 512), 0, 1).astype(np.float32)
    plate_from_aligned = rotation(8.0, 0.7, (512, 512), (1900, 900))
    aligned_from_plate = np.linalg.inv(np.vstack([plate_from_aligned, [0, 0, 1]]))
    return plate, face, matte, plate_from_aligned, aligned_from_plate


def paste_cases(rng: np.random.Generator) -> list[Case]:
    plate, face, matte, plate_from_aligned, aligned_from_plate = paste_case(rng)
    m_cv = to_opencv(plate_from_aligned)

    def usual_pipeline():
        warped = cv2.warpAffine(face, m_cv, UHD, flags=cv2.INTER_LINEAR)
        alpha = cv2.warpAffine(matte, m_cv, UHD, flags=cv2.INTER_LINEAR)[..., None]
        plate[..., :3] = warped * alpha + plate[..., :3] * (1 - alpha)

    return [
        Case(
            "paste_back 1024² face into UHD plate",
            lambda: paste_back(plate, face, matte, aligned_from_plate),
            usual_pipeline,
            "2x full-frame cv2.warpAffine + numpy blend",
            "ratio >= 20",
        ),
    ]


def cases(rng: np.random.Generator) -> list[Case]:
    return warp_cases(rng) + paste_cases(rng)


def cuda_cases(rng: np.random.Generator) -> list[Case]:
    """CUDA twins against the CPU path (same call, numpy in and out)."""
    try:
        import torch
    except ImportError:
        return []
    if not (torch.cuda.is_available() and _native.cuda_available()):
        return []
    w, h = UHD
    src = rng.random((h, w, 4), dtype=np.float32)
    out = np.empty_like(src)
    m = rotation(5.0, 1.05, (w / 2, h / 2), (w / 2 + 40, h / 2 - 30))
    src_d, out_d = torch.from_numpy(src).cuda(), torch.empty(h, w, 4, device="cuda")
    plate, face, matte, _, aligned_from_plate = paste_case(rng)
    plate_d, face_d, matte_d = (torch.from_numpy(a).cuda() for a in (plate, face, matte))
    return [
        Case(
            "CUDA warp_affine bilinear UHD RGBA f32",
            lambda: warp_affine(src_d, m, out=out_d),
            lambda: warp_affine(src, m, out=out),
            "CPU warp_affine",
        ),
        Case(
            "CUDA warp_affine bicubic UHD RGBA f32",
            lambda: warp_affine(src_d, m, out=out_d, filter="bicubic"),
            lambda: warp_affine(src, m, out=out, filter="bicubic"),
            "CPU warp_affine",
        ),
        Case(
            "CUDA paste_back 1024² face into UHD",
            lambda: paste_back(plate_d, face_d, matte_d, aligned_from_plate),
            lambda: paste_back(plate, face, matte, aligned_from_plate),
            "CPU paste_back",
        ),
    ]


def rows(quick: bool = False, repeat: int | None = None, threads: int | None = None) -> list[dict]:
    """Protocol rows (benchtable.py): medians of --repeat runs (3 when quick, 7 otherwise) at ``threads``
    CPU threads for ours and OpenCV alike (default: min(2, cores), the figure the issues quote)."""
    threads = threads or min(2, os.cpu_count() or 1)
    repeat = repeat or (3 if quick else 7)
    cv2.setNumThreads(threads)
    _native.set_thread_count(threads)
    rng = np.random.default_rng(0)
    note = f"{threads} threads, median of {repeat}"
    return [
        compare(c.name, c.ours, c.reference_name, c.reference, repeat, goal=c.goal, note=note, sync=cuda_sync)
        for c in cases(rng) + cuda_cases(rng)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per figure (median); default 7")
    parser.add_argument(
        "--threads", type=int, default=min(2, os.cpu_count() or 1), help="CPU threads for ours and OpenCV"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    results = rows(repeat=args.repeat, threads=args.threads)
    emit(
        results,
        args.json,
        f"threads={args.threads} repeat={args.repeat} (median ms)",
        threads=args.threads,
        repeat=args.repeat,
        cuda=_native.cuda_available(),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

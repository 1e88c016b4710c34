"""CUDA twins of the matte and blend kernels against the CPU kernels, at the sizes of bench_mattes.py.

Each row times the CUDA twin on device arrays (torch) against the same call on numpy at faceplate's
CPU thread count, in the same run, interleaved (medians; ratio = CPU / CUDA, > 1: the twin is faster).
Needs a CUDA build, a device and PyTorch with CUDA; rows() raises benchtable.Skip otherwise.

    python tests/benchmarks/bench_mattes_cuda.py [--repeat 10] [--json]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from benchtable import Skip, compare, cuda_sync, emit, require_cuda

WIDTH, HEIGHT = 3840, 2160


def rows(quick: bool = False, repeat: int | None = None) -> list[dict]:
    require_cuda()
    import torch

    from faceplate import _native
    from faceplate.foundation.imaging.blend import multiband_blend
    from faceplate.foundation.imaging.matte import blur, erode_dilate, polygon_matte

    repeat = repeat or (3 if quick else 10)
    th = np.linspace(0, 2 * np.pi, 68, endpoint=False)
    hull = np.stack([1920 + 450 * np.cos(th), 1080 + 600 * np.sin(th)], 1)
    matte = polygon_matte(hull, (WIDTH, HEIGHT), inner=20.0, outer=20.0)
    matte_d, out_d = torch.from_numpy(matte).cuda(), torch.zeros((HEIGHT, WIDTH), device="cuda")
    rng = np.random.default_rng(0)
    a, b = (rng.random((1024, 1024, 3), dtype=np.float32) for _ in range(2))
    m = rng.random((1024, 1024), dtype=np.float32)
    a_d, b_d, m_d = (torch.from_numpy(x).cuda() for x in (a, b, m))
    note = f"CPU: {_native.thread_count()} threads; median of {repeat}"
    cases = [
        (
            "CUDA polygon_matte 4K, 40 px feather",
            lambda: polygon_matte(hull, out=out_d, inner=20.0, outer=20.0, mode="replace"),
            lambda: polygon_matte(hull, (WIDTH, HEIGHT), inner=20.0, outer=20.0),
        ),
        ("CUDA blur gaussian 4K matte, r=20", lambda: blur(matte_d, 20.0), lambda: blur(matte, 20.0)),
        (
            "CUDA multiband_blend 1024^2 RGB, 6 levels",
            lambda: multiband_blend(a_d, b_d, m_d, 6),
            lambda: multiband_blend(a, b, m, 6),
        ),
        ("CUDA erode_dilate 4K matte, 3.5 px", lambda: erode_dilate(matte_d, 3.5), lambda: erode_dilate(matte, 3.5)),
    ]
    return [
        compare(name, ours, "CPU twin (numpy)", cpu, repeat, note=note, sync=cuda_sync) for name, ours, cpu in cases
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    try:
        results = rows(repeat=args.repeat)
    except Skip as exc:
        print(f"skipped: {exc}")
        return 0
    emit(results, args.json, "CUDA twins against the CPU kernels (median ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

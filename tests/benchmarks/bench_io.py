"""Read -> Write of a 3840x2160 RGBA half EXR sequence: faceplate's render against raw OpenImageIO.

Both sides read every frame to float32 and write it back as half with the same compression, in the
same process and the same run; the reference is the plain OpenImageIO loop a pipeline TD would
write (ImageInput.read_image -> ImageOutput.write_image). Prints per-frame medians and the ratio
raw / ours (goal: faceplate's overhead <= 10 %, ratio >= 1 / 1.10 = 0.91). rows() follows the
protocol in benchtable.py.

    python tests/benchmarks/bench_io.py [--frames 6] [--repeat 3] [--compression zip] [--json]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import OpenImageIO as oiio
from benchtable import emit, row

import faceplate
from faceplate.nodes import Plate
from faceplate.nodes.core import Graph
from faceplate.nodes.io import write_image

WIDTH, HEIGHT = 3840, 2160


def make_sequence(folder: str, frames: int, compression: str) -> str:
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = np.stack([x / WIDTH, y / HEIGHT, 0.5 * (x + y) / (WIDTH + HEIGHT), np.ones_like(x)], axis=-1)
    for f in range(1, frames + 1):
        noise = rng.normal(0, 0.02, size=base.shape).astype(np.float32)
        pixels = np.ascontiguousarray(base * (0.8 + 0.05 * f) + noise)
        write_image(
            Plate(pixels, ["R", "G", "B", "A"]),
            os.path.join(folder, f"plate.{f:04d}.exr"),
            pixel_type="half",
            compression=compression,
        )
    return os.path.join(folder, "plate.####.exr")


def raw_oiio(src_pattern: str, dst_folder: str, frames: int, compression: str) -> list[float]:
    times = []
    for f in range(1, frames + 1):
        start = time.perf_counter()
        inp = oiio.ImageInput.open(src_pattern.replace("####", f"{f:04d}"))
        spec = inp.spec()
        pixels = inp.read_image(0, 0, 0, spec.nchannels, "float")
        inp.close()
        out_spec = oiio.ImageSpec(spec)
        out_spec.set_format(oiio.HALF)
        out_spec.attribute("compression", compression)
        out = oiio.ImageOutput.create("exr")
        out.open(os.path.join(dst_folder, f"raw.{f:04d}.exr"), out_spec)
        out.write_image(pixels)
        out.close()
        times.append(time.perf_counter() - start)
    return times


def ours(src_pattern: str, dst_folder: str, frames: int, compression: str) -> list[float]:
    graph = Graph(root=dst_folder, frame_range=(1, frames), cache_bytes=0)
    read = graph.create("Read", file=src_pattern)
    write = graph.create("Write", file=os.path.join(dst_folder, "ours.####.exr"), compression=compression)
    graph.connect(read, write)
    report = faceplate.render(graph, range(1, frames + 1))
    assert not report.failed, report.failed
    return [r.seconds for r in report.results]


def rows(
    quick: bool = False, frames: int | None = None, repeat: int | None = None, compression: str = "zip"
) -> list[dict]:
    """Protocol rows (benchtable.py): one row, ms per frame; quick: 3 frames x 2 repeats, else 6 x 3."""
    frames = frames or (3 if quick else 6)
    repeat = repeat or (2 if quick else 3)
    with tempfile.TemporaryDirectory() as tmp:
        src = make_sequence(tmp, frames, compression)
        raw_t, our_t = [], []
        for _ in range(repeat):  # interleaved, so drift on a shared machine hits both alike
            raw_t += raw_oiio(src, tmp, frames, compression)
            our_t += ours(src, tmp, frames, compression)
    return [
        row(
            f"Read->Write {WIDTH}x{HEIGHT} RGBA half {compression}",
            statistics.median(our_t) * 1e3,
            "ms",
            "raw OpenImageIO read+write",
            statistics.median(raw_t) * 1e3,
            higher_is_better=False,
            goal="ratio >= 0.91",
            note=f"per frame, median of {frames * repeat} frames; goal: overhead <= 10 %",
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compression", default="zip")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    emit(rows(frames=args.frames, repeat=args.repeat, compression=args.compression), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

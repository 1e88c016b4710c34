"""Read -> Write of a 3840x2160 RGBA half EXR sequence: faceplate's render against raw OpenImageIO.

Both sides read every frame to float32 and write it back as half with the same compression, in the
same process and the same run; the reference is the plain OpenImageIO loop a pipeline TD would
write (ImageInput.read_image -> ImageOutput.write_image). Prints per-frame medians and the ratio
(goal: faceplate's overhead <= 10 %, ratio <= 1.10).

    python tests/benchmarks/bench_io.py [--frames 6] [--repeat 3] [--compression zip] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import OpenImageIO as oiio

import faceplate
from faceplate.nodes import Plate
from faceplate.nodes.core import Graph
from faceplate.nodes.io.imagefile import write_image

WIDTH, HEIGHT = 3840, 2160


def make_sequence(folder: str, frames: int, compression: str) -> str:
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = np.stack([x / WIDTH, y / HEIGHT, 0.5 * (x + y) / (WIDTH + HEIGHT), np.ones_like(x)], axis=-1)
    for f in range(1, frames + 1):
        noise = rng.normal(0, 0.02, size=base.shape).astype(np.float32)
        pixels = np.ascontiguousarray(base * (0.8 + 0.05 * f) + noise)
        write_image(Plate(pixels, ["R", "G", "B", "A"]), os.path.join(folder, f"plate.{f:04d}.exr"),
                    pixel_type="half", compression=compression)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compression", default="zip")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        src = make_sequence(tmp, args.frames, args.compression)
        raw_t, our_t = [], []
        for _ in range(args.repeat):  # interleaved, so drift on a shared machine hits both alike
            raw_t += raw_oiio(src, tmp, args.frames, args.compression)
            our_t += ours(src, tmp, args.frames, args.compression)
    raw_ms, our_ms = statistics.median(raw_t) * 1e3, statistics.median(our_t) * 1e3
    row = {"benchmark": f"Read->Write {WIDTH}x{HEIGHT} RGBA half {args.compression}", "ours_ms": round(our_ms, 1),
           "reference": "raw OpenImageIO read+write", "reference_ms": round(raw_ms, 1),
           "ratio": round(our_ms / raw_ms, 3), "goal": "<= 1.10", "frames": args.frames * args.repeat}
    if args.json:
        print(json.dumps([row], indent=2))
    else:
        print(f"{'benchmark':<42} {'ours ms':>9} {'reference':<28} {'ref ms':>9} {'ratio':>7}  goal")
        print(f"{row['benchmark']:<42} {our_ms:9.1f} {row['reference']:<28} {raw_ms:9.1f} {row['ratio']:7.3f}  {row['goal']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

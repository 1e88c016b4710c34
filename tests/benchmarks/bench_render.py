"""Render throughput: serial vs a local process pool (-j 2) vs Dask (--scheduler local:2), same run.

Renders a Read -> Write graph of a synthetic 1920x1080 RGBA half EXR sequence with each setting, in
interleaved repeats, and prints frames/s, the scaling ratio against serial, and the per-frame
overhead of each scheduler: (wall - serial wall / workers) / frames, start-up included.

    python tests/benchmarks/bench_render.py [--frames 24] [--repeat 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

import faceplate
from faceplate.nodes import Plate
from faceplate.nodes.io.imagefile import write_image


def make_shot(folder: str, frames: int) -> faceplate.Graph:
    rng = np.random.default_rng(0)
    base = rng.random((1080, 1920, 4), dtype=np.float32)
    os.makedirs(os.path.join(folder, "plates"))
    for f in range(1, frames + 1):
        write_image(Plate(base * (1 + f / frames), ["R", "G", "B", "A"]), os.path.join(folder, "plates", f"p.{f:04d}.exr"))
    graph = faceplate.Graph(root=folder, frame_range=(1, frames))
    read = graph.create("Read", file="plates/p.####.exr")
    graph.connect(read, graph.create("Write", file="render/p.####.exr"))
    return graph


def timed(graph: faceplate.Graph, frames: int, folder: str, **settings) -> float:
    shutil.rmtree(os.path.join(folder, "render"), ignore_errors=True)
    start = time.perf_counter()
    report = faceplate.render(graph, range(1, frames + 1), **settings)
    wall = time.perf_counter() - start
    assert not report.failed, report.failed[0].error
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = {"serial": {}, "-j 2": {"jobs": 2, "chunk": 4}, "--scheduler local:2": {"scheduler": "local:2", "chunk": 4}}
    walls: dict[str, list[float]] = {k: [] for k in settings}
    with tempfile.TemporaryDirectory() as tmp:
        graph = make_shot(tmp, args.frames)
        for _ in range(args.repeat):
            for name, kw in settings.items():
                walls[name].append(timed(graph, args.frames, tmp, **kw))
    serial = statistics.median(walls["serial"])
    rows = []
    for name, ws in walls.items():
        wall = statistics.median(ws)
        workers = 1 if name == "serial" else 2
        rows.append({"setting": name, "frames_per_s": round(args.frames / wall, 2), "wall_s": round(wall, 2),
                     "speedup_vs_serial": round(serial / wall, 2),
                     "overhead_ms_per_frame": round((wall - serial / workers) / args.frames * 1e3, 1)})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"Read -> Write, 1920x1080 RGBA half, {args.frames} frames, median of {args.repeat}; reference: serial")
        print(f"{'setting':<22} {'frames/s':>9} {'wall s':>8} {'vs serial':>10} {'overhead ms/frame':>18}")
        for r in rows:
            print(f"{r['setting']:<22} {r['frames_per_s']:9.2f} {r['wall_s']:8.2f} {r['speedup_vs_serial']:10.2f}"
                  f" {r['overhead_ms_per_frame']:18.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

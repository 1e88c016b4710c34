"""Render throughput: serial vs a local process pool (-j 2) vs Dask (--scheduler local:2), same run.

Two graphs over synthetic 1920x1080 RGBA half EXR sequences: a plain Read -> Write, and the heaviest
graph that exists now, Read -> FaceDetect (tracked beforehand, overlay layer drawn) -> Write over a
shot with two real faces. Each setting runs in interleaved repeats; the script prints frames/s, the
scaling ratio against serial, and the per-frame overhead of each scheduler:
(wall - serial wall / workers) / frames, start-up included.

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


def make_face_shot(folder: str, frames: int) -> faceplate.Graph:
    """Read -> FaceDetect (overlay on) -> Write over two moving faces, tracked before timing."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "facedetect"))
    from bench_track import write_shot

    from faceplate.graphs import default_graph
    from faceplate.tracking import track

    os.makedirs(os.path.join(folder, "plates"))
    pattern, _ = write_shot(os.path.join(folder, "plates"), (1920, 1080), list(range(1, frames + 1)))
    graph = default_graph(os.path.join(folder, "faces.json"), plate=pattern, frame_range=(1, frames),
                          output=os.path.join(folder, "render", "faces.####.exr"))
    fd = next(n for n in graph if n.type_name == "FaceDetect")
    fd["overlay"] = True
    track(graph, fd.name, contact_sheets=False)
    return graph


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
    graph.cache.clear()
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
    rows = []
    for graph_name, make in (("Read -> Write", make_shot), ("Read -> FaceDetect(overlay) -> Write", make_face_shot)):
        walls: dict[str, list[float]] = {k: [] for k in settings}
        with tempfile.TemporaryDirectory() as tmp:
            graph = make(tmp, args.frames)
            for _ in range(args.repeat):
                for name, kw in settings.items():
                    walls[name].append(timed(graph, args.frames, tmp, **kw))
        serial = statistics.median(walls["serial"])
        for name, ws in walls.items():
            wall = statistics.median(ws)
            workers = 1 if name == "serial" else 2
            rows.append({"graph": graph_name, "setting": name, "frames_per_s": round(args.frames / wall, 2),
                         "wall_s": round(wall, 2), "speedup_vs_serial": round(serial / wall, 2),
                         "overhead_ms_per_frame": round((wall - serial / workers) / args.frames * 1e3, 1)})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"1920x1080 RGBA half, {args.frames} frames, median of {args.repeat}; reference: serial, same run; "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"{'graph':<38} {'setting':<22} {'frames/s':>9} {'wall s':>8} {'vs serial':>10} {'overhead ms/frame':>18}")
        for r in rows:
            print(f"{r['graph']:<38} {r['setting']:<22} {r['frames_per_s']:9.2f} {r['wall_s']:8.2f}"
                  f" {r['speedup_vs_serial']:10.2f} {r['overhead_ms_per_frame']:18.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

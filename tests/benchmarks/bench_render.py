"""Render throughput: serial vs a local process pool (-j 2) vs Dask (--scheduler local:2), same run.

Two graphs over synthetic 1920x1080 RGBA half EXR sequences: a plain Read -> Write, and the heaviest
graph that exists now, Read -> FaceDetect (tracked beforehand, overlay layer drawn) -> Write over a
shot with two real faces. Each setting runs in interleaved repeats; the script prints frames/s, the
scaling ratio against serial (the reference, same run: parallel / serial frames/s, > 1: faster), and
the per-frame overhead of each scheduler: (wall - serial wall / workers) / frames, start-up included.
rows() follows the protocol in benchtable.py.

    python tests/benchmarks/bench_render.py [--frames 24] [--repeat 2] [--json]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np
from benchtable import emit, row

import faceplate
from faceplate.nodes import Plate
from faceplate.nodes.io import write_image


def make_face_shot(folder: str, frames: int) -> faceplate.Graph:
    """Read -> FaceDetect (overlay on) -> Write over two moving faces, tracked before timing."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "facedetect"))
    from bench_track import write_shot

    from faceplate.actions.default_graph import default_graph
    from faceplate.actions.shot_tracking import track

    os.makedirs(os.path.join(folder, "plates"))
    pattern, _ = write_shot(os.path.join(folder, "plates"), (1920, 1080), list(range(1, frames + 1)))
    graph = default_graph(
        os.path.join(folder, "faces.json"),
        plate=pattern,
        frame_range=(1, frames),
        output=os.path.join(folder, "render", "faces.####.exr"),
    )
    fd = next(n for n in graph if n.type_name == "FaceDetect")
    fd["overlay"] = True
    track(graph, fd.name, contact_sheets=False)
    return graph


def make_shot(folder: str, frames: int) -> faceplate.Graph:
    rng = np.random.default_rng(0)
    base = rng.random((1080, 1920, 4), dtype=np.float32)
    os.makedirs(os.path.join(folder, "plates"))
    for f in range(1, frames + 1):
        write_image(
            Plate(base * (1 + f / frames), ["R", "G", "B", "A"]), os.path.join(folder, "plates", f"p.{f:04d}.exr")
        )
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


SETTINGS = {"serial": {}, "-j 2": {"jobs": 2, "chunk": 4}, "--scheduler local:2": {"scheduler": "local:2", "chunk": 4}}


def rows(quick: bool = False, frames: int | None = None, repeat: int | None = None) -> list[dict]:
    """Protocol rows (benchtable.py): frames/s of each parallel setting against serial, per graph;
    quick: 6 frames, 1 repeat, else 24 frames, median of 2."""
    frames = frames or (6 if quick else 24)
    repeat = repeat or (1 if quick else 2)
    out = []
    for graph_name, make in (("Read -> Write", make_shot), ("Read -> FaceDetect(overlay) -> Write", make_face_shot)):
        walls: dict[str, list[float]] = {k: [] for k in SETTINGS}
        with tempfile.TemporaryDirectory() as tmp:
            graph = make(tmp, frames)
            for _ in range(repeat):
                for name, kw in SETTINGS.items():
                    walls[name].append(timed(graph, frames, tmp, **kw))
        serial = statistics.median(walls["serial"])
        for name in list(SETTINGS)[1:]:
            wall = statistics.median(walls[name])
            overhead = (wall - serial / 2) / frames * 1e3
            out.append(
                row(
                    f"{graph_name}, {name}",
                    frames / wall,
                    "frames/s",
                    "serial",
                    frames / serial,
                    higher_is_better=True,
                    note=f"1920x1080, {frames} frames, median of {repeat}; overhead {overhead:.1f} ms/frame",
                )
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = rows(frames=args.frames, repeat=args.repeat)
    emit(
        results,
        args.json,
        f"1920x1080 RGBA half, {args.frames} frames, median of {args.repeat}; reference: serial, "
        f"same run; load average {os.getloadavg()[0]:.1f}",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

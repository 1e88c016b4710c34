"""The mesh backend (default) beside the dlib backend, in one run: accuracy at roll, yaw range, 1080p track speed.

- ``roll``: mean landmark error over the inter-ocular distance on the known-motion shots
  (tests/facedetect/known_motion.py: both photos, three scale/shift variants each) at 0, 30, 60 and
  90 degrees of roll, each backend against its own upright landmarks moved by the known transform;
- ``yaw``: the same on turned faces, made two ways: the photo turned about a vertical axis by a
  perspective warp (a flat card seen from the side), and the photo's face cut into its mesh's
  triangles, turned in 3D and drawn again (known_motion.turned_head; error over the points still
  facing the camera), 0-75 degrees; a backend's yaw range is the largest turn up to which it finds
  the face with an error under :data:`YAW_OK`; the mesh's own yaw estimate is printed beside the turn;
- ``small``: the photos scaled down into a 640x360 plate (the node's default 960-pixel proxy), face
  (landmark box) sides :data:`SIDES`: the error at each, and the smallest side down to which every size
  is found with an error under :data:`YAW_OK`;
- ``mapping``: the mesh's 68 points against dlib's on the upright photos (the mapping was fitted on
  the astronaut; hopper is held out);
- ``track``: :func:`faceplate.actions.shot_tracking.track` over a 1920x1080 RGBA half EXR sequence (two
  faces, known motion; bench_track.py's shot), serial (``workers=1``), ``--repeats`` times each backend
  interleaved, medians; EXR decode of every frame alone is measured apart (beside decoding as half and
  widening with numpy, an alternative tried and not kept), and the split of each pass
  into pull (decode) and detect time is printed, with the CPU time the pass used (all its threads: on a
  machine others load, the figure that moves least). Apart, in CPU time a frame: the decode, and each
  backend's analysis of the decoded frames (keyframed detection, following, linking); from these, the
  most dlib / mesh could be with a mesh analysis costing nothing, (decode + dlib) / decode.

    python tests/benchmarks/bench_mesh.py [--frames 24] [--repeats 2] [--quick] [--parts roll,yaw,small,mapping,track]
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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "facedetect"))
sys.path.insert(0, HERE)

from bench_track import track_graph, write_shot  # noqa: E402
from known_motion import ROLLS, error, head_yaw_error, inter_ocular, roll_errors, turned_head, yaw_error, yawed  # noqa: E402
from shots import photo_plate, warp_plate  # noqa: E402

from faceplate.actions.shot_tracking import track  # noqa: E402
from faceplate.foundation import geometry  # noqa: E402
from faceplate.nodes.facedetect.backends import get_backend  # noqa: E402
from faceplate.nodes.facedetect.detect import Detector, landmark_box  # noqa: E402
from faceplate.nodes.facedetect.keyframes import KeyframeDetections  # noqa: E402
from faceplate.nodes.facedetect.tracker import Tracker  # noqa: E402
from faceplate.nodes.io import read_image  # noqa: E402

BACKENDS = ("mesh", "dlib")
PHOTOS = ("astronaut", "hopper")
YAWS = (0.0, 15.0, 30.0, 45.0, 60.0, 75.0)
YAW_OK = 0.10
SIDES = (120, 100, 80, 70, 60, 50, 44, 40, 36, 32, 28)


def roll_figures() -> dict:
    out = {}
    for name in BACKENDS:
        detector = Detector(get_backend(name), proxy_size=640)
        out[name] = {
            roll: float(np.mean([e for p in PHOTOS for e in roll_errors(detector, p, roll)])) for roll in ROLLS
        }
    return out


def yaw_figures(kind: str) -> dict:
    """``kind``: "card" (perspective warp of the flat photo) or "head" (the mesh-triangulated face turned in 3D)."""
    measure = yaw_error if kind == "card" else head_yaw_error
    out = {}
    for name in BACKENDS:
        detector = Detector(get_backend(name), proxy_size=640)
        per_photo = {p: {yaw: measure(detector, p, yaw) for yaw in YAWS} for p in PHOTOS}
        reach = {
            p: max([0.0] + [y for y in YAWS if all(per_photo[p][z] < YAW_OK for z in YAWS if z <= y)]) for p in PHOTOS
        }
        out[name] = {"errors": per_photo, "range": reach}
    detector = Detector(get_backend("mesh"), proxy_size=640)
    out["mesh_yaw_estimate"] = {p: {y: _mesh_yaw(detector, p, y, kind) for y in YAWS} for p in PHOTOS}
    return out


def _mesh_yaw(detector: Detector, photo: str, yaw: float, kind: str) -> float | None:
    found = detector.find((yawed if kind == "card" else turned_head)(photo, yaw)[0])
    return round(found[0].pose[0], 1) if found else None


def small_figures() -> dict:
    out = {}
    for name in BACKENDS:
        reference, detector = (Detector(get_backend(name), proxy_size=p) for p in (640, 960))
        for photo in PHOTOS:
            plate = photo_plate(photo)
            (upright,) = reference.find(plate)
            centre, side = landmark_box(upright.landmarks)
            errors = []
            for s in SIDES:
                plate_from_photo = geometry.similarity(centre, (320.0, 180.0), s / side, 0.0)
                found = detector.find(warp_plate(plate, plate_from_photo, (640, 360)))
                errors.append(error(found, geometry.apply(plate_from_photo, upright.landmarks)))
            kept = [s for i, s in enumerate(SIDES) if all(e < YAW_OK for e in errors[: i + 1])]
            out[name, photo] = errors, min(kept, default=None)
    return out


def mapping_figures() -> dict:
    mesh, dlib = (Detector(get_backend(n), proxy_size=640) for n in BACKENDS)
    out = {}
    for p in PHOTOS:
        plate = photo_plate(p)
        (d,) = dlib.find(plate)
        out[p] = error(mesh.find(plate), d.landmarks)
        out[p + "_inter_ocular_px"] = inter_ocular(d.landmarks)
    return out


def track_figures(frames: list[int], repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        pattern, _ = write_shot(folder, (1920, 1080), frames)
        decode, decode_cpu, decode_half = [], [], []
        for f in frames:  # interleaved: the Read node's decode, and the alternative (half, widened by numpy)
            path = pattern.replace("####", f"{f:04d}")
            start, cpu = time.perf_counter(), time.process_time()
            read_image(path)
            decode.append(time.perf_counter() - start)
            decode_cpu.append(time.process_time() - cpu)
            start = time.perf_counter()
            _read_half_widened(path)
            decode_half.append(time.perf_counter() - start)
        for name in BACKENDS:  # load each backend's models before timing
            get_backend(name)
        runs: dict[str, list] = {n: [] for n in BACKENDS}
        analysis: dict[str, list] = {n: [] for n in BACKENDS}
        for i in range(repeats):
            for name in BACKENDS if i % 2 == 0 else BACKENDS[::-1]:
                graph = track_graph(folder, frames, f"tracks/{name}.json", backend=name)
                cpu = time.process_time()
                result = track(graph, contact_sheets=False, workers=1)
                runs[name].append((result, time.process_time() - cpu))
                analysis[name].append(_analysis_cpu(pattern, frames, name))
        n = len(frames)
        out = {
            "frames": n,
            "decode_ms_per_frame": 1000 * statistics.median(decode),
            "decode_cpu_ms_per_frame": 1000 * statistics.median(decode_cpu),
            "decode_half_ms_per_frame": 1000 * statistics.median(decode_half),
        }
        for name, results in runs.items():
            out[name] = {
                "ms_per_frame": 1000 * statistics.median(r.seconds for r, _ in results) / n,
                "pull_ms_per_frame": 1000 * statistics.median(r.pull_seconds for r, _ in results) / n,
                "detect_ms_per_frame": 1000 * statistics.median(r.detect_seconds for r, _ in results) / n,
                "cpu_ms_per_frame": 1000 * statistics.median(c for _, c in results) / n,
                "analysis_cpu_ms_per_frame": 1000 * statistics.median(analysis[name]),
                "tracks": len(results[0][0].tracks),
            }
        decode_cpu_ms = out["decode_cpu_ms_per_frame"]
        out["ceiling_cpu"] = (decode_cpu_ms + out["dlib"]["analysis_cpu_ms_per_frame"]) / decode_cpu_ms
        out["dlib_over_mesh"] = out["dlib"]["ms_per_frame"] / out["mesh"]["ms_per_frame"]
        out["dlib_over_mesh_cpu"] = out["dlib"]["cpu_ms_per_frame"] / out["mesh"]["cpu_ms_per_frame"]
        out["dlib_over_mesh_detect"] = out["dlib"]["detect_ms_per_frame"] / out["mesh"]["detect_ms_per_frame"]
        return out


def _analysis_cpu(pattern: str, frames: list[int], backend: str) -> float:
    """CPU seconds a frame (all threads) of a pass's analysis alone, frames decoded outside the timing:
    the node's keyframed detection and following, and the tracker linking the faces (with its embeddings)."""
    detector = Detector(get_backend(backend))

    def plate(f: int):
        return read_image(pattern.replace("####", f"{f:04d}"))

    run = KeyframeDetections(detector, 8, plate)  # FaceDetect's defaults: proxy 960, a search every 8th frame
    tracker = Tracker(detector.embed, max_gap=72, embed_every=24)  # 3 s and 1 s at 24 fps
    spent = 0.0
    for i, f in enumerate(frames):
        p = plate(f)
        cpu = time.process_time()
        for done, detections in run.push(f, p, last=i == len(frames) - 1):
            tracker.update(done, detections)
        spent += time.process_time() - cpu
    cpu = time.process_time()
    tracker.finish()
    return (spent + time.process_time() - cpu) / len(frames)


def _read_half_widened(path: str) -> np.ndarray:
    """The frame's pixels decoded as half and widened to float32 by numpy (the Read node has OpenImageIO
    convert to float32 itself: on a loaded machine this costs about 10 % more CPU, at load 4 it looked faster)."""
    inp = oiio.ImageInput.open(path)
    try:
        return np.asarray(inp.read_image(0, 0, 0, inp.spec().nchannels, oiio.TypeHalf), dtype=np.float32)
    finally:
        inp.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="8 frames, one pass each")
    parser.add_argument("--parts", default="roll,yaw,small,mapping,track", help="which parts to run (comma-separated)")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    frames = list(range(1001, 1001 + (8 if args.quick else args.frames)))
    repeats = 1 if args.quick else args.repeats
    print(f"load average {os.getloadavg()[0]:.1f}")

    if "roll" in parts:
        rolls = roll_figures()
        print("\nroll: mean landmark error / inter-ocular distance (own upright landmarks, moved)")
        print("  roll  " + "  ".join(f"{n:>8}" for n in BACKENDS) + "   mesh/dlib")
        for roll in ROLLS:
            print(
                f"  {roll:4.0f}  "
                + "  ".join(f"{rolls[n][roll]:8.4f}" for n in BACKENDS)
                + f"   {rolls['mesh'][roll] / rolls['dlib'][roll]:8.2f}"
            )

    if "yaw" in parts:
        for kind, title in (
            ("card", "the flat photo turned by a perspective warp"),
            ("head", "the face turned in 3D on its mesh's triangles"),
        ):
            yaws = yaw_figures(kind)
            print(f"\nyaw ({title}): error / inter-ocular distance (inf: not found); range: error < {YAW_OK}")
            for p in PHOTOS:
                print(f"  {p}")
                for yaw in YAWS:
                    print(
                        f"    {yaw:4.0f}  "
                        + "  ".join(f"{n} {yaws[n]['errors'][p][yaw]:7.4f}" for n in BACKENDS)
                        + f"   mesh yaw estimate {yaws['mesh_yaw_estimate'][p][yaw]}"
                    )
                print("    range: " + ", ".join(f"{n} {yaws[n]['range'][p]:.0f} deg" for n in BACKENDS))

    if "small" in parts:
        small = small_figures()
        print(f"\nsmall faces: error / IOD by face side in a 640x360 plate (proxy 960); kept: error < {YAW_OK}")
        print("  side          " + " ".join(f"{s:>6}" for s in SIDES))
        for (name, photo), (errors, smallest) in small.items():
            print(f"  {name:>4} {photo:9}" + " ".join(f"{e:6.3f}" for e in errors) + f"   smallest kept: {smallest}")
    if "mapping" in parts:
        mapping = mapping_figures()
        print("\nmapping: mesh 68 points vs dlib's, upright photos (mean / IOD; astronaut tuned, hopper held out)")
        for p in PHOTOS:
            print(f"  {p}: {mapping[p]:.4f} (inter-ocular {mapping[p + '_inter_ocular_px']:.1f} px)")

    if "track" in parts:
        t = track_figures(frames, repeats)
        print(f"\ntrack: 1920x1080 RGBA half EXR, {t['frames']} frames, serial pass, medians of {repeats}")
        print(
            f"  EXR decode alone: {t['decode_ms_per_frame']:.1f} ms/frame (decoded as half, widened by numpy: "
            f"{t['decode_half_ms_per_frame']:.1f})"
        )
        for n in BACKENDS:
            r = t[n]
            print(
                f"  {n:>5}: {r['ms_per_frame']:.1f} ms/frame (pull {r['pull_ms_per_frame']:.1f}, detect "
                f"{r['detect_ms_per_frame']:.1f}; CPU, all threads: {r['cpu_ms_per_frame']:.1f}), {r['tracks']} tracks"
            )
        print(
            f"  CPU a frame: decode {t['decode_cpu_ms_per_frame']:.1f}, analysis of decoded frames mesh "
            f"{t['mesh']['analysis_cpu_ms_per_frame']:.1f}, dlib {t['dlib']['analysis_cpu_ms_per_frame']:.1f}; "
            f"dlib / mesh could reach at most {t['ceiling_cpu']:.2f}x were the mesh's analysis free"
        )
        print(
            f"  dlib / mesh: {t['dlib_over_mesh']:.2f}x per frame, {t['dlib_over_mesh_detect']:.2f}x detect time, "
            f"{t['dlib_over_mesh_cpu']:.2f}x CPU time"
        )
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Mean face colour of `faceplate demo` renders against the plate, per frame: does the swap darken where the
boom microphone passed (the swap model having learned the microphone from an uncleaned face-set)?

    python tests/benchmarks/bench_demo_face_colour.py DEMO_FOLDER [DEMO_FOLDER ...] [--truth]

For each frame: the luminance of the render over the face (``fp_matte.face``, or ``mask.face`` in renders from
before the fp_ layers: the reader maps them), the microphone's own pixels left out (its coverage is known from
the demo's shot), divided by the plate's luminance over the same pixels. Prints the ratio per frame and the mean
ratio on the frames the microphone crosses the face against the other frames of the same render.

The plate is a loose reference: the swapped face is another face, and the part of it the microphone leaves in
view changes from frame to frame. ``--truth`` measures against the render the same script makes of the same
shot *without* the microphone (plates written without it, the demo's own tracks and model), with the
microphone composited over that render: the comp the microphone frames should show. That render goes in a
temporary folder (the microphone frames only, about a minute). It also splits the face by distance from the
microphone's edge (:data:`BANDS`, pixels): a darkening near it (a blend's rim) reads apart from one over the whole
face (the swap model's own output).
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

LUMA = np.array([0.2722, 0.6741, 0.0537], np.float32)  # ACEScg (AP1) luminance weights
BANDS = ((0, 8), (8, 24), (24, None))  # distance from the microphone's edge, pixels


def face_ratios(folder: str) -> dict[int, float]:
    from faceplate.actions.demo.shot import occluder
    from faceplate.cli.demo_workflow import FULL
    from faceplate.nodes import layers
    from faceplate.nodes.io.image_read import read_image

    spec = FULL.shot
    weights = LUMA
    ratios = {}
    for frame in spec.frame_list:
        path = os.path.join(folder, "render", f"astronaut_faceplate.{frame:04d}.exr")
        if not os.path.exists(path):  # a partial render (--frames): the frames it holds
            continue
        plate = read_image(os.path.join(folder, "plates", f"astronaut.{frame:04d}.exr"))
        render = read_image(path)
        matte = np.clip(render.channel(layers.FACE), 0, 1)
        mic = occluder(spec, frame)
        w = matte * (1.0 - (mic[1] if mic is not None else 0.0))
        if w.sum() < 100:
            continue
        lum = [
            np.tensordot(p.pixels[..., [p.channel_index(c) for c in "RGB"]], weights, axes=([2], [0]))
            for p in (render, plate)
        ]
        ratios[frame] = float((lum[0] * w).sum() / max(float((lum[1] * w).sum()), 1e-9))
    return ratios


def truth_ratios(folder: str) -> dict[int, tuple[float, list[float | None]]]:
    """Per microphone frame: the render's face luminance over the comp of the microphone-free render with the
    microphone over it, on the face's pixels the microphone leaves in view; and the same per band of
    :data:`BANDS` (None where the band holds under 100 pixels' weight)."""
    import dataclasses
    import shutil
    import subprocess
    import tempfile

    import cv2

    from faceplate.actions.demo.shot import occluder, write_shot
    from faceplate.cli.demo_workflow import FULL
    from faceplate.nodes import layers
    from faceplate.nodes.io.image_read import read_image

    spec = FULL.shot
    first, last = spec.occluder
    clean = tempfile.mkdtemp(prefix="demo-without-mic-")
    try:
        for name in ("models", "tracks"):
            os.symlink(os.path.join(os.path.abspath(folder), name), os.path.join(clean, name))
        shutil.copy(os.path.join(folder, "shot.json"), clean)  # a copy: the render must land in the clean folder
        write_shot(dataclasses.replace(spec, occluder=None), os.path.join(clean, "plates", "astronaut.####.exr"))
        command = [sys.executable, "-m", "faceplate.cli", "render", "shot.json", "--frames", f"{first}-{last}", "-q"]
        subprocess.run(command, cwd=clean, check=True)
        ratios = {}
        for frame in range(first, last + 1):
            ref = read_image(os.path.join(clean, "render", f"astronaut_faceplate.{frame:04d}.exr"))
            render = read_image(os.path.join(folder, "render", f"astronaut_faceplate.{frame:04d}.exr"))
            mic_rgb, alpha = occluder(spec, frame)
            ideal = _rgb(ref) * (1.0 - alpha[..., None]) + mic_rgb * alpha[..., None]
            w = np.clip(ref.channel(layers.FACE), 0, 1) * (1.0 - alpha)
            lum, ideal_lum = _rgb(render) @ LUMA, ideal @ LUMA
            distance = cv2.distanceTransform((alpha < 0.01).astype(np.uint8), cv2.DIST_L2, 5)
            bands = []
            for lo, hi in BANDS:
                wb = w * ((distance >= lo) & (distance < (np.inf if hi is None else hi)))
                bands.append(float((lum * wb).sum() / (ideal_lum * wb).sum()) if wb.sum() >= 100 else None)
            ratios[frame] = (float((lum * w).sum() / max(float((ideal_lum * w).sum()), 1e-9)), bands)
        return ratios
    finally:
        shutil.rmtree(clean, ignore_errors=True)


def _rgb(plate) -> np.ndarray:
    return plate.pixels[..., [plate.channel_index(c) for c in "RGB"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--truth", action="store_true", help="also against the render without the microphone")
    args = parser.parse_args(argv)
    from faceplate.cli.demo_workflow import FULL

    first, last = FULL.shot.occluder
    for folder in args.folders:
        ratios = face_ratios(folder)
        mic = [r for f, r in ratios.items() if first <= f <= last]
        rest = [r for f, r in ratios.items() if not first <= f <= last]
        others = "no other frames rendered"
        if rest:
            others = f"other frames: mean {np.mean(rest):.4f}; ratio mic/other {np.mean(mic) / np.mean(rest):.4f}"
        print(
            f"{folder}: face luminance render/plate, microphone frames {first}-{last}: mean {np.mean(mic):.4f} "
            f"(min {min(mic):.4f}); {others}"
        )
        print("  per frame: " + ", ".join(f"{f}:{r:.3f}" for f, r in ratios.items()))
        if args.truth:
            truth = truth_ratios(folder)
            values = [r for r, _ in truth.values()]
            print(
                f"  against the render without the microphone, it composited over: mean {np.mean(values):.4f}, "
                f"min {min(values):.4f}; per frame: " + ", ".join(f"{f}:{r:.3f}" for f, (r, _) in truth.items())
            )
            names = ["-".join(str(v) for v in band if v is not None) + (" px" if band[1] else "+ px") for band in BANDS]
            print(
                f"  the same by distance from the microphone ({', '.join(names)}): "
                + ", ".join(
                    f"{f}:" + "/".join("-" if b is None else f"{b:.3f}" for b in bands)
                    for f, (_, bands) in truth.items()
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Mean face colour of `faceplate demo` renders against the plate, per frame: does the swap darken where the
boom microphone passed (the swap model having learned the microphone from an uncleaned face-set)?

    python tests/benchmarks/bench_demo_face_colour.py DEMO_FOLDER [DEMO_FOLDER ...]

For each frame: the luminance of the render over the face (``fp_matte.face``, or ``mask.face`` in renders from
before the fp_ layers: the reader maps them), the microphone's own pixels left out (its coverage is known from
the demo's shot), divided by the plate's luminance over the same pixels. Prints the ratio per frame and the mean
ratio on the frames the microphone crosses the face against the other frames of the same render.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np


def face_ratios(folder: str) -> dict[int, float]:
    from faceplate.actions.demo.shot import occluder
    from faceplate.cli.demo_workflow import FULL
    from faceplate.nodes import layers
    from faceplate.nodes.io.image_read import read_image

    spec = FULL.shot
    weights = np.array([0.2722, 0.6741, 0.0537], np.float32)  # ACEScg (AP1) luminance
    ratios = {}
    for frame in spec.frame_list:
        plate = read_image(os.path.join(folder, "plates", f"astronaut.{frame:04d}.exr"))
        render = read_image(os.path.join(folder, "render", f"astronaut_faceplate.{frame:04d}.exr"))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+")
    args = parser.parse_args(argv)
    from faceplate.cli.demo_workflow import FULL

    first, last = FULL.shot.occluder
    for folder in args.folders:
        ratios = face_ratios(folder)
        mic = [r for f, r in ratios.items() if first <= f <= last]
        rest = [r for f, r in ratios.items() if not first <= f <= last]
        print(
            f"{folder}: face luminance render/plate, microphone frames {first}-{last}: mean {np.mean(mic):.4f} "
            f"(min {min(mic):.4f}); other frames: mean {np.mean(rest):.4f}; "
            f"ratio mic/other {np.mean(mic) / np.mean(rest):.4f}"
        )
        print("  per frame: " + ", ".join(f"{f}:{r:.3f}" for f, r in ratios.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

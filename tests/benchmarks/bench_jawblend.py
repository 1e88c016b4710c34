"""JawBlend per frame, one face, against the naive full-frame placement a compositor's script would do.

Ours, twice: like for like (``blend=over``, no colour match, no grain) and with the default knobs (matte from
model x region, per-segment shaping,
Oklab colour match with its track-smoothed statistics warm, grain, 5-band multiband blend with the
plate's low band, paste_back in the face's box, every layer written) on a plate whose upstream is
cached. Reference: the naive pipeline -- ``cv2.warpAffine`` of the face crop and its matte to the full
frame, then a numpy matte-weighted over of the full frame (no colour match, no grain, no layers).
Both in the same run, interleaved; medians; ratio = reference / ours (> 1: ours is faster).

    python tests/benchmarks/bench_jawblend.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "jawblend"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchtable import compare, emit
from jawblend_shots import blend_graph, rgb_of

from faceplate.foundation import geometry
from faceplate.nodes.core.node import Context

SIZES = {"1920x1080": (1920, 1080), "3840x2160": (3840, 2160)}
CROP = 256


def _case(width: int, height: int, **knobs):
    scale = height / 1080 * 4.0  # the face about 40 % of the frame's height

    def motion(frame):
        return (width * 0.5 + 2.0 * (frame - 1001), height * 0.5, scale, 0.0)

    graph, node = blend_graph(size=(width, height), motion=motion, crop=CROP, frames=list(range(1001, 1006)), **knobs)
    frame = 1003
    source = graph.render(graph["Swap"], frame)
    graph.render(node, frame)  # warms the upstream cache and the neighbour statistics

    def ours():
        return node.compute(Context(graph, node, frame))

    crop = source.metadata["faceplate/swap"].track(1)
    plate_rgb = np.ascontiguousarray(rgb_of(source))
    m_cv = geometry.opencv_matrix(geometry.invert(crop.swap_from_plate))

    def naive():
        face = cv2.warpAffine(np.asarray(crop.rgb), m_cv, (width, height), flags=cv2.INTER_LINEAR)
        matte = cv2.warpAffine(np.asarray(crop.matte), m_cv, (width, height), flags=cv2.INTER_LINEAR)[:, :, None]
        return plate_rgb * (1.0 - matte) + face * matte

    return ours, naive


def rows(quick: bool = False) -> list[dict]:
    """Protocol rows (benchtable.py): JawBlend per frame at 1080p and UHD against the naive pipeline."""
    repeat = 3 if quick else 7
    out = []
    for label, (w, h) in SIZES.items():
        ours, naive = _case(w, h, blend="over", colour_match="none", grain=0.0)
        out.append(
            compare(
                f"JawBlend over, no match/grain, {label}, one face",
                ours,
                "full-frame cv2.warpAffine + numpy over",
                naive,
                repeat,
                goal="ratio >= 1",
                note=f"median of {repeat}; like for like, but ours also writes the 7 layers",
            )
        )
        ours, naive = _case(w, h)
        out.append(
            compare(
                f"JawBlend default knobs, {label}, one face",
                ours,
                "full-frame cv2.warpAffine + numpy over",
                naive,
                repeat,
                goal=None,
                note=f"median of {repeat}; ours also colour-matches, grains, multiband-blends",
            )
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    emit(rows(args.quick), args.json, "JawBlend per frame, median ms")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    sys.exit(main())

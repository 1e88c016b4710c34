"""Tracks on the hard shot set: landmark error against the exact truth, jitter, coverage, id switches.

Every shot of :mod:`hard_shots` (fast, accelerating, rolling, scaling, occluded, crossing, blurred
faces) is written as EXR, tracked with ``faceplate.tracking.track`` (dlib backend, default knobs)
and scored by :mod:`hard_figures`. Per shot and face, each figure stands beside raw (the tracked
landmarks before stabilisation) from the same run:

- ``error``: stabilised landmark error at the default strength (0.5) vs raw (% of the inter-ocular
  distance, mean over the measured frames); the note gives 0.25 and the worst ratio over 0, 0.25, 0.5;
- ``jitter``: frame-to-frame change of the error vector, stabilised vs raw (goal: 3x lower);
- ``ends``: the worst error on a track's first or last frame, stabilised vs raw;
- ``coverage``: % of the shot's frames where the person's track places the face (the goal 97 %);
- ``tracks``: tracks the person is split over (goal 1), with the id switches in the note.

Held-out shots (never tuned on) are marked ``held out``. ``--quick`` tracks the shots at 640x360
(proxy 640) instead of 1920x1080 (proxy 960).

    python tests/benchmarks/bench_hard_tracks.py [--quick] [--shots nod,cross] [--json]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "facedetect"))

from benchtable import emit, row  # noqa: E402
from hard_figures import figures, summary, track_shot  # noqa: E402
from hard_shots import HELD_OUT, SHOTS  # noqa: E402

STRENGTHS = (0.0, 0.25, 0.5)
DEFAULT = 0.5


def _rows_of(fig, held_out: bool) -> list[dict]:
    tag = f"{fig.shot}/{fig.actor}" + (" (held out)" if held_out else "")
    worst = min((fig.raw_error / fig.stable_error(s) for s in STRENGTHS), default=math.nan)
    rows = [
        row(f"{tag} error", fig.stable_error(DEFAULT), "%IOD", "raw", fig.raw_error, higher_is_better=False,
            goal="ratio >= 1", note=f"0.25: {fig.stable_error(0.25):.2f}; worst ratio over strengths 0-0.5: "
                                    f"{worst:.3f}; predicted frames {fig.predicted_error:.2f}"),
        row(f"{tag} jitter", fig.stable_jitter[DEFAULT], "%IOD", "raw", fig.raw_jitter, higher_is_better=False,
            goal="ratio >= 3"),
        row(f"{tag} first/last frame error", fig.ends_stable[DEFAULT], "%IOD", "raw", fig.ends_raw,
            higher_is_better=False, goal="ratio >= 1"),
        row(f"{tag} coverage", fig.coverage, "%", "frames in shot", 100.0, higher_is_better=True,
            goal="value >= 97"),
        row(f"{tag} tracks", fig.tracks, "tracks", "people", 1, higher_is_better=False, goal="value <= 1",
            note=f"id switches {fig.id_switches}"),
    ]
    return rows


def rows(quick: bool = False, shots: list[str] | None = None) -> list[dict]:
    size = (640, 360) if quick else (1920, 1080)
    out = []
    for name in shots or list(SHOTS):
        shot = SHOTS[name]
        with tempfile.TemporaryDirectory() as folder:
            result, _ = track_shot(shot, folder, size)
            for fig in figures(shot, result.tracks, size, STRENGTHS):
                print(summary(fig, DEFAULT), file=sys.stderr, flush=True)
                out += _rows_of(fig, name in HELD_OUT)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="640x360 shots instead of 1920x1080")
    parser.add_argument("--shots", help=f"comma-separated subset of {', '.join(SHOTS)}")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    got = rows(args.quick, args.shots.split(",") if args.shots else None)
    emit(got, args.json, "hard shot set: stabilised vs raw, same run" + (" (quick, 640x360)" if args.quick else ""))


if __name__ == "__main__":
    main()

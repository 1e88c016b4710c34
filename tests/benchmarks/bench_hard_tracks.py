"""Tracks on the hard shot set: landmark error against the exact truth, jitter, coverage, id switches.

Every shot of :mod:`hard_shots` (fast, accelerating, rolling, scaling, occluded, crossing, blurred
faces) is written as EXR, tracked with ``faceplate.actions.shot_tracking.track`` (``--backend``, default knobs)
and scored by :mod:`hard_figures`. Per shot and face, each figure stands beside raw (the tracked
landmarks before stabilisation) from the same run:

- ``error``: stabilised landmark error at the default strength (0.5) vs raw (% of the inter-ocular
  distance, mean over the measured frames); the note gives 0.25 and the worst ratio over 0, 0.25, 0.5;
- ``jitter``: frame-to-frame change of the error vector, stabilised vs raw (goal: 3x lower);
- ``track ends``: the worst error over a track's first or last 3 frames, stabilised vs raw (the
  first and last frame alone in the note);
- ``coverage``: % of the shot's frames where the person's track places the face (the goal 97 %);
- ``tracks``: tracks the person is split over (goal 1), with the id switches in the note.

Held-out shots (never tuned on) are marked ``held out``. ``--quick`` tracks the shots at 640x360
(proxy 640) instead of 1920x1080 (proxy 960). ``--pictures DIR`` also writes, for the hardest shot
(``combo``), its contact sheets and a plot of each face's error per frame, raw vs stabilised.

    python tests/benchmarks/bench_hard_tracks.py [--quick] [--shots nod,cross] [--backend mesh|dlib] [--json]
        [--pictures docs/images]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "facedetect"))

from benchtable import emit, row
from hard_figures import END_FRAMES, figures, summary, track_shot
from hard_shots import HELD_OUT, SHOTS

STRENGTHS = (0.0, 0.25, 0.5)
DEFAULT = 0.5


def _rows_of(fig, held_out: bool) -> list[dict]:
    tag = f"{fig.shot}/{fig.actor}" + (" (held out)" if held_out else "")
    worst = min((fig.raw_error / fig.stable_error(s) for s in STRENGTHS), default=math.nan)
    rows = [
        row(
            f"{tag} error",
            fig.stable_error(DEFAULT),
            "%IOD",
            "raw",
            fig.raw_error,
            higher_is_better=False,
            goal="ratio >= 1",
            note=f"0.25: {fig.stable_error(0.25):.2f}; worst ratio over strengths 0-0.5: "
            f"{worst:.3f}; predicted frames {fig.predicted_error:.2f}",
        ),
        row(
            f"{tag} jitter",
            fig.stable_jitter[DEFAULT],
            "%IOD",
            "raw",
            fig.raw_jitter,
            higher_is_better=False,
            goal="ratio >= 3",
        ),
        row(
            f"{tag} track ends error",
            fig.ends_stable[DEFAULT],
            "%IOD",
            "raw",
            fig.ends_raw,
            higher_is_better=False,
            goal="ratio >= 1",
            note=f"first/last {END_FRAMES} frames; the first and last frame alone: "
            f"{fig.ends_first_last_stable[DEFAULT]:.2f} vs raw {fig.ends_first_last_raw:.2f}",
        ),
        row(f"{tag} coverage", fig.coverage, "%", "frames in shot", 100.0, higher_is_better=True, goal="value >= 97"),
        row(
            f"{tag} tracks",
            fig.tracks,
            "tracks",
            "people",
            1,
            higher_is_better=False,
            goal="value <= 1",
            note=f"id switches {fig.id_switches}",
        ),
    ]
    return rows


def rows(
    quick: bool = False, shots: list[str] | None = None, pictures: str | None = None, backend: str = "mesh"
) -> list[dict]:
    size = (640, 360) if quick else (1920, 1080)
    out = []
    for name in shots or list(SHOTS):
        shot = SHOTS[name]
        with tempfile.TemporaryDirectory() as folder:
            result, _ = track_shot(
                shot, folder, size, contact_sheets=pictures is not None and name == HARDEST, backend=backend
            )
            figs = figures(shot, result.tracks, size, STRENGTHS, backend=backend)
            for fig in figs:
                print(summary(fig, DEFAULT), file=sys.stderr, flush=True)
                out += _rows_of(fig, name in HELD_OUT)
            if pictures is not None and name == HARDEST:
                write_pictures(pictures, figs, result)
    return out


HARDEST = "combo"


def write_pictures(folder: str, figs, result) -> None:
    """``hard_tracks_error.png`` (error per frame, raw vs stabilised, per face) and ``hard_tracks_sheet.png``
    (the contact sheets of the shot's tracks, stacked) into ``folder``."""
    import shutil

    import cv2
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from faceplate.foundation.plots import save_figure

    os.makedirs(folder, exist_ok=True)
    fig, axes = plt.subplots(len(figs), 1, figsize=(8, 2.6 * len(figs)), dpi=100, sharex=True, squeeze=False)
    for ax, f in zip(axes[:, 0], figs):
        ax.plot(f.frames, f.raw, ".", ms=3, color="0.45", label=f"raw (mean {f.raw_error:.2f})")
        ax.plot(
            f.frames,
            f.stable[DEFAULT],
            ".",
            ms=3,
            color="tab:blue",
            label=f"stabilised, strength {DEFAULT} (mean {f.stable_error(DEFAULT):.2f})",
        )
        if f.predicted_frames:
            ax.plot(
                f.predicted_frames,
                f.predicted_errors,
                ".",
                ms=3,
                color="tab:orange",
                label=f"predicted, face unseen (mean {f.predicted_error:.1f})",
            )
        ax.set_ylabel("error, % IOD")
        ax.set_title(
            f"{f.shot}: {f.actor} (coverage {f.coverage:.0f} %, {f.tracks} track, {f.id_switches} id switches)",
            fontsize=9,
        )
        top = max(
            [np.percentile(f.raw, 98) if len(f.raw) else 1.0, *(f.predicted_errors if f.predicted_frames else [])]
        )
        ax.set_ylim(0, 1.1 * top)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    axes[-1, 0].set_xlabel("frame")
    fig.tight_layout()
    save_figure(fig, os.path.join(folder, "hard_tracks_error.png"))
    sheets = [cv2.imread(p) for p in result.sheets]
    if sheets:
        width = max(s.shape[1] for s in sheets)
        stacked = np.vstack([np.pad(s, ((0, 8), (0, width - s.shape[1]), (0, 0))) for s in sheets])
        path = os.path.join(folder, "hard_tracks_sheet.png")
        cv2.imwrite(path + ".partial.png", stacked)
        shutil.move(path + ".partial.png", path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="640x360 shots instead of 1920x1080")
    parser.add_argument("--shots", help=f"comma-separated subset of {', '.join(SHOTS)}")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--backend", default="mesh", help="FaceDetect backend (default: mesh, the default)")
    parser.add_argument("--pictures", metavar="DIR", help=f"write the plot and contact sheets of '{HARDEST}' here")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    got = rows(args.quick, args.shots.split(",") if args.shots else None, args.pictures, args.backend)
    title = f"hard shot set ({args.backend} backend): stabilised vs raw, same run"
    emit(got, args.json, title + (" (quick, 640x360)" if args.quick else ""))


if __name__ == "__main__":
    main()

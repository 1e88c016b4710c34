"""Expression and pose coverage of face-sets, from the 68 landmarks: what a face-set offers and what a shot needs.

Three expression measures per face, each from the landmarks alone (dlib's 68-point layout), so they
do not depend on the crop's size or the face's roll:

- ``mouth_open``: the gap between the inner lips (points 61-63 to 67-65) over the mouth's width
  (48-54): about 0 for closed lips, 0.1-0.2 for parted lips showing teeth, 0.3 and more for an open mouth;
- ``eyes_closed``: 1 - eye openness, the openness being each eye's lid gap (37/38 to 41/40) over its
  width (36-39), averaged over both eyes and divided by :data:`OPEN_EYE` (a relaxed open eye):
  about 0 for open eyes, 1 for closed;
- ``smile``: how far the mouth's corners (48, 54) rise above the middle of the lips (51, 57), over
  the mouth's width, plus how much wider the mouth is against the eyes' span (36-45), both against
  AlignEdit's mean face shape: 0 for the mean face's mouth, 0.1 and more for a clear smile, below 0
  for a frown or pursed lips.

:func:`missing_coverage` compares a target shot's faces (one identity's face-set, extracted from the
shot) with the faces another identity's face-set offers, and names the target frames whose expression
or pose lies beyond what the other set covers (by more than a margin): a swap renders the other
identity with the target's expression, and a network never shown an open mouth closes it.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Sequence

import numpy as np

from faceplate.foundation.frames import frame_runs
from faceplate.foundation.plots import save_figure
from faceplate.nodes.alignedit.template import MEAN_SHAPE

MEASURES = ("mouth_open", "eyes_closed", "smile")
LABELS = {"mouth_open": "mouth open", "eyes_closed": "eyes closed", "smile": "smile"}
# Bin edges of the coverage plot, per measure (values beyond the last edge count in the last bin).
BINS = {
    "mouth_open": np.round(np.arange(0.0, 0.601, 0.05), 2),
    "eyes_closed": np.round(np.arange(0.0, 1.001, 0.1), 2),
    "smile": np.round(np.arange(-0.15, 0.351, 0.05), 2),
}
# How far beyond the other set's range a target face must lie to count as not covered.
MARGINS = {"mouth_open": 0.06, "eyes_closed": 0.25, "smile": 0.05, "yaw": 12.0, "pitch": 10.0}
OPEN_EYE = 0.3  # lid gap over eye width of a relaxed open eye


def expression(landmarks: np.ndarray) -> dict[str, float]:
    """The :data:`MEASURES` of one face from its ``(68, 2)`` landmarks (any similarity frame)."""
    lift, widen = _mouth_shape(landmarks)
    lift0, widen0 = _mouth_shape(MEAN_SHAPE)
    out = _measures(landmarks)
    out["smile"] = (lift - lift0) + max(widen - widen0, 0.0)
    return out


def _mouth_shape(landmarks: np.ndarray) -> tuple[float, float]:
    """(corner lift over mouth width, mouth width over the outer eye corners' span)."""
    p = np.asarray(landmarks, np.float64)
    mouth_w = max(float(np.linalg.norm(p[54] - p[48])), 1e-6)
    # Measured along the face's vertical (perpendicular to the eye line), not the image's.
    across = p[45] - p[36]
    span = max(float(np.linalg.norm(across)), 1e-6)
    down = np.array([-across[1], across[0]]) / span
    middle = (p[51] + p[57]) / 2
    return float(np.dot(middle - (p[48] + p[54]) / 2, down)) / mouth_w, mouth_w / span


def _measures(landmarks: np.ndarray) -> dict[str, float]:
    """Mouth open and eyes closed of one face (see the module docstring)."""
    p = np.asarray(landmarks, np.float64)
    mouth_w = max(float(np.linalg.norm(p[54] - p[48])), 1e-6)
    gap = np.mean([np.linalg.norm(p[a] - p[b]) for a, b in ((61, 67), (62, 66), (63, 65))])
    openness = []
    for corner_a, corner_b, lids in ((36, 39, ((37, 41), (38, 40))), (42, 45, ((43, 47), (44, 46)))):
        width = max(float(np.linalg.norm(p[corner_b] - p[corner_a])), 1e-6)
        openness.append(np.mean([np.linalg.norm(p[a] - p[b]) for a, b in lids]) / width)
    return {
        "mouth_open": float(gap / mouth_w),
        "eyes_closed": float(np.clip(1.0 - np.mean(openness) / OPEN_EYE, 0.0, 1.0)),
    }


def expressions(faces: Iterable[dict]) -> dict[str, np.ndarray]:
    """Each measure over face-set manifest entries (their ``landmarks``), plus ``yaw``/``pitch`` from ``pose``
    when every entry has one, and ``frame``."""
    faces = list(faces)
    values = [expression(np.asarray(f["landmarks"])) for f in faces]
    out = {m: np.array([v[m] for v in values]) for m in MEASURES}
    out["frame"] = np.array([int(f.get("frame", i)) for i, f in enumerate(faces)], dtype=np.int64)
    if faces and all(f.get("pose") for f in faces):
        out["yaw"] = np.array([float(f["pose"][0]) for f in faces])
        out["pitch"] = np.array([float(f["pose"][1]) for f in faces])
    return out


@dataclasses.dataclass(frozen=True)
class Gap:
    """Target faces beyond what the other face-set covers, for one measure.

    Attributes:
        measure: a :data:`MEASURES` name, ``yaw`` or ``pitch``.
        frames: the target frames concerned.
        needed: the most extreme target value among them.
        offered: the other set's range ``(min, max)``.
    """

    measure: str
    frames: tuple[int, ...]
    needed: float
    offered: tuple[float, float]

    def describe(self) -> str:
        label = LABELS.get(self.measure, self.measure)
        unit = " deg" if self.measure in ("yaw", "pitch") else ""
        reach = "down to" if self.needed < self.offered[0] else "up to"
        plural = "s" if len(self.frames) != 1 else ""
        return (
            f"{label} {reach} {self.needed:.2f}{unit} on {len(self.frames)} frame{plural} "
            f"({format_frames(self.frames)}); the other face-set offers {self.offered[0]:.2f} to "
            f"{self.offered[1]:.2f}{unit}"
        )


def missing_coverage(target: dict[str, np.ndarray], source: dict[str, np.ndarray]) -> list[Gap]:
    """The :class:`Gap` of each measure (and yaw/pitch when both have poses) where target faces lie beyond the
    source's range by more than :data:`MARGINS`; empty when the source covers the target."""
    gaps = []
    for measure in (*MEASURES, "yaw", "pitch"):
        if measure not in target or measure not in source or not len(source[measure]) or not len(target[measure]):
            continue
        lo, hi = float(source[measure].min()), float(source[measure].max())
        margin = MARGINS[measure]
        t = target[measure]
        beyond = (t > hi + margin) | (t < lo - margin) if measure in ("yaw", "pitch") else t > hi + margin
        if measure == "smile":  # a frown the other set lacks matters as well
            beyond |= t < lo - margin
        if beyond.any():
            worst = t[beyond][np.argmax(np.abs(t[beyond] - (lo + hi) / 2))]
            gaps.append(Gap(measure, tuple(int(f) for f in target["frame"][beyond]), float(worst), (lo, hi)))
    return gaps


def format_frames(frames: Sequence[int]) -> str:
    """``1001-1005, 1009`` for a sorted list of frames."""
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in frame_runs(frames))


def write_expression_coverage(path: str, kept: list[dict], dropped: list[dict], title: str) -> str:
    """Histograms of the three measures over fixed bins: kept faces per bin (counts), dropped faces in grey,
    empty bins hatched, so a user sees which expressions the set lacks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    have = expressions(kept) if kept else {m: np.zeros(0) for m in MEASURES}
    gone = expressions([d for d in dropped if d.get("landmarks") is not None])
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.8), dpi=100)
    for ax, measure in zip(axes, MEASURES):
        edges = BINS[measure]
        clipped = np.clip(have[measure], edges[0], edges[-1] - 1e-9)
        counts, _ = np.histogram(clipped, bins=edges)
        widths = np.diff(edges)
        ax.bar(
            edges[:-1],
            counts,
            width=widths,
            align="edge",
            color="tab:green",
            alpha=0.75,
            edgecolor="white",
            label=f"kept ({len(have[measure])})",
        )
        stacked = counts
        if len(gone[measure]):
            dropped_counts, _ = np.histogram(np.clip(gone[measure], edges[0], edges[-1] - 1e-9), bins=edges)
            ax.bar(
                edges[:-1],
                dropped_counts,
                width=widths,
                bottom=counts,
                align="edge",
                color="0.7",
                edgecolor="white",
                label=f"dropped ({len(gone[measure])})",
            )
            stacked = counts + dropped_counts
        top = max(float(stacked.max()), 1.0) * 1.15
        for x0, w, n in zip(edges[:-1], widths, counts):
            if n:
                ax.text(x0 + w / 2, n / 2, str(int(n)), ha="center", va="bottom", fontsize=8, fontweight="bold")
            else:
                ax.add_patch(plt.Rectangle((x0, 0), w, top, fill=False, hatch="///", edgecolor="0.85", linewidth=0))
        ax.set(xlim=(edges[0], edges[-1]), ylim=(0, top), xlabel=LABELS[measure] + _SCALE_NOTES[measure])
        ax.set_xticks(edges[::2])
        ax.tick_params(labelsize=8)
        ax.grid(True, axis="y", color="0.85", linewidth=0.5)
    axes[0].set_ylabel("faces")
    handles, labels = axes[-1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", fontsize=8, ncol=2)
    fig.suptitle(
        f"expression coverage: {title}   (hatched: no face with that expression)", x=0.01, ha="left", fontsize=11
    )
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return save_figure(fig, path)


_SCALE_NOTES = {
    "mouth_open": "\n(inner-lip gap / mouth width)",
    "eyes_closed": "\n(0 open, 1 shut)",
    "smile": "\n(corner lift + widening, / mouth width)",
}


def load_faceset_faces(folder: str) -> list[dict]:
    """The faces with landmarks of a face-set folder's ``manifest.json``; empty when it cannot be read (the
    trainer reports a bad face-set with its own error)."""
    try:
        with open(os.path.join(folder, "manifest.json")) as f:
            faces = json.load(f).get("faces", [])
        return [face for face in faces if len(face.get("landmarks") or ()) == 68]
    except (OSError, ValueError, AttributeError, TypeError):
        return []


def coverage_warnings(identities: dict[str, str]) -> list[str]:
    """One warning per pair of identities where one's faces need expressions or poses the other's face-set
    lacks (a swap of that shot to that identity cannot show them), naming the frames; empty when covered.

    Args:
        identities: label -> face-set folder, as ``faceplate train --identity`` takes them.
    """
    measured = {label: expressions(load_faceset_faces(folder)) for label, folder in identities.items()}
    warnings = []
    for target, needs in measured.items():
        for source, offers in measured.items():
            if source == target:
                continue
            gaps = missing_coverage(needs, offers)
            if gaps:
                warnings.append(
                    f"identity {source}'s face-set ({identities[source]}) lacks what identity {target}'s "
                    f"faces need, so a swap of {target}'s shot to {source} will not show it: "
                    + "; ".join(g.describe() for g in gaps)
                    + f". Add {source} faces with these expressions and poses (see expression_coverage.png "
                    "and pose_coverage.png in both face-sets), or accept the loss"
                )
    return warnings

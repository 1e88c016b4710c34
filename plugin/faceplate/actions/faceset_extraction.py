"""Face-set extraction behind ``faceplate extract``: aligned crops of one track, for training.

For every kept frame of the track the AlignEdit node is rendered (so the face-set sees exactly the
alignment, edits included, that a render sees) and its crop written as an 8-bit sRGB PNG (the
trainer's input; optionally a scene-linear ACEScg EXR beside it), with a matte (the convex hull of the
landmarks, feathered, until OcclusionMask exists) and an entry in ``manifest.json``: source plate,
frame, track, transform, landmarks in aligned pixels, yaw/pitch/roll and a sharpness score.

Frames can be thinned (every Nth), and faces dropped when too small, past pose limits, or nearly
identical to the previous kept face.

Cleaning (on by default): a face is dropped when its frame was not measured but bridged
(``interpolated``) or replaced by the stabiliser's prediction (``predicted``: FaceDetect's ``outlier``
flag), when the landmarks fit poorly (mean landmark confidence below ``min_confidence``: ``poor_fit``),
or when the occlusion model says more than ``max_occlusion`` of the face is hidden (``occluded``; a
hand, a microphone: a swap model trained on it learns the occluder). ``keep_all`` keeps such faces,
listed under ``issues`` in their manifest entry. The manifest counts dropped faces by their first
reason (``skipped``) and faces with each issue, dropped or kept (``flagged``; a face can have
several); the command prints both. Every matte is the landmarks' hull times ``1 - occlusion``,
so the trainer's masked loss ignores what covers the face. The occlusion model is the one the
graph's OcclusionMask (below the AlignEdit) uses, else the shipped default.

Three pictures help judge the set: ``contact_sheet.png`` (crops with landmarks), ``pose_coverage.png``
(yaw/pitch of kept and dropped faces over a grid, empty cells marked) and ``expression_coverage.png``
(mouth open, eyes closed, smile, from the landmarks: :mod:`faceplate.actions.faceset_coverage`), so a user
sees which angles and expressions the model will lack. The track's alignment over every
considered frame is exported beside them (``<stem>_alignment.json`` and ``.nk``, see
:mod:`faceplate.nodes.alignedit.alignment_export`), so a compositor can put a trained swap back in Nuke.

The set is written into a hidden folder beside ``out_dir`` and renamed into place when complete: a
failure or a kill leaves the previous set (or nothing) there, never half a set. An existing
``out_dir`` is replaced only when it is empty or a previous face-set (it has a faceplate
``manifest.json``).

Example::

    import faceplate
    from faceplate.actions.faceset_extraction import extract
    graph = faceplate.Graph.load("shot.json")
    result = extract(graph, track=1, out_dir="facesets/actorA", every=2, max_yaw=60)
    print(result.manifest, len(result.faces))
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import cv2
import numpy as np

from faceplate.actions.faceset_coverage import write_expression_coverage
from faceplate.foundation import geometry
from faceplate.foundation.drawing import put_text
from faceplate.foundation.errors import FaceplateError, ScriptError, SequenceIOError
from faceplate.foundation.frames import format_frame_range
from faceplate.foundation.imaging import polygon_matte
from faceplate.foundation.plots import save_figure
from faceplate.models import registry
from faceplate.nodes.alignedit.align import warp_crop
from faceplate.nodes.alignedit.alignment_export import write_text
from faceplate.nodes.core import Graph, Node
from faceplate.nodes.facedetect.tracks import TrackStore, upstream_facedetect
from faceplate.nodes.faces import METADATA_KEY
from faceplate.nodes.io import colour, write_image, write_preview
from faceplate.nodes.occlusion import learned
from faceplate.nodes.plate import Plate

MANIFEST_FORMAT, MANIFEST_VERSION = "faceplate-faceset", 1
PNG_SPACE = "sRGB Encoded Rec.709 (sRGB)"
POSE_BINS = (np.arange(-90, 91, 15), np.arange(-60, 61, 15))  # yaw, pitch cell edges (degrees)


@dataclasses.dataclass(frozen=True)
class ExtractOptions:
    """Which faces go into the set.

    Attributes:
        every: keep every Nth frame of the track (1: all).
        min_size: smallest face kept, in plate pixels (the landmarks' larger extent).
        max_yaw, max_pitch: largest absolute yaw/pitch kept, degrees (None: no limit).
        dedupe: drop a face whose 32x32 grey thumbnail differs from the last kept one by less than
            this mean absolute difference (display-referred 0-1); 0 keeps near-duplicates.
        exr: also write scene-linear EXR crops.
        min_confidence: a face whose mean landmark confidence is below this is a poor fit (0: none is).
        max_occlusion: a face more than this share of whose landmark hull the occlusion model finds
            hidden is occluded (1: none is).
        keep_all: keep interpolated, predicted, poorly fitted and occluded faces (flagged in the
            manifest) instead of dropping them.
        occlusion: run the occlusion model (the occluded check and the mattes' ``1 - occlusion``).
    """

    every: int = 1
    min_size: float = 0.0
    max_yaw: float | None = None
    max_pitch: float | None = None
    dedupe: float = 0.0
    exr: bool = False
    min_confidence: float = 0.5
    max_occlusion: float = 0.04
    keep_all: bool = False
    occlusion: bool = True

    def __post_init__(self) -> None:
        if self.every < 1:
            raise FaceplateError(f"every must be 1 or more, got {self.every}")
        if self.min_size < 0 or self.dedupe < 0:
            raise FaceplateError("min_size and dedupe must be >= 0")
        if not 0.0 <= self.min_confidence <= 1.0 or not 0.0 <= self.max_occlusion <= 1.0:
            raise FaceplateError("min_confidence and max_occlusion must lie in [0, 1]")


# Why a face can be unfit for training (dropped, or flagged with keep_all), in the order they are checked.
QUALITY_ISSUES = ("interpolated", "predicted", "poor_fit", "occluded")


@dataclasses.dataclass
class ExtractResult:
    folder: str
    manifest: str
    faces: list[dict[str, Any]]
    skipped: dict[str, int]
    pictures: list[str]
    flagged: dict[str, int] = dataclasses.field(default_factory=dict)


def _is_faceset(folder: str) -> bool:
    try:
        with open(os.path.join(folder, "manifest.json")) as f:
            return json.load(f).get("format") == MANIFEST_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def _output_folder(out_dir: str) -> str:
    """The absolute face-set folder, checked before any work: not a file, empty or a previous face-set,
    and its parent creatable and writable."""
    folder = os.path.abspath(out_dir)
    if os.path.lexists(folder) and not os.path.isdir(folder):
        raise SequenceIOError("the face-set folder is a file, not a folder; choose another -o folder", path=folder)
    if os.path.isdir(folder) and os.listdir(folder) and not _is_faceset(folder):
        raise SequenceIOError(
            "the folder holds files but no face-set manifest.json; extract into a new or empty "
            "folder (a previous face-set is replaced)",
            path=folder,
        )
    parent = os.path.dirname(folder)
    existing = parent
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise SequenceIOError(
            f"cannot create the face-set folder: {existing} is a file, not a folder; choose another -o folder",
            path=folder,
        )
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as exc:
        raise SequenceIOError(f"cannot create the face-set folder: {exc.strerror or exc}", path=folder) from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SequenceIOError(
            "cannot create the face-set folder: its parent is not writable; choose another -o "
            "folder or fix the permissions",
            path=parent,
        )
    return folder


def _staging_folder(folder: str, subfolders: Iterable[str]) -> str:
    """A new hidden folder beside ``folder`` (same file system, so publishing is a rename)."""
    staging = os.path.join(os.path.dirname(folder), f".{os.path.basename(folder)}.partial-{uuid.uuid4().hex[:12]}")
    try:
        os.mkdir(staging)
        for sub in subfolders:
            os.mkdir(os.path.join(staging, sub))
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise SequenceIOError(f"cannot create the face-set folder: {exc.strerror or exc}", path=folder) from None
    return staging


def _publish(staging: str, folder: str) -> None:
    """Renames the complete set into place; a previous set there goes only once the new one is in."""
    old = None
    if os.path.isdir(folder):
        old = staging + ".old"
        os.replace(folder, old)
    try:
        os.replace(staging, folder)
    except OSError:
        if old is not None:
            os.replace(old, folder)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _source_plate(node: Node, frame: int) -> str | None:
    """The file the nearest Read above ``node`` reads at ``frame`` (None without a Read)."""
    read = next((n for n in node.graph.upstream(node) if n.type_name == "Read"), None)
    if read is None:
        return None
    try:
        return read.source(frame)[0]
    except FaceplateError:
        return None


def sharpness(grey: np.ndarray) -> float:
    """Variance of the Laplacian of a display-referred grey image in [0, 1] (higher: sharper)."""
    return float(cv2.Laplacian(grey.astype(np.float32), cv2.CV_32F).var())


def hull_matte(points: np.ndarray, size: int) -> np.ndarray:
    """``(size, size)`` float32 matte of the landmarks' convex hull, feathered by 2 % of the crop."""

    hull = cv2.convexHull(np.asarray(points, np.float32)).reshape(-1, 2).astype(np.float64)
    feather = 0.02 * size
    return polygon_matte(hull, (size, size), inner=feather / 2, outer=feather / 2)


def _candidates(node: Node, track: int, frames: Iterable[int] | None) -> tuple[list[int], str]:
    facedetect = upstream_facedetect(node)
    if facedetect is None:
        raise ScriptError("has no FaceDetect above it; connect Read -> FaceDetect -> AlignEdit", node=node.name)
    source = TrackStore.of(facedetect, node.graph.frame_range[0] if node.graph.frame_range else 0)
    if source.digest is None:
        raise SequenceIOError(
            f"no tracks sidecar; run `faceplate track SCRIPT --node {facedetect.name}` first", path=source.path
        )
    tracks = source.tracks()
    if track not in tracks:
        raise ScriptError(
            f"track {track} is not in the tracks sidecar; its tracks are "
            f"{', '.join(map(str, sorted(tracks))) or 'none'}",
            node=facedetect.name,
        )
    have = sorted(tracks[track])
    wanted = have if frames is None else sorted(set(int(f) for f in frames) & set(have))
    if not wanted:
        raise ScriptError(
            f"track {track} has no frames in the requested range (the track covers {format_frame_range(have)})",
            node=node.name,
        )
    return wanted, tracks[track][wanted[0]].identity


def extract(
    graph: Graph,
    track: int,
    out_dir: str,
    *,
    node: str | None = None,
    frames: Iterable[int] | None = None,
    options: ExtractOptions = ExtractOptions(),
    on_frame: Callable[[int, str], None] | None = None,
) -> ExtractResult:
    """Writes the face-set of ``track`` into ``out_dir`` (see the module docstring).

    Args:
        graph: the shot graph (Read -> FaceDetect -> AlignEdit ...), tracked.
        track: the track id.
        out_dir: the face-set folder: new, empty, or a previous face-set (replaced when this one is complete).
        node: the AlignEdit node (default: the graph's only one).
        frames: frames to consider (default: every frame of the track).
        options: selection and output options.
        on_frame: called with (frame, "kept" or the reason it was dropped).

    Raises:
        ScriptError: no AlignEdit/FaceDetect, unknown track, no frames of the track in range.
        SequenceIOError: no sidecar, an unusable folder, a plate that cannot be read.
    """
    align = graph.find("AlignEdit", node, where="after FaceDetect")
    candidates, identity = _candidates(align, int(track), frames)
    folder = _output_folder(out_dir)
    staging = _staging_folder(folder, ["faces", "mattes"] + (["exr"] if options.exr else []))
    try:
        manifest = _write_faceset(staging, align, int(track), identity, candidates, options, on_frame)
        _publish(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExtractResult(
        folder,
        os.path.join(folder, "manifest.json"),
        manifest["faces"],
        manifest["skipped"],
        [os.path.join(folder, name) for name in manifest["pictures"]],
        manifest["flagged"],
    )


class _Occlusion:
    """The occlusion model that judges and cuts the face-set's faces: the graph's OcclusionMask's (below
    ``align``), else the shipped default; its threshold and softness shape the matte as the node does."""

    def __init__(self, align: Node, frame: int):
        node = next((n for n in align.graph if n.type_name == "OcclusionMask" and align in n.graph.upstream(n)), None)
        path = node.model_path(frame) if node is not None else None
        self.threshold = float(node.value("threshold", frame)) if node is not None else 0.5
        self.softness = float(node.value("softness", frame)) if node is not None else 0.5
        self.model = learned.OcclusionModel(path or registry.default_occluder())
        self.label = os.path.basename(path) if path else "default"

    def hidden(self, rgb: np.ndarray, aligned_from_array: np.ndarray, size: int) -> np.ndarray:
        """``(size, size)`` float32 occlusion matte of the aligned crop ``size`` px (scene-linear ``rgb``,
        array coordinates)."""
        k = self.model.size / size
        model_from_array = geometry.compose(np.array([[k, 0.0, 0.0], [0.0, k, 0.0]]), aligned_from_array)
        prob = self.model.predict_aligned(self.model.crop(rgb, model_from_array))
        matte = learned.shape_matte(prob, self.threshold, self.softness)
        if matte.shape[0] != size:
            matte = cv2.resize(matte, (size, size), interpolation=cv2.INTER_LINEAR)
        return np.clip(matte, 0.0, 1.0)


def _write_faceset(
    folder: str,
    align: Node,
    track: int,
    identity: str,
    candidates: list[int],
    options: ExtractOptions,
    on_frame: Callable[[int, str], None] | None,
) -> dict[str, Any]:
    """Writes crops, mattes, alignment export, pictures and manifest into ``folder``; returns the manifest."""

    graph = align.graph
    kept: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    skipped = {"every": 0, "min_size": 0, "pose": 0, **{issue: 0 for issue in QUALITY_ISSUES}, "duplicate": 0}
    flagged = {issue: 0 for issue in QUALITY_ISSUES}
    occluder = _Occlusion(align, candidates[0]) if options.occlusion else None
    thumbs, last_thumb = [], None
    stem = f"{identity}_t{track:02d}"
    plate_size = None
    for i, frame in enumerate(candidates):
        if i % options.every:
            skipped["every"] += 1
            continue
        plate = graph.render(align, frame)
        plate_size = plate_size or (plate.display_window.width, plate.display_window.height)
        face = plate.metadata[METADATA_KEY].track(track)
        settings = align.settings_at(frame)
        size = settings.size
        extent = float(np.ptp(face.landmarks, axis=0).max())
        yaw, pitch, roll = face.pose
        reason = None
        if extent < options.min_size:
            reason = "min_size"
        elif (options.max_yaw is not None and abs(yaw) > options.max_yaw) or (
            options.max_pitch is not None and abs(pitch) > options.max_pitch
        ):
            reason = "pose"
        m = face.aligned_from_plate
        landmarks = geometry.apply(m, face.landmarks)
        issues: list[str] = []
        if reason is None:
            issues = _flag_issues(face, options)
            dw = plate.data_window
            rgb = plate.select([c for c in ("R", "G", "B") if plate.has_channel(c)] or plate.channels[:1])
            aligned_from_array = geometry.compose(m, geometry.translation(dw.xmin, dw.ymin))
            crop = warp_crop(rgb.pixels, aligned_from_array, size, align.value("filter", frame))
            hull = hull_matte(landmarks, size)
            hidden = occluder.hidden(rgb.pixels, aligned_from_array, size) if occluder and crop.shape[2] == 3 else None
            occluded = 0.0 if hidden is None else float((hidden * hull).sum() / max(float(hull.sum()), 1e-6))
            if occluded > options.max_occlusion:
                issues.append("occluded")
            for issue in issues:
                flagged[issue] += 1
            if issues and not options.keep_all:
                reason = issues[0]
            display = colour.convert(crop, colour.WORKING_SPACE, PNG_SPACE) if crop.shape[2] == 3 else crop
            grey = np.clip(display.mean(axis=2), 0.0, 1.0)
            thumb = cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA)
            if (
                reason is None
                and options.dedupe > 0
                and last_thumb is not None
                and float(np.abs(thumb - last_thumb).mean()) < options.dedupe
            ):
                reason = "duplicate"
        if reason is not None:
            skipped[reason] += 1
            dropped.append(
                {
                    "frame": frame,
                    "pose": [yaw, pitch, roll],
                    "reason": reason,
                    "landmarks": np.round(landmarks, 2).tolist(),
                }
            )
            if on_frame:
                on_frame(frame, reason)
            continue
        last_thumb = thumb
        name = f"{stem}_{frame:06d}"
        matte = hull if hidden is None else hull * (1.0 - hidden)
        write_preview(
            Plate(np.ascontiguousarray(display), ["R", "G", "B"]), os.path.join(folder, "faces", name + ".png")
        )
        write_preview(Plate(matte, ["A"]), os.path.join(folder, "mattes", name + ".png"), channels=["A"])
        entry = {
            "image": f"faces/{name}.png",
            "matte": f"mattes/{name}.png",
            "exr": None,
            "source_plate": _source_plate(align, frame),
            "frame": frame,
            "track": track,
            "identity": identity,
            "aligned_from_plate": np.round(m, 9).tolist(),
            "landmarks": np.round(landmarks, 3).tolist(),
            "pose": [round(v, 2) for v in (yaw, pitch, roll)],
            "sharpness": round(sharpness(grey), 6),
            "face_size": round(extent, 2),
            "flags": sorted(face.flags),
            "confidence": round(float(face.confidence.mean()), 3),
            "occlusion": round(occluded, 4),
            "issues": issues,
        }
        if options.exr:
            entry["exr"] = f"exr/{name}.exr"
            write_image(Plate(crop, rgb.channels), os.path.join(folder, entry["exr"]))
        kept.append(entry)
        thumbs.append((display, landmarks, frame))
        if on_frame:
            on_frame(frame, "kept")
    if not kept:
        reasons = ", ".join(f"{n} {why.replace('_', ' ')}" for why, n in skipped.items() if n)
        raise FaceplateError(
            f"AlignEdit '{align.name}': no face of track {track} passed the options (dropped: "
            f"{reasons}); loosen --every, --min-size, --max-yaw/--max-pitch, --dedupe, "
            "--min-confidence or --max-occlusion, or keep every face with --keep-all"
        )
    export = align.export_alignment(track, os.path.join(folder, f"{stem}_alignment"), plate_size, frames=candidates)
    pictures = [
        write_contact_sheet(
            os.path.join(folder, "contact_sheet.png"),
            thumbs,
            f"{stem}  {len(kept)} faces  ({settings.face_type}, {size} px)",
        ),
        write_pose_coverage(os.path.join(folder, "pose_coverage.png"), kept, dropped, stem),
        write_expression_coverage(os.path.join(folder, "expression_coverage.png"), kept, dropped, stem),
    ]
    manifest = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "node": align.name,
        "track": track,
        "identity": identity,
        "face_type": settings.face_type,
        "size": size,
        "coverage": settings.coverage,
        "vertical_offset": settings.vertical_offset,
        "plate_size": list(plate_size),
        "frames": [candidates[0], candidates[-1]],
        "colour_space": {"png": PNG_SPACE, "exr": colour.WORKING_SPACE},
        "coordinates": "landmarks in aligned pixels; aligned_from_plate maps plate pixels to aligned pixels "
        "(origin top-left, y down, pixel centres at +0.5)",
        "options": dataclasses.asdict(options),
        "skipped": skipped,
        "flagged": flagged,
        "occlusion_model": occluder.label if occluder else None,
        "alignment": {"json": os.path.basename(export[0]), "nuke": os.path.basename(export[1])},
        "pictures": [os.path.basename(p) for p in pictures],
        "faces": kept,
    }
    write_text(os.path.join(folder, "manifest.json"), json.dumps(manifest, indent=1) + "\n")
    return manifest


def _flag_issues(face, options: ExtractOptions) -> list[str]:
    """The :data:`QUALITY_ISSUES` a face has from its tracking alone (occlusion is judged on the crop)."""
    issues = []
    if "interpolated" in face.flags:
        issues.append("interpolated")
    if "outlier" in face.flags:
        issues.append("predicted")
    if float(face.confidence.mean()) < options.min_confidence:
        issues.append("poor_fit")
    return issues


def write_contact_sheet(path: str, thumbs: list, title: str, columns: int = 8, cell: int = 128) -> str:
    """Up to 48 crops spread over the set, landmarks drawn, frame numbers under each."""

    if len(thumbs) > 48:
        thumbs = [thumbs[round(i * (len(thumbs) - 1) / 47)] for i in range(48)]
    rows = max(1, -(-len(thumbs) // columns))
    sheet = np.full((24 + rows * (cell + 14), columns * cell, 3), 0.09, np.float32)
    put_text(sheet, title, (6, 17), 0.5, (1.0, 0.8, 0.3), 1)
    for i, (display, landmarks, frame) in enumerate(thumbs):
        k = cell / display.shape[0]
        image = cv2.resize(display, (cell, cell), interpolation=cv2.INTER_AREA)
        for x, y in landmarks * k:
            cv2.circle(image, (int(x * 16), int(y * 16)), 16, (0.2, 1.0, 0.2), -1, cv2.LINE_AA, 4)
        y0, x0 = 24 + (i // columns) * (cell + 14), (i % columns) * cell
        sheet[y0 : y0 + cell, x0 : x0 + cell] = np.clip(image, 0, 1)
        put_text(sheet, str(frame), (x0 + 3, y0 + cell + 11), 0.35, (0.85, 0.85, 0.85), 1)
    write_preview(Plate(sheet, ["R", "G", "B"]), path)
    return path


def write_pose_coverage(path: str, kept: list[dict], dropped: list[dict], title: str) -> str:
    """Yaw/pitch scatter over a 15-degree grid: cell counts of kept faces, empty cells hatched."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yaw_edges, pitch_edges = POSE_BINS
    yaw = np.array([f["pose"][0] for f in kept]) if kept else np.zeros(0)
    pitch = np.array([f["pose"][1] for f in kept]) if kept else np.zeros(0)
    counts, _, _ = np.histogram2d(yaw, pitch, bins=(yaw_edges, pitch_edges))
    fig, ax = plt.subplots(figsize=(8, 5.2), dpi=100)
    # Light greens only (the colormap's upper part is too dark for the red points and the counts).
    top = max(float(np.log1p(counts).max()), 1.0)
    ax.pcolormesh(
        yaw_edges,
        pitch_edges,
        np.ma.masked_equal(np.log1p(counts.T), 0),
        cmap="Greens",
        vmin=-0.3 * top,
        vmax=1.6 * top,
    )
    for i in range(len(yaw_edges) - 1):
        for j in range(len(pitch_edges) - 1):
            if counts[i, j]:  # in the cell's top-left corner, on a white label, clear of the points
                ax.text(
                    yaw_edges[i] + 1.0,
                    pitch_edges[j + 1] - 1.0,
                    str(int(counts[i, j])),
                    ha="left",
                    va="top",
                    fontsize=8,
                    fontweight="bold",
                    zorder=5,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
                )
            else:
                ax.add_patch(
                    plt.Rectangle(
                        (yaw_edges[i], pitch_edges[j]), 15, 15, fill=False, hatch="///", edgecolor="0.85", linewidth=0
                    )
                )
    if dropped:
        ax.scatter(
            [d["pose"][0] for d in dropped],
            [d["pose"][1] for d in dropped],
            s=10,
            c="0.6",
            marker="x",
            label=f"dropped ({len(dropped)})",
        )
    ax.scatter(yaw, pitch, s=12, c="tab:red", label=f"kept ({len(kept)})", zorder=4)
    ax.set(
        xlim=(yaw_edges[0], yaw_edges[-1]),
        ylim=(pitch_edges[0], pitch_edges[-1]),
        xlabel="yaw (deg, + = towards image right)",
        ylabel="pitch (deg, + = looking up)",
    )
    ax.set_title(f"pose coverage: {title}", loc="left", fontsize=11)
    ax.set_title("number: kept faces per 15-degree cell; hatched: no face at that angle", loc="right", fontsize=8)
    ax.set_xticks(yaw_edges)
    ax.set_yticks(pitch_edges)
    ax.grid(True, color="0.8", linewidth=0.5)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)

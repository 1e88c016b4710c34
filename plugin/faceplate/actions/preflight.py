"""Checks made before any work starts, so a mistake costs one line and exit 2 instead of a failed run.

Each check raises a :class:`~faceplate.foundation.errors.FaceplateError` whose message names the file, node or option at
fault and the fix: frame ranges against the files on disk, plate patterns, writable output folders, the first
plate of every Read a render needs, and tracks for the FaceDetect nodes a render goes through.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from faceplate.foundation.errors import ScriptError, SequenceIOError
from faceplate.foundation.frames import format_frame_range
from faceplate.nodes.io.image_info import image_info
from faceplate.nodes.io.sequence import SequencePattern


def plate_frames(pattern: str, frames: Sequence[int] | None = None, *, option: str = "--frames") -> list[int]:
    """The frames of plate ``pattern`` to use: ``frames`` checked against the files on disk, or (None)
    every frame on disk.

    Raises:
        SequenceIOError: the folder does not exist; no frame of the pattern is on disk; a pattern without a
            frame number (naming the file when it exists); requested frames outside those on disk.
    """
    seq = SequencePattern(pattern)
    if not seq.is_sequence:
        if not os.path.isfile(pattern):
            raise SequenceIOError(
                "file not found, and the pattern has no frame number; write the frame number "
                "as #### or %04d (e.g. plates/sh010.####.exr)",
                path=pattern,
            )
        if frames is None:
            raise SequenceIOError(
                f"this file exists but the pattern has no frame number, so it has no frame "
                f"range; for a sequence write the frame number as #### (e.g. "
                f"{_numbered_example(pattern)}), or give the range the one file is used for "
                f"with {option} (e.g. {option} 1001-1100)",
                path=pattern,
            )
        return list(frames)
    if seq.folder and not os.path.isdir(seq.folder):
        raise SequenceIOError("the plate folder does not exist; check the path of the pattern", path=seq.folder)
    on_disk = seq.frames_on_disk()
    if not on_disk:
        raise SequenceIOError(
            f"no frames of this pattern are on disk ({_files_like(seq)}); check the pattern "
            "(#### or %04d for the frame number, the padding, the extension)",
            path=pattern,
        )
    if frames is None:
        return list(on_disk)
    outside = [f for f in frames if f < on_disk[0] or f > on_disk[-1]]
    if outside:
        raise SequenceIOError(
            f"{option} {format_frame_range(frames)} goes beyond the plates on disk (frames "
            f"{format_frame_range(on_disk)}); use {option} {on_disk[0]}-{on_disk[-1]} or less, "
            f"or leave {option} out",
            path=pattern,
        )
    return list(frames)


def _numbered_example(path: str) -> str:
    stem, ext = os.path.splitext(path)
    return f"{stem}.####{ext}"


def _files_like(seq) -> str:
    """What the plate's folder holds that looks like the pattern (for the error message)."""
    folder = seq.folder or "."
    ext = os.path.splitext(seq.pattern)[1]
    names = sorted(n for n in os.listdir(folder) if n.endswith(ext)) if ext else []
    if not names:
        return f"no {ext or ''} files in {folder}".replace("  ", " ")
    return f"{folder} holds e.g. {names[0]}"


def _upstream(graph, nodes: Sequence) -> list:
    out: list = []
    for node in nodes:
        out += [n for n in [node, *graph.upstream(node)] if n not in out]
    return out


def check_reads(graph, nodes: Sequence, frames: Sequence[int]) -> None:
    """Every Read that ``nodes`` pull from can read its plate: the folder exists, the first frame's file opens,
    and (unless its ``missing_frames`` fills gaps) ``frames`` lie within the plates on disk.

    Raises:
        SequenceIOError: naming the Read, the file or folder, and the fix.
    """
    if not frames:
        return
    first = frames[0]
    for node in _upstream(graph, nodes):
        if node.type_name != "Read":
            continue
        seq = SequencePattern(graph.resolve_path(node.value("file", first) or "."))
        if seq.folder and not os.path.isdir(seq.folder):
            raise SequenceIOError(
                f"Read '{node.name}': the plate folder does not exist; fix the Read's file "
                f"knob (faceplate set SCRIPT {node.name}.file=PATTERN)",
                path=seq.folder,
            )
        if seq.is_sequence and node.value("missing_frames", first) == "error":
            on_disk = seq.frames_on_disk()
            outside = [f for f in frames if not on_disk or f < on_disk[0] or f > on_disk[-1]]
            if outside:
                have = f"frames {format_frame_range(on_disk)}" if on_disk else "no frames"
                raise SequenceIOError(
                    f"Read '{node.name}': frames {format_frame_range(outside)} are beyond the "
                    f"plates on disk ({have}); pass --frames within them, or fix the Read's "
                    "file knob",
                    path=seq.pattern,
                )
        try:
            path, _ = node.source(first)
            image_info(path)
        except SequenceIOError as exc:
            raise SequenceIOError(
                f"Read '{node.name}' cannot read its first plate: {exc.reason}", path=exc.path, frame=first
            ) from None


def check_tracked(graph, nodes: Sequence, frame: int) -> None:
    """Every FaceDetect that ``nodes`` pull from has its tracks sidecar (else a render writes the plate
    unchanged).

    Raises:
        ScriptError: naming the FaceDetect, the missing file, and ``faceplate track`` / ``--allow-passthrough``.
    """
    for node in _upstream(graph, nodes):
        if node.type_name != "FaceDetect" or node.value("missing_tracks", frame) != "pass through":
            continue
        path = node.sidecar_path(frame)
        if not os.path.isfile(path):
            raise ScriptError(
                f"the shot is not tracked (no {path}); run `faceplate track SCRIPT "
                f"--node {node.name}` first, or pass --allow-passthrough to render the plate without "
                "faces",
                node=node.name,
            )


def check_render(graph, writers: Sequence, frames: Sequence[int], *, allow_passthrough: bool = False) -> None:
    """What a render of ``writers`` over ``frames`` needs, checked before the first frame: the plates
    (:func:`check_reads`) and, unless ``allow_passthrough``, the tracks (:func:`check_tracked`)."""
    check_reads(graph, writers, frames)
    if frames and not allow_passthrough:
        check_tracked(graph, writers, frames[0])

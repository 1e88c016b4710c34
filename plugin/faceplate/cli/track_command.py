"""faceplate track: shot-long face tracks into a FaceDetect node's sidecar, and a contact sheet per track."""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

from faceplate.actions.preflight import check_reads
from faceplate.actions.shot_tracking import track
from faceplate.cli.exit_codes import EXIT_FRAMES_FAILED, EXIT_OK
from faceplate.cli.render_command import frames_to_render
from faceplate.foundation.errors import FaceplateError, ScriptError
from faceplate.foundation.files import check_output_folder
from faceplate.nodes.core import Graph


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("track", help="track the faces of a shot into a FaceDetect node's sidecar")
    p.add_argument("script")
    p.add_argument("--node", help="the FaceDetect node (default: the script's only one)")
    p.add_argument("--frames", help="frames to track, e.g. 1001-1100 (default: the script's range)")
    p.add_argument(
        "--reference",
        action="append",
        default=[],
        metavar="NAME=PHOTO",
        help="label the tracks of the person in PHOTO as NAME (repeatable)",
    )
    p.add_argument("--no-sheets", action="store_true", help="do not write contact sheets")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def parse_references(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise ScriptError(f"--reference {item!r}: expected NAME=photo.jpg")
        if name in out:
            raise ScriptError(f"--reference: the name '{name}' is given twice")
        out[name] = path
    return out


def run(args: argparse.Namespace) -> int:

    graph = Graph.load(args.script)
    frames = frames_to_render(graph, args.frames, args.script)
    references = parse_references(args.reference)
    detect = graph.find("FaceDetect", args.node)
    check_reads(graph, [detect], frames)
    check_output_folder(detect.sidecar_path(), probe=True, what=f"FaceDetect '{detect.name}' tracks folder")
    bar = tqdm(total=len(frames), unit="frame", desc="track", disable=args.quiet or None, file=sys.stderr)

    def on_frame(frame: int, faces: int) -> None:
        bar.set_postfix(frame=frame, faces=faces, refresh=False)
        bar.update(1)

    try:
        result = track(graph, args.node, frames, references, contact_sheets=not args.no_sheets, on_frame=on_frame)
    except FaceplateError as exc:
        if getattr(exc, "frame", None) is None:
            raise
        bar.close()
        print(f"faceplate: error: {exc}", file=sys.stderr)
        return EXIT_FRAMES_FAILED
    finally:
        bar.close()
    print(
        f"{len(result.tracks)} tracks, {len(result.identities)} identities, {len(frames)} frames in "
        f"{result.seconds:.1f} s ({result.frames_per_second:.1f} frames/s) -> {result.sidecar}"
    )
    for t in result.tracks:
        detected = sum("interpolated" not in tf.flags for tf in t.frames.values())
        print(
            f"  track {t.id}: {t.identity}, frames {t.first}-{t.last}, {detected} detected, "
            f"{len(t.frames) - detected} interpolated"
        )
    for sheet in result.sheets:
        print(f"  contact sheet: {sheet}")
    return EXIT_OK

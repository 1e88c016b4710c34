"""faceplate new: write the default graph script for a plate."""

from __future__ import annotations

import argparse
import os

from faceplate.actions.default_graph import default_graph
from faceplate.actions.preflight import plate_frames
from faceplate.cli.exit_codes import EXIT_OK
from faceplate.foundation.errors import ScriptError
from faceplate.foundation.files import check_output_folder
from faceplate.foundation.frames import parse_frame_range


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new", help="write the default graph script for a plate")
    p.add_argument("script", help="script to write (JSON)")
    p.add_argument("--plate", required=True, help="plate file pattern, e.g. 'plates/sh010.####.exr'")
    p.add_argument(
        "--frames",
        help="frame range, e.g. 1001-1100, within the plates on disk (default: the first to the last "
        "frame of the plate found on disk)",
    )
    p.add_argument("--output", help="output pattern (default: render/<plate>_faceplate.####.exr beside the script)")
    p.add_argument("--bare", action="store_true", help="just Read -> Write, a plain conversion")
    p.add_argument("--force", action="store_true", help="overwrite an existing script")


def run(args: argparse.Namespace) -> int:
    if os.path.exists(args.script) and not args.force:
        raise ScriptError(f"{args.script} already exists; pass --force to overwrite it")
    frames = plate_frames(args.plate, parse_frame_range(args.frames) if args.frames else None)
    check_output_folder(args.script, probe=True, what="the script's folder")
    graph = default_graph(
        args.script, plate=args.plate, frame_range=(min(frames), max(frames)), output=args.output, bare=args.bare
    )
    graph.save(args.script)
    print(f"wrote {args.script}: {' -> '.join(graph.nodes)}, frames {min(frames)}-{max(frames)}")
    return EXIT_OK

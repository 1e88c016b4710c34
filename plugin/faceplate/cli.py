"""The ``faceplate`` command: argument parsing, progress and exit codes over the Python API.

Exit codes (documented in the README):
    0  success
    1  some frames failed (the others were rendered; the report lists which and why)
    2  bad usage, bad script, or an error before any frame was rendered
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

EXIT_OK, EXIT_FRAMES_FAILED, EXIT_USAGE = 0, 1, 2


def _cmd_new(args: argparse.Namespace) -> int:
    from faceplate.errors import ScriptError
    from faceplate.graphs import default_graph
    from faceplate.nodes.io.sequence import parse_frame_range

    if os.path.exists(args.script) and not args.force:
        raise ScriptError(f"{args.script} already exists; pass --force to overwrite it")
    frames = parse_frame_range(args.frames)
    graph = default_graph(args.script, plate=args.plate, frame_range=(min(frames), max(frames)),
                          output=args.output, bare=args.bare)
    graph.save(args.script)
    print(f"wrote {args.script}: {' -> '.join(graph.nodes)}, frames {min(frames)}-{max(frames)}")
    return EXIT_OK


def _cmd_render(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    import faceplate
    from faceplate.errors import ScriptError
    from faceplate.nodes.io.sequence import parse_frame_range

    graph = faceplate.Graph.load(args.script)
    if args.frames:
        frames = parse_frame_range(args.frames)
    elif graph.frame_range is not None:
        frames = list(range(graph.frame_range[0], graph.frame_range[1] + 1))
    else:
        raise ScriptError(f"{args.script} has no frame_range; pass --frames, e.g. --frames 1001-1100")

    bar = tqdm(total=len(frames), unit="frame", desc="render", disable=args.quiet or None, file=sys.stderr)

    def on_frame(result):
        bar.update(1)
        if result.status == "failed":
            bar.write(f"faceplate: {result.error.splitlines()[0]}", file=sys.stderr)

    try:
        report = faceplate.render(graph, frames, write_nodes=args.write or (), skip_existing=args.skip_existing,
                                  on_frame=on_frame)
    finally:
        bar.close()
    if args.report:
        report.save(args.report)
    counts = report.counts()
    print(f"{counts['rendered']} rendered, {counts['skipped']} skipped, {counts['failed']} failed")
    return EXIT_FRAMES_FAILED if report.failed else EXIT_OK


def _cmd_info(args: argparse.Namespace) -> int:
    from faceplate.nodes.io.imagefile import format_info, image_info

    for i, path in enumerate(args.files):
        if i:
            print()
        print(format_info(image_info(path)))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="faceplate", description="Face replacement on scene-linear EXR plates.")
    parser.add_argument("--debug", action="store_true", help="print full tracebacks")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("new", help="write the default graph script for a plate")
    p.add_argument("script", help="script to write (JSON)")
    p.add_argument("--plate", required=True, help="plate file pattern, e.g. 'plates/sh010.####.exr'")
    p.add_argument("--frames", required=True, help="frame range, e.g. 1001-1100")
    p.add_argument("--output", help="output pattern (default: render/<plate>_faceplate.####.exr beside the script)")
    p.add_argument("--bare", action="store_true", help="just Read -> Write, a plain conversion")
    p.add_argument("--force", action="store_true", help="overwrite an existing script")
    p.set_defaults(run=_cmd_new)

    p = sub.add_parser("render", help="render a script's Write nodes")
    p.add_argument("script")
    p.add_argument("--frames", help="frames to render, e.g. 1001-1100, 1001-1100x2, 1001,1005 (default: the script's range)")
    p.add_argument("--skip-existing", action="store_true",
                   help="leave frames whose outputs are complete and were written by this script")
    p.add_argument("--write", action="append", metavar="NODE", help="render only this Write node (repeatable)")
    p.add_argument("--report", metavar="FILE", help="write a JSON report: frame -> status, seconds, worker, error")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_cmd_render)

    p = sub.add_parser("info", help="channels, windows, parts, views and metadata of image files")
    p.add_argument("files", nargs="+")
    p.set_defaults(run=_cmd_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from faceplate import __version__

        print(__version__)
        return EXIT_OK
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from faceplate.errors import FaceplateError

    try:
        return args.run(args)
    except FaceplateError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"faceplate: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("faceplate: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

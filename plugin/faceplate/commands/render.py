"""faceplate render: render a script's Write nodes over a frame range."""

from __future__ import annotations

import argparse
import sys

from faceplate.commands import EXIT_FRAMES_FAILED, EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="render a script's Write nodes")
    p.add_argument("script")
    p.add_argument("--frames", help="frames to render, e.g. 1001-1100, 1001-1100x2, 1001,1005 (default: the script's range)")
    p.add_argument("--skip-existing", action="store_true",
                   help="leave frames whose outputs are complete and were written by this script")
    p.add_argument("--write", action="append", metavar="NODE", help="render only this Write node (repeatable)")
    p.add_argument("--report", metavar="FILE", help="write a JSON report: frame -> status, seconds, worker, error")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def frames_to_render(graph, text: str | None, script: str) -> list[int]:
    from faceplate.errors import ScriptError
    from faceplate.nodes.io.sequence import parse_frame_range

    if text:
        return parse_frame_range(text)
    if graph.frame_range is None:
        raise ScriptError(f"{script} has no frame_range; pass --frames, e.g. --frames 1001-1100")
    return list(range(graph.frame_range[0], graph.frame_range[1] + 1))


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    import faceplate

    graph = faceplate.Graph.load(args.script)
    frames = frames_to_render(graph, args.frames, args.script)
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

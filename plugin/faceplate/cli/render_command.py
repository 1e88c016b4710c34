"""faceplate render: render a script's Write nodes over a frame range, here or on a cluster."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys

from tqdm import tqdm

from faceplate.actions.preflight import check_render
from faceplate.actions.rendering import render, writers
from faceplate.actions.workers import chunks
from faceplate.cli.exit_codes import EXIT_FRAMES_FAILED, EXIT_OK
from faceplate.foundation.errors import ScriptError
from faceplate.foundation.frames import format_frame_range, parse_frame_range
from faceplate.nodes.core import Graph

EXIT_CODES = {
    "0": "success",
    "1": "some frames failed (the report lists them)",
    "2": "bad usage, bad script, or an error before any frame was rendered",
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="render a script's Write nodes")
    p.add_argument("script")
    p.add_argument(
        "--frames", help="frames to render, e.g. 1001-1100, 1001-1100x2, 1001,1005 (default: the script's range)"
    )
    p.add_argument(
        "--skip-existing",
        action="store_true",
        help="leave frames whose outputs are complete and were written by this script",
    )
    p.add_argument("--write", action="append", metavar="NODE", help="render only this Write node (repeatable)")
    p.add_argument("--report", metavar="FILE", help="write a JSON report: frame -> status, seconds, worker, error")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="local worker processes (default 1)")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="render on Dask distributed: tcp://HOST:PORT (an existing cluster) or local:N (start N workers)",
    )
    p.add_argument("--chunk", type=int, default=1, metavar="N", help="frames per task (default 1)")
    p.add_argument(
        "--retries",
        type=int,
        default=2,
        metavar="N",
        help="re-runs of a task whose worker dies or that raises (default 2)",
    )
    p.add_argument(
        "--print-tasks",
        action="store_true",
        help="print one 'faceplate render' command per chunk for a farm manager, and render nothing",
    )
    p.add_argument("--json", action="store_true", help="with --print-tasks: print a JSON job description")
    p.add_argument(
        "--allow-passthrough",
        action="store_true",
        help="render even when a FaceDetect has no tracks yet (the plate passes through without faces); "
        "without it that is an error",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def frames_to_render(graph, text: str | None, script: str) -> list[int]:
    if text:
        return parse_frame_range(text)
    if graph.frame_range is None:
        raise ScriptError(f"{script} has no frame_range; pass --frames, e.g. --frames 1001-1100")
    return list(range(graph.frame_range[0], graph.frame_range[1] + 1))


def print_tasks(args: argparse.Namespace, graph, frames: list[int]) -> None:
    """One self-contained command per chunk: any farm manager can run them in any order, anywhere."""
    script = os.path.abspath(args.script)
    tasks = []
    for chunk in chunks(frames, args.chunk):
        command = ["faceplate", "render", script, "--frames", format_frame_range(chunk), "-q"]
        if args.skip_existing:
            command.append("--skip-existing")
        for name in args.write or ():
            command += ["--write", name]
        tasks.append({"frames": format_frame_range(chunk), "command": command})
    if args.json:
        job = {
            "script": script,
            "script_hash": graph.script_hash(),
            "frames": format_frame_range(frames),
            "chunk": args.chunk,
            "tasks": tasks,
            "exit_codes": EXIT_CODES,
        }
        print(json.dumps(job, indent=2))
    else:
        for task in tasks:
            print(shlex.join(task["command"]))


def run(args: argparse.Namespace) -> int:

    graph = Graph.load(args.script)
    frames = frames_to_render(graph, args.frames, args.script)
    if args.json and not args.print_tasks:
        raise ScriptError("--json goes with --print-tasks")
    if args.print_tasks:
        print_tasks(args, graph, frames)
        return EXIT_OK

    nodes = writers(graph, args.write or ())
    for node in nodes:  # outputs first: the cheapest mistake to fix
        node.check_output_folder()
    check_render(graph, nodes, frames, allow_passthrough=args.allow_passthrough)
    bar = tqdm(total=len(frames), unit="frame", desc="render", disable=args.quiet or None, file=sys.stderr)

    def on_frame(result):
        bar.update(1)
        if result.status == "failed":
            bar.write(f"faceplate: {result.error.splitlines()[0]}", file=sys.stderr)

    try:
        report = render(
            graph,
            frames,
            write_nodes=args.write or (),
            skip_existing=args.skip_existing,
            on_frame=on_frame,
            jobs=args.jobs,
            scheduler=args.scheduler,
            chunk=args.chunk,
            retries=args.retries,
        )
    finally:
        bar.close()
    if args.report:
        report.save(args.report)
    counts = report.counts()
    print(f"{counts['rendered']} rendered, {counts['skipped']} skipped, {counts['failed']} failed")
    return EXIT_FRAMES_FAILED if report.failed else EXIT_OK

"""``faceplate demo [-o DIR] [--quick] [--plates-only]``: the whole workflow on a synthetic shot made from real
photos."""

from __future__ import annotations

import argparse
import shlex
import sys

from faceplate.cli.demo_workflow import FULL, QUICK, run_demo, write_plates
from faceplate.cli.exit_codes import EXIT_INTERRUPTED, EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="build a synthetic EXR shot from real photos and run the whole workflow on it",
        description="Writes a 48-frame 1920x1080 scene-linear EXR shot of one real face (with "
        "motion, exposure drift, noise and a passing microphone) and a short sequence "
        "of another, then runs new, track, extract, train (the CPU preset) and render, "
        "printing each command, and writes a contact sheet and a before/after PNG.",
    )
    p.add_argument(
        "-o",
        "--output",
        default="faceplate-demo",
        help="folder for everything (default ./faceplate-demo); a folder of an interrupted run is resumed "
        "(finished steps are skipped); delete it to start over",
    )
    p.add_argument("--quick", action="store_true", help="a small, fast variant (640x360, 12 frames, 120 steps)")
    p.add_argument(
        "--plates-only",
        action="store_true",
        help="only write the EXR plates (to follow examples/walkthrough.md by hand)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars or commands printed")


def run(args: argparse.Namespace) -> int:
    settings = QUICK if args.quick else FULL
    if args.plates_only:
        for pattern in write_plates(args.output, settings, quiet=args.quiet):
            print(f"  plates: {pattern}")
        return EXIT_OK
    try:
        result = run_demo(args.output, settings, quiet=args.quiet)
    except KeyboardInterrupt:
        again = ["faceplate", "demo", "-o", args.output] + (["--quick"] if args.quick else [])
        print(
            f"faceplate: demo interrupted; run `{shlex.join(again)}` again to continue where it stopped",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print(
        f"demo done in {result.seconds['total']:.0f} s ("
        + ", ".join(f"{k} {v:.0f} s" for k, v in result.seconds.items() if k != "total")
        + ")"
    )
    print(f"  script:        {result.script}")
    print(f"  render:        {result.render_pattern}")
    print(f"  contact sheet: {result.contact_sheet}")
    print(f"  before/after:  {result.before_after}")
    return EXIT_OK

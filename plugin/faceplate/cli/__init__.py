"""The ``faceplate`` command: argument parsing, progress and exit codes over the Python API.

Each subcommand lives in ``faceplate.cli.<name>_command`` (``add_parser(subparsers)``, ``run(args) -> int``).
Exit codes (documented in the README):
0 success, 1 some frames failed, 2 bad usage / bad script / an error before any work, 130 interrupted
(Ctrl-C; a training writes a checkpoint first).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from faceplate.cli.exit_codes import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from faceplate.foundation.errors import FaceplateError
from faceplate.foundation.version import __version__

# Order of the subcommands in --help.
COMMANDS = ("new", "track", "extract", "train", "render", "view", "set", "knobs", "info", "demo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="faceplate", description="Face replacement on scene-linear EXR plates.")
    parser.add_argument("--debug", action="store_true", help="print full tracebacks (anywhere on the line)")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"faceplate.cli.{name}_command")
        module.add_parser(sub)
        sub.choices[name].set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # --debug is accepted anywhere on the line (before or after the subcommand), as users type it.
    end = argv.index("--") if "--" in argv else len(argv)
    debug = "--debug" in argv[:end]
    argv = [a for i, a in enumerate(argv) if i >= end or a != "--debug"]
    args = parser.parse_args(argv)
    args.debug = debug
    args.argv = argv + (["--debug"] if debug else [])
    if args.version:
        print(__version__)
        return EXIT_OK
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE

    try:
        return args.run(args)
    except FaceplateError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"faceplate: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("faceplate: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())

"""faceplate view: the browser viewer and knob editor for a script (see docs/viewer.md)."""

from __future__ import annotations

import argparse
import logging
import sys

from faceplate.cli.exit_codes import EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("view", help="view and edit a script in the browser")
    p.add_argument("script", help="a script, or a training folder (its loss curve and previews)")
    p.add_argument("--port", type=int, default=0, metavar="N", help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="print the address only; do not open a browser")


def run(args: argparse.Namespace) -> int:
    from faceplate.viewer import serve  # deferred: starlette and uvicorn load for `faceplate view` only

    logging.basicConfig(level=logging.INFO, format="faceplate view: %(levelname)s: %(message)s", stream=sys.stderr)

    def ready(url: str) -> None:
        print(f"faceplate view: serving {args.script} at\n    {url}\n(Ctrl-C to stop)", flush=True)

    serve(args.script, port=args.port, open_browser=not args.no_browser, on_ready=ready)
    return EXIT_OK

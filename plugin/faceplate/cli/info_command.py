"""faceplate info: channels, windows, parts, views and metadata of image files, pixels checked."""

from __future__ import annotations

import argparse

from faceplate.cli.exit_codes import EXIT_OK
from faceplate.nodes.io import format_info, image_info, read_image


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="channels, windows, parts, views and metadata of image files")
    p.add_argument("files", nargs="+")
    p.add_argument("--header-only", action="store_true",
                   help="read headers only (default: also decode every part's pixels, so a corrupt file is an error)")


def run(args: argparse.Namespace) -> int:
    for i, path in enumerate(args.files):
        info = image_info(path)
        if not args.header_only:
            for part in info["parts"]:
                if not part.get("deep"):
                    read_image(path, part=part["index"])
        if i:
            print()
        print(format_info(info))
    return EXIT_OK

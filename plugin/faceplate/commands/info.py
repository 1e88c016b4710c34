"""faceplate info: channels, windows, parts, views and metadata of image files."""

from __future__ import annotations

import argparse

from faceplate.commands import EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="channels, windows, parts, views and metadata of image files")
    p.add_argument("files", nargs="+")


def run(args: argparse.Namespace) -> int:
    from faceplate.nodes.io.imagefile import format_info, image_info

    for i, path in enumerate(args.files):
        if i:
            print()
        print(format_info(image_info(path)))
    return EXIT_OK

"""``python -m faceplate.hosts.nuke install FOLDER``: write a folder for NUKE_PATH (see docs/nuke.md)."""

from __future__ import annotations

import argparse
import sys

from faceplate.foundation.errors import FaceplateError
from faceplate.hosts.nuke.gizmo import install as write_folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m faceplate.hosts.nuke", description="faceplate's Nuke adapter: gizmos and toolbar for NUKE_PATH."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    install = sub.add_parser("install", help="write init.py, menu.py, one .gizmo per node and the node catalogue")
    install.add_argument("folder", help="the folder to add to NUKE_PATH")
    args = parser.parse_args(argv)

    try:
        written = write_folder(args.folder)
    except (FaceplateError, OSError) as exc:
        print(f"faceplate: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} files to {args.folder}; add it to NUKE_PATH")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""faceplate info: channels, windows, parts, views and metadata of image files, pixels checked; with
``--models``, every model faceplate knows (source, licence, sha256, commercial status) and whether the
default chain is cleared for commercial use."""

from __future__ import annotations

import argparse
import textwrap

from faceplate.actions.default_graph import default_chain_models
from faceplate.cli.exit_codes import EXIT_OK
from faceplate.foundation.errors import FaceplateError
from faceplate.models.cards import CARDS
from faceplate.nodes.io import format_info, image_info, read_image


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "info",
        help="channels, windows, parts, views and metadata of image files; --models: "
        "every model, its licence and whether the default chain is cleared",
    )
    p.add_argument("files", nargs="*")
    p.add_argument(
        "--models",
        action="store_true",
        help="list every model (source, licence, sha256, commercial use) and the default chain's status",
    )
    p.add_argument(
        "--header-only",
        action="store_true",
        help="read headers only (default: also decode every part's pixels, so a corrupt file is an error)",
    )
    p.add_argument(
        "--full",
        action="store_true",
        help="every metadata value whole (default: long values, such as the faces, summarised)",
    )


def run(args: argparse.Namespace) -> int:
    if args.models:
        print(models_report())
        if not args.files:
            return EXIT_OK
        print()
    elif not args.files:
        raise FaceplateError("faceplate info: name image files, or --models")

    for i, path in enumerate(args.files):
        info = image_info(path)
        if not args.header_only:
            for part in info["parts"]:
                if not part.get("deep"):
                    read_image(path, part=part["index"])
        if i:
            print()
        print(format_info(info, full=args.full))
    return EXIT_OK


def models_report() -> str:
    """Every model card, then the default chain's models and whether all are cleared for commercial use."""
    lines = ["Models"]
    for card in CARDS.values():
        lines += [
            f"  {card.id}: {card.title}",
            f"    commercial use: {card.commercial.upper()}",
            f"    file:    {card.file or '(none)'}   sha256: {card.sha256 or '(none)'}",
            f"    found:   {card.located_by}",
            f"    source:  {card.source}",
        ]
        lines += textwrap.wrap(card.licence, 110, initial_indent="    licence: ", subsequent_indent="             ")
    chain = default_chain_models()
    lines += ["", "Default chain (faceplate new; faceplate track with the FaceDetect knobs as they come)"]
    cleared = True
    for node, cards in chain.items():
        for card in cards:
            lines.append(f"  {node:<14} {card.id:<36} {card.commercial}")
            cleared &= card.commercial == "cleared"
    lines.append(
        f"  cleared for commercial use: {'YES' if cleared else 'NO'} (each model's card says why; "
        "your own trained swap models are yours to clear)"
    )
    return "\n".join(lines)

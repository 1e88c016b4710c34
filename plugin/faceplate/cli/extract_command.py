"""faceplate extract: write a face-set (aligned crops, mattes, manifest) of one track, for training."""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

from faceplate.actions.faceset_extraction import ExtractOptions, extract
from faceplate.actions.preflight import check_reads
from faceplate.cli.exit_codes import EXIT_OK
from faceplate.foundation.frames import parse_frame_range
from faceplate.nodes.core import Graph


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="write a training face-set of one track (aligned crops, mattes, manifest)")
    p.add_argument("script", help="the shot script (JSON), tracked with `faceplate track`")
    p.add_argument("--track", type=int, required=True, help="track id (see `faceplate track`'s summary)")
    p.add_argument("-o", "--output", required=True, help="face-set folder (created)")
    p.add_argument("--node", help="the AlignEdit node (default: the script's only one)")
    p.add_argument("--frames", help="frames to consider, e.g. 1001-1100 (default: the whole track)")
    p.add_argument("--every", type=int, default=1, metavar="N", help="keep every Nth frame (default 1)")
    p.add_argument(
        "--min-size",
        type=float,
        default=0.0,
        metavar="PX",
        help="drop faces smaller than PX plate pixels (landmark extent)",
    )
    p.add_argument("--max-yaw", type=float, metavar="DEG", help="drop faces turned more than DEG left or right")
    p.add_argument("--max-pitch", type=float, metavar="DEG", help="drop faces tilted more than DEG up or down")
    p.add_argument(
        "--dedupe",
        type=float,
        default=0.0,
        metavar="T",
        help="drop near-duplicates: mean grey difference below T (0-1; e.g. 0.01) from the last kept face",
    )
    p.add_argument("--exr", action="store_true", help="also write scene-linear (ACEScg) EXR crops")
    p.add_argument(
        "--min-confidence",
        type=float,
        default=0.5,
        metavar="C",
        help="drop poorly fitted faces: mean landmark confidence below C (0-1, default 0.5)",
    )
    p.add_argument(
        "--max-occlusion",
        type=float,
        default=0.04,
        metavar="F",
        help="drop faces whose hull the occlusion model finds hidden beyond share F (0-1, default 0.04)",
    )
    p.add_argument(
        "--keep-all",
        action="store_true",
        help="keep interpolated, predicted, poorly fitted and occluded faces (flagged in the manifest)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:

    graph = Graph.load(args.script)
    frames = parse_frame_range(args.frames) if args.frames else None
    first = frames[0] if frames else graph.frame_range[0] if graph.frame_range else None
    if first is not None:  # the plates are where the script says (before the crops are staged)
        check_reads(graph, [graph.find("AlignEdit", args.node, where="after FaceDetect")], [first])
    options = ExtractOptions(
        every=args.every,
        min_size=args.min_size,
        max_yaw=args.max_yaw,
        max_pitch=args.max_pitch,
        dedupe=args.dedupe,
        exr=args.exr,
        min_confidence=args.min_confidence,
        max_occlusion=args.max_occlusion,
        keep_all=args.keep_all,
    )
    bar = tqdm(unit="frame", desc="extract", disable=args.quiet or None, file=sys.stderr)
    try:
        result = extract(
            graph,
            args.track,
            args.output,
            node=args.node,
            frames=frames,
            options=options,
            on_frame=lambda frame, what: (bar.set_postfix(frame=frame, refresh=False), bar.update(1)),
        )
    finally:
        bar.close()
    dropped = ", ".join(f"{n} {why.replace('_', ' ')}" for why, n in result.skipped.items() if n)
    flagged = ", ".join(f"{n} {why.replace('_', ' ')}" for why, n in result.flagged.items() if n)
    print(f"{len(result.faces)} faces -> {result.folder}" + (f" (dropped: {dropped})" if dropped else ""))
    if flagged:
        print(
            f"  unfit for training: {flagged} (a face can have several; "
            + (
                "kept with --keep-all, listed under 'issues' in the manifest)"
                if args.keep_all
                else "dropped; --keep-all keeps them, flagged)"
            )
        )
    print(f"  manifest: {result.manifest}")
    for picture in result.pictures:
        print(f"  picture: {picture}")
    return EXIT_OK

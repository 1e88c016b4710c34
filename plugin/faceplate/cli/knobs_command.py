"""faceplate knobs: list a script's nodes with their knobs: type, value (or keys) and range."""

from __future__ import annotations

import argparse
import json

from faceplate.cli.exit_codes import EXIT_OK
from faceplate.foundation.errors import ScriptError
from faceplate.nodes.core import Curve, Graph


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("knobs", help="list a script's knobs: values, keys, types (what `faceplate set` changes)")
    p.add_argument("script", help="the script (JSON)")
    p.add_argument("node", nargs="?", help="only this node")
    p.add_argument("--changed", action="store_true", help="only knobs that differ from their defaults")


def describe_value(knob, stored) -> str:
    """A knob's stored value as one short text: JSON for static values, ``keys F=V (interp), ...`` per
    component for animated ones."""
    parts = [stored] if knob.components == 1 or not isinstance(stored, tuple) else list(stored)
    if not any(isinstance(p, Curve) for p in parts):
        return json.dumps(knob.to_json(stored))

    def one(part) -> str:
        if not isinstance(part, Curve):
            return json.dumps(part)
        return "keys " + ", ".join(
            f"{f:g}={v:g}" + ("" if interp == "linear" else f" ({interp})") for f, v, interp in part.keys
        )

    return one(parts[0]) if len(parts) == 1 else "[" + "; ".join(one(p) for p in parts) + "]"


def describe_kind(knob) -> str:
    d = knob.describe()
    kind = d["type"]
    if d.get("options"):
        kind += " " + "|".join(d["options"])
    low, high = d.get("min"), d.get("max")
    if low is not None or high is not None:
        kind += f" [{'' if low is None else f'{low:g}'}..{'' if high is None else f'{high:g}'}]"
    return kind


def run(args: argparse.Namespace) -> int:
    graph = Graph.load(args.script)
    if args.node is not None and args.node not in graph.nodes:
        raise ScriptError(f"no node '{args.node}' in {args.script}; it has {', '.join(graph.nodes) or 'no nodes'}")
    nodes = [graph[args.node]] if args.node else list(graph)
    for node in nodes:
        rows = [
            (k.name, describe_kind(k), describe_value(k, node[k.name]))
            for k in node.knobs
            if not args.changed or node[k.name] != k.default
        ]
        print(f"{node.name} ({node.type_name})")
        if not rows:
            print("  (no knobs)" if not args.changed else "  (all knobs at their defaults)")
        width = [max(len(r[i]) for r in rows) for i in range(2)] if rows else [0, 0]
        for name, kind, value in rows:
            print(f"  {name:<{width[0]}}  {kind:<{width[1]}}  {value}")
    return EXIT_OK

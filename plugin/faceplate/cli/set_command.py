"""faceplate set: change knobs of a script from the command line, validated as ``Graph.load`` validates.

``faceplate set shot.json NeuralSwap1.model=models/ab/onnx NeuralSwap1.identities=1=B``
``faceplate set shot.json JawBlend1.colour_strength=0.5 --frame 1010`` (a key at 1010; without ``--frame``: a
static value)

A VALUE is read as JSON when it parses (``0.5``, ``true``, ``[10, 20]``), else as text; a text knob (path,
string, choice) always takes the text as it is. Nothing is written unless every assignment is valid, and the
script is replaced atomically.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from faceplate.cli.exit_codes import EXIT_OK
from faceplate.foundation.errors import ScriptError
from faceplate.nodes.core import Graph


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "set",
        help="set knobs of a script (NODE.KNOB=VALUE), checked as loading checks them",
        description="Sets one or more knobs and saves the script atomically. VALUE is JSON when it "
        "parses (0.5, true, [10, 20]), else text. With --frame, sets a key on an "
        "animatable knob instead of a static value.",
    )
    p.add_argument("script", help="the script (JSON) to change")
    p.add_argument("assignments", nargs="+", metavar="NODE.KNOB=VALUE")
    p.add_argument("--frame", type=float, metavar="F", help="set a key at frame F (animatable knobs)")
    p.add_argument(
        "--interpolation",
        default="linear",
        choices=("constant", "linear", "smooth"),
        help="with --frame: the key's interpolation (default linear)",
    )


def parse_assignment(text: str) -> tuple[str, str, str]:
    """``NODE.KNOB=VALUE`` -> ``(node, knob, value text)``."""
    target, sep, value = text.partition("=")
    node, dot, knob = target.rpartition(".")
    if not sep or not dot or not node or not knob:
        raise ScriptError(
            f"'{text}' is not NODE.KNOB=VALUE (e.g. NeuralSwap1.model=models/ab/onnx); "
            "`faceplate knobs SCRIPT` lists the nodes and knobs"
        )
    return node, knob, value


def parse_value(knob, text: str) -> Any:
    """The value of ``text`` for ``knob``: text knobs take it as it is (or a JSON string), others read JSON."""
    if knob.type_name in ("string", "path", "enum"):
        if len(text) >= 2 and text[0] == text[-1] == '"':
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                pass
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text  # the knob's own check names the type it wanted


def apply(graph, assignments: list[str], frame: float | None = None, interpolation: str = "linear") -> list[str]:
    """Applies ``NODE.KNOB=VALUE`` assignments to ``graph`` and checks the result as a script load would;
    returns a description of each change.

    Raises:
        ScriptError: an unknown node or knob, a bad value, or a key on a knob that cannot be animated.
    """
    done = []
    for text in assignments:
        name, knob_name, raw = parse_assignment(text)
        if name not in graph.nodes:
            raise ScriptError(f"no node '{name}' in the script; it has {', '.join(graph.nodes) or 'no nodes'}")
        node = graph[name]
        knob = node.knob(knob_name)
        value = parse_value(knob, raw)
        if frame is None:
            node[knob_name] = value
            done.append(f"{name}.{knob_name} = {json.dumps(knob.to_json(node[knob_name]))}")
        else:
            node.set_key(knob_name, frame, value, interpolation)
            keyed = json.dumps(knob.to_json(knob.validate(value, node=name)))
            done.append(f"{name}.{knob_name} key at {frame:g} = {keyed}")
    # The same checks as Graph.load: the saved text must load back.
    Graph.from_dict(graph.to_dict(), root=graph.root, source="the changed script")
    return done


def run(args: argparse.Namespace) -> int:
    graph = Graph.load(args.script)
    changes = apply(graph, args.assignments, args.frame, args.interpolation)
    graph.save(args.script)
    for change in changes:
        print(change)
    return EXIT_OK

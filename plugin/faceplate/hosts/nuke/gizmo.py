"""A faceplate node as a Nuke gizmo: ``.gizmo`` / Group text generated from the node's metadata.

Layout of the generated node (``Gizmo`` in a .gizmo file, ``Group`` for a copy-paste snippet)::

    add_layer {fp_matte fp_matte.face fp_matte.jaw fp_matte.hairline fp_matte.occlusion}   # the layers faceplate writes
    add_layer {fp_feature fp_feature.eyes fp_feature.mouth}
    add_layer {fp_swap fp_swap.red fp_swap.green fp_swap.blue}
    Gizmo {
     inputs 1
     help "<the node's docstring>"
     addUserKnob {20 FaceDetect}               # tab 1: the node's knobs, then one button per action
     addUserKnob {7 strength l strength t "..." R 0 1 +FORCE_RANGE}
     strength 0.5
     ...
     addUserKnob {22 faceplate_track l Track T "...run_action(nuke.thisNode(), 'track')" +STARTLINE}
     addUserKnob {20 faceplate}                # tab 2: what the adapter keeps on the node
     addUserKnob {1 faceplate_type ...}        # the faceplate node type, e.g. FaceDetect
     ...                                       # frames, farm, output, first/last, show_result, script
    }
     Input {inputs 0 name input number 0}      # one Input per faceplate input, named like it
     set N... [stack 0]
     Read {inputs 0 file "\\[value parent.faceplate_output]" ... name faceplate_result}
     push $N...
     Switch {inputs 3 which {{parent.faceplate_show_result}} name faceplate_switch}
     Output {name Output1}
    end_group

Before a render the gizmo passes its main input through; afterwards the internal Read shows the result
(every layer), with first/last and the file driven by the parent's knobs, so the Read follows a
re-render without touching the gizmo's internals (which Nuke reloads from the .gizmo file). The Switch
sees the plate at inputs 0 and 2 and the Read at input 1, so it is right whichever way Nuke orders a
node's inputs on the stack.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

from faceplate.foundation.errors import ScriptError
from faceplate.foundation.files import write_text
from faceplate.foundation.version import __version__
from faceplate.hosts.nuke import catalog as catalog_io
from faceplate.hosts.nuke import conventions
from faceplate.hosts.nuke.knob_mapping import declaration, knob_from_user_knob, nuke_name, value_text
from faceplate.hosts.nuke.nk_parse import NkNode, braced, parse_script, quote

ADAPTER_TAB = "faceplate"
# The adapter's own knobs (tab 2): (declaration, default value text or None).
ADAPTER_KNOBS: tuple[tuple[str, str | None], ...] = (
    ('{1 faceplate_type l type t "The faceplate node type this gizmo stands for" +DISABLED}', None),
    ('{1 faceplate_version l "made by" t "The faceplate version that generated this gizmo" +DISABLED}', None),
    (
        '{1 faceplate_frames l frames t "Frames to render, e.g. 1001-1100 or 1001-1100x2 (empty: the Read\'s range)"}',
        '""',
    ),
    (
        '{6 faceplate_farm l "submit to farm" t "Send actions to the farm command in '
        '\\$FACEPLATE_NUKE_FARM_COMMAND instead of running them here" +STARTLINE}',
        "false",
    ),
    ('{2 faceplate_output l output t "The rendered sequence the internal Read shows (set by Render)"}', '""'),
    ('{3 faceplate_first l first t "First frame of the output"}', "1"),
    ('{3 faceplate_last l last t "Last frame of the output" -STARTLINE}', "1"),
    (
        '{6 faceplate_show_result l "show result" t "Output the rendered sequence (every layer) instead of the '
        'input" +STARTLINE}',
        "false",
    ),
    ('{2 faceplate_script l script t "The faceplate script the last action ran" +DISABLED}', '""'),
)
RESULT_READ = "faceplate_result"
SWITCH = "faceplate_switch"
# Node colours in the DAG by faceplate category (0xRRGGBBAA).
TILE_COLOURS = {"Face": 0x4F8FBFFF, "Image": 0x7F7F7FFF}
DEFAULT_TILE_COLOUR = 0x8F6FBFFF
BUTTON_CODE = "import faceplate.hosts.nuke.nuke_calls as fp; fp.run_action(nuke.thisNode(), '{action}')"


def node_text(
    entry: dict[str, Any],
    *,
    node_class: str = "Gizmo",
    name: str | None = None,
    values: dict[str, Any] | None = None,
    faceplate_version: str = "",
) -> str:
    """Nuke script text of one faceplate node.

    Args:
        entry: the node's catalogue entry (:func:`faceplate.hosts.nuke.catalog.entry`).
        node_class: ``Gizmo`` for a .gizmo file, ``Group`` for a snippet to paste into a script.
        name: the node's name (a Group snippet); a gizmo takes its name from Nuke.
        values: knob values that differ from the defaults, as faceplate JSON (``Node.knob_json()``).
        faceplate_version: recorded on the node.
    """
    values = values or {}
    unknown = set(values) - {k["name"] for k in entry["knobs"]}
    if unknown:
        raise ScriptError(f"{entry['type']} has no knobs {sorted(unknown)}", node=name)
    lines = [f"add_layer {braced(layer)}" for layer in conventions.nuke_layers()]
    lines.append(f"{node_class} {{")
    body = [f"inputs {len(entry['inputs'])}"]
    if name:
        body.append(f"name {quote(name)}")
    body += [
        f"help {quote(inspect.cleandoc(entry['doc']))}",
        f"tile_color 0x{TILE_COLOURS.get(entry['category'], DEFAULT_TILE_COLOUR):08x}",
        f"addUserKnob {{20 {entry['type']}}}",
    ]
    for knob in entry["knobs"]:
        body.append(declaration(knob))
        body.append(f"{nuke_name(knob['name'])} {value_text(knob, values.get(knob['name'], knob['default']))}")
    for action in entry["actions"]:
        code = BUTTON_CODE.format(action=action)
        body.append(f"addUserKnob {{22 faceplate_{action} l {action.capitalize()} T {quote(code)} +STARTLINE}}")
    body.append(f"addUserKnob {{20 {ADAPTER_TAB}}}")
    for decl, default in ADAPTER_KNOBS:
        knob = decl.split()[1]
        body.append(f"addUserKnob {decl}")
        if knob == "faceplate_type":
            default = quote(entry["type"])
        elif knob == "faceplate_version":
            default = quote(faceplate_version)
        body.append(f"{knob} {default}")
    lines += [" " + line for line in body]
    lines.append("}")
    lines += [" " + line for line in _internal_nodes(entry["inputs"])]
    lines.append("end_group")
    return "\n".join(lines) + "\n"


def _block(cls: str, *knobs: str) -> list[str]:
    return [f"{cls} {{", *(f" {knob}" for knob in knobs), "}"]


def _internal_nodes(inputs: list[str]) -> list[str]:
    lines = []
    # Extra inputs first: they sit unused on the stack; the main input (input 0) is pushed last.
    for number in reversed(range(len(inputs))):
        lines += _block("Input", "inputs 0", f"name {quote(inputs[number])}", f"number {number}")
    read = _block(
        "Read",
        "inputs 0",
        f"file {quote('[value parent.faceplate_output]')}",
        "first {{parent.faceplate_first}}",
        "last {{parent.faceplate_last}}",
        "origfirst {{parent.faceplate_first}}",
        "origlast {{parent.faceplate_last}}",
        "on_error black",
        "raw true",
        f"name {RESULT_READ}",
    )
    output = _block("Output", "name Output1")
    if not inputs:  # a generator: the result or nothing
        return [*lines, *read, *output]
    switch = _block("Switch", "inputs 3", "which {{parent.faceplate_show_result}}", f"name {SWITCH}")
    return [*lines, "set Nplate [stack 0]", *read, "push $Nplate", *switch, *output]


def gizmo_text(entry: dict[str, Any], faceplate_version: str = "") -> str:
    """The ``.gizmo`` file of a node type: its knobs at their defaults."""
    return node_text(entry, node_class="Gizmo", faceplate_version=faceplate_version)


def parse_node(text: str, source: str = "<gizmo>") -> dict[str, Any]:
    """The faceplate node that generated text describes: type, doc, inputs, knobs and their values.

    Returns:
        ``{"type", "doc", "inputs", "actions", "knobs": [knob descriptions with their defaults],
        "values": {knob: faceplate JSON}, "node": NkNode}``, where a knob's ``default`` is the value
        written for it (for a .gizmo, the default).
    """
    nodes = [n for n in parse_script(text, source) if n.cls in ("Gizmo", "Group")]
    if len(nodes) != 1:
        raise ScriptError(f"{source}: expected one Gizmo or Group node, found {len(nodes)}")
    node = nodes[0]
    knobs, actions, tab = [], [], None
    for user in node.user_knobs:
        if user.type_id == 20:
            tab = user.name
        elif user.type_id == 22 and user.name.startswith("faceplate_"):
            actions.append(user.name[len("faceplate_") :])
        elif tab != ADAPTER_TAB:
            knobs.append(knob_from_user_knob(user, node.knobs.get(user.name)))
    inputs = sorted((int(n.knobs["number"].text), n.name) for n in node.children if n.cls == "Input")
    return {
        "type": node.knobs["faceplate_type"].text,
        "doc": node.knobs["help"].text,
        "inputs": [name for _, name in inputs],
        "actions": actions,
        "knobs": knobs,
        "values": {k["name"]: k["default"] for k in knobs},
        "node": node,
    }


def adapter_values(node: NkNode) -> dict[str, str]:
    """The adapter knobs' values of a parsed node (text)."""
    return {name: word.text for name, word in node.knobs.items() if name.startswith("faceplate_")}


# -- a NUKE_PATH folder ---------------------------------------------------------------------------------

TEMPLATES = os.path.join(os.path.dirname(__file__), "nuke_path")
GIZMO_FOLDER = "gizmos"
FOLDER_PLACEHOLDER = "'@FACEPLATE_NUKE_FOLDER@'"


def install(folder: str, catalog: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Writes a folder for ``NUKE_PATH``: init.py, menu.py, one .gizmo per node type, the catalogue.

    Regenerate it after upgrading faceplate or adding node plugins: the gizmos follow the nodes' knobs.
    Gizmos of node types that no longer exist are removed. Returns the files written.
    """
    catalog = catalog_io.from_registry() if catalog is None else catalog
    gizmos = os.path.join(folder, GIZMO_FOLDER)
    os.makedirs(gizmos, exist_ok=True)
    written = []
    for template in ("init.py", "menu.py"):
        with open(os.path.join(TEMPLATES, template)) as f:
            text = f.read().replace(FOLDER_PLACEHOLDER, repr(os.path.abspath(folder)))
        with open(os.path.join(folder, template), "w") as f:
            f.write(text)
        written.append(os.path.join(folder, template))
    for old in os.listdir(gizmos):
        if old.endswith(".gizmo") and old[: -len(".gizmo")] not in catalog:
            os.remove(os.path.join(gizmos, old))
    for type_name, entry in catalog.items():
        path = os.path.join(gizmos, f"{type_name}.gizmo")
        write_text(path, gizmo_text(entry, __version__))
        written.append(path)
    path = os.path.join(folder, catalog_io.FILE_NAME)
    catalog_io.save(catalog, path, __version__)
    written.append(path)
    return written

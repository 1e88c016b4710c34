"""The node catalogue the Nuke side works from: each node type's metadata, as plain JSON.

Inside Nuke, faceplate's node modules (and torch, OpenImageIO, ...) are never imported: the catalogue is
written by ``python -m faceplate.hosts.nuke install`` in faceplate's own environment, next to the
gizmos it generated, and read back in Nuke. An entry is :meth:`Node.describe` plus ``actions``, the
buttons the gizmo gets (:data:`ACTIONS`, or a node class's own ``host_actions``).
"""

from __future__ import annotations

import json
import os
from typing import Any

from faceplate.foundation.errors import ScriptError
from faceplate.foundation.files import write_text
from faceplate.nodes.core.node_types import node_types

FORMAT = "faceplate-nuke-catalog"
VERSION = 1
FILE_NAME = "faceplate_nodes.json"

# Node types the host provides itself: a Nuke Read/Write stands for them, no gizmo is made.
HOST_NATIVE = ("Read", "Write")

# The shot-level actions of the product nodes (faceplate's CLI subcommands, and ``export``: the alignment
# as a keyed CornerPin2D, see align_export). Every node can render. Training is not a gizmo button: it
# takes face-sets of several identities, chosen outside the shot (`faceplate train --identity ...`).
ACTIONS: dict[str, tuple[str, ...]] = {
    "FaceDetect": ("track",),
    "AlignEdit": ("extract", "export"),
}
RENDER = "render"
# Toolbar order: the product workflow first, then any other node alphabetically.
WORKFLOW = ("FaceDetect", "AlignEdit", "OcclusionMask", "NeuralSwap", "JawBlend")


def entry(cls: type) -> dict[str, Any]:
    """The catalogue entry of a node class."""
    data = cls.describe()
    actions = getattr(cls, "host_actions", None) or ACTIONS.get(data["type"], ())
    data["actions"] = [*actions, RENDER]
    return data


def from_registry() -> dict[str, dict[str, Any]]:
    """Every registered node type except the host-native ones, in toolbar order."""
    types = {name: cls for name, cls in node_types().items() if name not in HOST_NATIVE}
    return {name: entry(types[name]) for name in toolbar_order(types)}


def toolbar_order(names) -> list[str]:
    return sorted(names, key=lambda n: (WORKFLOW.index(n) if n in WORKFLOW else len(WORKFLOW), n))


def save(catalog: dict[str, dict[str, Any]], path: str, faceplate_version: str) -> None:
    data = {"format": FORMAT, "version": VERSION, "faceplate_version": faceplate_version, "nodes": catalog}
    write_text(path, json.dumps(data, indent=1) + "\n")


def load(path: str) -> dict[str, dict[str, Any]]:
    """The catalogue saved at ``path`` (a file, or the folder holding :data:`FILE_NAME`)."""
    if os.path.isdir(path):
        path = os.path.join(path, FILE_NAME)
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise ScriptError(
            f"cannot read the faceplate node catalogue {path}: {exc}; run "
            "`python -m faceplate.hosts.nuke install FOLDER` again"
        ) from None
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ScriptError(
            f"{path} is not a faceplate node catalogue of version {VERSION}; run "
            "`python -m faceplate.hosts.nuke install FOLDER` with this faceplate"
        )
    return data["nodes"]

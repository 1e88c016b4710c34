"""Node types by name, found through the ``faceplate.nodes`` entry-point group.

faceplate's own nodes are registered by its package metadata; a studio adds nodes the same way, from
its own package::

    [project.entry-points."faceplate.nodes"]
    MyGrade = "studio_nodes.grade:MyGrade"

A plugin that fails to load is logged and skipped, so one broken package does not stop a render.
:func:`register` adds a class directly (tests, scripts).
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

from faceplate.foundation.errors import ScriptError
from faceplate.nodes.core.node import Node

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "faceplate.nodes"

_registered: dict[str, type[Node]] = {}
_loaded_entry_points = False


def register(cls: type[Node]) -> type[Node]:
    """Registers a node class under its ``type_name`` (usable as a decorator)."""
    if not (isinstance(cls, type) and issubclass(cls, Node)):
        raise TypeError(f"{cls!r} is not a Node subclass")
    existing = _registered.get(cls.type_name)
    if existing is not None and existing is not cls:
        raise ScriptError(f"node type '{cls.type_name}' is already registered by {existing.__module__}")
    _registered[cls.type_name] = cls
    return cls


def _load_entry_points() -> None:
    global _loaded_entry_points
    if _loaded_entry_points:
        return
    _loaded_entry_points = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            cls = ep.load()
            if cls.type_name != ep.name:
                raise TypeError(f"entry point name '{ep.name}' differs from the class's type_name '{cls.type_name}'")
            register(cls)
        except Exception as exc:  # a broken plugin is skipped, never fatal
            log.warning("faceplate: skipping node plugin %s = %s: %s", ep.name, ep.value, exc)


def node_types() -> dict[str, type[Node]]:
    """Every registered node type by name."""
    _load_entry_points()
    return dict(sorted(_registered.items()))


def node_type(name: str) -> type[Node]:
    types = node_types()
    try:
        return types[name]
    except KeyError:
        raise ScriptError(
            f"unknown node type '{name}'; known types: {', '.join(types) or 'none'} "
            "(is the package that provides it installed?)"
        ) from None

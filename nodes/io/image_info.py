"""What ``faceplate info FILE`` shows: every part of an image file, from its header alone."""

from __future__ import annotations

import os
from typing import Any

from faceplate.foundation.errors import FaceplateError
from faceplate.nodes.faces import METADATA_KEY, Faces
from faceplate.nodes.io.image_read import spec_views
from faceplate.nodes.io.oiio_calls import existing_file, mip_level_count, open_input, subimage_specs
from faceplate.nodes.plate import Box2i

__all__ = ["PROVENANCE_PREFIX", "format_info", "image_info"]

PROVENANCE_PREFIX = "faceplate/"

# Shown as fields of their own, so not repeated among the metadata.
_STRUCTURAL = frozenset(
    {"compression", "PixelAspectRatio", "name", "view", "multiView", "oiio:subimages", "oiio:subimagename"}
)


def image_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Describe every part (subimage) of an image file from its header; pixels are not read.

    Returns:
        ``{"path", "format", "parts": [part, ...]}`` where each part is a dict with ``index``, ``name``
        (or None), ``view`` (a part's view, or None), ``views`` (a multi-view part's ``multiView``, hero
        first), ``channels`` (list of ``(name, pixel type)``), ``data_window`` and ``display_window``
        (:class:`Box2i`), ``pixel_aspect``, ``tiles`` (``(w, h)`` or None for scanlines), ``mip_levels``,
        ``compression`` (or None), ``deep``, and ``metadata`` (every other header attribute, storage ones
        included, keys sorted).

    Raises:
        SequenceIOError: missing or unreadable file.
    """
    path = existing_file(path)
    inp = open_input(path)
    try:
        specs = subimage_specs(inp, path)
        parts = [_part_info(i, spec, mip_level_count(inp, i)) for i, spec in enumerate(specs)]
        fmt = inp.format_name()
    finally:
        inp.close()
    return {"path": path, "format": fmt, "parts": parts}


def _part_info(index: int, spec: Any, mip_levels: int) -> dict[str, Any]:
    formats = list(spec.channelformats) or [spec.format] * spec.nchannels
    attributes = {p.name: p.value for p in spec.extra_attribs if p.name not in _STRUCTURAL}
    return {
        "index": index,
        "name": spec.getattribute("name") or None,
        "view": spec.getattribute("view") or None,
        "views": spec_views(spec),
        "channels": [(name, str(fmt)) for name, fmt in zip(spec.channelnames, formats)],
        "data_window": Box2i.from_size(spec.width, spec.height, spec.x, spec.y),
        "display_window": Box2i.from_size(spec.full_width, spec.full_height, spec.full_x, spec.full_y),
        "pixel_aspect": spec.get_float_attribute("PixelAspectRatio", 1.0),
        "tiles": (spec.tile_width, spec.tile_height) if spec.tile_width else None,
        "mip_levels": mip_levels,
        "compression": spec.getattribute("compression") or None,
        "deep": bool(spec.deep),
        "metadata": dict(sorted(attributes.items(), key=lambda kv: kv[0].lower())),
    }


def format_info(info: dict[str, Any], *, full: bool = False) -> str:
    """The text of :func:`image_info`: one block per part, provenance (``faceplate/...``) in its own block.

    Channels are listed by layer. Long values are summarised unless ``full``: the faces metadata as one
    line per face (track, identity, box, pose, flags), other long text cut at :data:`SUMMARY_CHARS`.

    Example:
        >>> print(format_info(image_info("out/sh010_swap.1001.exr")))  # doctest: +SKIP
    """
    parts = info["parts"]
    lines = [f"{info['path']}: {info['format']}, {len(parts)} part{'s' if len(parts) != 1 else ''}"]
    for part in parts:
        lines.extend(_format_part(part, full))
    return "\n".join(lines)


SUMMARY_CHARS = 160


def _format_channels(channels: list[tuple[str, str]]) -> list[str]:
    """The main layer's channels on the ``channels`` line, then one line per other layer:
    ``channels      R, G, B, A (half)`` / ``  fp_matte    face, jaw, hairline, occlusion (half)``."""
    layers: dict[str, list[tuple[str, str]]] = {}
    for name, kind in channels:
        layer, _, short = name.rpartition(".")
        layers.setdefault(layer, []).append((short, kind))

    def members(pairs: list[tuple[str, str]]) -> str:
        kinds = {k for _, k in pairs}
        if len(kinds) == 1:
            return f"{', '.join(n for n, _ in pairs)} ({kinds.pop()})"
        return ", ".join(f"{n} ({k})" for n, k in pairs)

    main = layers.pop("", None)
    lines = [f"  channels      {members(main) if main else ''}".rstrip()]
    width = max((len(layer) for layer in layers), default=0)
    lines.extend(f"    {layer.ljust(width)}  {members(pairs)}" for layer, pairs in layers.items())
    return lines


def _summary(key: str, value: Any) -> str | None:
    """A short text for a long metadata value (None: show it whole)."""
    text = _format_value(value)
    if len(text) <= SUMMARY_CHARS:
        return None
    if key == METADATA_KEY and isinstance(value, str):
        try:
            faces = Faces.from_json(value)
        except FaceplateError:
            pass
        else:
            lines = [
                f"{len(faces)} face{'s' if len(faces) != 1 else ''} at frame {faces.frame} "
                f"({len(text)} chars; --full shows them all)"
            ]
            for face in faces:
                box = ", ".join(f"{v:.0f}" for v in face.box)
                pose = "" if face.pose is None else "  yaw/pitch/roll " + "/".join(f"{v:.0f}" for v in face.pose)
                flags = f"  flags {', '.join(sorted(face.flags))}" if face.flags else ""
                lines.append(
                    f"track {face.track_id} ({face.identity})  box {box}{pose}  "
                    f"confidence {float(face.confidence.mean()):.2f}{flags}"
                )
            return "\n".join(lines)
    return f"{text[:SUMMARY_CHARS]}... ({len(text)} chars; --full shows all)"


def _format_part(part: dict[str, Any], full: bool = False) -> list[str]:
    title = f"part {part['index']}"
    if part["name"]:
        title += f" '{part['name']}'"
    if part["view"]:
        title += f", view {part['view']}"
    if part["views"]:
        title += f", views {', '.join(part['views'])} (hero {part['views'][0]})"
    dw, fw = part["data_window"], part["display_window"]
    storage = f"tiled {part['tiles'][0]}x{part['tiles'][1]}" if part["tiles"] else "scanlines"
    if part["mip_levels"] > 1:
        storage += f", {part['mip_levels']} mip levels"
    if part["deep"]:
        storage += ", deep"
    storage += f", compression {part['compression'] or 'none'}"
    lines = [
        title,
        *_format_channels(part["channels"]),
        f"  data window   {dw}  {dw.width}x{dw.height}",
        f"  display       {fw}  {fw.width}x{fw.height}",
        f"  pixel aspect  {part['pixel_aspect']:g}",
        f"  storage       {storage}",
    ]
    metadata = part["metadata"]
    provenance = {k: v for k, v in metadata.items() if k.startswith(PROVENANCE_PREFIX)}
    others = {k: v for k, v in metadata.items() if k not in provenance}
    for heading, block in (("metadata", others), ("provenance", provenance)):
        if block:
            width = max(len(k) for k in block)
            lines.append(f"  {heading}")
            for k, v in block.items():
                text = None if full else _summary(k, v)
                if text is None:
                    lines.append(f"    {k.ljust(width)}  {_format_value(v)}")
                else:
                    first, *rest = text.split("\n")
                    lines.append(f"    {k.ljust(width)}  {first}")
                    lines.extend(f"    {''.ljust(width)}    {line}" for line in rest)
    return lines


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.9g}"
    if isinstance(value, str):
        return repr(value) if not value.isprintable() else value
    if isinstance(value, (tuple, list)):
        return ", ".join(_format_value(v) if not isinstance(v, str) else repr(v) for v in value)
    return str(value)

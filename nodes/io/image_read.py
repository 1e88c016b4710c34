"""Reading image files into Plates through OpenImageIO.

Conventions (what :func:`read_image` promises):

- **Pixels** become float32. Half and float are exact. 8/16-bit integer images (PNG, JPEG, TIFF...) are
  normalised to 0-1 as usual. **uint channels of an EXR** are IDs (object or material ids), not intensities:
  they keep their integer *value* (``7`` reads as ``7.0``), exact up to 2**24; normalising them would turn
  id 7 into 1.6e-9.
- **Windows** are kept exactly: the data window (which may have a negative origin or lie partly or wholly
  outside the display window) and the display window, as EXR stores them.
- **Parts**: a multi-part EXR is read one part at a time; ``part`` picks it by index or by name, default the
  first part (or, with ``view``, the first part of that view).
- **Views** (stereo): a single-part EXR with a ``multiView`` attribute stores views as channel-name prefixes
  following OpenEXR's rule: a channel without a ``.`` belongs to the first (hero) view, ``left.R`` and
  ``forward.left.u`` belong to ``left`` (the view is the next-to-last component), and channels whose
  next-to-last component is not a view (``disparityL.x``) belong to no view. By default every channel is
  read as stored, so Read -> Write keeps them all. ``view="left"`` keeps that view's channels renamed the
  way the hero view names them (``left.R`` -> ``R``, ``forward.left.u`` -> ``forward.u``) plus the channels
  of no view (shared by every view, as Nuke shows them); ``multiView`` is dropped from the metadata and
  ``view`` set. A multi-part stereo EXR has a ``view`` attribute per part and ``view`` selects among parts.
- **Tiled and MIP-mapped** files: level 0 (full resolution).
- **Metadata**: every header attribute describing the image (see :mod:`.attributes` for the storage
  attributes left out and the value types).
- **Errors**: any problem is a :class:`~faceplate.foundation.errors.SequenceIOError` naming the file, including files
  whose pixels decode while OIIO reports a damaged header. Deep images are refused.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import OpenImageIO as oiio

from faceplate.foundation.errors import FaceplateError, SequenceIOError
from faceplate.nodes import layers
from faceplate.nodes.io.attributes import metadata_from_spec
from faceplate.nodes.io.oiio_calls import check, existing_file, open_input, subimage_specs
from faceplate.nodes.plate import Box2i, Plate

__all__ = ["channel_view", "read_header_metadata", "read_image", "spec_views", "stores_floats"]


def read_image(path: str | os.PathLike[str], *, part: int | str | None = None, view: str | None = None) -> Plate:
    """Read one part (or one view) of an image file, level 0, into a Plate.

    Args:
        path: the file (EXR, or anything OpenImageIO reads: PNG, JPEG, TIFF, DPX...).
        part: a part index (0-based) or part name of a multi-part EXR; None for the first part.
        view: None for every channel as stored; a view name (``"left"``) for that view only, named like
            the hero view (see the module docstring).

    Returns:
        A Plate with float32 ``(H, W, C)`` pixels over the file's data window, its display window, pixel
        aspect, channel names as stored and header metadata. A faceplate render written with the layer
        names used before ``fp_matte``/``fp_feature``/``fp_swap`` (``mask.face``, ``swap.R``) reads with
        today's names (:mod:`faceplate.nodes.layers`).

    Raises:
        SequenceIOError: the file is missing, unreadable, damaged, deep, or the part or view does not exist.

    Example:
        >>> plate = read_image("tests/data/openexr-images/DisplayWindow/t08.exr")  # doctest: +SKIP
        >>> plate.data_window, plate.display_window  # doctest: +SKIP
        (Box2i(xmin=30, ymin=40, ...), Box2i(xmin=0, ymin=0, xmax=500, ymax=400))
    """
    path = existing_file(path)
    inp = open_input(path)
    try:
        specs = subimage_specs(inp, path)
        index = _choose_part(specs, part, view, path)
        spec = specs[index]
        if spec.deep:
            raise SequenceIOError(f"part {index} holds deep data, which faceplate does not read", path=path)
        if spec.depth > 1:
            raise SequenceIOError(
                f"part {index} is a volume (depth {spec.depth}), which faceplate does not read", path=path
            )
        pixels = _read_pixels(inp, index, spec, path)
    finally:
        inp.close()
    channels = list(spec.channelnames)
    metadata = metadata_from_spec(spec)
    if any(key.startswith("faceplate/") for key in metadata):
        # A render from before the fp_ layers (mask.face, swap.R ...) opens with today's names.
        channels = list(layers.current_names(channels))
    views = spec_views(spec)
    if view is not None and views:
        pixels, channels = _select_view(pixels, channels, views, view, path)
        metadata.pop("multiView", None)
        metadata["view"] = view
    try:
        return Plate(
            pixels,
            channels,
            data_window=Box2i.from_size(spec.width, spec.height, spec.x, spec.y),
            display_window=Box2i.from_size(spec.full_width, spec.full_height, spec.full_x, spec.full_y),
            pixel_aspect=spec.get_float_attribute("PixelAspectRatio", 1.0),
            metadata=metadata,
        )
    except FaceplateError as exc:
        raise SequenceIOError(f"part {index}: {exc}", path=path) from None


def read_header_metadata(path: str | os.PathLike[str], *, part: int | str | None = None) -> dict[str, Any]:
    """The metadata :func:`read_image` would give, from the header alone (no pixels decoded).

    Raises:
        SequenceIOError: the file is missing or its header cannot be read.
    """
    return metadata_from_spec(_header(path, part))


def stores_floats(path: str | os.PathLike[str], *, part: int | str | None = None) -> bool:
    """True when the file stores floating-point pixels (half, float), False for integer ones (8/16-bit...)."""
    return _header(path, part).format.basetype in (oiio.HALF, oiio.FLOAT, oiio.DOUBLE)


def _header(path: str | os.PathLike[str], part: int | str | None) -> Any:
    path = existing_file(path)
    inp = open_input(path)
    try:
        specs = subimage_specs(inp, path)
        return specs[_choose_part(specs, part, None, path)]
    finally:
        inp.close()


def spec_views(spec: Any) -> tuple[str, ...]:
    """The views of a single-part multi-view EXR (its ``multiView`` attribute, hero first), else ()."""
    views = spec.getattribute("multiView")
    if isinstance(views, str):
        return (views,)
    return tuple(views) if views else ()


def channel_view(name: str, views: tuple[str, ...]) -> str | None:
    """The view a channel of a multi-view EXR belongs to, by OpenEXR's rule; None for no view."""
    if "." not in name:
        return views[0]
    view = name.split(".")[-2]
    return view if view in views else None


def _hero_name(name: str, view: str) -> str:
    components = name.split(".")
    if len(components) > 1 and components[-2] == view:
        del components[-2]
    return ".".join(components)


def _select_view(
    pixels: np.ndarray, channels: list[str], views: tuple[str, ...], view: str, path: str
) -> tuple[np.ndarray, list[str]]:
    if view not in views:
        raise SequenceIOError(f"no view '{view}'; the file has views {', '.join(views)}", path=path)
    keep = [i for i, name in enumerate(channels) if channel_view(name, views) in (view, None)]
    names = [_hero_name(channels[i], view) for i in keep]
    return np.ascontiguousarray(pixels[:, :, keep]), names


def _part_label(index: int, spec: Any) -> str:
    name = spec.getattribute("name")
    return f"{index} ('{name}')" if name else str(index)


def _choose_part(specs: list[Any], part: int | str | None, view: str | None, path: str) -> int:
    part_views = [spec.getattribute("view") or None for spec in specs]
    if isinstance(part, bool) or not (part is None or isinstance(part, (int, str))):
        raise SequenceIOError(f"part must be an index or a name, got {part!r}", path=path)
    if isinstance(part, int):
        if not 0 <= part < len(specs):
            raise SequenceIOError(
                f"no part {part}; the file has {len(specs)} part(s), 0 to {len(specs) - 1}", path=path
            )
        index = part
    elif isinstance(part, str):
        names = [spec.getattribute("name") or "" for spec in specs]
        if part not in names:
            listed = ", ".join(repr(n) for n in names if n) or "none named"
            raise SequenceIOError(f"no part named '{part}'; parts: {listed}", path=path)
        index = names.index(part)
    elif view is not None and any(part_views):
        matching = [i for i, v in enumerate(part_views) if v == view]
        if not matching:
            known = ", ".join(sorted({v for v in part_views if v}))
            raise SequenceIOError(f"no part of view '{view}'; the parts have views {known}", path=path)
        index = matching[0]
    else:
        index = 0
    if view is not None and not spec_views(specs[index]):
        if part_views[index] not in (view, None):
            raise SequenceIOError(
                f"part {_part_label(index, specs[index])} is view '{part_views[index]}', not '{view}'", path=path
            )
        if not any(part_views):
            raise SequenceIOError(f"view '{view}' asked for, but the file has no views; leave view empty", path=path)
    return index


def _read_pixels(inp: Any, index: int, spec: Any, path: str) -> np.ndarray:
    nchannels = spec.nchannels
    pixels = check(inp, inp.read_image(index, 0, 0, nchannels, oiio.TypeFloat), "reading pixels", path)
    pixels = np.asarray(pixels, dtype=np.float32).reshape(spec.height, spec.width, nchannels)
    if inp.format_name() == "openexr":
        for begin, end in _uint_runs(spec):
            ids = check(inp, inp.read_image(index, 0, begin, end, oiio.TypeUInt), "reading uint channels", path)
            pixels[:, :, begin:end] = np.asarray(ids).reshape(spec.height, spec.width, end - begin)
    return pixels


def _uint_runs(spec: Any) -> list[tuple[int, int]]:
    """[begin, end) runs of consecutive uint channels."""
    formats = list(spec.channelformats) or [spec.format] * spec.nchannels
    runs: list[tuple[int, int]] = []
    for i, fmt in enumerate(formats):
        if fmt != oiio.TypeUInt:
            continue
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs

"""Writing Plates to image files through OpenImageIO, atomically.

:func:`write_image` writes a scene-linear EXR; :func:`write_preview` writes an 8-bit PNG/JPEG/TIFF for
contact sheets and previews (the caller converts colour first).

Atomic writes go through :func:`faceplate.foundation.files.atomic_path` (a hidden ``.partial`` file beside
the frame, fsynced, then renamed; the writer is created for an explicit format, so the temporary name need
not end in an image extension): either the complete new file exists or the previous file (if any) is
untouched.

OIIO stamps a ``DateTime`` attribute with the current time on every EXR it writes; faceplate writes none
unless the metadata holds one, so rendering the same frame twice gives the same file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import OpenImageIO as oiio

from faceplate.foundation.errors import SequenceIOError
from faceplate.foundation.files import atomic_path
from faceplate.nodes.io.attributes import set_metadata
from faceplate.nodes.io.oiio_calls import check, error_text
from faceplate.nodes.plate import Box2i, Plate

__all__ = ["EXR_COMPRESSIONS", "PIXEL_TYPES", "PREVIEW_FORMATS", "write_image", "write_preview"]

PIXEL_TYPES = {"half": oiio.TypeHalf, "float": oiio.TypeFloat, "uint": oiio.TypeUInt}
EXR_COMPRESSIONS = ("none", "rle", "zips", "zip", "piz", "pxr24", "b44", "b44a", "dwaa", "dwab", "htj2k")
_UINT_SCALE = 4294967295.0
PREVIEW_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".tif": "tiff", ".tiff": "tiff"}


def write_image(
    plate: Plate,
    path: str | os.PathLike[str],
    *,
    pixel_type: str | Mapping[str, str] = "half",
    compression: str = "zip",
    channels: Sequence[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Write a plate to an OpenEXR file, atomically.

    Data window, display window, pixel aspect, channel names and metadata are written as they are. Channel
    *order* is not: OpenEXR stores channels sorted by name, and reading gives R, G, B, A first, then the
    others in name order. Values above 65504 become inf in half; use ``pixel_type="float"`` for data that needs it.

    Args:
        plate: the image.
        path: the output file; its folder must exist.
        pixel_type: ``"half"``, ``"float"`` or ``"uint"`` for every channel, or a dict channel -> type
            (channels not named get ``"half"``). uint channels store rounded, clamped ids.
        compression: one of :data:`EXR_COMPRESSIONS`, optionally with a level (``"dwaa:45"``, ``"zip:4"``).
        channels: the channels to write (default: all).
        metadata: header attributes written over the plate's own (see :mod:`.attributes` for types).

    Raises:
        SequenceIOError: bad arguments, a missing or unwritable folder, or OIIO failing to write.

    Example:
        >>> write_image(plate, "out/sh010.1001.exr", compression="piz")  # doctest: +SKIP
    """
    path = os.fspath(path)
    if os.path.splitext(path)[1].lower() != ".exr":
        raise SequenceIOError(
            "write_image writes EXR files (name ending in .exr); use write_preview for PNG/JPEG/TIFF", path=path
        )
    names = list(plate.channels if channels is None else channels)
    unknown = [n for n in names if not plate.has_channel(n)]
    if unknown or not names:
        raise SequenceIOError(
            f"channels {unknown or names} not in the plate (it has {', '.join(plate.channels)})", path=path
        )
    types = _channel_types(pixel_type, names, path)
    spec = oiio.ImageSpec(plate.width, plate.height, len(names), types[0])
    spec.channelnames = tuple(names)
    spec.channelformats = tuple(types)
    spec.alpha_channel = names.index("A") if "A" in names else -1
    spec.z_channel = names.index("Z") if "Z" in names else -1
    _set_windows(spec, plate.data_window, plate.display_window)
    spec.attribute("compression", _compression(compression, path))
    spec.attribute("PixelAspectRatio", float(plate.pixel_aspect))
    merged = {**plate.metadata, **(metadata or {})}
    set_metadata(spec, merged, path=path)
    if "DateTime" not in merged:
        spec.attribute("DateTime", "")  # an empty value stops OIIO stamping the current time
    pixels = plate.pixels if channels is None else plate.pixels[:, :, [plate.channel_index(n) for n in names]]
    _write_atomically(path, "openexr", spec, _exr_buffer(pixels, types))


def write_preview(
    plate: Plate,
    path: str | os.PathLike[str],
    *,
    channels: Sequence[str] | None = None,
    quality: int = 90,
) -> None:
    """Write an 8-bit preview (PNG, JPEG or TIFF by extension) of the plate's display window, atomically.

    Values are clamped to 0-1 and quantised as they are: convert to a display colour space first (see
    :func:`faceplate.nodes.io.colour.convert`). Pixels of the display window outside the data window are
    black; the data window outside the display window is cropped.

    Args:
        plate: the image.
        path: the output file (``.png``, ``.jpg``/``.jpeg``, ``.tif``/``.tiff``).
        channels: 1 to 4 channels to write; default R, G, B (and A for PNG/TIFF) when present, else the first.
        quality: JPEG quality, 1-100.

    Raises:
        SequenceIOError: unknown extension, missing channels, missing or unwritable folder, write failure.
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    fmt = PREVIEW_FORMATS.get(ext)
    if fmt is None:
        raise SequenceIOError(f"preview format '{ext}' unknown; use one of {', '.join(PREVIEW_FORMATS)}", path=path)
    if channels is None:
        wanted = ["R", "G", "B"] + ([] if fmt == "jpeg" else ["A"])
        channels = [n for n in wanted if plate.has_channel(n)] or [plate.channels[0]]
    names = list(channels)
    if not 1 <= len(names) <= 4 or any(not plate.has_channel(n) for n in names):
        raise SequenceIOError(f"preview channels {names}: need 1 to 4 of {', '.join(plate.channels)}", path=path)
    pixels = _display_window_pixels(plate, names)
    height, width = pixels.shape[:2]
    spec = oiio.ImageSpec(width, height, len(names), oiio.TypeUInt8)
    spec.channelnames = tuple("RGBA"[i] if len(names) > 2 else n for i, n in enumerate(names))
    spec.alpha_channel = names.index("A") if "A" in names else -1
    if fmt == "jpeg":
        spec.attribute("Compression", f"jpeg:{int(min(max(quality, 1), 100))}")
    if fmt == "tiff":
        spec.attribute("tiff:write_exif", 0)  # OIIO 3.2 fails writing an empty Exif directory
    codes = np.rint(np.clip(np.nan_to_num(pixels), 0.0, 1.0) * 255.0).astype(np.uint8)
    _write_atomically(path, fmt, spec, codes)


def _channel_types(pixel_type: str | Mapping[str, str], names: list[str], path: str) -> list[Any]:
    if isinstance(pixel_type, str):
        per_channel = {n: pixel_type for n in names}
    else:
        extra = sorted(set(pixel_type) - set(names))
        if extra:
            raise SequenceIOError(f"pixel_type names channels not written: {', '.join(extra)}", path=path)
        per_channel = {n: pixel_type.get(n, "half") for n in names}
    bad = sorted({t for t in per_channel.values() if t not in PIXEL_TYPES})
    if bad:
        raise SequenceIOError(
            f"pixel type {', '.join(map(repr, bad))} unknown; use {', '.join(PIXEL_TYPES)}", path=path
        )
    return [PIXEL_TYPES[per_channel[n]] for n in names]


def _compression(compression: str, path: str) -> str:
    name, _, level = compression.partition(":")
    if name not in EXR_COMPRESSIONS or (level and not level.isdigit()):
        raise SequenceIOError(
            f"EXR compression '{compression}' unknown; use one of {', '.join(EXR_COMPRESSIONS)} "
            "(optionally with a level, e.g. 'dwaa:45')",
            path=path,
        )
    return compression


def _set_windows(spec: Any, data_window: Box2i, display_window: Box2i) -> None:
    spec.x, spec.y = data_window.xmin, data_window.ymin
    spec.full_x, spec.full_y = display_window.xmin, display_window.ymin
    spec.full_width, spec.full_height = display_window.width, display_window.height


def _display_window_pixels(plate: Plate, names: list[str]) -> np.ndarray:
    dw, fw = plate.data_window, plate.display_window
    out = np.zeros((fw.height, fw.width, len(names)), np.float32)
    x0, y0 = max(dw.xmin, fw.xmin), max(dw.ymin, fw.ymin)
    x1, y1 = min(dw.xmax, fw.xmax), min(dw.ymax, fw.ymax)
    if x0 <= x1 and y0 <= y1:
        idx = [plate.channel_index(n) for n in names]
        src = plate.pixels[y0 - dw.ymin : y1 - dw.ymin + 1, x0 - dw.xmin : x1 - dw.xmin + 1][:, :, idx]
        out[y0 - fw.ymin : y1 - fw.ymin + 1, x0 - fw.xmin : x1 - fw.xmin + 1] = src
    return out


def _write_atomically(path: str, fmt: str, spec: Any, pixels: np.ndarray) -> None:
    with atomic_path(path) as temp:
        out = oiio.ImageOutput.create(fmt)
        if out is None:
            raise SequenceIOError(f"OpenImageIO has no {fmt} writer: {error_text()}", path=path)
        try:
            check(out, out.open(temp, spec), "opening for writing", path)
            check(out, out.write_image(pixels), "writing pixels", path)
        finally:
            closed = out.close()
        check(out, closed, "finishing the file", path)


def _exr_buffer(pixels: np.ndarray, types: list[Any]) -> np.ndarray:
    """The buffer to hand OIIO: the float32 pixels, or float64 with ids scaled when there are uint channels.

    OIIO converts a float buffer into a uint channel as a 0-1 intensity (x * 4294967295); ids are therefore
    rounded, clamped and divided by that scale, in float64 so every id up to 2**24 (all a float32 plate
    holds exactly) comes back exact.
    """
    uint = [i for i, t in enumerate(types) if t == oiio.TypeUInt]
    if not uint:
        return np.ascontiguousarray(pixels)
    buffer = np.ascontiguousarray(pixels, dtype=np.float64)
    ids = np.clip(np.rint(np.nan_to_num(buffer[:, :, uint])), 0, _UINT_SCALE)
    buffer[:, :, uint] = ids / _UINT_SCALE
    return buffer

"""Colour-space conversions through OpenColorIO.

The config is OCIO's built-in ACES studio config (``ocio://studio-config-latest``, no files needed) unless
the ``OCIO`` environment variable names another one, as in every OCIO application. Colour-space names are
looked up the way OCIO does it: names, aliases and roles, case-insensitively (``"ACEScg"``, ``"lin_ap1"``,
``"scene_linear"``, ``"sRGB Encoded Rec.709 (sRGB)"``, ``"srgb_tx"``, ``"Raw"``).

Processors are cached per (config, source, destination) in a small LRU cache: building one costs
milliseconds, applying one is thread-safe (OCIO CPU processors are immutable), so a cached processor can
serve every thread of a render. Processors are built with OCIO's *lossless* optimisation: the default one
replaces the sRGB curve's ``pow`` by a fast approximation (a 1.4e-4 error in an ACEScg -> sRGB -> ACEScg
round trip, 2.6e-6 lossless), and lossless was no slower on these machines.
"""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import PyOpenColorIO as ocio

from faceplate.foundation.errors import ColourError
from faceplate.nodes.io.image_read import stores_floats

__all__ = [
    "CONFIG_ENV_VAR",
    "DEFAULT_CONFIG",
    "WORKING_SPACE",
    "colour_space_names",
    "config_path",
    "convert",
    "convert_plate",
    "default_space_for",
    "header_tags",
    "resolve_colour_space",
]

WORKING_SPACE = "ACEScg"
SRGB_ENCODED = "sRGB Encoded Rec.709 (sRGB)"
DEFAULT_CONFIG = "ocio://studio-config-latest"
CONFIG_ENV_VAR = "OCIO"


def config_path() -> str:
    """The OCIO config in use: ``$OCIO`` when set, else :data:`DEFAULT_CONFIG`."""
    return os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG


@functools.lru_cache(maxsize=4)
def _load_config(path: str) -> Any:
    try:
        return ocio.Config.CreateFromFile(path)
    except Exception as exc:  # OCIO raises its own Exception type, not derived from anything useful
        source = f"${CONFIG_ENV_VAR}" if os.environ.get(CONFIG_ENV_VAR) == path else "config"
        raise ColourError(f"cannot load OpenColorIO config '{path}' ({source}): {exc}") from None


def colour_space_names(config: str | None = None) -> list[str]:
    """The colour-space names of a config (default: :func:`config_path`), in config order."""
    return list(_load_config(config or config_path()).getColorSpaceNames())


def resolve_colour_space(name: str, config: str | None = None) -> str:
    """The canonical name of a colour space, alias or role.

    Raises:
        ColourError: the name is unknown; the message lists close matches and the config.
    """
    path = config or config_path()
    cfg = _load_config(path)
    canonical = cfg.getCanonicalName(name) if isinstance(name, str) and name else ""
    if canonical:
        return canonical
    candidates = list(cfg.getColorSpaceNames()) + [role for role, _ in cfg.getRoles()]
    for cs in cfg.getColorSpaces():
        candidates.extend(cs.getAliases())
    lowered = {c.lower(): c for c in candidates}
    close = [lowered[c] for c in difflib.get_close_matches(str(name).lower(), list(lowered), n=5, cutoff=0.5)]
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ColourError(f"colour space {name!r} is not in the OpenColorIO config '{path}'{hint}")


@functools.lru_cache(maxsize=64)
def _processor(config: str, src: str, dst: str) -> Any:
    try:
        processor = _load_config(config).getProcessor(src, dst)
        return processor.getOptimizedCPUProcessor(ocio.OPTIMIZATION_LOSSLESS)
    except Exception as exc:
        raise ColourError(f"OpenColorIO cannot convert {src!r} to {dst!r} with config '{config}': {exc}") from None


def convert(
    pixels: np.ndarray,
    src: str,
    dst: str,
    channels: Sequence[int] = (0, 1, 2),
    *,
    config: str | None = None,
) -> np.ndarray:
    """Convert the RGB channels of an image from one colour space to another.

    Args:
        pixels: ``(H, W, C)`` float32; not modified.
        src, dst: colour-space names, aliases or roles.
        channels: the indices of R, G and B in the last axis; every other channel (alpha, masks) is
            copied through untouched.
        config: an OCIO config path or ``ocio://`` URI (default: :func:`config_path`).

    Returns:
        A new ``(H, W, C)`` float32 array.

    Raises:
        ColourError: bad shape or dtype, bad channel indices, unknown colour space.

    Example:
        >>> grey = np.full((1, 1, 3), 0.18, np.float32)
        >>> round(float(convert(grey, "ACEScg", "sRGB Encoded Rec.709 (sRGB)")[0, 0, 0]), 3)
        0.461
    """
    if not isinstance(pixels, np.ndarray) or pixels.ndim != 3 or pixels.dtype != np.float32:
        got = f"{pixels.shape} {pixels.dtype}" if isinstance(pixels, np.ndarray) else type(pixels).__name__
        raise ColourError(f"convert: expected (H, W, C) float32 pixels, got {got}")
    channels = [int(c) for c in channels]
    if len(channels) != 3 or len(set(channels)) != 3 or not all(0 <= c < pixels.shape[2] for c in channels):
        raise ColourError(f"convert: channels must be 3 distinct indices below {pixels.shape[2]}, got {channels}")
    path = config or config_path()
    src_name, dst_name = resolve_colour_space(src, path), resolve_colour_space(dst, path)
    out = pixels.copy()
    if src_name == dst_name:
        return out
    rgb = np.ascontiguousarray(pixels[:, :, channels])
    _processor(path, src_name, dst_name).applyRGB(rgb)
    out[:, :, channels] = rgb
    return out


# CIE xy of the red, green and blue primaries and the white point (EXR's ``chromaticities``: Rx Ry Gx Gy Bx By
# Wx Wy) of the colour spaces faceplate writes most, by their names in OCIO's studio config.
_AP1 = (0.713, 0.293, 0.165, 0.830, 0.128, 0.044, 0.32168, 0.33767)
_REC709 = (0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.3127, 0.3290)
CHROMATICITIES = {
    "ACEScg": _AP1,
    "ACEScct": _AP1,
    "ACEScc": _AP1,
    "ACES2065-1": (0.7347, 0.2653, 0.0, 1.0, 0.0001, -0.077, 0.32168, 0.33767),
    "Linear Rec.709 (sRGB)": _REC709,
    "sRGB Encoded Rec.709 (sRGB)": _REC709,
    "Linear Rec.2020": (0.708, 0.292, 0.170, 0.797, 0.131, 0.046, 0.3127, 0.3290),
    "Linear P3-D65": (0.680, 0.320, 0.265, 0.690, 0.150, 0.060, 0.3127, 0.3290),
}


def header_tags(space: str, config: str | None = None) -> dict[str, Any]:
    """Header attributes that say which colour space an image file's pixels are in.

    ``colorInteropID``: the config's interop id of the space (the ASWF colour interop name, e.g.
    ``lin_ap1_scene`` for ACEScg; OpenImageIO 3 reads it back as ``oiio:ColorSpace``);
    ``chromaticities``: the standard EXR attribute (primaries and white point) when
    :data:`CHROMATICITIES` knows the space; ``faceplate/colour_space``: the space's name in the OCIO
    config. ``oiio:ColorSpace`` is set to the name too, which OIIO writes as ``colorInteropID`` when
    the config has no interop id but OIIO knows the name. A ``raw`` write says nothing.
    """
    if space == "raw":
        return {}
    path = config or config_path()
    name = resolve_colour_space(space, path)
    tags: dict[str, Any] = {"oiio:ColorSpace": name, "faceplate/colour_space": name}
    interop = _interop_id(path, name)
    if interop:
        tags["colorInteropID"] = interop
    if name in CHROMATICITIES:
        tags["chromaticities"] = tuple(float(v) for v in CHROMATICITIES[name])
    return tags


def _interop_id(config: str, name: str) -> str:
    cs = _load_config(config).getColorSpace(name)
    get = getattr(cs, "getInteropID", None)  # OCIO 2.5 and later
    return str(get() or "") if cs is not None and callable(get) else ""


def default_space_for(path: str | os.PathLike[str], plate: Any = None) -> str:
    """The colour space a file is taken to be in when the Read node's ``colourspace`` knob is empty.

    Float and half files (EXR, HDR...) are scene-linear plates: :data:`WORKING_SPACE`. Integer files
    (8/16-bit PNG, JPEG, TIFF: photos, references) are sRGB-encoded: :data:`SRGB_ENCODED`. The decision
    reads the file's header (the plate's pixels are float32 whatever the file held); ``plate`` is accepted
    for the caller's convenience and not needed.

    Raises:
        SequenceIOError: the file's header cannot be read.
    """
    return WORKING_SPACE if stores_floats(path) else SRGB_ENCODED


def convert_plate(
    plate: Any, src: str, dst: str, channels: Sequence[str] = ("R", "G", "B"), *, config: str | None = None
) -> Any:
    """A copy of a Plate with its named RGB channels converted (see :func:`convert`)."""
    indices = [plate.channel_index(name) for name in channels]
    return plate.replace(pixels=convert(plate.pixels, src, dst, indices, config=config))

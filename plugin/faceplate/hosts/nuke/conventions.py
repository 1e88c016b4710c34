"""Nuke <-> faceplate conventions, all in one place.

Coordinates
    Nuke puts the origin at the bottom-left of the format, y up; faceplate (like EXR) at the top-left of
    the display window's coordinate system, y down. Both put pixel centres at +0.5. For a plate whose
    display window is ``(x0, y0) - (x1, y1)`` (inclusive, EXR) and height ``H = y1 - y0 + 1``, a Nuke
    position ``(x, y)`` is the faceplate position ``(x0 + x, y0 + H - y)``; an offset ``(dx, dy)`` is
    ``(dx, -dy)``. A Nuke box ``(x, y, r, t)`` (right and top exclusive) is the inclusive faceplate box
    ``(x0 + x, y0 + H - t, x0 + r - 1, y0 + H - y - 1)``.
Proxy mode
    Nuke saves knob values at full resolution whatever the proxy setting, and faceplate always renders
    full resolution from the Read's ``file`` (never its ``proxy`` file): a swap is final-quality work and
    its caches and sidecars must not depend on a viewer setting. Nuke scales the returned sequence for
    proxy display like any Read. So proxy mode changes nothing the bridge writes.
Frames and patterns
    ``####`` and ``%04d`` mean the same in both; faceplate's ``@`` becomes ``#``. Nuke's view tokens
    (``%V``, ``%v``) and Tcl (``[...]``) are not faceplate's and are refused with the fix. A Nuke Read
    that remaps time (frame mode / frame expression) is refused too: faceplate frames are file frames.
Colour
    Nuke names colour spaces by its own (nuke-default) or OCIO names; faceplate takes OCIO names, aliases
    or roles of its config. ``raw`` stays raw; ``default (X)`` is X.
Channels
    faceplate's EXR channels ``R G B A`` and ``layer.R`` are Nuke's ``rgba.red`` ... and ``layer.red``;
    other channel names (``fp_matte.jaw``) keep their name, so a Shuffle picks them from the ``fp_matte``
    layer. faceplate's layers (:mod:`faceplate.nodes.layers`) stay clear of Nuke's built-in ``mask`` layer
    and hold at most four channels each, as Nuke's layers do.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping

from faceplate.foundation.errors import ScriptError
from faceplate.nodes import layers as layer_names

# -- coordinates ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PlateSpace:
    """A plate's display window, for converting Nuke positions.

    Args:
        width, height: the format (display window) size in pixels.
        x0, y0: the display window's top-left corner in EXR pixel coordinates (0, 0 for most plates).
    """

    width: int
    height: int
    x0: int = 0
    y0: int = 0

    def to_faceplate(self, x: float, y: float) -> tuple[float, float]:
        return self.x0 + x, self.y0 + self.height - y

    def to_nuke(self, x: float, y: float) -> tuple[float, float]:
        return x - self.x0, self.y0 + self.height - y

    @staticmethod
    def offset(dx: float, dy: float) -> tuple[float, float]:
        """An offset either way (the flip is its own inverse)."""
        return dx, -dy

    def box_to_faceplate(self, x: int, y: int, r: int, t: int) -> tuple[int, int, int, int]:
        """A Nuke box ``(x, y, r, t)`` as an inclusive faceplate box ``(xmin, ymin, xmax, ymax)``."""
        return self.x0 + x, self.y0 + self.height - t, self.x0 + r - 1, self.y0 + self.height - y - 1

    def box_to_nuke(self, xmin: int, ymin: int, xmax: int, ymax: int) -> tuple[int, int, int, int]:
        return xmin - self.x0, self.y0 + self.height - ymax - 1, xmax - self.x0 + 1, self.y0 + self.height - ymin

    def nuke_from_faceplate(self) -> list[list[float]]:
        """The 3x3 matrix taking faceplate pixel coordinates to Nuke's (its own inverse, shifted)."""
        return [[1.0, 0.0, -self.x0], [0.0, -1.0, self.y0 + self.height], [0.0, 0.0, 1.0]]

    def faceplate_from_nuke(self) -> list[list[float]]:
        return [[1.0, 0.0, self.x0], [0.0, -1.0, self.y0 + self.height], [0.0, 0.0, 1.0]]


def plate_space(fmt: Mapping, display_window: list[int] | None = None) -> PlateSpace:
    """The space of a recorded Read: ``format`` ``{width, height}`` and optional EXR ``display_window``."""
    if display_window:
        x0, y0, x1, y1 = display_window
        return PlateSpace(x1 - x0 + 1, y1 - y0 + 1, x0, y0)
    return PlateSpace(int(fmt["width"]), int(fmt["height"]))


# -- file patterns and frames ------------------------------------------------------------------------

_VIEW_TOKEN = re.compile(r"%[Vv]")
_AT_RUN = re.compile(r"@+")


def faceplate_pattern(nuke_file: str, *, node: str) -> str:
    """A Nuke Read's (Tcl-evaluated) file pattern as a faceplate Read pattern."""
    if not nuke_file:
        raise ScriptError("the Read's file knob is empty; choose the plate", node=node, knob="file")
    if _VIEW_TOKEN.search(nuke_file):
        raise ScriptError(
            f"'{nuke_file}' has a view token (%V/%v); faceplate reads one view: put that view's "
            "path in a Read of its own",
            node=node,
            knob="file",
        )
    if "[" in nuke_file:
        raise ScriptError(
            f"'{nuke_file}' still holds a Tcl expression; the adapter records the evaluated path, "
            "so this one did not evaluate: fix the expression or type the path",
            node=node,
            knob="file",
        )
    return nuke_file


def nuke_pattern(pattern: str) -> str:
    """A faceplate output pattern as Nuke writes it (``@@@@`` -> ``####``; ``####``/``%04d`` unchanged)."""
    return _AT_RUN.sub(lambda m: "#" * len(m.group(0)), pattern)


def check_frame_mode(frame_mode: str, frame: str, *, node: str) -> None:
    if frame.strip():
        raise ScriptError(
            f"the Read remaps time (frame mode '{frame_mode}', frame '{frame}'); faceplate renders "
            "file frames: clear the Read's frame knob and retime after faceplate",
            node=node,
            knob="frame",
        )


# Nuke's Read on_error -> faceplate's missing_frames.
MISSING_FRAMES = {"error": "error", "black": "black", "checkerboard": "black", "nearest frame": "hold"}


def missing_frames(on_error: str, *, node: str) -> str:
    try:
        return MISSING_FRAMES[on_error]
    except KeyError:
        raise ScriptError(
            f"missing-frames setting '{on_error}' is not one of {', '.join(MISSING_FRAMES)}", node=node, knob="on_error"
        ) from None


def workdir(nk_script: str, project_directory: str = "", env: Mapping[str, str] | None = None) -> str:
    """The folder where a Nuke script's faceplate scripts, sidecars and renders go.

    ``$FACEPLATE_NUKE_WORKDIR`` (``{nk_dir}``, ``{nk_name}`` and ``{project}`` filled in) or, by
    default, ``<nk_dir>/faceplate/<nk_name>``.
    """
    if not nk_script or nk_script == "Root":
        raise ScriptError("the Nuke script is not saved; save it first (faceplate keeps its files beside it)")
    env = os.environ if env is None else env
    nk_dir = os.path.dirname(os.path.abspath(nk_script))
    nk_name = os.path.splitext(os.path.basename(nk_script))[0]
    template = env.get("FACEPLATE_NUKE_WORKDIR") or os.path.join("{nk_dir}", "faceplate", "{nk_name}")
    return os.path.abspath(template.format(nk_dir=nk_dir, nk_name=nk_name, project=project_directory or nk_dir))


def absolute_path(path: str, base: str) -> str:
    """A Nuke path made absolute the way Nuke does: against the project directory (or the script's folder)."""
    path = os.path.expandvars(os.path.expanduser(path))
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(base, path))


# -- colour -------------------------------------------------------------------------------------------

# Nuke's nuke-default config names -> OCIO names faceplate's config resolves.
NUKE_DEFAULT_SPACES = {
    "linear": "Linear Rec.709 (sRGB)",
    "sRGB": "sRGB Encoded Rec.709 (sRGB)",
    "Gamma2.2": "Gamma 2.2 Encoded Rec.709",
    "AlexaV3LogC": "ARRI LogC3 (EI800)",
    "raw": "raw",
}
_DEFAULT = re.compile(r"^default \((?P<space>.*)\)$")


def colour_space(nuke_space: str, raw: bool = False) -> str:
    """A Nuke colour-space name as a faceplate ``colourspace`` knob value ('' = faceplate's default)."""
    if raw:
        return "raw"
    nuke_space = nuke_space.strip()
    match = _DEFAULT.match(nuke_space)
    if match:
        nuke_space = match["space"]
    if nuke_space in ("", "default"):
        return ""
    return NUKE_DEFAULT_SPACES.get(nuke_space, nuke_space)


# -- channels -----------------------------------------------------------------------------------------

_RGBA = {"R": "red", "G": "green", "B": "blue", "A": "alpha"}
# The layers faceplate's product nodes write (beside rgba), declared in every gizmo so a Shuffle offers
# them before the first render.
LAYERS = tuple(channel for channels in layer_names.LAYERS.values() for channel in channels)


def nuke_channel(channel: str) -> str:
    """faceplate (EXR) channel name -> Nuke channel name: ``R`` -> ``rgba.red``, ``fp_swap.R`` -> ``fp_swap.red``."""
    layer, _, name = channel.rpartition(".")
    return f"{layer or 'rgba'}.{_RGBA.get(name, name)}" if name in _RGBA or not layer else channel


def nuke_layers(channels=LAYERS) -> list[list[str]]:
    """``add_layer`` lists (layer name, then its channels) for faceplate channels other than rgba."""
    layers: dict[str, list[str]] = {}
    for channel in channels:
        nuke = nuke_channel(channel)
        layer = nuke.split(".")[0]
        if layer != "rgba":
            layers.setdefault(layer, []).append(nuke)
    return [[layer, *names] for layer, names in layers.items()]

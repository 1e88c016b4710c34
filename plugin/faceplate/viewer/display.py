"""What the viewer shows: a plate's pixels made display-referred, as 8-bit RGB.

The display transform, in order (as a compositor's viewer does it):

1. pick what to look at: an RGB layer (the main ``R, G, B`` or ``swap.R/G/B``) or one channel (``A``,
   ``mask.jaw``, ...), and for an RGB layer optionally one of its channels or its luminance (shown grey);
2. exposure: a gain of ``2 ** exposure`` on the scene-linear values;
3. colour (RGB layers, one of their channels, luminance) goes through the OpenColorIO display/view
   transform of the script's config (``$OCIO``, else faceplate's built-in default, see
   :mod:`faceplate.nodes.io.colour`) from the working space; data (alpha, mattes) is shown as its value;
4. gamma: ``value ** (1 / gamma)`` on the display-referred values;
5. an optional matte drawn over the result as a tinted overlay;
6. clipped to [0, 1] and rounded to 8 bits.

:func:`display_pixels` is the whole transform; the viewer's PNGs and the tests that compare a rendered
file with what the viewer showed both call it, so "the same display transform" is one function.
"""

from __future__ import annotations

import dataclasses
import functools

import cv2
import numpy as np
import PyOpenColorIO as ocio

from faceplate.errors import ColourError, FaceplateError
from faceplate.nodes.io import colour
from faceplate.nodes.plate import Plate

RGB_LAYERS = {"rgba": ("R", "G", "B"), "swap": ("swap.R", "swap.G", "swap.B")}
CHANNELS = ("rgb", "R", "G", "B", "A", "luminance")
OVERLAY_TINT = np.array([1.0, 0.35, 0.15], np.float32)  # a warm orange: reads over skin and over grey sets
OVERLAY_OPACITY = 0.55


@dataclasses.dataclass(frozen=True)
class DisplaySettings:
    """How to show a plate. ``layer``: ``rgba``, ``swap`` or one channel's name; ``channel``: one of
    :data:`CHANNELS` (for RGB layers); ``overlay``: a channel drawn tinted over the image, or ``""``."""

    layer: str = "rgba"
    channel: str = "rgb"
    exposure: float = 0.0
    gamma: float = 1.0
    display: str = ""
    view: str = ""
    overlay: str = ""

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise FaceplateError(f"viewer channel {self.channel!r} is not one of {', '.join(CHANNELS)}")
        if not np.isfinite(self.exposure) or abs(self.exposure) > 32:
            raise FaceplateError(f"viewer exposure {self.exposure!r} must be a number of stops within +-32")
        if not np.isfinite(self.gamma) or not 0.05 <= self.gamma <= 20:
            raise FaceplateError(f"viewer gamma {self.gamma!r} must lie in [0.05, 20]")


def views(plate: Plate) -> list[str]:
    """What the layer picker offers for ``plate``: its RGB layers, then every other channel by name."""
    out = [name for name, rgb in RGB_LAYERS.items() if all(plate.has_channel(c) for c in rgb)]
    covered = {c for name in out for c in RGB_LAYERS[name]}
    return out + [c for c in plate.channels if c not in covered]


@functools.lru_cache(maxsize=4)
def _config(path: str):
    try:
        return ocio.Config.CreateFromFile(path)
    except Exception as exc:  # OCIO's own exception type
        raise ColourError(f"cannot load OpenColorIO config '{path}': {exc}") from None


def displays() -> dict:
    """The config's displays and views, with its defaults: what the viewer's menus list."""
    path = colour.config_path()
    config = _config(path)
    names = list(config.getDisplays())
    default = config.getDefaultDisplay()
    return {"config": path, "default_display": default, "default_view": config.getDefaultView(default),
            "displays": {d: list(config.getViews(d)) for d in names}}


@functools.lru_cache(maxsize=16)
def _display_processor(path: str, display: str, view: str):
    config = _config(path)
    display = display or config.getDefaultDisplay()
    if display not in config.getDisplays():
        raise ColourError(f"display {display!r} is not in the OpenColorIO config '{path}'; it has "
                          f"{', '.join(config.getDisplays())}")
    view = view or config.getDefaultView(display)
    if view not in config.getViews(display):
        raise ColourError(f"view {view!r} is not a view of display {display!r} in '{path}'; it has "
                          f"{', '.join(config.getViews(display))}")
    source = colour.resolve_colour_space(colour.WORKING_SPACE, path)
    transform = ocio.DisplayViewTransform(src=source, display=display, view=view)
    return config.getProcessor(transform).getDefaultCPUProcessor()


@functools.lru_cache(maxsize=4)
def _luma(path: str) -> np.ndarray:
    return np.asarray(_config(path).getDefaultLumaCoefs(), np.float32)


def _window(plate: Plate, names: tuple[str, ...]) -> np.ndarray:
    """The named channels over the display window (zeros where the data window does not reach)."""
    idx = [plate.channel_index(n) for n in names]
    dw, disp = plate.data_window, plate.display_window
    if dw == disp:
        return plate.pixels[:, :, idx]
    out = np.zeros((disp.height, disp.width, len(idx)), np.float32)
    x0, y0 = max(dw.xmin, disp.xmin), max(dw.ymin, disp.ymin)
    x1, y1 = min(dw.xmax, disp.xmax), min(dw.ymax, disp.ymax)
    if x1 >= x0 and y1 >= y0:
        out[y0 - disp.ymin:y1 - disp.ymin + 1, x0 - disp.xmin:x1 - disp.xmin + 1] = \
            plate.pixels[y0 - dw.ymin:y1 - dw.ymin + 1, x0 - dw.xmin:x1 - dw.xmin + 1][:, :, idx]
    return out


def _channel(plate: Plate, name: str, what: str) -> np.ndarray:
    if not plate.has_channel(name):
        raise FaceplateError(f"the plate has no channel {name!r} to show as the {what}; it has "
                             f"{', '.join(views(plate))}")
    return _window(plate, (name,))[:, :, 0]


def display_pixels(plate: Plate, settings: DisplaySettings) -> np.ndarray:
    """``(H, W, 3)`` uint8 display-referred RGB of ``plate`` over its display window (module doc)."""
    path = colour.config_path()
    gain = np.float32(2.0 ** settings.exposure)
    if settings.layer in RGB_LAYERS:
        names = RGB_LAYERS[settings.layer]
        if not all(plate.has_channel(c) for c in names):
            raise FaceplateError(f"the plate has no {settings.layer} layer ({', '.join(names)}); it has "
                                 f"{', '.join(views(plate))}")
        if settings.channel == "A":
            rgb, is_colour = np.repeat(_channel(plate, "A", "alpha")[:, :, None], 3, axis=2), False
        else:
            rgb = np.array(_window(plate, names), np.float32)
            if settings.channel in ("R", "G", "B"):
                rgb[:] = rgb[:, :, "RGB".index(settings.channel)][:, :, None]
            elif settings.channel == "luminance":
                rgb[:] = (rgb @ _luma(path))[:, :, None]
            is_colour = True
    else:
        rgb, is_colour = np.repeat(_channel(plate, settings.layer, "layer")[:, :, None], 3, axis=2), False
    rgb = np.ascontiguousarray(rgb * gain, np.float32)
    if is_colour:
        _display_processor(path, settings.display, settings.view).applyRGB(rgb)
    if settings.gamma != 1.0:
        np.power(np.maximum(rgb, 0.0, out=rgb), np.float32(1.0 / settings.gamma), out=rgb)
    if settings.overlay:
        matte = np.clip(_channel(plate, settings.overlay, "overlay"), 0.0, 1.0)[:, :, None] * np.float32(OVERLAY_OPACITY)
        rgb = rgb * (1.0 - matte) + OVERLAY_TINT * matte
    return (np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def png_bytes(rgb: np.ndarray) -> bytes:
    """PNG of ``(H, W, 3)`` uint8 RGB (fast compression: the viewer is local, encoding time is latency)."""
    ok, data = cv2.imencode(".png", np.ascontiguousarray(rgb[:, :, ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise FaceplateError("could not encode the viewer image as PNG")
    return data.tobytes()

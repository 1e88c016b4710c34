"""What the viewer shows: a plate's pixels made display-referred, as 8-bit RGB.

The display transform, in order (as a compositor's viewer does it):

1. pick what to look at: an RGB layer (the main ``R, G, B`` or ``swap.R/G/B``) or one channel (``A``,
   ``fp_matte.jaw``, ...), and for an RGB layer optionally one of its channels or its luminance (shown grey);
2. exposure: a gain of ``2 ** exposure`` on the scene-linear values;
3. colour (RGB layers, one of their channels, luminance) goes through the OpenColorIO display/view
   transform of the script's config (``$OCIO``, else faceplate's built-in default, see
   :mod:`faceplate.nodes.io.colour`) from the working space; data (alpha, mattes) is shown as its value.
   ACES 2's output transforms cost about 2 s per 1080p frame on OCIO's CPU path (measured here), far too
   slow to scrub, so by default the view is *baked* once per display/view, as viewers do: an ACEScct-style
   log shaper (OCIO ``LogCameraTransform``) then a 65-cube 3D LUT sampled from the exact transform
   (tetrahedral), applied by OCIO in one pass; ``exact=True`` applies the exact transform instead (see
   docs/viewer.md for the measured difference);
4. gamma: ``value ** (1 / gamma)`` on the display-referred values;
5. an optional matte drawn over the result as a tinted overlay;
6. clipped to [0, 1] and rounded to 8 bits.

``proxy`` > 1 shows the plate reduced by that factor (area average) first: the page asks for a proxy
and then the full frame, so an edit shows something at once.

:func:`display_pixels` is the whole transform; the viewer's PNGs and the tests that compare a rendered
file with what the viewer showed both call it, so "the same display transform" is one function.
"""

from __future__ import annotations

import dataclasses
import functools

import cv2
import numpy as np
import PyOpenColorIO as ocio

from faceplate.foundation.errors import ColourError, FaceplateError
from faceplate.nodes import layers
from faceplate.nodes.io import colour
from faceplate.nodes.plate import Plate

RGB_LAYERS = {"rgba": ("R", "G", "B"), layers.SWAP_LAYER: layers.SWAP_RGB}
CHANNELS = ("rgb", "R", "G", "B", "A", "luminance")
PROXIES = (1, 2, 4, 8)
LUT_SIZE = 65
# The shaper: ACEScct's curve (lin -> log, linear toe below 2^-7), so the cube's samples are spread as
# evenly over perceived brightness as ACES's own grading space spreads them; config-independent.
SHAPER = {
    "base": 2.0,
    "logSideSlope": [1 / 17.52] * 3,
    "logSideOffset": [9.72 / 17.52] * 3,
    "linSideSlope": [1.0] * 3,
    "linSideOffset": [0.0] * 3,
    "linSideBreak": [2.0**-7] * 3,
}
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
    exact: bool = False
    proxy: int = 1

    def __post_init__(self) -> None:
        if self.proxy not in PROXIES:
            raise FaceplateError(f"viewer proxy {self.proxy!r} is not one of {', '.join(map(str, PROXIES))}")
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
    return {
        "config": path,
        "default_display": default,
        "default_view": config.getDefaultView(default),
        "displays": {d: list(config.getViews(d)) for d in names},
    }


@functools.lru_cache(maxsize=16)
def _exact_processor(path: str, display: str, view: str):
    config = _config(path)
    display = display or config.getDefaultDisplay()
    if display not in config.getDisplays():
        raise ColourError(
            f"display {display!r} is not in the OpenColorIO config '{path}'; it has {', '.join(config.getDisplays())}"
        )
    view = view or config.getDefaultView(display)
    if view not in config.getViews(display):
        raise ColourError(
            f"view {view!r} is not a view of display {display!r} in '{path}'; it has "
            f"{', '.join(config.getViews(display))}"
        )
    source = colour.resolve_colour_space(colour.WORKING_SPACE, path)
    transform = ocio.DisplayViewTransform(src=source, display=display, view=view)
    return config.getProcessor(transform).getDefaultCPUProcessor()


def _shaper(direction=ocio.TRANSFORM_DIR_FORWARD):
    return ocio.LogCameraTransform(direction=direction, **SHAPER)


@functools.lru_cache(maxsize=16)
def _baked_processor(path: str, display: str, view: str):
    """Shaper + 3D LUT sampled from the exact display/view transform (module doc, step 3)."""
    config = _config(path)
    axis = np.linspace(0.0, 1.0, LUT_SIZE, dtype=np.float32)
    r, g, b = np.meshgrid(axis, axis, axis, indexing="ij")  # OCIO's Lut3D data: blue varies fastest
    samples = np.ascontiguousarray(np.stack([r, g, b], axis=-1).reshape(-1, 3))
    config.getProcessor(_shaper(ocio.TRANSFORM_DIR_INVERSE)).getDefaultCPUProcessor().applyRGB(samples)
    _exact_processor(path, display, view).applyRGB(samples)
    lut = ocio.Lut3DTransform()
    lut.setGridSize(LUT_SIZE)
    lut.setData(np.ascontiguousarray(samples.ravel()))
    lut.setInterpolation(ocio.INTERP_TETRAHEDRAL)
    return config.getProcessor(ocio.GroupTransform([_shaper(), lut])).getDefaultCPUProcessor()


@functools.lru_cache(maxsize=4)
def _luma(path: str) -> np.ndarray:
    return np.asarray(_config(path).getDefaultLumaCoefs(), np.float32)


def _window(plate: Plate, names: tuple[str, ...], proxy: int = 1) -> np.ndarray:
    """The named channels over the display window (zeros where the data window does not reach),
    reduced ``proxy`` times (area average)."""
    full = _full_window(plate, names)
    if proxy == 1:
        return full
    h, w = full.shape[:2]
    small = cv2.resize(full, (max(1, w // proxy), max(1, h // proxy)), interpolation=cv2.INTER_AREA)
    return small.reshape(small.shape[0], small.shape[1], len(names))


def _full_window(plate: Plate, names: tuple[str, ...]) -> np.ndarray:
    idx = [plate.channel_index(n) for n in names]
    dw, disp = plate.data_window, plate.display_window
    if dw == disp:
        consecutive = idx == list(range(idx[0], idx[0] + len(idx)))
        return plate.pixels[:, :, idx[0] : idx[0] + len(idx)] if consecutive else plate.pixels[:, :, idx]  # a view
    out = np.zeros((disp.height, disp.width, len(idx)), np.float32)
    x0, y0 = max(dw.xmin, disp.xmin), max(dw.ymin, disp.ymin)
    x1, y1 = min(dw.xmax, disp.xmax), min(dw.ymax, disp.ymax)
    if x1 >= x0 and y1 >= y0:
        out[y0 - disp.ymin : y1 - disp.ymin + 1, x0 - disp.xmin : x1 - disp.xmin + 1] = plate.pixels[
            y0 - dw.ymin : y1 - dw.ymin + 1, x0 - dw.xmin : x1 - dw.xmin + 1
        ][:, :, idx]
    return out


def _gather_plan(plate: Plate, settings: DisplaySettings) -> list[int] | None:
    """The plate's channel indices :func:`display_source` copies as they are (RGB, then the overlay's), when
    it only copies them, then reduces them for a proxy (data window = display window, no luminance or single
    channel); else None."""
    if plate.data_window != plate.display_window or settings.layer not in RGB_LAYERS:
        return None
    if settings.channel != "rgb" or not all(plate.has_channel(c) for c in RGB_LAYERS[settings.layer]):
        return None
    if settings.overlay and not plate.has_channel(settings.overlay):
        return None
    names = RGB_LAYERS[settings.layer] + ((settings.overlay,) if settings.overlay else ())
    return [plate.channel_index(n) for n in names]


def _channel(plate: Plate, name: str, what: str, proxy: int) -> np.ndarray:
    if not plate.has_channel(name):
        raise FaceplateError(
            f"the plate has no channel {name!r} to show as the {what}; it has {', '.join(views(plate))}"
        )
    return _window(plate, (name,), proxy)[:, :, 0]


def display_source(plate: Plate, settings: DisplaySettings, scratch: np.ndarray | None = None) -> np.ndarray:
    """The scene values the display transform reads (steps 1 and 5's matte), ``(H, W, C)`` float32 at the
    proxy's size: RGB (3 channels) or one channel, then the overlay matte when there is one. Every later
    step works pixel by pixel on it, which is what lets :class:`DisplayCache` redo only changed pixels.

    ``scratch``: for a proxy, an array the full-size channels may be gathered into before they are reduced,
    used when it has their shape (memory already mapped: a fresh 1080p array costs its page faults).
    """
    plan = _gather_plan(plate, settings)
    if plan is not None:
        shape = (*plate.pixels.shape[:2], len(plan))
        reuse = settings.proxy != 1 and scratch is not None and scratch.shape == shape
        out = scratch if reuse else np.empty(shape, np.float32)
        _gather_rows(plate.pixels, plan, out, 0, out.shape[0])
        if settings.proxy == 1:
            return out
        h, w = out.shape[:2]
        size = (max(1, w // settings.proxy), max(1, h // settings.proxy))
        return cv2.resize(out, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0], len(plan))
    path = colour.config_path()
    if settings.layer in RGB_LAYERS:
        names = RGB_LAYERS[settings.layer]
        if not all(plate.has_channel(c) for c in names):
            raise FaceplateError(
                f"the plate has no {settings.layer} layer ({', '.join(names)}); it has {', '.join(views(plate))}"
            )
        if settings.channel == "A":
            values = _channel(plate, "A", "alpha", settings.proxy)[:, :, None]
        else:
            values = _window(plate, names, settings.proxy)
            if settings.channel in ("R", "G", "B"):
                values = values[:, :, "RGB".index(settings.channel)][:, :, None]
            elif settings.channel == "luminance":
                values = (values @ _luma(path))[:, :, None]
    else:
        values = _channel(plate, settings.layer, "layer", settings.proxy)[:, :, None]
    n = values.shape[2]
    out = np.empty((*values.shape[:2], n + bool(settings.overlay)), np.float32)
    out[:, :, :n] = values
    if settings.overlay:
        out[:, :, n] = _channel(plate, settings.overlay, "overlay", settings.proxy)
    return out


def _gather_rows(pixels: np.ndarray, plan: list[int], out: np.ndarray, y0: int, y1: int) -> None:
    # One pass over the plate's interleaved channels (numpy's strided copies take one pass per slice,
    # and a 13-channel plate's every cache line holds every channel): about 3x faster at 1080p.
    fmt = [v for i, c in enumerate(plan) for v in (c, i)]
    cv2.mixChannels([np.ascontiguousarray(pixels[y0:y1])], [out[y0:y1]], fmt)


def _is_colour(settings: DisplaySettings) -> bool:
    return settings.layer in RGB_LAYERS and settings.channel != "A"


def display_transform(source: np.ndarray, settings: DisplaySettings) -> np.ndarray:
    """Steps 2-6 on :func:`display_source`'s values: ``(H, W, 3)`` uint8."""
    colour_values = settings.layer in RGB_LAYERS and settings.channel == "rgb"
    n = 3 if colour_values else 1
    values = source[:, :, :n] * np.float32(2.0**settings.exposure)
    rgb = np.ascontiguousarray(values if n == 3 else np.repeat(values, 3, axis=2), np.float32)
    if _is_colour(settings):
        processor = _exact_processor if settings.exact else _baked_processor
        processor(colour.config_path(), settings.display, settings.view).applyRGB(rgb)
    if settings.gamma != 1.0:
        np.power(np.maximum(rgb, 0.0, out=rgb), np.float32(1.0 / settings.gamma), out=rgb)
    if settings.overlay:
        matte = np.clip(source[:, :, n : n + 1], 0.0, 1.0) * np.float32(OVERLAY_OPACITY)
        rgb = rgb * (1.0 - matte) + OVERLAY_TINT * matte
    return (np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def display_pixels(plate: Plate, settings: DisplaySettings) -> np.ndarray:
    """``(H, W, 3)`` uint8 display-referred RGB of ``plate`` over its display window (module doc), reduced
    ``settings.proxy`` times."""
    return display_transform(display_source(plate, settings), settings)


class DisplayCache:
    """The last few images shown, per view (node, frame, settings), to redo only the pixels that changed.

    A knob change usually changes a face's box and nothing else; the display transform of a 1080p frame
    costs far more than finding which values changed, so a view seen before is updated in the changed
    rows and columns' box only. The result is the same bytes :func:`display_pixels` gives (every step
    after :func:`display_source` is per pixel). Values are compared as bits (a NaN equals itself).

    When the view copies the plate's channels as they are (:func:`_gather_plan`), they are copied and
    compared with the previous source in bands of rows that stay in the CPU's cache, into the array the
    view before last used (nothing allocated: a fresh 1080p array costs its page faults every time); a
    proxy of such a view gathers them into one full-size array kept for the purpose before reducing them,
    and the full view of the same plate that follows (an edit's proxy, then its full frame) takes that
    array as its source instead of gathering the frame again.
    """

    BAND = 32  # rows per band: 1080p x 4 channels x 32 rows is 1 MB of each source

    def __init__(self, entries: int = 4):
        self.entries = entries
        self._items: dict = {}
        self._spare: np.ndarray | None = None
        self._scratch: np.ndarray | None = None  # a proxy's full-size gather (see _proxy_scratch)
        self._gathered: tuple | None = None  # (version, channels) the scratch holds, while no one else took it

    def pixels(self, view: tuple, plate: Plate, settings: DisplaySettings, version: str | None = None) -> np.ndarray:
        """``display_pixels(plate, settings)``, from what ``view`` showed before. ``version``: the plate's
        content hash (the graph's cache key) when known; the same version as last time is the same image."""
        key = (view, settings)
        previous = self._items.pop(key, None)
        if previous is not None and version is not None and previous[2] == version:
            self._items[key] = previous
            return previous[1].copy()
        plan = _gather_plan(plate, settings) if settings.proxy == 1 else None
        shape = (*plate.pixels.shape[:2], len(plan)) if plan is not None else None
        if previous is not None and plan is not None and previous[0].shape == shape:
            source, rows = self._gather_changes(plate.pixels, plan, previous[0], version)
        else:
            scratch = self._proxy_scratch(plate, settings)
            source = display_source(plate, settings, scratch)
            # What the scratch now holds: the full view of the same plate (the page asks for it next) takes it.
            self._gathered = (
                None if scratch is None or version is None else (version, tuple(_gather_plan(plate, settings)))
            )
            rows = None if previous is None or previous[0].shape != source.shape else _changed_rows(source, previous[0])
        if rows is None:
            pixels = display_transform(source, settings)
        else:
            old_source, old_pixels, _ = previous
            pixels = old_pixels.copy()
            if rows.size:
                r0, r1 = rows[0], rows[-1] + 1
                band = np.any(source[r0:r1].view(np.uint32) != old_source[r0:r1].view(np.uint32), axis=(0, 2))
                cols = np.flatnonzero(band)
                box = np.s_[r0:r1, cols[0] : cols[-1] + 1]
                pixels[box] = display_transform(source[box], settings)
            self._spare = old_source
        self._items[key] = (source, pixels, version)
        while len(self._items) > self.entries:
            del self._items[next(iter(self._items))]
        return pixels

    def _proxy_scratch(self, plate: Plate, settings: DisplaySettings) -> np.ndarray | None:
        """The full-size array a proxy's channels are gathered into before reduction (see
        :func:`display_source`), kept between calls; None for a full-size view or one gathered otherwise."""
        plan = _gather_plan(plate, settings) if settings.proxy != 1 else None
        if plan is None:
            return None
        shape = (*plate.pixels.shape[:2], len(plan))
        if self._scratch is None or self._scratch.shape != shape:
            self._scratch = np.empty(shape, np.float32)
        return self._scratch

    def _gather_changes(
        self, pixels: np.ndarray, plan: list[int], old: np.ndarray, version: str | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The new source and the rows where it differs from ``old``: the proxy's full-size gather when it
        holds this very plate's channels (the same version and channels), else gathered into the spare array."""
        spare, self._spare = self._spare, None
        usable = spare if spare is not None and spare.shape == old.shape and spare is not old else None
        taken = version is not None and self._gathered == (version, tuple(plan)) and self._scratch is not None
        if taken and self._scratch.shape == old.shape:
            source, self._scratch = self._scratch, usable  # the spare is the next proxy's scratch
        else:
            taken, source = False, usable if usable is not None else np.empty_like(old)
        self._gathered = None
        height = source.shape[0]
        changed = np.zeros(height, bool)
        new_bits, old_bits = source.view(np.uint32), old.view(np.uint32)
        for y0 in range(0, height, self.BAND):
            y1 = min(y0 + self.BAND, height)
            if not taken:
                _gather_rows(pixels, plan, source, y0, y1)
            changed[y0:y1] = (new_bits[y0:y1] != old_bits[y0:y1]).reshape(y1 - y0, -1).any(axis=1)
        return source, np.flatnonzero(changed)


def _changed_rows(source: np.ndarray, old: np.ndarray) -> np.ndarray:
    h = source.shape[0]
    return np.flatnonzero((source.view(np.uint32) != old.view(np.uint32)).reshape(h, -1).any(axis=1))


def png_bytes(rgb: np.ndarray) -> bytes:
    """PNG of ``(H, W, 3)`` uint8 RGB, stored without compression: the viewer is local, so bytes are cheap
    and encoding time is latency (1080p: about 30 ms stored, about 10x that with zlib level 1 + filters,
    measured here)."""
    ok, data = cv2.imencode(
        ".png",
        np.ascontiguousarray(rgb[:, :, ::-1]),
        [cv2.IMWRITE_PNG_COMPRESSION, 0, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE],
    )
    if not ok:
        raise FaceplateError("could not encode the viewer image as PNG")
    return data.tobytes()

"""Synthetic shots with known motion, built from the two real face photos available offline.

- ``astronaut``: ``skimage.data.astronaut()`` (512x512, Eileen Collins).
- ``hopper``: matplotlib's ``grace_hopper.jpg`` sample (512x600, Grace Hopper).

Photos are sRGB; plates are scene-linear ACEScg float32, like a Read of an EXR plate. An *actor* is a
square crop of a photo around the face with a feathered elliptical matte; each frame places actors
with a known ``frame_from_sprite`` similarity (2x3, pixel centres at +0.5), over a soft background
with sensor noise, so the true motion of every landmark is known.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import cv2
import numpy as np

from faceplate.actions.demo.photos import SRGB, photo_linear  # noqa: F401  (SRGB: the tests import it from here)
from faceplate.foundation import geometry
from faceplate.nodes.core import Graph, Node
from faceplate.nodes.facedetect.node import FaceDetect
from faceplate.nodes.plate import Plate


def photo(name: str) -> np.ndarray:
    """The photo as linear ACEScg float32 ``(H, W, 3)`` (read-only)."""
    return photo_linear(name)


def photo_plate(name: str) -> Plate:
    return Plate(np.array(photo(name)), ["R", "G", "B"])


# Face square in each photo (x0, y0, side), around dlib's box with a margin for hair and chin.
SPRITES = {"astronaut": (140, 40, 170), "hopper": (120, 90, 290)}


@functools.lru_cache(maxsize=2)
def sprite(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(rgb, matte)`` of an actor: the face square and a feathered ellipse."""
    x0, y0, side = SPRITES[name]
    rgb = np.ascontiguousarray(photo(name)[y0 : y0 + side, x0 : x0 + side])
    yy, xx = (np.mgrid[0:side, 0:side] + 0.5) / side - 0.5
    r = np.sqrt((xx / 0.46) ** 2 + (yy / 0.5) ** 2)
    matte = np.clip((1.0 - r) / 0.12, 0.0, 1.0).astype(np.float32)
    return rgb, matte


@dataclasses.dataclass
class Actor:
    """A photo's face moving through the shot. ``motion(frame) -> (cx, cy, scale, angle_deg)``."""

    name: str
    motion: Callable[[int], tuple[float, float, float, float]]
    visible: Callable[[int], bool] = lambda f: True

    def frame_from_sprite(self, frame: int) -> np.ndarray:
        side = SPRITES[self.name][2]
        cx, cy, scale, angle = self.motion(frame)
        return geometry.similarity((side / 2, side / 2), (cx, cy), scale, -angle)


def background(width: int, height: int) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = 0.05 + 0.1 * (x / width) + 0.05 * np.sin(y / 37.0) ** 2
    return np.stack([base, base * 0.9, base * 0.8], axis=-1).astype(np.float32)


def render(actors: list[Actor], frame: int, *, size=(640, 360), noise: float = 0.004, seed: int = 0) -> Plate:
    """One linear RGBA plate of the shot (actors listed back to front)."""
    width, height = size
    rgb = background(width, height)
    for actor in actors:
        if not actor.visible(frame):
            continue
        sprite_rgb, matte = sprite(actor.name)
        m = geometry.opencv_matrix(actor.frame_from_sprite(frame))
        layer = cv2.warpAffine(sprite_rgb, m, size, flags=cv2.INTER_LINEAR)
        alpha = cv2.warpAffine(matte, m, size, flags=cv2.INTER_LINEAR)[:, :, None]
        rgb = rgb * (1 - alpha) + layer * alpha
    rng = np.random.default_rng(seed * 100003 + frame)
    rgb = rgb + rng.normal(0.0, noise, rgb.shape).astype(np.float32) * np.sqrt(np.maximum(rgb, 1e-3) / 0.18)
    pixels = np.concatenate([rgb, np.ones((height, width, 1), np.float32)], axis=2).astype(np.float32)
    return Plate(pixels, ["R", "G", "B", "A"])


def warp_plate(plate: Plate, dst_from_src: np.ndarray, size: tuple[int, int]) -> Plate:
    """The whole plate moved by a known affine transform (pixel centres at +0.5)."""
    pixels = cv2.warpAffine(
        np.ascontiguousarray(plate.pixels),
        geometry.opencv_matrix(dst_from_src),
        size,
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REFLECT,
    )
    return Plate(pixels.astype(np.float32), plate.channels)


# -- graphs of synthetic shots (shared by the FaceDetect, AlignEdit and OcclusionMask tests) --


class ShotSource(Node):
    """A synthetic shot as a graph input: renders ``actors`` per frame (the frame is all it reads)."""

    type_name = "TestShotSource"

    def __init__(self, name, actors, size=(640, 360), empty_frames=(), noise=0.004):
        super().__init__(name)
        self.actors, self.size, self.empty_frames, self.noise = actors, size, set(empty_frames), noise

    def hash_extra(self, frame):
        return [id(self), frame]

    def compute(self, context):
        actors = [] if context.frame in self.empty_frames else self.actors
        return render(actors, context.frame, size=self.size, noise=self.noise)


def shot_graph(tmp_path, actors, frames, **facedetect_knobs):
    graph = Graph(root=tmp_path, frame_range=(frames[0], frames[-1]))
    source = graph.add(
        ShotSource(
            "Plate",
            actors,
            empty_frames=facedetect_knobs.pop("empty_frames", ()),
            noise=facedetect_knobs.pop("noise", 0.004),
        )
    )
    detect = graph.add(FaceDetect("FaceDetect1", proxy_size=640, **facedetect_knobs))
    graph.connect(source, detect)
    return graph


def linear_motion(x0, y0, x1, y1, frames, scale=1.0, angle=0.0):
    first, last = frames[0], frames[-1]

    def motion(f):
        t = (f - first) / max(1, last - first)
        return (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, scale, angle)

    return motion

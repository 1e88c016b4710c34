"""Synthetic scene-linear shots made from the real photos: a head moving over a soft set.

A *shot* places one photo's head and shoulders (a square region with a feathered elliptical matte)
over a soft background, frame by frame, with a smooth head motion (position, scale, roll), a slow
exposure drift over the whole frame, signal-dependent sensor noise, and optionally an occluder (a
boom microphone) that passes in front of the face. Everything is computed in the scene-linear
working space (ACEScg) and written as half-float EXR frames, like a camera plate after a Read.

Coordinates: pixel centres at +0.5; ``frame_from_sprite`` maps sprite pixels to frame pixels.
"""

from __future__ import annotations

import dataclasses
import math
import os

import cv2
import numpy as np

from faceplate.actions.demo.photos import photo_linear
from faceplate.nodes.io.image_write import write_image
from faceplate.nodes.io.sequence import SequencePattern
from faceplate.nodes.plate import Plate

# Head-and-shoulders square in each photo: (x0, y0, side) in photo pixels.
REGIONS = {"astronaut": (90, 0, 360), "hopper": (50, 40, 420)}
# Centre of the face in each photo (photo pixels), where the occluder aims.
FACE_CENTRES = {"astronaut": (245.0, 150.0), "hopper": (255.0, 235.0)}


@dataclasses.dataclass(frozen=True)
class ShotSpec:
    """A synthetic shot.

    Attributes:
        photo: ``astronaut`` or ``hopper``.
        size: (width, height) of the frames.
        frames: first and last frame numbers.
        head: height of the head-and-shoulders square as a fraction of the frame height.
        travel: horizontal travel of the head, as a fraction of the frame width (peak to peak).
        roll: peak head roll in degrees.
        exposure: peak exposure drift in stops (a slow sine over the shot).
        noise: sensor noise standard deviation at 18% grey (scene-linear).
        occluder: frames ``(start, end)`` during which a boom microphone crosses the face; None for none.
        seed: noise seed.
    """

    photo: str = "astronaut"
    size: tuple[int, int] = (1920, 1080)
    frames: tuple[int, int] = (1001, 1048)
    head: float = 0.8
    travel: float = 0.18
    roll: float = 7.0
    exposure: float = 0.35
    noise: float = 0.006
    occluder: tuple[int, int] | None = (1018, 1034)
    seed: int = 0

    @property
    def frame_list(self) -> list[int]:
        return list(range(self.frames[0], self.frames[1] + 1))

    def phase(self, frame: int) -> float:
        """0 at the first frame, 1 at the last."""
        first, last = self.frames
        return (frame - first) / max(1, last - first)

    def motion(self, frame: int) -> tuple[float, float, float, float]:
        """``(cx, cy, scale, roll_degrees)`` of the head: smooth, not periodic over the shot."""
        t = self.phase(frame)
        w, h = self.size
        side = REGIONS[self.photo][2]
        cx = w * (0.5 + 0.5 * self.travel * math.sin(2 * math.pi * (0.75 * t - 0.2)))
        cy = h * (0.52 + 0.03 * math.sin(2 * math.pi * 1.3 * t))
        scale = self.head * h / side * (1.0 + 0.06 * math.sin(2 * math.pi * 0.6 * t + 1.0))
        return cx, cy, scale, self.roll * math.sin(2 * math.pi * 0.9 * t + 0.5)

    def frame_from_sprite(self, frame: int) -> np.ndarray:
        """2x3 similarity from sprite pixels to frame pixels at ``frame``."""
        side = REGIONS[self.photo][2]
        cx, cy, scale, roll = self.motion(frame)
        a = math.radians(-roll)
        c, s = scale * math.cos(a), scale * math.sin(a)
        m = np.array([[c, -s, 0.0], [s, c, 0.0]])
        m[:, 2] = [cx, cy] - m[:, :2] @ [side / 2, side / 2]
        return m

    def gain(self, frame: int) -> float:
        """Exposure of the frame relative to the photo (linear gain)."""
        return 2.0 ** (self.exposure * math.sin(2 * math.pi * (0.5 * self.phase(frame) + 0.1)))


def sprite(photo: str) -> tuple[np.ndarray, np.ndarray]:
    """``(rgb, matte)`` of the head-and-shoulders square: linear RGB and a feathered ellipse."""
    x0, y0, side = REGIONS[photo]
    rgb = np.ascontiguousarray(photo_linear(photo)[y0 : y0 + side, x0 : x0 + side])
    yy, xx = (np.mgrid[0:side, 0:side] + 0.5) / side - 0.5
    r = np.sqrt((xx / 0.47) ** 2 + (yy / 0.52) ** 2)
    return rgb, np.clip((1.0 - r) / 0.1, 0.0, 1.0).astype(np.float32)


def background(width: int, height: int) -> np.ndarray:
    """A soft set: a warm-to-cool gradient with a faint window light, scene-linear."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32) + 0.5
    u, v = x / width, y / height
    base = 0.04 + 0.10 * u + 0.05 * np.exp(-(((u - 0.8) / 0.12) ** 2 + ((v - 0.3) / 0.25) ** 2))
    return np.stack([base * 1.05, base * 0.95, base * 0.85], axis=-1).astype(np.float32)


def _cv(m: np.ndarray) -> np.ndarray:
    """A pixel-centre (+0.5) matrix as OpenCV's pixel-corner convention."""
    t = np.array(m, np.float64)
    t[:, 2] += t[:, :2] @ [0.5, 0.5] - 0.5
    return t


def occluder(spec: ShotSpec, frame: int) -> tuple[np.ndarray, np.ndarray] | None:
    """``(rgb, alpha)`` of the boom microphone at ``frame`` (full frame), or None when it is out of shot.

    The microphone (a foam head on a pole, hanging from the top of frame) crosses the face from
    left to right between the spec's occluder frames, with anti-aliased, slightly soft edges.
    """
    if spec.occluder is None or not spec.occluder[0] <= frame <= spec.occluder[1]:
        return None
    w, h = spec.size
    x0, y0, side = REGIONS[spec.photo]
    fx, fy = FACE_CENTRES[spec.photo]
    cx, cy = spec.frame_from_sprite(frame) @ [fx - x0, fy - y0, 1.0]
    face = spec.head * h * 0.4  # the face is about 40% of the square
    t = (frame - spec.occluder[0]) / max(1, spec.occluder[1] - spec.occluder[0])
    x = cx + (t - 0.5) * 2.2 * face
    head_y, head_r = cy + 0.1 * face, 0.22 * face
    pole = 0.035 * face
    y, xx = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    soft = max(1.0, 0.004 * h)
    d_head = np.sqrt((xx - x) ** 2 + ((y - head_y) / 1.25) ** 2) - head_r
    d_pole = np.where(y < head_y, np.abs(xx - x) - pole, np.inf)
    d = np.minimum(d_head, d_pole)
    alpha = np.clip(0.5 - d / soft, 0.0, 1.0).astype(np.float32)
    shade = 0.02 + 0.03 * np.clip(1.0 - np.abs(xx - x) / (head_r + 1e-3), 0, 1)  # dark foam, lit in the middle
    texture = 1.0 + 0.25 * np.sin(xx * 0.9) * np.sin(y * 0.7)
    rgb = np.repeat((shade * texture)[:, :, None], 3, axis=2).astype(np.float32)
    return rgb, alpha


def render_frame(spec: ShotSpec, frame: int) -> np.ndarray:
    """``(H, W, 4)`` float32 scene-linear RGBA of ``frame`` (alpha 1: a camera plate)."""
    w, h = spec.size
    rgb = background(w, h)
    layer, matte = sprite(spec.photo)
    m = _cv(spec.frame_from_sprite(frame))
    face = cv2.warpAffine(layer, m, (w, h), flags=cv2.INTER_CUBIC)
    alpha = cv2.warpAffine(matte, m, (w, h), flags=cv2.INTER_LINEAR)[:, :, None]
    rgb = rgb * (1.0 - alpha) + np.maximum(face, 0.0) * alpha
    occ = occluder(spec, frame)
    if occ is not None:
        rgb = rgb * (1.0 - occ[1][:, :, None]) + occ[0] * occ[1][:, :, None]
    rgb = rgb * np.float32(spec.gain(frame))
    rng = np.random.default_rng(spec.seed * 100_003 + frame)
    sigma = spec.noise * np.sqrt(np.maximum(rgb, 1e-3) / 0.18)
    rgb = rgb + rng.standard_normal(rgb.shape, dtype=np.float32) * sigma
    return np.concatenate([rgb, np.ones((h, w, 1), np.float32)], axis=2).astype(np.float32)


def write_shot(spec: ShotSpec, pattern: str, progress=None) -> list[str]:
    """Writes every frame of ``spec`` to ``pattern`` (``####`` frame token) as half-float EXR; returns the paths.

    Args:
        progress: called with no arguments after each frame (a progress bar's update), or None.
    """
    seq = SequencePattern(pattern)
    os.makedirs(os.path.dirname(os.path.abspath(seq.path(spec.frames[0]))), exist_ok=True)
    paths = []
    for frame in spec.frame_list:
        path = seq.path(frame)
        plate = Plate(render_frame(spec, frame), ["R", "G", "B", "A"])
        write_image(plate, path, metadata={"faceplate/synthetic": 1, "faceplate/demo/photo": spec.photo})
        paths.append(path)
        if progress is not None:
            progress()
    return paths

"""The hard shot set: real faces on fast, accelerating, occluded and crossing motion, with exact truth.

Every face is a rigid copy of a still photo (``astronaut``: skimage's Eileen Collins, ``hopper``:
matplotlib's Grace Hopper; the actor sprites of :mod:`shots`) moved by a known per-frame similarity
``frame_from_sprite``. The true landmarks of a frame are that transform applied to the photo's own
landmarks, measured once on the still by the same backend (:func:`reference_landmarks`), so the
landmark model's bias on the photo cancels and what remains is tracking and stabilisation error.

Motion is written in seconds and frame heights (``H``), so a shot is equally hard at any size:
1920x1080 for the benchmark, 640x360 in the tests. At 1080p ``0.0148 H`` per frame is 16 px/frame.

Shots (24 fps):

========== ==============================================================================
nod        head bobbing 1.2 Hz (+-0.08 H, 86 px at 1080p), roll +-15 deg at 0.8 Hz, scale +-20 %
shake      a speech-like head shake sweeping 0.5 -> 3 Hz, growing then fading, roll +-8 deg
travel     lateral travel accelerating to 16 px/frame and braking, 1 Hz bob, motion blur
cross      two faces cross at 16 px/frame each, the far one passing behind the near one
eyes       a dark bar across the eyes for 36 frames (1.5 s) while the head nods and rolls
mouth      a dark hand over mouth and chin for 24 frames (1 s), scale +-20 %, roll +-12 deg
combo      crossing, an eye bar on the near face for 48 frames (2 s), 2 Hz bob, blur
blur_nod   held out: 2.5 Hz nod with +-15 deg roll and +-20 % scale under motion blur
duet       held out: the other face passes behind, both approaching (scale +25 %), the near one
           braking and speeding up, a hand over its mouth for 40 frames, 1.7 Hz bob, blur
========== ==============================================================================

``HELD_OUT`` (duet, blur_nod) were never used to tune anything; the rest were. ``combo`` was held out
until its far face's jitter was looked into frame by frame (session 10); ``duet`` took its place,
written before any method was tried on it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
from collections.abc import Callable

import cv2
import numpy as np
from shots import SPRITES, background, sprite

from faceplate.foundation import geometry
from faceplate.nodes.plate import Plate

FPS = 24.0
TAU = 2.0 * math.pi
HELD_OUT = ("duet", "blur_nod")
REFERENCE_SIZE = 0.62  # the actors' nominal sprite side, as a fraction of the frame height


@dataclasses.dataclass(frozen=True)
class Occluder:
    """A dark hand-sized shape over part of a face (``region``: ``eyes`` or ``mouth``), frames ``[start, end]``."""

    region: str
    start: int
    end: int


@dataclasses.dataclass(frozen=True)
class HardActor:
    """A face: ``motion(t) -> (cx / H, cy / H, relative scale, roll degrees)``, ``t`` in seconds."""

    photo: str
    motion: Callable[[float], tuple[float, float, float, float]]
    occluders: tuple[Occluder, ...] = ()

    def frame_from_sprite(self, t: float, height: int) -> np.ndarray:
        side = SPRITES[self.photo][2]
        cx, cy, scale, roll = self.motion(t)
        return geometry.similarity(
            (side / 2, side / 2), (cx * height, cy * height), REFERENCE_SIZE * height / side * scale, -roll
        )

    def occluded(self, frame: int) -> list[Occluder]:
        return [o for o in self.occluders if o.start <= frame <= o.end]


@dataclasses.dataclass(frozen=True)
class HardShot:
    """A shot of the hard set: ``actors`` back to front, frames ``first .. first + count - 1``."""

    name: str
    actors: tuple[HardActor, ...]
    count: int = 96
    first: int = 1001
    shutter: float = 0.0  # motion blur: the shutter's open fraction of a frame (0.5 = 180 degrees)
    noise: float = 0.01

    @property
    def frames(self) -> list[int]:
        return list(range(self.first, self.first + self.count))

    def time(self, frame: float) -> float:
        return (frame - self.first) / FPS

    def render(self, frame: int, size: tuple[int, int]) -> Plate:
        """The scene-linear RGBA plate of ``frame`` (ACEScg, alpha 1)."""
        width, height = size
        if self.shutter > 0:
            offsets = self.shutter * (np.linspace(0.0, 1.0, 7) - 0.5)
            rgb = np.mean([self._composite(frame, frame + o, size) for o in offsets], axis=0)
        else:
            rgb = self._composite(frame, frame, size)
        rng = np.random.default_rng(sum(self.name.encode()) * 100003 + frame)
        rgb = rgb + rng.normal(0.0, self.noise, rgb.shape).astype(np.float32) * np.sqrt(np.maximum(rgb, 1e-3) / 0.18)
        pixels = np.concatenate([rgb, np.ones((height, width, 1), np.float32)], axis=2).astype(np.float32)
        return Plate(pixels, ["R", "G", "B", "A"], metadata={"FramesPerSecond": (int(FPS), 1)})

    def _composite(self, frame: int, when: float, size: tuple[int, int]) -> np.ndarray:
        width, height = size
        rgb = background(width, height)
        for actor in self.actors:
            sprite_rgb, matte = sprite(actor.photo)
            m = geometry.opencv_matrix(actor.frame_from_sprite(self.time(when), height))
            for occ in actor.occluded(frame):
                sprite_rgb, matte = _with_occluder(actor.photo, occ.region, sprite_rgb, matte)
            layer = cv2.warpAffine(sprite_rgb, m, size, flags=cv2.INTER_LINEAR)
            alpha = cv2.warpAffine(matte, m, size, flags=cv2.INTER_LINEAR)[:, :, None]
            rgb = rgb * (1 - alpha) + layer * alpha
        return rgb.astype(np.float32)

    def truth(self, frame: int, size: tuple[int, int], backend) -> list[np.ndarray]:
        """Each actor's true ``(68, 2)`` landmarks at ``frame`` (plate pixels; the shutter's centre)."""
        height = size[1]
        return [
            geometry.apply(a.frame_from_sprite(self.time(frame), height), reference_landmarks(a.photo, backend))
            for a in self.actors
        ]

    def visible_fraction(self, frame: int, size: tuple[int, int]) -> list[float]:
        """How much of each actor's landmark hull no nearer actor and no occluder covers (0..1)."""
        width, height = size
        masks = []
        for actor in self.actors:
            points = geometry.apply(
                actor.frame_from_sprite(self.time(frame), height), reference_landmarks(actor.photo, CONTENT)
            )
            mask = np.zeros((height, width), np.uint8)
            cv2.fillConvexPoly(mask, cv2.convexHull(np.round(points).astype(np.int32)), 1)
            masks.append(mask.astype(bool))
        out = []
        for i, actor in enumerate(self.actors):
            cover = np.zeros_like(masks[i])
            for front in self.actors[i + 1 :]:
                _, matte = sprite(front.photo)
                m = geometry.opencv_matrix(front.frame_from_sprite(self.time(frame), height))
                cover |= cv2.warpAffine(matte, m, size, flags=cv2.INTER_LINEAR) > 0.5
            area = masks[i].sum()
            hidden = (masks[i] & cover).sum()
            if actor.occluded(frame):
                hidden = max(hidden, 0.3 * area)  # an eye bar or hand hides about a third of the hull
            out.append(float(1.0 - hidden / max(area, 1)))
        return out


# The shots' content (where an occluder sits, how much of a face is in sight) is placed from dlib's
# landmarks on the stills, whatever backend tracks them: the shots are the same pixels for every backend.
CONTENT = "dlib"


def _with_occluder(photo: str, region: str, rgb: np.ndarray, matte: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sprite with a dark, textured, soft-edged shape over ``region`` of the face."""
    side = rgb.shape[0]
    points = reference_landmarks(photo, CONTENT)
    group = points[36:48] if region == "eyes" else points[48:68]
    (x0, y0), (x1, y1) = group.min(0), group.max(0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if region == "eyes":
        half = np.array([(x1 - x0) * 0.5 + 0.12 * side, (y1 - y0) * 0.5 + 0.05 * side])
    else:  # a hand over mouth and chin
        half = np.array([(x1 - x0) * 0.5 + 0.10 * side, (y1 - y0) * 0.5 + 0.08 * side])
        cy += 0.04 * side
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32) + 0.5
    d = np.maximum(np.abs(xx - cx) - half[0], np.abs(yy - cy) - half[1])
    alpha = np.clip(0.5 - d / 2.0, 0.0, 1.0)[:, :, None]
    texture = 0.02 + 0.01 * np.sin(xx * 0.7)[:, :, None] * np.sin(yy * 0.5)[:, :, None]
    dark = np.repeat(texture, 3, axis=2).astype(np.float32)
    return (rgb * (1 - alpha) + dark * alpha).astype(np.float32), np.maximum(matte, alpha[:, :, 0])


@functools.lru_cache(maxsize=8)
def _reference(photo: str, backend: str) -> np.ndarray:
    from faceplate.nodes.facedetect.backends import get_backend
    from faceplate.nodes.facedetect.detect import Detector

    height = 1080
    side = SPRITES[photo][2]
    m = geometry.similarity((side / 2, side / 2), (960.0, 540.0), REFERENCE_SIZE * height / side, 0.0)
    shot = HardShot("reference", (HardActor(photo, lambda t: (960.0 / height, 0.5, 1.0, 0.0)),), count=1, noise=0.0)
    plate = shot.render(shot.first, (1920, height))
    faces = Detector(get_backend(backend), proxy_size=960).find(plate)
    if len(faces) != 1:
        raise RuntimeError(f"the still of '{photo}' should show one face, found {len(faces)}")
    return geometry.apply(geometry.invert(m), faces[0].landmarks)


def reference_landmarks(photo: str, backend: str | None) -> np.ndarray:
    """The photo's own 68 landmarks in sprite pixels: ``backend``'s measurement on the upright still
    (1080p, the actors' nominal size; None: the default backend), so a shot tracked with a backend is
    scored against that backend's own view of the photo and its bias on the photo cancels."""
    from faceplate.nodes.facedetect.backend import BACKENDS

    return _reference(photo, backend or BACKENDS[0])


# -- the shots -----------------------------------------------------------------------------------


def _nod(t):
    return (
        0.89,
        0.5 + 0.08 * math.sin(TAU * 1.2 * t),
        1.0 + 0.2 * math.sin(TAU * 0.5 * t + 1.0),
        15.0 * math.sin(TAU * 0.8 * t),
    )


def _shake(t):
    # A chirp from 0.5 to 3 Hz over the 4 s shot; the amplitude swells and fades (speech comes in bursts).
    phase = TAU * (0.5 * t + 0.3125 * t * t)
    envelope = math.sin(math.pi * min(t / 4.0, 1.0))
    return (
        0.89 + 0.05 * envelope * math.sin(phase),
        0.5 + 0.01 * math.sin(TAU * 0.7 * t),
        1.0,
        8.0 * envelope * math.sin(phase + 0.6),
    )


def _travel(t):
    # Speed ramps up to 16 px/frame at 1080p (0.355 H/s) by 1.5 s, holds, brakes to rest by 4 s.
    v = 0.355
    if t < 1.5:
        x = 0.5 * v * t * t / 1.5
    elif t < 2.5:
        x = 0.5 * v * 1.5 + v * (t - 1.5)
    else:
        tb = min(t - 2.5, 1.5)
        x = 0.5 * v * 1.5 + v + v * tb - 0.5 * v * tb * tb / 1.5
    return (
        0.35 + x,
        0.5 + 0.05 * math.sin(TAU * 1.0 * t),
        1.0 + 0.1 * math.sin(TAU * 0.4 * t),
        6.0 * math.sin(TAU * 0.6 * t),
    )


def _crossing(direction: float, y: float, scale: float, bob_hz: float, roll: float):
    def motion(t):
        x = 0.89 - direction * 0.66 + direction * 0.355 * t  # 16 px/frame at 1080p
        return x, y + 0.04 * math.sin(TAU * bob_hz * t), scale, roll * math.sin(TAU * 0.7 * t + direction)

    return motion


def _eyes(t):
    return (
        0.89 + 0.1 * math.sin(TAU * 0.4 * t),
        0.5 + 0.06 * math.sin(TAU * 0.9 * t),
        1.0,
        12.0 * math.sin(TAU * 0.7 * t),
    )


def _mouth(t):
    return (
        0.89 + 0.06 * math.sin(TAU * 0.6 * t),
        0.5 + 0.04 * math.sin(TAU * 1.1 * t),
        1.0 + 0.2 * math.sin(TAU * 0.45 * t),
        12.0 * math.sin(TAU * 0.5 * t + 0.4),
    )


def _blur_nod(t):
    return (
        0.89 + 0.03 * math.sin(TAU * 0.3 * t),
        0.5 + 0.06 * math.sin(TAU * 2.5 * t),
        1.0 + 0.2 * math.sin(TAU * 0.6 * t + 0.5),
        15.0 * math.sin(TAU * 1.1 * t),
    )


def _duet_far(t):
    # Walks left to right behind the other face, coming nearer (scale 0.8 -> 1.0), 1.7 Hz bob.
    return (
        0.25 + 0.33 * t,
        0.47 + 0.035 * math.sin(TAU * 1.7 * t + 0.5),
        0.8 + 0.05 * t,
        10.0 * math.sin(TAU * 0.9 * t),
    )


def _duet_near(t):
    # Walks right to left, braking to half speed mid-shot and speeding up again, coming nearer.
    x = 1.52 - 0.36 * t + 0.06 * math.sin(TAU * 0.25 * t)
    return (
        x,
        0.52 + 0.03 * math.sin(TAU * 1.3 * t),
        0.95 + 0.06 * t,
        -9.0 * math.sin(TAU * 0.6 * t + 0.8),
    )


SHOTS: dict[str, HardShot] = {
    s.name: s
    for s in (
        HardShot("nod", (HardActor("astronaut", _nod),)),
        HardShot("shake", (HardActor("hopper", _shake),)),
        HardShot("travel", (HardActor("astronaut", _travel),), shutter=0.5),
        HardShot(
            "cross",
            (
                HardActor("hopper", _crossing(-1.0, 0.52, 0.85, 1.0, 8.0)),
                HardActor("astronaut", _crossing(1.0, 0.48, 1.0, 0.8, 8.0)),
            ),
        ),
        HardShot("eyes", (HardActor("astronaut", _eyes, (Occluder("eyes", 1030, 1065),)),)),
        HardShot("mouth", (HardActor("hopper", _mouth, (Occluder("mouth", 1040, 1063),)),)),
        HardShot(
            "combo",
            (
                HardActor("hopper", _crossing(-1.0, 0.5, 0.9, 2.0, 15.0)),
                HardActor("astronaut", _crossing(1.0, 0.5, 1.0, 1.5, 12.0), (Occluder("eyes", 1020, 1067),)),
            ),
            shutter=0.5,
        ),
        HardShot("blur_nod", (HardActor("hopper", _blur_nod),), shutter=0.5),
        HardShot(
            "duet",
            (
                HardActor("astronaut", _duet_far),
                HardActor("hopper", _duet_near, (Occluder("mouth", 1030, 1069),)),
            ),
            shutter=0.5,
        ),
    )
}


def write_shot(shot: HardShot, folder: str, size: tuple[int, int]) -> str:
    """Writes the shot as half-float EXR frames (OpenImageIO) into ``folder``; returns the file pattern."""
    from faceplate.nodes.io import write_image

    os.makedirs(folder, exist_ok=True)
    for frame in shot.frames:
        write_image(shot.render(frame, size), os.path.join(folder, f"{shot.name}.{frame:04d}.exr"), pixel_type="half")
    return os.path.join(folder, f"{shot.name}.####.exr")

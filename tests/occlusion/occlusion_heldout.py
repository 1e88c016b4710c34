"""Synthetic shots with HELD-OUT occluders for the learned-occlusion tests, and their face-sets.

Not in conftest.py (``from conftest import`` collides across test folders).

Held out from training, by construction: the shapes here (stars, rounded boxes, the silhouette of
``skimage.data.horse``, rings; and the THIN ones: flat-ended rods drawn as rectangles, sine-wave wires,
zigzag wires) are drawn by nothing in ``faceplate.models.trainer.occluders`` (its thin shapes are
round-capped capsules along straight lines and quadratic curves), and
the textures come from ``skimage.data.coffee``, ``chelsea`` and ``rocket``, which the trainer never
reads (``occluders.HELD_OUT_PHOTOS``; a test checks they are not in ``TRAINING_PHOTOS``).

A shot is the astronaut sprite (``tests/facedetect/shots.py``) moving with known motion; each face
carries its true landmarks and an ``aligned_from_plate`` made from them with AlignEdit's
``whole_face`` template (at the model's size, so no AlignEdit node is needed). Occluders are
composited over the plate in scene-linear light at known places; the true occlusion matte of each
frame is known exactly.
"""

from __future__ import annotations

import functools
import json
import os
import sys

import cv2
import numpy as np
from occlusion_shots import ASTRONAUT_LANDMARKS

from faceplate.foundation import geometry
from faceplate.nodes.core import Graph, Node
from faceplate.nodes.faces import METADATA_KEY, Face, Faces
from faceplate.nodes.io import colour
from faceplate.nodes.occlusion.node import OcclusionMask
from faceplate.nodes.plate import Plate

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "facedetect"))
from shots import Actor, render

SRGB = "sRGB Encoded Rec.709 (sRGB)"
SIZE = (400, 300)
MODEL_SIZE = 128
HELD_OUT_PHOTOS = ("coffee", "chelsea", "rocket")


def shot_motion(frame: int) -> tuple[float, float, float, float]:
    """A slow pan with a small push-in and roll over frames 1001-1040."""
    t = (frame - 1001) / 39.0
    return (170.0 + 60.0 * t, 150.0 + 10.0 * t, 1.1 + 0.15 * t, 8.0 * np.sin(2.0 * t))


def static_motion(frame: int) -> tuple[float, float, float, float]:
    return (200.0, 150.0, 1.2, 0.0)


@functools.cache
def held_out_photo(name: str) -> np.ndarray:
    import skimage.data

    return np.ascontiguousarray(getattr(skimage.data, name)()[..., :3])


@functools.lru_cache(maxsize=1)
def horse() -> np.ndarray:
    import skimage.data

    return (~skimage.data.horse()).astype(np.uint8) * 255  # the horse is False on a True background


def aligned_from_plate(points: np.ndarray, size: int = MODEL_SIZE) -> np.ndarray:
    from faceplate.nodes.alignedit.align import plate_from_template
    from faceplate.nodes.alignedit.template import aligned_from_template

    return geometry.compose(aligned_from_template("whole_face", size), geometry.invert(plate_from_template(points)))


def held_out_alpha(rng: np.random.Generator, kind: str, width: int, height: int, centre, extent: float) -> np.ndarray:
    """``(H, W)`` float32 coverage of one held-out shape around ``centre``, about ``extent`` px across."""
    canvas = np.zeros((height, width), np.uint8)
    cx, cy = centre
    angle = rng.uniform(0, 2 * np.pi)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    if kind == "star":
        k = int(rng.integers(5, 8))
        t = np.arange(2 * k) * np.pi / k
        r = np.where(np.arange(2 * k) % 2 == 0, 0.5, 0.22) * extent
        ring = np.c_[r * np.cos(t), r * np.sin(t)] @ rot.T + [cx, cy]
        cv2.fillPoly(canvas, [np.round(ring * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
    elif kind == "box":
        w, h = extent * rng.uniform(0.35, 0.6), extent * rng.uniform(0.8, 1.2)
        t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
        ring = np.c_[
            np.sign(np.cos(t)) * np.abs(np.cos(t)) ** 0.3 * w / 2, np.sign(np.sin(t)) * np.abs(np.sin(t)) ** 0.3 * h / 2
        ] @ rot.T + [cx, cy]
        cv2.fillPoly(canvas, [np.round(ring * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
    elif kind == "horse":
        sprite = horse()
        s = extent / max(sprite.shape)
        m = cv2.getRotationMatrix2D((sprite.shape[1] / 2, sprite.shape[0] / 2), np.degrees(angle) * 0.2, s)
        m[:, 2] += [cx - sprite.shape[1] / 2, cy - sprite.shape[0] / 2]
        canvas = cv2.warpAffine(sprite, m, (width, height), flags=cv2.INTER_LINEAR)
    elif kind == "ring":
        r = extent * 0.4
        cv2.circle(canvas, (int(cx * 16), int(cy * 16)), int(r * 16), 255, max(2, int(extent * 0.12)), cv2.LINE_AA, 4)
    else:
        raise ValueError(kind)
    return canvas.astype(np.float32) / 255.0


THIN_KINDS = ("rod", "wire", "zigzag")


def thin_alpha(
    rng: np.random.Generator, kind: str, width: int, height: int, centre, extent: float, thickness: float
) -> np.ndarray:
    """``(H, W)`` float32 coverage of a held-out thin shape ``thickness`` px across, crossing ``centre`` over
    about ``extent`` px: a rod (a rectangle with flat ends), a sine-wave wire or a zigzag wire."""
    canvas = np.zeros((height, width), np.uint8)
    angle = rng.uniform(0, np.pi)
    along = np.array([np.cos(angle), np.sin(angle)])
    across = np.array([-along[1], along[0]])
    t = np.linspace(-0.5, 0.5, 64)[:, None] * extent
    if kind == "rod":
        half = thickness / 2
        corners = (
            np.array(
                [
                    -along * extent / 2 - across * half,
                    along * extent / 2 - across * half,
                    along * extent / 2 + across * half,
                    -along * extent / 2 + across * half,
                ]
            )
            + centre
        )
        cv2.fillPoly(canvas, [np.round(corners * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
        return canvas.astype(np.float32) / 255.0
    if kind == "wire":
        wave = np.sin(t / extent * 2 * np.pi * rng.uniform(1.0, 2.0) + rng.uniform(0, 6)) * extent * 0.08
    elif kind == "zigzag":
        period = extent / rng.uniform(2.5, 4.0)
        wave = (np.abs(((t / period) % 1.0) - 0.5) - 0.25) * extent * 0.25
    else:
        raise ValueError(kind)
    line = centre + t * along + wave * across
    cv2.polylines(
        canvas, [np.round(line * 16).astype(np.int32)], False, 255, max(1, int(round(thickness))), cv2.LINE_AA, 4
    )
    return canvas.astype(np.float32) / 255.0


def held_out_texture(rng: np.random.Generator, photo: str, width: int, height: int) -> np.ndarray:
    """``(H, W, 3)`` scene-linear texture from a held-out photo, scaled and shifted at random."""
    image = held_out_photo(photo).astype(np.float32) / 255.0
    scale = rng.uniform(0.8, 1.6)
    m = np.array([[scale, 0, -rng.uniform(0, 100)], [0, scale, -rng.uniform(0, 80)]])
    srgb = cv2.warpAffine(image, m, (width, height), borderMode=cv2.BORDER_REFLECT101)
    return colour.convert(np.ascontiguousarray(srgb), SRGB, colour.WORKING_SPACE).astype(np.float32)


KINDS = ("star", "box", "horse", "ring")
BLOCK = 5


def occluder_at(
    frame: int, actor: Actor, seed: int = 0, width: int = SIZE[0], height: int = SIZE[1], fixed: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """``(rgb, alpha)`` of the held-out occluder of ``frame`` (scene-linear), placed over the face.

    Frames come in blocks of :data:`BLOCK` (1001-1005, 1006-1010, ...): a block's frames share one
    occluder, drawn from ``(seed, block)``, that moves with the face (as a hand held to the face does),
    so temporal smoothing sees the same occluder on neighbouring frames. ``fixed``: one occluder for
    the whole shot, drawn from ``seed`` alone.
    """
    rng = np.random.default_rng([seed] if fixed else [seed, (frame - 1001) // BLOCK])
    kind = KINDS[int(rng.integers(len(KINDS)))]
    photo = HELD_OUT_PHOTOS[int(rng.integers(len(HELD_OUT_PHOTOS)))]
    points = geometry.apply(actor.frame_from_sprite(frame), ASTRONAUT_LANDMARKS)
    face_w = float(np.linalg.norm(points[16] - points[0]))
    anchor = points[int(rng.choice([30, 33, 36, 45, 48, 54, 8, 2, 14]))]
    centre = anchor + rng.normal(0, 0.12 * face_w, 2)
    alpha = held_out_alpha(rng, kind, width, height, centre, face_w * rng.uniform(0.45, 0.8))
    rgb = held_out_texture(rng, photo, width, height)
    return rgb, alpha


def thin_occluder_at(
    frame: int,
    actor: Actor,
    seed: int = 0,
    thickness: float | None = None,
    kind: str | None = None,
    moving: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """``(rgb, alpha)`` of a held-out thin occluder crossing the face at ``frame`` (scene-linear).

    One shape per (seed) for the whole shot, fixed to the face; ``moving`` slides it across the face by
    1.5 times its thickness a frame (a boom pole swinging past), so neighbouring frames see it elsewhere.
    ``thickness`` in plate pixels (default: 5-15 at random), ``kind`` one of :data:`THIN_KINDS`.
    """
    rng = np.random.default_rng([seed, 29])
    kind = kind or THIN_KINDS[int(rng.integers(len(THIN_KINDS)))]
    photo = HELD_OUT_PHOTOS[int(rng.integers(len(HELD_OUT_PHOTOS)))]
    thickness = float(thickness if thickness is not None else rng.uniform(5, 15))
    points = geometry.apply(actor.frame_from_sprite(frame), ASTRONAUT_LANDMARKS)
    face_w = float(np.linalg.norm(points[16] - points[0]))
    centre = points[[30, 33, 36, 45, 48, 54]].mean(axis=0) + rng.normal(0, 0.1 * face_w, 2)
    shape_rng = np.random.default_rng([seed, 31])
    if moving:
        angle_rng = np.random.default_rng([seed, 31])
        angle = angle_rng.uniform(0, np.pi)
        across = np.array([-np.sin(angle), np.cos(angle)])
        centre = centre + across * 1.5 * thickness * ((frame - 1001) % 8 - 3.5)
    alpha = thin_alpha(shape_rng, kind, SIZE[0], SIZE[1], centre, face_w * 1.6, thickness)
    return held_out_texture(rng, photo, SIZE[0], SIZE[1]), alpha


class HeldOutShot(Node):
    """The astronaut moving, with a held-out occluder on ``occluded`` frames; faces aligned for the model.

    ``exposure_flicker`` (stops, per frame, seeded) and ``landmark_jitter`` (px) imitate a real shot's
    frame-to-frame noise for flicker measurements.
    """

    type_name = "TestHeldOutShot"

    def __init__(
        self,
        name,
        motion=shot_motion,
        occluded=(),
        seed=0,
        fixed=False,
        exposure_flicker=0.0,
        landmark_jitter=0.0,
        noise=0.004,
        thin=None,
    ):
        super().__init__(name)
        self.thin = thin  # None, or thin_occluder_at's keyword arguments: a thin occluder on the occluded frames
        self.actor = Actor("astronaut", motion)
        self.occluded = set(occluded)
        self.seed, self.fixed = seed, fixed
        self.exposure_flicker, self.landmark_jitter, self.noise = exposure_flicker, landmark_jitter, noise

    def hash_extra(self, frame):
        return [id(self), frame]

    def truth(self, frame: int) -> np.ndarray:
        """``(H, W)`` true occlusion of ``frame`` (zeros when it has no occluder)."""
        if frame not in self.occluded:
            return np.zeros((SIZE[1], SIZE[0]), np.float32)
        return self.occluder(frame)[1]

    def occluder(self, frame: int) -> tuple[np.ndarray, np.ndarray]:
        if self.thin is not None:
            return thin_occluder_at(frame, self.actor, self.seed, **self.thin)
        return occluder_at(frame, self.actor, self.seed, fixed=self.fixed)

    def compute(self, context):
        frame = context.frame
        plate = render([self.actor], frame, size=SIZE, noise=self.noise)
        rng = np.random.default_rng([self.seed, frame, 17])
        pixels = np.array(plate.pixels)
        if self.exposure_flicker:
            pixels[..., :3] *= np.float32(2.0 ** rng.normal(0, self.exposure_flicker))
        if frame in self.occluded:
            rgb, alpha = self.occluder(frame)
            pixels[..., :3] = pixels[..., :3] * (1 - alpha[..., None]) + rgb * alpha[..., None]
        points = geometry.apply(self.actor.frame_from_sprite(frame), ASTRONAUT_LANDMARKS)
        if self.landmark_jitter:
            points = points + rng.normal(0, self.landmark_jitter, points.shape)
        face = Face(
            track_id=1,
            identity="person1",
            box=(*points.min(axis=0), *points.max(axis=0)),
            landmarks=points,
            confidence=np.ones(68),
            score=1.0,
            aligned_from_plate=aligned_from_plate(points),
        )
        return Plate(pixels, plate.channels, metadata={METADATA_KEY: Faces(frame=frame, faces=(face,))})


def graph_of(source: HeldOutShot, frames, **knobs) -> tuple[Graph, OcclusionMask]:
    graph = Graph(frame_range=(frames[0], frames[-1]))
    graph.add(source)
    node = graph.add(OcclusionMask("OcclusionMask1", **knobs))
    graph.connect(source, node)
    return graph, node


def write_faceset(folder: str, source: HeldOutShot, frames, size: int = MODEL_SIZE) -> str:
    """The shot's own face-set (what ``faceplate extract`` writes): its faces at ``frames``, as rendered."""
    from faceplate.actions.faceset_extraction import hull_matte
    from faceplate.foundation.drawing import write_png

    graph = Graph(frame_range=(min(frames), max(frames)))
    graph.add(source)
    os.makedirs(os.path.join(folder, "faces"), exist_ok=True)
    os.makedirs(os.path.join(folder, "mattes"), exist_ok=True)
    faces = []
    for frame in frames:
        plate = graph.render(source.name, frame)
        face = plate.metadata[METADATA_KEY].faces[0]
        m = face.aligned_from_plate
        linear = cv2.warpAffine(
            np.ascontiguousarray(plate.pixels[..., :3]),
            geometry.opencv_matrix(m),
            (size, size),
            flags=cv2.INTER_AREA,
            borderMode=cv2.BORDER_REPLICATE,
        )
        crop = np.clip(colour.convert(linear, colour.WORKING_SPACE, SRGB), 0, 1)
        landmarks = geometry.apply(m, face.landmarks)
        stem = f"person1_t01_{frame:06d}"
        write_png(os.path.join(folder, "faces", stem + ".png"), crop)
        matte = np.repeat(hull_matte(landmarks, size)[..., None], 3, 2)
        write_png(os.path.join(folder, "mattes", stem + ".png"), matte)
        faces.append(
            {
                "image": f"faces/{stem}.png",
                "matte": f"mattes/{stem}.png",
                "frame": frame,
                "track": 1,
                "identity": "person1",
                "aligned_from_plate": np.asarray(m).tolist(),
                "landmarks": landmarks.tolist(),
            }
        )
    manifest = {
        "format": "faceplate-faceset",
        "version": 1,
        "track": 1,
        "identity": "person1",
        "face_type": "whole_face",
        "size": size,
        "plate_size": list(SIZE),
        "frames": [min(frames), max(frames)],
        "faces": faces,
    }
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    return folder


def region_mask(graph: Graph, node: OcclusionMask, frame: int) -> np.ndarray:
    """The face region (model-less ``fp_matte.face``) > 0.5 at ``frame``."""
    saved = node["model"]
    node["model"] = ""
    try:
        return graph.render(node, frame).channel("fp_matte.face") > 0.5
    finally:
        node["model"] = saved


def occlusion_iou(graph: Graph, node: OcclusionMask, source: HeldOutShot, frames) -> float:
    """IoU of ``fp_matte.occlusion > 0.5`` with the truth > 0.5, inside the face region, pooled over ``frames``."""
    inter = union = 0
    for frame in frames:
        region = region_mask(graph, node, frame)
        predicted = (graph.render(node, frame).channel("fp_matte.occlusion") > 0.5) & region
        truth = (source.truth(frame) > 0.5) & region
        inter += int((predicted & truth).sum())
        union += int((predicted | truth).sum())
    return inter / max(union, 1)


def flicker(graph: Graph, node: OcclusionMask, frames, region: np.ndarray) -> float:
    """Mean absolute frame-to-frame change of ``fp_matte.occlusion`` inside ``region``."""
    mattes = [graph.render(node, f).channel("fp_matte.occlusion")[region] for f in frames]
    return float(np.mean([np.abs(a - b).mean() for a, b in zip(mattes, mattes[1:])]))

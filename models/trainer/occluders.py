"""Synthetic occluders for training the occlusion model, drawn in aligned-face space.

Each occluder is an ``(rgb, alpha)`` pair of ``(S, S, 3)`` sRGB-encoded float32 [0, 1] and ``(S, S)``
float32 coverage, composited over an aligned face as ``face * (1 - alpha) + rgb * alpha``; the
training target is the union of the alphas (what is hidden, with soft and semi-transparent edges
kept as fractional coverage).

The TRAINING families (:data:`FAMILIES`):

- ``hand``: a palm with four or five fingers (capsules) and a thumb, entering from the crop's edge,
  filled with skin cut from the face-set's own faces (the hardest case: skin over skin), shaded;
- ``patch``: a smooth random blob (thresholded low-frequency noise) filled with a texture cut from
  elsewhere in the source images (outside the face matte: hair, clothes, background; or a texture
  photo);
- ``hair``: bundles of thin anti-aliased strands (quadratic Bezier curves), dark to blond, partly
  transparent, falling over the forehead and eyes;
- ``glasses``: two rounded frames around the eyes (from the landmarks), a bridge and the temples, with
  tinted lenses of low opacity;
- ``bar``: a straight or bent thick stroke (a pen, a microphone, a finger alone) with a texture;
- ``thin``: thin shapes 5-15 px across at 128 px (scaled with the crop): a rod or pole crossing the
  crop (a boom pole, a stick), a cable (a sagging curve), a single finger from the edge, or a glasses
  arm (a temple from the side of the crop towards the eye); solid, lit across their width, their
  edges softened by at most a pixel, so the network learns to keep a narrow occluder whole instead of
  averaging it into the face behind it.

Every occluder may be softened (defocus blur of its alpha) and made semi-transparent (a global
opacity), so the network sees soft edges and sheer materials.

The tests keep a HELD-OUT set of shapes and textures that nothing here draws or reads (see
``tests/occlusion/occlusion_heldout.py``): training textures come only from :data:`TRAINING_PHOTOS`
and the face-sets; ``skimage.data.coffee``, ``chelsea``/``cat`` and ``rocket`` are reserved for
evaluation and must never be added here.

Every function takes a ``numpy.random.Generator`` (seeded per sample by the task), so samples are
repeatable.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import cv2
import numpy as np

FAMILIES = ("hand", "patch", "hair", "glasses", "bar", "thin")
FAMILY_WEIGHTS = (0.25, 0.2, 0.12, 0.1, 0.13, 0.2)
THIN_KINDS = ("rod", "cable", "finger", "temple")
THIN_WIDTHS = (5.0, 15.0)  # px across at a 128 px crop

# Photos in scikit-image that load offline and serve as texture sources in training (colour or grey).
# Reserved for evaluation, never listed here: coffee, chelsea (= cat), rocket.
TRAINING_PHOTOS = (
    "immunohistochemistry",
    "hubble_deep_field",
    "camera",
    "brick",
    "grass",
    "gravel",
    "colorwheel",
    "coins",
    "moon",
)
HELD_OUT_PHOTOS = ("coffee", "chelsea", "cat", "rocket")

SUPERSAMPLE = 4  # sub-pixel bits of cv2's anti-aliased drawing


@functools.cache
def training_photo(name: str) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB of one of :data:`TRAINING_PHOTOS` (grey photos repeated to 3 channels)."""
    if name not in TRAINING_PHOTOS:
        raise ValueError(f"'{name}' is not a training texture photo ({', '.join(TRAINING_PHOTOS)})")
    import skimage.data

    image = np.asarray(getattr(skimage.data, name)())
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(image[..., :3].astype(np.uint8))


@dataclasses.dataclass
class TextureBank:
    """Where occluder textures are cut from.

    Attributes:
        faces: ``(N, S, S, 3)`` uint8 aligned faces (the face-sets): skin for hands, and, outside
            ``mattes``, the plate around the face (hair, clothes, background).
        mattes: ``(N, S, S)`` uint8 face mattes of ``faces`` (255 inside the face).
        photos: extra uint8 RGB photos (e.g. :func:`training_photo` of :data:`TRAINING_PHOTOS`).
    """

    faces: np.ndarray
    mattes: np.ndarray
    photos: list[np.ndarray] = dataclasses.field(default_factory=list)

    def skin(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``(size, size, 3)`` float32 sRGB skin: the inner face of a random face, smoothed and stretched."""
        face = self.faces[int(rng.integers(len(self.faces)))].astype(np.float32) / 255.0
        s = face.shape[0]
        x0, y0 = rng.uniform(0.3, 0.45, 2) * s
        side = rng.uniform(0.15, 0.25) * s
        patch = face[int(y0) : int(y0 + side), int(x0) : int(x0 + side)]
        patch = cv2.GaussianBlur(patch, (0, 0), max(side / 12, 0.5))
        return cv2.resize(patch, (size, size), interpolation=cv2.INTER_LINEAR)

    def texture(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``(size, size, 3)`` float32 sRGB texture cut from a photo or from outside a face, rotated, scaled,
        tinted."""
        if self.photos and rng.random() < 0.6:
            source = self.photos[int(rng.integers(len(self.photos)))]
        else:
            i = int(rng.integers(len(self.faces)))
            source = self.faces[i]
            outside = np.argwhere(self.mattes[i] < 32)
            if len(outside) > source.shape[0]:
                y, x = outside[int(rng.integers(len(outside)))]
                source = np.roll(source, (source.shape[0] // 2 - y, source.shape[1] // 2 - x), axis=(0, 1))
        h, w = source.shape[:2]
        scale = size / min(h, w) * rng.uniform(1.0, 3.0)
        px, py = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h
        m = cv2.getRotationMatrix2D((float(px), float(py)), float(rng.uniform(-180, 180)), float(scale))
        m[:, 2] += [size / 2 - px, size / 2 - py]
        out = cv2.warpAffine(source, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
        out = out.astype(np.float32) / 255.0
        gain = rng.uniform(0.6, 1.3) * (1.0 + rng.uniform(-0.15, 0.15, 3))
        return np.clip(out * gain.astype(np.float32), 0.0, 1.0)


def _canvas(size: int) -> np.ndarray:
    return np.zeros((size, size), np.uint8)


def _pts(points: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(points) * (1 << SUPERSAMPLE) - (1 << (SUPERSAMPLE - 1))).astype(np.int32)


def _fill(canvas: np.ndarray, polygon: np.ndarray) -> None:
    cv2.fillPoly(canvas, [_pts(polygon)], 255, cv2.LINE_AA, SUPERSAMPLE)


def _capsule(canvas: np.ndarray, a, b, radius: float) -> None:
    """A thick segment with round ends from ``a`` to ``b`` (pixel coordinates, centres at +0.5)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    d = b - a
    u = d / max(float(np.linalg.norm(d)), 1e-6)
    n = np.array([-u[1], u[0]]) * radius
    t = np.linspace(0, np.pi, 9)[:, None]
    cap_b = b + np.cos(t) * n + np.sin(t) * u * radius
    cap_a = a - np.cos(t) * n - np.sin(t) * u * radius
    _fill(canvas, np.concatenate([cap_b, cap_a]))


def _edge_entry(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A point on or just outside the crop's border and the unit direction into the crop (jittered)."""
    side = int(rng.integers(4))
    t = rng.uniform(0.15, 0.85) * size
    start = [
        np.array([t, size * 1.05]),
        np.array([-0.05 * size, t]),
        np.array([size * 1.05, t]),
        np.array([t, -0.05 * size]),
    ][side]
    inward = [np.array([0.0, -1.0]), np.array([1.0, 0.0]), np.array([-1.0, 0.0]), np.array([0.0, 1.0])][side]
    angle = rng.uniform(-0.6, 0.6)
    c, s = math.cos(angle), math.sin(angle)
    return start, np.array([c * inward[0] - s * inward[1], s * inward[0] + c * inward[1]])


def hand_alpha(rng: np.random.Generator, size: int) -> np.ndarray:
    """``(size, size)`` uint8 silhouette of a hand (palm, fingers, thumb) reaching in from an edge."""
    canvas = _canvas(size)
    start, direction = _edge_entry(rng, size)
    normal = np.array([-direction[1], direction[0]])
    reach = rng.uniform(0.35, 0.75) * size
    palm_w = rng.uniform(0.22, 0.34) * size
    palm_l = palm_w * rng.uniform(0.9, 1.2)
    wrist = start + direction * (reach - palm_l)
    palm_centre = wrist + direction * palm_l / 2
    _capsule(canvas, start - direction * size * 0.2, wrist, palm_w * 0.38)  # forearm
    t = np.linspace(0, 2 * np.pi, 24, endpoint=False)[:, None]
    _fill(canvas, palm_centre + np.cos(t) * direction * palm_l / 2 + np.sin(t) * normal * palm_w / 2)
    fingers = int(rng.integers(4, 5)) if rng.random() < 0.8 else int(rng.integers(1, 4))
    spread = rng.uniform(-0.25, 0.25, fingers) + np.linspace(-0.3, 0.3, fingers) * rng.uniform(0.3, 1.2)
    knuckle = palm_centre + direction * palm_l * 0.42
    for k in range(fingers):
        offset = (k - (fingers - 1) / 2) / max(fingers - 1, 1) * palm_w * 0.8
        base = knuckle + normal * offset
        a = spread[k]
        d = direction * math.cos(a) + normal * math.sin(a)
        length = palm_l * rng.uniform(0.6, 1.0) * (0.8 if k in (0, fingers - 1) else 1.0)
        bend = rng.uniform(-0.3, 0.3)
        mid = base + d * length * 0.55
        d2 = d * math.cos(bend) + np.array([-d[1], d[0]]) * math.sin(bend)
        radius = palm_w / (2.3 * max(fingers, 3)) * rng.uniform(0.9, 1.2) * 1.6
        _capsule(canvas, base, mid, radius)
        _capsule(canvas, mid, mid + d2 * length * 0.45, radius * 0.9)
    if rng.random() < 0.8:  # thumb
        side = 1 if rng.random() < 0.5 else -1
        base = palm_centre + normal * side * palm_w * 0.4 - direction * palm_l * 0.1
        d = normal * side * 0.8 + direction * 0.6
        d /= np.linalg.norm(d)
        _capsule(canvas, base, base + d * palm_l * 0.7, palm_w * 0.13)
    return canvas


def blob_alpha(rng: np.random.Generator, size: int) -> np.ndarray:
    """A smooth random blob: low-frequency noise thresholded, biased towards one edge or the middle."""
    cells = int(rng.integers(3, 6))
    noise = cv2.resize(rng.normal(size=(cells, cells)).astype(np.float32), (size, size), interpolation=cv2.INTER_CUBIC)
    yy, xx = (np.mgrid[0:size, 0:size] + 0.5) / size
    cx, cy = rng.uniform(-0.1, 1.1, 2)
    bias = -np.hypot(xx - cx, yy - cy) * rng.uniform(1.5, 4.0)
    field = noise + bias
    level = np.quantile(field, 1.0 - rng.uniform(0.08, 0.4))
    return (np.clip((field - level) * 8.0 + 0.5, 0, 1) * 255).astype(np.uint8)


def bar_alpha(rng: np.random.Generator, size: int) -> np.ndarray:
    canvas = _canvas(size)
    start, direction = _edge_entry(rng, size)
    radius = rng.uniform(0.025, 0.09) * size
    mid = start + direction * rng.uniform(0.3, 0.8) * size
    _capsule(canvas, start - direction * radius * 2, mid, radius)
    if rng.random() < 0.4:
        bend = rng.uniform(-1.0, 1.0)
        d2 = np.array(
            [
                direction[0] * math.cos(bend) - direction[1] * math.sin(bend),
                direction[0] * math.sin(bend) + direction[1] * math.cos(bend),
            ]
        )
        _capsule(canvas, mid, mid + d2 * rng.uniform(0.1, 0.4) * size, radius)
    return canvas


def thin_alpha(
    rng: np.random.Generator, size: int, landmarks: np.ndarray | None = None, kind: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(alpha uint8, across float32)`` of one thin shape (:data:`THIN_KINDS`, random when None): its
    coverage and the distance from its centre line in half-widths, in [0, 1] (for the shading across it)."""
    kind = kind or str(rng.choice(THIN_KINDS, p=(0.4, 0.25, 0.2, 0.15)))
    k = size / 128.0
    width = rng.uniform(*THIN_WIDTHS) * k
    if kind == "rod":  # crosses the crop (or most of it), any angle, through the face's middle part
        centre = rng.uniform(0.3, 0.7, 2) * size
        angle = rng.uniform(0, np.pi)
        d = np.array([math.cos(angle), math.sin(angle)])
        a = centre - d * size * rng.uniform(0.4, 1.0)
        b = centre + d * size * (1.0 if rng.random() < 0.6 else rng.uniform(0.1, 0.5))
        path = np.stack([a, b])
    elif kind == "cable":  # a sagging curve across the crop
        start, direction = _edge_entry(rng, size)
        end = start + direction * size * rng.uniform(0.9, 1.3)
        sag = np.array([-direction[1], direction[0]]) * rng.uniform(-0.3, 0.3) * size
        t = np.linspace(0, 1, 24)[:, None]
        path = (1 - t) ** 2 * start + 2 * (1 - t) * t * ((start + end) / 2 + sag) + t**2 * end
        width = width * rng.uniform(0.6, 0.9)
    elif kind == "finger":  # one finger from an edge, two bent segments
        start, direction = _edge_entry(rng, size)
        width = max(width, 8.0 * k)
        mid = start + direction * size * rng.uniform(0.3, 0.5)
        bend = rng.uniform(-0.5, 0.5)
        d2 = np.array(
            [
                direction[0] * math.cos(bend) - direction[1] * math.sin(bend),
                direction[0] * math.sin(bend) + direction[1] * math.cos(bend),
            ]
        )
        path = np.stack([start - direction * width, mid, mid + d2 * size * rng.uniform(0.1, 0.25)])
    elif kind == "temple":  # a glasses arm: from the side of the crop to an eye's outer corner
        if landmarks is not None and np.all(np.isfinite(landmarks[[36, 45]])):
            corner = landmarks[36] if rng.random() < 0.5 else landmarks[45]
        else:
            corner = np.array([rng.choice([0.3, 0.7]), 0.42]) * size
        side = -1.0 if corner[0] < size / 2 else 1.0
        edge = np.array([size / 2 + side * size * 0.6, corner[1] + rng.uniform(-0.12, 0.05) * size])
        path = np.stack([edge, corner + rng.normal(0, 0.02 * size, 2)])
        width = rng.uniform(THIN_WIDTHS[0], 9.0) * k
    else:
        raise ValueError(f"unknown thin occluder '{kind}' ({', '.join(THIN_KINDS)})")
    canvas = _canvas(size)
    # Distance to the centre line (for the shading across) from a 1 px line's distance transform.
    line = np.full((size, size), 255, np.uint8)
    cv2.polylines(line, [_pts(path)], False, 0, 1, cv2.LINE_8, SUPERSAMPLE)
    radius = width / 2
    for p, q in zip(path[:-1], path[1:]):
        _capsule(canvas, p, q, radius)
    distance = cv2.distanceTransform(line, cv2.DIST_L2, 3)
    return canvas, np.clip(distance / max(radius, 1e-6), 0.0, 1.0).astype(np.float32)


def thin_occluder(
    rng: np.random.Generator, size: int, bank: TextureBank, landmarks: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A thin solid occluder (:func:`thin_alpha`), its colour a texture, skin, or a flat dark/metal tone, lit
    across its width like a cylinder (``(rgb, alpha)`` float32)."""
    alpha, across = thin_alpha(rng, size, landmarks)
    pick = rng.random()
    if pick < 0.4:
        rgb = bank.texture(rng, size)
    elif pick < 0.6:
        rgb = bank.skin(rng, size)
    else:
        tone = np.array(
            rng.choice(
                [
                    [0.03, 0.03, 0.03],
                    [0.15, 0.15, 0.16],
                    [0.6, 0.6, 0.62],
                    [0.85, 0.85, 0.8],
                    [0.3, 0.18, 0.1],
                    [0.5, 0.1, 0.1],
                ]
            ),
            np.float32,
        )
        rgb = np.empty((size, size, 3), np.float32)
        rgb[:] = np.clip(tone * rng.uniform(0.7, 1.3), 0, 1)
    light = 1.0 + rng.uniform(0.1, 0.6) * (0.5 - across**2)
    return np.clip(rgb * light[..., None], 0, 1).astype(np.float32), alpha.astype(np.float32) / 255.0


def hair_occluder(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Strands from above the crop falling over the forehead (``(rgb, alpha)`` float32)."""
    alpha = np.zeros((size, size), np.float32)
    base_colour = np.array(
        rng.choice([[0.08, 0.06, 0.05], [0.25, 0.16, 0.09], [0.55, 0.42, 0.25], [0.75, 0.65, 0.45], [0.4, 0.4, 0.4]]),
        np.float32,
    )
    rgb = np.empty((size, size, 3), np.float32)
    rgb[:] = np.clip(base_colour * rng.uniform(0.7, 1.3), 0, 1)
    x0 = rng.uniform(0.1, 0.9) * size
    spread = rng.uniform(0.1, 0.45) * size
    length = rng.uniform(0.3, 0.8) * size
    lean = rng.uniform(-0.4, 0.4) * size
    strands = int(rng.integers(15, 80))
    for _ in range(strands):
        canvas = _canvas(size)
        a = np.array([x0 + rng.normal(0, spread), -0.05 * size])
        c = a + np.array([lean + rng.normal(0, 0.08 * size), length * rng.uniform(0.6, 1.1)])
        b = (a + c) / 2 + rng.normal(0, 0.08 * size, 2)
        t = np.linspace(0, 1, 16)[:, None]
        curve = (1 - t) ** 2 * a + 2 * (1 - t) * t * b + t**2 * c
        width = max(1, int(round(rng.uniform(0.6, 1.6) * size / 128)))
        cv2.polylines(canvas, [_pts(curve)], False, 255, width, cv2.LINE_AA, SUPERSAMPLE)
        np.maximum(alpha, canvas.astype(np.float32) / 255.0 * rng.uniform(0.5, 1.0), out=alpha)
    shade = cv2.GaussianBlur(rng.normal(0, 0.15, (size, size)).astype(np.float32), (0, 0), 2)
    return np.clip(rgb * (1 + shade[..., None]), 0, 1), alpha


def glasses_occluder(
    rng: np.random.Generator, size: int, landmarks: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Frames around the eyes (from aligned ``landmarks``, or a typical place) with tinted lenses."""
    if landmarks is not None and np.all(np.isfinite(landmarks[36:48])):
        eyes = [landmarks[36:42].mean(axis=0), landmarks[42:48].mean(axis=0)]
    else:
        eyes = [np.array([0.36, 0.42]) * size, np.array([0.64, 0.42]) * size]
    eyes = [e + rng.normal(0, 0.01 * size, 2) for e in eyes]
    span = np.linalg.norm(eyes[1] - eyes[0])
    across = (eyes[1] - eyes[0]) / max(span, 1e-6)
    up = np.array([across[1], -across[0]])
    w = span * rng.uniform(0.38, 0.5)
    h = w * rng.uniform(0.55, 0.9)
    thick = max(1, int(round(size * rng.uniform(0.008, 0.03))))
    exponent = rng.uniform(2.0, 5.0)
    frame = _canvas(size)
    lens = _canvas(size)
    t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    for e in eyes:
        x = np.sign(np.cos(t)) * np.abs(np.cos(t)) ** (2 / exponent) * w
        y = np.sign(np.sin(t)) * np.abs(np.sin(t)) ** (2 / exponent) * h
        ring = e + x[:, None] * across + y[:, None] * up
        _fill(lens, ring)
        cv2.polylines(frame, [_pts(ring)], True, 255, thick, cv2.LINE_AA, SUPERSAMPLE)
    inner = [eyes[0] + across * w, eyes[1] - across * w]
    cv2.polylines(frame, [_pts(np.array(inner) + up * h * 0.3)], False, 255, thick, cv2.LINE_AA, SUPERSAMPLE)
    for e, sign in ((eyes[0], -1), (eyes[1], 1)):
        hinge = e + sign * across * w + up * h * 0.3
        cv2.polylines(
            frame,
            [_pts(np.array([hinge, hinge + sign * across * size * 0.4]))],
            False,
            255,
            thick,
            cv2.LINE_AA,
            SUPERSAMPLE,
        )
    colour = np.array(
        rng.choice([[0.05, 0.05, 0.05], [0.35, 0.2, 0.1], [0.7, 0.6, 0.3], [0.6, 0.6, 0.65], [0.5, 0.1, 0.1]]),
        np.float32,
    )
    tint = np.array(rng.uniform(0.1, 0.5, 3), np.float32)
    frame_a = frame.astype(np.float32) / 255.0
    lens_a = lens.astype(np.float32) / 255.0 * (rng.uniform(0.05, 0.3) if rng.random() < 0.8 else rng.uniform(0.6, 0.9))
    alpha = np.maximum(frame_a, lens_a)
    rgb = np.where(frame_a[..., None] > lens_a[..., None], colour, tint).astype(np.float32)
    return rgb, alpha


def shade(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A soft light gradient across an occluder (lit side, shadow side)."""
    size = rgb.shape[0]
    yy, xx = (np.mgrid[0:size, 0:size] + 0.5) / size - 0.5
    angle = rng.uniform(0, 2 * np.pi)
    g = 1.0 + rng.uniform(0.1, 0.5) * (xx * math.cos(angle) + yy * math.sin(angle))
    return np.clip(rgb * g[..., None].astype(np.float32), 0, 1)


def occluder(
    rng: np.random.Generator,
    size: int,
    bank: TextureBank,
    landmarks: np.ndarray | None = None,
    family: str | None = None,
    soft: float = 0.3,
    sheer: float = 0.15,
) -> tuple[np.ndarray, np.ndarray]:
    """One random training occluder ``(rgb, alpha)`` of a family (random by :data:`FAMILY_WEIGHTS` when None);
    ``soft`` and ``sheer`` are the shares of solid occluders given a defocused edge and a global opacity."""
    family = family or str(rng.choice(FAMILIES, p=FAMILY_WEIGHTS))
    if family == "hand":
        alpha = hand_alpha(rng, size).astype(np.float32) / 255.0
        rgb = shade(bank.skin(rng, size) if rng.random() < 0.75 else bank.texture(rng, size), rng)
    elif family == "patch":
        alpha = blob_alpha(rng, size).astype(np.float32) / 255.0
        rgb = bank.texture(rng, size)
    elif family == "bar":
        alpha = bar_alpha(rng, size).astype(np.float32) / 255.0
        rgb = shade(bank.texture(rng, size), rng)
    elif family == "hair":
        rgb, alpha = hair_occluder(rng, size)
    elif family == "glasses":
        rgb, alpha = glasses_occluder(rng, size, landmarks)
    elif family == "thin":
        rgb, alpha = thin_occluder(rng, size, bank, landmarks)
        if rng.random() < soft:  # focus or motion, never so much that the shape melts into the face
            alpha = cv2.GaussianBlur(alpha, (0, 0), rng.uniform(0.3, 1.0) * size / 128)
    else:
        raise ValueError(f"unknown occluder family '{family}' ({', '.join(FAMILIES)})")
    if family not in ("hair", "glasses", "thin"):
        if rng.random() < soft:  # defocus / motion: soft edges
            alpha = cv2.GaussianBlur(alpha, (0, 0), rng.uniform(0.5, 0.04 * size))
        if rng.random() < sheer:  # sheer material
            alpha = alpha * rng.uniform(0.35, 0.8)
    return rgb.astype(np.float32), np.clip(alpha, 0.0, 1.0).astype(np.float32)


def composite(face: np.ndarray, layers: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """``(image, hidden)``: ``face`` ``(S, S, 3)`` with the occluders over it (in order), and the union of
    their coverage ``(S, S)`` float32."""
    image = face.astype(np.float32).copy()
    hidden = np.zeros(face.shape[:2], np.float32)
    for rgb, alpha in layers:
        a = alpha[..., None]
        image = image * (1 - a) + rgb * a
        hidden = 1.0 - (1.0 - hidden) * (1.0 - alpha)
    return image, hidden

"""Finding faces in one linear plate: proxy detection, rotation retries, landmarks on full-resolution pixels.

The plate is never changed. For detection only, its RGB is resized to a proxy (area filter, in
linear light), exposed, and converted with OpenColorIO from the plate's space (the working space,
ACEScg, by default) to the colour space the backend's model cards declare (display-referred sRGB),
then quantised to 8 bits. When the proxy holds no face, it is turned by each angle of the rotation
search in turn (every 30 degrees by default, upside down last) until one shows a face.

Landmarks are not taken from the proxy: each face is resampled from the plate (or from the linear
proxy, when that already has the pixels the crop needs) into an upright crop at the backend's scale,
the crop is converted to display-referred pixels, the landmarks are found there and mapped back to
plate pixels. Landmark predictors depend on where the box sits, and detector boxes jitter, so the
face is then cropped again from the box and roll its own landmarks imply (:func:`landmark_box`),
until that box stops moving (at most :data:`LANDMARK_PASSES` crops): the landmarks no longer
depend on the detector's box or the proxy size.

Example:
    >>> detector = Detector(get_backend("dlib"))            # doctest: +SKIP
    >>> [d.box for d in detector.find(plate)]               # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from faceplate.errors import FaceplateError
from faceplate.nodes.facedetect import geometry
from faceplate.nodes.facedetect.backend import Backend, RawDetection
from faceplate.nodes.facedetect.display import display_quantiser, quantise
from faceplate.nodes.io import colour
from faceplate.nodes.plate import Plate

# Angles (degrees, clockwise on screen) tried in turn when the upright proxy holds no face; the HOG
# detector itself tolerates about 20 degrees of roll.
ROTATION_SEARCH = {
    "off": (),
    "quarter turns": (90.0, -90.0, 180.0),
    "every 30 degrees": (30.0, -30.0, 60.0, -60.0, 90.0, -90.0, 120.0, -120.0, 150.0, -150.0, 180.0),
}
LANDMARK_PASSES = 3
BOX_SIDE_PER_RMS = 2.8  # dlib HOG box side over the RMS radius of the 68 landmarks (measured on both test photos)


@dataclasses.dataclass
class Detection:
    """One face found in one plate. Coordinates are plate pixels (see :mod:`faceplate.nodes.faces`).

    ``crop`` is the display-referred landmark crop (uint8 RGB) and ``crop_from_plate`` its transform;
    they serve the identity embedding and the contact sheets.
    """

    box: tuple[float, float, float, float]
    score: float
    landmarks: np.ndarray
    confidence: np.ndarray
    flags: frozenset[str]
    roll: float
    crop: np.ndarray
    crop_points: np.ndarray
    crop_from_plate: np.ndarray
    embedding: np.ndarray | None = None


def rgb_indices(plate: Plate) -> list[int]:
    """Indices of R, G, B (a single-channel plate is read as grey)."""
    if all(plate.has_channel(c) for c in "RGB"):
        return [plate.channel_index(c) for c in "RGB"]
    if plate.pixels.shape[2] == 1 or plate.has_channel("Y"):
        index = plate.channel_index("Y") if plate.has_channel("Y") else 0
        return [index] * 3
    raise FaceplateError(f"face detection needs R, G and B channels (or one grey channel); the plate has "
                         f"{', '.join(plate.channels)}")


class Detector:
    """Faces, 68 landmarks and per-point confidence from linear plates.

    Args:
        backend: the models (:func:`~faceplate.nodes.facedetect.backend.get_backend`).
        proxy_size: long side of the detection image in pixels; faces smaller than about
            ``80 * plate_long_side / proxy_size`` plate pixels are not found (a proxy larger than the
            plate upsamples it, for small faces).
        threshold: lowest detector score kept (dlib HOG: 0 is the decision boundary; below about 0.5
            it finds false positives).
        exposure: stops applied before the display conversion, for detection only (dark plates).
        colourspace: OpenColorIO name of the plates' colour space.
        rotation_search: a key of :data:`ROTATION_SEARCH`: the turns tried when nothing is found upright.
    """

    def __init__(self, backend: Backend, *, proxy_size: int = 960, threshold: float = 0.5, exposure: float = 0.0,
                 colourspace: str = colour.WORKING_SPACE, rotation_search: str = "every 30 degrees"):
        self.backend = backend
        self.proxy_size = int(proxy_size)
        self.threshold = float(threshold)
        self.gain = float(2.0 ** exposure)
        self.colourspace = colourspace
        if rotation_search not in ROTATION_SEARCH:
            raise FaceplateError(f"rotation search '{rotation_search}' is not one of {', '.join(ROTATION_SEARCH)}")
        self.rotation_search = rotation_search
        self.display_space = backend.cards[0].colour_space

    # -- pixels -----------------------------------------------------------------------------------

    def display(self, linear: np.ndarray) -> np.ndarray:
        """Linear RGB ``(h, w, 3)`` float32 -> display-referred uint8 RGB, as the backend expects.

        The result is exactly (bit for bit) exposing, :func:`colour.convert` (OpenColorIO) and
        quantising ``clip(x, 0, 1) * 255 + 0.5`` to 8 bits; see
        :class:`~faceplate.nodes.facedetect.display.DisplayQuantiser` for how it is computed faster.
        """
        linear = np.asarray(linear)
        if linear.dtype == np.float32 and linear.size:
            # Alpha 1.0: what OpenColorIO assumes for packed RGB, so RGBA gives the same RGB bits.
            rgba = cv2.cvtColor(np.ascontiguousarray(linear), cv2.COLOR_RGB2RGBA)
            if self.gain != 1.0:
                rgba *= np.float32(self.gain)
                rgba[:, :, 3] = 1.0
        else:
            rgba = np.empty((*linear.shape[:2], 4), np.float32)
            rgba[:, :, :3] = linear * np.float32(self.gain) if self.gain != 1.0 else linear
            rgba[:, :, 3] = 1.0
        return self._display_rgba(rgba)

    def _display_rgba(self, rgba: np.ndarray) -> np.ndarray:
        """:meth:`display` of exposed linear ``(h, w, 4)`` float32 RGBA with alpha 1 (overwritten)."""
        path = colour.config_path()
        src = colour.resolve_colour_space(self.colourspace, path)
        dst = colour.resolve_colour_space(self.display_space, path)
        if src != dst:
            quantiser = display_quantiser(path, src, dst)
            if quantiser is not None:
                return quantiser(rgba)
            colour._processor(path, src, dst).applyRGBA(rgba)  # packed RGBA: about twice as fast as RGB
        return quantise(rgba)

    def _proxy(self, source: np.ndarray, index: list[int]) -> tuple[np.ndarray, float, float]:
        h, w = source.shape[:2]
        scale = self.proxy_size / max(w, h)
        pw, ph = max(1, round(w * scale)), max(1, round(h * scale))
        interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
        small = cv2.resize(source, (pw, ph), interpolation=interpolation)
        if small.ndim == 2:
            small = small[:, :, None]
        return np.ascontiguousarray(small[:, :, index]), pw / w, ph / h

    # -- detection --------------------------------------------------------------------------------

    def find(self, plate: Plate) -> list[Detection]:
        """Every face in ``plate`` scoring at least the threshold, best score first."""
        if plate.width == 0 or plate.height == 0:
            return []
        source, index = _rgb_source(plate)
        linear_proxy, sx, sy = self._proxy(source, index)
        image = self.display(linear_proxy)
        found = self._boxes(image)
        origin = np.array([plate.data_window.xmin, plate.data_window.ymin], np.float64)
        out = []
        for centre, side, angle, raw in found:
            # proxy -> array coordinates
            centre = np.array([centre[0] / sx, centre[1] / sy])
            side = side / (0.5 * (sx + sy))
            det = self._landmarks(source, index, linear_proxy, (sx, sy), centre, side, angle)
            flags = set(det.flags)
            if raw.kind in ("left", "right"):
                flags.add("profile")
            if angle != 0.0:
                flags.add("rotated")
            corners = _square_corners(centre, side, angle) + origin
            det.box = (*corners.min(axis=0), *corners.max(axis=0))
            det.score = raw.score
            det.flags = frozenset(flags)
            det.landmarks = det.landmarks + origin
            det.crop_from_plate = geometry.compose(det.crop_from_plate, geometry.translation(*origin))
            out.append(det)
        return sorted(out, key=lambda d: -d.score)

    def _boxes(self, image: np.ndarray) -> list[tuple[np.ndarray, float, float, RawDetection]]:
        """(centre, side, angle, raw) of each face in the proxy: upright first, then each retry angle."""
        for angle in (0.0, *ROTATION_SEARCH[self.rotation_search]):
            if angle == 0.0:
                rotated, proxy_from_rotated = image, geometry.translation(0.0, 0.0)
            else:
                rotated, proxy_from_rotated = _rotate(image, angle)
            raws = [r for r in self.backend.detect(rotated) if r.score >= self.threshold]
            if raws:
                out = []
                for r in raws:
                    centre = geometry.apply(proxy_from_rotated, [[(r.box[0] + r.box[2]) / 2, (r.box[1] + r.box[3]) / 2]])
                    out.append((centre[0], 0.5 * (r.box[2] - r.box[0] + r.box[3] - r.box[1]), angle, r))
                return out
        return []

    def _landmarks(self, source, index, linear_proxy, proxy_scale, centre, side, angle) -> Detection:
        """Landmarks from the detector's box, then re-cropped from the landmarks' own box (see module doc)."""
        layout = self.backend.layout
        for attempt in range(LANDMARK_PASSES):
            final = attempt > 0  # the first pass only places the face; later ones measure it
            crop_scale = layout.box_side / side
            crop_from_array = geometry.similarity(centre, layout.centre, crop_scale, angle)
            crop = self._crop(source, index, linear_proxy, proxy_scale, crop_from_array, crop_scale)
            points, confidence = self.backend.landmarks(crop, quick=not final)
            array_points = geometry.apply(geometry.invert(crop_from_array), points)
            roll = geometry.angle_of(array_points[42:48].mean(0) - array_points[36:42].mean(0))
            det = Detection((0, 0, 0, 0), 0.0, array_points, confidence, frozenset(), roll, crop, points,
                            crop_from_array)
            new_centre, new_side = landmark_box(array_points)
            moved = np.linalg.norm(new_centre - centre) / side + abs(new_side / side - 1.0)
            turned = abs(geometry.wrap_degrees(roll - angle))
            if final and moved < 0.05 and turned < 5.0:
                break
            centre, side, angle = new_centre, new_side, (roll if turned > 2.0 else angle)
        return det

    def _crop(self, source, index, linear_proxy, proxy_scale, crop_from_array, crop_scale) -> np.ndarray:
        size = self.backend.layout.size
        sx, sy = proxy_scale
        crop_from_source = crop_from_array
        if crop_scale <= min(sx, sy):  # the proxy already holds every pixel the crop needs
            source, index = linear_proxy, [0, 1, 2]
            array_from_proxy = np.array([[1 / sx, 0, 0], [0, 1 / sy, 0]])
            crop_from_source = geometry.compose(crop_from_array, array_from_proxy)
        linear = cv2.warpAffine(source, geometry.opencv_matrix(crop_from_source), (size, size),
                                flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if linear.ndim == 2:
            linear = linear[:, :, None]
        if list(index) == [0, 1, 2] and linear.shape[2] == 4 and linear.dtype == np.float32:
            # The warp's output is ours: expose it in place and make alpha 1, as display() would.
            if self.gain != 1.0:
                linear *= np.float32(self.gain)
            linear[:, :, 3] = 1.0
            return self._display_rgba(linear)
        return self.display(linear[:, :, :3] if list(index) == [0, 1, 2] else np.ascontiguousarray(linear[:, :, index]))

    # -- identity ---------------------------------------------------------------------------------

    def embed(self, detection: Detection) -> np.ndarray:
        """The detection's identity embedding (computed once, kept on the detection)."""
        if detection.embedding is None:
            detection.embedding = self.backend.embed(detection.crop, detection.crop_points)
        return detection.embedding


def landmark_box(points: np.ndarray) -> tuple[np.ndarray, float]:
    """The detector-like square box (centre, side) that a set of 68 landmarks implies."""
    centre = points.mean(axis=0)
    rms = float(np.sqrt(((points - centre) ** 2).sum(axis=1).mean()))
    return centre, BOX_SIDE_PER_RMS * rms


def _rgb_source(plate: Plate) -> tuple[np.ndarray, list[int]]:
    """An array OpenCV can resample (at most 4 channels) holding the plate's RGB, and where R, G, B are."""
    rgb = rgb_indices(plate)
    if plate.pixels.shape[2] <= 4:
        return plate.pixels, rgb
    keep = sorted(set(rgb))
    return np.ascontiguousarray(plate.pixels[:, :, keep]), [keep.index(i) for i in rgb]


def _rotate(image: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """``image`` turned so that faces rolled by ``angle`` stand upright, on a canvas holding all of it,
    and ``proxy_from_rotated``."""
    h, w = image.shape[:2]
    a = np.radians(angle)
    cw = int(np.ceil(abs(w * np.cos(a)) + abs(h * np.sin(a))))
    ch = int(np.ceil(abs(w * np.sin(a)) + abs(h * np.cos(a))))
    rotated_from_proxy = geometry.similarity((w / 2, h / 2), (cw / 2, ch / 2), 1.0, angle)
    rotated = cv2.warpAffine(image, geometry.opencv_matrix(rotated_from_proxy), (cw, ch), flags=cv2.INTER_LINEAR)
    return rotated, geometry.invert(rotated_from_proxy)


def _square_corners(centre: np.ndarray, side: float, angle: float) -> np.ndarray:
    """The 4 corners of a square of ``side`` at ``centre`` turned by ``angle`` degrees."""
    half = 0.5 * side
    local = np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
    a = np.radians(angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return local @ rot.T + centre

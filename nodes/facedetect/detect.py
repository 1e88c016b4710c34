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
until that box stops moving (at most :data:`LANDMARK_PASSES` crops, :data:`TURNING_PASSES` while the
face still turns from one crop to the next): the landmarks no longer depend on the detector's box or
the proxy size.

:meth:`Detector.find` searches the whole proxy; :meth:`Detector.follow` finds faces known from a
neighbouring frame again by searching a small crop around each (between keyframes, see
:mod:`.keyframes`). Both measure landmarks the same way (:meth:`Detector._measure`).

Example:
    >>> detector = Detector(get_backend("dlib"))            # doctest: +SKIP
    >>> [d.box for d in detector.find(plate)]               # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import functools
import math

import cv2
import numpy as np

from faceplate.foundation import geometry
from faceplate.foundation.errors import FaceplateError
from faceplate.foundation.geometry import box_iou
from faceplate.nodes.facedetect import mesh_geometry
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
# A face still turning by more than 5 degrees a pass gets up to this many: the face mesh corrects a crop
# 40 degrees off its face's roll (BlazeFace's eye keypoints on a face at 90 degrees) by about half a pass.
TURNING_PASSES = 6
# A confirming backend's presence from which an upright fit is not re-measured turned half round: upside-
# down faces fitted upright scored at most 0.993 on the test photos (0 to 180 degrees of roll), upright
# ones 0.9999 and more.
SURE_PRESENCE = 0.999
SEARCH_SIDE = 92.0  # face size (pixels) in the crop where a followed face is searched for (HOG: 80 at least)
SEARCH_SPAN = 1.6  # that crop's side over the face's
# A confirming backend's followed face is searched in a wider crop (BlazeFace finds faces from 15 % of its
# input): on the viewer tests' shot (a 75-pixel face moving up to half its size a frame), the face moved on
# by its motion sat 0.45 of its side from where it was, and the face mesh, cropped there, fitted a face that
# was not there with a presence of 1.0.
CONFIRMED_SEARCH_SPAN = 2.5
CONFIRMED_SEARCH_REACH = 0.8
# A confirming backend's followed face moving less than this (face sides a frame, from the two frames
# before) is measured from its moved-on box without that search, as MediaPipe's own tracking does: its
# motion predicts where it is to a small part of its side, and the landmark passes re-crop from there.
# The search (a detector run a face, about a quarter of a followed frame's time on CPU) is kept where the
# motion is fast or unknown (the first frame after a search).
STEADY_STEP = 0.1
BOX_SIDE_PER_RMS = 2.8  # dlib HOG box side over the RMS radius of the 68 landmarks (measured on both test photos)
PROFILE_YAW = 50.0  # degrees of head yaw (dense backends' pose) from which a face is flagged 'profile'


class FramePixels:
    """One plate as detection reads it: ``source``, an OpenCV-resamplable array holding its RGB
    (``index``: where R, G, B are), ``origin`` (the data window's corner: plate = array + origin), and
    the linear proxy of ``proxy_size`` long side, made on first use (a search needs all of it).

    ``proxy`` holds R, G, B first (a fourth channel, when the source is RGBA, is carried along rather
    than copied out); ``scale`` is proxy pixels per array pixel, x and y. Crops read the proxy through
    :meth:`proxy_region`, which, before the whole proxy is made, reduces only the part of the plate
    asked for (following a face touches its surroundings alone).
    """

    def __init__(self, plate: Plate, proxy_size: int):
        self.source, self.index = _rgb_source(plate)
        self.origin = np.array([plate.data_window.xmin, plate.data_window.ymin], np.float64)
        h, w = self.source.shape[:2]
        scale = proxy_size / max(w, h)
        self.proxy_shape = max(1, round(w * scale)), max(1, round(h * scale))
        self.scale = self.proxy_shape[0] / w, self.proxy_shape[1] / h
        # A whole-number reduction (1920 -> 960, 3840 -> 960): a part of the plate reduces to exactly
        # the same pixels as that part of the whole proxy. Otherwise regions are cut from the proxy.
        k = w // self.proxy_shape[0]
        self.factor = k if k > 1 and self.proxy_shape[0] * k == w and self.proxy_shape[1] * k == h else 0

    @functools.cached_property
    def proxy(self) -> np.ndarray:
        return self._reduce(self.source, self.proxy_shape)

    def proxy_region(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        """Proxy pixels ``[y0:y1, x0:x1]``."""
        if "proxy" in self.__dict__ or not self.factor:
            return self.proxy[y0:y1, x0:x1]
        k = self.factor
        return self._reduce(self.source[y0 * k : y1 * k, x0 * k : x1 * k], (x1 - x0, y1 - y0))

    def _reduce(self, source: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        interpolation = cv2.INTER_AREA if self.scale[0] < 1.0 else cv2.INTER_LINEAR
        small = cv2.resize(source, shape, interpolation=interpolation)
        if small.ndim == 2:
            small = small[:, :, None]
        if list(self.index) == [0, 1, 2]:
            return small
        return np.ascontiguousarray(small[:, :, self.index])


@dataclasses.dataclass
class Detection:
    """One face found in one plate. Coordinates are plate pixels (see :mod:`faceplate.nodes.faces`).

    ``crop`` is the display-referred landmark crop (uint8 RGB) and ``crop_from_plate`` its transform;
    they serve the identity embedding and the contact sheets. A dense backend (``mesh``) adds ``mesh``,
    its ``(468, 3)`` points in plate pixels (z: depth in the same scale, larger nearer the camera),
    ``crop_mesh`` (the same in crop pixels), ``pose`` ``(yaw, pitch, roll)`` degrees from them, and
    ``presence``, its landmark model's probability that the crop holds a face (the score is the
    detector's score times it).
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
    mesh: np.ndarray | None = None
    crop_mesh: np.ndarray | None = None
    pose: tuple[float, float, float] | None = None
    presence: float | None = None


def rgb_indices(plate: Plate) -> list[int]:
    """Indices of R, G, B (a single-channel plate is read as grey)."""
    if all(plate.has_channel(c) for c in "RGB"):
        return [plate.channel_index(c) for c in "RGB"]
    if plate.pixels.shape[2] == 1 or plate.has_channel("Y"):
        index = plate.channel_index("Y") if plate.has_channel("Y") else 0
        return [index] * 3
    raise FaceplateError(
        f"face detection needs R, G and B channels (or one grey channel); the plate has {', '.join(plate.channels)}"
    )


class Detector:
    """Faces, 68 landmarks and per-point confidence from linear plates.

    Args:
        backend: the models (:func:`~faceplate.nodes.facedetect.backends.get_backend`).
        proxy_size: long side of the detection image in pixels; faces smaller than about
            ``80 * plate_long_side / proxy_size`` plate pixels are not found (a proxy larger than the
            plate upsamples it, for small faces).
        threshold: lowest detector score kept (dlib HOG: 0 is the decision boundary; below about 0.5
            it finds false positives).
        exposure: stops applied before the display conversion, for detection only (dark plates).
        colourspace: OpenColorIO name of the plates' colour space.
        rotation_search: a key of :data:`ROTATION_SEARCH`: the turns tried when nothing is found upright.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        proxy_size: int = 960,
        threshold: float = 0.5,
        exposure: float = 0.0,
        colourspace: str = colour.WORKING_SPACE,
        rotation_search: str = "every 30 degrees",
    ):
        self.backend = backend
        self.proxy_size = int(proxy_size)
        self.threshold = float(threshold)
        self.gain = float(2.0**exposure)
        self.colourspace = colourspace
        if rotation_search not in ROTATION_SEARCH:
            raise FaceplateError(f"rotation search '{rotation_search}' is not one of {', '.join(ROTATION_SEARCH)}")
        self.rotation_search = rotation_search
        self.display_space = backend.cards[0].colour_space

    # -- pixels -----------------------------------------------------------------------------------

    def display(self, linear: np.ndarray) -> np.ndarray:
        """Linear RGB ``(h, w, 3)`` (or RGBA, alpha ignored) -> display-referred uint8 RGB, as the backend expects.

        The result is exactly (bit for bit) exposing, :func:`colour.convert` (OpenColorIO) and
        quantising ``clip(x, 0, 1) * 255 + 0.5`` to 8 bits; see
        :class:`~faceplate.nodes.facedetect.display.DisplayQuantiser` for how it is computed faster.
        """
        linear = np.asarray(linear)
        if linear.dtype == np.float32 and linear.size and linear.shape[2] == 4:
            rgba = linear * np.float32(self.gain) if self.gain != 1.0 else linear.copy()
            rgba[:, :, 3] = 1.0
        elif linear.dtype == np.float32 and linear.size:
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

    def pixels(self, plate: Plate) -> FramePixels:
        """What detecting and following faces read of ``plate`` (prepared once per frame)."""
        return FramePixels(plate, self.proxy_size)

    # -- detection --------------------------------------------------------------------------------

    def find(self, plate: Plate | FramePixels) -> list[Detection]:
        """Every face in ``plate`` scoring at least the threshold, best score first (the full search)."""
        px = plate if isinstance(plate, FramePixels) else self.pixels(plate) if plate.width and plate.height else None
        if px is None:
            return []
        sx, sy = px.scale
        boxes = []
        for centre, side, angle, raw in self._boxes(self.display(px.proxy)):
            # proxy -> array coordinates
            centre = np.array([centre[0] / sx, centre[1] / sy])
            boxes.append((centre, side / (0.5 * (sx + sy)), angle, raw))
        measured = self._measure_all(px, [(c, s_, _start_angle(a, r), None) for c, s_, a, r in boxes])
        doubt = [i for i, m in enumerate(measured) if self.backend.confirms_faces and m.presence < SURE_PRESENCE]
        if doubt:
            # A detector may box an upside-down face as an upright one: the landmarks then fit the wrong
            # way up, with a lower presence. The face turned half round is measured too, and wins where it
            # is the likelier and sure: a half-hidden upright face fitted better upside down (0.81 against
            # 0.62, the face-set cleaning test's occluded frame) than upright; faces truly upside down
            # scored 0.9997 and more turned.
            turned = self._measure_all(
                px, [(c, s_, _start_angle(a, r) + 180.0, None) for c, s_, a, r in (boxes[i] for i in doubt)]
            )
            for i, t in zip(doubt, turned):
                if t.presence > measured[i].presence and t.presence >= SURE_PRESENCE:
                    measured[i] = t
        out = [
            self._placed(det, px, c, s_, a, r, {"rotated"} if a != 0.0 else set())
            for det, (c, s_, a, r) in zip(measured, boxes)
        ]
        kept: list[Detection] = []
        for det in sorted(out, key=lambda d: -d.score):
            # A landmark model's presence can reject a detector's find; and boxes on part of a face
            # (its mouth, an eye) settle on the whole face once the landmarks re-crop it: one face, kept once.
            if det.score >= self.threshold and not any(_same_face(det, k) for k in kept):
                kept.append(det)
        return kept

    def follow(
        self, plate: Plate | FramePixels, previous: list[Detection], before: list[Detection] | None = None
    ) -> list[Detection | None]:
        """Each face of ``previous`` (detections in a neighbouring frame) found again in ``plate`` without
        a full search, or None where it is lost.

        Around where the face was (its landmarks' box in ``previous``, moved on by its motion since
        ``before``, the same faces one frame earlier in the same order, when given), a small crop is
        searched by the detector (:meth:`_search`); from the box it finds there, the landmarks are
        measured exactly as after a full search. So a followed face's landmarks never start from the
        previous frame's landmarks (a poor fit would carry over), and every followed face is one the
        detector confirms (or, with a backend whose landmark model says whether its crop holds a face,
        ``confirms_faces``, one that model confirms: a face the detector misses, or one moving less than
        :data:`STEADY_STEP` a frame, which is not searched for, is measured from its moved-on box
        directly, and a face scoring below the threshold is lost). Where the box the face's landmarks
        had (moved on) agrees with the detector's (:func:`_boxes_agree`), it places the crop the
        landmarks are measured in and the quick placing pass is skipped; where they disagree (a poor
        fit, or a fast move), that pass runs from the detector's box, as after a full search. Two
        followed faces that meet (their boxes overlap by half): the lower score is lost.
        """
        px = plate if isinstance(plate, FramePixels) else self.pixels(plate)
        jobs, searched, angles = [], [], []
        for i, prev in enumerate(previous):
            centre, side = landmark_box(prev.landmarks - px.origin)
            if before is not None:
                centre = 2.0 * centre - landmark_box(before[i].landmarks - px.origin)[0]
            m = prev.crop_from_plate
            angle = geometry.angle_of((m[0, 0], m[0, 1]))  # the previous crop's turn
            angles.append(angle)
            if self.backend.confirms_faces:
                steady = before is not None and _step(prev, before[i]) < STEADY_STEP
                found = (
                    None
                    if steady
                    else self._search(px, centre, side, angle, CONFIRMED_SEARCH_SPAN, CONFIRMED_SEARCH_REACH)
                )
                if found is None:  # steady, or the detector misses it (turned, half hidden): the landmark model decides
                    jobs.append((centre, side, angle, None, True))
                    searched.append((centre, side, None))
                    continue
            else:
                found = self._search(px, centre, side, angle)
            searched.append(found)
            if found is not None:
                jobs.append((found[0], found[1], angle, (centre, side), False))
        measured = iter(self._measure_all(px, [job[:4] for job in jobs], placed=[job[4] for job in jobs]))
        out: list[Detection | None] = []
        for prev, found, angle in zip(previous, searched, angles):
            if found is None:
                out.append(None)
                continue
            det = next(measured)
            box_centre, box_side, raw = found
            if det.presence is not None and det.presence < self.threshold:
                out.append(None)
                continue
            if raw is None:  # confirmed by the landmark model itself
                box_centre, box_side = landmark_box(det.landmarks)
                raw = RawDetection((0.0, 0.0, 0.0, 0.0), 1.0, "front")
            rotated = "rotated" in prev.flags
            out.append(
                self._placed(
                    det, px, box_centre, box_side, angle if rotated else 0.0, raw, {"rotated"} if rotated else set()
                )
            )
        for i, a in enumerate(out):
            for j, b in enumerate(out):
                if (
                    a is not None
                    and b is not None
                    and i != j
                    and box_iou(a.box, b.box) >= 0.5
                    and (a.score, -i) < (b.score, -j)
                ):
                    out[i] = None
        return out

    def _search(
        self, px: FramePixels, centre, side: float, angle: float, span: float = SEARCH_SPAN, reach: float = 0.4
    ) -> tuple[np.ndarray, float, RawDetection] | None:
        """The detector's face (scoring at least the threshold) nearest ``centre``, at most ``reach`` face
        sides from it, in a crop ``span`` face sides across around it, turned by ``angle`` and scaled so a
        face of ``side`` is :data:`SEARCH_SIDE` pixels across: ``(centre, side, raw)`` in array pixels, or None."""
        size = round(span * SEARCH_SIDE)
        crop_scale = SEARCH_SIDE / side
        crop_from_array = geometry.similarity(centre, (size / 2, size / 2), crop_scale, angle)
        image = self._crop(px, crop_from_array, crop_scale, size)
        best, best_distance = None, np.inf
        for r in self.backend.detect(image):
            found, found_side = np.array(r.centre), r.side
            distance = float(np.linalg.norm(found - size / 2))
            if (
                r.score >= self.threshold
                and distance < reach * SEARCH_SIDE
                and 0.6 < found_side / SEARCH_SIDE < 1.6
                and distance < best_distance
            ):
                best, best_distance = (found, found_side, r), distance
        if best is None:
            return None
        found, found_side, raw = best
        return geometry.apply(geometry.invert(crop_from_array), [found])[0], found_side / crop_scale, raw

    def _placed(
        self, det: Detection, px: FramePixels, centre, side, angle, raw: RawDetection, flags: set[str]
    ) -> Detection:
        """``det`` (array pixels) with its box, score and flags, in plate pixels."""
        if raw.kind in ("left", "right") or (det.pose is not None and abs(det.pose[0]) > PROFILE_YAW):
            flags.add("profile")
        corners = _square_corners(centre, side, angle) + px.origin
        det.box = (*corners.min(axis=0), *corners.max(axis=0))
        det.score = raw.score if det.presence is None else raw.score * det.presence
        det.flags = frozenset(flags)
        det.landmarks = det.landmarks + px.origin
        if det.mesh is not None:
            det.mesh = det.mesh + np.array([*px.origin, 0.0])
        det.crop_from_plate = geometry.compose(det.crop_from_plate, geometry.translation(*px.origin))
        return det

    def _boxes(self, image: np.ndarray) -> list[tuple[np.ndarray, float, float, RawDetection]]:
        """(centre, side, angle, raw) of each face in the proxy: upright first, then each retry angle.

        The detector tolerates about 20 degrees of roll, so a face on its side (90) can first show at
        60, where the landmark fit, started 30 degrees off, may settle on a wrong turn. So when a
        turn finds faces, the next turn of the search in the same direction is tried too, and the
        turn whose best face scores higher is kept.
        """
        angles = (0.0, *ROTATION_SEARCH[self.rotation_search])
        for angle in angles:
            found = self._boxes_at(image, angle)
            if found and angle != 0.0:
                further = angle + math.copysign(30.0, angle)
                if further in angles:
                    more = self._boxes_at(image, further)
                    if more and max(r.score for *_, r in more) > max(r.score for *_, r in found):
                        found = more
            if found:
                return found
        return []

    def _boxes_at(self, image: np.ndarray, angle: float) -> list[tuple[np.ndarray, float, float, RawDetection]]:
        """(centre, side, angle, raw) of each face the detector finds in the proxy turned by ``angle``."""
        if angle == 0.0:
            rotated, proxy_from_rotated = image, geometry.translation(0.0, 0.0)
        else:
            rotated, proxy_from_rotated = _rotate(image, angle)
        out = []
        for r in self.backend.detect(rotated):
            if r.score >= self.threshold:
                out.append((geometry.apply(proxy_from_rotated, [r.centre])[0], r.side, angle, r))
        return out

    def _measure_all(self, px: FramePixels, boxes: list, placed: list[bool] | None = None) -> list[Detection]:
        """Landmarks of each face a detector boxed, ``(box_centre, box_side, angle, start)`` in array
        pixels: from ``start`` (a landmark box, moved on from the frame before) where it agrees with the
        detector's box (:func:`_boxes_agree`), else placed by a quick pass from the detector's box.
        ``placed[i]``: the box is a landmark box already. The faces' crops run together (one batch per pass)."""
        starts = []
        for i, (box_centre, box_side, angle, start) in enumerate(boxes):
            if placed is not None and placed[i]:
                starts.append((box_centre, box_side, angle, True))
            elif start is not None and _boxes_agree(*start, box_centre, box_side):
                starts.append((*start, angle, True))
            else:
                starts.append((box_centre, box_side, angle, False))
        return self._landmarks(px, starts)

    def _landmarks(self, px: FramePixels, starts: list[tuple]) -> list[Detection]:
        """Landmarks from each ``(centre, side, angle, placed)`` box (array pixels), then re-cropped from the
        landmarks' own box (see module doc). ``placed``: the box is a landmark box already, so the first
        pass measures. All faces still moving are measured together, pass by pass."""
        layout = self.backend.layout
        state = [list(s) for s in starts]
        result: list[Detection | None] = [None] * len(starts)
        active = list(range(len(starts)))
        for attempt in range(TURNING_PASSES):
            if not active:
                break
            crops, transforms = [], []
            for i in active:
                centre, side, angle, placed = state[i]
                crop_scale = layout.box_side / side
                crop_from_array = geometry.similarity(centre, layout.centre, crop_scale, angle)
                crops.append(self._crop(px, crop_from_array, crop_scale))
                transforms.append((crop_from_array, crop_scale))
            # A first pass from a detector's box only places the face: the backend may answer it quickly.
            quick = [not state[i][3] and attempt == 0 for i in active]
            measured: list = [None] * len(active)
            for q in (True, False):
                group = [k for k in range(len(active)) if quick[k] == q]
                for k, m in zip(group, self.backend.measure([crops[k] for k in group], quick=q)):
                    measured[k] = m
            still = []
            for i, crop, (crop_from_array, crop_scale), m in zip(active, crops, transforms, measured):
                centre, side, angle, placed = state[i]
                final = placed or attempt > 0  # a first pass from a detector's box only places the face
                det = self._detection(m, crop, crop_from_array, crop_scale)
                result[i] = det
                new_centre, new_side = landmark_box(det.landmarks)
                moved = np.linalg.norm(new_centre - centre) / side + abs(new_side / side - 1.0)
                turned = abs(geometry.wrap_degrees(det.roll - angle))
                if (final and moved < 0.05 and turned < 5.0) or (attempt + 1 >= LANDMARK_PASSES and turned < 5.0):
                    continue
                state[i] = [new_centre, new_side, det.roll if turned > 2.0 else angle, True]
                still.append(i)
            active = still
        return result

    def _detection(self, m, crop: np.ndarray, crop_from_array: np.ndarray, crop_scale: float) -> Detection:
        """A Detection (array pixels) from a backend's measurement in a crop."""
        array_from_crop = geometry.invert(crop_from_array)
        array_points = geometry.apply(array_from_crop, m.points)
        roll = geometry.angle_of(array_points[42:48].mean(0) - array_points[36:42].mean(0))
        det = Detection(
            (0, 0, 0, 0),
            0.0,
            array_points,
            m.confidence,
            frozenset(),
            roll,
            crop,
            m.points,
            crop_from_array,
            presence=m.presence,
        )
        if m.dense is not None:
            mesh = np.empty_like(m.dense)
            mesh[:, :2] = geometry.apply(array_from_crop, m.dense[:, :2])
            mesh[:, 2] = m.dense[:, 2] / crop_scale
            det.mesh, det.crop_mesh, det.pose = mesh, m.dense, mesh_geometry.pose(mesh)
        return det

    def _crop(self, px: FramePixels, crop_from_array, crop_scale, size: int | None = None) -> np.ndarray:
        """Display-referred ``size`` x ``size`` crop (default: the backend's landmark crop) of the plate."""
        size = size or self.backend.layout.size
        sx, sy = px.scale
        source, index, crop_from_source = px.source, px.index, crop_from_array
        if crop_scale <= min(sx, sy):  # the proxy already holds every pixel the crop needs
            x0, y0, x1, y1 = _proxy_bounds(px, crop_from_array, size)
            source, index = px.proxy_region(x0, y0, x1, y1), [0, 1, 2]
            array_from_region = np.array([[1 / sx, 0, x0 / sx], [0, 1 / sy, y0 / sy]])
            crop_from_source = geometry.compose(crop_from_array, array_from_region)
        linear = cv2.warpAffine(
            source,
            geometry.opencv_matrix(crop_from_source),
            (size, size),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
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
            detection.embedding = self.backend.embed(detection.crop, detection.crop_points, detection.crop_mesh)
        return detection.embedding


def _same_face(a: Detection, b: Detection) -> bool:
    """Whether two detections' landmarks frame one face: their centres lie within half the larger face's
    side (two faces that close would hide each other; a fit on part of a face lands there)."""
    ca, sa = landmark_box(a.landmarks)
    cb, sb = landmark_box(b.landmarks)
    return float(np.linalg.norm(ca - cb)) < 0.5 * max(sa, sb)


def _step(now: Detection, before: Detection) -> float:
    """How far a face moved from ``before`` to ``now`` (its landmark box: centre and side), in face sides."""
    c1, s1 = landmark_box(now.landmarks)
    c0, s0 = landmark_box(before.landmarks)
    return float(np.linalg.norm(c1 - c0)) / s1 + abs(s1 / s0 - 1.0)


def _start_angle(search_angle: float, raw: RawDetection) -> float:
    """The turn of a face's first landmark crop: the face's own roll where the detector measures it
    (BlazeFace's eye keypoints), else the rotation search's angle."""
    return search_angle if raw.roll is None else search_angle + raw.roll


def _boxes_agree(landmark_centre, landmark_side: float, box_centre, box_side: float) -> bool:
    """Whether a landmark box and a detector's box frame the same face alike. Measured on the test
    shots: on good fits the two agree to 6 % of the side in position and 0.85-1.06 in size; on poor
    ones (a jaw placed on the collar) the landmark box is 1.3-1.5 times larger."""
    ratio = landmark_side / box_side
    return 0.8 < ratio < 1.15 and float(np.linalg.norm(np.subtract(landmark_centre, box_centre))) < 0.1 * box_side


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


def _proxy_bounds(px: FramePixels, crop_from_array: np.ndarray, size: int) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)``: the proxy pixels a ``size`` x ``size`` crop reads (two pixels to spare for
    the bilinear taps), inside the proxy; where the crop runs off the frame, the region reaches the
    frame's edge, so border replication sees the same pixels as on the whole proxy."""
    corners = geometry.apply(geometry.invert(crop_from_array), [[0, 0], [size, 0], [0, size], [size, size]])
    corners = corners * np.array(px.scale)
    pw, ph = px.proxy_shape
    x0 = min(max(int(np.floor(corners[:, 0].min())) - 2, 0), pw - 1)
    y0 = min(max(int(np.floor(corners[:, 1].min())) - 2, 0), ph - 1)
    x1 = max(min(int(np.ceil(corners[:, 0].max())) + 2, pw), x0 + 1)
    y1 = max(min(int(np.ceil(corners[:, 1].max())) + 2, ph), y0 + 1)
    return x0, y0, x1, y1


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

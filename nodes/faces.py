"""Faces: what FaceDetect attaches to a plate, per frame.

A :class:`Faces` value lives in ``plate.metadata["faceplate/faces"]``. Every coordinate is in *plate
pixel coordinates*: the display window's system, origin top-left, y down, pixel centres at +0.5 (the
pixel at array index ``[j, i]`` of a plate whose data window starts at ``(x0, y0)`` has its centre at
``(x0 + i + 0.5, y0 + j + 0.5)``). Landmarks are the 68 iBUG points: 0-16 jaw, 17-26 brows,
27-35 nose, 36-47 eyes (36-41 the subject's right eye, on the image's left), 48-67 mouth. A face tracked
by a dense backend also carries the face mesh's 468 points (``mesh``, as measured; the region mattes
place it on the 68 landmarks, see :mod:`faceplate.nodes.facedetect.mesh_regions`).

Both classes are frozen: arrays come back as fresh read-only copies, so a downstream node cannot
change what an upstream node cached.

Example:
    >>> import numpy as np
    >>> face = Face(track_id=1, identity="person1", box=(10, 20, 110, 140),
    ...             landmarks=np.zeros((68, 2)), confidence=np.ones(68))
    >>> faces = Faces(frame=1001, faces=(face,))
    >>> Faces.from_json(faces.to_json()) == faces
    True
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from faceplate.foundation.errors import FaceplateError, RenderError

if TYPE_CHECKING:
    from faceplate.nodes.plate import Plate

log = logging.getLogger(__name__)

# Plate metadata keys of what flows between the face nodes (one definition each).
METADATA_KEY = "faceplate/faces"  # a Faces value (FaceDetect, then AlignEdit adds the alignment)
SWAP_KEY = "faceplate/swap"  # NeuralSwap's swapped crops, read by JawBlend
# What a node does with a plate that carries no faces (FaceDetect missing upstream, or the shot not tracked):
# pass the plate through, produce empty mattes, or fail the frame (see :meth:`Faces.of`).
MISSING_FACES = ("pass through", "empty mattes", "error")
NUM_LANDMARKS = 68
MESH_POINTS = 468
FORMAT = "faceplate-faces"
VERSION = 2  # 2 adds each face's optional ``mesh``
SUPPORTED_VERSIONS = (1, 2)

# Flags a face may carry. ``interpolated``: the frame was bridged across a detection gap;
# ``locked``: the artist marked these landmarks exact; ``profile``: found by a side-view detector;
# ``rotated``: found only after rotating the image; ``outlier``: stabilisation rejected this frame's
# raw landmarks as an outlier and replaced them; ``predicted``: the face was not seen on this frame
# (hidden, or missed) and its track carries it by the head's motion, its confidence falling the
# longer it is unseen (always with ``interpolated``; check these frames); ``carried``: the face was
# partly behind another and its landmarks were moved on from a clear frame by the flow of its
# visible pixels (:mod:`faceplate.nodes.facedetect.visible_flow`), not fitted on this frame.
FLAGS = ("interpolated", "locked", "profile", "rotated", "outlier", "predicted", "carried")


def _points(values: Any, shape: tuple[int, ...], what: str) -> tuple:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != shape:
        raise FaceplateError(f"Face {what}: expected shape {shape}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise FaceplateError(f"Face {what}: values must be finite")
    return tuple(map(tuple, array)) if array.ndim == 2 else tuple(array.tolist())


def _read_only(values: Any) -> np.ndarray:
    array = np.array(values, dtype=np.float64)
    array.flags.writeable = False
    return array


def inter_ocular(points: np.ndarray) -> float:
    """Distance between the eye centres of ``(68, 2)`` landmarks (the usual scale for landmark errors)."""
    return float(np.linalg.norm(points[36:42].mean(0) - points[42:48].mean(0)))


@dataclasses.dataclass(frozen=True, init=False)
class Face:
    """One face in one frame.

    Attributes:
        track_id: the shot-long track (1, 2, ...); stable across the frames of one track.
        identity: the person's label across the shot (``person1`` or a reference name such as ``anna``).
        box: ``(xmin, ymin, xmax, ymax)`` float pixel edges in plate coordinates.
        landmarks: ``(68, 2)`` float64 (x, y), iBUG order.
        confidence: ``(68,)`` per-point confidence in [0, 1].
        score: detector score of the frame's detection (0 for interpolated frames).
        flags: a subset of :data:`FLAGS`.
        pose: ``(yaw, pitch, roll)`` in degrees, or None.
        aligned_from_plate: ``(2, 3)`` float64 transform set by AlignEdit, or None.
        aligned_size: the side in pixels of the square aligned crop that ``aligned_from_plate`` maps into
            (AlignEdit's ``size``), or None before AlignEdit.
        mesh: ``(468, 3)`` float64 face-mesh points (x, y plate pixels, z depth in the same scale, larger
            nearer the camera) as the tracking measured them on this frame or, across a gap, on the
            track's nearest measured frame; None without a dense backend (dlib, fan, older sidecars).
    """

    track_id: int
    identity: str
    box: tuple[float, float, float, float]
    _landmarks: tuple
    _confidence: tuple
    score: float
    flags: frozenset[str]
    pose: tuple[float, float, float] | None
    _aligned_from_plate: tuple | None
    aligned_size: int | None
    _mesh: tuple | None

    def __init__(
        self,
        track_id: int,
        identity: str,
        box: Sequence[float],
        landmarks: Any,
        confidence: Any,
        score: float = 0.0,
        flags: Iterable[str] = (),
        pose: Sequence[float] | None = None,
        aligned_from_plate: Any = None,
        aligned_size: int | None = None,
        mesh: Any = None,
    ):
        flags = frozenset(flags)
        unknown = flags - set(FLAGS)
        if unknown:
            raise FaceplateError(f"Face flags {sorted(unknown)} are not among {', '.join(FLAGS)}")
        box = _points(box, (4,), "box")
        if box[2] < box[0] or box[3] < box[1]:
            raise FaceplateError(f"Face box {box}: expected (xmin, ymin, xmax, ymax) with min <= max")
        conf = _points(confidence, (NUM_LANDMARKS,), "confidence")
        if min(conf) < 0.0 or max(conf) > 1.0:
            raise FaceplateError("Face confidence: values must lie in [0, 1]")
        setattr_ = object.__setattr__
        setattr_(self, "track_id", int(track_id))
        setattr_(self, "identity", str(identity))
        setattr_(self, "box", box)
        setattr_(self, "_landmarks", _points(landmarks, (NUM_LANDMARKS, 2), "landmarks"))
        setattr_(self, "_confidence", conf)
        setattr_(self, "score", float(score))
        setattr_(self, "flags", flags)
        setattr_(self, "pose", None if pose is None else _points(pose, (3,), "pose"))
        setattr_(
            self,
            "_aligned_from_plate",
            None if aligned_from_plate is None else _points(aligned_from_plate, (2, 3), "aligned_from_plate"),
        )
        if aligned_size is not None and aligned_from_plate is None:
            raise FaceplateError("Face: aligned_size without aligned_from_plate (AlignEdit sets both)")
        if aligned_size is not None and int(aligned_size) < 1:
            raise FaceplateError(f"Face aligned_size: expected a positive whole number, got {aligned_size}")
        setattr_(self, "aligned_size", None if aligned_size is None else int(aligned_size))
        setattr_(self, "_mesh", None if mesh is None else _points(mesh, (MESH_POINTS, 3), "mesh"))

    @property
    def landmarks(self) -> np.ndarray:
        """``(68, 2)`` float64, read-only."""
        return _read_only(self._landmarks)

    @property
    def confidence(self) -> np.ndarray:
        """``(68,)`` float64, read-only."""
        return _read_only(self._confidence)

    @property
    def aligned_from_plate(self) -> np.ndarray | None:
        """``(2, 3)`` float64 mapping plate pixels to aligned-face pixels, or None before AlignEdit."""
        return None if self._aligned_from_plate is None else _read_only(self._aligned_from_plate)

    @property
    def mesh(self) -> np.ndarray | None:
        """``(468, 3)`` float64 face-mesh points, read-only, or None (no dense backend)."""
        return None if self._mesh is None else _read_only(self._mesh)

    @property
    def has_mesh(self) -> bool:
        """Whether the face carries a face mesh (without copying it out)."""
        return self._mesh is not None

    @property
    def inter_ocular(self) -> float:
        """Distance between the eye centres in pixels (the usual scale for landmark errors)."""
        return inter_ocular(self.landmarks)

    def replace(self, **changes: Any) -> Face:
        """A copy with some fields changed (``landmarks=``, ``flags=``, ``aligned_from_plate=`` ...)."""
        fields = self.to_dict()
        fields.update(changes)
        return Face(**fields)

    def to_dict(self) -> dict[str, Any]:
        return {
            "track_id": self.track_id,
            "identity": self.identity,
            "box": list(self.box),
            "landmarks": [list(p) for p in self._landmarks],
            "confidence": list(self._confidence),
            "score": self.score,
            "flags": sorted(self.flags),
            "pose": None if self.pose is None else list(self.pose),
            "aligned_from_plate": None
            if self._aligned_from_plate is None
            else [list(r) for r in self._aligned_from_plate],
            "aligned_size": self.aligned_size,
            "mesh": None if self._mesh is None else [list(p) for p in self._mesh],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Face:
        try:
            return cls(**data)
        except TypeError as exc:
            raise FaceplateError(f"Face: bad fields ({exc})") from None


@dataclasses.dataclass(frozen=True)
class Faces:
    """The faces of one frame, ordered by track id. Iterable; ``len()`` is the face count."""

    frame: int
    faces: tuple[Face, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "faces", tuple(sorted(self.faces, key=lambda f: f.track_id)))

    def __iter__(self) -> Iterator[Face]:
        return iter(self.faces)

    def __len__(self) -> int:
        return len(self.faces)

    @classmethod
    def attached(cls, plate: Plate) -> Faces | None:
        """The faces attached to ``plate`` (:data:`METADATA_KEY`, a Faces or its JSON), or None."""
        faces = plate.metadata.get(METADATA_KEY)
        if faces is not None and not isinstance(faces, Faces):
            faces = cls.from_json(str(faces))
        return faces

    @classmethod
    def of(cls, plate: Plate, policy: str, *, node: str, node_type: str, frame: int) -> Faces | None:
        """The faces attached to ``plate``; with none attached, as ``policy`` (one of :data:`MISSING_FACES`)
        says: None for ``pass through`` (the caller passes the plate through), no faces for ``empty mattes``,
        or a :class:`RenderError` naming ``node`` and ``frame`` for ``error``. A warning naming the node
        (``node_type`` ``'node'``) is logged once per node when faces are missing."""
        faces = cls.attached(plate)
        if faces is not None:
            return faces
        if policy == "error":
            raise RenderError(
                "the input carries no faces: put FaceDetect (and run `faceplate track`) upstream, "
                "or set missing_faces to 'pass through'",
                node=node,
                frame=frame,
            )
        _warn_missing(f"{node_type} '{node}'", policy)
        return None if policy == "pass through" else cls(frame=frame)

    def track(self, track_id: int) -> Face | None:
        """The face of track ``track_id`` in this frame, or None."""
        return next((f for f in self.faces if f.track_id == track_id), None)

    def to_json(self) -> str:
        """Compact JSON (what the Write node stores in the EXR header under :data:`METADATA_KEY`)."""
        data = {"format": FORMAT, "version": VERSION, "frame": self.frame, "faces": [f.to_dict() for f in self.faces]}
        return json.dumps(data, separators=(",", ":"))

    def to_header(self) -> str:
        """:meth:`to_json` rounded for an image header: positions to 0.01 px, confidences and scores to 0.001,
        angles to 0.01 degree, transforms to 1e-6, mesh points to 0.1 px; about a third of the full text,
        read by :meth:`from_json`."""
        data = json.loads(self.to_json())
        for face in data["faces"]:
            face["box"] = _rounded(face["box"], 2)
            face["landmarks"] = _rounded(face["landmarks"], 2)
            face["confidence"] = _rounded(face["confidence"], 3)
            face["score"] = round(face["score"], 3)
            face["pose"] = _rounded(face["pose"], 2)
            face["aligned_from_plate"] = _rounded(face["aligned_from_plate"], 6)
            face["mesh"] = _rounded(face["mesh"], 1)
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Faces:
        """Parses :meth:`to_json` output; raises FaceplateError naming what is wrong."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise FaceplateError(f"{METADATA_KEY}: not JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise FaceplateError(f"{METADATA_KEY}: expected a '{FORMAT}' object")
        if data.get("version") not in SUPPORTED_VERSIONS:
            raise FaceplateError(
                f"{METADATA_KEY}: version {data.get('version')!r} is not supported (this faceplate reads "
                f"{', '.join(map(str, SUPPORTED_VERSIONS))}); update faceplate"
            )
        return cls(frame=int(data["frame"]), faces=tuple(Face.from_dict(f) for f in data.get("faces", ())))


@functools.lru_cache(maxsize=64)
def _warn_missing(node: str, policy: str) -> None:
    log.warning(
        "%s: the input carries no faces (is FaceDetect upstream and the shot tracked?); missing_faces is '%s'.",
        node,
        policy,
    )


def _rounded(values: Any, digits: int) -> Any:
    """Nested lists of numbers rounded (None stays None)."""
    if values is None:
        return None
    if isinstance(values, list):
        return [_rounded(v, digits) for v in values]
    return round(float(values), digits)

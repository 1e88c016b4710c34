"""AlignEdit: per face, the transform into the aligned crop the networks work in, with artist edits.

Per frame the node fits each tracked face's landmarks to the canonical template (:mod:`.umeyama`),
smooths the fit's parameters along the track (:mod:`.smoothing`), applies the artist's edits
(:mod:`.edits`, kept in the ``edits`` knob of the script, so re-tracking keeps them) and estimates
the head pose (:mod:`.pose`). It writes ``aligned_from_plate`` and ``pose`` into every face of the
``faceplate/faces`` metadata; with ``output`` set to ``aligned`` it outputs the aligned crop of one
track instead of the plate.

Hash: the node's knobs at the frame (the ``edits`` knob evaluates to just the edits that frame reads,
see :class:`~.edits.EditsKnob`), the input at the frame, and the upstream FaceDetect's sidecar
digest, strength and lock frames (the track's neighbouring frames come from there, see
:mod:`.source`).
"""

from __future__ import annotations

import functools
import logging

import numpy as np

from faceplate.foundation import geometry
from faceplate.foundation.errors import SequenceIOError
from faceplate.foundation.frames import format_frame_range
from faceplate.nodes.alignedit import smoothing
from faceplate.nodes.alignedit.align import AlignSettings, aligned_from_plate, warp_crop
from faceplate.nodes.alignedit.alignment_export import write_alignment
from faceplate.nodes.alignedit.edits import Edits, EditsKnob
from faceplate.nodes.alignedit.pose import head_pose
from faceplate.nodes.alignedit.source import track_landmarks
from faceplate.nodes.alignedit.template import FACE_TYPES, MAX_SIZE, MIN_SIZE
from faceplate.nodes.core import EnumKnob, FloatKnob, IntKnob, Node, StringKnob
from faceplate.nodes.facedetect.tracks import TrackStore, lock_frames, upstream_facedetect
from faceplate.nodes.faces import METADATA_KEY, Faces
from faceplate.nodes.plate import Box2i, Plate

log = logging.getLogger(__name__)

OUTPUTS = ("plate", "aligned")
FILTERS = ("bicubic", "bilinear")
ALIGN_KEY = "faceplate/align"  # metadata prefix of the aligned output


class AlignEdit(Node):
    """Aligned face crops (the networks' space) per tracked face, stabilised, with keyed artist edits.

    Puts ``aligned_from_plate`` and head ``pose`` into each face of the plate's Faces metadata. With
    ``output`` = aligned, outputs the crop of ``track`` (channels as they are, scene-linear float32,
    a ``size`` x ``size`` window; metadata records the transform). Edits (landmark fixes, offset keys,
    locks) are made with :mod:`faceplate.nodes.alignedit.api` and saved in the script.
    """

    category = "Face"
    inputs = ("input",)
    knobs = (
        EnumKnob(
            "output",
            OUTPUTS,
            "plate",
            "plate: the input with alignment transforms in its Faces metadata; aligned: the aligned crop of 'track'",
        ),
        IntKnob("track", 1, "Track whose crop 'aligned' shows", min=1, max=100000),
        EnumKnob(
            "face_type",
            tuple(FACE_TYPES),
            "whole_face",
            "face: brows to chin; whole_face: forehead included; head: hairline, hair and ears",
        ),
        IntKnob("size", 256, "Side of the aligned crop in pixels", min=MIN_SIZE, max=MAX_SIZE),
        FloatKnob(
            "coverage",
            1.0,
            "How much around the face type the crop shows: 1 as designed, 1.25 a quarter more (the face gets smaller)",
            min=0.5,
            max=2.0,
        ),
        FloatKnob(
            "vertical_offset",
            0.0,
            "Moves the crop window up by this fraction of its side (more forehead, less chin)",
            min=-0.5,
            max=0.5,
        ),
        FloatKnob(
            "smoothing",
            0.5,
            "Smoothing of the alignment along the track, after FaceDetect's landmark "
            f"stabilisation: 0 off, 1 a Gaussian of {smoothing.MAX_SIGMA:g} frames. "
            "Centred in time, so it never lags",
            min=0.0,
            max=1.0,
        ),
        StringKnob(
            "lock_frames",
            "",
            "Frames aligned exactly from their landmarks, unsmoothed, every "
            "track, e.g. '1001, 1040-1042' (per-track locks are edits)",
        ),
        EnumKnob(
            "filter",
            FILTERS,
            "bicubic",
            "Resampling of the aligned crop (bicubic may overshoot at hard edges; bilinear never does)",
        ),
        EditsKnob(
            "edits",
            "Artist edits per track and frame (landmark fixes, offset keys, locks) as JSON; "
            "edit them with faceplate.nodes.alignedit.api",
            reach=smoothing.REACH,
        ),
    )

    def edits(self) -> Edits:
        """Every edit of the node (the whole store, not a frame's slice)."""
        return Edits.from_json(self["edits"])

    def edits_without_track(self, source: TrackStore | None = None) -> dict[int, list[int]]:
        """``{track: [edited frames]}`` of edited tracks that the tracks sidecar does not have (a re-track
        renumbered or dropped them); empty without a sidecar."""
        source = source or TrackStore.of(upstream_facedetect(self), 0)
        if source.digest is None:
            return {}
        edits = self.edits()
        return {t: edits.track(t).frames() for t in sorted(set(edits.tracks) - set(source.tracks()))}

    def hash_extra(self, frame: int) -> list:
        return TrackStore.of(upstream_facedetect(self), frame).hash_items()

    def settings_at(self, frame: int) -> AlignSettings:
        """The alignment knobs at ``frame`` (outside a render: exports, extraction)."""
        return AlignSettings(
            *(self.value(k, frame) for k in ("face_type", "size", "coverage", "vertical_offset", "smoothing"))
        )

    def track_transforms(self, track: int, frames=None) -> dict[int, np.ndarray]:
        """``{frame: aligned_from_plate}`` of ``track`` over its frames (or those of ``frames`` it has),
        from the upstream FaceDetect's sidecar, exactly as a render computes them."""
        edits = self.edits().track(track)
        source = TrackStore.of(upstream_facedetect(self), next(iter(frames), 0) if frames else 0)
        faces = source.tracks().get(int(track))
        if not faces:
            raise SequenceIOError(
                f"AlignEdit '{self.name}': no track {track} in the tracks sidecar (tracks: "
                f"{', '.join(map(str, sorted(source.tracks()))) or 'none'}); run `faceplate track`",
                path=source.path,
            )
        landmarks = {f: face.landmarks for f, face in faces.items()}
        wanted = sorted(faces) if frames is None else sorted(set(frames) & set(faces))
        return {
            f: aligned_from_plate(
                landmarks, f, self.settings_at(f), edits, lock_frames(self.value("lock_frames", f), self.name)
            )
            for f in wanted
        }

    def export_alignment(self, track: int, path_stem: str, plate_size: tuple[int, int], frames=None) -> tuple[str, str]:
        """Writes ``<path_stem>.json`` and ``.nk`` (see :mod:`.export`) for ``track``."""
        transforms = self.track_transforms(track, frames)
        first = min(transforms)
        identity = TrackStore.of(upstream_facedetect(self), first).tracks()[int(track)][first].identity
        settings = self.settings_at(first)
        return write_alignment(
            path_stem,
            transforms,
            node=self.name,
            track=int(track),
            identity=identity,
            size=settings.size,
            face_type=settings.face_type,
            plate_size=tuple(plate_size),
        )

    def settings(self, context) -> AlignSettings:
        return AlignSettings(
            context.value("face_type"),
            context.value("size"),
            context.value("coverage"),
            context.value("vertical_offset"),
            context.value("smoothing"),
        )

    def compute(self, context) -> Plate:
        plate = context.input()
        faces = Faces.attached(plate)
        if faces is None and context.value("output") == "plate":
            return plate  # nothing tracked upstream (no sidecar yet): pass through, invent no Faces
        faces = faces or Faces(frame=context.frame)
        settings = self.settings(context)
        edits = Edits.from_json(context.value("edits"))
        locks = set(lock_frames(context.value("lock_frames"), self.name))
        source = TrackStore.of(upstream_facedetect(self), context.frame)
        orphans = self.edits_without_track(source)
        if orphans:
            _warn_orphans(
                self.name,
                tuple((t, tuple(f)) for t, f in orphans.items()),
                tuple(sorted(source.tracks())),
                source.digest,
            )
        size = (plate.display_window.width, plate.display_window.height)
        aligned = []
        for face in faces:
            landmarks = track_landmarks(source, face.track_id, faces)
            track_edits = edits.track(face.track_id)
            m = aligned_from_plate(landmarks, context.frame, settings, track_edits, locks)
            own = track_edits.landmarks.get(context.frame, face.landmarks)
            pose = face.pose if face.pose is not None else head_pose(own, size)
            aligned.append(face.replace(aligned_from_plate=m, aligned_size=settings.size, pose=pose, landmarks=own))
        faces = Faces(frame=faces.frame, faces=tuple(aligned))
        metadata = {**plate.metadata, METADATA_KEY: faces}
        if context.value("output") == "plate":
            return plate.replace(metadata=metadata)
        return self._aligned_plate(plate, faces, context.value("track"), settings, context.value("filter"), metadata)

    def _aligned_plate(
        self, plate: Plate, faces: Faces, track: int, settings: AlignSettings, filter: str, metadata: dict
    ) -> Plate:
        face = faces.track(track)
        size = settings.size
        window = Box2i.from_size(size, size)
        info = {
            f"{ALIGN_KEY}/track": track,
            f"{ALIGN_KEY}/face_type": settings.face_type,
            f"{ALIGN_KEY}/present": int(face is not None),
            f"{ALIGN_KEY}/plate_display_window": [float(v) for v in plate.display_window.as_tuple()],
        }
        if face is None:  # the track is not in this frame: an empty crop that says so
            pixels = np.zeros((size, size, len(plate.channels)), np.float32)
            return Plate(pixels, plate.channels, data_window=window, metadata={**metadata, **info})
        dw = plate.data_window
        aligned_from_array = geometry.compose(face.aligned_from_plate, geometry.translation(dw.xmin, dw.ymin))
        pixels = warp_crop(plate.pixels, aligned_from_array, size, filter)
        info[f"{ALIGN_KEY}/aligned_from_plate"] = [float(v) for v in face.aligned_from_plate.ravel()]
        return Plate(pixels, plate.channels, data_window=window, pixel_aspect=1.0, metadata={**metadata, **info})


@functools.lru_cache(maxsize=64)
def _warn_orphans(node: str, orphans: tuple, tracks: tuple, digest: str) -> None:
    """Once per node, orphaned edits and sidecar (a render must not fail for them: see docs/alignedit.md)."""
    for track, frames in orphans:
        log.warning(
            "AlignEdit '%s', knob 'edits': track %d has edits (frames %s) but the tracks sidecar has no "
            "track %d (its tracks: %s); those edits are ignored. If re-tracking renumbered the tracks, move "
            "them with faceplate.nodes.alignedit.api.move_track(node, %d, NEW_ID); else drop them with "
            "api.clear(node, %d).",
            node,
            track,
            format_frame_range(frames),
            track,
            ", ".join(map(str, tracks)) or "none",
            track,
            track,
        )

"""FaceDetect: attaches the shot's face tracks to each frame of the plate.

Per frame the node reads the tracks sidecar written by ``faceplate track`` (never the whole shot's
pixels), stabilises each track's landmarks and puts a :class:`~faceplate.nodes.faces.Faces` into
``plate.metadata["faceplate/faces"]``. Pixels pass through untouched; with ``overlay`` on, an
``overlay`` RGBA layer shows boxes, ids and landmarks.

Knobs marked *track only* are read by ``faceplate track`` and not by a render, so they are left out
of the hash: changing them does nothing until the shot is tracked again.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from faceplate.foundation.errors import SequenceIOError
from faceplate.nodes.core import BoolKnob, EnumKnob, FloatKnob, IntKnob, Node, PathKnob, StringKnob
from faceplate.nodes.facedetect import tracks
from faceplate.nodes.facedetect.backend import BACKENDS
from faceplate.nodes.facedetect.detect import ROTATION_SEARCH
from faceplate.nodes.facedetect.overlay import with_overlay
from faceplate.nodes.faces import METADATA_KEY
from faceplate.nodes.plate import Plate

log = logging.getLogger(__name__)

MISSING_TRACKS = ("pass through", "error")


class FaceDetect(Node):
    """Faces, 68 landmarks, identities and shot-long tracks, from the sidecar ``faceplate track`` writes.

    Run ``faceplate track SCRIPT`` once per shot (and again after changing a *track only* knob); then
    every frame renders alone. Landmarks are stabilised per track (``strength``), except on
    ``lock_frames``, where the tracked landmarks are kept exactly.
    """

    category = "Face"
    inputs = ("input",)
    knobs = (
        PathKnob(
            "sidecar",
            f"tracks/{tracks.NODE_TOKEN}.json",
            f"Tracks file written by `faceplate track` (relative to the script; {tracks.NODE_TOKEN} is this "
            "node's name)",
        ),
        FloatKnob(
            "strength",
            0.5,
            "Landmark stabilisation: 0 off, 0.5 removes frame-to-frame jitter, 1 smooths "
            "over about a second. Forward-backward, so it never lags",
            min=0.0,
            max=1.0,
        ),
        StringKnob(
            "lock_frames", "", "Frames whose tracked landmarks are exact and kept as they are, e.g. '1001, 1040-1042'"
        ),
        BoolKnob("overlay", False, "Draw boxes, track ids, identities and landmarks into an 'overlay' layer"),
        EnumKnob(
            "missing_tracks",
            MISSING_TRACKS,
            "pass through",
            "When the sidecar does not exist: pass the plate through without faces (and log a warning), "
            "or fail the frame",
        ),
        EnumKnob(
            "backend",
            BACKENDS,
            BACKENDS[0],
            "Track only. Face models: mesh (default: MediaPipe's detector and 468-point face mesh, "
            "Apache-2.0, cleared for commercial use), dlib or fan (NOT cleared for commercial use: their "
            "68-point models are trained on non-commercial data; fan needs $FACEPLATE_FAN_WEIGHTS)",
            affects_output=False,
        ),
        FloatKnob(
            "score_threshold",
            0.5,
            "Track only. Lowest detector score kept (mesh: a probability, and "
            "the face mesh's own presence score for followed faces; dlib HOG: "
            "false positives below about 0.5)",
            min=-1.0,
            max=5.0,
            affects_output=False,
        ),
        IntKnob(
            "proxy_size",
            960,
            "Track only. Long side of the detection proxy in pixels; the smallest face "
            "found is about 80 x plate size / proxy size",
            min=64,
            max=8192,
            affects_output=False,
        ),
        FloatKnob(
            "exposure",
            0.0,
            "Track only. Stops applied to the detection proxy (dark plates); the plate is not changed",
            min=-10.0,
            max=10.0,
            affects_output=False,
        ),
        EnumKnob(
            "rotation_search",
            tuple(ROTATION_SEARCH),
            "every 30 degrees",
            "Track only. Turns tried when a frame shows no upright face (rolled and upside-down faces); "
            "each costs one more detection pass on such frames",
            affects_output=False,
        ),
        IntKnob(
            "detect_every",
            8,
            "Track only. Search whole frames for faces on every Nth frame; in between, "
            "each face is followed from the frame before and confirmed by the detector on "
            "its own crop (mesh: by the face mesh itself while the face moves steadily), and "
            "a face that comes into view is found at the next search and traced back to its "
            "first frame (1: search every frame, slower)",
            min=1,
            max=100,
            affects_output=False,
        ),
        FloatKnob(
            "max_gap",
            3.0,
            "Track only. Seconds a face may go unseen (hidden behind someone or "
            "something, or missed) and keep its track: the gap is carried by the head's "
            "motion and flagged predicted. Counted at the plate's FramesPerSecond, or 24 "
            "fps when it has none. 3 s: a face hidden for 2 s is lost a few frames "
            "before and after, as the cover comes and goes",
            min=0.0,
            max=60.0,
            affects_output=False,
        ),
        IntKnob(
            "min_track",
            3,
            "Track only. Fewest detected frames a track needs to be kept (drops flickering false positives)",
            min=1,
            max=1000,
            affects_output=False,
        ),
    )

    def sidecar_path(self, frame: int | None = None) -> str:
        """The resolved sidecar path (``{node}`` replaced by this node's name)."""
        return tracks.sidecar_path(self, frame)

    def hash_extra(self, frame: int) -> list[Any]:
        store = tracks.TrackStore.of(self, frame)
        return [self.name, store.path, store.digest]

    def passthrough_hash(self, frame: int) -> str | None:
        upstream = self.input()
        if upstream is None or self.value("missing_tracks", frame) != "pass through":
            return None
        return upstream.hash(frame) if not tracks.TrackStore.of(self, frame).exists else None

    def compute(self, context) -> Plate:
        plate = context.input()
        for knob in ("sidecar", "strength", "lock_frames"):  # what the store reads (declared in hash_extra)
            context.value(knob)
        store = tracks.TrackStore.of(self, context.frame)
        path = store.path
        if not store.exists:
            if context.value("missing_tracks") == "error":
                raise SequenceIOError(
                    f"FaceDetect '{self.name}': no tracks sidecar; run `faceplate track SCRIPT "
                    f"--node {self.name}` first",
                    path=path,
                    frame=context.frame,
                )
            _warn_missing(self.name, path)
            return plate
        faces = store.faces_at(context.frame)
        plate = plate.replace(metadata={**plate.metadata, METADATA_KEY: faces})
        if context.value("overlay"):
            plate = with_overlay(plate, faces)
        return plate


@functools.lru_cache(maxsize=64)
def _warn_missing(node: str, path: str) -> None:
    log.warning(
        "FaceDetect '%s': no tracks at %s; frames pass through without faces. Run `faceplate track SCRIPT --node %s`.",
        node,
        path,
        node,
    )

"""Artist-corrected occlusion mattes for few-shot training (XSeg-style), read from plate space.

A correction is one file per frame at plate resolution (the plate's display window), single channel
(EXR, PNG or TIFF; of several channels the ``A`` channel is used when there is one, else the first),
1 where the face is hidden. Files are named by frame (the last run of digits in the name:
``occ.1012.png``, ``occ_1012.exr``); :func:`find_corrections` takes a folder (every image in it) or
a pattern (``corr/occ.####.png``, ``corr/occ.%04d.png`` or a glob).

Each matte is matched to the face-sets' faces of the same frame (from ``manifest.json``: ``frame``
and ``aligned_from_plate``) and warped into each face's aligned space, so it trains exactly where
the face-set's crop sits. Bad input is a :class:`CorrectionError` naming the file: a matte whose
size is not the plate's (names both sizes), a frame outside the shot's range or with no face in the
face-sets (names the frame and the range), an unreadable file, a folder with no mattes.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import re

import cv2
import numpy as np
import OpenImageIO as oiio

from faceplate.foundation.errors import FaceplateError
from faceplate.models.trainer.faceset import FaceSet

EXTENSIONS = (".exr", ".png", ".tif", ".tiff")
_DIGITS = re.compile(r"(\d+)(?!.*\d)")


class CorrectionError(FaceplateError):
    """A correction matte cannot be used: names the file (and frame) and what to do."""

    def __init__(self, path: str, message: str, frame: int | None = None):
        where = path if frame is None else f"{path} (frame {frame})"
        super().__init__(f"correction matte {where}: {message}")
        self.path = path
        self.frame = frame


@dataclasses.dataclass(frozen=True)
class Correction:
    """One corrected face: the face-set's crop, its landmarks and the true hidden matte, all aligned.

    Attributes:
        path: the plate-space matte file.  frame: its frame.  faceset: the face-set folder.
        image: ``(S, S, 3)`` uint8 face crop.  landmarks: ``(68, 2)`` aligned landmarks.
        matte: ``(S, S)`` float32 hidden coverage in [0, 1], warped into the crop.
    """

    path: str
    frame: int
    faceset: str
    image: np.ndarray
    landmarks: np.ndarray
    matte: np.ndarray


def frame_of(path: str) -> int:
    """The frame number in a file name (the last run of digits); CorrectionError when there is none."""
    match = _DIGITS.search(os.path.splitext(os.path.basename(path))[0])
    if match is None:
        raise CorrectionError(path, "no frame number in the name; name mattes by frame, e.g. occ.1012.png")
    return int(match.group(1))


def find_corrections(where: str) -> list[str]:
    """The matte files of a folder or a pattern (``####``, ``%04d`` or a glob), sorted by frame."""
    if os.path.isdir(where):
        paths = [os.path.join(where, n) for n in os.listdir(where) if n.lower().endswith(EXTENSIONS)]
    else:
        pattern = re.sub(r"#+|@+", "*", where)
        pattern = re.sub(r"%0?\d*d", "*", pattern)
        paths = [p for p in glob.glob(pattern) if p.lower().endswith(EXTENSIONS)]
    if not paths:
        raise CorrectionError(
            where,
            "no correction mattes found (expected EXR, PNG or TIFF files named by frame, "
            "e.g. occ.1012.png, in a folder or matching a #### pattern)",
        )
    return sorted(paths, key=frame_of)


def read_matte(path: str) -> np.ndarray:
    """``(H, W)`` float32 matte of a file (see the module docstring for the channel used)."""
    image = oiio.ImageInput.open(path)
    if image is None:
        raise CorrectionError(path, f"cannot be read ({oiio.geterror()}); write it as a single-channel EXR or PNG")
    try:
        spec = image.spec()
        names = list(spec.channelnames)
        channel = names.index("A") if "A" in names else 0
        pixels = image.read_image(0, 0, channel, channel + 1, "float")
    finally:
        image.close()
    if pixels is None:
        raise CorrectionError(path, f"cannot be decoded ({oiio.geterror()}); the file is damaged: export it again")
    pixels = np.asarray(pixels, np.float32).reshape(spec.height, spec.width)
    if not np.all(np.isfinite(pixels)):
        raise CorrectionError(path, "holds NaN or infinite values; export the matte again")
    return np.clip(pixels, 0.0, 1.0)


def _manifest(faceset: FaceSet) -> dict:
    with open(os.path.join(faceset.folder, "manifest.json")) as f:
        return json.load(f)


def _cv(m: np.ndarray) -> np.ndarray:
    t = np.array(m, np.float64)
    t[:, 2] += t[:, :2] @ [0.5, 0.5] - 0.5
    return t


def load_corrections(paths: list[str], facesets: list[FaceSet]) -> list[Correction]:
    """Reads, checks and aligns correction mattes against the face-sets (see the module docstring).

    Raises:
        CorrectionError: wrong size, frame outside the shot or without a face, unreadable file.
    """
    manifests = [_manifest(f) for f in facesets]
    corrections = []
    for path in paths:
        frame = frame_of(path)
        first = min(int((m.get("frames") or [min(e["frame"] for e in m["faces"])])[0]) for m in manifests)
        last = max(int((m.get("frames") or [0, max(e["frame"] for e in m["faces"])])[-1]) for m in manifests)
        if not first <= frame <= last:
            raise CorrectionError(
                path,
                f"frame {frame} is outside the shot's range {first}-{last} (the face-sets' "
                "frames); rename it to the frame it corrects, or extract a face-set that "
                "covers that frame",
                frame=frame,
            )
        matte = None
        for faceset, manifest in zip(facesets, manifests):
            plate_size = manifest.get("plate_size")
            for index, entry in enumerate(manifest["faces"]):
                if int(entry.get("frame", -1)) != frame:
                    continue
                if matte is None:
                    matte = read_matte(path)
                    if plate_size is not None and tuple(matte.shape[::-1]) != tuple(plate_size):
                        raise CorrectionError(
                            path,
                            f"is {matte.shape[1]}x{matte.shape[0]} but the plate is "
                            f"{plate_size[0]}x{plate_size[1]}; corrections are drawn at plate "
                            "resolution (the display window): reformat it to the plate's "
                            "size",
                            frame=frame,
                        )
                m = np.asarray(entry["aligned_from_plate"], np.float64)
                s = faceset.size
                shrink = abs(np.linalg.det(m[:, :2])) < 0.5
                aligned = cv2.warpAffine(
                    matte,
                    _cv(m),
                    (s, s),
                    flags=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_CONSTANT,
                )
                corrections.append(
                    Correction(
                        path,
                        frame,
                        faceset.folder,
                        faceset.images[index],
                        faceset.landmarks[index],
                        np.clip(aligned, 0.0, 1.0),
                    )
                )
        if matte is None:
            folders = ", ".join(f.folder for f in facesets)
            raise CorrectionError(
                path,
                f"frame {frame} has no face in the face-sets ({folders}): "
                "extract that frame (it may have been dropped by --every or the pose limits) "
                "or remove the file",
                frame=frame,
            )
    return corrections

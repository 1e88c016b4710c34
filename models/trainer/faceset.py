"""Face-sets as the trainer reads them: the folders ``faceplate extract`` writes.

A face-set folder holds ``manifest.json`` (format ``faceplate-faceset``), ``faces/*.png`` (8-bit
sRGB-encoded aligned crops, all ``size`` x ``size``), ``mattes/*.png`` (single-channel) and per face
the 68 landmarks in aligned pixels. :func:`load_faceset` checks all of it before training starts and
raises :class:`~faceplate.foundation.errors.FaceSetError`-style :class:`FaceplateError` naming the folder, the
file and the fix: an empty set, a missing manifest, crops of mixed sizes, an unreadable image.

Crops are decoded once into memory as uint8 (a 1000-face set at 256 px is 200 MB); the data loader's
workers share them copy-on-write.
"""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import OpenImageIO as oiio

from faceplate.foundation.errors import FaceplateError

MANIFEST_FORMAT = "faceplate-faceset"


class FaceSetError(FaceplateError):
    """A face-set cannot be trained on: names the folder (and file) and what to do."""

    def __init__(self, folder: str, message: str):
        super().__init__(f"face-set {folder}: {message}")
        self.folder = folder


@dataclasses.dataclass(frozen=True)
class FaceSet:
    """One identity's training faces, decoded.

    Attributes:
        identity: the label the model's decoder gets.
        folder: the face-set folder.
        images: ``(N, S, S, 3)`` uint8 sRGB-encoded crops.
        mattes: ``(N, S, S)`` uint8 mattes (255 inside the face).
        landmarks: ``(N, 68, 2)`` float32 aligned-pixel landmarks (NaN where the manifest has none).
        names: image paths relative to the folder.
    """

    identity: str
    folder: str
    images: np.ndarray
    mattes: np.ndarray
    landmarks: np.ndarray
    names: tuple[str, ...]

    @property
    def size(self) -> int:
        return int(self.images.shape[1])

    def __len__(self) -> int:
        return int(self.images.shape[0])


def _read_png(folder: str, rel: str, channels: int) -> np.ndarray:
    path = os.path.join(folder, rel)
    if not os.path.isfile(path):
        raise FaceSetError(folder, f"{rel} is listed in manifest.json but missing; re-run `faceplate extract`")
    image = oiio.ImageInput.open(path)
    if image is None:
        raise FaceSetError(
            folder,
            f"{rel} cannot be read ({oiio.geterror()}); re-run `faceplate extract` or remove it from manifest.json",
        )
    try:
        pixels = image.read_image(
            0, 0, 0, channels if image.spec().nchannels >= channels else image.spec().nchannels, "uint8"
        )
    finally:
        image.close()
    if pixels is None:
        raise FaceSetError(
            folder, f"{rel} cannot be decoded ({oiio.geterror()}); the file is damaged: re-run `faceplate extract`"
        )
    pixels = np.asarray(pixels)
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if pixels.shape[2] < channels:
        pixels = np.repeat(pixels[..., :1], channels, axis=2)
    return pixels[..., :channels]


def load_faceset(folder: str, identity: str | None = None) -> FaceSet:
    """Reads and checks a face-set folder.

    Args:
        folder: the folder ``faceplate extract -o`` wrote.
        identity: the label to train it as (default: the manifest's identity).

    Raises:
        FaceSetError: no folder, no or a bad manifest.json, no faces, a listed file missing or
            unreadable, crops of mixed sizes or not square, landmarks of the wrong shape.
    """
    folder = os.path.abspath(folder)
    if not os.path.isdir(folder):
        raise FaceSetError(folder, "no such folder; pass a folder written by `faceplate extract`")
    manifest_path = os.path.join(folder, "manifest.json")
    if not os.path.isfile(manifest_path):
        raise FaceSetError(folder, "no manifest.json; this is not a face-set (write one with `faceplate extract`)")
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as exc:
        raise FaceSetError(folder, f"manifest.json is not readable JSON ({exc}); re-run `faceplate extract`") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise FaceSetError(folder, f"manifest.json is not a '{MANIFEST_FORMAT}' manifest")
    faces = manifest.get("faces") or []
    if not faces:
        raise FaceSetError(folder, "the face-set is empty (manifest.json lists no faces); extract more frames")
    images, mattes, landmarks, names = [], [], [], []
    for entry in faces:
        rel = entry.get("image")
        if not rel:
            raise FaceSetError(folder, "a manifest entry has no 'image'")
        image = _read_png(folder, rel, 3)
        if image.shape[0] != image.shape[1]:
            raise FaceSetError(folder, f"{rel} is {image.shape[1]}x{image.shape[0]}: aligned crops must be square")
        if images and image.shape != images[0].shape:
            raise FaceSetError(
                folder,
                f"mixed crop sizes: {rel} is {image.shape[1]} px but {names[0]} is "
                f"{images[0].shape[1]} px; extract the set again with one AlignEdit size",
            )
        matte = (
            _read_png(folder, entry["matte"], 1)[..., 0]
            if entry.get("matte")
            else np.full(image.shape[:2], 255, np.uint8)
        )
        if matte.shape != image.shape[:2]:
            raise FaceSetError(folder, f"{entry['matte']} is not the size of {rel}")
        points = np.asarray(entry.get("landmarks") or np.full((68, 2), np.nan), np.float32)
        if points.shape != (68, 2):
            raise FaceSetError(folder, f"{rel}: landmarks must be 68 (x, y) points, got shape {points.shape}")
        images.append(image)
        mattes.append(matte)
        landmarks.append(points)
        names.append(rel)
    label = identity or str(manifest.get("identity") or os.path.basename(folder))
    return FaceSet(label, folder, np.stack(images), np.stack(mattes), np.stack(landmarks), tuple(names))


def check_facesets(sets: list[FaceSet]) -> int:
    """Checks that the identities' sets can train one model together; returns their common crop size."""
    sizes = {s.size for s in sets}
    if len(sizes) != 1:
        listed = ", ".join(f"{s.identity}={s.size} px" for s in sets)
        raise FaceplateError(
            f"the face-sets have different crop sizes ({listed}); extract them with one AlignEdit "
            "size (the model's resolution or larger)"
        )
    labels = [s.identity for s in sets]
    if len(set(labels)) != len(labels):
        raise FaceplateError(f"identity labels repeat: {labels}; give each --identity a distinct LABEL")
    return sizes.pop()

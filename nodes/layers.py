"""The names of the layers and channels faceplate adds to a plate: one definition for every node.

Named so Nuke handles them as it does its own layers: none in Nuke's built-in ``mask`` layer, at most
four channels per layer (Nuke shows four), each layer prefixed ``fp_``:

- ``fp_matte.face``, ``fp_matte.jaw``, ``fp_matte.hairline``, ``fp_matte.occlusion``: the mattes to
  rebuild or adjust the comp (the final face matte, bands along the jaw and the hairline, what the
  occlusion model says is hidden);
- ``fp_feature.eyes``, ``fp_feature.mouth``: feature mattes (OcclusionMask's lid and lip regions);
- ``fp_swap.R``, ``fp_swap.G``, ``fp_swap.B``: the processed face in plate space (JawBlend).

Renders written before these names used ``mask.face/jaw/hairline/occlusion/eyes/mouth`` and
``swap.R/G/B``; :func:`current_name` maps those to the names above, so the readers open old renders
with today's names (:data:`OLD_NAMES`).
"""

from __future__ import annotations

from collections.abc import Iterable

MATTE_LAYER = "fp_matte"
FEATURE_LAYER = "fp_feature"
SWAP_LAYER = "fp_swap"

FACE = f"{MATTE_LAYER}.face"
JAW = f"{MATTE_LAYER}.jaw"
HAIRLINE = f"{MATTE_LAYER}.hairline"
OCCLUSION = f"{MATTE_LAYER}.occlusion"
EYES = f"{FEATURE_LAYER}.eyes"
MOUTH = f"{FEATURE_LAYER}.mouth"
SWAP_RGB = (f"{SWAP_LAYER}.R", f"{SWAP_LAYER}.G", f"{SWAP_LAYER}.B")

# Every layer faceplate writes, with its channels in order.
LAYERS = {
    MATTE_LAYER: (FACE, JAW, HAIRLINE, OCCLUSION),
    FEATURE_LAYER: (EYES, MOUTH),
    SWAP_LAYER: SWAP_RGB,
}

# Names used by renders written before the fp_ layers (faceplate 0.1 up to issue 20) -> today's names.
OLD_NAMES = {
    "mask.face": FACE,
    "mask.jaw": JAW,
    "mask.hairline": HAIRLINE,
    "mask.occlusion": OCCLUSION,
    "mask.eyes": EYES,
    "mask.mouth": MOUTH,
    "swap.R": SWAP_RGB[0],
    "swap.G": SWAP_RGB[1],
    "swap.B": SWAP_RGB[2],
}

# Layer names of those renders -> today's layers holding their channels.
OLD_LAYERS = {"mask": (MATTE_LAYER, FEATURE_LAYER), "swap": (SWAP_LAYER,)}


def current_name(name: str) -> str:
    """Today's name of a channel: an old render's ``mask.face`` is ``fp_matte.face``; others unchanged."""
    return OLD_NAMES.get(name, name)


def current_names(names: Iterable[str]) -> tuple[str, ...]:
    """:func:`current_name` of each channel, in order (an old name beside its new one keeps its own name)."""
    names = tuple(names)
    present = set(names)
    return tuple(n if OLD_NAMES.get(n) in present else current_name(n) for n in names)

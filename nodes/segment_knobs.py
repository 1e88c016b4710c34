"""The per-segment knobs of the face edge, shared by OcclusionMask and JawBlend.

Segments are :data:`faceplate.nodes.face_regions.SEGMENTS`; lengths are in :data:`FACE_SIZE_UNITS`
(see :func:`faceplate.nodes.face_regions.face_size`).
"""

from __future__ import annotations

from faceplate.nodes.core import EnumKnob, FloatKnob
from faceplate.nodes.face_regions import REGION_SOURCES, SEGMENTS

FACE_SIZE_UNITS = "percent of the face size (the mean of its width, landmarks 0-16, and height, nose bridge to chin)"
SEGMENT_WHERE = {
    "cheek_left": "the cheek on the image's left (landmarks 0-3, the subject's right)",
    "jaw_left": "the jaw on the image's left (landmarks 3-6)",
    "chin": "the chin (landmarks 6-10)",
    "jaw_right": "the jaw on the image's right (landmarks 10-13)",
    "cheek_right": "the cheek on the image's right (landmarks 13-16)",
    "hairline": "the top edge: the hairline estimate (extended face) or the brows (hull)",
}


def regions_from_knob() -> EnumKnob:
    """``regions_from``: the face outline, eyes and mouth from the face mesh where the face has one, or the 68
    landmarks."""
    return EnumKnob(
        "regions_from",
        REGION_SOURCES,
        REGION_SOURCES[0],
        "Where the face outline, eyes and mouth come from: face mesh = the silhouette of the face mesh's 468 "
        "points and its lid and lip loops (faces tracked with the mesh backend; they follow turned heads, and "
        "the forehead is drawn up to forehead_height), else the 68 landmarks; landmarks = always the 68 "
        "landmarks' jaw line, hairline estimate, lids and lips",
    )


def segment_knobs(erode: str | None = None) -> tuple[FloatKnob, ...]:
    """``<segment>_offset`` and ``<segment>_feather`` for every segment, with ``<segment>_erode`` between
    them when ``erode`` names what the erosion acts on (e.g. "the combined matte")."""
    knobs = []
    for segment in SEGMENTS:
        where = SEGMENT_WHERE[segment]
        knobs.append(
            FloatKnob(
                f"{segment}_offset",
                0.0,
                f"Moves the face edge along {where} outward (> 0) or inward (< 0), in {FACE_SIZE_UNITS}",
                min=-25.0,
                max=25.0,
            )
        )
        if erode is not None:
            knobs.append(
                FloatKnob(
                    f"{segment}_erode",
                    0.0,
                    f"Erodes (< 0) or dilates (> 0) {erode} along {where}, by a distance, in {FACE_SIZE_UNITS}",
                    min=-25.0,
                    max=25.0,
                )
            )
        knobs.append(
            FloatKnob(
                f"{segment}_feather",
                4.0,
                f"Width of the soft edge along {where}, centred on the edge, in {FACE_SIZE_UNITS}",
                min=0.0,
                max=50.0,
            )
        )
    return tuple(knobs)

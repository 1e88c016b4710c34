"""Read: an image sequence (EXR, or PNG/JPEG/TIFF for reference photos) into the graph."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from faceplate.foundation.errors import SequenceIOError
from faceplate.nodes.core import EnumKnob, Node, PathKnob, StringKnob
from faceplate.nodes.io import colour, read_image
from faceplate.nodes.io.sequence import SequencePattern
from faceplate.nodes.plate import Plate

MISSING_FRAMES = ("error", "black", "hold")


class Read(Node):
    """Reads one frame of an image sequence per frame rendered.

    Every channel, layer name, data and display window and header attribute is carried through;
    half, float and uint channels become float32. ``colourspace`` converts RGB into the scene-linear
    working space (ACEScg); left empty, EXR and other float files are taken as already in the working
    space and 8/16-bit files as sRGB-encoded. A frame missing on disk is an error, black, or the
    nearest frame on disk, by ``missing_frames``.
    """

    category = "Image"
    knobs = (
        PathKnob("file", "", "Image sequence: ####, %04d or @ mark the frame number (relative to the script)"),
        EnumKnob(
            "missing_frames",
            MISSING_FRAMES,
            "error",
            "What a frame missing on disk becomes: an error, black (with the nearest frame's format), "
            "or the nearest frame on disk",
        ),
        StringKnob("part", "", "Multi-part EXR: part index or name (empty: the first part)"),
        StringKnob(
            "view", "", "Multi-view EXR: view to read, named like the hero view (empty: every channel as stored)"
        ),
        StringKnob(
            "colourspace",
            "",
            "OpenColorIO colour space of the file (empty: working space for float "
            "files, sRGB-encoded for 8/16-bit files; 'raw': no conversion)",
        ),
    )

    def _pattern(self, file: str) -> SequencePattern:
        if not file:
            raise SequenceIOError(f"Read '{self.name}': the file knob is empty; set it to the plate's file pattern")
        return SequencePattern(self.graph.resolve_path(file) if self.graph else file)

    def source(self, frame: int) -> tuple[str, bool]:
        """The file read for ``frame`` and whether the frame is missing (filled by the policy)."""
        pattern = self._pattern(self.value("file", frame))
        path = pattern.path(frame)
        if os.path.exists(path):
            return path, False
        policy = self.value("missing_frames", frame)
        if policy == "error":
            raise SequenceIOError(
                "file not found; check the pattern and frame range, or set missing_frames "
                "to black or hold to fill gaps",
                path=path,
                frame=frame,
            )
        on_disk = pattern.frames_on_disk()
        if not on_disk:
            raise SequenceIOError(
                f"no frame of the sequence exists on disk (missing_frames={policy})", path=pattern.pattern, frame=frame
            )
        nearest = min(on_disk, key=lambda f: (abs(f - frame), f))
        return pattern.path(nearest), True

    def hash_extra(self, frame: int) -> list[Any]:
        path, missing = self.source(frame)
        st = os.stat(path)
        return [path, missing, st.st_size, st.st_mtime_ns, st.st_ino]

    def compute(self, context) -> Plate:
        try:
            return self._read(context)
        except SequenceIOError as exc:
            raise exc.at_frame(context.frame, f"Read '{self.name}'") from None

    def _read(self, context) -> Plate:
        path, missing = self.source(context.frame)
        # source() reads these knobs; they are hashed, and read here so the graph's check sees them.
        context.value("file"), context.value("missing_frames")
        plate = read_image(path, part=context.value("part") or None, view=context.value("view") or None)
        if missing and context.value("missing_frames") == "black":
            plate = plate.replace(pixels=np.zeros_like(plate.pixels))
        space = context.value("colourspace") or colour.default_space_for(path)
        if space != "raw" and colour.resolve_colour_space(space) != colour.WORKING_SPACE:
            plate = colour.convert_plate(plate, space, colour.WORKING_SPACE)
        return plate

"""Write: renders its input to an image sequence, atomically, with a provenance block."""

from __future__ import annotations

import os
import tempfile

from faceplate.foundation.errors import KnobError, SequenceIOError
from faceplate.nodes import layers
from faceplate.nodes.core import BoolKnob, EnumKnob, Executable, Node, PathKnob, StringKnob
from faceplate.nodes.io import colour, read_header_metadata, read_image, write_image
from faceplate.nodes.io.sequence import SequencePattern
from faceplate.nodes.plate import Plate

COMPRESSIONS = ("zip", "zips", "piz", "dwaa", "dwab", "rle", "none")


class Write(Node, Executable):
    """Writes its input to an image sequence when the graph is rendered.

    EXR output keeps every selected channel, the data and display windows and the header metadata,
    tags the colour space written (``chromaticities``, ``oiio:ColorSpace``, ``colorInteropID``: see
    :func:`faceplate.nodes.io.colour.header_tags`), and adds a provenance block (``faceplate/version``,
    ``faceplate/script_hash``, ``faceplate/node``).
    Each frame is written to a temporary file in the same folder and renamed into place, so a killed
    render never leaves a half-written frame. The node passes its input through unchanged.
    """

    category = "Image"
    inputs = ("input",)
    knobs = (
        PathKnob("file", "", "Output sequence: ####, %04d or @ mark the frame number (relative to the script)"),
        EnumKnob("pixel_type", ("half", "float"), "half", "EXR channel type"),
        EnumKnob("compression", COMPRESSIONS, "zip", "EXR compression"),
        StringKnob(
            "channels",
            "all",
            "Channels to write: 'all', or names and layers separated by commas (e.g. 'rgba, fp_matte')",
        ),
        StringKnob("colourspace", "", "OpenColorIO colour space to write in (empty: the working space)"),
        BoolKnob("create_folders", True, "Create the output folder when it does not exist"),
    )

    def passthrough_hash(self, frame: int) -> str | None:
        upstream = self.input()
        return upstream.hash(frame) if upstream is not None else None

    def compute(self, context) -> Plate:
        return context.input()

    # -- Executable -------------------------------------------------------------------------------

    def _pattern(self) -> SequencePattern:
        file = self["file"]
        if not isinstance(file, str) or not file:
            raise SequenceIOError(f"Write '{self.name}': the file knob is empty; set an output file pattern")
        if not file.lower().endswith(".exr"):
            raise KnobError(
                f"'{file}' does not end in .exr; Write writes OpenEXR sequences", node=self.name, knob="file"
            )
        return SequencePattern(self.graph.resolve_path(file))

    def output_path(self, frame: int) -> str:
        return self._pattern().path(frame)

    def check_output_folder(self) -> None:
        """Fails before any work when the output folder cannot be written."""
        folder = os.path.dirname(self._pattern().pattern) or "."
        if not os.path.isdir(folder):
            if not self["create_folders"]:
                raise SequenceIOError(
                    f"Write '{self.name}': output folder does not exist; create it or turn on create_folders",
                    path=folder,
                )
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as exc:
                raise SequenceIOError(
                    f"Write '{self.name}': cannot create the output folder: {exc.strerror or exc}", path=folder
                ) from None
        try:  # a real probe: permission bits say nothing for root, read-only mounts, quotas
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".faceplate-probe-"):
                pass
        except OSError as exc:
            raise SequenceIOError(
                f"Write '{self.name}': output folder is not writable ({exc.strerror or exc}); "
                "fix its permissions or point the file knob elsewhere",
                path=folder,
            ) from None

    def is_complete(self, frame: int, script_hash: str) -> bool:
        """True when the frame's output is a readable image written by this script (same hash)."""
        path = self.output_path(frame)
        if not os.path.exists(path):
            return False
        try:
            meta = read_header_metadata(path)
            if meta.get("faceplate/script_hash") != script_hash or meta.get("faceplate/node") != self.name:
                return False
            read_image(path)  # decodes every pixel: a truncated or corrupt file is not complete
        except SequenceIOError:
            return False
        return True

    def execute(self, frame: int, provenance: dict[str, str]) -> str:
        """Renders ``frame`` and writes it; returns the path written."""
        plate = self.graph.render(self, frame)
        space = self.value("colourspace", frame) or colour.WORKING_SPACE
        if space != "raw" and colour.resolve_colour_space(space) != colour.WORKING_SPACE:
            plate = colour.convert_plate(plate, colour.WORKING_SPACE, space)
        names = select_channels(plate.channels, self.value("channels", frame), node=self.name)
        if list(names) != list(plate.channels):
            plate = plate.select(names)
        metadata = {
            key: _header_value(value) for key, value in plate.metadata.items() if key not in _COLOUR_TAGS
        }  # the input's tags describe the input, not what is written
        metadata.update(colour.header_tags(space))
        metadata.setdefault("faceplate/synthetic", 0)
        metadata.update(provenance)
        metadata["faceplate/node"] = self.name
        path = self.output_path(frame)
        write_image(
            plate.replace(metadata=metadata),
            path,
            pixel_type=self.value("pixel_type", frame),
            compression=self.value("compression", frame),
        )
        return path


_COLOUR_TAGS = ("oiio:ColorSpace", "faceplate/colour_space", "colorInteropID", "chromaticities")


def _header_value(value):
    """Metadata values that carry structure (Faces, transforms) go into the header as JSON text, in their
    compact header form when they have one (the faces' coordinates rounded)."""
    for method in ("to_header", "to_json"):
        convert = getattr(value, method, None)
        if callable(convert):
            return convert()
    return value


def select_channels(available: tuple[str, ...], spec: str, *, node: str) -> list[str]:
    """Channel names chosen by a ``channels`` knob value, in the plate's order.

    ``all`` keeps everything; otherwise comma-separated items, each a channel name (``R``,
    ``fp_matte.jaw``), a layer name (``fp_matte`` → every ``fp_matte.*``), or ``rgba``/``rgb`` for the main layer.
    Names from before the ``fp_`` layers still select their channels (``mask`` → ``fp_matte`` and
    ``fp_feature``, ``swap.R`` → ``fp_swap.R``), so older scripts keep working.
    """
    spec = spec.strip()
    if spec in ("", "all"):
        return list(available)
    wanted: set[str] = set()
    for item in (s.strip() for s in spec.replace(" ", ",").split(",")):
        if not item:
            continue
        if item.lower() in ("rgba", "rgb"):
            matches = [c for c in available if c in tuple(item.upper())]
        elif item in available:
            matches = [item]
        elif layers.current_name(item) in available:
            matches = [layers.current_name(item)]
        else:
            prefixes = tuple(p + "." for p in layers.OLD_LAYERS.get(item, (item,)))
            matches = [c for c in available if c.startswith(prefixes)]
        if not matches:
            raise KnobError(
                f"'{item}' matches no channel of the input ({', '.join(available)})", node=node, knob="channels"
            )
        wanted.update(matches)
    return [c for c in available if c in wanted]

"""Layers a Nuke user handles as Nuke's own, old renders read with today's names, the colour space tagged in the
header, compact faces metadata, and `faceplate info`'s summary."""

from __future__ import annotations

import json

import numpy as np
import OpenImageIO as oiio
import pytest

from faceplate.nodes import layers
from faceplate.nodes.core import Graph
from faceplate.nodes.faces import METADATA_KEY, Face, Faces
from faceplate.nodes.io.image_info import format_info, image_info
from faceplate.nodes.io.image_read import read_image
from faceplate.nodes.io.image_write import write_image
from faceplate.nodes.io.write_node import select_channels
from faceplate.nodes.plate import Plate

OLD_RENDER_CHANNELS = [
    "R",
    "G",
    "B",
    "A",
    "mask.face",
    "mask.jaw",
    "mask.hairline",
    "mask.eyes",
    "mask.mouth",
    "mask.occlusion",
    "swap.R",
    "swap.G",
    "swap.B",
]


def _face(track: int = 1, seed: int = 0) -> Face:
    rng = np.random.default_rng(seed)
    points = rng.uniform(100, 300, (68, 2))
    m = np.array([[0.512345678, 0.0123456, -40.123456789], [-0.0123456, 0.512345678, -20.987654321]])
    return Face(
        track_id=track,
        identity=f"person{track}",
        box=(90.123456, 95.5, 310.987654, 305.25),
        landmarks=points,
        confidence=rng.uniform(0.5, 1.0, 68),
        score=0.987654,
        flags=("interpolated",),
        pose=(12.3456, -4.5678, 2.1234),
        aligned_from_plate=m,
    )


def test_every_layer_suits_nuke():
    """No channel in Nuke's built-in mask layer, at most four channels a layer, one name for each channel."""
    every = [c for channels in layers.LAYERS.values() for c in channels]
    assert len(every) == len(set(every)) == 9
    for layer, channels in layers.LAYERS.items():
        assert layer.startswith("fp_") and len(channels) <= 4
        assert all(c.rpartition(".")[0] == layer for c in channels)
    assert not any(c.startswith("mask.") for c in every)
    assert set(layers.OLD_NAMES) == {c for c in OLD_RENDER_CHANNELS if "." in c}
    assert set(layers.OLD_NAMES.values()) == set(every)


def test_an_old_render_reads_with_todays_names(tmp_path):
    """A render written before the fp_ layers (its channels in the mask and swap layers) opens with the new names,
    each channel's pixels where they were."""
    pixels = np.stack([np.full((3, 4), i / 16, np.float32) for i in range(len(OLD_RENDER_CHANNELS))], axis=2)
    path = tmp_path / "old.1001.exr"
    write_image(Plate(pixels, OLD_RENDER_CHANNELS, metadata={"faceplate/node": "Write1"}), path)
    plate = read_image(path)
    assert not any(c.startswith(("mask.", "swap.")) for c in plate.channels)
    for old, new in layers.OLD_NAMES.items():
        assert plate.channel(new)[0, 0] == pytest.approx(OLD_RENDER_CHANNELS.index(old) / 16, abs=1e-3), old

    graph = Graph(root=str(tmp_path), frame_range=(1001, 1001))
    read = graph.create("Read", file="old.####.exr")
    assert graph.render(read, 1001).has_channel(layers.FACE)


def test_another_programs_mask_layer_keeps_its_names(tmp_path):
    path = tmp_path / "theirs.exr"
    write_image(Plate(np.zeros((2, 2, 2), np.float32), ["R", "mask.face"]), path)
    assert read_image(path).channels == ("R", "mask.face")


def test_write_channels_knob_takes_old_and_new_names():
    available = ("R", "G", "B", "A", layers.FACE, layers.JAW, layers.EYES, *layers.SWAP_RGB)
    assert select_channels(available, "rgba, fp_matte", node="W") == ["R", "G", "B", "A", layers.FACE, layers.JAW]
    assert select_channels(available, "mask", node="W") == [layers.FACE, layers.JAW, layers.EYES]
    assert select_channels(available, "swap.G", node="W") == [layers.SWAP_RGB[1]]


def test_faces_header_text_is_compact_and_reads_back():
    faces = Faces(frame=1001, faces=(_face(1), _face(2, seed=1)))
    full, compact = faces.to_json(), faces.to_header()
    print(f"\nfaces metadata: {len(full)} chars in full, {len(compact)} in the header")
    assert len(compact) < 0.6 * len(full)
    back = Faces.from_json(compact)
    for a, b in zip(faces, back):
        assert np.abs(a.landmarks - b.landmarks).max() <= 0.005
        assert np.abs(a.aligned_from_plate - b.aligned_from_plate).max() <= 5e-7
        assert np.abs(a.confidence - b.confidence).max() <= 5e-4
        assert a.flags == b.flags and a.identity == b.identity


def _render(tmp_path, colourspace: str = "") -> str:
    """Read -> Write of a plate carrying faces and another file's colour tags; returns the written path."""
    source = tmp_path / "in.1001.exr"
    faces = Faces(frame=1001, faces=(_face(1),))
    write_image(
        Plate(
            np.full((8, 8, 4), 0.18, np.float32),
            ["R", "G", "B", "A"],
            metadata={"chromaticities": (0.64, 0.33, 0.3, 0.6, 0.15, 0.06, 0.3127, 0.329)},
        ),
        source,
    )
    graph = Graph(root=str(tmp_path), frame_range=(1001, 1001))
    read = graph.create("Read", file="in.####.exr")
    write = graph.create("Write", file="out/o.####.exr", colourspace=colourspace)
    graph.connect(read, write)
    original = read.compute

    def with_faces(context):  # stands in for FaceDetect: the plate carries a frame's faces
        plate = original(context)
        return plate.replace(metadata={**plate.metadata, METADATA_KEY: faces})

    read.compute = with_faces
    write.check_output_folder()
    return write.execute(1001, {"faceplate/version": "test"})


def test_the_working_space_is_tagged_in_the_header(tmp_path):
    path = _render(tmp_path)
    spec = oiio.ImageInput.open(path).spec()
    assert spec.getattribute("colorInteropID") == "lin_ap1_scene"
    assert spec.getattribute("oiio:ColorSpace") == "lin_ap1_scene"  # what OpenImageIO reads back
    assert spec.getattribute("faceplate/colour_space") == "ACEScg"
    ap1 = (0.713, 0.293, 0.165, 0.830, 0.128, 0.044, 0.32168, 0.33767)
    assert np.allclose(spec.getattribute("chromaticities"), ap1, atol=1e-6)  # AP1, not the input file's Rec.709 tags
    assert read_image(path).metadata["colorInteropID"] == "lin_ap1_scene"


def test_a_write_in_another_space_tags_that_space(tmp_path):
    spec = oiio.ImageInput.open(_render(tmp_path, "sRGB Encoded Rec.709 (sRGB)")).spec()
    assert spec.getattribute("faceplate/colour_space") == "sRGB Encoded Rec.709 (sRGB)"
    assert np.allclose(spec.getattribute("chromaticities")[:2], (0.64, 0.33), atol=1e-6)


def test_info_summarises_the_faces_and_lists_layers_full_shows_all(tmp_path, capsys):
    path = _render(tmp_path)
    header = oiio.ImageInput.open(path).spec().getattribute(METADATA_KEY)
    assert len(header) < 2200 and json.loads(header)["faces"][0]["landmarks"][0][0] == round(
        _face(1).landmarks[0][0], 2
    )
    text = format_info(image_info(path))
    assert "1 face at frame 1001" in text and "track 1 (person1)  box 90, 96, 311, 305" in text
    assert "flags interpolated" in text and "--full" in text
    assert max(len(line) for line in text.splitlines()) < 200
    full = format_info(image_info(path), full=True)
    assert header in full
    from faceplate.cli import main

    assert main(["info", "--full", path]) == 0 and header in capsys.readouterr().out
    assert main(["info", path]) == 0 and header not in capsys.readouterr().out


def test_info_groups_channels_by_layer(tmp_path):
    path = tmp_path / "layers.exr"
    channels = [
        "R",
        "G",
        "B",
        "A",
        *layers.LAYERS[layers.MATTE_LAYER],
        *layers.LAYERS[layers.FEATURE_LAYER],
        *layers.SWAP_RGB,
    ]
    write_image(Plate(np.zeros((2, 2, len(channels)), np.float32), channels), path)
    lines = format_info(image_info(path)).splitlines()
    assert "  channels      R, G, B, A (half)" in lines
    assert "    fp_matte    face, hairline, jaw, occlusion (half)" in lines  # EXR stores them sorted
    assert "    fp_feature  eyes, mouth (half)" in lines
    assert "    fp_swap     R, G, B (half)" in lines  # OIIO reads R, G, B first within a layer

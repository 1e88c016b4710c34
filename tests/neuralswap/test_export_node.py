"""ONNX export (parity, card) and the NeuralSwap node, on a tiny model trained for a few steps."""

import json
import logging
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from swap_facesets import aligned_from_photo, build_faceset, photo_landmarks, photo_srgb

from faceplate.actions.model_training import train_swap
from faceplate.foundation.files import sha256_of
from faceplate.models.onnx_parity import parity
from faceplate.models.swap.swap_export import PARITY_TOLERANCE, export_swap
from faceplate.nodes.core import Graph, Node, register
from faceplate.nodes.faces import METADATA_KEY, Face, Faces
from faceplate.nodes.neuralswap.node import NeuralSwap, parse_identity_map
from faceplate.nodes.plate import Plate

register(NeuralSwap)


class FacePlate(Node):
    """A plate of one photo with its face (track 1) aligned at ``size`` px."""

    type_name = "TestSwapFacePlate"
    inputs = ()
    size = 64

    def compute(self, context):
        from faceplate.nodes.io import colour

        linear = colour.convert(
            photo_srgb("astronaut").astype(np.float32) / 255.0, colour.SRGB_ENCODED, colour.WORKING_SPACE
        )
        landmarks = photo_landmarks("astronaut")
        face = Face(
            1,
            "person1",
            (*landmarks.min(0), *landmarks.max(0)),
            landmarks,
            np.ones(68),
            aligned_from_plate=aligned_from_photo("astronaut", self.size),
            aligned_size=self.size,
        )
        return Plate(linear, ["R", "G", "B"], metadata={METADATA_KEY: Faces(context.frame, (face,))})


class AlignEdit(Node):
    """Stands in for AlignEdit between the source and NeuralSwap (the faces already carry the alignment)."""

    type_name = "AlignEdit"
    inputs = ("input",)

    def value(self, name, frame):
        return FacePlate.size

    def compute(self, context):
        return context.input()


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("swapmodel")
    sets = {
        "A": build_faceset(str(root / "A"), "astronaut", "A", count=8),
        "B": build_faceset(str(root / "B"), "hopper", "B", count=8),
    }
    folder = str(root / "ab")
    train_swap(sets, folder, preset="tiny", steps=6, preview_every=0, progress=False)
    return folder, export_swap(folder)


def _graph(tmp_path, **knobs):
    graph = Graph(root=str(tmp_path))
    source = graph.add(FacePlate("Source"))
    align = graph.add(AlignEdit("AlignEdit1"))
    graph.connect(source, align)
    swap = graph.add(NeuralSwap("NeuralSwap1", **knobs))
    graph.connect(align, swap)
    return graph, swap


def test_export_writes_verified_files_and_cards(exported):
    folder, index_path = exported
    index = json.load(open(index_path))
    assert sorted(index["identities"]) == ["A", "B"] and index["resolution"] == 64
    for name, entry in index["identities"].items():
        path = os.path.join(os.path.dirname(index_path), entry["file"])
        card = json.load(open(os.path.join(os.path.dirname(index_path), entry["card"])))
        assert card["sha256"] == entry["sha256"] == sha256_of(path)
        assert card["colour_space"] == "sRGB Encoded Rec.709 (sRGB)" and card["identity"] == name
        assert card["parity_max_abs"] <= PARITY_TOLERANCE


def test_onnx_matches_torch_on_real_faces(exported):
    from faceplate.models.swap import SwapInference
    from faceplate.models.swap.trained import load_swap_model

    folder, index_path = exported
    face = photo_srgb("hopper")
    import cv2

    crop = cv2.resize(face[90:380, 120:410], (64, 64), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    images = np.ascontiguousarray(np.stack([crop, crop[:, ::-1], crop * 0.5]).transpose(0, 3, 1, 2))
    module = SwapInference(load_swap_model(folder), "A").eval()
    assert parity(module, os.path.join(os.path.dirname(index_path), "swap_A.onnx"), images) <= PARITY_TOLERANCE


def test_identity_map_knob():
    assert parse_identity_map("1=B, 2 = A") == {1: "B", 2: "A"}
    assert parse_identity_map("") == {}
    with pytest.raises(Exception, match="identities"):
        parse_identity_map("one=B")


def test_node_without_model_passes_through_and_warns(tmp_path, caplog):
    from faceplate.nodes.neuralswap import node as swap_node

    graph, swap = _graph(tmp_path)
    swap_node._warn_no_model.cache_clear()  # the warning is once per node name and process; earlier tests log it
    with caplog.at_level(logging.WARNING):
        out = graph.render(swap, 1)
    assert swap.hash(1) == graph["AlignEdit1"].hash(1)
    assert out is graph.render(graph["AlignEdit1"], 1) or np.array_equal(
        out.pixels, graph.render(graph["AlignEdit1"], 1).pixels
    )
    assert "no model assigned" in caplog.text


def test_node_swaps_mapped_faces_with_provenance(exported, tmp_path):
    folder, index_path = exported
    graph, swap = _graph(tmp_path, model=os.path.dirname(index_path), identities="1=B")
    out = graph.render(swap, 1)
    crops = out.metadata["faceplate/swap"]
    crop = crops.track(1)
    assert crop.identity == "B" and crop.rgb.shape == (64, 64, 3) and crop.matte.shape == (64, 64)
    assert not crop.rgb.flags.writeable
    sha = json.load(open(index_path))["identities"]["B"]["sha256"]
    assert out.metadata["faceplate/swap/model_sha256"] == sha and out.metadata["faceplate/synthetic"] == 1
    assert json.loads(crops.to_json())["faces"][0]["sha256"] == sha
    np.testing.assert_array_equal(out.pixels, graph.render(graph["AlignEdit1"], 1).pixels)  # plate untouched
    h = swap.hash(1)
    swap["identities"] = "1=A"
    assert swap.hash(1) != h
    swap["output"] = "aligned"
    aligned = graph.render(swap, 1)
    assert aligned.channels == ("R", "G", "B", "A") or list(aligned.channels) == ["R", "G", "B", "A"]
    assert aligned.pixels.shape == (64, 64, 4)


def test_node_bad_identity_names_the_model(exported, tmp_path):
    folder, index_path = exported
    graph, swap = _graph(tmp_path, model=os.path.dirname(index_path), identities="1=C")
    with pytest.raises(Exception, match="identity 'C'"):
        graph.render(swap, 1)

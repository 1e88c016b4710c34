"""The learned-occlusion seam with a stand-in ONNX model (part 2 trains the real one)."""

import numpy as np
import pytest
from occlusion_shots import ASTRONAUT_LANDMARKS, FRAMES, shot

from faceplate.foundation import geometry
from faceplate.foundation.errors import ModelError, RenderError
from faceplate.nodes.occlusion.learned import OcclusionModel

onnx = pytest.importorskip("onnx")


def all_hidden_model(path, size=64):
    """A model that says every aligned pixel is hidden: y = 0 * max_c(x) + 1, (1,3,S,S) -> (1,1,S,S)."""
    from onnx import TensorProto, helper

    nodes = [
        helper.make_node("ReduceMax", ["x"], ["m"], axes=[1], keepdims=1),
        helper.make_node("Mul", ["m", "zero"], ["z"]),
        helper.make_node("Add", ["z", "one"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "all_hidden",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, size, size])],
        [
            helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
            helper.make_tensor("one", TensorProto.FLOAT, [], [1.0]),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return str(path)


def test_a_model_occludes_its_aligned_crop_and_mask_face_is_region_times_visible(tmp_path):
    def align(points):  # a 64 px crop of 60 plate px around the nose (what AlignEdit would attach)
        return geometry.similarity(points[27:36].mean(axis=0), (32.0, 32.0), 64.0 / 60.0, 0.0)

    graph, node, actor = shot(align=align, write_occlusion=True)
    plain = graph.render(node, FRAMES[0])
    node["model"] = all_hidden_model(tmp_path / "occluder.onnx")
    plate = graph.render(node, FRAMES[0])
    occlusion = plate.channel("fp_matte.occlusion")
    centre = ASTRONAUT_LANDMARKS[27:36].mean(axis=0) - 85 + np.array(actor.motion(FRAMES[0])[:2])
    cx, cy = centre.astype(int)
    assert occlusion[cy, cx] == pytest.approx(1.0) and plate.channel("fp_matte.face")[cy, cx] == pytest.approx(0.0)
    assert occlusion.sum() == pytest.approx(60 * 60, rel=0.05)  # just the crop's footprint
    visible = 1 - occlusion
    assert np.allclose(plate.channel("fp_matte.face"), plain.channel("fp_matte.face") * visible, atol=1e-6)
    assert np.array_equal(plate.channel("fp_matte.jaw"), plain.channel("fp_matte.jaw"))  # regions untouched


def test_the_model_needs_alignment(tmp_path):
    graph, node, _ = shot()
    node["model"] = all_hidden_model(tmp_path / "occluder.onnx")
    with pytest.raises(RenderError, match="no alignment.*AlignEdit"):
        graph.render(node, FRAMES[0])


def test_the_model_file_is_in_the_hash(tmp_path):
    graph, node, _ = shot()
    node["model"] = all_hidden_model(tmp_path / "occluder.onnx", size=64)
    h = node.hash(FRAMES[0])
    all_hidden_model(tmp_path / "occluder.onnx", size=32)
    assert node.hash(FRAMES[0]) != h


def test_a_file_that_is_not_a_model_is_a_clear_error(tmp_path):
    (tmp_path / "bad.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="bad.onnx cannot be loaded"):
        OcclusionModel(str(tmp_path / "bad.onnx"))

import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from faceplate.foundation.errors import ModelError
from faceplate.models import runtime


@pytest.fixture
def doubler(tmp_path):
    """A real ONNX model: y = 2 * x."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])
    two = helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])
    graph = helper.make_graph([helper.make_node("Mul", ["x", "two"], ["y"])], "doubler", [x], [y], [two])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "doubler.onnx"
    onnx.save(model, path)
    return path


def test_one_cached_session_per_model_file(doubler):
    s = runtime.session(doubler)
    assert runtime.session(doubler) is s
    out = s.run(None, {"x": np.ones((2, 3), np.float32)})[0]
    np.testing.assert_array_equal(out, 2.0)


def test_providers_follow_a_real_device_check():
    assert runtime.providers()[-1] == "CPUExecutionProvider"
    usable = runtime.cuda_device_present() and runtime.cuda_provider_loads()
    assert ("CUDAExecutionProvider" in runtime.providers()) == usable


def test_a_cpu_machine_prints_no_provider_errors(doubler):
    code = (
        "from faceplate.models import runtime; import numpy as np\n"
        f"s = runtime.session({str(doubler)!r})\n"
        "s.run(None, {'x': np.ones((1, 3), np.float32)})\n"
        "print(s.get_providers())\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    if not runtime.cuda_device_present():
        assert proc.stdout.strip() == "['CPUExecutionProvider']"
        assert "CUDA" not in proc.stderr and "TensorRT" not in proc.stderr, proc.stderr


def test_missing_and_broken_models_are_model_errors(tmp_path):
    with pytest.raises(ModelError, match="nope.onnx cannot be read"):
        runtime.session(tmp_path / "nope.onnx")
    (tmp_path / "bad.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="bad.onnx cannot be loaded by ONNX Runtime"):
        runtime.session(tmp_path / "bad.onnx")

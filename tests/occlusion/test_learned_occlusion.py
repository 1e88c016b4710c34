"""The learned occlusion in the node: the shipped default, its verification, the matte knobs, temporal
smoothing (flicker before/after), the default graph, and overlay pictures."""

import os
import shutil
import subprocess

import numpy as np
import pytest
from occlusion_heldout import HeldOutShot, graph_of, occlusion_iou, region_mask

from faceplate.foundation.drawing import write_png
from faceplate.foundation.errors import ModelError, RenderError
from faceplate.foundation.files import sha256_of
from faceplate.models import registry
from faceplate.nodes.occlusion import learned
from faceplate.nodes.occlusion.learned import OcclusionModel
from faceplate.nodes.occlusion.matte_overlay import overlay
from faceplate.nodes.occlusion.node import OcclusionMask

LOOK = os.environ.get("FACEPLATE_LOOK_DIR", "")  # set to keep the overlay pictures (e.g. /tmp/occlusion_look)
FRAMES = (1001, 1040)


@pytest.fixture(scope="module")
def occluded():
    source = HeldOutShot("Plate", occluded=range(1001, 1041), seed=3)
    graph, node = graph_of(source, FRAMES)
    return graph, node, source


def _copy_default(folder):
    for suffix in (".onnx", ".card.json", ".pt"):
        shutil.copyfile(registry.DEFAULT_OCCLUDER.replace(".onnx", suffix), os.path.join(folder, "occluder" + suffix))
    return os.path.join(folder, "occluder.onnx")


def _corrupt(path):
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))


# -- the shipped default -----------------------------------------------------------------------------------


def test_the_node_uses_the_shipped_default_occluder_by_default():
    assert OcclusionMask("Occ").value("model", 1001) == "default"
    path = registry.default_occluder()
    model = OcclusionModel(path)
    assert model.size == 128 and model.colour_space == "sRGB Encoded Rec.709 (sRGB)"
    assert model.card["sha256"] == sha256_of(path)
    assert os.path.getsize(path) + os.path.getsize(path.replace(".onnx", ".pt")) < 2 * 1024 * 1024
    assert "astronaut" in model.card["training"]["description"] and "public domain" in model.card["licence"]


def test_the_default_files_are_package_data():
    """scikit-build-core's wheel.packages copies every file of models/ not ignored by git: so the ONNX file,
    card and weights install with the package (editable or not) as long as git does not ignore them."""
    folder = os.path.dirname(registry.DEFAULT_OCCLUDER)
    root = os.path.abspath(os.path.join(folder, "..", "..", ".."))
    with open(os.path.join(root, "pyproject.toml")) as f:
        assert '"faceplate/models" = "models"' in f.read()
    if shutil.which("git") is None or not os.path.exists(os.path.join(root, ".git")):  # a worktree: a file
        pytest.skip("not a git checkout")
    names = [os.path.join(folder, n) for n in ("occluder.onnx", "occluder.card.json", "occluder.pt")]
    ignored = subprocess.run(["git", "check-ignore", *names], cwd=root, capture_output=True, text=True).stdout
    assert ignored.strip() == ""


def test_a_corrupt_default_is_a_model_error_naming_the_path_and_the_fix(tmp_path, monkeypatch, occluded):
    path = _copy_default(str(tmp_path))
    _corrupt(path)
    monkeypatch.setattr(registry, "DEFAULT_OCCLUDER", path)
    monkeypatch.setattr(learned, "DEFAULT_OCCLUDER", path)  # the node module holds its own name for it
    with pytest.raises(
        ModelError,
        match=r"occluder\.onnx has sha256 .* expected .*corrupt.*reinstall faceplate.*"
        r"default_occluder",
    ):
        registry.default_occluder()
    graph, node, _ = occluded
    with pytest.raises(RenderError, match=r"node 'OcclusionMask1', frame 1001: knob 'model': .*sha256"):
        graph.render(node, 1001)


def test_a_corrupt_trained_model_is_a_model_error(tmp_path):
    path = _copy_default(str(tmp_path))
    OcclusionModel(path)  # intact: fine
    _corrupt(path)
    with pytest.raises(
        ModelError,
        match=r"occlusion model 'faceplate-occlusion-default-v2': .*occluder\.onnx has "
        r"sha256 [0-9a-f]{64}, expected [0-9a-f]{64}; the file is corrupt",
    ):
        OcclusionModel(path)


def test_the_default_finds_held_out_occluders(occluded):
    graph, node, source = occluded
    iou = occlusion_iou(graph, node, source, range(1002, 1041, 5))
    print(f"\nshipped default, held-out occluders: IoU {iou:.3f}")
    assert iou > 0.3


# -- knobs ---------------------------------------------------------------------------------------------------


def test_threshold_softness_and_erode_dilate_shape_the_matte(occluded):
    graph, node, _ = occluded

    def coverage(**knobs):
        saved = {k: node[k] for k in knobs}
        for k, v in knobs.items():
            node[k] = v
        try:
            return graph.render(node, 1010).channel("fp_matte.occlusion")
        finally:
            for k, v in saved.items():
                node[k] = v

    base = coverage()
    hard = coverage(softness=0.0)
    assert set(np.unique(hard)) <= {0.0, 1.0} or np.mean((hard > 0) & (hard < 1)) < 0.01  # only resampled edges
    assert coverage(threshold=0.8).sum() < base.sum() < coverage(threshold=0.2).sum()
    assert coverage(erode_dilate=-3.0).sum() < base.sum() < coverage(erode_dilate=3.0).sum()


def test_mask_face_is_region_times_visible(occluded):
    graph, node, _ = occluded
    plate = graph.render(node, 1012)
    saved = node["model"]
    node["model"] = ""
    try:
        region = graph.render(node, 1012).channel("fp_matte.face")
    finally:
        node["model"] = saved
    assert np.allclose(plate.channel("fp_matte.face"), region * (1 - plate.channel("fp_matte.occlusion")), atol=1e-6)
    for layer in ("fp_matte.jaw", "fp_matte.hairline", "fp_feature.eyes", "fp_feature.mouth"):
        assert plate.has_channel(layer)


def test_temporal_smoothing_reads_the_neighbours_and_hashes_them(occluded):
    graph, node, source = occluded
    assert node.input_frames(1010) == {"input": [1009, 1010, 1011]}
    assert node.input_frames(1001) == {"input": [1001, 1002]}  # clipped to the graph's frame range
    node["temporal_radius"] = 0
    try:
        assert node.input_frames(1010) == {"input": [1010]}
        h0 = node.hash(1010)
    finally:
        node["temporal_radius"] = 1
    h1 = node.hash(1010)
    assert h0 != h1
    original = source.hash_extra
    source.hash_extra = lambda frame: original(frame) + (["changed"] if frame == 1011 else [])
    try:
        graph.changed()
        assert node.hash(1010) != h1  # the next frame's plate is read, so it is hashed
    finally:
        source.hash_extra = original
        graph.changed()
    node["model"] = ""
    try:
        assert node.input_frames(1010) == {"input": [1010]}  # no model: no neighbours
    finally:
        node["model"] = "default"


def test_flicker_before_and_after_temporal_smoothing():
    """A static face behind a static held-out occluder, with per-frame exposure flicker (0.05 stop) and sensor
    noise: the matte should not change, so every change is flicker (measured: 0.00080 at radius 0, 0.00030 at
    1, 0.00017 at 2). The alignment is steady, as AlignEdit's smoothing makes it: with 0.8 px of jitter in the
    alignment itself, smoothing in aligned space does not help (0.00168, 0.00186, 0.00209): each frame's
    matte is pasted with its own jittered transform, and neighbours' predictions made under other transforms
    disagree with it. Steady alignment is AlignEdit's job."""
    source = HeldOutShot(
        "Plate",
        motion=lambda f: (200.0, 150.0, 1.2, 0.0),
        occluded=range(1001, 1017),
        seed=11,
        fixed=True,
        exposure_flicker=0.05,
        noise=0.01,
    )
    graph, node = graph_of(source, (1001, 1016))
    frames = list(range(1004, 1014))
    from occlusion_heldout import flicker

    region = region_mask(graph, node, 1008)
    values = {}
    for radius in (0, 1, 2):
        node["temporal_radius"] = radius
        values[radius] = flicker(graph, node, frames, region)
    print(
        f"\nmatte flicker (mean |frame-to-frame change| of fp_matte.occlusion inside the static face region): "
        f"temporal_radius 0: {values[0]:.5f}, 1: {values[1]:.5f}, 2: {values[2]:.5f}"
    )
    assert values[2] < values[1] < values[0]
    assert values[2] < 0.5 * values[0]


# -- the default graph and pictures --------------------------------------------------------------------------


def test_faceplate_new_puts_occlusionmask_with_the_default_occluder_after_alignedit(tmp_path):
    from faceplate.actions.default_graph import default_graph

    graph = default_graph(str(tmp_path / "shot.json"), plate="plates/sh010.####.exr", frame_range=(1001, 1010))
    types = [n.type_name for n in graph]
    assert types.index("AlignEdit") < types.index("OcclusionMask")
    mask = next(n for n in graph if n.type_name == "OcclusionMask")
    assert mask.input("input").type_name == "AlignEdit"
    assert mask.value("model", 1001) == "default" and mask.model_path(1001) == registry.DEFAULT_OCCLUDER
    graph.save(tmp_path / "shot.json")
    loaded = type(graph).load(tmp_path / "shot.json")
    assert loaded[mask.name].model_path(1001) == registry.DEFAULT_OCCLUDER


def test_overlay_pictures(occluded, tmp_path):
    """Overlays of fp_matte.occlusion (red) and fp_matte.face (green) on held-out frames, with the truth beside them
    (set FACEPLATE_LOOK_DIR to keep them; docs/occlusion.md says what they showed)."""
    graph, node, source = occluded
    folder = LOOK or str(tmp_path)
    os.makedirs(folder, exist_ok=True)
    for frame in (1002, 1017, 1032):
        plate = graph.render(node, frame)
        shown = overlay(plate, ["fp_matte.face", "fp_matte.occlusion"])
        truth = plate.replace(
            pixels=np.concatenate([plate.pixels[..., :3], source.truth(frame)[..., None]], axis=2),
            channels=["R", "G", "B", "fp_matte.occlusion"],
        )
        picture = np.concatenate([shown, overlay(truth)], axis=1)
        write_png(os.path.join(folder, f"default_overlay.{frame}.png"), picture)
    assert len([n for n in os.listdir(folder) if n.startswith("default_overlay")]) >= 3

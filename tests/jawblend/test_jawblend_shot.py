"""A whole synthetic shot through the default graph (`faceplate new`): Read -> FaceDetect -> AlignEdit ->
OcclusionMask -> NeuralSwap -> JawBlend -> Write, tracked, rendered first without a model (mattes only),
then with a tiny swap model trained for a few steps; before/after pictures written for a person to look at
(to ``$JAWBLEND_LOOK`` when set, else a temporary folder).
"""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from jawblend_shots import FRAMES, SIZE, ShotFaces, blend_graph, rgb_of
from shots import render
from swap_facesets import build_faceset

from faceplate.cli import main
from faceplate.nodes.core import Graph
from faceplate.nodes.io import read_image, write_image

SHOT = FRAMES[:8]
LAYERS = (
    "fp_matte.face",
    "fp_matte.jaw",
    "fp_matte.hairline",
    "fp_matte.occlusion",
    "fp_swap.R",
    "fp_swap.G",
    "fp_swap.B",
)


@pytest.fixture(scope="module")
def shot(tmp_path_factory):
    """Plates of the synthetic shot as EXRs, a default script, tracked."""
    from faceplate.actions.shot_tracking import track

    root = tmp_path_factory.mktemp("jawblend_shot")
    (root / "plates").mkdir()
    actor = ShotFaces("Plate").actor
    for f in SHOT:
        write_image(render([actor], f, size=SIZE, noise=0.006), root / "plates" / f"sh.{f:04d}.exr")
    script = str(root / "shot.json")
    assert (
        main(["new", script, "--plate", str(root / "plates" / "sh.####.exr"), "--frames", f"{SHOT[0]}-{SHOT[-1]}"]) == 0
    )
    graph = Graph.load(script)
    graph.find("FaceDetect")["proxy_size"] = 512
    graph.find("OcclusionMask")["model"] = ""  # JawBlend's test: no learned occlusion (fp_matte.occlusion zeros)
    track(graph, frames=SHOT, contact_sheets=False)
    graph.save(script)
    return root, script


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from faceplate.actions.model_training import train_swap
    from faceplate.models.swap.swap_export import export_swap

    root = tmp_path_factory.mktemp("jawblend_model")
    sets = {
        "A": build_faceset(str(root / "A"), "astronaut", "A", count=8),
        "B": build_faceset(str(root / "B"), "hopper", "B", count=8),
    }
    train_swap(sets, str(root / "ab"), preset="tiny", steps=6, preview_every=0, progress=False)
    return os.path.dirname(export_swap(str(root / "ab")))


def look_folder(tmp_path):
    folder = os.environ.get("JAWBLEND_LOOK") or str(tmp_path)
    os.makedirs(folder, exist_ok=True)
    return folder


def _rgb_bits(plate):
    return rgb_of(plate).astype(np.float16).view(np.uint16)


def test_default_graph_ends_in_jawblend_and_writes_mattes_before_a_model(shot):
    root, script = shot
    graph = Graph.load(script)
    chain = [n.type_name for n in graph]
    assert chain[-2:] == ["JawBlend", "Write"] and chain.index("NeuralSwap") + 1 == chain.index("JawBlend")
    assert main(["render", script, "-q", "--frames", f"{SHOT[2]}-{SHOT[3]}"]) == 0
    for f in SHOT[2:4]:
        out = read_image(root / "render" / f"sh_faceplate.{f:04d}.exr")
        plate = read_image(root / "plates" / f"sh.{f:04d}.exr")
        assert set(LAYERS) <= set(out.channels)
        assert np.array_equal(_rgb_bits(out), _rgb_bits(plate))  # no model: the RGB passes through
        assert out.channel("fp_matte.face").max() > 0.99 and out.channel("fp_matte.jaw").max() > 0.9
        assert not out.channel("fp_swap.G").any()


def test_whole_shot_render_with_a_model(shot, model, tmp_path):
    root, script = shot
    graph = Graph.load(script)
    swap = graph.find("NeuralSwap")
    swap["model"], swap["identities"] = model, "1=B"
    graph.save(script)
    assert main(["render", script, "-q"]) == 0
    for f in SHOT:
        out = read_image(root / "render" / f"sh_faceplate.{f:04d}.exr")
        plate = read_image(root / "plates" / f"sh.{f:04d}.exr")
        outside = out.channel("fp_matte.face") == 0
        assert np.array_equal(_rgb_bits(out)[outside], _rgb_bits(plate)[outside]), f"frame {f}"
        assert not np.array_equal(_rgb_bits(out)[~outside], _rgb_bits(plate)[~outside]), f"frame {f}"
        assert out.metadata["faceplate/jawblend/tracks"] == "1"
        assert '"blend":"multiband"' in out.metadata["faceplate/jawblend/settings"]
        assert int(out.metadata["faceplate/synthetic"]) == 1 and out.metadata["faceplate/swap/model_sha256"]
    write_pictures(look_folder(tmp_path), "model", rgb_of(plate), out)
    assert os.path.getsize(os.path.join(look_folder(tmp_path), "before_after_model.png")) > 1000


def test_stand_in_swap_pictures(tmp_path):
    """The same kind of shot with a stand-in swap that looks like a person (Hopper), for the eye."""
    graph, node = blend_graph()
    frame = FRAMES[6]
    out = graph.render(node, frame)
    over_graph, over = blend_graph(blend="over")
    raw_graph, raw = blend_graph(blend="over", colour_match="none", grain=0.0)
    plate = rgb_of(graph.render(graph["Plate"], frame))
    write_pictures(
        look_folder(tmp_path),
        "standin",
        plate,
        out,
        extra=[rgb_of(raw_graph.render(raw, frame)), rgb_of(over_graph.render(over, frame))],
    )


def write_pictures(folder, name, plate_rgb, out, extra=()):
    """``before_after_<name>.png``: plate | [extra...] | comp around the face, twice the size, and
    ``mattes_<name>.png``: the plate with fp_matte.face (red), fp_matte.jaw (green), fp_matte.hairline (blue)."""
    import cv2

    from faceplate.foundation.drawing import write_png
    from faceplate.nodes.io import colour

    def srgb(x):
        return np.clip(
            colour.convert(np.ascontiguousarray(x, np.float32), colour.WORKING_SPACE, colour.SRGB_ENCODED), 0, 1
        )

    matte = out.channel("fp_matte.face")
    ys, xs = np.nonzero(matte > 0)
    y0, x0 = max(ys.min() - 30, 0), max(xs.min() - 30, 0)
    y1, x1 = ys.max() + 30, xs.max() + 30
    cells = [srgb(p[y0:y1, x0:x1]) for p in (plate_rgb, *extra, rgb_of(out))]
    big = [cv2.resize(c, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST) for c in cells]
    write_png(os.path.join(folder, f"before_after_{name}.png"), np.concatenate(big, axis=1))
    layers = np.stack(
        [out.channel(c)[y0:y1, x0:x1] for c in ("fp_matte.face", "fp_matte.jaw", "fp_matte.hairline")], axis=2
    )
    overlay = 0.5 * srgb(plate_rgb[y0:y1, x0:x1]) + 0.5 * layers
    write_png(
        os.path.join(folder, f"mattes_{name}.png"),
        cv2.resize(overlay, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST),
    )

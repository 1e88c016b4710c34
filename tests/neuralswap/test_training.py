"""The swap trainer on the CPU with the tiny preset, on face-sets built from the two real photos."""

import json
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.dirname(__file__))

from swap_facesets import build_faceset

from faceplate.actions.model_training import load_identities, train_swap
from faceplate.foundation.errors import FaceplateError
from faceplate.models.swap import SwapModel, preset
from faceplate.models.swap.trained import load_swap_model
from faceplate.models.trainer.loop import StopTraining
from faceplate.models.trainer.swap_task import SwapTask

# Trained vs untrained reconstruction PSNR, tiny preset, 400 steps (200 per stage), seed 0: measured
# 10.71 -> 17.47 dB (+6.8 dB) in 34 s on 2 idle cores. Before the init and fade fixes: +1.5 dB after 200 steps.
PSNR_MARGIN_DB = 4.0


@pytest.fixture(scope="module")
def facesets(tmp_path_factory):
    root = tmp_path_factory.mktemp("facesets")
    return {"A": build_faceset(str(root / "A"), "astronaut", "A"), "B": build_faceset(str(root / "B"), "hopper", "B")}


@pytest.fixture(scope="module")
def trained(facesets, tmp_path_factory):
    """A tiny model trained once for the module (about 35 s on 2 idle cores)."""
    folder = str(tmp_path_factory.mktemp("model") / "ab")
    result = train_swap(
        facesets,
        folder,
        preset="tiny",
        steps=400,
        steps_per_stage=200,
        checkpoint_every=200,
        preview_every=200,
        progress=False,
    )
    return folder, result


def _weights(folder):
    return {k: v.clone() for k, v in load_swap_model(folder).state_dict().items()}


def test_presets_build_and_grow():
    for name in ("tiny", "256", "512", "1024"):
        p = preset(name)
        assert p.stage_resolutions[-1] == p.resolution
    p = preset("tiny")
    model = SwapModel(p, ["A", "B"])
    for stage, res in enumerate(p.stage_resolutions):
        for alpha in (0.3, 1.0):
            rgb, matte = model(torch.rand(2, 3, res, res), "B", stage, alpha)
            assert rgb.shape == (2, 3, res, res) and matte.shape == (2, 1, res, res)
            assert 0.0 <= float(rgb.detach().min()) and float(rgb.detach().max()) <= 1.0
    assert p.stage_at(0, 100) == (0, 1.0)
    assert p.stage_at(100, 100)[0] == 1 and p.stage_at(100, 100)[1] < 0.1
    assert p.stage_at(10_000, 100) == (1, 1.0)
    with pytest.raises(FaceplateError, match="unknown preset"):
        preset("2k")


def test_training_improves_reconstruction(facesets, trained):
    folder, result = trained
    task = SwapTask(load_identities(facesets), preset("tiny"))
    torch.manual_seed(0)
    before = task.reconstruction_psnr(SwapModel(preset("tiny"), ["A", "B"]))
    after = task.reconstruction_psnr(load_swap_model(folder))
    print(f"reconstruction PSNR: untrained {before:.2f} dB, trained {after:.2f} dB, {result.seconds:.0f} s")
    assert after >= before + PSNR_MARGIN_DB
    # Wall time is reported, not asserted: it depends on what else the 2 shared cores run.
    assert result.history[-1]["total"] < result.history[0]["total"]
    for name in ("loss_curve.png", "model.pt", "training.json", os.path.join("checkpoints", "last.pt")):
        assert os.path.isfile(os.path.join(folder, name)), name
    assert sorted(os.listdir(os.path.join(folder, "previews"))) == ["step_0000200.png", "step_0000400.png"]


def test_stopped_training_resumes_from_last_checkpoint_and_matches(facesets, tmp_path):
    common = dict(
        preset="tiny", steps=12, steps_per_stage=8, checkpoint_every=5, preview_every=0, progress=False, seed=3
    )
    straight = str(tmp_path / "straight")
    train_swap(facesets, straight, **common)

    def kill_at_7(step, losses):
        if step == 7:
            raise StopTraining

    stopped = str(tmp_path / "stopped")
    first = train_swap(facesets, stopped, on_step=kill_at_7, **common)
    assert first.step == 7
    assert torch.load(os.path.join(stopped, "checkpoints", "last.pt"), weights_only=True)["step"] == 5
    with pytest.raises(FaceplateError, match="--resume"):
        train_swap(facesets, stopped, **common)
    resumed = train_swap(facesets, stopped, resume=True, **common)
    assert resumed.resumed_from == 5 and resumed.step == 12
    assert [h["step"] for h in resumed.history] == list(range(1, 13))
    a, b = _weights(straight), _weights(stopped)
    assert all(torch.equal(a[k], b[k]) for k in a), "resumed training differs from an uninterrupted one"


def test_same_seed_same_model_other_seed_differs(facesets, tmp_path):
    common = dict(preset="tiny", steps=4, checkpoint_every=100, preview_every=0, progress=False)
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        train_swap(facesets, str(tmp_path / name), seed=seed, **common)
    a, b, c = (_weights(str(tmp_path / n)) for n in "abc")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_resume_with_other_settings_is_refused(facesets, tmp_path):
    folder = str(tmp_path / "m")
    train_swap(facesets, folder, preset="tiny", steps=2, progress=False, preview_every=0)
    with pytest.raises(FaceplateError, match="identities"):
        train_swap(
            {"B": facesets["B"], "A": facesets["A"]}, folder, preset="tiny", steps=4, resume=True, progress=False
        )


def _copy_set(src, dst):
    import shutil

    shutil.copytree(src, dst)
    return str(dst)


def test_bad_facesets_are_clear_errors_before_training(facesets, tmp_path):
    out = str(tmp_path / "never")
    cases = []
    empty = tmp_path / "empty"
    empty.mkdir()
    cases.append((str(empty), "no manifest.json"))
    nofaces = _copy_set(facesets["A"], tmp_path / "nofaces")
    with open(os.path.join(nofaces, "manifest.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(nofaces, "manifest.json"), "w") as f:
        json.dump({**manifest, "faces": []}, f)
    cases.append((nofaces, "empty"))
    broken = _copy_set(facesets["A"], tmp_path / "broken")
    with open(os.path.join(broken, manifest["faces"][3]["image"]), "wb") as f:
        f.write(b"\x89PNG not really")
    cases.append((broken, "cannot be (read|decoded)"))
    mixed = _copy_set(facesets["A"], tmp_path / "mixed")
    build_faceset(str(tmp_path / "big"), "astronaut", "A", count=1, size=80)
    os.replace(str(tmp_path / "big" / "faces" / "A_t01_001001.png"), os.path.join(mixed, manifest["faces"][5]["image"]))
    cases.append((mixed, "mixed crop sizes"))
    cases.append((str(tmp_path / "nowhere"), "no such folder"))
    for folder, message in cases:
        with pytest.raises(FaceplateError, match=message) as info:
            train_swap({"A": folder, "B": facesets["B"]}, out, preset="tiny", steps=2, progress=False)
        assert folder in str(info.value)
    with pytest.raises(FaceplateError, match="two or more"):
        train_swap({"A": facesets["A"]}, out, preset="tiny", steps=2, progress=False)
    assert not os.path.exists(os.path.join(out, "checkpoints"))


def _embedding(backend, face: torch.Tensor, landmarks, scale: int = 4):
    """dlib 128-D embedding of a ``(3, R, R)`` [0, 1] face, upscaled ``scale`` times, at known landmarks."""
    import cv2
    import numpy as np

    image = (face.permute(1, 2, 0).clamp(0, 1).numpy() * 255.0).round().astype(np.uint8)
    side = image.shape[0] * scale
    image = np.ascontiguousarray(cv2.resize(image, (side, side), interpolation=cv2.INTER_CUBIC))
    return backend.embed(image, np.asarray(landmarks, np.float64) * scale)


def test_swap_moves_identity_embedding_toward_target(facesets, trained):
    """A's faces redrawn by B's decoder are closer (dlib 128-D embedding, Euclidean) to B's real faces than
    A's own reconstructions are: a relative measure, so it holds at 64 px."""
    import numpy as np

    from faceplate.nodes.facedetect.dlib_backend import DlibBackend

    folder, _ = trained
    model = load_swap_model(folder)
    task = SwapTask(load_identities(facesets), preset("tiny"))
    backend = DlibBackend()
    picks = [0, 8, 16]
    faces_a = task.clean_faces(0, picks, 64)
    faces_b = task.clean_faces(1, picks, 64)
    with torch.no_grad():
        as_a, _ = model(faces_a, "A")
        as_b, _ = model(faces_a, "B")
    marks_a = [task.facesets[0].landmarks[i] for i in picks]
    marks_b = [task.facesets[1].landmarks[i] for i in picks]
    target = np.mean([_embedding(backend, f, m) for f, m in zip(faces_b, marks_b)], 0)
    own = [np.linalg.norm(_embedding(backend, f, m) - target) for f, m in zip(as_a, marks_a)]
    swapped = [np.linalg.norm(_embedding(backend, f, m) - target) for f, m in zip(as_b, marks_a)]
    print(f"distance to B's embedding: A reconstructed {np.mean(own):.3f}, A redrawn as B {np.mean(swapped):.3f}")
    assert np.mean(swapped) < np.mean(own) - 0.05


def test_losses_are_fp32_under_mixed_precision():
    """Under bf16 autocast (the trainer's CUDA path; CPU autocast runs the same code) the loss terms match
    the fp32 ones. Late in training the prediction is close to the target, where SSIM's variances
    (E[x²] - E[x]²) cancel: computed in bf16 the DSSIM came out 0.097 against 0.027 in fp32."""
    from faceplate.models.trainer.swap_task import SwapOptions, SwapTrainModule

    torch.manual_seed(0)
    p = preset("tiny")
    options = SwapOptions()
    module = SwapTrainModule(SwapModel(p, ["A", "B"]), options)
    r = p.resolution
    last = p.steps_per_stage * p.stages
    images = torch.rand(4, 3, r, r)
    with torch.no_grad():
        stage, alpha = p.stage_at(last, options.steps_per_stage)
        rgb = torch.cat([out for out, _ in module.model.reconstruct_all(list(images.chunk(2)), stage, alpha)])
        batch = {
            "input": images,
            "target": (rgb + 0.01 * torch.randn_like(rgb)).clamp(0, 1),
            "matte": torch.ones(4, 1, r, r),
            "features": torch.zeros(4, 1, r, r),
        }
        plain = module(batch, last)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            mixed = module(batch, last)
    for name, value in plain.items():
        assert mixed[name].dtype == torch.float32, name
        # The network runs in bf16 (about 3 significant digits); the loss maths must not add to that.
        assert abs(float(mixed[name]) - float(value)) <= 0.1 * float(value) + 1e-4, (name, mixed, plain)

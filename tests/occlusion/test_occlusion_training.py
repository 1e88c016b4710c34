"""Per-shot occlusion training: held-out occluders, corrections, export, CLI, bad input.

Figures (IoU, time) are printed; run with ``-s`` to see them. The full run (IoU >= 0.8, 900 steps) is
marked slow; the in-suite run trains 200 steps and holds a lower, stated bar.
"""

import json
import os
import time

import cv2
import numpy as np
import pytest
from occlusion_heldout import MODEL_SIZE, SIZE, HeldOutShot, graph_of, occlusion_iou, write_faceset

from faceplate.foundation.errors import FaceplateError
from faceplate.models.trainer.corrections import CorrectionError, find_corrections, load_corrections
from faceplate.models.trainer.faceset import load_faceset

CLEAN_FRAMES = list(range(1001, 1041, 2))  # the face-set: the shot's faces at odd frames, without occluders
EVAL_FRAMES = list(range(1002, 1041, 5))  # even frames (none in the face-set), each inside an occluder's block
IN_SUITE_STEPS = 200
FULL_STEPS = 900


@pytest.fixture(scope="module")
def faceset(tmp_path_factory):
    return write_faceset(str(tmp_path_factory.mktemp("occ") / "faceset"), HeldOutShot("Plate"), CLEAN_FRAMES)


@pytest.fixture(scope="module")
def evaluation():
    source = HeldOutShot("Plate", occluded=range(1001, 1041), seed=3)
    graph, node = graph_of(source, (1001, 1040))
    return graph, node, source


def _train(faceset, out, steps, **kwargs):
    import torch

    from faceplate.actions.model_training import export_occlusion_model, train_occlusion

    torch.set_num_threads(2)
    began = time.perf_counter()
    result = train_occlusion(
        [faceset], str(out), steps=steps, preview_every=0, checkpoint_every=10**6, progress=False, seed=1, **kwargs
    )
    path = export_occlusion_model(str(out))
    return result, path, time.perf_counter() - began


def _compare(evaluation, path, label):
    graph, node, source = evaluation
    node["model"] = "default"
    default = occlusion_iou(graph, node, source, EVAL_FRAMES)
    node["model"] = path
    try:
        shot = occlusion_iou(graph, node, source, EVAL_FRAMES)
    finally:
        node["model"] = "default"
    print(
        f"\n[{label}] occlusion IoU on {len(EVAL_FRAMES)} held-out frames: per-shot {shot:.3f}, "
        f"shipped default {default:.3f}"
    )
    return shot, default


def test_per_shot_training_beats_the_default_on_held_out_occluders(faceset, evaluation, tmp_path):
    """In-suite (about a minute on two cores): a short fine-tune of the default on the shot's face-set.
    Bar, lower than the issue's 0.8 (the slow test below holds that): better than the shipped default on
    the same frames, and IoU >= 0.75 (measured: 0.779 against default v2's 0.763; against v1, 0.756 vs 0.694)."""
    result, path, seconds = _train(faceset, tmp_path / "model", IN_SUITE_STEPS)
    shot, default = _compare(evaluation, path, f"in-suite, {IN_SUITE_STEPS} steps, {seconds:.0f} s")
    assert result.step == IN_SUITE_STEPS
    assert shot > default
    assert shot >= 0.75


@pytest.mark.slow
def test_full_per_shot_training_reaches_iou_0_8(faceset, evaluation, tmp_path):
    """The issue's bar: IoU >= 0.8 on held-out occluders after at most 10 minutes of CPU training, and
    better than the shipped default on the same frames (measured: 0.808 vs 0.694, 900 steps, 202 s wall,
    377 s CPU on 2 threads)."""
    result, path, seconds = _train(faceset, tmp_path / "model", FULL_STEPS)
    shot, default = _compare(evaluation, path, f"full, {FULL_STEPS} steps, {seconds:.0f} s")
    with open(tmp_path / "model" / "training.json") as f:
        info = json.load(f)
    print(f"training: {info['seconds']} s wall, {info['cpu_seconds']} s CPU on {info['threads']} threads")
    assert result.step == FULL_STEPS
    assert seconds <= 600 or info["cpu_seconds"] / info["threads"] <= 600
    assert shot >= 0.8 and shot > default


def test_export_writes_onnx_card_and_weights_that_match(faceset, tmp_path):
    from faceplate.foundation.files import sha256_of
    from faceplate.models.registry import occlusion_model

    _, path, _ = _train(faceset, tmp_path / "model", 2, preset="tiny", init="none")
    _, card = occlusion_model(path)
    assert card["sha256"] == sha256_of(path) and card["resolution"] == 64
    assert card["colour_space"] == "sRGB Encoded Rec.709 (sRGB)" and card["parity_max_abs"] <= 1e-4
    assert "(N, 3, 64, 64)" in card["inputs"] and "hidden" in card["outputs"]
    assert os.path.isfile(os.path.join(os.path.dirname(path), card["weights"]))


# -- corrections ---------------------------------------------------------------------------------------------


def _matte(path, size=SIZE, value=1.0):
    from faceplate.foundation.drawing import write_png

    matte = np.zeros((size[1], size[0], 3), np.float32)
    cv2.circle(matte, (200, 160), 40, (value,) * 3, -1)
    write_png(str(path), matte)
    return str(path)


def test_corrections_are_warped_into_each_faces_aligned_space(faceset, tmp_path):
    path = _matte(tmp_path / "occ.1003.png")
    (correction,) = load_corrections(find_corrections(str(tmp_path / "occ.####.png")), [load_faceset(faceset)])
    assert correction.frame == 1003 and correction.matte.shape == (MODEL_SIZE, MODEL_SIZE)
    with open(os.path.join(faceset, "manifest.json")) as f:
        entry = next(e for e in json.load(f)["faces"] if e["frame"] == 1003)
    m = np.asarray(entry["aligned_from_plate"])
    x, y = m[:, :2] @ [200.0, 160.0] + m[:, 2]  # the disc's centre, in aligned pixels
    assert correction.matte[int(y), int(x)] == pytest.approx(1.0, abs=0.02)
    assert path == correction.path


def test_a_correction_of_the_wrong_size_names_the_file_and_both_sizes(faceset, tmp_path):
    _matte(tmp_path / "occ.1003.png", size=(200, 150))
    with pytest.raises(
        CorrectionError,
        match=r"occ\.1003\.png \(frame 1003\): is 200x150 but the plate is 400x300.*"
        r"reformat",
    ):
        load_corrections(find_corrections(str(tmp_path)), [load_faceset(faceset)])


def test_a_correction_outside_the_shot_names_the_frame_and_the_range(faceset, tmp_path):
    _matte(tmp_path / "occ.1200.png")
    with pytest.raises(
        CorrectionError,
        match=r"occ\.1200\.png \(frame 1200\): frame 1200 is outside the shot's "
        r"range 1001-1039",
    ):
        load_corrections(find_corrections(str(tmp_path)), [load_faceset(faceset)])


def test_a_correction_for_a_frame_without_a_face_says_so(faceset, tmp_path):
    _matte(tmp_path / "occ.1002.png")  # the face-set keeps odd frames only
    with pytest.raises(CorrectionError, match=r"frame 1002 has no face in the face-sets"):
        load_corrections(find_corrections(str(tmp_path)), [load_faceset(faceset)])


def test_no_corrections_found_and_unreadable_ones_are_clear(tmp_path):
    with pytest.raises(CorrectionError, match="no correction mattes found"):
        find_corrections(str(tmp_path))
    (tmp_path / "occ.1003.png").write_bytes(b"not a png")
    from faceplate.models.trainer.corrections import read_matte

    with pytest.raises(CorrectionError, match=r"occ\.1003\.png: cannot be read"):
        read_matte(str(tmp_path / "occ.1003.png"))


def test_training_with_corrections_weights_them(faceset, evaluation, tmp_path):
    """Two artist-corrected frames of the shot train with the rest (a few steps: the plumbing, not the figure)."""
    graph, node, source = evaluation
    corrected = HeldOutShot("Plate", occluded=CLEAN_FRAMES[:2], seed=3)
    for frame in CLEAN_FRAMES[:2]:
        from faceplate.foundation.drawing import write_png

        write_png(str(tmp_path / f"occ.{frame}.png"), np.repeat(corrected.truth(frame)[..., None], 3, 2))
    result, path, _ = _train(
        faceset, tmp_path / "model", 2, preset="tiny", init="none", corrections=str(tmp_path / "occ.####.png")
    )
    with open(tmp_path / "model" / "training.json") as f:
        assert len(json.load(f)["corrections"]) == 2
    assert result.step == 2 and os.path.isfile(path)


# -- CLI -------------------------------------------------------------------------------------------------------


def test_cli_occlusion_needs_a_faceset_and_rejects_swap_options(tmp_path, capsys):
    from faceplate.cli import main

    assert main(["train", "--task", "occlusion", "-o", str(tmp_path / "m")]) == 2
    assert "--faceset DIR" in capsys.readouterr().err
    assert main(["train", "--task", "occlusion", "--identity", "A=x", "-o", str(tmp_path / "m")]) == 2
    assert "--identity is for swap models" in capsys.readouterr().err
    assert main(["train", "--task", "occlusion", "--faceset", "x", "--preset", "512", "-o", str(tmp_path / "m")]) == 2
    assert "unknown occlusion preset '512'" in capsys.readouterr().err
    assert main(["train", "--faceset", "x", "-o", str(tmp_path / "m")]) == 2  # swap is the default task
    assert "needs --identity" in capsys.readouterr().err


def test_cli_trains_and_exports_an_occlusion_model(faceset, tmp_path, capsys):
    from faceplate.cli import main

    out = tmp_path / "m"
    code = main(
        [
            "train",
            "--task",
            "occlusion",
            "--faceset",
            faceset,
            "--preset",
            "tiny",
            "--init",
            "none",
            "--steps",
            "2",
            "--preview-every",
            "0",
            "--workers",
            "0",
            "-q",
            "-o",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr()
    assert "occluder.onnx" in capsys.readouterr().out and (out / "occluder.card.json").is_file()


def test_cli_bad_corrections_exit_2_naming_the_file(faceset, tmp_path, capsys):
    from faceplate.cli import main

    _matte(tmp_path / "occ.1003.png", size=(64, 64))
    code = main(
        [
            "train",
            "--task",
            "occlusion",
            "--faceset",
            faceset,
            "--corrections",
            str(tmp_path / "occ.####.png"),
            "--preset",
            "tiny",
            "--init",
            "none",
            "--steps",
            "2",
            "-q",
            "-o",
            str(tmp_path / "m"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 2 and "occ.1003.png (frame 1003): is 64x64 but the plate is 400x300" in captured.out + captured.err


def test_init_of_another_architecture_is_a_clear_error(faceset, tmp_path):
    from faceplate.actions.model_training import train_occlusion

    with pytest.raises(FaceplateError, match=r"--init default: .* preset 'tiny' .*--init none"):
        train_occlusion([faceset], str(tmp_path / "m"), preset="tiny", init="default", steps=1, progress=False)

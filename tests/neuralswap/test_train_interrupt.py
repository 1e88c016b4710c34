"""Ctrl-C (SIGINT) or SIGTERM during `faceplate train`: a checkpoint after the current step, exit 128 + signal with
one line saying how to resume, and `--resume` reaches the very weights of an uninterrupted run of the same seed."""

import os
import signal
import subprocess
import sys
import time

import pytest
import torch

sys.path.insert(0, os.path.dirname(__file__))

from swap_facesets import build_faceset, train_command

STEPS = 30


@pytest.fixture(scope="module")
def facesets(tmp_path_factory):
    root = tmp_path_factory.mktemp("facesets")
    return {"A": build_faceset(str(root / "A"), "astronaut", "A"), "B": build_faceset(str(root / "B"), "hopper", "B")}


def _command(facesets, out):
    # A fixed --threads: the thread count changes the order of float sums, so only a fixed one is bit-exact.
    return train_command(
        facesets,
        out,
        STEPS,
        *("--steps-per-stage", "15", "--checkpoint-every", "1000", "--preview-every", "4"),
        *("--workers", "1", "--threads", "1", "--seed", "3"),
    )


def _load(path):
    return torch.load(path, map_location="cpu", weights_only=True)


def _assert_same(a, b, where=""):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_same(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


@pytest.fixture(scope="module")
def uninterrupted(facesets, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("whole") / "m")
    done = subprocess.run(_command(facesets, out), capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_then_resume_gives_the_uninterrupted_weights(facesets, uninterrupted, tmp_path, signum, code):
    out = str(tmp_path / "m")
    command = _command(facesets, out)
    proc = subprocess.Popen(command, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 900
        while not os.path.exists(os.path.join(out, "previews", "step_0000004.png")):  # mid-training
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no preview after 900 s"
            time.sleep(0.02)
        os.killpg(proc.pid, signum)  # as Ctrl-C does: the trainer and its data-loader worker
        stdout, stderr = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == code, stdout + stderr
    # One line about the interrupt; the face-sets' coverage warnings (printed before training) aside.
    lines = [line for line in stderr.strip().splitlines() if not line.startswith("faceplate: warning:")]
    assert len(lines) == 1, stderr
    saved = _load(os.path.join(out, "checkpoints", "last.pt"))
    step = saved["step"]
    assert 4 <= step < STEPS
    assert lines[0].startswith(f"faceplate: interrupted at step {step}; checkpoint ")
    assert lines[0].endswith(" --resume") and "to continue run: faceplate train " in lines[0]
    assert not os.path.exists(os.path.join(out, "model.pt")), "an interrupted run must not look finished"

    resumed = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=1200)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"(resumed from step {step})" in resumed.stdout
    whole, parts = (_load(os.path.join(f, "checkpoints", "last.pt")) for f in (uninterrupted, out))
    for key in ("module", "ema", "optimiser", "rng"):
        _assert_same(whole[key], parts[key], key)
    _assert_same(whole["history"], parts["history"], "history")
    _assert_same(
        _load(os.path.join(uninterrupted, "model.pt"))["weights"],
        _load(os.path.join(out, "model.pt"))["weights"],
        "model.pt",
    )

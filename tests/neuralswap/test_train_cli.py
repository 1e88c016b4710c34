"""``faceplate train`` as a command: bad input, a kill mid-way then ``--resume``, and ``--distributed`` under
torchrun (gloo, two CPU processes)."""

import glob
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

sys.path.insert(0, os.path.dirname(__file__))

from swap_facesets import build_faceset

from faceplate.cli import main


@pytest.fixture(scope="module")
def facesets(tmp_path_factory):
    root = tmp_path_factory.mktemp("facesets")
    return {"A": build_faceset(str(root / "A"), "astronaut", "A"), "B": build_faceset(str(root / "B"), "hopper", "B")}


def _env():
    # One thread per process: two torchrun ranks (or a run and its loader workers) share the 2 cores.
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def _ids(facesets):
    return ["--identity", f"A={facesets['A']}", "--identity", f"B={facesets['B']}"]


def _load(path):
    return torch.load(path, map_location="cpu", weights_only=True)


def test_bad_input_exits_2_with_one_line_naming_the_folder(facesets, tmp_path, capsys):
    out = str(tmp_path / "never")
    missing = str(tmp_path / "no_such_faceset")
    code = main(
        ["train", "--identity", f"A={missing}", "--identity", f"B={facesets['B']}", "-o", out, "--preset", "tiny", "-q"]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("faceplate: error:") and missing in err[0], err
    assert not os.path.exists(out)

    code = main(["train", "--identity", f"A={facesets['A']}", "-o", out, "--preset", "tiny", "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "two or more identities" in err[0], err
    assert not os.path.exists(out)


def test_killed_training_resumes_from_its_last_checkpoint(facesets, tmp_path):
    out = str(tmp_path / "m")
    steps, every = 80, 5
    cmd = [
        sys.executable,
        "-m",
        "faceplate.cli",
        "train",
        *_ids(facesets),
        "-o",
        out,
        "--preset",
        "tiny",
        "--steps",
        str(steps),
        "--steps-per-stage",
        "40",
        "--checkpoint-every",
        str(every),
        "--preview-every",
        "0",
        "--workers",
        "1",
        "--no-export",
        "-q",
        "--seed",
        "5",
    ]
    last = os.path.join(out, "checkpoints", "last.pt")
    proc = subprocess.Popen(cmd, start_new_session=True, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(last):
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "no checkpoint after 60 s"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its data-loader worker, mid-training
        proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    # The checkpoint is whole (written atomically); a torn write could only be a leftover .partial-* file.
    state = _load(last)
    saved = state["step"]
    assert saved % every == 0 and 0 < saved < steps, saved
    assert [h["step"] for h in state["history"]] == list(range(1, saved + 1))
    leftovers = set(os.listdir(os.path.dirname(last))) - {"last.pt"}
    assert all(name.startswith("last.pt.partial-") for name in leftovers), leftovers
    assert not os.path.exists(os.path.join(out, "model.pt")), "killed run must not look finished"

    # Without --resume the folder is refused; with it the run continues from the saved step to the end.
    again = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "--resume" in again.stderr
    done = subprocess.run(cmd + ["--resume"], env=_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"trained {steps} steps" in done.stdout and f"(resumed from step {saved})" in done.stdout, done.stdout
    final = _load(last)
    assert final["step"] == steps
    history = [h["step"] for h in final["history"]]
    assert history == list(range(1, steps + 1))
    assert final["history"][:saved] == state["history"]  # the steps before the kill are kept, not redone
    import json

    with open(os.path.join(out, "training.json")) as f:
        assert json.load(f)["steps"] == steps
    assert _load(os.path.join(out, "model.pt"))["step"] == steps


def _weights(folder):
    return _load(os.path.join(folder, "model.pt"))["weights"]


def test_distributed_two_gloo_processes(facesets, tmp_path):
    """torchrun --nproc-per-node 2 on the CPU: completes, rank 0 alone writes, both ranks' (different) batches
    are averaged into one model: it differs from a single-process run of the same seed and equals a re-run."""
    args = [
        *_ids(facesets),
        "--preset",
        "tiny",
        "--steps",
        "6",
        "--checkpoint-every",
        "3",
        "--preview-every",
        "0",
        "--workers",
        "0",
        "--no-export",
        "-q",
        "--seed",
        "1",
    ]

    def distributed(out, expect_ok=True):
        cmd = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc-per-node",
            "2",
            "-m",
            "faceplate.cli",
            "train",
            *args,
            "-o",
            out,
            "--distributed",
        ]
        done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=120)
        if not expect_ok:
            return done
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.count("trained 6 steps") == 1, done.stdout  # rank 0 alone reports
        return done

    # The two ranks draw different samples for the same step (a rank's batch is seeded by (seed, step, rank)).
    from faceplate.actions.model_training import load_identities
    from faceplate.models.swap import preset
    from faceplate.models.trainer.swap_task import SwapTask

    task = SwapTask(load_identities(facesets), preset("tiny"), seed=1)
    (r0,), (r1,) = (list(task.batches(0, 1, rank, 2)) for rank in (0, 1))
    tensors = [k for k, v in r0.items() if isinstance(v, torch.Tensor) and v.is_floating_point()]
    assert tensors and not all(torch.equal(r0[k], r1[k]) for k in tensors)

    d1, d2 = str(tmp_path / "d1"), str(tmp_path / "d2")
    distributed(d1)
    distributed(d2)
    assert main(["train", *args, "-o", str(tmp_path / "single")]) == 0

    for folder in (d1, d2):
        # rank 0 alone writes: one checkpoint, one model, no temporary files left by a second writer
        assert sorted(os.listdir(os.path.join(folder, "checkpoints"))) == ["last.pt"]
        assert sorted(glob.glob(os.path.join(folder, "*.pt"))) == [os.path.join(folder, "model.pt")]
        assert _load(os.path.join(folder, "checkpoints", "last.pt"))["step"] == 6
    a, b, single = _weights(d1), _weights(d2), _weights(str(tmp_path / "single"))
    assert all(torch.equal(a[k], b[k]) for k in a), "the same distributed command gave another model"
    assert not all(torch.equal(a[k], single[k]) for k in a), "rank 1's batches left no mark on the model"

    # A folder that holds a training is refused under torchrun too (an error, not a hang of the other rank).
    refused = distributed(d1, expect_ok=False)
    assert refused.returncode != 0 and "--resume" in refused.stderr, refused.stderr

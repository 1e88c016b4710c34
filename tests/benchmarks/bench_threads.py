"""Training and rendering on a shared machine: faceplate's thread policy against one thread, same run.

Training: 60 tiny-preset steps through ``faceplate train`` (the whole command, start-up included), with
the default thread policy (:mod:`faceplate.foundation.threads`: the free cores, followed while training), with
``OMP_NUM_THREADS=1`` (the reference under load) and with ``--threads N`` (N = the usable cores: torch's own
default, what faceplate did before the policy), each beside four other torch processes (two threads each,
a busy loop of matmuls) and on an idle machine. Rendering: ``faceplate render -j 2`` of a tracked shot (the
default graph: OcclusionMask runs its ONNX model in each worker) beside a training, with the policy and with
``OMP_NUM_THREADS=1``, and idle.

Cases alternate (policy, reference, policy, ...) so that drifting background load hits both; each figure
is the median of the repeats. Goals (issue 20): loaded policy <= 1.25x the one-thread time (ratio >= 0.8),
idle policy no slower than torch's default threads (ratio >= 0.95, noise allowed).

    python tests/benchmarks/bench_threads.py [--quick] [--only train|render] [--repeat N] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchtable import emit, row

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "neuralswap"))

from swap_facesets import build_faceset, train_command  # noqa: E402

_BUSY = """
import torch, time
torch.set_num_threads(2)
a = torch.randn(384, 384)
end = time.monotonic() + 1800
while time.monotonic() < end:
    b = a @ a
"""


@contextlib.contextmanager
def busy_neighbours(count: int = 4):
    """``count`` other torch processes, two threads each, multiplying matrices until the block ends."""
    procs = [
        subprocess.Popen([sys.executable, "-c", _BUSY], env={**os.environ, "OMP_NUM_THREADS": "2"})
        for _ in range(count)
    ]
    time.sleep(3.0)  # past their start-up: the load is there when the measured command starts
    try:
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


@contextlib.contextmanager
def background_training(facesets: dict[str, str], folder: str):
    """A long ``faceplate train`` (the default thread policy) running beside the measured command."""
    out = tempfile.mkdtemp(dir=folder, prefix="bg-train-")
    proc = subprocess.Popen(
        _train_command(facesets, os.path.join(out, "m"), steps=100000),
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(8.0)  # imports, face-sets, first steps
    try:
        yield
    finally:
        proc.send_signal(2)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(out, ignore_errors=True)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def _train_command(facesets: dict[str, str], out: str, steps: int, extra: tuple[str, ...] = ()) -> list[str]:
    return train_command(facesets, out, steps, "--checkpoint-every", "100000", "--preview-every", "0", *extra)


def _run(command: list[str], env: dict[str, str], label: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:5])}... failed ({done.returncode}): {done.stderr[-2000:]}")
    seconds = time.perf_counter() - start
    print(f"  {label}: {seconds:.1f} s", file=sys.stderr, flush=True)  # each figure as it comes: long runs
    return seconds


def train_times(facesets, folder, steps, repeat, cases) -> dict[str, list[float]]:
    """Seconds of ``faceplate train`` per case (name -> (extra args, env)), cases interleaved."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for i in range(repeat):
        for name, (extra, env) in cases.items():
            out = os.path.join(folder, f"train-{name.replace(' ', '_')}-{i}")
            times[name].append(_run(_train_command(facesets, out, steps, extra), env, f"train {name}"))
            shutil.rmtree(out, ignore_errors=True)
    return times


def make_shot(folder: str) -> str:
    """The quick demo's shot, with the default graph, tracked: a script a render's workers run models on."""
    from faceplate.actions.demo.shot import write_shot
    from faceplate.cli import main
    from faceplate.cli.demo_workflow import QUICK

    write_shot(QUICK.shot, os.path.join(folder, "plates", "astronaut.####.exr"))
    here = os.getcwd()
    os.chdir(folder)
    try:
        assert main(["new", "shot.json", "--plate", "plates/astronaut.####.exr", "--force"]) == 0
        assert main(["track", "shot.json", "-q", "--no-sheets"]) == 0
    finally:
        os.chdir(here)
    return os.path.join(folder, "shot.json")


def render_times(script: str, repeat: int, cases) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in cases}
    render = os.path.join(os.path.dirname(script), "render")
    for _ in range(repeat):
        for name, env in cases.items():
            shutil.rmtree(render, ignore_errors=True)
            command = [sys.executable, "-m", "faceplate.cli", "render", script, "-j", "2", "-q"]
            times[name].append(_run(command, env, f"render {name}"))
    return times


def rows(quick: bool = False, only: str | None = None, repeats: int | None = None) -> list[dict]:
    """The figures: training and rendering (``only``: one of them); ``repeats`` overrides the repeat count."""
    from faceplate.foundation.threads import usable_cores

    cores = usable_cores()
    repeat = repeats or (1 if quick else 2)
    steps = 60
    folder = tempfile.mkdtemp(prefix="bench-threads-")
    out = []
    try:
        facesets = {
            "A": build_faceset(os.path.join(folder, "A"), "astronaut", "A"),
            "B": build_faceset(os.path.join(folder, "B"), "hopper", "B"),
        }
        if only != "render":
            policy = ((), _env())
            one = ((), _env(OMP_NUM_THREADS="1"))
            every = (("--threads", str(cores)), _env())
            print("beside 4 busy torch processes:", file=sys.stderr, flush=True)
            with busy_neighbours():
                loaded = train_times(
                    facesets,
                    folder,
                    steps,
                    repeat,
                    {"policy": policy, "one": one} if quick else {"policy": policy, "one": one, "every": every},
                )
            print("idle:", file=sys.stderr, flush=True)
            idle = train_times(facesets, folder, steps, repeat, {"policy": policy, "one": one, "every": every})
            med = {k: statistics.median(v) for k, v in loaded.items()}
            note = f"{steps} tiny steps, whole command; {cores} cores; 4 neighbours x 2 threads; median of {repeat}"
            if "every" in med:
                note += f"; --threads {cores} (torch's default) took {med['every']:.1f} s"
            out.append(
                row(
                    "train tiny 60 steps beside 4 busy torch processes",
                    med["policy"],
                    "s",
                    "same command, OMP_NUM_THREADS=1",
                    med["one"],
                    higher_is_better=False,
                    goal="ratio >= 0.8",
                    note=note,
                )
            )
            med_idle = {k: statistics.median(v) for k, v in idle.items()}
            out.append(
                row(
                    "train tiny 60 steps, idle machine",
                    med_idle["policy"],
                    "s",
                    f"same command, --threads {cores} (torch's default, before the policy)",
                    med_idle["every"],
                    higher_is_better=False,
                    goal="ratio >= 0.95",
                    note=f"OMP_NUM_THREADS=1 took {med_idle['one']:.1f} s; median of {repeat}",
                )
            )

        if only != "train":
            script = make_shot(os.path.join(folder, "shot"))
            render_cases = {"policy": _env(), "one": _env(OMP_NUM_THREADS="1")}
            with background_training(facesets, folder):
                beside = render_times(script, repeat, render_cases)
            alone = render_times(script, repeat, render_cases)
            med_b = {k: statistics.median(v) for k, v in beside.items()}
            med_a = {k: statistics.median(v) for k, v in alone.items()}
            out.append(
                row(
                    "render -j 2 (12 frames, default graph) beside a training",
                    med_b["policy"],
                    "s",
                    "same command, OMP_NUM_THREADS=1",
                    med_b["one"],
                    higher_is_better=False,
                    goal="ratio >= 0.8",
                    note=f"median of {repeat}; 1-min load average {os.getloadavg()[0]:.1f} at the end",
                )
            )
            out.append(
                row(
                    "render -j 2 (12 frames, default graph), idle",
                    med_a["policy"],
                    "s",
                    "same command, OMP_NUM_THREADS=1",
                    med_a["one"],
                    higher_is_better=False,
                    goal="ratio >= 0.95",
                    note=f"median of {repeat}; 1-min load average {os.getloadavg()[0]:.1f} at the end",
                )
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=("train", "render"), help="measure only the training or the rendering")
    parser.add_argument("--repeat", type=int, help="repeats of each case (default 2, --quick 1)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    emit(rows(args.quick, args.only, args.repeat), as_json=args.json)

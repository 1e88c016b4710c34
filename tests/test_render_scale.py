"""Rendering at scale: process pools and Dask, killed renders, resumes, determinism."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import faceplate
import faceplate.cli
from faceplate.nodes import Plate
from faceplate.nodes.io import read_image, write_image

FRAMES = 16


def _frame_pixels(frame, size=(512, 1024)):
    h, w = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    rng = np.random.default_rng(frame)
    rgba = np.stack([x / w * frame / FRAMES, y / h, np.full_like(x, frame / 100.0), np.ones_like(x)], axis=-1)
    return (rgba + rng.normal(0, 0.05, rgba.shape)).astype(np.float32)


@pytest.fixture(scope="module")
def shot(tmp_path_factory):
    """A 16-frame 1024x512 RGBA sequence and a bare Read -> Write script."""
    root = tmp_path_factory.mktemp("shot")
    (root / "plates").mkdir()
    for f in range(1, FRAMES + 1):
        write_image(Plate(_frame_pixels(f), ["R", "G", "B", "A"]), root / "plates" / f"sh.{f:04d}.exr")
    script = root / "s.json"
    assert (
        faceplate.cli.main(
            ["new", str(script), "--plate", str(root / "plates" / "sh.####.exr"), "--frames", f"1-{FRAMES}", "--bare"]
        )
        == 0
    )
    return root, script


def outputs(root):
    return sorted((root / "render").glob("sh_faceplate.*.exr")) if (root / "render").exists() else []


def assert_frames_correct(root, frames):
    for f in frames:
        plate = read_image(root / "render" / f"sh_faceplate.{f:04d}.exr")
        expected = _frame_pixels(f).astype(np.float16).astype(np.float32)
        np.testing.assert_array_equal(plate.pixels, expected, err_msg=f"frame {f}")


def clean(root):
    for p in (root / "render").glob("*") if (root / "render").exists() else []:
        p.unlink()


def test_kill_9_half_way_then_skip_existing_renders_exactly_the_missing_frames(shot, tmp_path):
    root, script = shot
    clean(root)
    proc = subprocess.Popen(
        [sys.executable, "-m", "faceplate.cli", "render", str(script), "-q", "-j", "2"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while len(outputs(root)) < 3 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = [int(p.name.split(".")[1]) for p in outputs(root)]
    assert 1 <= len(done) < FRAMES, f"kill was not half-way: {len(done)} frames done"
    assert_frames_correct(root, done)  # every visible frame is complete and correct

    report = tmp_path / "report.json"
    assert faceplate.cli.main(["render", str(script), "-q", "--skip-existing", "-j", "2", "--report", str(report)]) == 0
    statuses = {int(f): r["status"] for f, r in json.load(open(report))["frames"].items()}
    assert {f for f, s in statuses.items() if s == "skipped"} == set(done)
    assert {f for f, s in statuses.items() if s == "rendered"} == set(range(1, FRAMES + 1)) - set(done)
    assert_frames_correct(root, range(1, FRAMES + 1))
    assert not list((root / "render").glob(".*.partial")), "a killed writer's temp file was left behind"


def test_local_cluster_survives_a_killed_worker(shot):
    from distributed import Client, LocalCluster

    root, script = shot
    clean(root)
    graph = faceplate.Graph.load(script)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        pids = list(client.run(os.getpid).values())
        killed = []

        def on_frame(result):
            if not killed:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        report = faceplate.render(
            graph, range(1, FRAMES + 1), scheduler=cluster.scheduler_address, chunk=2, on_frame=on_frame
        )
    assert killed
    assert report.counts() == {"rendered": FRAMES, "skipped": 0, "failed": 0}, report.failed
    assert_frames_correct(root, range(1, FRAMES + 1))


def test_corrupt_frame_in_a_pool_render_fails_alone(shot, tmp_path):
    root, _ = shot
    import shutil

    plates = tmp_path / "plates"
    shutil.copytree(root / "plates", plates)
    damaged = os.path.join(
        os.path.dirname(__file__),
        "data",
        "openexr-images",
        "Damaged",
        "asan_heap-oob_7f4aaebde389_918_a40f029a8121e5e26fe338b1fb91846e_exr",
    )
    shutil.copy(damaged, plates / "sh.0005.exr")
    script = tmp_path / "s.json"
    assert (
        faceplate.cli.main(["new", str(script), "--plate", str(plates / "sh.####.exr"), "--frames", "1-8", "--bare"])
        == 0
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "faceplate.cli",
            "render",
            str(script),
            "-q",
            "-j",
            "2",
            "--chunk",
            "3",
            "--report",
            str(tmp_path / "r.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "sh.0005.exr (frame 5)" in result.stderr
    frames = json.load(open(tmp_path / "r.json"))["frames"]
    assert [f for f, r in frames.items() if r["status"] == "failed"] == ["5"]
    assert "Read 'Read1'" in frames["5"]["error"]
    written = sorted(p.name for p in (tmp_path / "render").iterdir())
    assert written == [f"sh_faceplate.{f:04d}.exr" for f in (1, 2, 3, 4, 6, 7, 8)]


def _digests(root):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in outputs(root)}


def test_renders_are_bit_identical_across_runs_and_schedulers(shot):
    root, script = shot
    runs = {}
    for name, args in {
        "serial": [],
        "serial again": [],
        "-j 2": ["-j", "2", "--chunk", "3"],
        "local:2": ["--scheduler", "local:2", "--chunk", "5"],
    }.items():
        clean(root)
        assert faceplate.cli.main(["render", str(script), "-q", *args]) == 0, name
        runs[name] = _digests(root)
    assert len(runs["serial"]) == FRAMES
    for name, digests in runs.items():
        assert digests == runs["serial"], f"{name} differs from the serial render"


def test_print_tasks_for_a_farm_manager(shot, capsys):
    root, script = shot
    assert faceplate.cli.main(["render", str(script), "--print-tasks", "--chunk", "5", "--skip-existing"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"faceplate render {script} --frames {r} -q --skip-existing" for r in ("1-5", "6-10", "11-15", "16")
    ]
    assert faceplate.cli.main(["render", str(script), "--print-tasks", "--chunk", "8", "--json"]) == 0
    job = json.loads(capsys.readouterr().out)
    assert job["script_hash"] == faceplate.Graph.load(script).script_hash()
    assert [t["frames"] for t in job["tasks"]] == ["1-8", "9-16"]
    assert set(job["exit_codes"]) == {"0", "1", "2"}


def test_unreachable_scheduler_is_a_clear_error(shot, capsys):
    root, script = shot
    assert faceplate.cli.main(["render", str(script), "-q", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err

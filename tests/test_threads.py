"""The thread policy of a shared machine (faceplate.foundation.threads), against real load."""

import os
import subprocess
import sys
import time

import pytest
import torch

from faceplate.foundation import threads

_BUSY = "import time\nend = time.monotonic() + 60\nwhile time.monotonic() < end:\n    pass\n"


@pytest.fixture
def busy_machine():
    """One busy process per usable core and one more: nothing is free."""
    procs = [subprocess.Popen([sys.executable, "-c", _BUSY]) for _ in range(threads.usable_cores() + 1)]
    time.sleep(0.5)
    yield
    for p in procs:
        p.kill()
        p.wait()


@pytest.fixture
def torch_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_free_cores_is_within_the_usable_cores():
    assert 1 <= threads.free_cores(0.1) <= threads.usable_cores()


def test_the_others_load_is_measured_and_this_process_is_not_counted(busy_machine):
    sampler = threads.LoadSampler()
    end = time.perf_counter() + 1.0
    while time.perf_counter() < end:  # this process busy too: it must not count as "others"
        pass
    others = sampler.sample()
    if others is None:
        pytest.skip("no /proc/stat here")
    cores = threads.usable_cores()
    # The busy processes (cores + 1 of them) share the cores with this one: they get most of the machine.
    assert others >= 0.5 * cores * (cores + 1) / (cores + 2), others
    assert others <= cores + 0.1, others
    assert threads.free_cores(0.5) == 1


def test_the_governor_drops_to_one_thread_when_the_cores_are_taken(busy_machine, torch_threads, monkeypatch):
    if threads.usable_cores() < 2:
        pytest.skip("one core: nothing to drop")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    governor = threads.ThreadGovernor(every=0.5)
    assert governor.threads == 1  # measured at the start
    torch.set_num_threads(threads.usable_cores())  # as if it had started on an idle machine
    end = time.perf_counter() + 1.2
    while time.perf_counter() < end:
        governor.step()
        time.sleep(0.01)
    assert governor.threads == 1 and governor.changes[-1][1] == 1 and len(governor.changes) == 2, governor.changes


def test_a_fixed_count_is_kept(torch_threads, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    governor = threads.ThreadGovernor(fixed=1, every=0.0)
    for _ in range(5):
        governor.step()
    assert governor.threads == 1 and governor.changes == [(0, 1)]
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert threads.explicit_threads() == 1 and threads.pool_threads(4) == 1
    assert threads.ThreadGovernor(every=0.0).fixed == 1


def test_train_rejects_zero_threads(tmp_path, capsys):
    from faceplate.cli import main

    assert main(["train", "--identity", "A=a", "--identity", "B=b", "-o", str(tmp_path / "m"), "--threads", "0"]) == 2
    assert "--threads must be 1 or more" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []

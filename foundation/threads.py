"""How many CPU threads to use when the machine may be shared.

torch's and ONNX Runtime's thread pools wait for their slowest thread at every parallel region, and their
idle threads spin. When other processes hold the cores, a pool of N threads waits a whole scheduler slice for
each descheduled thread: a small model's training step then ran 3.2x slower with torch's default threads than
with one (issue 20). So faceplate sizes its pools from the cores that are *free*, not the cores that exist:

- :func:`free_cores` measures, over a short window, how much CPU the *other* processes use (``/proc/stat``
  minus this process's own CPU time) and subtracts it from the cores this process may run on
  (``os.sched_getaffinity``);
- :class:`ThreadGovernor` re-measures while a training runs and moves torch's thread count between 1 and the
  free cores as neighbours come and go;
- an explicit count (``--threads N``) or ``OMP_NUM_THREADS`` in the environment always wins, unchanged.
"""

from __future__ import annotations

import os
import time


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity; cgroup quotas are not read)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def explicit_threads() -> int | None:
    """``OMP_NUM_THREADS`` when it is set to a whole number >= 1 (the user's choice), else None."""
    raw = os.environ.get("OMP_NUM_THREADS", "").strip()
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None


def _system_busy() -> float | None:
    """Seconds of CPU time all processes have used since boot (``/proc/stat``), or None off Linux."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    ticks = [int(v) for v in fields[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    busy = sum(ticks[:8]) - idle  # user nice system idle iowait irq softirq steal; guest is inside user
    return busy / os.sysconf("SC_CLK_TCK")


class LoadSampler:
    """CPU used by other processes between successive :meth:`sample` calls, in cores.

    Other = all processes' CPU time (``/proc/stat``) minus this process's (``time.process_time``, every
    thread), over the wall time between samples. Children of this process (data-loader workers) count as
    others: they compete for the same cores.
    """

    def __init__(self):
        self._last = (_system_busy(), time.process_time(), time.perf_counter())

    def sample(self) -> float | None:
        """Cores the other processes used since the last call (None off Linux or over a zero interval)."""
        now = (_system_busy(), time.process_time(), time.perf_counter())
        (busy0, own0, wall0), (busy1, own1, wall1) = self._last, now
        self._last = now
        if busy0 is None or busy1 is None or wall1 - wall0 <= 0:
            return None
        return max(0.0, ((busy1 - busy0) - (own1 - own0)) / (wall1 - wall0))


def free_cores(window: float = 0.25) -> int:
    """Usable cores not used by other processes, measured over ``window`` seconds (at least 1)."""
    sampler = LoadSampler()
    time.sleep(window)
    others = sampler.sample()
    cores = usable_cores()
    if others is None:
        others = max(0.0, os.getloadavg()[0] - 1.0) if hasattr(os, "getloadavg") else 0.0
    return max(1, min(cores, int(cores - others + 0.5)))


def pool_threads(workers: int = 1, window: float = 0.25) -> int:
    """Threads for each of ``workers`` processes that share this machine: ``OMP_NUM_THREADS`` when set,
    else the free cores divided among the workers (at least 1)."""
    explicit = explicit_threads()
    if explicit is not None:
        return explicit
    return max(1, free_cores(window) // max(1, workers))


class ThreadGovernor:
    """Keeps torch's intra-op thread count at the free cores while a loop runs.

    Call :meth:`step` once per iteration; every ``every`` seconds it measures the other processes' load and
    sets ``torch.set_num_threads`` to ``cores - load`` (rounded, between 1 and ``limit``). With ``fixed``
    (``--threads`` or ``OMP_NUM_THREADS``) it sets that count once and never changes it.

    Args:
        limit: the most threads to use (default: the usable cores).
        fixed: a thread count chosen by the user.
        every: seconds between measurements.
    """

    def __init__(self, limit: int | None = None, fixed: int | None = None, every: float = 5.0):
        import torch

        self._torch = torch
        self.limit = max(1, limit or usable_cores())
        self.fixed = fixed if fixed is not None else explicit_threads()
        self.every = every
        self.changes: list[tuple[int, int]] = []  # (iteration, threads) each time the count changed
        self._iteration = 0
        if self.fixed is not None:
            self._set(self.fixed)
        else:
            self._set(min(self.limit, free_cores()))
        self._sampler = LoadSampler()
        self._next = time.perf_counter() + every

    @property
    def threads(self) -> int:
        return self._torch.get_num_threads()

    def _set(self, threads: int) -> None:
        if threads != self._torch.get_num_threads() or not self.changes:
            self._torch.set_num_threads(threads)
            self.changes.append((self._iteration, threads))

    def step(self) -> None:
        """Called once per iteration: re-measures the load when ``every`` seconds have passed."""
        self._iteration += 1
        if self.fixed is not None or time.perf_counter() < self._next:
            return
        self._next = time.perf_counter() + self.every
        others = self._sampler.sample()
        if others is None:
            return
        self._set(max(1, min(self.limit, int(usable_cores() - others + 0.5))))

"""Running render tasks (chunks of frames) on a local process pool or on Dask distributed.

Both runners take a :class:`~faceplate.render.RenderJob` (plain data) and a list of chunks, run
:func:`~faceplate.render.render_chunk` for each, and return every frame's result. A task whose worker
dies, or that raises unexpectedly, is re-run up to ``retries`` times; after that its frames are
reported failed with the reason. Frame failures caused by bad input are results, not crashes: they
are reported once, not retried.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from faceplate.errors import RenderError
from faceplate.render import FrameResult, RenderJob, render_chunk

OnFrame = Callable[[FrameResult], None] | None


def chunks(frames: Sequence[int], size: int) -> list[list[int]]:
    """``frames`` cut into consecutive tasks of ``size`` frames."""
    frames = list(frames)
    return [frames[i:i + size] for i in range(0, len(frames), size)]


def local_worker_count(scheduler: str) -> int | None:
    """N for ``local:N``, None for a remote scheduler address."""
    if not scheduler.startswith("local:"):
        return None
    count = scheduler.partition(":")[2]
    if not count.isdigit() or int(count) < 1:
        raise RenderError(f"--scheduler {scheduler!r}: expected local:N with N >= 1 workers")
    return int(count)


def _failed(chunk: Sequence[int], reason: str) -> list[FrameResult]:
    return [FrameResult(f, "failed", 0.0, [], f"frame {f}: {reason}", worker="") for f in chunk]


def _deliver(results: list[FrameResult], out: list[FrameResult], on_frame: OnFrame) -> None:
    out.extend(results)
    if on_frame is not None:
        for r in results:
            on_frame(r)


def run_pool(job: RenderJob, tasks: list[list[int]], workers: int, *, retries: int, on_frame: OnFrame) -> list[FrameResult]:
    """Runs the tasks on ``workers`` local processes (spawned: no state inherited from this one)."""
    out: list[FrameResult] = []
    pending = dict(enumerate(tasks))
    attempts: Counter[int] = Counter()
    context = multiprocessing.get_context("spawn")
    while pending:
        with ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=context) as pool:
            futures = {pool.submit(render_chunk, job, chunk): i for i, chunk in pending.items()}
            for future in as_completed(futures):
                i = futures[future]
                try:
                    results = future.result()
                except Exception as exc:  # the worker died (BrokenProcessPool) or the task raised
                    attempts[i] += 1
                    if attempts[i] > retries:
                        _deliver(_failed(pending.pop(i), f"task failed {attempts[i]} times: "
                                                         f"{type(exc).__name__}: {exc}"), out, on_frame)
                    continue
                pending.pop(i)
                _deliver(results, out, on_frame)
    return out


def run_dask(job: RenderJob, tasks: list[list[int]], scheduler: str, *, retries: int, on_frame: OnFrame) -> list[FrameResult]:
    """Runs the tasks on Dask distributed: ``tcp://HOST:PORT`` or ``local:N`` (a LocalCluster of N workers).

    Dask re-runs the tasks of a worker that dies on the remaining workers (and a LocalCluster's nanny
    restarts it); ``retries`` covers tasks that raise.
    """
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = None
    workers = local_worker_count(scheduler)
    if workers is not None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        address = cluster
    else:
        address = scheduler
    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise RenderError(f"cannot reach the Dask scheduler at {scheduler}: {exc}; check the address and that "
                          "the scheduler is running") from None
    out: list[FrameResult] = []
    try:
        futures = {}
        for chunk in tasks:
            key = f"faceplate-render-{job.script_hash[:12]}-{chunk[0]}-{chunk[-1]}-{len(chunk)}"
            futures[client.submit(render_chunk, job, chunk, key=key, retries=retries, pure=False)] = chunk
        for future in dask_completed(futures):
            try:
                results = future.result()
            except Exception as exc:  # KilledWorker after repeated worker deaths, or the task raised
                results = _failed(futures[future], f"task failed: {type(exc).__name__}: {exc}")
            _deliver(results, out, on_frame)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return out

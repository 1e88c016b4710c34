"""Worker processes for the actions that split a shot into tasks: rendering and tracking.

A task gets a :class:`ScriptJob`: the script as plain data (picklable, no live objects), its folder and its
hash. Each worker process loads the graph once per job (:func:`load_graph`: sidecars, model sessions and
caches once per worker, not once per task) after capping its thread pools so that N workers share the
machine's cores. Tasks run on a local process pool (:func:`run_pool`, spawned processes: no state inherited
from this one) or on Dask distributed (:func:`run_dask`); a task whose worker dies, or that raises
unexpectedly, is re-run up to ``retries`` times, then its failure is reported through ``on_failure``.
Errors crossing a process boundary keep their faceplate type and fields (:func:`pack_error`).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import pickle
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

from faceplate.foundation import config
from faceplate.foundation.errors import FaceplateError, RenderError
from faceplate.foundation.threads import pool_threads
from faceplate.nodes.core import Graph

Result = TypeVar("Result")


@dataclasses.dataclass(frozen=True)
class ScriptJob:
    """The script a worker loads: plain data, picklable. ``threads``: each worker's thread cap (None leaves
    the libraries' defaults, as on a remote cluster whose workers keep their own settings)."""

    script: dict[str, Any]
    root: str
    script_hash: str
    threads: int | None = None

    @classmethod
    def from_graph(cls, graph: Graph, threads: int | None = None) -> ScriptJob:
        return cls(graph.to_dict(), str(graph.root or os.getcwd()), graph.script_hash(), threads)


# One loaded graph per worker process, so a worker serving many tasks of a job loads the script once.
_graphs: dict[tuple[str, str], Graph] = {}


def load_graph(job: ScriptJob) -> Graph:
    """The job's graph in this worker process, loaded once (and this process's threads capped)."""
    key = (job.script_hash, job.root)
    graph = _graphs.get(key)
    if graph is None:
        if job.threads is not None:
            config.set_thread_count(job.threads)
        graph = Graph.from_dict(job.script, root=job.root)
        if graph.script_hash() != job.script_hash:
            raise RenderError("the script changed in transit (hash mismatch); resubmit the job")
        _graphs.clear()  # a worker serves one job at a time; keep memory bounded
        _graphs[key] = graph
    return graph


def threads_per_worker(workers: int) -> int:
    """Each of ``workers`` local processes' share of this machine's *free* cores (at least 1): other processes
    (a training beside a render) keep theirs; ``OMP_NUM_THREADS`` overrides
    (:func:`~faceplate.foundation.threads.pool_threads`)."""
    return pool_threads(workers)


def chunks(frames: Sequence[int], size: int) -> list[list[int]]:
    """``frames`` cut into consecutive tasks of ``size`` frames."""
    frames = list(frames)
    return [frames[i : i + size] for i in range(0, len(frames), size)]


def local_worker_count(scheduler: str) -> int | None:
    """N for ``local:N``, None for a remote scheduler address."""
    if not scheduler.startswith("local:"):
        return None
    count = scheduler.partition(":")[2]
    if not count.isdigit() or int(count) < 1:
        raise RenderError(f"--scheduler {scheduler!r}: expected local:N with N >= 1 workers")
    return int(count)


def spawn_pool(
    workers: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()
) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes (nothing inherited from this process)."""
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=initializer, initargs=initargs
    )


Task = Callable[[Any, Sequence[int]], list[Result]]
OnFailure = Callable[[Sequence[int], str], list[Result]]
OnResults = Callable[[list[Result]], None]


def run_pool(
    task: Task,
    job: Any,
    tasks: list[list[int]],
    workers: int,
    *,
    retries: int,
    on_failure: OnFailure,
    on_results: OnResults,
) -> None:
    """Runs ``task(job, chunk)`` for every chunk on ``workers`` local processes; ``on_results`` gets each
    chunk's results as it finishes (a chunk that failed ``retries + 1`` times: ``on_failure(chunk, reason)``)."""
    pending = dict(enumerate(tasks))
    attempts: Counter[int] = Counter()
    while pending:
        with spawn_pool(min(workers, len(pending))) as pool:
            futures = {pool.submit(task, job, chunk): i for i, chunk in pending.items()}
            for future in as_completed(futures):
                i = futures[future]
                try:
                    results = future.result()
                except Exception as exc:  # the worker died (BrokenProcessPool) or the task raised
                    attempts[i] += 1
                    if attempts[i] > retries:
                        reason = f"task failed {attempts[i]} times: {type(exc).__name__}: {exc}"
                        on_results(on_failure(pending.pop(i), reason))
                    continue
                pending.pop(i)
                on_results(results)


def run_dask(
    task: Task,
    job: Any,
    tasks: list[list[int]],
    scheduler: str,
    *,
    key: str,
    retries: int,
    on_failure: OnFailure,
    on_results: OnResults,
) -> None:
    """Runs the tasks on Dask distributed: ``tcp://HOST:PORT`` or ``local:N`` (a LocalCluster of N workers).

    Dask re-runs the tasks of a worker that dies on the remaining workers (and a LocalCluster's nanny
    restarts it); ``retries`` covers tasks that raise. ``key`` prefixes the task keys (the job's identity).
    """
    from distributed import Client, LocalCluster  # deferred: dask is heavy and only this runner needs it
    from distributed import as_completed as dask_completed

    cluster = None
    workers = local_worker_count(scheduler)
    if workers is not None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        address: Any = cluster
    else:
        address = scheduler
    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise RenderError(
            f"cannot reach the Dask scheduler at {scheduler}: {exc}; check the address and that "
            "the scheduler is running"
        ) from None
    try:
        futures = {}
        for chunk in tasks:
            name = f"{key}-{chunk[0]}-{chunk[-1]}-{len(chunk)}"
            futures[client.submit(task, job, chunk, key=name, retries=retries, pure=False)] = chunk
        for future in dask_completed(futures):
            try:
                results = future.result()
            except Exception as exc:  # KilledWorker after repeated worker deaths, or the task raised
                results = on_failure(futures[future], f"task failed: {type(exc).__name__}: {exc}")
            on_results(results)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def pack_error(exc: BaseException) -> tuple:
    """An exception as picklable parts (faceplate errors take keyword-only arguments and keep attributes,
    such as ``frame``, that plain pickling loses); :func:`unpack_error` rebuilds it."""
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    packed = type(exc), exc.args, dict(vars(exc)), detail
    try:
        pickle.dumps(packed)
    except Exception:  # a local exception class or an unpicklable argument: keep the message
        packed = RenderError, (f"{type(exc).__name__}: {exc}",), {"node": None, "frame": None}, detail
    return packed


def unpack_error(packed: tuple) -> BaseException:
    """The exception :func:`pack_error` packed in a worker process (a bug's traceback kept as a note)."""
    cls, args, attrs, detail = packed
    try:
        exc = cls.__new__(cls)
        exc.args = args
        exc.__dict__.update(attrs)
    except Exception:  # an exception type that cannot be rebuilt: keep its message
        exc = RenderError(f"{cls.__name__}: {args[0] if args else ''}")
    if not isinstance(exc, FaceplateError):
        exc.add_note(f"in a worker process:\n{detail}")
    return exc

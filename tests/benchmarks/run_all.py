"""Run every benchmark the project has and print one table: each figure beside its reference, same run.

    python tests/benchmarks/run_all.py [--quick] [--json] [--only NAME ...] [--save FILE]

Every ``bench_NAME.py`` in this folder is a benchmark named NAME; it follows the protocol in
benchtable.py (``rows(quick) -> list[dict]``). Each one runs in its own Python process (so thread
settings, CUDA contexts and a crash stay inside it) with a time limit. A benchmark that cannot run here
(a CUDA-only one without a device) gives a ``skipped`` row; one that raises, crashes or runs out of
time gives a ``failed`` row, the others still run, and the exit status is 1. Goals not met are shown
but do not fail the run (timings on a shared machine are noisy; read the ratios).

``--quick`` uses fewer repeats and smaller cases (a few minutes on two cores); ``--json`` prints one
document: ``{"machine": {...}, "quick": bool, "rows": [...]}``, each row with the protocol's keys plus
``bench`` and ``status`` (ok, skipped, failed).
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MARK = "@@faceplate-bench-rows@@ "  # the child's result line, apart from whatever the benchmark prints


def discover(folder: Path) -> dict[str, Path]:
    return {p.stem[len("bench_") :]: p for p in sorted(folder.glob("bench_*.py"))}


def machine() -> dict:
    """CPU model, thread count, GPU (torch.cuda), versions and load: what a figure needs beside it."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    info = {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if hasattr(os, "sched_getaffinity"):
        info["threads_available"] = len(os.sched_getaffinity(0))
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        info["gpu"] = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    except ImportError:
        info["gpu"] = None
    try:
        import faceplate
        from faceplate import _native

        info["faceplate"] = faceplate.__version__
        info["native_threads"] = _native.thread_count()
        info["native_cuda"] = bool(_native.cuda_available())
    except Exception as exc:  # the rows will say what is broken; the header should still print
        info["faceplate"] = f"import failed: {exc}"
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
        if rev.returncode == 0:
            info["commit"] = rev.stdout.strip() + (" (modified)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def header(info: dict) -> str:
    gpu = info.get("gpu") or "no GPU"
    threads = info.get("threads_available", info["cpu_count"])
    load = " ".join(f"{x:.2f}" for x in info["load_average"])
    return (
        f"{info['cpu']}, {threads} threads; {gpu}; faceplate {info.get('faceplate')} "
        f"{info.get('commit', '')}; python {info['python']}, torch {info.get('torch', '-')}; load {load}"
    )


CHECKED_KEYS = ("name", "value", "unit", "reference", "reference_value", "ratio", "goal")


def check_row(r: dict) -> None:
    missing = [k for k in CHECKED_KEYS if k not in r]
    if missing:
        raise ValueError(f"row {r.get('name')!r} lacks {missing} (see benchtable.py)")
    for k in ("value", "reference_value", "ratio"):
        if not isinstance(r[k], (int, float)):
            raise ValueError(f"row {r['name']!r}: {k} must be a number, got {r[k]!r}")


def child(name: str, path: Path, quick: bool) -> int:
    """Run one benchmark in this process and print its rows after MARK."""
    sys.path[:0] = [str(path.parent), str(HERE)]
    from benchtable import Skip, goal_met

    try:
        module = importlib.import_module(path.stem)
        if not callable(getattr(module, "rows", None)):
            raise TypeError(f"{path.name} has no rows(quick) function (the protocol in benchtable.py)")
        rows = module.rows(quick=quick)
        for r in rows:
            check_row(r)
            goal_met(r)  # a malformed goal is the benchmark's bug: fail it here
            r.setdefault("status", "ok")
    except Skip as exc:
        rows = [{"name": name, "status": "skipped", "note": str(exc)}]
    except Exception as exc:  # report, never lose the other benchmarks
        traceback.print_exc()
        rows = [{"name": name, "status": "failed", "note": f"{type(exc).__name__}: {exc}"}]
    sys.stdout.flush()
    print("\n" + MARK + json.dumps(rows, allow_nan=True), flush=True)
    return 0


def run_one(name: str, path: Path, quick: bool, timeout: float, verbose: bool) -> tuple[list[dict], float]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--dir", str(path.parent)]
    if quick:
        cmd.append("--quick")
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
        out, err, rc = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        rc = None
    seconds = time.perf_counter() - start
    lines = [line for line in out.splitlines() if line.startswith(MARK)]
    if lines and rc == 0:
        rows = json.loads(lines[-1][len(MARK) :])
    else:
        why = f"timed out after {timeout:.0f} s" if rc is None else f"exited with status {rc} without rows"
        rows = [{"name": name, "status": "failed", "note": why}]
    if verbose or any(r.get("status") == "failed" for r in rows):
        tail = "\n".join(err.strip().splitlines()[-25:])
        if tail:
            print(f"--- {name}: end of stderr\n{tail}", file=sys.stderr)
    for r in rows:
        r["bench"] = name
    return rows, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller cases (a few minutes)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks (bench_NAME.py)")
    parser.add_argument("--save", metavar="FILE", help="also write the JSON document to FILE")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per benchmark (default 1800)")
    parser.add_argument("--verbose", action="store_true", help="show every benchmark's stderr (warnings, progress)")
    parser.add_argument("--dir", type=Path, default=HERE, help=argparse.SUPPRESS)  # a folder of bench_*.py (tests)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    benches = discover(args.dir)
    if args.child:
        return child(args.child, benches[args.child], args.quick)
    names = args.only or list(benches)
    unknown = [n for n in names if n not in benches]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(benches)}")

    info = machine()
    rows, seconds = [], {}
    for name in names:
        print(f"[run_all] {name} ...", file=sys.stderr, flush=True)
        got, seconds[name] = run_one(name, benches[name], args.quick, args.timeout, args.verbose)
        print(f"[run_all] {name}: {len(got)} rows, {seconds[name]:.0f} s", file=sys.stderr, flush=True)
        rows += got
    failed = [r for r in rows if r.get("status") == "failed"]
    doc = {"machine": info, "quick": args.quick, "seconds": {k: round(v, 1) for k, v in seconds.items()}, "rows": rows}
    text = json.dumps(doc, indent=2, allow_nan=True)
    if args.save:
        Path(args.save).write_text(text + "\n")
    if args.json:
        print(text)
    else:
        from benchtable import print_table

        print_table(rows, header(info) + ("; quick" if args.quick else ""))
        total = sum(seconds.values())
        print(
            f"{len(rows)} rows from {len(names)} benchmarks in {total:.0f} s; "
            f"{sum(r.get('status') == 'skipped' for r in rows)} skipped, {len(failed)} failed"
        )
    bad = [r for r in rows if r.get("status") == "ok" and not (math.isfinite(r["ratio"]) and r["ratio"] > 0)]
    if bad:
        print(f"[run_all] rows without a finite positive ratio: {[r['name'] for r in bad]}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())

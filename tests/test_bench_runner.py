"""tests/benchmarks/run_all.py: one cheap benchmark through the runner, and a failing one kept apart."""

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

RUNNER = Path(__file__).resolve().parent / "benchmarks" / "run_all.py"
KEYS = {"bench", "status", "name", "value", "unit", "reference", "reference_value", "ratio", "goal"}


def run(*args, timeout=120):
    return subprocess.run([sys.executable, str(RUNNER), *args], capture_output=True, text=True, timeout=timeout)


def test_quick_json_of_one_benchmark():
    proc = run("--quick", "--json", "--only", "mattes")
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    assert doc["quick"] is True
    assert {"cpu", "cpu_count", "gpu", "load_average"} <= set(doc["machine"])
    assert set(doc["seconds"]) == {"mattes"}
    rows = doc["rows"]
    assert len(rows) >= 4
    for r in rows:
        assert KEYS <= set(r), r
        assert r["bench"] == "mattes" and r["status"] == "ok", r
        assert r["unit"] == "ms" and r["reference"], r
        for key in ("value", "reference_value", "ratio"):
            assert math.isfinite(r[key]) and r[key] > 0, (key, r)
        assert math.isclose(r["ratio"], r["reference_value"] / r["value"], rel_tol=1e-6), r  # times: > 1 is faster


def test_failing_and_skipped_benchmarks_are_rows_and_the_rest_still_run(tmp_path):
    (tmp_path / "bench_boom.py").write_text("def rows(quick=False):\n    raise RuntimeError('kaboom')\n")
    (tmp_path / "bench_crash.py").write_text("import os\ndef rows(quick=False):\n    os._exit(3)\n")
    (tmp_path / "bench_gpu.py").write_text(
        textwrap.dedent("""
        from benchtable import Skip
        def rows(quick=False):
            raise Skip("needs a CUDA device")
    """)
    )
    (tmp_path / "bench_ok.py").write_text(
        textwrap.dedent("""
        from benchtable import row
        def rows(quick=False):
            return [row("fast thing", 2.0, "ms", "slow thing", 5.0, higher_is_better=False, goal="ratio >= 2",
                        note=f"quick={quick}")]
    """)
    )
    proc = run("--quick", "--json", "--dir", str(tmp_path))
    assert proc.returncode == 1, proc.stderr[-3000:]
    rows = {r["bench"]: r for r in json.loads(proc.stdout)["rows"]}
    assert rows["boom"]["status"] == "failed" and "kaboom" in rows["boom"]["note"]
    assert rows["crash"]["status"] == "failed" and "status 3" in rows["crash"]["note"]
    assert rows["gpu"]["status"] == "skipped" and "CUDA" in rows["gpu"]["note"]
    assert rows["ok"]["status"] == "ok" and rows["ok"]["ratio"] == 2.5 and rows["ok"]["note"] == "quick=True"

    table = run("--dir", str(tmp_path), "--only", "ok", "gpu")
    assert table.returncode == 0, table.stderr[-3000:]
    assert "ratio (>1: ours better)" in table.stdout and "ratio >= 2 (met)" in table.stdout
    assert "SKIPPED" in table.stdout
    assert "threads" in table.stdout.splitlines()[0]  # the machine header

    unknown = run("--dir", str(tmp_path), "--only", "nosuch")
    assert unknown.returncode == 2 and "unknown benchmark nosuch" in unknown.stderr

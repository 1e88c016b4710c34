"""The benchmark protocol and its one table printer, shared by every ``bench_*.py`` and ``run_all.py``.

Every benchmark module exposes ``rows(quick: bool = False) -> list[dict]``; each dict is one figure
beside a reference measured in the same run:

=================  ======================================================================
``name``           what was measured ("warp_affine bilinear UHD RGBA f32")
``value``          our figure (float)
``unit``           its unit ("ms", "frames/s", "it/s", "px/frame")
``reference``      what it is compared with ("cv2.warpAffine")
``reference_value``  the reference's figure, same unit, same run, same thread count
``ratio``          > 1 means ours is better: reference / ours for times (and anything where lower
                   is better), ours / reference for rates
``goal``           ``"ratio >= 1"``, ``"value >= 10"`` (``ratio`` or ``value``, a comparison, a number)
                   or None
``note``           optional free text (settings, side figures)
=================  ======================================================================

``quick=True`` shrinks repeats (and sizes where the figure survives it) so that ``run_all.py --quick``
finishes in a few minutes on two cores. A module that cannot run on this machine (no CUDA device)
raises :class:`Skip` from ``rows()``; the runner reports a skipped row.
"""

from __future__ import annotations

import json
import math
import operator
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from typing import TextIO

RATIO_HEADER = "ratio (>1: ours better)"
_COMPARE = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
_GOAL = re.compile(r"^\s*(ratio|value)\s*(>=|<=|>|<)\s*([-+0-9.eE]+)\s*$")


class Skip(Exception):
    """Raised by ``rows()`` when the benchmark cannot run here (the message says why)."""


def require_cuda() -> None:
    """Raise :class:`Skip` unless torch sees a CUDA device and faceplate's CUDA twins are built and usable."""
    try:
        import torch
    except ImportError as exc:
        raise Skip("needs torch") from exc
    if not torch.cuda.is_available():
        raise Skip("needs a CUDA device (torch.cuda.is_available() is False)")
    from faceplate import _native

    if not _native.cuda_available():
        raise Skip("faceplate._native has no usable CUDA twins (built without nvcc?)")


def cuda_sync() -> None:
    """Wait for queued CUDA work when torch has a device, so that timings include it; a no-op otherwise."""
    try:
        import torch
    except ImportError:
        return
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def timed(fn: Callable[[], object], repeat: int, sync: Callable[[], None] = lambda: None) -> list[float]:
    """Seconds of ``repeat`` calls of ``fn``, each one synchronised."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync()
        out.append(time.perf_counter() - start)
    return out


def row(
    name: str,
    value: float,
    unit: str,
    reference: str,
    reference_value: float,
    *,
    higher_is_better: bool,
    goal: str | None = None,
    note: str | None = None,
) -> dict:
    """One protocol row; the ratio is oriented so that > 1 means ours is better."""
    if higher_is_better:
        ratio = value / reference_value if reference_value else math.nan
    else:
        ratio = reference_value / value if value else math.nan
    out = {
        "name": name,
        "value": float(value),
        "unit": unit,
        "reference": reference,
        "reference_value": float(reference_value),
        "ratio": float(ratio),
        "goal": goal,
    }
    if note:
        out["note"] = note
    return out


def compare(
    name: str,
    ours: Callable[[], object],
    reference: str,
    ref: Callable[[], object],
    repeat: int,
    *,
    goal: str | None = None,
    note: str | None = None,
    sync: Callable[[], None] = lambda: None,
) -> dict:
    """Time ``ours`` and ``ref`` interleaved (so load drift hits both alike) after one warm-up each; median ms."""
    ours(), sync(), ref(), sync()  # first-touch page faults, thread start-up, CUDA context
    our_t, ref_t = [], []
    for _ in range(repeat):
        our_t += timed(ours, 1, sync)
        ref_t += timed(ref, 1, sync)
    return row(
        name,
        statistics.median(our_t) * 1e3,
        "ms",
        reference,
        statistics.median(ref_t) * 1e3,
        higher_is_better=False,
        goal=goal,
        note=note,
    )


def goal_met(r: dict) -> bool | None:
    """Whether a row meets its goal; None when it has none (or no figures)."""
    goal = r.get("goal")
    if not goal:
        return None
    m = _GOAL.match(goal)
    if not m:
        raise ValueError(f"row {r.get('name')!r}: goal {goal!r} is not '<ratio|value> <op> <number>'")
    figure = r.get(m.group(1))
    if figure is None or not math.isfinite(figure):
        return None
    return _COMPARE[m.group(2)](figure, float(m.group(3)))


def _fmt(x) -> str:
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    if not math.isfinite(x):
        return str(x)
    a = abs(x)
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 0.1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def _cells(r: dict, with_bench: bool) -> list[str]:
    status = r.get("status", "ok")
    cells = [r.get("bench", "")] if with_bench else []
    if status != "ok":
        return cells + [r.get("name", ""), status.upper(), "", "", "", "", r.get("note", "") or ""]
    met = goal_met(r)
    goal = (r.get("goal") or "") + ("" if met is None else (" (met)" if met else " (NOT met)"))
    unit = r.get("unit", "")
    return cells + [
        r["name"],
        f"{_fmt(r['value'])} {unit}",
        r["reference"],
        f"{_fmt(r['reference_value'])} {unit}",
        _fmt(r["ratio"]),
        goal,
        r.get("note", "") or "",
    ]


def format_table(rows: Iterable[dict], title: str | None = None) -> str:
    """The rows as an aligned text table (a ``bench`` column when rows carry one), under an optional title."""
    rows = list(rows)
    with_bench = any("bench" in r for r in rows)
    header = (["bench"] if with_bench else []) + ["benchmark", "ours", "reference", "ref", RATIO_HEADER, "goal", "note"]
    numbers = {"ours", "ref", RATIO_HEADER}
    table = [_cells(r, with_bench) for r in rows]
    widths = [max([len(header[i])] + [len(c[i]) for c in table]) for i in range(len(header) - 1)]

    def line(cells):
        parts = [c.rjust(w) if h in numbers else c.ljust(w) for c, w, h in zip(cells, widths, header)]
        return ("  ".join(parts) + "  " + cells[-1]).rstrip()

    head = line(header)
    out = ([title] if title else []) + [head, "-" * len(head)] + [line(c) for c in table]
    return "\n".join(out)


def print_table(rows: Iterable[dict], title: str | None = None, file: TextIO | None = None) -> None:
    print(format_table(rows, title), file=file or sys.stdout)


def emit(rows: list[dict], as_json: bool, title: str | None = None, **meta) -> None:
    """What every module's ``main()`` ends with: the table, or ``{**meta, "rows": rows}`` as JSON."""
    if as_json:
        print(json.dumps({**meta, "rows": rows}, indent=2))
    else:
        print_table(rows, title)

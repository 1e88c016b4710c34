"""The viewer's edit latency at 1080p: a JawBlend knob change -> the new frame's bytes, through the HTTP API.

A tracked 1920x1080 shot (the demo's astronaut plate, ``faceplate new`` + ``faceplate track``), served by
the viewer's application (Starlette's TestClient: the real routes, token check, JSON and encoding,
without a socket). Warm-up: the frame is shown once, so the upstream (Read, FaceDetect, AlignEdit,
OcclusionMask, NeuralSwap) is in the graph's cache. Then, repeatedly, what the page does: POST
``jaw_left_offset`` (a new value each time, so JawBlend's hash changes), GET the half-size proxy, then
the full frame (``frame.rgb``: raw 8-bit RGB, the comp with fp_matte.face as the tinted overlay); one
sample is the time from the POST to the full frame's last byte (p50, p95), another to the proxy's.
The edits are made back to back, as an artist makes them; the reference follows in the same run:
rendering that frame from scratch -- the script loaded into a fresh graph (empty cache), the frame
rendered through every node and made display-referred the same way. (Interleaving the from-scratch
renders between the edits, as this benchmark first did, freed memory between edits and hid the page
faults each edit paid: the code before issue 18 measured p50 300 ms interleaved, 2372 ms back to back.)
Goal: p50 <= 300 ms. ``--png``: the full frame as a PNG with no proxy first (the API the page used
before raw frames; the code before issue 18 serves only that).

With ``--model EXPORT`` (e.g. ``faceplate demo --quick -o demo`` leaves ``demo/models/ab/onnx``) NeuralSwap
swaps the face, so JawBlend colour-matches (its statistics smoothed over 5 frames: 5 mattes per edit),
grains and blends a real swap; without one JawBlend writes its mattes over the passed-through plate
(what an artist sees before a model exists).

Measured on the 2-core machine shared with other sessions, 15 edits, ms (p50 / p95 / from scratch in
the same run, load average):

=====================================  ==========================  ==========================
                                       no swap model               swap model (demo export)
=====================================  ==========================  ==========================
before issue 18 (``--png``)            2372 / 2812 / 3817, 4.4     2465 / 3341 / 10012, 6.1
recycled outputs, as the page does it  219 / 572 / 2441, 6.0       684 / 952 / 10165, 6.2
the same code, re-run later                                        370 / 596 / 8557, 3.2
+ JawBlend's memo                      161 / 660 / 2689, 4.3       370 / 599 / 9850, 3.8
the same code, re-run (session 7)                                  500 / 1040 / 10309, 5.3
  its Python, today's native code                                  678 / 1070 / 11136, 5.3
+ JawBlend 3, proxy gather kept        169 / 300 / 717, 5.1        292 / 410 / 8962, 4.0
the same code, re-run                                              397 / 664 / 9197, 5.1
+ the full frame takes that gather     106 / 266 / 2275, 2.9       228 / 259 / 9971, 3.2
(now); the same code, re-run                                       230 / 255 / 8758, 3.4
now, proxy first (p50)                 75                          190, 195
recycled outputs, ``--png``            224 / 265 / 2774, 6.4
=====================================  ==========================  ==========================

The edit's CPU time, p50 (from scratch in the same run), ms: the memo's Python with today's native code
320 (5189) with a model; JawBlend 3 with the proxy's gather kept 119 (628) without, 254 (4049) and 247
(5087) with; now 101 (1469) without, 212 (5879) and 218 (5850) with.

Before, JawBlend's render alone took a median 1942 ms (2226 ms with a model): it allocated and filled a
fresh 108 MB frame per edit, whose page faults (numpy advises transparent huge pages, and the kernel
compacts memory to give them) stalled for seconds on this loaded machine. With recycled outputs 50 ms
(460 ms with a model at load 6, 262 ms at load 3.2); with JawBlend's memo (nodes/jawblend/memo.py: the
warps into the face's box, the plate's grain, the noise field) 31 ms (253 ms with a model at load 3.8).

Session 7 cut what the jaw knob still changes (JawBlend version 3). Stage times per edit with the model,
CPU ms, the code before and after in back-to-back runs at load 3.6 (both with today's native code):
JawBlend's compute 221 -> 128 (wall 337 -> 146). The four neighbours' mattes for the smoothed colour
statistics drawn on every 2nd pixel (69 -> 29); a face's region contours computed once for its box and
its matte (the box alone took 17, now 0.7); boxes on a 16-pixel grid, so an edit keeps the box and the
memoised warps and plate grain hit (grain measurement 27 -> 14, the noise field no longer redrawn); the
grain's variance in float32 (16 -> 5); the colour transfer's Oklab matrices folded around its affine
(16 -> 2.5); the multiband blend's native pyramid steps (bit-identical, 26 -> 18 on a face box alone).
The comp moves by at most 0.0073 (linear; docs/jawblend.md). In the viewer, a proxy no longer gathers
the frame into a fresh 1080p array per edit, whose page faults stalled some proxies for 0.5 s: the
no-model p95 went from 660 to 300 ms (one run each); and the full frame that follows an edit's proxy
takes the proxy's full-size gather instead of reading the 13-channel frame again (30 -> 8 ms CPU).

The wall clock follows the load (JawBlend 3 with the proxy's gather alone met the goal at load 4.0 and
missed it at 5.1), hence the CPU time (the process's, both cores, the server's thread included), which
the load stretches less. What remains per edit with a model, about 215 ms of CPU: JawBlend's compute
(about 130: the multiband blend, the neighbours' and this frame's mattes, the face's grain measurement),
the display (the proxy's gather of the 13-channel frame, about 20, the full frame's comparison, 8) and
the rest of the request (hashing, validation, bytes).

    python tests/benchmarks/bench_viewer.py [--quick] [--json] [--model EXPORT --identities 1=B]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "viewer"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchtable import emit, row
from viewer_shots import make_shot

FRAME = 1006
TOKEN = "bench"


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def rows(quick: bool = False, model: str | None = None, identities: str = "1=B", png: bool = False) -> list[dict]:
    """Protocol rows (benchtable.py): knob change -> frame bytes p50 and p95, against a from-scratch render."""
    from starlette.testclient import TestClient

    from faceplate.actions.demo.shot import ShotSpec
    from faceplate.nodes.core import Graph
    from faceplate.viewer import Session, create_app, display

    repeat = 5 if quick else 15
    folder = tempfile.mkdtemp(prefix="bench_viewer_")
    script = make_shot(folder, ShotSpec("astronaut", (1920, 1080), (1001, 1012), occluder=None))
    if model:
        data = json.load(open(script))
        data["nodes"]["NeuralSwap1"]["knobs"] = {"model": os.path.abspath(model), "identities": identities}
        json.dump(data, open(script, "w"), indent=2)
    session = Session(script)
    client = TestClient(create_app(session, TOKEN), headers={"x-faceplate-token": TOKEN})
    # The comp with its matte (fp_matte.face) as the tinted overlay: what an artist watches while moving an edge
    # (without a swap model the comp's RGB is the plate's, and only the matte moves).
    params = {"node": "JawBlend1", "frame": FRAME, "overlay": "fp_matte.face"}
    settings = display.DisplaySettings(overlay="fp_matte.face")

    def show(route: str = "rgb", **extra) -> tuple[bytes, dict]:
        r = client.get(f"/api/frame.{route}", params={**params, **extra})
        assert r.status_code == 200, r.text
        return r.content, r.headers

    def from_scratch() -> None:
        plate = Graph.load(script).render("JawBlend1", FRAME)
        display.display_pixels(plate, settings).tobytes()

    show(route="png" if png else "rgb")  # the upstream into the cache, the baked view built
    edits, proxies, scratch, render_ms, display_ms, edit_cpu, scratch_cpu = [], [], [], [], [], [], []
    previous = None
    for i in range(repeat):  # back to back, as an artist makes them (see the module doc)
        start, cpu = time.perf_counter(), time.process_time()
        r = client.post("/api/knob", json={"node": "JawBlend1", "knob": "jaw_left_offset", "value": 1.0 + i})
        assert r.status_code == 200, r.text
        if png:
            content, headers = show(route="png")
            render_ms.append(float(headers["x-render-ms"]))
        else:
            _, proxy_headers = show(proxy=2)  # the proxy request renders JawBlend; the full one finds it cached
            proxies.append((time.perf_counter() - start) * 1e3)
            render_ms.append(float(proxy_headers["x-render-ms"]))
            content, headers = show()
        edits.append((time.perf_counter() - start) * 1e3)
        edit_cpu.append((time.process_time() - cpu) * 1e3)
        display_ms.append(float(headers["x-display-ms"]))
        assert content != previous  # the offset moved the edge: new bytes
        previous = content
    for _ in range(max(3, repeat // 3)):
        start, cpu = time.perf_counter(), time.process_time()
        from_scratch()
        scratch.append((time.perf_counter() - start) * 1e3)
        scratch_cpu.append((time.process_time() - cpu) * 1e3)
    client.close()
    shutil.rmtree(folder, ignore_errors=True)
    swap = ("with a swap model" if model else "no swap model (mattes over the plate)") + (", PNG" if png else "")
    ref = statistics.median(scratch)
    note = (
        f"{repeat} edits; JawBlend render (with hashing) median {statistics.median(render_ms):.0f} ms, full-size "
        f"display transform + bytes {statistics.median(display_ms):.0f} ms; {swap}; load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    scratch_name = "from-scratch render + display (median)"

    def ms(name, value, reference=scratch_name, ref_value=ref, goal=None, note=swap) -> dict:
        return row(name, value, "ms", reference, ref_value, higher_is_better=False, goal=goal, note=note)

    out = [ms("knob change -> full frame, 1080p, p50", statistics.median(edits), goal="value <= 300", note=note)]
    if proxies:
        out.append(ms("knob change -> half-size proxy, 1080p, p50", statistics.median(proxies)))
    out.append(ms("knob change -> full frame, 1080p, p95", _percentile(edits, 95)))
    out.append(
        ms(
            "knob change -> full frame, CPU time, p50",
            statistics.median(edit_cpu),
            "from-scratch render + display, CPU time (median)",
            statistics.median(scratch_cpu),
            note="the process's CPU time over both cores (server thread included): the work, whatever the load",
        )
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--model", help="a swap model export for NeuralSwap (see the module doc)")
    parser.add_argument("--identities", default="1=B", help="NeuralSwap's identities knob with --model")
    parser.add_argument(
        "--png", action="store_true", help="the full frame as a PNG, no proxy (the API before raw frames)"
    )
    args = parser.parse_args()
    emit(rows(args.quick, args.model, args.identities, args.png), args.json, "viewer edit latency, ms")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    sys.exit(main())

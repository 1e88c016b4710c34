"""Screenshots of the viewer for docs/images/ (run by hand; needs Debian's chromium):

    python tests/viewer/screenshots.py [--model EXPORT_FOLDER --identities 1=B] [-o docs/images]

Builds the tests' tracked shot (larger, 960x540), optionally assigns a trained swap model (e.g. the
export ``faceplate demo`` leaves in ``demo/models/ab/export``), serves it and photographs: the plate
with faces, the mask.jaw overlay, the Read/JawBlend wipe, and the knob panel.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(__file__))

from viewer_shots import make_shot  # noqa: E402

from faceplate.actions.demo.shot import ShotSpec  # noqa: E402
from faceplate.viewer import free_port, serve  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", default="docs/images")
    parser.add_argument("--model", help="a swap model export folder to assign to NeuralSwap")
    parser.add_argument("--identities", default="1=B")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="viewer_shots_")
    script = make_shot(folder, ShotSpec("astronaut", (960, 540), (1001, 1012), occluder=(1005, 1009)))
    if args.model:
        data = json.load(open(script))
        data["nodes"]["NeuralSwap1"]["knobs"] = {"model": os.path.abspath(args.model), "identities": args.identities}
        json.dump(data, open(script, "w"), indent=2)
    port, ready = free_port(), threading.Event()
    threading.Thread(target=serve, args=(script,), daemon=True, kwargs={
        "port": port, "open_browser": False, "token": "screenshots", "on_ready": lambda url: ready.set()}).start()
    ready.wait(60)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1500, "height": 860})
        page.goto(f"http://127.0.0.1:{port}/?token=screenshots")
        page.wait_for_function("document.body.dataset.ready === '1'", timeout=120_000)

        def settle(edits=0):
            page.wait_for_function("t => (document.body.dataset.shown || '').startsWith(t)",
                                   arg=f"{page.eval_on_selector('#node-a', 'e => e.value')}@1003#{edits}",
                                   timeout=120_000)
            page.wait_for_timeout(300)

        page.fill("#frame", "1003")
        page.press("#frame", "Enter")
        settle()
        page.screenshot(path=os.path.join(out, "viewer_plate.png"))
        page.select_option("#overlay", "mask.jaw")
        settle()
        page.screenshot(path=os.path.join(out, "viewer_matte_overlay.png"))
        page.select_option("#overlay", "")
        page.check("#wipe")
        settle()
        page.screenshot(path=os.path.join(out, "viewer_wipe.png"))
        page.uncheck("#wipe")
        page.locator("#knobs").screenshot(path=os.path.join(out, "viewer_knobs.png"))
        browser.close()
    print(f"screenshots in {out}; the shot is in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

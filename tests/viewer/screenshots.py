"""Screenshots of the viewer for docs/images/ (run by hand; needs Debian's chromium):

    python tests/viewer/screenshots.py [--model EXPORT_FOLDER --identities 1=B] [--training FOLDER] [-o docs/images]

Builds the tests' tracked shot (larger, 960x540), optionally assigns a trained swap model (e.g. the
export ``faceplate demo`` leaves in ``demo/models/ab/export``), serves it and photographs: the plate
with faces, the fp_matte.jaw overlay, the Read/JawBlend wipe, the knob panel, and with ``--training`` the
training page of that folder (e.g. ``demo/models/ab``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(__file__))

from viewer_shots import make_shot

from faceplate.actions.demo.shot import ShotSpec
from faceplate.viewer import free_port, serve


def small(path: str) -> None:
    """Rewrites a screenshot at most 1200 px wide as a 256-colour PNG (the UI's flat colours survive)."""
    from PIL import Image

    image = Image.open(path).convert("RGB")
    if image.width > 1200:
        image = image.resize((1200, round(image.height * 1200 / image.width)), Image.Resampling.LANCZOS)
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", default="docs/images")
    parser.add_argument("--model", help="a swap model export folder to assign to NeuralSwap")
    parser.add_argument("--identities", default="1=B")
    parser.add_argument("--training", help="a training folder to photograph the training page of")
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
    threading.Thread(
        target=serve,
        args=(script,),
        daemon=True,
        kwargs={"port": port, "open_browser": False, "token": "screenshots", "on_ready": lambda url: ready.set()},
    ).start()
    ready.wait(60)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1500, "height": 860})
        page.goto(f"http://127.0.0.1:{port}/?token=screenshots")
        page.wait_for_function("document.body.dataset.ready === '1'", timeout=120_000)

        def settle(edits=0):
            page.wait_for_function(
                "t => (document.body.dataset.shown || '').startsWith(t)",
                arg=f"{page.eval_on_selector('#node-a', 'e => e.value')}@1003#{edits}",
                timeout=120_000,
            )
            page.wait_for_timeout(300)

        page.fill("#frame", "1003")
        page.press("#frame", "Enter")
        settle()
        page.screenshot(path=os.path.join(out, "viewer_plate.png"))
        page.select_option("#overlay", "fp_matte.jaw")
        settle()
        page.screenshot(path=os.path.join(out, "viewer_matte_overlay.png"))
        page.select_option("#overlay", "")
        page.evaluate("window.faceplateViewer.viewer.wipeX = 0.43")  # the line through the face
        page.check("#wipe")
        settle()
        page.screenshot(path=os.path.join(out, "viewer_wipe.png"))
        page.uncheck("#wipe")
        settle()
        row = page.locator("#knob-JawBlend1-jaw_left_offset")  # a key, so the panel shows its controls
        row.locator("input[type=number]").fill("6")
        row.locator("input[type=number]").press("Enter")
        settle(1)
        row.locator("button[data-action=key]").click()
        settle(2)
        page.locator("#knob-JawBlend1-jaw_left_offset label").click()
        page.wait_for_timeout(300)
        page.locator("#knobs").screenshot(path=os.path.join(out, "viewer_knobs.png"))
        if args.training:
            port2, ready2 = free_port(), threading.Event()
            threading.Thread(
                target=serve,
                args=(args.training,),
                daemon=True,
                kwargs={
                    "port": port2,
                    "open_browser": False,
                    "token": "screenshots",
                    "on_ready": lambda url: ready2.set(),
                },
            ).start()
            ready2.wait(60)
            page.goto(f"http://127.0.0.1:{port2}/?token=screenshots")
            page.wait_for_function("document.body.dataset.ready === '1'", timeout=60_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=os.path.join(out, "viewer_training.png"))
        browser.close()
    for name in os.listdir(out):
        if name.startswith("viewer_") and name.endswith(".png"):
            small(os.path.join(out, name))
    print(f"screenshots in {out}; the shot is in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

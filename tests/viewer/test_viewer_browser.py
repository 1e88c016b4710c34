"""The viewer in a real browser (Playwright driving Debian's chromium): an artist's round trip.

Open a script, scrub to a frame, look at fp_matte.jaw, change jaw_left_offset and see the canvas change, set
a key, save, reload: the key is in the script; drag the jaw handle and undo it; and `faceplate render` of
that frame shows the same pixels the viewer showed, after the same display transform; drag the key's tick
on the timeline to move it.
"""

import base64
import json
import os
import threading

import numpy as np
import pytest

from faceplate.cli import main
from faceplate.nodes.core import Graph
from faceplate.nodes.io import read_image
from faceplate.viewer import display, free_port, serve

FRAME = 1003
TOKEN = "browser-test-token"
READ_PIXELS = """([w, h]) => {
  const data = window.faceplateViewer.viewer.view.getContext("2d").getImageData(0, 0, w, h).data;
  let s = "";
  for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode.apply(null, data.subarray(i, i + 0x8000));
  return btoa(s);
}"""


@pytest.fixture
def served(shot):
    data = json.load(open(shot))
    data["nodes"]["Write1"]["knobs"]["pixel_type"] = "float"  # renders compare bit for bit with the viewer
    json.dump(data, open(shot, "w"), indent=2)
    port, ready = free_port(), threading.Event()
    threading.Thread(
        target=serve,
        args=(shot,),
        daemon=True,
        kwargs={"port": port, "open_browser": False, "token": TOKEN, "on_ready": lambda url: ready.set()},
    ).start()
    assert ready.wait(30)
    return shot, f"http://127.0.0.1:{port}/?token={TOKEN}"


def canvas(page, size=(640, 360)):
    raw = base64.b64decode(page.evaluate(READ_PIXELS, list(size)))
    return np.frombuffer(raw, np.uint8).reshape(size[1], size[0], 4)[:, :, :3]


def shown(page, text):
    page.wait_for_function("t => (document.body.dataset.shown || '') === t", arg=text, timeout=60_000)


def test_scrub_edit_key_save_reload_and_render_match(served, page):
    shot, url = served
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(url)
    page.wait_for_function("document.body.dataset.ready === '1'", timeout=60_000)
    page.click("#one")
    page.fill("#frame", str(FRAME))
    page.press("#frame", "Enter")
    shown(page, f"JawBlend1@{FRAME}#0/rgba")
    page.select_option("#layer", "fp_matte.jaw")
    shown(page, f"JawBlend1@{FRAME}#0/fp_matte.jaw")
    before = canvas(page)
    assert before.max() == 255  # the jaw band is on screen

    row = page.locator("#knob-JawBlend1-jaw_left_offset")
    row.locator("input[type=number]").fill("12")
    row.locator("input[type=number]").press("Enter")
    shown(page, f"JawBlend1@{FRAME}#1/fp_matte.jaw")
    after = canvas(page)
    assert (before != after).any(axis=2).sum() > 200  # the band on the image's left moved
    assert (before[:, 400:] == after[:, 400:]).all()  # the right jaw did not

    page.locator("#knob-JawBlend1-jaw_left_offset button[data-action=key]").click()
    shown(page, f"JawBlend1@{FRAME}#2/fp_matte.jaw")
    page.click("#save")
    page.wait_for_function(
        "!document.getElementById('status').classList.contains('dirty') && "
        "document.getElementById('status').textContent === 'shot.json'"
    )
    assert Graph.load(shot)["JawBlend1"].knob_json()["jaw_left_offset"] == {"curve": [[FRAME, 12.0, "linear"]]}

    page.reload()
    page.wait_for_function("document.body.dataset.ready === '1'", timeout=60_000)
    page.fill("#frame", str(FRAME))
    page.press("#frame", "Enter")
    shown(page, f"JawBlend1@{FRAME}#0/rgba")
    assert page.locator("#knob-JawBlend1-jaw_left_offset button.on[data-action=key]").count() == 1
    assert page.locator("#knob-JawBlend1-jaw_left_offset input[type=number]").input_value() == "12"

    # Dragging the jaw_left handle outward on the face outline keys a larger offset at this frame.
    page.click("#one")
    start = page.evaluate("""() => { const v = window.faceplateViewer.viewer;
        const h = v.handles().find((x) => x.knob === "jaw_left_offset");
        const r = v.marks.getBoundingClientRect();
        const [x, y] = v.toScreen(h.at), [dx, dy] = h.dir;
        return [r.left + x, r.top + y, dx * h.size * 0.05, dy * h.size * 0.05]; }""")
    page.mouse.move(start[0], start[1])
    page.mouse.down()
    page.mouse.move(start[0] + start[2] / 2, start[1] + start[3] / 2)
    page.mouse.move(start[0] + start[2], start[1] + start[3])
    page.mouse.up()
    shown(page, f"JawBlend1@{FRAME}#1/rgba")
    assert Graph.load(shot)["JawBlend1"].knob_json()["jaw_left_offset"] == {
        "curve": [[FRAME, 12.0, "linear"]]
    }  # unsaved
    dragged_value = float(page.locator("#knob-JawBlend1-jaw_left_offset input[type=number]").input_value())
    assert 16.0 <= dragged_value <= 18.0  # 12 + 5 % of the face size
    page.click("#undo")
    shown(page, f"JawBlend1@{FRAME}#2/rgba")
    assert page.locator("#knob-JawBlend1-jaw_left_offset input[type=number]").input_value() == "12"

    assert main(["render", shot, "--frames", str(FRAME), "-q"]) == 0
    rendered = read_image(os.path.join(os.path.dirname(shot), "render", f"shot_faceplate.{FRAME}.exr"))
    np.testing.assert_array_equal(
        display.display_pixels(rendered, display.DisplaySettings(layer="fp_matte.jaw")), after
    )

    # Dragging the key's tick on the timeline strip moves the key.
    page.locator("#knob-JawBlend1-jaw_left_offset label").click()
    box = page.locator("#strip").bounding_box()
    first, n = 1001, 6

    def at(frame):
        return box["x"] + (frame - first + 0.5) / n * box["width"], box["y"] + 7

    page.mouse.move(*at(FRAME))
    page.mouse.down()
    page.mouse.move(*at(FRAME + 1))
    page.mouse.move(*at(FRAME + 2))
    page.mouse.up()
    shown(page, f"JawBlend1@{FRAME}#3/rgba")
    keys = page.evaluate("""async () => (await (await fetch('/api/script')).json()).nodes
        .find((n) => n.name === 'JawBlend1').knobs.find((k) => k.name === 'jaw_left_offset').value""")
    assert keys == {"curve": [[FRAME + 2, 12.0, "linear"]]}
    assert not errors and page.locator("#error").is_hidden()


def test_bad_input_shows_in_the_page_and_writes_nothing(served, page):
    shot, url = served
    on_disk = open(shot).read()
    page.goto(url)
    page.wait_for_function("document.body.dataset.ready === '1'", timeout=60_000)
    box = page.locator("#knob-JawBlend1-jaw_left_offset input[type=number]")
    box.fill("80")
    box.press("Enter")
    page.wait_for_selector("#error:not([hidden])")
    message = page.locator("#error").text_content()
    assert "above the maximum 25" in message and "jaw_left_offset" in message
    assert box.input_value() == "0"  # the panel shows the script's value again
    assert not page.locator("#status.dirty").count() and open(shot).read() == on_disk  # nothing changed or written
    wrong = page.context.request.get(url.split("?")[0] + "api/script?token=wrong", headers={"Cookie": ""})
    assert wrong.status == 403 and "access token" in wrong.json()["error"]

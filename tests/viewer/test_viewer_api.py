"""The viewer's HTTP API through Starlette's TestClient (no browser): what the page is built on."""

import dataclasses
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request

import cv2
import numpy as np
import pytest
from starlette.testclient import TestClient

from faceplate.cli import main
from faceplate.foundation.errors import ScriptError
from faceplate.nodes.core import Graph
from faceplate.nodes.io import read_image
from faceplate.nodes.jawblend.node import JawBlend
from faceplate.viewer import Session, create_app, display, free_port, serve
from faceplate.viewer.app import TOKEN_HEADER

TOKEN = "test-token-0123456789"
FRAME = 1003


@pytest.fixture
def client(shot):
    session = Session(shot)
    with TestClient(create_app(session, TOKEN), headers={TOKEN_HEADER: TOKEN}) as c:
        c.session = session
        yield c


def png(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_UNCHANGED)[:, :, ::-1]


def frame(client, node="JawBlend1", f=FRAME, **params):
    return png(client.get("/api/frame.png", params={"node": node, "frame": f, **params}))


def error(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]
    return body["error"]


def test_wrong_or_missing_token_is_refused_and_logged(shot, caplog):
    app = create_app(Session(shot), TOKEN)
    with TestClient(app) as c:
        with caplog.at_level(logging.WARNING, logger="faceplate.viewer"):
            assert "access token" in error(c.get("/api/script"), 403)
            assert "access token" in error(c.get("/api/script", params={"token": "nope"}), 403)
            assert "access token" in error(c.get("/static/main.js", headers={TOKEN_HEADER: "nope"}), 403)
            assert "access token" in error(c.post("/api/save"), 403)
        assert sum("wrong or missing access token" in r.message for r in caplog.records) == 4
        page = c.get("/", params={"token": TOKEN})  # the address `faceplate view` prints
        assert page.status_code == 200 and '<canvas id="view">' in page.text
        assert c.get("/static/main.js").status_code == 200  # the page's cookie now carries the token
        assert c.get("/api/script").status_code == 200


def test_nodes_and_knob_metadata_come_from_the_nodes_own_declarations(client):
    script = client.get("/api/script").json()
    assert script["frame_range"] == [1001, 1006]
    nodes = {n["name"]: n for n in script["nodes"]}
    assert [n["type"] for n in script["nodes"]] == [
        "Read",
        "FaceDetect",
        "AlignEdit",
        "OcclusionMask",
        "NeuralSwap",
        "JawBlend",
        "Write",
    ]
    jaw = nodes["JawBlend1"]
    declared = JawBlend.describe()["knobs"]
    assert [
        {k: v for k, v in knob.items() if k not in ("value", "keys", "at_frame")} for knob in jaw["knobs"]
    ] == declared
    left = next(k for k in jaw["knobs"] if k["name"] == "jaw_left_offset")
    assert (left["type"], left["min"], left["max"], left["animatable"]) == ("float", -25.0, 25.0, True)
    assert "jaw on the image's left" in left["tooltip"]
    assert jaw["connections"] == {"input": "NeuralSwap1"}


def test_frame_is_the_graph_render_through_the_display_transform(client, shot):
    settings = display.DisplaySettings(layer="rgba", exposure=1.0, gamma=1.2)
    shown = frame(client, exposure=1.0, gamma=1.2)
    assert shown.shape == (360, 640, 3)
    expected = display.display_pixels(Graph.load(shot).render("JawBlend1", FRAME), settings)
    np.testing.assert_array_equal(shown, expected)
    # Exposure and the view change what is shown; raw data (a matte) does not go through the view.
    assert not np.array_equal(shown, frame(client, exposure=0.0, gamma=1.2))
    views = client.get("/api/display").json()
    assert views["default_view"] in views["displays"][views["default_display"]]
    other = next(v for v in views["displays"][views["default_display"]] if v != views["default_view"])
    assert not np.array_equal(frame(client, view=other), frame(client))


def test_layers_channels_and_overlay(client):
    plate = client.get("/api/plate", params={"node": "JawBlend1", "frame": FRAME}).json()
    assert (plate["width"], plate["height"]) == (640, 360)
    assert plate["views"] == [
        "rgba",
        "fp_swap",
        "A",
        "fp_matte.face",
        "fp_matte.jaw",
        "fp_matte.hairline",
        "fp_feature.eyes",
        "fp_feature.mouth",
        "fp_matte.occlusion",
    ]
    jaw = frame(client, layer="fp_matte.jaw")
    assert (jaw[..., 0] == jaw[..., 1]).all() and jaw.max() == 255 and (jaw == 0).mean() > 0.8  # a band, grey
    red, green = frame(client, channel="R"), frame(client, channel="G")
    assert (red[..., 0] == red[..., 2]).all() and not np.array_equal(red, green)
    over = frame(client, overlay="fp_matte.jaw").astype(int)
    plain = frame(client).astype(int)
    band = jaw[..., 0] == 255
    outside = jaw[..., 0] == 0
    assert (over[band] != plain[band]).any(axis=1).all()
    assert np.abs(over[outside] - plain[outside]).max() <= 1  # mattes below half a level tint by rounding only
    read = client.get("/api/plate", params={"node": "Read1", "frame": FRAME}).json()
    assert read["views"] == ["rgba", "A"]
    assert "fp_matte.jaw" in error(
        client.get("/api/frame.png", params={"node": "Read1", "frame": FRAME, "layer": "fp_matte.jaw"}), 400
    )


def test_a_knob_change_re_renders_only_what_it_affects(client):
    before = frame(client, layer="fp_matte.jaw")
    counts = dict(client.session.graph.compute_counts)
    state = client.post("/api/knob", json={"node": "JawBlend1", "knob": "jaw_left_offset", "value": 12.0}).json()
    assert state["dirty"] and state["can_undo"]
    after = frame(client, layer="fp_matte.jaw")
    assert (before != after).any(axis=2).sum() > 200  # the jaw band moved
    recomputed = {
        k: v - counts.get(k, 0) for k, v in client.session.graph.compute_counts.items() if v != counts.get(k, 0)
    }
    assert recomputed == {"JawBlend1": 1}
    # The right side of the face did not move: the offset is per segment.
    assert (before[:, 400:] == after[:, 400:]).all()


def test_faces_and_qc_strip(client):
    faces = client.get("/api/faces", params={"node": "JawBlend1", "frame": FRAME}).json()["faces"]
    assert len(faces) == 1
    face = faces[0]
    assert (face["track_id"], face["identity"]) == (1, "person1") and len(face["landmarks"]) == 68
    x0, y0, x1, y1 = face["box"]
    assert 150 < x0 < x1 < 500 and 50 < y0 < y1 < 360
    assert client.get("/api/faces", params={"node": "Read1", "frame": FRAME}).json()["faces"] == []
    qc = client.get("/api/qc").json()["nodes"]
    assert [n["node"] for n in qc] == ["FaceDetect1"]
    (track,) = qc[0]["tracks"]
    sidecar = json.load(open(qc[0]["sidecar"]))["tracks"][0]["frames"]
    assert sorted(track["frames"]) == sorted(sidecar) and "1003" in sidecar  # the frames the track has
    assert {c["status"] for c in track["frames"].values()} <= {"found", "predicted", "outlier"}
    assert track["frames"]["1001"]["jitter"] is None and track["frames"]["1003"]["jitter"] >= 0


def test_keys_set_move_delete_with_interpolation_undo_redo_and_save(client, shot):
    post = client.post
    assert (
        post("/api/key", json={"node": "JawBlend1", "knob": "jaw_left_offset", "frame": 1002, "value": 4.0}).status_code
        == 200
    )
    assert (
        post(
            "/api/key",
            json={
                "node": "JawBlend1",
                "knob": "jaw_left_offset",
                "frame": 1005,
                "value": 10.0,
                "interpolation": "smooth",
            },
        ).status_code
        == 200
    )

    def knob():
        nodes = client.get("/api/script", params={"frame": 1003}).json()["nodes"]
        return next(k for n in nodes if n["name"] == "JawBlend1" for k in n["knobs"] if k["name"] == "jaw_left_offset")

    assert knob()["value"] == {"curve": [[1002, 4.0, "linear"], [1005, 10.0, "smooth"]]}
    assert knob()["at_frame"] == pytest.approx(6.0)
    assert (
        post(
            "/api/key/move", json={"node": "JawBlend1", "knob": "jaw_left_offset", "frame": 1005, "to": 1006}
        ).status_code
        == 200
    )
    assert knob()["value"] == {"curve": [[1002, 4.0, "linear"], [1006, 10.0, "smooth"]]}
    assert (
        post("/api/key/delete", json={"node": "JawBlend1", "knob": "jaw_left_offset", "frame": 1002}).status_code == 200
    )
    assert knob()["value"] == {"curve": [[1006, 10.0, "smooth"]]}
    assert post("/api/undo").json()["can_redo"]
    assert knob()["value"] == {"curve": [[1002, 4.0, "linear"], [1006, 10.0, "smooth"]]}
    post("/api/redo")
    assert "no key at frame 1003" in error(
        post("/api/key/delete", json={"node": "JawBlend1", "knob": "jaw_left_offset", "frame": 1003}), 400
    )
    assert "cannot be animated" in error(
        post("/api/key", json={"node": "JawBlend1", "knob": "blend", "frame": 1003, "value": 1.0}), 400
    )
    assert post("/api/save").json()["dirty"] is False
    saved = Graph.load(shot)
    assert saved["JawBlend1"].knob_json()["jaw_left_offset"] == {"curve": [[1006, 10.0, "smooth"]]}
    assert not [f for f in os.listdir(os.path.dirname(shot)) if f.endswith(".tmp")]


def test_bad_values_are_clear_errors_and_change_nothing(client, shot, caplog):
    on_disk = open(shot).read()
    text = client.session.text
    with caplog.at_level(logging.WARNING, logger="faceplate.viewer"):
        message = error(
            client.post("/api/knob", json={"node": "JawBlend1", "knob": "jaw_left_offset", "value": 80}), 400
        )
        assert "above the maximum 25" in message and "JawBlend1" in message and "jaw_left_offset" in message
        assert "above the maximum" in error(
            client.post("/api/key", json={"node": "JawBlend1", "knob": "feather", "frame": 1001, "value": 99}), 400
        )
        assert "no such knob" in error(
            client.post("/api/knob", json={"node": "JawBlend1", "knob": "jaw", "value": 1}), 400
        )
        assert "no such node" in error(client.post("/api/knob", json={"node": "Nope", "knob": "x", "value": 1}), 400)
        assert "not one of" in error(
            client.post("/api/knob", json={"node": "JawBlend1", "knob": "blend", "value": "screen"}), 400
        )
        outside = error(
            client.post("/api/knob", json={"node": "Write1", "knob": "file", "value": "../elsewhere/out.####.exr"}), 400
        )
        assert "outside the script's folder" in outside and "Write1" in outside
        assert "outside" in error(
            client.post("/api/knob", json={"node": "Write1", "knob": "file", "value": "/tmp/out.####.exr"}), 400
        )
        assert "whole frame" in error(
            client.get("/api/frame.png", params={"node": "JawBlend1", "frame": "1001.5"}), 400
        )
        assert "JSON object" in error(client.post("/api/knob", content=b"[1"), 400)
        assert "nothing to undo" in error(client.post("/api/undo"), 400)
    assert client.session.text == text and open(shot).read() == on_disk
    assert sum("above the maximum 25" in r.message for r in caplog.records) == 1
    assert (
        client.post("/api/knob", json={"node": "Write1", "knob": "file", "value": "out/v2.####.exr"}).status_code == 200
    )


def test_save_refuses_a_script_changed_on_disk_and_reload_refuses_a_broken_one(client, shot):
    client.post("/api/knob", json={"node": "JawBlend1", "knob": "chin_offset", "value": 5.0})
    other = json.loads(open(shot).read())
    other["nodes"]["JawBlend1"]["knobs"] = {"feather": 3.0}
    with open(shot, "w") as f:
        json.dump(other, f)
    changed = open(shot).read()
    assert "changed on disk" in error(client.post("/api/save"), 409)
    assert open(shot).read() == changed  # nothing written
    with open(shot, "w") as f:
        f.write(
            '{"format": "faceplate-script", "version": 1, "nodes": {"J": {"type": "JawBlend", "knobs": {"erode": 99}}}}'
        )
    broken = error(client.post("/api/reload"), 400)
    assert "above the maximum" in broken and "erode" in broken
    assert client.session.graph["JawBlend1"]["chin_offset"] == 5.0  # the session is untouched
    with open(shot, "w") as f:
        f.write(changed)
    assert client.post("/api/reload").json() == {
        "script": client.session.state()["script"],
        "dirty": False,
        "can_undo": False,
        "can_redo": False,
    }
    assert client.session.graph["JawBlend1"]["feather"] == 3.0


def test_a_broken_script_is_refused_at_start(tmp_path, capsys):
    script = tmp_path / "broken.json"
    script.write_text(
        '{"format": "faceplate-script", "version": 1, "nodes": {"R": {"type": "Read", "knobs": {"nope": 1}}}'
    )
    with pytest.raises(ScriptError, match="not valid JSON"):
        Session(script)
    assert main(["view", str(script), "--no-browser"]) == 2
    assert "broken.json is not valid JSON" in capsys.readouterr().err


def test_render_range_renders_what_the_viewer_shows(client, shot):
    client.post("/api/knob", json={"node": "Write1", "knob": "pixel_type", "value": "float"})
    client.post("/api/key", json={"node": "JawBlend1", "knob": "jaw_left_offset", "frame": FRAME, "value": 15.0})
    shown = frame(client, node="Write1", layer="fp_matte.jaw")
    job = client.post("/api/render", json={"frames": f"{FRAME}-{FRAME + 1}"}).json()
    for _ in range(600):
        job = client.get(f"/api/render/{job['id']}").json()
        if job["state"] != "running":
            break
        time.sleep(0.1)
    assert job["state"] == "done", job
    assert job["done"] == 2 and job["report"]["counts"] == {"rendered": 2, "skipped": 0, "failed": 0}
    rendered = read_image(os.path.join(os.path.dirname(shot), "render", f"shot_faceplate.{FRAME}.exr"))
    np.testing.assert_array_equal(
        display.display_pixels(rendered, display.DisplaySettings(layer="fp_matte.jaw")), shown
    )
    assert "frame range" in error(client.post("/api/render", json={"frames": ""}), 400)


def test_serve_listens_on_localhost_behind_the_token(shot):
    port, ready = free_port(), threading.Event()
    urls = []
    thread = threading.Thread(
        target=serve,
        args=(shot,),
        kwargs={
            "port": port,
            "open_browser": False,
            "token": TOKEN,
            "on_ready": lambda u: (urls.append(u), ready.set()),
        },
        daemon=True,
    )
    thread.start()
    assert ready.wait(30)
    assert urls == [f"http://127.0.0.1:{port}/?token={TOKEN}"]
    assert b"faceplate view" in urllib.request.urlopen(urls[0], timeout=30).read()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/script", timeout=30)
    assert refused.value.code == 403


def test_baked_view_is_within_a_few_levels_of_the_exact_transform_and_proxies_are_reduced(client):
    for exposure in (0.0, 2.0):
        exact = frame(client, node="Read1", exact=1, exposure=exposure).astype(int)
        baked = frame(client, node="Read1", exposure=exposure).astype(int)
        diff = np.abs(exact - baked)
        # Measured on this plate: max 3 levels, 0.1 % of values off by more than one, mean under 0.15.
        assert diff.max() <= 4 and (diff > 1).mean() < 0.005 and diff.mean() < 0.15
        assert (diff > 0).any()  # baked, not the exact transform twice
    proxy = frame(client, node="Read1", proxy=4)
    assert proxy.shape == (90, 160, 3)
    full = frame(client, node="Read1").astype(np.float32)
    assert np.abs(cv2.resize(full, (160, 90), interpolation=cv2.INTER_AREA) - proxy).mean() < 3
    assert "proxy" in error(client.get("/api/frame.png", params={"node": "Read1", "frame": FRAME, "proxy": 3}), 400)


def test_display_cache_redoes_changed_pixels_only_and_gives_the_same_bytes(shot):
    plate = Graph.load(shot).render("JawBlend1", FRAME)
    cache = display.DisplayCache()
    ys, xs = np.nonzero(plate.channel("fp_matte.face") > 0.9)
    cy, cx = int(ys.mean()), int(xs.mean())  # inside the face, where every view shown here has values
    for settings in (
        display.DisplaySettings(overlay="fp_matte.jaw", exposure=0.5),
        display.DisplaySettings(channel="luminance"),
        display.DisplaySettings(layer="fp_matte.face", gamma=2.0),
    ):
        assert np.array_equal(cache.pixels(("J", FRAME), plate, settings), display.display_pixels(plate, settings))
        pixels = plate.pixels.copy()
        pixels[cy - 20 : cy + 20, cx - 30 : cx + 30] *= 0.5  # a change in a box, as a knob change makes
        changed = plate.replace(pixels=pixels)
        again = cache.pixels(("J", FRAME), changed, settings)
        assert np.array_equal(again, display.display_pixels(changed, settings))
        assert not np.array_equal(again, display.display_pixels(plate, settings))


def test_training_page_lists_the_loss_curve_and_latest_previews_and_serves_only_its_folder(tmp_path):
    from faceplate.viewer import create_training_app

    folder = tmp_path / "models" / "ab"
    (folder / "previews").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("not served")
    with TestClient(create_training_app(str(folder), TOKEN), headers={TOKEN_HEADER: TOKEN}) as c:
        assert c.get("/api/training").json()["previews"] == [] and c.get("/api/training").json()["training"] is None
        for step in (30, 60, 90, 120, 150):
            cv2.imwrite(str(folder / "previews" / f"step_{step:07d}.png"), np.full((8, 8, 3), step % 255, np.uint8))
        cv2.imwrite(str(folder / "loss_curve.png"), np.zeros((4, 4, 3), np.uint8))
        (folder / "training.json").write_text(json.dumps({"steps": 150, "final_losses": {"total": 0.5}}))
        state = c.get("/api/training").json()
        assert [p["name"] for p in state["previews"]] == [f"previews/step_{s:07d}.png" for s in (60, 90, 120, 150)]
        assert state["loss_curve"] and state["training"]["steps"] == 150
        assert c.get("/api/file", params={"name": "previews/step_0000150.png"}).content[:4] == b"\x89PNG"
        assert "inside the training folder" in error(c.get("/api/file", params={"name": "../../secret.txt"}), 400)
        assert "training" in c.get("/").text
    with TestClient(create_training_app(str(folder), TOKEN)) as c:
        assert c.get("/api/training").status_code == 403


def _get_in_thread(client, params, results, name):
    def run():
        results[name] = client.get("/api/frame.rgb", params=params)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait_for(condition, what):
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def test_raw_frames_are_the_png_frames_pixels(client):
    params = {"node": "JawBlend1", "frame": FRAME, "overlay": "fp_matte.jaw"}
    r = client.get("/api/frame.rgb", params=params)
    assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
    w, h = int(r.headers["x-width"]), int(r.headers["x-height"])
    raw = np.frombuffer(r.content, np.uint8).reshape(h, w, 3)
    assert np.array_equal(raw, frame(client, **params))


def test_an_edit_shows_a_half_size_proxy_then_the_full_frame_from_the_same_render(client):
    graph = client.session.graph
    assert (
        client.post("/api/knob", json={"node": "JawBlend1", "knob": "jaw_left_offset", "value": 7.0}).status_code == 200
    )
    before = graph.compute_counts["JawBlend1"]
    proxy = frame(client, proxy=2)
    assert graph.compute_counts["JawBlend1"] == before + 1  # the proxy is the full render, reduced
    full = frame(client)
    assert graph.compute_counts["JawBlend1"] == before + 1  # the full frame comes from the cache
    assert proxy.shape == (full.shape[0] // 2, full.shape[1] // 2, 3)
    plate = graph.render("JawBlend1", FRAME)
    assert np.array_equal(proxy, display.display_pixels(plate, display.DisplaySettings(proxy=2)))
    # Each proxy is gathered into the full-size array the one before used, and the full frame that follows
    # takes that gather as its source: their own pixels still
    view = display.DisplaySettings(overlay="fp_matte.face")
    first, first_full = frame(client, proxy=2, overlay=view.overlay), frame(client, overlay=view.overlay)
    client.post("/api/knob", json={"node": "JawBlend1", "knob": "jaw_left_offset", "value": 12.0})
    again, again_full = frame(client, proxy=2, overlay=view.overlay), frame(client, overlay=view.overlay)
    assert not np.array_equal(again, first) and not np.array_equal(again_full, first_full)  # the matte moved
    plate = graph.render("JawBlend1", FRAME)
    assert np.array_equal(again, display.display_pixels(plate, dataclasses.replace(view, proxy=2)))
    assert np.array_equal(again_full, display.display_pixels(plate, view))
    # a full frame whose plate's proxy was not asked for gathers its own (the scratch holds an older plate)
    client.post("/api/knob", json={"node": "JawBlend1", "knob": "jaw_left_offset", "value": 3.0})
    frame(client, proxy=2, overlay=view.overlay)
    client.post("/api/knob", json={"node": "JawBlend1", "knob": "jaw_left_offset", "value": 5.0})
    plate = graph.render("JawBlend1", FRAME)
    assert np.array_equal(frame(client, overlay=view.overlay), display.display_pixels(plate, view))


def test_an_edit_drops_the_superseded_plate_and_jawblend_recycles_its_array(client):
    graph, node = client.session.graph, client.session.graph["JawBlend1"]
    frame(client)
    old_key = graph.hash(node, FRAME)
    assert old_key in graph.cache
    restored = node._buffers.restored
    client.post("/api/knob", json={"node": "JawBlend1", "knob": "jaw_left_offset", "value": 5.0})
    assert old_key not in graph.cache  # superseded: dropped at the edit, not when the cache fills
    shown = frame(client)
    assert node._buffers.restored == restored + 1  # the old frame's array, restored in the face's box only
    fresh = Graph.loads(client.session.text, root=client.session.folder).render("JawBlend1", FRAME)
    assert np.array_equal(shown, display.display_pixels(fresh, display.DisplaySettings()))


def test_a_newer_request_in_the_lane_drops_one_waiting_for_the_graph(client):
    session, lanes = client.session, client.app.state.lanes
    client.post("/api/knob", json={"node": "JawBlend1", "knob": "jaw_left_offset", "value": 3.0})
    before = session.graph.compute_counts["JawBlend1"]
    results = {}
    params = {"node": "JawBlend1", "frame": FRAME, "lane": "page1"}
    with session.lock:  # the graph is busy (another request rendering)
        old = _get_in_thread(client, {**params, "exposure": 1}, results, "old")
        _wait_for(lambda: lanes.latest("page1") is not None, "the first request to enter its lane")
        first = lanes.latest("page1")
        new = _get_in_thread(client, params, results, "new")
        _wait_for(lambda: lanes.latest("page1") != first, "the second request to enter its lane")
    old.join(), new.join()
    assert results["old"].status_code == 409 and results["old"].json()["kind"] == "Superseded"
    assert "before its render started" in results["old"].json()["error"]
    assert results["new"].status_code == 200
    assert session.graph.compute_counts["JawBlend1"] == before + 1  # only the newer one rendered
    other = client.get("/api/frame.rgb", params={**params, "lane": "page2"})  # another page's lane is its own
    assert other.status_code == 200


def test_a_render_superseded_while_it_ran_is_not_shown(client):
    session, lanes = client.session, client.app.state.lanes
    rendered, go_on = threading.Event(), threading.Event()
    real_render = session.render

    def render_then_wait(node, f):  # the real render; then the test lets a newer request in
        result = real_render(node, f)
        if not rendered.is_set():
            rendered.set()
            assert go_on.wait(60)
        return result

    session.render = render_then_wait
    results = {}
    params = {"node": "JawBlend1", "frame": FRAME, "lane": "page1"}
    old = _get_in_thread(client, params, results, "old")
    assert rendered.wait(60)
    first = lanes.latest("page1")
    new = _get_in_thread(client, {**params, "exposure": 1}, results, "new")
    _wait_for(lambda: lanes.latest("page1") != first, "the second request to enter its lane")
    go_on.set()
    old.join(), new.join()
    assert results["old"].status_code == 409 and "while it rendered" in results["old"].json()["error"]
    assert results["new"].status_code == 200 and lanes.dropped == 1

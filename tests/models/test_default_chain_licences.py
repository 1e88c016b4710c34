"""The default chain loads no model that is not cleared for commercial use.

The cards' ``commercial`` field is the claim (checked against the list of models the default graph
runs), and a real track and render of the default graph, in a fresh process, is the proof: every
weight file it hashes or loads belongs to a cleared card, and dlib is never imported.
"""

import json
import os
import subprocess
import sys
import textwrap

from faceplate.actions.default_graph import default_chain_models
from faceplate.models.cards import CARDS, COMMERCIAL, FACE_MESH_FOLDER

HERE = os.path.dirname(os.path.abspath(__file__))


def test_every_card_says_whether_it_is_cleared():
    for card in CARDS.values():
        assert card.commercial in COMMERCIAL
    assert CARDS["dlib-shape-predictor-68"].commercial == "not cleared"
    assert CARDS["dlib-face-recognition-resnet-v1"].commercial != "cleared"


def test_every_model_the_default_graph_runs_is_cleared_for_commercial_use():
    chain = default_chain_models()
    assert {c.id for c in chain["FaceDetect"]} == {"mediapipe-blazeface-short-range", "mediapipe-face-mesh-468"}
    assert [c.id for c in chain["OcclusionMask"]] == ["faceplate-occlusion-default-v2"]
    for node, cards in chain.items():
        for card in cards:
            assert card.commercial == "cleared", f"{node} runs {card.id}: {card.licence}"


def test_the_face_mesh_cards_carry_licence_notice_and_parity():
    for card in default_chain_models()["FaceDetect"]:
        assert "Apache" in card.licence and card.extra["source_sha256"] and card.extra["wheel_sha256"]
        assert max(card.extra["parity_max_abs"].values()) < 1e-3
    assert open(os.path.join(FACE_MESH_FOLDER, "LICENSE")).read().lstrip().startswith("Apache License")
    assert "Apache License" in open(os.path.join(FACE_MESH_FOLDER, "NOTICE")).read()


SCRIPT = textwrap.dedent("""
    import json, os, sys
    sys.path.insert(0, {facedetect!r})
    from shots import Actor, linear_motion, render
    from faceplate.actions.default_graph import default_graph
    from faceplate.actions.shot_tracking import track
    from faceplate.foundation import files
    from faceplate.models import runtime
    from faceplate.nodes.io import write_image

    folder = sys.argv[1]
    actors = [Actor("hopper", linear_motion(320, 180, 330, 185, (1, 3), scale=0.5))]
    for f in (1, 2, 3):
        write_image(render(actors, f), os.path.join(folder, f"plate.{{f:04d}}.exr"), pixel_type="half")
    graph = default_graph(os.path.join(folder, "shot.fp"), plate=os.path.join(folder, "plate.####.exr"),
                          frame_range=(1, 3))
    result = track(graph, contact_sheets=False, workers=1)
    graph.render(graph["Write1"].input(), 2)
    print(json.dumps({{"tracks": len(result.tracks), "dlib": "dlib" in sys.modules,
                      "hashed": sorted({{k[0] for k in files._digests}}),
                      "sessions": sorted({{k[0] for k in runtime._sessions}})}}))
""")


def test_a_default_track_and_render_touch_only_cleared_model_files(tmp_path):
    script = SCRIPT.format(facedetect=os.path.join(HERE, "..", "facedetect"))
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["tracks"] == 1
    assert not report["dlib"]
    cleared = {os.path.basename(c.file) for cards in default_chain_models().values() for c in cards}
    weights = (".onnx", ".dat", ".pt", ".pth", ".tar", ".bin")  # the sidecar and plates are hashed too
    used = {os.path.basename(p) for p in report["hashed"] + report["sessions"] if p.endswith(weights)}
    assert used and used <= cleared, used - cleared
    assert {"face_landmark.onnx", "face_detection_short_range.onnx", "occluder.onnx"} <= used


def test_faceplate_info_models_lists_every_model_and_the_chains_status(capsys):
    from faceplate.cli import main

    assert main(["info", "--models"]) == 0
    out = capsys.readouterr().out
    for card in CARDS.values():
        assert card.id in out and (card.sha256 or "(none)") in out
    assert "commercial use: NOT CLEARED" in out and "cleared for commercial use: YES" in out

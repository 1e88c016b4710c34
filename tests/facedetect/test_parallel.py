"""The track pass's speed work changes no result: worker processes give the serial sidecar byte for
byte, and the display conversion stays OpenColorIO's, bit for bit."""

import os

import numpy as np
import pytest
from shots import SRGB, Actor, linear_motion, render, shot_graph

from faceplate.actions import shot_tracking as tracking
from faceplate.foundation.errors import ScriptError, SequenceIOError
from faceplate.nodes.core import Graph
from faceplate.nodes.facedetect.detect import Detector
from faceplate.nodes.facedetect.display import display_quantiser
from faceplate.nodes.io import colour, write_image


def exr_graph(folder, actors, frames, **knobs):
    """Read (a half EXR sequence written here) -> FaceDetect, the graph a loaded script gives."""
    for f in frames:
        write_image(render(actors, f), os.path.join(folder, f"shot.{f:04d}.exr"), pixel_type="half")
    graph = Graph(root=str(folder), frame_range=(frames[0], frames[-1]))
    read = graph.create("Read", file="shot.####.exr")
    detect = graph.create("FaceDetect", proxy_size=640, detect_every=2, **knobs)
    graph.connect(read, detect)
    return graph


def test_worker_processes_write_the_serial_sidecar_and_sheets_byte_for_byte(tmp_path, monkeypatch):
    # Two faces crossing, one missing for two frames: new tracks, contested matches and a lost track
    # all ask for embeddings, which the calling process computes from the workers' crops.
    frames = list(range(1, 13))
    anna = Actor("astronaut", linear_motion(120, 150, 520, 150, frames, scale=1.2), visible=lambda f: f not in (6, 7))
    bea = Actor("hopper", linear_motion(520, 220, 120, 220, frames, scale=0.5))
    # dlib: the embeddings exchanged with the workers are the point (the mesh backend has none).
    graph = exr_graph(tmp_path, [anna, bea], frames, backend="dlib")
    monkeypatch.setattr(tracking, "CHUNK_FRAMES", 4)  # three chunks of two keyframe intervals

    def run(workers):
        result = tracking.track(graph, workers=workers)
        assert result.workers == workers
        files = [result.sidecar, *result.sheets]
        return result, {os.path.basename(p): open(p, "rb").read() for p in files}

    serial, serial_files = run(1)
    parallel, parallel_files = run(2)
    assert len(serial.tracks) >= 2 and len(serial.identities) == 2
    assert parallel_files == serial_files
    assert [(t.id, t.identity, sorted(t.frames)) for t in parallel.tracks] == [
        (t.id, t.identity, sorted(t.frames)) for t in serial.tracks
    ]


def test_a_corrupt_frame_in_a_worker_is_the_same_error_naming_the_frame(tmp_path):
    graph = exr_graph(tmp_path, [Actor("astronaut", lambda f: (320, 180, 1.3, 0.0))], [1, 2, 3, 4])
    with open(tmp_path / "shot.0003.exr", "r+b") as f:
        f.truncate(3000)
    with pytest.raises(SequenceIOError, match=r"shot\.0003\.exr.*frame 3") as raised:
        tracking.track(graph, workers=2)
    assert raised.value.frame == 3  # the CLI reads it to choose its exit code
    assert not os.path.exists(graph["FaceDetect1"].sidecar_path())


def test_short_shots_and_graphs_built_in_code_track_serially(tmp_path, monkeypatch):
    monkeypatch.setattr(tracking, "available_cores", lambda: 4)
    assert tracking.default_workers(tracking.PARALLEL_MIN_FRAMES - 1) == 1
    assert tracking.default_workers(tracking.PARALLEL_MIN_FRAMES) == 4
    for cores in (1, 2):  # the serial pass already keeps about 1.7 cores busy
        monkeypatch.setattr(tracking, "available_cores", lambda: cores)
        assert tracking.default_workers(1000) == 1

    # A node built in code (here a test node) cannot be rebuilt by a worker from the script data.
    monkeypatch.setattr(tracking, "available_cores", lambda: 4)
    monkeypatch.setattr(tracking, "PARALLEL_MIN_FRAMES", 2)
    frames = [1, 2, 3]
    graph = shot_graph(tmp_path, [Actor("astronaut", lambda f: (320, 180, 1.3, 0.0))], frames)
    budget = graph.cache.max_bytes
    assert tracking.track(graph, contact_sheets=False).workers == 1
    assert graph.cache.max_bytes == budget  # capped during the pass only (each frame is pulled once)
    with pytest.raises(ScriptError, match="workers=1"):
        tracking.track(graph, workers=2)


def test_display_conversion_is_opencolorio_bit_for_bit(dlib_backend, rng):
    linear = rng.uniform(-0.3, 3.0, (64, 96, 3)).astype(np.float32)
    linear[0, :8, 1] = [0.0, -0.0, np.inf, -np.inf, 1e-30, 1e30, 0.0031308, 1.0]
    assert display_quantiser(colour.config_path(), colour.WORKING_SPACE, SRGB) is not None  # the fast path is used
    for exposure in (0.0, 2.5, -3.0):
        expected = colour.convert(linear * np.float32(2.0**exposure), colour.WORKING_SPACE, SRGB)
        expected = (np.clip(expected, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        before = linear.copy()
        got = Detector(dlib_backend, exposure=exposure).display(linear)
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(linear, before)  # the input is not changed
    # Another pair of spaces (no fast path or a different one) gives OpenColorIO's result as well.
    expected = (np.clip(colour.convert(linear, "ACES2065-1", SRGB), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    np.testing.assert_array_equal(Detector(dlib_backend, colourspace="ACES2065-1").display(linear), expected)

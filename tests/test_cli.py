"""The faceplate command end to end: new, render, info, exit codes, resumable renders."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import OpenImageIO as oiio
import pytest

from faceplate.cli import main

DATA = os.path.join(os.path.dirname(__file__), "data", "openexr-images")
BEACHBALL = os.path.join(DATA, "Beachball", "singlepart.####.exr")
STORAGE_ATTRS = {
    "compression",
    "openexr:chunkCount",
    "openexr:lineOrder",
    "oiio:subimages",
    "oiio:subimagename",
    "oiio:ColorSpace",
    "planarconfig",
    "openexr:dwaCompressionLevel",
    "oiio:BitsPerSample",
}


def faceplate(*args, cwd=None, timeout=120):
    """Runs the installed command in a subprocess: exit codes, signals and hangs are real."""
    return subprocess.run(
        [sys.executable, "-m", "faceplate.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def raw_half(path):
    """Every channel's raw half bits, the data and display windows, and the metadata, via OIIO."""
    inp = oiio.ImageInput.open(path)
    assert inp, oiio.geterror()
    spec = inp.spec()
    pixels = inp.read_image(0, 0, 0, spec.nchannels, oiio.HALF)
    inp.close()
    meta = {a.name: a.value for a in spec.extra_attribs}
    return (
        list(spec.channelnames),
        np.asarray(pixels).view(np.uint16),
        (spec.x, spec.y, spec.width, spec.height),
        (spec.full_x, spec.full_y, spec.full_width, spec.full_height),
        meta,
    )


@pytest.fixture
def beachball_render(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bb")
    script = str(folder / "shot.json")
    assert main(["new", script, "--plate", BEACHBALL, "--frames", "1-4", "--bare"]) == 0
    assert main(["render", script, "-q"]) == 0
    return folder, script


def test_new_writes_a_relative_default_graph(beachball_render):
    folder, script = beachball_render
    data = json.load(open(script))
    assert data["frame_range"] == [1, 4]
    assert [n["type"] for n in data["nodes"].values()] == ["Read", "Write"]
    read = data["nodes"]["Read1"]["knobs"]["file"]
    assert os.path.isabs(read)  # far from the script: kept absolute
    assert os.path.samefile(read.replace("####", "0001"), BEACHBALL.replace("####", "0001"))
    assert data["nodes"]["Write1"]["knobs"]["file"] == "render/singlepart_faceplate.####.exr"


def test_new_makes_nearby_plates_relative(tmp_path, monkeypatch):
    (tmp_path / "plates").mkdir()
    for frame in range(1001, 1101):  # new checks --frames against the files on disk (names only)
        (tmp_path / "plates" / f"sh010.{frame}.exr").touch()
    monkeypatch.chdir(tmp_path / "plates")
    assert main(["new", "../shots/sh010.json", "--plate", "sh010.####.exr", "--frames", "1001-1100"]) != 0  # no folder
    (tmp_path / "shots").mkdir()
    assert main(["new", "../shots/sh010.json", "--plate", "sh010.####.exr", "--frames", "1001-1100"]) == 0
    data = json.load(open(tmp_path / "shots" / "sh010.json"))
    assert data["nodes"]["Read1"]["knobs"]["file"] == "../plates/sh010.####.exr"
    assert main(["new", "../shots/sh010.json", "--plate", "x.####.exr", "--frames", "1-2"]) == 2  # exists


def test_new_takes_the_frame_range_from_disk(tmp_path, capsys):
    script = str(tmp_path / "shot.json")
    assert main(["new", script, "--plate", BEACHBALL, "--bare"]) == 0
    assert json.load(open(script))["frame_range"] == [1, 4]  # singlepart.0001-0004.exr are on disk
    missing = str(tmp_path / "nothing.####.exr")
    assert main(["new", str(tmp_path / "other.json"), "--plate", missing]) == 2
    assert "no frames of" in capsys.readouterr().err and not os.path.exists(tmp_path / "other.json")


@pytest.mark.parametrize("frame", [1, 2, 3, 4])
def test_beachball_round_trip_is_bit_exact_with_windows_and_metadata(beachball_render, frame):
    folder, script = beachball_render
    src = raw_half(BEACHBALL.replace("####", f"{frame:04d}"))
    out_path = folder / "render" / f"singlepart_faceplate.{frame:04d}.exr"
    out = raw_half(str(out_path))
    assert out[0] == src[0]  # every channel, same names, same order
    np.testing.assert_array_equal(out[1], src[1])  # bit-exact half
    assert out[2] == src[2] and out[3] == src[3]  # data and display windows
    for name, value in src[4].items():
        if name not in STORAGE_ATTRS:
            assert name in out[4], f"lost header attribute {name}"
            assert out[4][name] == value, name
    prov = {k: v for k, v in out[4].items() if k.startswith("faceplate/")}
    import faceplate

    assert prov["faceplate/version"] == faceplate.__version__
    assert prov["faceplate/node"] == "Write1"
    assert prov["faceplate/script_hash"] == faceplate.Graph.load(script).script_hash()
    assert int(prov["faceplate/synthetic"]) == 0


def test_display_windows_are_kept(tmp_path):
    files = sorted(f for f in os.listdir(os.path.join(DATA, "DisplayWindow")) if f.startswith("t"))
    assert len(files) == 8
    for i, name in enumerate(files, 1):
        shutil.copy(os.path.join(DATA, "DisplayWindow", name), tmp_path / f"dw.{i:04d}.exr")
    script = str(tmp_path / "dw.json")
    assert (
        main(
            [
                "new",
                script,
                "--plate",
                str(tmp_path / "dw.####.exr"),
                "--frames",
                f"1-{len(files)}",
                "--output",
                str(tmp_path / "out" / "dw.####.exr"),
            ]
        )
        == 0
    )
    assert main(["render", script, "-q", "--allow-passthrough"]) == 0  # not tracked: the plates pass through
    for i in range(1, len(files) + 1):
        src, out = raw_half(str(tmp_path / f"dw.{i:04d}.exr")), raw_half(str(tmp_path / "out" / f"dw.{i:04d}.exr"))
        assert out[2:4] == src[2:4], f"frame {i}: windows changed"
        np.testing.assert_array_equal(out[1], src[1])


def test_info_shows_channels_windows_views_and_provenance(beachball_render, capsys):
    folder, _ = beachball_render
    assert main(["info", str(folder / "render" / "singlepart_faceplate.0001.exr")]) == 0
    text = capsys.readouterr().out
    for needle in (  # channels are listed by layer: "disparityL  x, y"
        "disparityL          x, y",
        "whitebarmask.left   mask",
        "654",
        "2048",
        "views right, left",
        "faceplate/script_hash",
        "half",
    ):
        assert needle in text, needle


def test_skip_existing_renders_exactly_what_is_missing_or_broken(beachball_render):
    folder, script = beachball_render
    out = folder / "render"
    os.remove(out / "singlepart_faceplate.0002.exr")
    with open(out / "singlepart_faceplate.0003.exr", "r+b") as f:
        f.truncate(2000)
    before = os.stat(out / "singlepart_faceplate.0001.exr").st_mtime_ns
    report = folder / "report.json"
    assert main(["render", script, "-q", "--skip-existing", "--report", str(report)]) == 0
    frames = json.load(open(report))["frames"]
    assert {f: r["status"] for f, r in frames.items()} == {
        "1": "skipped",
        "2": "rendered",
        "3": "rendered",
        "4": "skipped",
    }
    assert os.stat(out / "singlepart_faceplate.0001.exr").st_mtime_ns == before
    raw_half(str(out / "singlepart_faceplate.0003.exr"))  # readable again


def test_skip_existing_rerenders_when_the_script_changed(beachball_render):
    folder, script = beachball_render
    data = json.load(open(script))
    data["nodes"]["Write1"]["knobs"]["compression"] = "piz"
    json.dump(data, open(script, "w"))
    report = folder / "report.json"
    assert main(["render", script, "-q", "--skip-existing", "--report", str(report)]) == 0
    assert json.load(open(report))["counts"] == {"rendered": 4, "skipped": 0, "failed": 0}


def test_a_corrupt_frame_fails_alone_with_exit_code_1(tmp_path):
    for f in (1, 2, 3):
        shutil.copy(BEACHBALL.replace("####", f"{f:04d}"), tmp_path / f"p.{f:04d}.exr")
    shutil.copy(
        os.path.join(DATA, "Damaged", "asan_heap-oob_7f4aaebde389_918_a40f029a8121e5e26fe338b1fb91846e_exr"),
        tmp_path / "p.0002.exr",
    )
    assert main(["new", str(tmp_path / "s.json"), "--plate", str(tmp_path / "p.####.exr"), "--frames", "1-3"]) == 0
    result = faceplate(
        "render",
        str(tmp_path / "s.json"),
        "-q",
        "--report",
        str(tmp_path / "r.json"),
        "--allow-passthrough",
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "p.0002.exr" in result.stderr and "frame 2" in result.stderr
    frames = json.load(open(tmp_path / "r.json"))["frames"]
    assert [frames[k]["status"] for k in "123"] == ["rendered", "failed", "rendered"]
    assert "p.0002.exr" in frames["2"]["error"]
    rendered = sorted(os.listdir(tmp_path / "render"))
    assert rendered == ["p_faceplate.0001.exr", "p_faceplate.0003.exr"]  # no partial or temp file


def test_missing_frame_policy(tmp_path):
    for f in (1, 3):
        shutil.copy(BEACHBALL.replace("####", f"{f:04d}"), tmp_path / f"p.{f:04d}.exr")
    import faceplate

    g = faceplate.Graph(root=tmp_path)
    read = g.create("Read", file="p.####.exr")
    with pytest.raises(faceplate.SequenceIOError, match=r"p\.0002\.exr \(frame 2\): file not found"):
        g.render(read, 2)
    read["missing_frames"] = "hold"
    held = g.render(read, 2)
    np.testing.assert_array_equal(held.pixels, g.render(read, 1).pixels)  # nearest; ties go to the earlier
    read["missing_frames"] = "black"
    black = g.render(read, 2)
    assert not black.pixels.any() and black.data_window == held.data_window


def test_unwritable_output_is_an_error_before_any_work(tmp_path):
    (tmp_path / "blocker").write_text("a file where the output folder should be")
    assert (
        main(
            [
                "new",
                str(tmp_path / "s.json"),
                "--plate",
                BEACHBALL,
                "--frames",
                "1-4",
                "--output",
                str(tmp_path / "blocker" / "out.####.exr"),
            ]
        )
        == 0
    )
    result = faceplate("render", str(tmp_path / "s.json"), "-q", "--report", str(tmp_path / "r.json"))
    assert result.returncode == 2
    assert "blocker" in result.stderr and "output folder" in result.stderr
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["render", "missing.json"], 2, "cannot read script missing.json"),
        (["new", "x.json", "--plate", "p.####.exr", "--frames", "10-oops"], 2, "10-oops"),
        (["render"], 2, "usage"),
        ([], 2, "usage"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path, args, code, message):
    result = faceplate(*args, cwd=tmp_path)
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_script_names_node_and_knob(tmp_path):
    (tmp_path / "s.json").write_text(
        json.dumps(
            {
                "format": "faceplate-script",
                "version": 1,
                "nodes": {"Read1": {"type": "Read", "knobs": {"missing_frames": "skip"}}},
            }
        )
    )
    result = faceplate("render", "s.json", "--frames", "1", cwd=tmp_path)
    assert result.returncode == 2
    assert "node 'Read1', knob 'missing_frames'" in result.stderr


def test_example_graph_renders(tmp_path):
    example = os.path.join(os.path.dirname(__file__), "..", "examples", "beachball.json")
    import faceplate

    g = faceplate.Graph.load(example)
    g["Write1"]["file"] = str(tmp_path / "bb.####.exr")
    report = faceplate.render(g, [1])
    assert not report.failed and os.path.exists(tmp_path / "bb.0001.exr")


_INFO_CHILD = r"""
import contextlib, io, json, sys
from faceplate.cli import main
for path in sys.argv[1:]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["info", path])
    print(json.dumps({"path": path, "code": code, "stderr": err.getvalue()}), flush=True)
"""


def test_info_on_every_damaged_file_exits_2_with_one_line(tmp_path):
    damaged = os.path.join(DATA, "Damaged")
    paths = []
    for name in sorted(os.listdir(damaged)):  # also through a .exr name, which goes straight to the EXR reader
        link = tmp_path / f"{name}.exr"
        link.symlink_to(os.path.join(damaged, name))
        paths += [os.path.join(damaged, name), str(link)]
    proc = subprocess.run(
        [sys.executable, "-c", _INFO_CHILD, *paths], capture_output=True, text=True, timeout=2.0 * len(paths) + 30
    )
    assert proc.returncode == 0, f"the process died (signal or crash): {proc.returncode} {proc.stderr[-500:]}"
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["path"] for r in results] == paths
    for r in results:
        assert r["code"] == 2, r
        lines = [ln for ln in r["stderr"].splitlines() if ln.startswith("faceplate: error:")]
        assert len(lines) == 1 and os.path.basename(r["path"]) in lines[0], r

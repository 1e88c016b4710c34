"""write_image / write_preview: bit-exact half round trips, windows, metadata, atomicity, bad folders."""

from __future__ import annotations

import os

import numpy as np
import OpenImageIO as oiio
import pytest
from io_images import exr_image

from faceplate.foundation.errors import SequenceIOError
from faceplate.nodes.io import image_write, read_image, write_image, write_preview
from faceplate.nodes.plate import Box2i, Plate


def assert_same_plate(a: Plate, b: Plate) -> None:
    assert a.channels == b.channels
    assert a.data_window == b.data_window and a.display_window == b.display_window
    assert a.pixel_aspect == b.pixel_aspect
    assert a.metadata == b.metadata
    for name in a.channels:  # bit-exact, NaN payloads included
        assert np.array_equal(a.channel(name).view(np.uint32), b.channel(name).view(np.uint32)), name


@pytest.mark.parametrize(
    "source, part",
    [
        (("Beachball", "singlepart.0001.exr"), None),
        (("Beachball", "multipart.0001.exr"), 0),
        (("Beachball", "multipart.0001.exr"), "whitebarmask_left"),
        (("DisplayWindow", "t07.exr"), None),
        (("DisplayWindow", "t08.exr"), None),
    ],
)
def test_half_round_trip_is_bit_exact(tmp_path, source, part):
    plate = read_image(exr_image(*source), part=part)
    out = tmp_path / "rt.1001.exr"
    write_image(plate, out, compression="piz")
    assert_same_plate(plate, read_image(out))
    assert os.listdir(tmp_path) == ["rt.1001.exr"]


def test_round_trip_negative_windows_aspect_and_typed_metadata(tmp_path):
    rng = np.random.default_rng(3)
    pixels = rng.normal(0, 4, (5, 7, 3)).astype(np.float32)
    metadata = {
        "faceplate/version": "0.1.0",
        "faceplate/synthetic": 1,
        "worldToCamera": tuple(float(v) for v in range(16)),
        "chromaticities": (0.64, 0.33, 0.3, 0.6, 0.15, 0.06, 0.3127, 0.329),
        "screenWindowCenter": (0.5, -0.25),
        "multiView": ("left", "right"),
        "smpte:TimeCode": (1, 0),
        "FramesPerSecond": (24000, 1001),
        "faces": (1.0, 2.5, -3.0),
        "owner": "comp",
    }
    plate = Plate(
        pixels,
        ["fp_matte.jaw", "Z", "id"],
        data_window=Box2i(-10, -20, -4, -16),
        display_window=Box2i(0, 0, 1919, 1079),
        pixel_aspect=2.0,
        metadata=metadata,
    )
    out = tmp_path / "typed.exr"
    write_image(plate, out, pixel_type="float", compression="zip", metadata={"owner": "lighting"})
    back = read_image(out)
    assert back.channels == ("Z", "id", "fp_matte.jaw")  # EXR stores channels sorted by name
    for name in plate.channels:
        np.testing.assert_array_equal(back.channel(name), plate.channel(name))
    assert back.data_window == plate.data_window and back.display_window == plate.display_window
    assert back.pixel_aspect == 2.0
    # OIIO names EXR's standard 'owner' attribute 'Copyright' (and 'comments' 'ImageDescription')
    assert back.metadata["Copyright"] == "lighting" and "owner" not in back.metadata
    for key in (
        "faceplate/version",
        "faceplate/synthetic",
        "worldToCamera",
        "multiView",
        "smpte:TimeCode",
        "FramesPerSecond",
        "faces",
        "screenWindowCenter",
    ):
        assert back.metadata[key] == metadata[key], key
    np.testing.assert_allclose(back.metadata["chromaticities"], metadata["chromaticities"], rtol=1e-7)
    inp = oiio.ImageInput.open(str(out))
    types = {p.name: str(p.type) for p in inp.spec().extra_attribs}
    inp.close()
    assert types["worldToCamera"] == "matrix" and types["smpte:TimeCode"] == "timecode"
    assert types["FramesPerSecond"] == "rational" and "DateTime" not in types


def test_metadata_that_openexr_cannot_hold_is_converted(tmp_path):
    plate = Plate(
        np.zeros((2, 2, 1), np.float32),
        ["Y"],
        metadata={"big": 2**40, "ints4": (1, 2, 3, 4), "flag": True, "np": np.float32(0.5), "arr": np.arange(3.0)},
    )
    write_image(plate, tmp_path / "m.exr")
    meta = read_image(tmp_path / "m.exr").metadata
    assert meta["big"] == str(2**40) and meta["ints4"] == (1.0, 2.0, 3.0, 4.0)
    assert meta["flag"] == 1 and meta["np"] == 0.5 and meta["arr"] == (0.0, 1.0, 2.0)


def test_unstorable_metadata_names_the_key(tmp_path):
    plate = Plate(np.zeros((2, 2, 1), np.float32), ["Y"], metadata={"faces": {"track": 1}})
    with pytest.raises(SequenceIOError, match="metadata 'faces': a dict"):
        write_image(plate, tmp_path / "m.exr")
    assert os.listdir(tmp_path) == []


def test_channels_subset_pixel_types_and_uint(tmp_path):
    pixels = np.stack([np.full((2, 3), 0.1), np.full((2, 3), 70000.0), np.array([[0, 5, 7], [2**24, 3, 1]])], -1)
    plate = Plate(pixels.astype(np.float32), ["R", "depth", "id"])
    out = tmp_path / "t.exr"
    write_image(plate, out, pixel_type={"depth": "float", "id": "uint"}, channels=["id", "depth", "R"])
    inp = oiio.ImageInput.open(str(out))
    spec = inp.spec()
    assert dict(zip(spec.channelnames, map(str, spec.channelformats))) == {"id": "uint", "depth": "float", "R": "half"}
    inp.close()
    back = read_image(out)
    assert set(back.channels) == {"id", "depth", "R"}
    np.testing.assert_array_equal(back.channel("id"), plate.channel("id"))
    np.testing.assert_array_equal(back.channel("depth"), plate.channel("depth"))
    assert back.channel("R")[0, 0] == np.float32(np.float16(0.1))


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"pixel_type": "double"}, "pixel type 'double' unknown"),
        ({"pixel_type": {"nope": "float"}}, "names channels not written: nope"),
        ({"compression": "lzw"}, "compression 'lzw' unknown"),
        ({"compression": "dwaa:x"}, "compression 'dwaa:x' unknown"),
        ({"channels": ["R", "Q"]}, "['Q'] not in the plate"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, fragment):
    plate = Plate(np.zeros((2, 2, 3), np.float32), ["R", "G", "B"])
    with pytest.raises(SequenceIOError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        write_image(plate, tmp_path / "x.exr", **kwargs)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("compression", ["none", "zip", "zips", "piz", "pxr24", "dwaa:45", "b44"])
def test_compressions(tmp_path, compression):
    plate = Plate(np.ones((16, 16, 3), np.float32), ["R", "G", "B"])
    write_image(plate, tmp_path / "c.exr", compression=compression)
    inp = oiio.ImageInput.open(str(tmp_path / "c.exr"))
    assert inp.spec().getattribute("compression") == compression.split(":")[0]
    inp.close()


@pytest.mark.parametrize("failure", ["returns False", "raises"])
def test_failure_mid_write_leaves_no_file(tmp_path, monkeypatch, failure):
    plate = Plate(np.ones((8, 8, 3), np.float32), ["R", "G", "B"])
    real_create = oiio.ImageOutput.create

    class Failing:  # the header is on disk, the pixels never arrive
        def __init__(self, fmt):
            self._out = real_create(fmt)

        def __getattr__(self, name):
            return getattr(self._out, name)

        def write_image(self, pixels):
            if failure == "raises":
                raise MemoryError("simulated")
            return False

    monkeypatch.setattr(image_write.oiio.ImageOutput, "create", staticmethod(lambda fmt: Failing(fmt)))
    expected = MemoryError if failure == "raises" else SequenceIOError
    with pytest.raises(expected):
        write_image(plate, tmp_path / "sh.1001.exr")
    assert os.listdir(tmp_path) == []


def test_failed_rewrite_keeps_the_good_file(tmp_path, monkeypatch):
    out = tmp_path / "sh.1001.exr"
    good = Plate(np.full((4, 4, 3), 0.25, np.float32), ["R", "G", "B"])
    write_image(good, out)
    before = out.read_bytes()

    def broken_replace(src, dst):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(image_write.os, "replace", broken_replace)
    with pytest.raises(SequenceIOError, match="cannot move the finished file into place"):
        write_image(good.replace(pixels=np.zeros((4, 4, 3), np.float32)), out)
    assert out.read_bytes() == before
    assert os.listdir(tmp_path) == ["sh.1001.exr"]


def test_oiio_failure_is_a_sequence_error_and_cleans_up(tmp_path):
    plate = Plate(np.ones((4, 4, 1), np.float32), ["Y"])
    with pytest.raises(SequenceIOError, match="compression 'jpeg' unknown"):
        write_image(plate, tmp_path / "x.exr", compression="jpeg")
    # pixels OIIO cannot take: a plate whose data window is empty
    empty = Plate(np.zeros((0, 0, 1), np.float32), ["Y"], data_window=Box2i(0, 0, -1, -1))
    with pytest.raises(SequenceIOError):
        write_image(empty, tmp_path / "e.exr")
    assert os.listdir(tmp_path) == []


def test_missing_and_unwritable_folders(tmp_path):
    plate = Plate(np.ones((2, 2, 1), np.float32), ["Y"])
    with pytest.raises(SequenceIOError, match="does not exist; create it first") as info:
        write_image(plate, tmp_path / "missing" / "a.exr")
    assert "missing" in str(info.value)
    (tmp_path / "file").write_text("")
    with pytest.raises(SequenceIOError, match="is not a folder"):
        write_image(plate, tmp_path / "file" / "a.exr")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permission bits: use a read-only filesystem
            target = "/proc/faceplate-test/a.exr" if os.path.isdir("/proc") else None
            if target is None:
                pytest.skip("no unwritable folder available")
            with pytest.raises(SequenceIOError):
                write_image(plate, target)
        else:
            with pytest.raises(SequenceIOError, match="not writable"):
                write_image(plate, locked / "a.exr")
    finally:
        locked.chmod(0o700)


def test_unwritable_folder_reported_by_the_writer(tmp_path, monkeypatch):
    """What the OS refuses (read-only mounts, quotas) arrives as OIIO's open failing."""
    monkeypatch.setattr(image_write.os, "access", lambda *a, **k: True)
    ro = "/proc/sys"  # exists, is a folder, and no file can be created in it, even by root
    with pytest.raises(SequenceIOError, match="opening for writing failed"):
        write_image(Plate(np.ones((2, 2, 1), np.float32), ["Y"]), os.path.join(ro, "a.exr"))


def test_write_image_is_exr_only(tmp_path):
    with pytest.raises(SequenceIOError, match="write_preview"):
        write_image(Plate(np.ones((2, 2, 3), np.float32), ["R", "G", "B"]), tmp_path / "a.png")


@pytest.mark.parametrize("ext", [".png", ".jpg", ".tif"])
def test_preview_covers_the_display_window(tmp_path, ext):
    pixels = np.zeros((2, 2, 4), np.float32)
    pixels[..., 0] = 1.0
    pixels[..., 3] = 1.0
    plate = Plate(pixels, ["R", "G", "B", "A"], data_window=Box2i(1, 1, 2, 2), display_window=Box2i(0, 0, 2, 1))
    out = tmp_path / f"p{ext}"
    write_preview(plate, out)
    inp = oiio.ImageInput.open(str(out))
    spec = inp.spec()
    codes = inp.read_image(oiio.TypeUInt8)
    inp.close()
    assert (spec.width, spec.height) == (3, 2) and spec.format == oiio.TypeUInt8
    assert spec.nchannels == (3 if ext == ".jpg" else 4)
    if ext != ".jpg":
        assert codes[1, 1:, 0].tolist() == [255, 255] and codes[0, :, 0].tolist() == [0, 0, 0]
    assert os.listdir(tmp_path) == [f"p{ext}"]


def test_preview_errors(tmp_path):
    plate = Plate(np.ones((2, 2, 3), np.float32), ["R", "G", "B"])
    with pytest.raises(SequenceIOError, match="preview format '.gif' unknown"):
        write_preview(plate, tmp_path / "a.gif")
    with pytest.raises(SequenceIOError, match="need 1 to 4"):
        write_preview(plate, tmp_path / "a.png", channels=["R", "G", "B", "R", "G"])


def test_a_killed_writers_leftover_is_removed_by_the_next_write(tmp_path):
    import subprocess
    import sys

    from faceplate.foundation.files import _HOST

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target = tmp_path / "sh.1001.exr"
    stale = tmp_path / f".sh.1001.exr.{_HOST}-{dead.pid}-abcd.partial"
    live = tmp_path / f".sh.1001.exr.{_HOST}-{os.getpid()}-abcd.partial"
    other_host = tmp_path / ".sh.1001.exr.otherhost-1-abcd.partial"
    for p in (stale, live, other_host):
        p.write_bytes(b"half a frame")
    write_image(Plate(np.zeros((2, 2, 1), np.float32), ["Y"]), target)
    assert target.exists() and not stale.exists()
    assert live.exists() and other_host.exists()  # a live writer's, and one this host cannot judge

"""read_image on every fixture category: windows, parts, views, tiles, MIP maps, uint, 8-bit, metadata."""

from __future__ import annotations

import numpy as np
import OpenImageIO as oiio
import pytest
from io_images import exr_image

from faceplate.foundation.errors import SequenceIOError
from faceplate.nodes.io import read_header_metadata, read_image
from faceplate.nodes.plate import Box2i


def oiio_pixels(path: str, subimage: int = 0) -> np.ndarray:
    inp = oiio.ImageInput.open(path)
    inp.seek_subimage(subimage, 0)
    spec = inp.spec()
    pixels = inp.read_image(subimage, 0, 0, spec.nchannels, oiio.TypeFloat)
    inp.close()
    return pixels


# (file, data window, display window) as OpenEXR's DisplayWindow test set defines them
DISPLAY_WINDOWS = [
    ("t01.exr", (0, 0, 399, 299), (0, 0, 399, 299)),
    ("t02.exr", (0, 0, 399, 299), (1, 1, 400, 300)),
    ("t03.exr", (0, 0, 399, 299), (30, 20, 399, 299)),
    ("t04.exr", (0, 0, 399, 299), (0, 0, 369, 279)),
    ("t05.exr", (0, 0, 399, 299), (30, 20, 369, 279)),
    ("t06.exr", (0, 0, 399, 299), (-1, -1, 400, 300)),
    ("t07.exr", (0, 0, 399, 299), (-40, -40, 440, 330)),
    ("t08.exr", (30, 40, 429, 339), (0, 0, 500, 400)),
]


@pytest.mark.parametrize("name, data, display", DISPLAY_WINDOWS)
def test_windows_kept_exactly(name, data, display):
    path = exr_image("DisplayWindow", name)
    plate = read_image(path)
    assert plate.data_window == Box2i(*data)
    assert plate.display_window == Box2i(*display)
    assert plate.pixels.shape == (300, 400, 3) and plate.pixels.dtype == np.float32
    assert plate.channels == ("R", "G", "B")
    np.testing.assert_array_equal(plate.pixels, oiio_pixels(path))


def test_singlepart_multiview_reads_every_channel(beachball):
    plate = read_image(beachball)
    assert len(plate.channels) == 20
    assert {"R", "left.R", "forward.left.u", "forward.right.u", "disparityL.x", "whitebarmask.left.mask"} <= set(
        plate.channels
    )
    assert plate.metadata["multiView"] == ("right", "left")
    assert plate.data_window == Box2i(654, 245, 1564, 1120)
    assert plate.display_window == Box2i(0, 0, 2047, 1555)
    np.testing.assert_array_equal(plate.pixels, oiio_pixels(beachball))


def test_view_selection_names_channels_like_the_hero(beachball):
    full = read_image(beachball)
    left = read_image(beachball, view="left")
    assert set(left.channels) == {
        "R",
        "G",
        "B",
        "A",
        "Z",
        "forward.u",
        "forward.v",
        "whitebarmask.mask",
        "disparityL.x",
        "disparityL.y",
        "disparityR.x",
        "disparityR.y",  # no view: shared by both
    }
    for hero_name, stored in [
        ("R", "left.R"),
        ("Z", "left.Z"),
        ("forward.u", "forward.left.u"),
        ("whitebarmask.mask", "whitebarmask.left.mask"),
        ("disparityL.x", "disparityL.x"),
    ]:
        np.testing.assert_array_equal(left.channel(hero_name), full.channel(stored))
    assert "multiView" not in left.metadata and left.metadata["view"] == "left"
    right = read_image(beachball, view="right")
    np.testing.assert_array_equal(right.channel("R"), full.channel("R"))
    np.testing.assert_array_equal(right.channel("forward.u"), full.channel("forward.right.u"))
    assert not np.array_equal(left.channel("R"), right.channel("R"))


def test_unknown_view(beachball):
    with pytest.raises(SequenceIOError, match="no view 'centre'; the file has views right, left"):
        read_image(beachball, view="centre")


def test_view_on_a_file_without_views():
    with pytest.raises(SequenceIOError, match="no views"):
        read_image(exr_image("DisplayWindow", "t01.exr"), view="left")


def test_multipart_default_is_first_part(beachball_multipart):
    plate = read_image(beachball_multipart)
    assert plate.channels == ("R", "G", "B", "A")
    assert plate.metadata["name"] == "rgba_right" and plate.metadata["view"] == "right"
    assert plate.data_window == Box2i(654, 245, 1530, 1120)
    np.testing.assert_array_equal(plate.pixels, oiio_pixels(beachball_multipart, 0))


@pytest.mark.parametrize(
    "part, index, channels",
    [
        (1, 1, ("Z",)),
        ("depth_left", 1, ("Z",)),
        (7, 7, ("disparityL.x", "disparityL.y")),
        ("whitebarmask_right", 9, ("whitebarmask.mask",)),
    ],
)
def test_multipart_select_by_index_and_name(beachball_multipart, part, index, channels):
    plate = read_image(beachball_multipart, part=part)
    assert plate.channels == channels
    np.testing.assert_array_equal(plate.pixels, oiio_pixels(beachball_multipart, index))


def test_multipart_windows_differ_per_part(beachball_multipart):
    assert read_image(beachball_multipart, part=3).data_window == Box2i(1106, 245, 1490, 1013)


def test_multipart_view(beachball_multipart):
    left = read_image(beachball_multipart, view="left")
    assert left.metadata["name"] == "depth_left"  # the first part of that view
    rgba_left = read_image(beachball_multipart, part="rgba_left", view="left")
    assert rgba_left.channels == ("R", "G", "B", "A")
    assert read_image(beachball_multipart, part="disparityL", view="left").channels == ("disparityL.x", "disparityL.y")
    with pytest.raises(SequenceIOError, match="is view 'right', not 'left'"):
        read_image(beachball_multipart, part=0, view="left")
    with pytest.raises(SequenceIOError, match="no part of view 'centre'"):
        read_image(beachball_multipart, view="centre")


@pytest.mark.parametrize(
    "part, fragment",
    [
        (10, "no part 10; the file has 10 part"),
        (-1, "no part -1"),
        ("nope", "no part named 'nope'"),
        (1.5, "index or a name"),
    ],
)
def test_bad_part(beachball_multipart, part, fragment):
    with pytest.raises(SequenceIOError, match=fragment) as info:
        read_image(beachball_multipart, part=part)
    assert beachball_multipart in str(info.value)


def test_tiled_mipmapped_reads_level_0():
    path = exr_image("MultiResolution", "ColorCodedLevels.exr")
    plate = read_image(path)
    assert plate.pixels.shape == (512, 512, 4)
    assert plate.metadata["ImageDescription"] == "a mip-map image with color-coded levels"
    assert "oiio:miplevels" not in plate.metadata and "openexr:roundingmode" not in plate.metadata
    np.testing.assert_array_equal(plate.pixels, oiio_pixels(path))


def test_storage_attributes_left_out_and_image_ones_kept():
    plate = read_image(exr_image("TestImages", "WideColorGamut.exr"))
    assert len(plate.metadata["chromaticities"]) == 8
    assert plate.metadata["screenWindowWidth"] == 1.0
    for key in ("compression", "PixelAspectRatio", "openexr:lineOrder", "oiio:RowsPerChunk", "oiio:subimages"):
        assert key not in plate.metadata
    assert plate.pixel_aspect == 1.0


def _write_raw(path, spec, pixels):
    out = oiio.ImageOutput.create(str(path))
    assert out.open(str(path), spec), out.geterror()
    assert out.write_image(pixels), out.geterror()
    assert out.close()


def test_uint_exr_channels_keep_their_values(tmp_path):
    path = tmp_path / "ids.exr"
    spec = oiio.ImageSpec(3, 2, 2, oiio.TypeFloat)
    spec.channelnames = ("R", "id")
    spec.channelformats = (oiio.TypeHalf, oiio.TypeUInt)
    ids = np.array([[0, 1, 7], [65535, 1_000_000, 2**24]], np.float64)
    buf = np.zeros((2, 3, 2), np.float64)
    buf[:, :, 0] = 0.5
    buf[:, :, 1] = ids / 4294967295.0  # OIIO scales float -> uint
    _write_raw(path, spec, buf)
    plate = read_image(path)
    np.testing.assert_array_equal(plate.channel("id"), ids.astype(np.float32))
    np.testing.assert_array_equal(plate.channel("R"), np.full((2, 3), 0.5, np.float32))


@pytest.mark.parametrize(
    "ext, fmt, codes", [(".png", oiio.TypeUInt8, [0, 51, 255]), (".tif", oiio.TypeUInt16, [0, 13107, 65535])]
)
def test_integer_images_are_normalised(tmp_path, ext, fmt, codes):
    path = tmp_path / f"ramp{ext}"
    spec = oiio.ImageSpec(3, 1, 3, fmt)
    dtype = np.uint8 if fmt == oiio.TypeUInt8 else np.uint16
    _write_raw(path, spec, np.repeat(np.array(codes, dtype)[None, :, None], 3, axis=2))
    plate = read_image(path)
    np.testing.assert_allclose(plate.pixels[0, :, 0], [0.0, 0.2, 1.0], atol=1e-6)


def test_missing_file_names_the_path(tmp_path):
    path = str(tmp_path / "sh010.1001.exr")
    with pytest.raises(SequenceIOError, match="file not found") as info:
        read_image(path)
    assert info.value.path == path


def test_folder_and_non_image(tmp_path):
    with pytest.raises(SequenceIOError, match="folder"):
        read_image(tmp_path)
    text = tmp_path / "notes.exr"
    text.write_text("not an image\n")
    with pytest.raises(SequenceIOError, match="cannot open") as info:
        read_image(text)
    assert str(text) in str(info.value)


def test_truncated_file(tmp_path, beachball):
    data = open(beachball, "rb").read()
    path = tmp_path / "cut.exr"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SequenceIOError, match="reading pixels failed"):
        read_image(path)


def test_read_header_metadata(beachball_multipart):
    assert read_header_metadata(beachball_multipart) == read_image(beachball_multipart).metadata
    assert read_header_metadata(beachball_multipart, part=5)["name"] == "depth_right"

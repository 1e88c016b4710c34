"""OpenColorIO conversions: built-in config, names, roles, round trips, untouched alpha."""

from __future__ import annotations

import numpy as np
import pytest
from io_images import exr_image

from faceplate.foundation.errors import ColourError
from faceplate.nodes.io import colour, write_preview
from faceplate.nodes.plate import Plate

SRGB = "sRGB Encoded Rec.709 (sRGB)"


@pytest.fixture(autouse=True)
def builtin_config(monkeypatch):
    monkeypatch.delenv("OCIO", raising=False)


def test_built_in_config_has_the_names_we_use():
    names = colour.colour_space_names()
    for name in ("ACEScg", SRGB, "Linear Rec.709 (sRGB)", "Raw", "ACES2065-1"):
        assert name in names
    assert colour.WORKING_SPACE == "ACEScg" and colour.config_path() == "ocio://studio-config-latest"


@pytest.mark.parametrize(
    "alias, canonical",
    [
        ("ACEScg", "ACEScg"),
        ("lin_ap1", "ACEScg"),
        ("scene_linear", "ACEScg"),
        ("srgb_tx", SRGB),
        ("raw", "Raw"),
        ("data", "Raw"),
        ("acescg", "ACEScg"),
    ],
)
def test_names_aliases_and_roles(alias, canonical):
    assert colour.resolve_colour_space(alias) == canonical


def test_unknown_name_lists_close_matches():
    with pytest.raises(ColourError, match=r"'ACEScgg' is not in .*did you mean 'ACEScg'"):
        colour.convert(np.zeros((1, 1, 3), np.float32), "ACEScgg", SRGB)


def test_known_value_18_percent_grey():
    grey = np.full((1, 1, 3), 0.18, np.float32)
    encoded = colour.convert(grey, "ACEScg", SRGB)
    np.testing.assert_allclose(encoded, 0.4614, atol=5e-4)


def test_round_trip_and_other_channels_untouched():
    rng = np.random.default_rng(0)
    pixels = rng.uniform(0.0, 1.0, (16, 16, 5)).astype(np.float32)
    pixels[..., 0] = rng.uniform(0.0, 8.0, (16, 16))  # highlights above 1 survive
    before = pixels.copy()
    encoded = colour.convert(pixels, colour.WORKING_SPACE, SRGB, channels=(0, 1, 2))
    np.testing.assert_array_equal(pixels, before)  # input not modified
    np.testing.assert_array_equal(encoded[..., 3:], pixels[..., 3:])
    assert np.abs(encoded[..., :3] - pixels[..., :3]).max() > 0.05
    back = colour.convert(encoded, SRGB, colour.WORKING_SPACE)
    np.testing.assert_allclose(back, pixels, atol=1e-4, rtol=1e-5)


def test_channel_indices_pick_rgb():
    pixels = np.zeros((1, 1, 4), np.float32)
    pixels[..., 1:] = 0.18  # A first, then B G R
    out = colour.convert(pixels, "ACEScg", SRGB, channels=(3, 2, 1))
    assert out[0, 0, 0] == 0 and abs(out[0, 0, 1] - 0.4614) < 5e-4


def test_same_space_is_a_copy():
    pixels = np.ones((1, 1, 3), np.float32)
    out = colour.convert(pixels, "lin_ap1", "ACEScg")
    np.testing.assert_array_equal(out, pixels)
    assert out is not pixels


@pytest.mark.parametrize(
    "pixels, channels, fragment",
    [
        (np.zeros((2, 2, 3), np.float64), (0, 1, 2), "float32"),
        (np.zeros((3, 2, 2), np.float32), (0, 1, 2), "3 distinct indices below 2"),
        (np.zeros((2, 2, 4), np.float32), (0, 0, 1), "3 distinct"),
        (np.zeros((2, 2), np.float32), (0, 1, 2), "(H, W, C)"),
    ],
)
def test_bad_arrays(pixels, channels, fragment):
    with pytest.raises(ColourError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        colour.convert(pixels, "ACEScg", SRGB, channels)


def test_ocio_env_var_overrides(monkeypatch):
    monkeypatch.setenv("OCIO", "ocio://cg-config-latest")
    assert colour.config_path() == "ocio://cg-config-latest"
    assert colour.resolve_colour_space("lin_ap1") == "ACEScg"
    monkeypatch.setenv("OCIO", "/nonexistent/config.ocio")
    with pytest.raises(ColourError, match=r"\$OCIO"):
        colour.resolve_colour_space("ACEScg")


def test_processors_are_cached():
    colour._processor.cache_clear()
    pixels = np.ones((1, 1, 3), np.float32)
    colour.convert(pixels, "ACEScg", SRGB)
    colour.convert(pixels, "lin_ap1", "srgb_tx")  # same spaces by other names
    assert colour._processor.cache_info().misses == 1 and colour._processor.cache_info().hits == 1


def test_convert_plate_and_default_space(tmp_path):
    plate = Plate(np.full((1, 1, 4), 0.18, np.float32), ["R", "G", "B", "A"])
    out = colour.convert_plate(plate, "ACEScg", SRGB)
    assert abs(out.channel("R")[0, 0] - 0.4614) < 5e-4 and out.channel("A")[0, 0] == np.float32(0.18)
    assert colour.default_space_for(exr_image("DisplayWindow", "t01.exr")) == colour.WORKING_SPACE
    write_preview(plate, tmp_path / "p.png")
    assert colour.default_space_for(tmp_path / "p.png") == SRGB

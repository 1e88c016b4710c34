"""Nuke <-> faceplate conventions: y axis, boxes, patterns, colour names, channels."""

import pytest

from faceplate.foundation.errors import ScriptError
from faceplate.hosts.nuke import conventions
from faceplate.hosts.nuke.conventions import PlateSpace


def test_positions_flip_about_the_format_height():
    space = PlateSpace(64, 48)
    assert space.to_faceplate(10, 40) == (10, 8)
    assert space.to_faceplate(0.5, 0.5) == (0.5, 47.5)  # the bottom-left pixel's centre
    assert space.to_nuke(*space.to_faceplate(3.25, 17.5)) == (3.25, 17.5)
    assert PlateSpace.offset(2, 5) == (2, -5)


def test_display_window_origin_is_kept():
    space = conventions.plate_space({"width": 1, "height": 1}, [10, 100, 73, 147])
    assert space == PlateSpace(64, 48, 10, 100)
    assert space.to_faceplate(0, 0) == (10, 148)


def test_boxes_are_inclusive_in_faceplate_and_exclusive_in_nuke():
    space = PlateSpace(64, 48)
    # The whole format.
    assert space.box_to_faceplate(0, 0, 64, 48) == (0, 0, 63, 47)
    # The bottom row in Nuke is the last row in faceplate.
    assert space.box_to_faceplate(0, 0, 64, 1) == (0, 47, 63, 47)
    assert space.box_to_nuke(*space.box_to_faceplate(3, 5, 20, 30)) == (3, 5, 20, 30)


def test_matrices_are_inverse():
    space = PlateSpace(64, 48, 2, 3)
    import numpy as np

    product = np.array(space.nuke_from_faceplate()) @ np.array(space.faceplate_from_nuke())
    np.testing.assert_allclose(product, np.eye(3))


def test_patterns():
    assert conventions.faceplate_pattern("/p/sh010.####.exr", node="Read1") == "/p/sh010.####.exr"
    assert conventions.faceplate_pattern("/p/sh010.%04d.exr", node="Read1") == "/p/sh010.%04d.exr"
    assert conventions.nuke_pattern("/r/out.@@@@.exr") == "/r/out.####.exr"
    with pytest.raises(ScriptError, match="Tcl"):
        conventions.faceplate_pattern("[getenv PLATES]/sh010.####.exr", node="Read1")
    with pytest.raises(ScriptError, match="empty"):
        conventions.faceplate_pattern("", node="Read1")


@pytest.mark.parametrize(
    "nuke, faceplate",
    [
        ("default (linear)", "Linear Rec.709 (sRGB)"),
        ("default", ""),
        ("sRGB", "sRGB Encoded Rec.709 (sRGB)"),
        ("ACES - ACEScg", "ACES - ACEScg"),
        ("scene_linear", "scene_linear"),
        ("default (ACES - ACEScg)", "ACES - ACEScg"),
    ],
)
def test_colour_space_names_resolve_in_faceplates_config(nuke, faceplate):
    assert conventions.colour_space(nuke) == faceplate
    if faceplate:
        from faceplate.nodes.io.colour import resolve_colour_space

        resolve_colour_space(faceplate)  # raises when faceplate's OCIO config does not know it


def test_channels_a_shuffle_can_pick():
    assert conventions.nuke_channel("R") == "rgba.red"
    assert conventions.nuke_channel("A") == "rgba.alpha"
    assert conventions.nuke_channel("fp_swap.G") == "fp_swap.green"
    assert conventions.nuke_channel("fp_matte.jaw") == "fp_matte.jaw"
    assert conventions.nuke_layers(["R", "G", "fp_matte.jaw", "fp_swap.R"]) == [
        ["fp_matte", "fp_matte.jaw"],
        ["fp_swap", "fp_swap.red"],
    ]


def test_the_declared_layers_suit_nuke():
    """None in Nuke's built-in mask layer, at most four channels a layer (Nuke shows four)."""
    declared = conventions.nuke_layers()
    assert [layer[0] for layer in declared] == ["fp_matte", "fp_feature", "fp_swap"]
    assert all(len(layer) - 1 <= 4 and layer[0] not in ("mask", "rgba", "alpha", "depth") for layer in declared)


def test_workdir_needs_a_saved_script():
    assert conventions.workdir("/s/comp/a_v001.nk", env={}) == "/s/comp/faceplate/a_v001"
    with pytest.raises(ScriptError, match="save it first"):
        conventions.workdir("Root", env={})

"""image_info / format_info: what `faceplate info FILE` prints."""

from __future__ import annotations

import numpy as np
import pytest
from io_images import exr_image

from faceplate.foundation.errors import SequenceIOError
from faceplate.nodes.io import format_info, image_info, write_image
from faceplate.nodes.plate import Box2i, Plate


def test_multipart_info_lists_every_part(beachball_multipart):
    info = image_info(beachball_multipart)
    assert info["format"] == "openexr" and len(info["parts"]) == 10
    part = info["parts"][3]
    assert part["name"] == "whitebarmask_left" and part["view"] == "left"
    assert part["channels"] == [("whitebarmask.mask", "half")]
    assert part["data_window"] == Box2i(1106, 245, 1490, 1013)
    assert part["display_window"] == Box2i(0, 0, 2047, 1555)
    assert part["compression"] == "zips" and part["tiles"] is None and part["mip_levels"] == 1
    text = format_info(info)
    assert "10 parts" in text and "part 9 'whitebarmask_right', view right" in text


def test_multiview_tiled_and_mip_info(beachball):
    part = image_info(beachball)["parts"][0]
    assert part["views"] == ("right", "left") and len(part["channels"]) == 20
    assert "views right, left (hero right)" in format_info(image_info(beachball))
    levels = image_info(exr_image("MultiResolution", "ColorCodedLevels.exr"))["parts"][0]
    assert levels["tiles"] == (64, 64) and levels["mip_levels"] == 10 and levels["compression"] == "pxr24"
    assert "tiled 64x64, 10 mip levels, compression pxr24" in format_info(
        image_info(exr_image("MultiResolution", "ColorCodedLevels.exr"))
    )


def test_provenance_has_its_own_block(tmp_path):
    plate = Plate(
        np.zeros((2, 3, 1), np.float32),
        ["Y"],
        data_window=Box2i(-1, -1, 1, 0),
        metadata={"faceplate/version": "0.1.0", "faceplate/script_hash": "ab12", "zeta": 2, "Alpha": "x"},
    )
    path = tmp_path / "p.exr"
    write_image(plate, path)
    text = format_info(image_info(path))
    metadata_block, provenance_block = text.split("  provenance\n")
    assert "faceplate/" not in metadata_block
    assert provenance_block.splitlines() == ["    faceplate/script_hash  ab12", "    faceplate/version      0.1.0"]
    keys = [line.split()[0] for line in metadata_block.split("  metadata\n")[1].splitlines()]
    assert keys == sorted(keys, key=str.lower) and {"Alpha", "zeta"} <= set(keys)
    assert "data window   (-1, -1) - (1, 0)  3x2" in text
    assert "channels      Y (half)" in text


def test_info_of_a_missing_file(tmp_path):
    with pytest.raises(SequenceIOError, match="file not found"):
        image_info(tmp_path / "nope.exr")

"""Frame ranges and file patterns."""

from __future__ import annotations

import pytest

from faceplate.foundation.errors import FaceplateError, SequenceIOError
from faceplate.foundation.frames import format_frame_range, parse_frame_range
from faceplate.nodes.io.sequence import SequencePattern


@pytest.mark.parametrize(
    "text, frames",
    [
        ("1001", [1001]),
        ("1001-1005", [1001, 1002, 1003, 1004, 1005]),
        ("1001-1010x3", [1001, 1004, 1007, 1010]),
        ("1001-1011x3", [1001, 1004, 1007, 1010]),
        ("1001,1005,1010-1012", [1001, 1005, 1010, 1011, 1012]),
        ("1001 1003  1002", [1001, 1003, 1002]),
        ("1001-1003,1002", [1001, 1002, 1003]),
        ("-5--1", [-5, -4, -3, -2, -1]),
        ("-2-1", [-2, -1, 0, 1]),
        ("0", [0]),
        (" 7 ", [7]),
    ],
)
def test_parse_frame_range(text, frames):
    assert parse_frame_range(text) == frames


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty"),
        ("  , ", "empty"),
        ("1001-", "'1001-'"),
        ("abc", "'abc'"),
        ("1001-1100x0", "step 0"),
        ("1100-1001", "ends before it starts"),
        ("1001x2", "'1001x2'"),
        ("1001-1100x-2", "'1001-1100x-2'"),
        ("1.5", "'1.5'"),
        ("1001--", "'1001--'"),
    ],
)
def test_parse_frame_range_errors_quote_the_problem(text, fragment):
    with pytest.raises(SequenceIOError) as info:
        parse_frame_range(text)
    assert fragment in str(info.value)
    assert isinstance(info.value, FaceplateError)


def test_parse_frame_range_rejects_non_text():
    with pytest.raises(SequenceIOError, match="expected text"):
        parse_frame_range(1001)


@pytest.mark.parametrize(
    "frames, text",
    [
        ([1001], "1001"),
        ([1001, 1002], "1001,1002"),
        (range(1001, 1101), "1001-1100"),
        ([1001, 1003, 1005, 1010, 1011], "1001-1005x2,1010,1011"),
        ([-5, -4, -3], "-5--3"),
        ([3, 1, 2, 2], "1-3"),
    ],
)
def test_format_frame_range(frames, text):
    assert format_frame_range(frames) == text
    assert parse_frame_range(text) == sorted(set(frames))


@pytest.mark.parametrize(
    "pattern, frame, path",
    [
        ("plates/sh010.####.exr", 1001, "plates/sh010.1001.exr"),
        ("plates/sh010.####.exr", 7, "plates/sh010.0007.exr"),
        ("plates/sh010.####.exr", 12345, "plates/sh010.12345.exr"),
        ("plates/sh010.####.exr", -1, "plates/sh010.-001.exr"),
        ("sh010.#.exr", 5, "sh010.5.exr"),
        ("sh010.%04d.exr", 42, "sh010.0042.exr"),
        ("sh010.%04d.exr", -42, "sh010.-042.exr"),
        ("sh010.%d.exr", 42, "sh010.42.exr"),
        ("sh010.@@@.exr", 42, "sh010.042.exr"),
        ("sh010_v#.exr", 3, "sh010_v3.exr"),
        ("still.exr", 1001, "still.exr"),
    ],
)
def test_pattern_path(pattern, frame, path):
    assert SequencePattern(pattern).path(frame) == path


def test_pattern_padding_and_single_file():
    assert SequencePattern("a.####.exr").padding == 4
    assert SequencePattern("a.%06d.exr").padding == 6
    assert SequencePattern("a.@@.exr").padding == 2
    single = SequencePattern("ref/photo.png")
    assert not single.is_sequence and single.path(1) == single.path(99) == "ref/photo.png"
    assert single.frames_on_disk() == ()


@pytest.mark.parametrize(
    "pattern, fragment",
    [
        ("a.####.%04d.exr", "2 frame tokens"),
        ("shots/####/a.exr", "folder name"),
        ("a.%4d.exr", "pads with spaces"),
    ],
)
def test_pattern_errors(pattern, fragment):
    with pytest.raises(SequenceIOError, match=fragment):
        SequencePattern(pattern)


def test_frames_on_disk(tmp_path):
    names = [
        "sh.1001.exr",
        "sh.1002.exr",
        "sh.1010.exr",
        "sh.-001.exr",
        "sh.12345.exr",
        "sh.001.exr",  # too little padding: not frame 1 of sh.####.exr
        "sh.1003.exr.tmp",
        ".sh.1004.exr.1f2e3d.partial",
        "sh.abcd.exr",
        "other.1005.exr",
        "sh.1006.png",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    pattern = SequencePattern(str(tmp_path / "sh.####.exr"))
    assert pattern.frames_on_disk() == (-1, 1001, 1002, 1010, 12345)
    # unpadded: sh.-001.exr and sh.001.exr are not how %d writes -1 and 1
    assert SequencePattern(str(tmp_path / "sh.%d.exr")).frames_on_disk() == (1001, 1002, 1010, 12345)
    assert pattern.frame_of("sh.1001.exr") == 1001 and pattern.frame_of("sh.001.exr") is None


def test_frames_on_disk_missing_folder(tmp_path):
    with pytest.raises(SequenceIOError, match="folder does not exist") as info:
        SequencePattern(str(tmp_path / "nope" / "sh.####.exr")).frames_on_disk()
    assert "nope" in str(info.value)

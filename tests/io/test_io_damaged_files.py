"""Every fuzzed file of OpenEXR's Damaged set gives a SequenceIOError: never a crash, a hang or a stray exception.

The files are read in a child process (one for the whole set) so that a crash in OpenImageIO would fail
these tests, naming the file, instead of killing the test run. Each file is read twice: under its own
(extension-less) name, where OpenImageIO probes every reader, and through a ``.exr`` link, which sends it
straight to the OpenEXR reader.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from io_images import EXR_IMAGES

from faceplate.foundation.errors import SequenceIOError
from faceplate.nodes.io import image_info, read_image

DAMAGED = os.path.join(EXR_IMAGES, "Damaged")
NAMES = sorted(n for n in os.listdir(DAMAGED))
SECONDS_PER_FILE = 2.0

_CHILD = r"""
import json, sys, time
from faceplate.foundation.errors import SequenceIOError
from faceplate.nodes.io import image_info, read_image
for path in sys.argv[1:]:
    print(json.dumps({"start": path}), flush=True)
    result = {"path": path}
    for what, call in (("read", read_image), ("info", image_info)):
        start = time.perf_counter()
        try:
            call(path)
            outcome = "ok"
        except SequenceIOError as exc:
            outcome = "SequenceIOError: " + str(exc)
        except BaseException as exc:
            outcome = "%s: %s" % (type(exc).__name__, exc)
        result[what] = outcome
        result[what + "_seconds"] = time.perf_counter() - start
    print(json.dumps(result), flush=True)
"""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, dict]:
    links = tmp_path_factory.mktemp("damaged")
    paths = []
    for name in NAMES:
        link = links / f"{name}.exr"
        link.symlink_to(os.path.join(DAMAGED, name))
        paths += [os.path.join(DAMAGED, name), str(link)]
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, *paths],
        capture_output=True,
        text=True,
        timeout=SECONDS_PER_FILE * len(paths) + 30,
    )
    results, started = {}, None
    for line in proc.stdout.splitlines():
        record = json.loads(line)
        if "start" in record:
            started = record["start"]
        else:
            results[record["path"]] = record
            started = None
    assert started is None and proc.returncode == 0, (
        f"reading {started} killed the process (exit {proc.returncode}): {proc.stderr[-2000:]}"
    )
    return results


def test_the_whole_set_was_copied():
    assert len(NAMES) == 93
    assert os.path.isfile(os.path.join(EXR_IMAGES, "LICENSE"))


@pytest.mark.parametrize("name", NAMES)
def test_damaged_file_is_a_sequence_error(outcomes, name, tmp_path_factory):
    for path, record in outcomes.items():
        if os.path.basename(path) not in (name, f"{name}.exr"):
            continue
        assert record["read"].startswith("SequenceIOError: "), f"read_image({path}): {record['read']}"
        assert path in record["read"], record["read"]
        assert record["info"] == "ok" or record["info"].startswith("SequenceIOError: "), record["info"]
        assert record["read_seconds"] < SECONDS_PER_FILE and record["info_seconds"] < SECONDS_PER_FILE


def test_pixels_that_decode_beside_an_error_are_refused():
    """OIIO would decode this tiled file's pixels, but it reports a corrupt chunk count: that is a failure."""
    path = os.path.join(DAMAGED, "imf_test_tile_file_fuzz_broken_memleak_exr")
    start = time.perf_counter()
    with pytest.raises(SequenceIOError, match="Invalid chunk count") as info:
        read_image(path)
    assert info.value.path == path and time.perf_counter() - start < SECONDS_PER_FILE


def test_undecodable_error_messages_are_kept(tmp_path):
    """OIIO's message for this file quotes raw bytes from it, which the binding cannot decode as UTF-8."""
    path = tmp_path / "fuzzed.exr"
    path.symlink_to(os.path.join(DAMAGED, "asan_heap-oob_7f178ac80539_109_519f88e9ededfff61f535d6c9eb25a85_exr"))
    for call in (read_image, image_info):
        with pytest.raises(SequenceIOError, match="Invalid pixel type") as info:
            call(path)
        assert str(info.value).isprintable()

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from viewer_shots import copy_shot, make_shot


@pytest.fixture(scope="session")
def shot_template(tmp_path_factory):
    """One tracked shot for the whole session (plates + script + sidecar); tests work on copies."""
    return make_shot(str(tmp_path_factory.mktemp("viewer_template")))


@pytest.fixture
def shot(shot_template, tmp_path):
    """A fresh copy of the tracked shot: its script's path."""
    return copy_shot(shot_template, str(tmp_path / "shot"))


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """pytest-playwright launches Debian's chromium (Playwright's own browser download is not reachable here)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install Debian's with `apt-get update && apt-get install -y chromium` "
            "(CI's .ci/run does) to run the viewer's browser tests"
        )
    return {"executable_path": CHROMIUM, "args": ["--no-sandbox"]}

"""Fixtures of the AlignEdit tests (helpers are in align_shots.py)."""

import pytest
from align_shots import tracked_shot


@pytest.fixture(scope="module")
def shot(tmp_path_factory):
    return tracked_shot(tmp_path_factory.mktemp("shot"))

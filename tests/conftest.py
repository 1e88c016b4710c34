import os

import pytest

DATA = os.path.join(os.path.dirname(__file__), "data")


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="run tests marked slow (full trainings, 4K)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def data_dir():
    return DATA

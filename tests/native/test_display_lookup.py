"""The native threshold lookup behind the detector's display conversion counts the thresholds at or below
each value, NaN and infinities included."""

import numpy as np
import pytest

from faceplate import _native
from faceplate.nodes.facedetect.display import display_quantiser
from faceplate.nodes.io import colour


@pytest.fixture(scope="module")
def quantiser():
    path = colour.config_path()
    q = display_quantiser(
        path,
        colour.resolve_colour_space(colour.WORKING_SPACE, path),
        colour.resolve_colour_space("sRGB Encoded Rec.709 (sRGB)", path),
    )
    assert q is not None
    return q


def test_lookup_counts_the_thresholds_at_or_below_each_value(quantiser):
    rng = np.random.default_rng(3)
    values = np.concatenate(
        [
            rng.uniform(-0.5, 2.5, 100_000),
            np.exp(rng.uniform(-30, 3, 100_000)),
            [0.0, -0.0, 1.0, 2.0, 1e30, -1e30, np.inf, -np.inf],
        ]
    ).astype(np.float32)
    thresholds = quantiser.thresholds.view(np.float32)
    reference = np.searchsorted(thresholds, values, side="right").astype(np.uint8)
    got = quantiser.lookup(values.reshape(-1, 8))
    assert got.shape == (len(values) // 8, 8) and got.dtype == np.uint8
    np.testing.assert_array_equal(got.ravel(), reference)
    assert quantiser.lookup(np.array([np.nan], np.float32))[0] == quantiser.nan


def test_arguments_are_checked(quantiser):
    table = quantiser.table
    with pytest.raises(ValueError, match="values: expected float32"):
        _native.display_lookup(np.zeros(4), table, 12, 1e-30, 2.0, 0)
    with pytest.raises(ValueError, match=r"table: expected \(N,\) uint32"):
        _native.display_lookup(np.zeros(4, np.float32), table.astype(np.int64), 12, 1e-30, 2.0, 0)
    with pytest.raises(ValueError, match="shift 1..16"):
        _native.display_lookup(np.zeros(4, np.float32), table, 40, 1e-30, 2.0, 0)

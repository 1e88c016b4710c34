"""Fit excursions: a landmark model's fits jumping away from the flow under an occluder, and back."""

import numpy as np
import pytest

from faceplate.nodes.facedetect.fit_jumps import excursions

IOD = 60.0


def _fits(rng, frames=80, noise=0.006):
    """``(T, 68, 2)`` a face's points as posed by the flow: still, each frame's fit off by a random
    similarity-like shift and per-point noise (``noise`` of the IOD: the mesh backend's size)."""
    shape = rng.normal(0.0, 40.0, (68, 2))
    shift = rng.normal(0.0, noise * IOD, (frames, 1, 2))
    return shape[None] + shift + rng.normal(0.0, noise * IOD, (frames, 68, 2))


def _bias(rng, size=0.05):
    """One occluder's pull on the fit: 5 % IOD on the whole face, more on some points."""
    pull = np.tile([size * IOD, -0.6 * size * IOD], (68, 1))
    pull[36:48] += rng.normal(0.0, size * IOD, (12, 2))
    return pull


def test_a_jump_and_its_return_bracket_the_excursion(rng):
    fits = _fits(rng)
    fits[30:60] += _bias(rng)
    assert excursions(fits, np.ones(80, bool), IOD) == [(30, 60)]


def test_a_fit_that_settles_onto_the_occluder_over_a_few_frames_is_found_from_where_it_leaves(rng):
    fits = _fits(rng)
    pull = _bias(rng)
    for k, share in enumerate((0.3, 0.6, 0.8, 0.9)):  # a crop that follows the frame before settles late
        fits[20 + k] += share * pull
    fits[24:50] += pull
    [(start, end)] = excursions(fits, np.ones(80, bool), IOD)
    assert start in (20, 21) and end == 50


@pytest.mark.parametrize(
    "case",
    ["noise", "one wild frame", "no return", "two steps away", "too small", "unmeasured stretch"],
)
def test_nothing_else_is_an_excursion(rng, case):
    fits = _fits(rng)
    measured = np.ones(80, bool)
    if case == "one wild frame":
        fits[40] += 0.3 * IOD
    elif case == "no return":  # an occluder still there at the end: nothing says which side is right
        fits[45:] += _bias(rng)
    elif case == "two steps away":
        pull = _bias(rng)
        fits[20:] += pull
        fits[50:] += pull
    elif case == "too small":  # 1.2 % IOD: within what a fit wanders by
        fits[30:60] += _bias(rng, 0.012)
    elif case == "unmeasured stretch":
        fits[30:60] += _bias(rng)
        measured[25:65] = False
    assert excursions(fits, measured, IOD) == []

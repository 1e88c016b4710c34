"""Synthetic occluders for training: every family draws, seeds repeat, and the held-out set stays out."""

import numpy as np
import pytest
from faceplate.models.trainer import occluders


@pytest.fixture(scope="module")
def bank():
    rng = np.random.default_rng(0)
    faces = (rng.random((3, 64, 64, 3)) * 255).astype(np.uint8)
    mattes = np.zeros((3, 64, 64), np.uint8)
    mattes[:, 16:48, 16:48] = 255
    return occluders.TextureBank(faces, mattes, [occluders.training_photo("camera")])


@pytest.mark.parametrize("family", occluders.FAMILIES)
def test_every_family_draws_a_partial_occluder(bank, family):
    for seed in range(4):
        rgb, alpha = occluders.occluder(np.random.default_rng(seed), 64, bank, None, family)
        assert rgb.shape == (64, 64, 3) and alpha.shape == (64, 64)
        assert rgb.dtype == alpha.dtype == np.float32
        assert 0.0 <= alpha.min() and alpha.max() <= 1.0 and 0.0 <= rgb.min() and rgb.max() <= 1.0
        assert 0.0 < alpha.mean() < 0.9, (family, seed)  # something, never the whole crop


def test_occluders_repeat_with_the_seed(bank):
    a = occluders.occluder(np.random.default_rng(5), 64, bank)
    b = occluders.occluder(np.random.default_rng(5), 64, bank)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_composite_is_over_and_hidden_is_the_union():
    face = np.full((4, 4, 3), 0.5, np.float32)
    half = np.full((4, 4), 0.5, np.float32)
    image, hidden = occluders.composite(face, [(np.ones((4, 4, 3), np.float32), half)] * 2)
    assert np.allclose(hidden, 0.75) and np.allclose(image, 0.875)


def test_held_out_photos_are_never_training_textures():
    assert not set(occluders.HELD_OUT_PHOTOS) & set(occluders.TRAINING_PHOTOS)
    with pytest.raises(ValueError, match="not a training texture photo"):
        occluders.training_photo("coffee")

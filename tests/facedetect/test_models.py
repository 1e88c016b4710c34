"""Model cards and the registry: offline weights, sha256 verification, clear errors, FAN wiring."""

import os

import numpy as np
import pytest
from faceplate.foundation.errors import ModelError
from faceplate.foundation.files import sha256_of
from faceplate.models import registry
from faceplate.models.cards import CARDS, DLIB_FACE_EMBEDDING, DLIB_LANDMARKS_68, FAN_2D


def test_every_card_states_inputs_outputs_colour_space_and_licence():
    for card in CARDS.values():
        for field in ("inputs", "outputs", "colour_space", "licence", "source"):
            assert getattr(card, field), (card.id, field)
    assert "commercial" in DLIB_LANDMARKS_68.licence and "300-W" in DLIB_LANDMARKS_68.licence


def test_dlib_weights_are_found_without_importing_the_package_and_verified():
    for card in (DLIB_LANDMARKS_68, DLIB_FACE_EMBEDDING):
        path = registry.locate(card)
        assert os.path.dirname(path) == registry.dlib_models_folder()
        assert sha256_of(path) == card.sha256


def test_a_file_that_does_not_match_its_card_is_refused(tmp_path):
    bad = tmp_path / "shape_predictor_68_face_landmarks.dat"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match=rf"{bad}.*expected fbdc2cb8.*corrupt"):
        registry.verify(str(bad), DLIB_LANDMARKS_68.sha256, what="predictor")


def test_missing_fan_weights_name_the_file_the_folder_and_the_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv(registry.FAN_ENV_VAR, str(tmp_path))
    with pytest.raises(ModelError) as error:
        registry.locate(FAN_2D)
    text = str(error.value)
    assert str(tmp_path / FAN_2D.file) in text and f"folder {tmp_path}" in text
    assert "FACEPLATE_FAN_WEIGHTS" in text and "never downloads" in text


def random_fan_checkpoint(path):
    import torch
    from face_alignment.models import FAN

    torch.manual_seed(0)
    torch.save(FAN(4).state_dict(), path)
    return str(path)


@pytest.fixture(scope="module")
def fan_checkpoint(tmp_path_factory):
    return random_fan_checkpoint(tmp_path_factory.mktemp("fan") / FAN_2D.file)


def test_fan_from_the_env_var_is_verified_against_the_card(fan_checkpoint, monkeypatch):
    monkeypatch.setenv(registry.FAN_ENV_VAR, fan_checkpoint)
    with pytest.raises(ModelError, match=f"{fan_checkpoint} has sha256 .* expected 11f355bf06"):
        registry.locate(FAN_2D)


def test_fan_backend_wiring_with_random_weights(fan_checkpoint, dlib_backend):
    from faceplate.foundation import geometry
    from faceplate.nodes.facedetect.detect import Detector
    from faceplate.nodes.facedetect.fan_backend import FanBackend
    from shots import photo_plate

    backend = FanBackend(fan_checkpoint, sha256=sha256_of(fan_checkpoint))
    assert backend.model_digests()[FAN_2D.id] == sha256_of(fan_checkpoint)
    detections = Detector(backend, proxy_size=512).find(photo_plate("astronaut"))
    assert len(detections) == 1
    face = detections[0]
    assert face.landmarks.shape == (68, 2) and face.confidence.shape == (68,)
    assert np.all((face.confidence >= 0) & (face.confidence <= 1))
    # Random weights put the points anywhere in FAN's 256-pixel crop; mapped back they must land there.
    in_crop = geometry.apply(face.crop_from_plate, face.landmarks)
    assert face.crop.shape == (256, 256, 3)
    assert np.all((in_crop >= 0) & (in_crop <= 256))
    np.testing.assert_allclose(in_crop, face.crop_points, atol=1e-9)


def test_fan_backend_refuses_a_checkpoint_that_is_not_fan(tmp_path):
    import torch
    from faceplate.nodes.facedetect.fan_backend import FanBackend

    path = str(tmp_path / "other.pth")
    torch.save({"weight": torch.zeros(3)}, path)
    with pytest.raises(ModelError, match=rf"cannot load {path}"):
        FanBackend(path, sha256=sha256_of(path))

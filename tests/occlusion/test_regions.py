"""Region geometry from landmarks: scale, hairline estimate, segment blending, bad landmarks."""

import numpy as np
import pytest
from occlusion_shots import ASTRONAUT_LANDMARKS

from faceplate.nodes import face_regions as regions
from faceplate.nodes.face_regions import SEGMENTS, LandmarkError, RegionSettings, face_regions


def test_every_region_is_a_closed_feathered_contour():
    out = face_regions(ASTRONAUT_LANDMARKS, RegionSettings())
    assert sorted(out) == ["eyes", "face", "hairline", "jaw", "mouth"]
    assert len(out["eyes"]) == 2
    for contours in out.values():
        for c in contours:
            assert c.vertices.shape[1] == 2 and len(c.vertices) >= 3
            assert c.inner.shape == c.outer.shape == (len(c.vertices),)
            assert np.all(np.isfinite(c.vertices)) and np.all(c.inner >= 0)


def test_hairline_estimate_lies_above_the_brows_by_about_a_facial_third():
    points = ASTRONAUT_LANDMARKS
    arc = regions.hairline_arc(points, forehead_height=1.0)
    brow_top = points[17:27, 1].min()
    third = regions.facial_third(points)
    assert arc[:, 1].min() == pytest.approx(brow_top - third, abs=2.0)  # y down: above = smaller y
    higher = regions.hairline_arc(points, forehead_height=1.5)
    assert higher[:, 1].min() < arc[:, 1].min() - 0.4 * third
    # the arc starts and ends next to the jaw's ends
    assert np.linalg.norm(arc[0] - points[16]) < 0.2 * regions.face_size(points)
    assert np.linalg.norm(arc[-1] - points[0]) < 0.2 * regions.face_size(points)


def test_hull_top_edge_is_the_brows():
    face = face_regions(ASTRONAUT_LANDMARKS, RegionSettings(face_region="hull", feathers=(0.0,) * 6))["face"][0]
    assert face.vertices[:, 1].min() == pytest.approx(ASTRONAUT_LANDMARKS[17:27, 1].min(), abs=1.0)


def test_segment_values_blend_only_near_their_bounds():
    bounds = (3.0, 6.0, 10.0, 13.0, 16.0, 26.0)
    params = np.linspace(0, 26, 261)[:-1]
    values = regions.segment_values(params, [0, 0, 1, 0, 0, 0], bounds, 26.0)
    inside = (params >= 6.5) & (params <= 9.5)
    outside = (params <= 5.5) | (params >= 10.5)
    assert np.all(values[inside] == 1) and np.all(values[outside] == 0)
    assert np.all(np.diff(values[(params > 5) & (params < 7)]) >= 0)  # a smooth ramp, no step


def test_the_loop_wraps_between_hairline_and_left_cheek():
    params = np.array([25.9, 0.0, 0.1])
    values = regions.segment_values(params, [1, 1, 1, 1, 1, 3], (3.0, 6.0, 10.0, 13.0, 16.0, 26.0), 26.0)
    assert values[0] > values[1] > values[2] > 1


@pytest.mark.parametrize(
    "points, message",
    [
        (np.zeros((68, 2)), "collapsed"),
        (np.zeros((5, 2)), "(68, 2)"),
        (np.full((68, 2), np.nan), "finite"),
    ],
)
def test_bad_landmarks_say_what_is_wrong(points, message):
    with pytest.raises(LandmarkError, match=message.replace("(", r"\(").replace(")", r"\)")):
        face_regions(points, RegionSettings())


def test_settings_need_one_value_per_segment():
    with pytest.raises(ValueError, match="per segment"):
        RegionSettings(offsets=(0.0,) * (len(SEGMENTS) - 1))

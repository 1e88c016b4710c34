"""The mesh backend against dlib's on the suite's known-motion shots (figures: tests/benchmarks/bench_mesh.py).

Each backend's error is measured against its own upright landmarks moved by the known transform
(known_motion.py): at every roll of :data:`known_motion.ROLLS` the mesh's mean error over both photos
and the scale/shift variants is at most dlib's, except at 90 degrees, where it is not yet (xfail).
"""

import numpy as np
import pytest
from known_motion import ROLLS, roll_errors

from faceplate.nodes.facedetect.detect import Detector


@pytest.mark.parametrize(
    "roll",
    [
        pytest.param(
            r,
            marks=pytest.mark.xfail(
                strict=True,
                reason="measured: mesh 0.0187 vs dlib 0.0076 at 90 degrees, one fit (hopper, scale 1.15) off "
                "by 7.7 % of the inter-ocular distance; open",
            ),
        )
        if r == 90.0
        else r
        for r in ROLLS
    ],
)
def test_mesh_landmarks_are_at_least_as_accurate_as_dlibs_at_every_roll(mesh_backend, dlib_backend, roll):
    errors = {}
    for name, backend in (("mesh", mesh_backend), ("dlib", dlib_backend)):
        detector = Detector(backend, proxy_size=640)
        errors[name] = np.mean([e for photo in ("astronaut", "hopper") for e in roll_errors(detector, photo, roll)])
    assert np.isfinite(errors["mesh"])
    assert errors["mesh"] <= errors["dlib"], errors

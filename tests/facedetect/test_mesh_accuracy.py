"""The mesh backend against dlib's on the suite's known-motion shots (figures: tests/benchmarks/bench_mesh.py).

Each backend's error is measured against its own upright landmarks moved by the known transform
(known_motion.py): at every roll of :data:`known_motion.ROLLS` the mesh's mean error over both photos
and the scale/shift variants is at most dlib's (measured: 0.0043/0.0059/0.0071/0.0070 against dlib's
0.0070/0.0071/0.0088/0.0076 at 0/30/60/90 degrees).
"""

import numpy as np
import pytest
from known_motion import ROLLS, roll_errors

from faceplate.nodes.facedetect.detect import Detector


@pytest.mark.parametrize("roll", ROLLS)
def test_mesh_landmarks_are_at_least_as_accurate_as_dlibs_at_every_roll(mesh_backend, dlib_backend, roll):
    errors = {}
    for name, backend in (("mesh", mesh_backend), ("dlib", dlib_backend)):
        detector = Detector(backend, proxy_size=640)
        errors[name] = np.mean([e for photo in ("astronaut", "hopper") for e in roll_errors(detector, photo, roll)])
    assert np.isfinite(errors["mesh"])
    assert errors["mesh"] <= errors["dlib"], errors

"""Head pose (yaw, pitch, roll) from the 68 landmarks, with a generic 3D face.

:data:`MODEL_3D` is derived, not measured: x and y are the 2D mean shape
(:data:`~.template.MEAN_SHAPE`, a frontal average, so its x/y are right for a frontal face), and z
(towards the camera, nose tip 0) is a coarse anthropometric depth profile in the same units (the
template is about 0.94 wide, roughly 14 cm): eye corners 2.5-3 cm behind the nose tip, mouth corners
about 2.4 cm, chin about 1.3 cm, and the jaw contour curving back to about 8 cm at the ears. Pose comes
from ``cv2.solvePnP`` (iterative, on the 51 inner points and the lower jaw, which the detector places
reliably) with a pinhole camera of focal length equal to the plate's long side (a 50 mm-ish lens on
full frame) centred on the plate.

Accuracy, honestly: roll follows the in-plane turn of the face to well under a degree (tested against
known rotations); yaw and pitch are right in sign and roughly in size (a generic head on one
person's landmarks: expect errors of 5-10 degrees, more for pitch, and more past 45 degrees of yaw,
where the 68-point detector itself fails). Good enough to bin a face-set by angle and to show what
the training set lacks; not a head tracker.

Conventions: yaw > 0 when the face turns towards the image's right (the subject's left), pitch > 0
when the face looks up, roll > 0 when the face turns clockwise on screen. Degrees.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from faceplate.nodes.alignedit.template import MEAN_SHAPE

_JAW_DEPTH = (-0.55, -0.50, -0.45, -0.38, -0.30, -0.22, -0.15, -0.11, -0.09)  # points 0..8 (mirrored 16..8)
_DEPTH = np.zeros(68)
_DEPTH[0:9] = _JAW_DEPTH
_DEPTH[8:17] = _JAW_DEPTH[::-1]
_DEPTH[17:27] = (-0.24, -0.18, -0.14, -0.12, -0.12, -0.12, -0.12, -0.14, -0.18, -0.24)  # brows
_DEPTH[27:31] = (-0.13, -0.09, -0.05, 0.0)  # nose bridge to tip
_DEPTH[31:36] = (-0.10, -0.07, -0.05, -0.07, -0.10)  # nostrils
_DEPTH[36:48] = (-0.20, -0.16, -0.15, -0.17, -0.16, -0.16, -0.17, -0.15, -0.16, -0.20, -0.16, -0.16)  # eyes
_DEPTH[48:60] = (-0.17, -0.11, -0.08, -0.07, -0.08, -0.11, -0.17, -0.11, -0.09, -0.085, -0.09, -0.11)  # outer lips
_DEPTH[60:68] = (-0.16, -0.10, -0.09, -0.10, -0.16, -0.10, -0.095, -0.10)  # inner lips

# x right, y up, z towards the camera (the usual right-handed head frame), template units.
MODEL_3D = np.stack([MEAN_SHAPE[:, 0] - 0.5, 0.6 - MEAN_SHAPE[:, 1], _DEPTH], axis=1)
MODEL_3D.flags.writeable = False
POSE_POINTS = np.r_[4:13, 17:68]


def head_pose(landmarks: np.ndarray, plate_size: tuple[int, int]) -> tuple[float, float, float]:
    """``(yaw, pitch, roll)`` degrees of a face from its ``(68, 2)`` plate-pixel landmarks.

    Args:
        landmarks: iBUG 68 points in plate pixels (pixel centres at +0.5).
        plate_size: ``(width, height)`` of the plate's display window (sets the camera).
    """
    width, height = plate_size
    focal = float(max(width, height))
    camera = np.array([[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]])
    image = np.ascontiguousarray(np.asarray(landmarks, np.float64)[POSE_POINTS])
    # The model's y points up; image y points down: flip y in the model by a 180-degree turn about x,
    # which keeps the frame right-handed (camera looks down +z, object at +z in front of it).
    model = np.ascontiguousarray(MODEL_3D[POSE_POINTS] * np.array([1.0, -1.0, -1.0]))
    # Start from a frontal pose at the distance that matches the face's size.
    span = np.ptp(image[:, 0])
    depth = focal * np.ptp(model[:, 0]) / max(span, 1e-6)
    centre = image.mean(axis=0)
    tvec0 = np.array([(centre[0] - width / 2) * depth / focal, (centre[1] - height / 2) * depth / focal, depth])
    ok, rvec, tvec = cv2.solvePnP(
        model,
        image,
        camera,
        None,
        np.zeros(3),
        tvec0.reshape(3, 1),
        useExtrinsicGuess=True,
        flags=cv2.SOLVEPNP_ITERATIVE,
    )
    if not ok:
        return (0.0, 0.0, 0.0)
    rotation, _ = cv2.Rodrigues(rvec)
    return euler_degrees(rotation)


def euler_degrees(camera_from_model: np.ndarray) -> tuple[float, float, float]:
    """``(yaw, pitch, roll)`` of a head rotation in the flipped (y down, z away) camera frame."""
    # Back to a y-up, z-towards-camera frame for both model and camera: R' = F R F with F = diag(1,-1,-1).
    f = np.diag([1.0, -1.0, -1.0])
    r = f @ camera_from_model @ f
    # r = Ry(yaw) @ Rx(pitch) @ Rz(roll) decomposition (y up, x right, z towards camera).
    pitch = math.degrees(math.asin(float(np.clip(-r[1, 2], -1.0, 1.0))))
    yaw = math.degrees(math.atan2(r[0, 2], r[2, 2]))
    roll = math.degrees(math.atan2(r[1, 0], r[1, 1]))
    # Signs to the documented conventions: turning to image right moves the nose (+z) to +x (yaw > 0
    # as decomposed); a positive turn about +x moves the nose down, so looking up is -pitch; clockwise
    # on screen is a negative turn about +z (y up).
    return (yaw, -pitch, -roll)

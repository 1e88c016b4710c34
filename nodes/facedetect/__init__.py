"""FaceDetect: offline face detection, 68 landmarks, identities and shot-long face tracks.

Modules, one concept each:

- :mod:`.backend` (interface), :mod:`.dlib_backend`, :mod:`.fan_backend`: the models.
- :mod:`.detect`: one plate -> faces (display conversion, proxy, rotation retries, landmark crops).
- :mod:`.geometry`: the 2x3 transforms between plate, proxy and crop pixels.
- :mod:`.tracker`: detections -> tracks; :mod:`.identity`: tracks -> identity labels.
- :mod:`.stabilise`: forward-backward landmark smoothing with outlier rejection and lock frames;
  :mod:`.head_motion` (the rigid part it smooths apart), :mod:`.edge_extrapolation` (outliers beside a gap).
- :mod:`.sidecar`: the versioned tracks JSON; :mod:`.node`: the FaceDetect node.
- :mod:`.overlay`, :mod:`.contact_sheet`: pictures for artists.

The shot-level action is :func:`faceplate.actions.shot_tracking.track` (``faceplate track``).
"""

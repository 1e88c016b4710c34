"""Synthetic tracked shots and the crop-jitter measure shared by the AlignEdit tests and bench_align.py.

Not in conftest.py: several test folders have a conftest, and ``from conftest import`` picks whichever
was imported first.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "facedetect"))

from shots import Actor, shot_graph

from faceplate.nodes.alignedit.node import AlignEdit

FRAMES = list(range(1001, 1025))


def moving_motion(frame):
    """Known motion: a pan with a slow push-in and a turn (plate pixels, degrees)."""
    t = (frame - FRAMES[0]) / (len(FRAMES) - 1)
    return (250.0 + 140.0 * t, 175.0 + 10.0 * np.sin(3.0 * t), 1.0 + 0.15 * t, 8.0 * t)


def crop_jitter(transforms, actor, size):
    """RMS frame-to-frame motion (aligned pixels) of the crop's corners in the actor's own (sprite)
    coordinates: a perfectly stable crop follows the known motion exactly and does not move there.

    Returns the figure and the ``(frames, 4, 2)`` corner tracks (sprite coordinates scaled to aligned pixels).
    """
    from faceplate.foundation import geometry

    corners = np.array([[0, 0], [size, 0], [size, size], [0, size]], float)
    tracks = []
    for frame in sorted(transforms):
        sprite_from_aligned = geometry.compose(
            geometry.invert(actor.frame_from_sprite(frame)), geometry.invert(transforms[frame])
        )
        tracks.append(geometry.apply(sprite_from_aligned, corners))
    tracks = np.array(tracks)
    px = size / np.ptp(tracks[0][:, 0])  # aligned pixels per sprite pixel (about)
    return float(np.sqrt(np.mean(np.diff(tracks, axis=0) ** 2)) * px), tracks * px


def tracked_shot(tmp_path, frames=FRAMES, motion=moving_motion, **align_knobs):
    """Plate -> FaceDetect1 -> AlignEdit1, tracked (sidecar written)."""
    from faceplate.actions.shot_tracking import track

    graph = shot_graph(tmp_path, [Actor("astronaut", motion)], frames)
    align = graph.add(AlignEdit("AlignEdit1", **align_knobs))
    graph.connect("FaceDetect1", align)
    track(graph, frames=frames, contact_sheets=False)
    return graph

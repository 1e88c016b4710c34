"""Thin occluders with the shipped default: a 10 px rod crossing the face stays in front (still, and swinging past
the face from frame to frame), and IoU on held-out thin shapes (rods, wires, zigzags, 5-15 px) measured apart
from the other occluders. Every shape and texture here is held out from training (occlusion_heldout.py)."""

import numpy as np
import pytest
from occlusion_heldout import HeldOutShot, graph_of, occlusion_iou, region_mask

FRAMES = (1001, 1012)
ROD_SEEDS = (0, 1, 2, 3, 4, 5)


def rod_coverage(graph, node, source, frames) -> float:
    """Mean ``fp_matte.occlusion`` over the rod's pixels (coverage > 0.5) inside the face region, pooled."""
    values = []
    for frame in frames:
        region = region_mask(graph, node, frame)
        rod = (source.truth(frame) > 0.5) & region
        values.append(graph.render(node, frame).channel("fp_matte.occlusion")[rod])
    values = np.concatenate(values)
    assert values.size > 200, "the rod misses the face"
    return float(values.mean())


@pytest.mark.parametrize("moving", [False, True], ids=["still", "swinging"])
def test_a_10px_rod_crossing_the_face_stays_in_front(moving):
    """The issue's case: a boom pole over the face was matted at 0.47-0.52, the face mixed half over it."""
    frames = range(1003, 1011)
    means = []
    for seed in ROD_SEEDS:
        source = HeldOutShot(
            "Plate",
            occluded=range(FRAMES[0], FRAMES[1] + 1),
            seed=seed,
            thin={"kind": "rod", "thickness": 10.0, "moving": moving},
        )
        graph, node = graph_of(source, FRAMES)
        means.append(rod_coverage(graph, node, source, frames))
    print(
        f"\n10 px rod ({'swinging' if moving else 'still'}), mean fp_matte.occlusion over it per seed: "
        + ", ".join(f"{m:.3f}" for m in means)
        + f"; mean {np.mean(means):.3f}"
    )
    assert np.mean(means) >= 0.9 and min(means) >= 0.55  # the weakest: a pale rod on pale skin (seed 5)


def test_thin_held_out_shapes_iou():
    """IoU of fp_matte.occlusion > 0.5 with the truth on thin held-out shapes alone, pooled over seeds."""
    ious = {}
    for seed in range(6):
        source = HeldOutShot("Plate", occluded=range(FRAMES[0], FRAMES[1] + 1), seed=100 + seed, thin={})
        graph, node = graph_of(source, FRAMES)
        ious[seed] = occlusion_iou(graph, node, source, (1004, 1008))
    print(
        "\nthin held-out shapes (rods, wires, zigzags, 5-15 px), IoU per seed: "
        + ", ".join(f"{v:.3f}" for v in ious.values())
        + f"; mean {np.mean(list(ious.values())):.3f}"
    )
    assert np.mean(list(ious.values())) > 0.5

"""The lids and lips of the two test photos, drawn by hand: truth for the eye and mouth regions
(region_truth.feature_truth).

Drawn on 15-46x enlargements of the upright photos with a pixel grid (docs/images/mesh_features_truth.png
shows them): each eye is the visible opening (the lid margins, where sclera and iris meet the lids and
lashes, corner to corner); the mouth is the outer edge of the lips' red. Plate pixels, pixel centres at
+0.5. Hopper's eyes lie behind spectacle lenses and are blurred: there the points are good to about a
pixel, on the astronaut to about half a pixel. The points run round each contour; they are joined by a
closed spline.
"""

from __future__ import annotations

import numpy as np

CONTOURS = {
    "astronaut": {
        "right_eye": [
            (192.5, 100.9),
            (195.0, 99.8),
            (197.7, 99.3),
            (201.0, 98.8),
            (204.2, 99.0),
            (207.0, 99.6),
            (209.2, 100.7),
            (211.0, 102.0),
            (209.2, 103.3),
            (206.8, 104.1),
            (204.2, 104.5),
            (201.2, 104.4),
            (198.3, 103.7),
            (195.7, 102.7),
            (193.8, 101.7),
        ],
        "left_eye": [
            (237.4, 104.7),
            (239.0, 103.3),
            (241.0, 102.2),
            (243.4, 100.9),
            (246.1, 100.4),
            (248.8, 100.4),
            (251.4, 100.9),
            (254.1, 101.8),
            (256.1, 102.9),
            (257.7, 104.0),
            (255.9, 104.7),
            (253.2, 105.3),
            (250.6, 106.0),
            (247.9, 106.4),
            (245.2, 106.3),
            (243.0, 106.0),
            (240.6, 105.7),
            (238.8, 105.2),
        ],
        "lips": [
            (202.9, 139.6),
            (207.9, 139.6),
            (212.5, 139.2),
            (217.5, 139.0),
            (222.0, 139.4),
            (226.5, 139.0),
            (231.5, 139.2),
            (236.5, 139.6),
            (241.1, 140.1),
            (244.3, 140.8),
            (241.1, 143.7),
            (237.5, 147.4),
            (232.9, 150.5),
            (228.4, 152.6),
            (222.9, 153.5),
            (217.5, 153.3),
            (212.5, 151.7),
            (208.4, 148.7),
            (205.2, 144.2),
        ],
    },
    "hopper": {
        "right_eye": [
            (212.4, 191.7),
            (213.3, 188.7),
            (215.1, 186.5),
            (218.8, 185.3),
            (222.7, 185.3),
            (226.6, 185.9),
            (230.3, 187.8),
            (233.3, 191.1),
            (230.3, 193.5),
            (226.6, 194.7),
            (222.7, 195.3),
            (218.8, 195.0),
            (215.1, 194.1),
        ],
        "left_eye": [
            (296.2, 188.3),
            (298.1, 184.3),
            (301.5, 182.1),
            (305.9, 181.4),
            (309.9, 181.8),
            (313.7, 183.3),
            (316.5, 185.5),
            (318.1, 188.0),
            (315.6, 189.9),
            (312.1, 191.4),
            (308.1, 192.4),
            (304.0, 192.4),
            (300.3, 191.8),
            (297.4, 190.5),
        ],
        "lips": [
            (229.0, 281.0),
            (233.7, 278.3),
            (239.7, 275.3),
            (245.0, 273.0),
            (249.7, 271.7),
            (256.3, 271.3),
            (264.3, 272.0),
            (271.0, 271.7),
            (279.7, 272.3),
            (289.7, 273.0),
            (297.7, 274.3),
            (305.0, 277.3),
            (299.7, 279.7),
            (289.7, 283.0),
            (279.7, 285.7),
            (269.7, 286.3),
            (259.7, 286.0),
            (249.7, 284.3),
            (239.7, 283.0),
            (233.0, 282.0),
        ],
    },
}
REGIONS = {"eyes": ("right_eye", "left_eye"), "mouth": ("lips",)}


def contours(name: str, region: str) -> list[np.ndarray]:
    """The hand-drawn contours ``(N, 2)`` of ``region`` (``eyes``: both; ``mouth``) on photo ``name``."""
    return [np.array(CONTOURS[name][part], np.float64) for part in REGIONS[region]]

"""A small tracked shot on disk for the viewer's tests: the demo's astronaut plate, the default graph
(`faceplate new`) and its tracks sidecar (`faceplate track`), as an artist would have them.

Not in conftest.py (``from conftest import`` collides across test folders).
"""

from __future__ import annotations

import os
import shutil

from faceplate.actions.demo.shot import ShotSpec, write_shot
from faceplate.cli import main

FRAMES = (1001, 1006)
SPEC = ShotSpec("astronaut", (640, 360), FRAMES, occluder=None)


def make_shot(folder: str, spec: ShotSpec = SPEC) -> str:
    """Writes plates, script and sidecar into ``folder``; returns the script's path."""
    write_shot(spec, os.path.join(folder, "plates", "shot.####.exr"))
    script = os.path.join(folder, "shot.json")
    assert (
        main(
            [
                "new",
                script,
                "--plate",
                os.path.join(folder, "plates", "shot.####.exr"),
                "--frames",
                f"{spec.frames[0]}-{spec.frames[1]}",
            ]
        )
        == 0
    )
    assert main(["track", script, "-q", "--no-sheets"]) == 0
    return script


def copy_shot(template: str, folder: str) -> str:
    """A copy of a shot made by :func:`make_shot` (its folder), so a test can edit and save freely."""
    shutil.copytree(os.path.dirname(template), folder, dirs_exist_ok=True)
    return os.path.join(folder, os.path.basename(template))

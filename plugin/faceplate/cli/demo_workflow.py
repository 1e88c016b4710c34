"""``faceplate demo``: a synthetic shot from real photos, through the whole workflow, with pictures.

The demo does what a user does, through the same commands: it writes two EXR sequences (identity A,
the astronaut, in a 48-frame 1920x1080 shot with head motion, exposure drift, sensor noise and a
boom microphone passing in front of the face; identity B, Grace Hopper, in a short sequence of
varied poses and exposures that stands in for B's source footage), then runs ``faceplate new``,
``track`` and ``extract`` on both, ``train`` on the two face-sets, points the shot's NeuralSwap at the
trained model with ``faceplate set`` (track 1 -> B), ``render``s the shot, and writes a contact sheet and a before/after
picture. Each command is printed before it runs, so the demo doubles as a walkthrough.

Run again into the same folder, the demo resumes: steps whose results are complete (all plates written, the
tracks sidecar, a face-set's manifest, the exported model) are skipped, an interrupted training continues
from its checkpoint (``train --resume``), and the render keeps finished frames (``--skip-existing``). Delete
the folder to start over.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import sys
import time

from tqdm import tqdm

from faceplate.actions.demo.pictures import write_pictures
from faceplate.actions.demo.shot import ShotSpec, write_shot
from faceplate.cli import main
from faceplate.foundation.errors import FaceplateError
from faceplate.nodes.core import Graph
from faceplate.nodes.facedetect import sidecar as sidecar_io
from faceplate.nodes.io.sequence import SequencePattern


@dataclasses.dataclass(frozen=True)
class DemoSettings:
    """Sizes of a demo run. :data:`FULL` is ``faceplate demo``; :data:`QUICK` is ``--quick`` (the tests)."""

    shot: ShotSpec
    source: ShotSpec  # identity B's footage
    train_steps: int
    steps_per_stage: int


FULL = DemoSettings(
    shot=ShotSpec("astronaut", (1920, 1080), (1001, 1048)),
    source=ShotSpec(
        "hopper", (1280, 720), (2001, 2032), head=0.85, travel=0.3, roll=12.0, exposure=0.5, occluder=None, seed=1
    ),
    train_steps=2400,
    steps_per_stage=800,
)
QUICK = DemoSettings(
    shot=ShotSpec("astronaut", (640, 360), (1001, 1012), occluder=(1005, 1009)),
    source=ShotSpec(
        "hopper", (640, 360), (2001, 2010), head=0.85, travel=0.3, roll=12.0, exposure=0.5, occluder=None, seed=1
    ),
    train_steps=120,
    steps_per_stage=60,
)


SOURCE_FOLDER = "identity_b"


@dataclasses.dataclass
class DemoResult:
    folder: str
    script: str
    render_pattern: str
    contact_sheet: str
    before_after: str
    seconds: dict[str, float]


class DemoError(FaceplateError):
    """A step of the demo failed: names the step and the command to rerun by hand."""


def _say(text: str, quiet: bool) -> None:
    if not quiet:
        print(text, file=sys.stderr, flush=True)


def _cli(args: list[str], root: str, quiet: bool, sub: str = "") -> None:
    """Runs one ``faceplate`` command in ``root/sub`` (printed first), as a user would type it."""
    _say(f"\n{f'(in {sub}/) ' if sub else ''}$ faceplate {shlex.join(args)}", quiet)
    folder = os.path.join(root, sub)
    here = os.getcwd()
    os.chdir(folder)
    try:
        code = main(args + (["-q"] if quiet and args[0] in ("track", "extract", "train", "render") else []))
    finally:
        os.chdir(here)
    if code >= 128:  # the command was interrupted (Ctrl-C / SIGTERM): stop the demo as it stopped
        raise KeyboardInterrupt
    if code != 0:
        raise DemoError(
            f"`faceplate {shlex.join(args)}` failed with exit code {code} in {folder}; rerun it there "
            "with --debug to see why"
        )


def _main_track(script: str) -> int:
    """The id of the longest track in the script's FaceDetect sidecar."""
    graph = Graph.load(script)
    detect = graph.find("FaceDetect")
    tracks = sidecar_io.load(detect.sidecar_path()).tracks
    if not tracks:
        raise DemoError(
            f"`faceplate track {os.path.basename(script)}` found no face; the demo's plates are "
            "built so that it should: please report this"
        )
    return max(tracks, key=lambda t: len(t.frames)).id


def write_plates(folder: str, settings: DemoSettings = FULL, *, quiet: bool = False) -> tuple[str, str]:
    """Writes the demo's two EXR sequences into ``folder``; returns their patterns (relative to it).

    ``plates/astronaut.####.exr`` is the shot (identity A); ``identity_b/plates/hopper.####.exr`` is
    identity B's footage, in its own folder because a script's sidecars (``tracks/<node>.json``) sit
    beside the script.
    """
    patterns = ("plates/astronaut.####.exr", f"{SOURCE_FOLDER}/plates/hopper.####.exr")
    for spec, pattern in zip((settings.shot, settings.source), patterns):
        if _plates_written(spec, os.path.join(folder, pattern)):
            _say(f"plates {spec.photo}: all {len(spec.frame_list)} frames already written (resuming)", quiet)
            continue
        with tqdm(
            total=len(spec.frame_list), desc=f"plates {spec.photo}", unit="frame", disable=quiet, file=sys.stderr
        ) as bar:
            write_shot(spec, os.path.join(folder, pattern), progress=bar.update)
    return patterns


def _plates_written(spec: ShotSpec, pattern: str) -> bool:
    seq = SequencePattern(pattern)
    return all(os.path.isfile(seq.path(f)) for f in spec.frame_list)


def _tracked(script: str) -> bool:
    """Whether ``script`` exists and its FaceDetect's tracks sidecar was written."""
    if not os.path.isfile(script):
        return False
    try:
        return os.path.isfile(Graph.load(script).find("FaceDetect").sidecar_path())
    except FaceplateError:
        return False


def run_demo(folder: str, settings: DemoSettings = FULL, *, quiet: bool = False) -> DemoResult:
    """Builds the demo shot in ``folder`` and runs the whole workflow on it; returns what it wrote.

    Into a folder of an earlier (interrupted) run it resumes: see the module docstring."""
    folder = os.path.abspath(folder)
    os.makedirs(folder, exist_ok=True)
    seconds: dict[str, float] = {}
    began = time.perf_counter()

    def lap(name: str, start: float) -> None:
        seconds[name] = round(time.perf_counter() - start, 1)

    t = time.perf_counter()
    write_plates(folder, settings, quiet=quiet)
    lap("plates", t)

    b = SOURCE_FOLDER
    t = time.perf_counter()
    for sub, script, plate in (
        ("", "shot.json", "plates/astronaut.####.exr"),
        (b, "hopper.json", "plates/hopper.####.exr"),
    ):
        if _tracked(os.path.join(folder, sub, script)):
            _say(f"\n{os.path.join(sub, script)}: already tracked (resuming)", quiet)
            continue
        _cli(["new", script, "--plate", plate, "--force"], folder, quiet, sub)
        _cli(["track", script], folder, quiet, sub)
    lap("track", t)

    t = time.perf_counter()
    for sub, script, faceset in (("", "shot.json", "facesets/A"), (b, "hopper.json", "../facesets/B")):
        if os.path.isfile(os.path.join(folder, sub, faceset, "manifest.json")):
            _say(f"\n{os.path.normpath(os.path.join(sub, faceset))}: face-set already extracted (resuming)", quiet)
            continue
        track = _main_track(os.path.join(folder, sub, script))
        _cli(["extract", script, "--track", str(track), "-o", faceset], folder, quiet, sub)
    lap("extract", t)

    t = time.perf_counter()
    from faceplate.models.swap.swap_export import INDEX_FILE  # deferred: the model stack

    if os.path.isfile(os.path.join(folder, "models", "ab", "onnx", INDEX_FILE)):
        _say("\nmodels/ab: already trained and exported (resuming)", quiet)
    else:
        resume = ["--resume"] if os.path.isfile(os.path.join(folder, "models", "ab", "checkpoints", "last.pt")) else []
        _cli(
            [
                "train",
                "--identity",
                "A=facesets/A",
                "--identity",
                "B=facesets/B",
                "--preset",
                "tiny",
                "--steps",
                str(settings.train_steps),
                "--steps-per-stage",
                str(settings.steps_per_stage),
                "--preview-every",
                str(max(settings.train_steps // 4, 1)),
                "-o",
                "models/ab",
                *resume,
            ],
            folder,
            quiet,
        )
    lap("train", t)

    script = os.path.join(folder, "shot.json")
    track = _main_track(script)
    swap = _node_name(script, "NeuralSwap")
    _cli(["set", "shot.json", f"{swap}.model=models/ab/onnx", f"{swap}.identities={track}=B"], folder, quiet)

    t = time.perf_counter()
    _cli(["render", "shot.json", "--skip-existing"], folder, quiet)
    lap("render", t)

    t = time.perf_counter()

    render_pattern, sheet, before_after = write_pictures(script, os.path.join(folder, "pictures"))
    lap("pictures", t)
    seconds["total"] = round(time.perf_counter() - began, 1)
    return DemoResult(folder, script, render_pattern, sheet, before_after, seconds)


def _node_name(script: str, type_name: str) -> str:
    return Graph.load(script).find(type_name).name

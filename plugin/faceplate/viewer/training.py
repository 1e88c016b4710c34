"""The training-folder page (``faceplate view models/ab``): the loss curve and the latest previews of a
swap or occlusion training, refreshing while it runs.

The trainer writes ``loss_curve.png`` (at every checkpoint), ``previews/step_NNNNNNN.png`` and, when it
finishes, ``training.json`` (settings and final losses), atomically; the page polls the folder's listing
and shows what is there. Only files inside the folder are served.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from faceplate.foundation.errors import FaceplateError, ScriptError
from faceplate.viewer.app import TokenGate, error_handlers

PREVIEWS = "previews"
SHOWN_PREVIEWS = 4


def listing(folder: str) -> dict[str, Any]:
    """What the page shows: the loss curve's and previews' names with their modification times, the
    finished training's summary (or None while it runs)."""

    def stamp(name: str) -> float | None:
        path = os.path.join(folder, name)
        return os.path.getmtime(path) if os.path.isfile(path) else None

    previews_folder = os.path.join(folder, PREVIEWS)
    previews = (
        sorted(f for f in os.listdir(previews_folder) if f.endswith(".png")) if os.path.isdir(previews_folder) else []
    )
    summary = None
    if os.path.isfile(os.path.join(folder, "training.json")):
        try:
            with open(os.path.join(folder, "training.json")) as f:
                summary = json.load(f)
        except (OSError, ValueError) as exc:
            summary = {"error": f"cannot read training.json: {exc}"}
    return {
        "folder": folder,
        "loss_curve": stamp("loss_curve.png"),
        "previews": [
            {"name": f"{PREVIEWS}/{p}", "mtime": stamp(f"{PREVIEWS}/{p}")} for p in previews[-SHOWN_PREVIEWS:]
        ],
        "training": summary,
    }


def inside(folder: str, name: str) -> str:
    """``name`` resolved inside ``folder``; a name that leaves it is refused."""
    path = os.path.realpath(os.path.join(folder, name))
    if os.path.commonpath([path, folder]) != folder or not os.path.isfile(path):
        raise ScriptError(f"{name!r} is not a file inside the training folder {folder}")
    return path


def create_training_app(folder: str, token: str) -> Starlette:
    """The training page's application for ``folder``, gated by ``token``."""
    folder = os.path.realpath(folder)
    if not os.path.isdir(folder):
        raise FaceplateError(f"{folder} is not a folder")
    static = resources.files("faceplate.viewer") / "static"

    def index(request: Request):
        return FileResponse(str(static / "training.html"), headers={"Cache-Control": "no-store"})

    def state(request: Request):
        return JSONResponse(listing(folder))

    def file(request: Request):
        return FileResponse(inside(folder, request.query_params.get("name", "")), headers={"Cache-Control": "no-store"})

    routes = [
        Route("/", index),
        Route("/api/training", state),
        Route("/api/file", file),
        Mount("/static", StaticFiles(directory=str(static)), name="static"),
    ]
    return Starlette(
        routes=routes, middleware=[Middleware(TokenGate, token=token)], exception_handlers=error_handlers()
    )

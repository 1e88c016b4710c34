"""The viewer's web application: the page, its static modules, and the JSON/PNG API.

Every request must carry the session's access token: ``?token=`` in the URL (the page's address that
``faceplate view`` prints), an ``X-Faceplate-Token`` header, or the cookie the page sets on first load.
A request without it gets 403 and is logged. Errors are JSON ``{"error": message, "kind": class}``:
400 for bad input (a bad knob value, an unknown node or layer), 409 when the script changed on disk
(kind ``DiskConflict``) or a newer image request in the same ``lane`` superseded this one (kind
``Superseded``, see :mod:`.lanes`), 403 for the token, 404 for an unknown address; each is logged.

API (all under ``/api``; frames and knob values are JSON numbers):

=====================  ====  ==========================================================================
``script``             GET   nodes with their knobs' metadata and values, frame range, undo/redo state
``display``            GET   the OCIO config's displays and views, with its defaults
``plate``              GET   ``node, frame``: size, layers the picker offers, channels
``frame.png``          GET   ``node, frame, layer, channel, exposure, gamma, display, view, overlay, exact,
                             proxy, lane``: PNG
``frame.rgb``          GET   the same, as raw 8-bit RGB rows (``X-Width``, ``X-Height``): what the page
                             draws (no encoding or decoding: a stored 1080p PNG costs 30-60 ms to make)
``faces``              GET   ``node, frame``: the faces the node's plate carries
``qc``                 GET   the QC strip: every track's per-frame status and jitter
``knob``               POST  ``{node, knob, value}``: a static value
``key``                POST  ``{node, knob, frame, value, interpolation}``: set a key
``key/delete``         POST  ``{node, knob, frame}``
``key/move``           POST  ``{node, knob, frame, to}``
``undo``, ``redo``     POST
``save``, ``reload``   POST
``render``             POST  ``{frames}``: starts a render of the Write nodes; ``render/{id}`` GET: progress
=====================  ====  ==========================================================================
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from faceplate.foundation.errors import FaceplateError
from faceplate.viewer import display as display_io
from faceplate.viewer.faces import faces_json, qc_tracks
from faceplate.viewer.lanes import Lanes, Superseded
from faceplate.viewer.render_jobs import RenderJobs
from faceplate.viewer.session import DiskConflict, Session

log = logging.getLogger("faceplate.viewer")
TOKEN_HEADER = "x-faceplate-token"


class BadRequest(FaceplateError):
    """A request the API cannot serve as asked (a missing or malformed parameter)."""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def cookie_name(token: str) -> str:
    # Cookies ignore ports: name it after the token so two viewers on one machine keep their own.
    return "faceplate-" + hashlib.sha256(token.encode()).hexdigest()[:12]


class TokenGate(BaseHTTPMiddleware):
    def __init__(self, app, token: str):
        super().__init__(app)
        self.token = token
        self.cookie = cookie_name(token)

    async def dispatch(self, request: Request, call_next):
        given = (
            request.query_params.get("token")
            or request.headers.get(TOKEN_HEADER)
            or request.cookies.get(self.cookie)
            or ""
        )
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            log.warning(
                "refused %s %s from %s: wrong or missing access token",
                request.method,
                request.url.path,
                request.client.host if request.client else "?",
            )
            return JSONResponse(
                {
                    "error": "wrong or missing access token: open the address `faceplate view` "
                    "printed (it ends in ?token=...)",
                    "kind": "AccessDenied",
                },
                status_code=403,
            )
        response = await call_next(request)
        if "token" in request.query_params:
            response.set_cookie(self.cookie, self.token, httponly=True, samesite="strict")
        return response


def _error(exc: Exception, status: int) -> JSONResponse:
    return JSONResponse({"error": str(exc), "kind": type(exc).__name__}, status_code=status)


def _text(params, name: str, default: str | None = None) -> str:
    value = params.get(name, default)
    if value is None:
        raise BadRequest(f"missing parameter '{name}'")
    return value


def _number(params, name: str, default: float | None = None) -> float:
    raw = params.get(name)
    if raw is None:
        if default is None:
            raise BadRequest(f"missing parameter '{name}'")
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise BadRequest(f"parameter '{name}' must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise BadRequest(f"parameter '{name}' must be finite, got {raw!r}")
    return value


def _frame(params, name: str = "frame") -> int:
    value = _number(params, name)
    if not float(value).is_integer():
        raise BadRequest(f"parameter '{name}' must be a whole frame number, got {value!r}")
    return int(value)


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise BadRequest("the request body must be a JSON object") from None
    if not isinstance(data, dict):
        raise BadRequest("the request body must be a JSON object")
    return data


def create_app(session: Session, token: str) -> Starlette:
    """The viewer's application for ``session``, gated by ``token``."""
    jobs = RenderJobs()
    shown = display_io.DisplayCache()
    lanes = Lanes()
    static = resources.files("faceplate.viewer") / "static"

    def plate_at(params):
        return session.render(_text(params, "node"), _frame(params))[0]

    def index(request: Request):
        return FileResponse(str(static / "index.html"), headers={"Cache-Control": "no-store"})

    def script(request: Request):
        q = request.query_params
        return JSONResponse(session.describe(_frame(q) if "frame" in q else None))

    def displays(request: Request):
        return JSONResponse(display_io.displays())

    def plate(request: Request):
        p = plate_at(request.query_params)
        d = p.display_window
        return JSONResponse(
            {"width": d.width, "height": d.height, "views": display_io.views(p), "channels": list(p.channels)}
        )

    def frame_image(request: Request, encode) -> Response:
        q = request.query_params
        ticket = lanes.enter(q.get("lane"))
        settings = display_io.DisplaySettings(
            layer=q.get("layer", "rgba"),
            channel=q.get("channel", "rgb"),
            exposure=_number(q, "exposure", 0.0),
            gamma=_number(q, "gamma", 1.0),
            display=q.get("display", ""),
            view=q.get("view", ""),
            overlay=q.get("overlay", ""),
            exact=q.get("exact", "") in ("1", "true"),
            proxy=int(_number(q, "proxy", 1)),
        )
        node, frame = _text(q, "node"), _frame(q)
        start = time.perf_counter()
        with session.lock:
            ticket.check("before its render started")
            p, version = session.render(node, frame)
        rendered = time.perf_counter()
        with session.lock:
            ticket.check("while it rendered")
            pixels = shown.pixels((node, frame), p, settings, version)
        del p  # the plate's arrays are free for the next render (JawBlend recycles its own)
        data, media_type, headers = encode(pixels)
        done = time.perf_counter()
        headers = {
            **headers,
            "Cache-Control": "no-store",
            "X-Render-Ms": f"{(rendered - start) * 1e3:.1f}",
            "X-Display-Ms": f"{(done - rendered) * 1e3:.1f}",
        }
        return Response(data, media_type=media_type, headers=headers)

    def frame_png(request: Request):
        return frame_image(request, lambda pixels: (display_io.png_bytes(pixels), "image/png", {}))

    def frame_rgb(request: Request):
        def raw(pixels):
            h, w = pixels.shape[:2]
            return pixels.tobytes(), "application/octet-stream", {"X-Width": str(w), "X-Height": str(h)}

        return frame_image(request, raw)

    def faces(request: Request):
        return JSONResponse({"faces": faces_json(plate_at(request.query_params))})

    def qc(request: Request):
        with session.lock:
            return JSONResponse({"nodes": qc_tracks(session.graph)})

    async def knob(request: Request):
        b = await _body(request)
        return JSONResponse(await _call(session.set_value, b, "node", "knob", "value"))

    async def key(request: Request):
        b = await _body(request)
        b.setdefault("interpolation", "linear")
        return JSONResponse(await _call(session.set_key, b, "node", "knob", "frame", "value", "interpolation"))

    async def key_delete(request: Request):
        return JSONResponse(await _call(session.delete_key, await _body(request), "node", "knob", "frame"))

    async def key_move(request: Request):
        return JSONResponse(await _call(session.move_key, await _body(request), "node", "knob", "frame", "to"))

    async def undo(request: Request):
        return JSONResponse(await _call(session.undo, {}))

    async def redo(request: Request):
        return JSONResponse(await _call(session.redo, {}))

    async def save(request: Request):
        return JSONResponse(await _call(session.save, {}))

    async def reload(request: Request):
        return JSONResponse(await _call(session.reload, {}))

    async def render_start(request: Request):
        b = await _body(request)
        frames = b.get("frames")
        if not isinstance(frames, str) or not frames:
            raise BadRequest("'frames' must be a frame range such as \"1001-1010\"")
        with session.lock:
            text = session.text
        return JSONResponse(jobs.start(text, str(session.folder), f"{session.path} (viewer render)", frames))

    def render_status(request: Request):
        return JSONResponse(jobs.get(int(request.path_params["job"])))

    routes = [
        Route("/", index),
        Route("/api/script", script),
        Route("/api/display", displays),
        Route("/api/plate", plate),
        Route("/api/frame.png", frame_png),
        Route("/api/frame.rgb", frame_rgb),
        Route("/api/faces", faces),
        Route("/api/qc", qc),
        Route("/api/knob", knob, methods=["POST"]),
        Route("/api/key", key, methods=["POST"]),
        Route("/api/key/delete", key_delete, methods=["POST"]),
        Route("/api/key/move", key_move, methods=["POST"]),
        Route("/api/undo", undo, methods=["POST"]),
        Route("/api/redo", redo, methods=["POST"]),
        Route("/api/save", save, methods=["POST"]),
        Route("/api/reload", reload, methods=["POST"]),
        Route("/api/render", render_start, methods=["POST"]),
        Route("/api/render/{job:int}", render_status),
        Mount("/static", StaticFiles(directory=str(static)), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(TokenGate, token=token)], exception_handlers=error_handlers())
    app.state.lanes = lanes  # for tests and benchmarks: which requests were dropped
    return app


def error_handlers() -> dict:
    """faceplate errors as JSON 400 (409 for a disk conflict), HTTP errors as JSON; each logged."""

    async def on_faceplate_error(request: Request, exc: Exception):
        status = 409 if isinstance(exc, (DiskConflict, Superseded)) else 400
        if isinstance(exc, Superseded):
            log.info("%s %s: %s", request.method, request.url.path, exc)  # routine while dragging
        else:
            log.warning("%s %s: %s", request.method, request.url.path, exc)
        return _error(exc, status)

    async def on_http_error(request: Request, exc: HTTPException):
        log.warning("%s %s: %s", request.method, request.url.path, exc.detail)
        return JSONResponse(
            {"error": f"{exc.detail}: {request.url.path}", "kind": "HTTPError"}, status_code=exc.status_code
        )

    return {FaceplateError: on_faceplate_error, HTTPException: on_http_error}


async def _call(method, body: dict[str, Any], *names: str) -> dict[str, Any]:
    missing = [n for n in names if n not in body]
    if missing:
        raise BadRequest(f"the request body lacks {', '.join(missing)}")
    return await run_in_threadpool(method, *(body[n] for n in names))

"""The artist's station: a browser viewer and knob editor for a faceplate script (``faceplate view``),
and a page for a training folder (``faceplate view models/ab``, :mod:`faceplate.viewer.training`).

:func:`serve` runs the web application of :mod:`faceplate.viewer.app` with uvicorn on 127.0.0.1, behind a
random access token (the page's address carries it, as Jupyter's does). The page is plain ES modules
and CSS in ``static/``, shipped with the package: no build step.
"""

from __future__ import annotations

import os
import socket
import threading
import webbrowser

from faceplate.viewer.app import create_app, new_token
from faceplate.viewer.session import Session
from faceplate.viewer.training import create_training_app

__all__ = ["Session", "create_app", "create_training_app", "new_token", "serve"]

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def serve(script: str, *, port: int = 0, open_browser: bool = True, token: str | None = None, on_ready=print) -> None:
    """Opens ``script`` (or a training folder) and serves the viewer until interrupted.

    Args:
        script: the script's path (read and validated first: a broken script raises ScriptError), or a
            training folder.
        port: the port on 127.0.0.1 (0: a free one).
        open_browser: open the page in the default browser once serving.
        token: the access token (default: a new random one).
        on_ready: called with the page's address once the server listens.
    """
    import uvicorn

    token = token or new_token()
    app = create_training_app(script, token) if os.path.isdir(script) else create_app(Session(script), token)
    port = port or free_port()
    url = f"http://{HOST}:{port}/?token={token}"
    config = uvicorn.Config(app, host=HOST, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)

    def announce():
        while not server.started and not server.should_exit:
            threading.Event().wait(0.05)
        if server.started:
            on_ready(url)
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    server.run()

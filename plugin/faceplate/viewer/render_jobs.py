"""Render range from the viewer: the real ``faceplate.actions.rendering.render`` on a background thread, with progress.

The job renders the session's script as it stands (saved or not) on its own graph, loaded from the
script's text, so the viewer keeps answering while it runs; its report is what ``faceplate render
--report`` writes.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from typing import Any

from faceplate.actions.rendering import render
from faceplate.foundation.errors import FaceplateError, ScriptError
from faceplate.foundation.frames import parse_frame_range
from faceplate.nodes.core import Graph

log = logging.getLogger("faceplate.viewer")


class RenderJobs:
    """Render jobs of one viewer; one runs at a time."""

    def __init__(self):
        self._jobs: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start(self, text: str, root: str, source: str, frames_text: str) -> dict[str, Any]:
        """Validates the script and the frames, then starts rendering; returns the job's state."""
        frames = parse_frame_range(frames_text)
        graph = Graph.loads(text, root=root, source=source)
        if not graph.executables():
            raise ScriptError("the script has no Write node to render; add one")
        with self._lock:
            if any(j["state"] == "running" for j in self._jobs.values()):
                raise ScriptError("a render is already running; wait for it to finish")
            job_id = next(self._ids)
            job = {
                "id": job_id,
                "state": "running",
                "frames": frames_text,
                "total": len(frames),
                "done": 0,
                "failed": 0,
                "started": time.time(),
                "seconds": None,
                "report": None,
                "error": None,
            }
            self._jobs[job_id] = job
        threading.Thread(target=self._run, args=(job, graph, frames), daemon=True, name=f"render-{job_id}").start()
        log.info("render %d started: frames %s", job_id, frames_text)
        return dict(job)

    def _run(self, job: dict[str, Any], graph, frames: list[int]) -> None:
        def on_frame(result):
            job["done"] += 1
            job["failed"] += result.status == "failed"

        try:
            report = render(graph, frames, on_frame=on_frame)
            job["report"] = report.to_json()
            job["state"] = "failed" if report.failed else "done"
        except FaceplateError as exc:
            job["error"], job["state"] = str(exc), "failed"
            log.warning("render %d failed: %s", job["id"], exc)
        job["seconds"] = round(time.time() - job["started"], 3)
        log.info(
            "render %d %s: %d of %d frames, %d failed",
            job["id"],
            job["state"],
            job["done"],
            job["total"],
            job["failed"],
        )

    def get(self, job_id: int) -> dict[str, Any]:
        job = self._jobs.get(job_id)
        if job is None:
            raise ScriptError(f"no render job {job_id}")
        return dict(job)

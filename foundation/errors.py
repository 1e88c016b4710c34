"""The one exception hierarchy of faceplate.

Every error faceplate raises on purpose derives from :class:`FaceplateError`, and its message names
the thing at fault (file, frame, node, knob, environment variable) and what to do about it.
"""

from __future__ import annotations


class FaceplateError(Exception):
    """Root of every error faceplate raises on purpose."""


class ScriptError(FaceplateError):
    """A graph script (or a graph built in code) is invalid: names the node and knob at fault."""

    def __init__(self, message: str, *, node: str | None = None, knob: str | None = None):
        where = ""
        if node is not None:
            where = f"node '{node}'"
            if knob is not None:
                where += f", knob '{knob}'"
            where += ": "
        super().__init__(where + message)
        self.node = node
        self.knob = knob


class KnobError(ScriptError):
    """A knob was given a value of the wrong type or out of range."""


class SequenceIOError(FaceplateError):
    """An image file or sequence could not be read or written: names the file and frame."""

    def __init__(self, message: str, *, path: str | None = None, frame: int | None = None):
        where = ""
        if path is not None:
            where = f"{path}"
            if frame is not None:
                where += f" (frame {frame})"
            where += ": "
        elif frame is not None:
            where = f"frame {frame}: "
        super().__init__(where + message)
        self.reason = message
        self.path = path
        self.frame = frame

    def at_frame(self, frame: int, context: str = "") -> SequenceIOError:
        """The same error with the frame (and a prefix such as the node) added, when it lacks them."""
        if self.frame is not None and not context:
            return self
        reason = f"{context}: {self.reason}" if context else self.reason
        return SequenceIOError(reason, path=self.path, frame=frame if self.frame is None else self.frame)


class ColourError(FaceplateError):
    """A colour space is unknown to the OpenColorIO config, or a conversion failed."""


class RenderError(FaceplateError):
    """A node failed while computing a frame: names the node and frame."""

    def __init__(self, message: str, *, node: str | None = None, frame: int | None = None):
        where = []
        if node is not None:
            where.append(f"node '{node}'")
        if frame is not None:
            where.append(f"frame {frame}")
        super().__init__((", ".join(where) + ": " if where else "") + message)
        self.node = node
        self.frame = frame


class NativeError(FaceplateError, ValueError):
    """A native kernel was called with bad arguments (shape, dtype, matrix, region)."""


class ModelError(FaceplateError):
    """A model file is missing, fails verification, or cannot be run: names the path and env var."""

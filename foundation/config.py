"""Environment variables faceplate reads, in one place.

=====================  ====================================================================
``FACEPLATE_CACHE_MB``   in-memory plate cache budget per process (default 2048)
``FACEPLATE_THREADS``    worker threads of the native CPU kernels (default: all cores)
``OCIO``                 OpenColorIO config (default: the built-in ``ocio://studio-config-latest``)
=====================  ====================================================================
"""

from __future__ import annotations

import os
import sys

from faceplate.foundation.errors import FaceplateError


def _int_env(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise FaceplateError(f"environment variable {name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise FaceplateError(f"environment variable {name}={value} must be at least {minimum}")
    return value


def cache_bytes() -> int:
    """The plate cache budget in bytes (``FACEPLATE_CACHE_MB``)."""
    return _int_env("FACEPLATE_CACHE_MB", 2048) * 1024 * 1024


_thread_count: int | None = None


def thread_count() -> int | None:
    """The count :func:`set_thread_count` set in this process, or None (the libraries' defaults)."""
    return _thread_count


def set_thread_count(threads: int) -> None:
    """Caps the threads of every pool faceplate drives in this process: OpenImageIO/OpenEXR, the native
    kernels, OpenCV, torch, and the ONNX Runtime sessions made afterwards (which also stop spinning while
    they wait). Render workers call it so N workers on a machine share its free cores instead of each
    spinning a thread per core."""
    global _thread_count
    # A host (Nuke) imports faceplate without OpenImageIO or the native module: load them on first use.
    import OpenImageIO as oiio  # deferred: OpenImageIO, not loaded in a host

    from faceplate import _native  # deferred: the native module, not loaded in a host

    threads = max(1, int(threads))
    _thread_count = threads
    if "torch" not in sys.modules:
        # read when torch loads OpenMP: idle OpenMP threads sleep instead of spinning on a shared machine
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    oiio.attribute("threads", threads)
    oiio.attribute("exr_threads", threads)
    _native.set_thread_count(threads)
    if "cv2" in sys.modules:
        sys.modules["cv2"].setNumThreads(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)

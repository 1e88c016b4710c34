"""ONNX Runtime sessions: one per model file, on the GPU only when one is really there.

``onnxruntime-gpu`` lists the TensorRT and CUDA providers whenever they are compiled in, GPU or not,
and asking for them on a CPU machine prints a loud error before it falls back. So the providers are
chosen from real checks (the CUDA driver answering with at least one device, and the CUDA provider's
libraries loading), never from ``get_available_providers()`` alone.

A process that capped its threads (:func:`faceplate.foundation.config.set_thread_count`, as render workers do) gets
sessions of that many intra-op threads (else ``OMP_NUM_THREADS`` when set, else ONNX Runtime's default, one per
core). Threads never spin while they wait: on a shared machine, and beside the thread that decodes the next
frame, spinning threads took the cores the others needed (the face mesh's track pass ran twice as slow).

Sessions are cached per (path, size, mtime, providers) behind a lock: building one takes long, and ONNX
Runtime documents ``InferenceSession.run`` as safe to call from several threads, so one session serves
every node and thread of a process (render workers each hold their own).
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
from typing import Any

from faceplate import _native
from faceplate.foundation import config
from faceplate.foundation.errors import ModelError
from faceplate.foundation.threads import explicit_threads

_sessions: dict[tuple[str, int, int, tuple[str, ...]], Any] = {}
_lock = threading.Lock()


@functools.cache
def cuda_device_present() -> bool:
    """True when the CUDA driver loads and reports at least one device (no CUDA toolkit needed)."""
    try:
        if _native.built_with_cuda:
            return bool(_native.cuda_available())
    except ImportError:
        pass
    try:
        driver = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    count = ctypes.c_int(0)
    return driver.cuInit(0) == 0 and driver.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0


@functools.cache
def cuda_provider_loads() -> bool:
    """True when ONNX Runtime's CUDA provider library and what it links (cuBLAS, cuDNN) can be loaded."""
    import onnxruntime as ort

    library = os.path.join(os.path.dirname(ort.__file__), "capi", "libonnxruntime_providers_cuda.so")
    try:
        ctypes.CDLL(library)
    except OSError:
        return False
    return True


def providers() -> list[str]:
    """Execution providers to ask for, best first: CUDA when a device is present and the provider's
    libraries load, then CPU."""
    import onnxruntime as ort

    chosen = []
    if "CUDAExecutionProvider" in ort.get_available_providers() and cuda_device_present() and cuda_provider_loads():
        chosen.append("CUDAExecutionProvider")
    chosen.append("CPUExecutionProvider")
    return chosen


def session(path: str | os.PathLike[str]) -> Any:
    """The cached ``onnxruntime.InferenceSession`` of a model file.

    Raises:
        ModelError: the file is missing or is not a model ONNX Runtime can load.
    """
    import onnxruntime as ort

    path = os.path.abspath(os.fspath(path))
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ModelError(f"model file {path} cannot be read: {exc.strerror}") from None
    chosen = tuple(providers())
    key = (path, st.st_size, st.st_mtime_ns, chosen)
    with _lock:
        cached = _sessions.get(key)
        if cached is None:
            options = ort.SessionOptions()
            options.log_severity_level = 3  # errors only: no provider chatter on CPU machines
            threads = config.thread_count() or explicit_threads()
            if threads is not None:  # a render worker's share of the machine, or the user's choice
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.add_session_config_entry("session.inter_op.allow_spinning", "0")
            try:
                cached = ort.InferenceSession(path, sess_options=options, providers=list(chosen))
            except Exception as exc:  # onnxruntime raises its own exception types
                raise ModelError(f"model file {path} cannot be loaded by ONNX Runtime: {exc}") from None
            _sessions[key] = cached
        return cached

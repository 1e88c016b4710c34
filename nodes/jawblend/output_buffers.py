"""JawBlend's output arrays, recycled: a frame is the plate everywhere but in the faces' boxes.

JawBlend's output is its input's channels plus its layers, over the whole frame (a 1080p frame with
13 channels is 108 MB), of which only the faces' boxes differ from the plate. Allocating and filling
that much fresh memory per compute is what an edit used to wait for: fresh pages fault in one by one,
and with transparent huge pages a fault can stall for the kernel's compaction (seconds on a loaded
machine, measured in tests/benchmarks/bench_viewer.py's runs).

:class:`OutputBuffers` keeps the arrays it handed out. When one is free again (no plate, cache entry or
view refers to it any more) it is handed out next instead of a fresh one; if it was last filled from
the same input array, only the boxes written since (recorded with :meth:`OutputBuffers.touched`) are
restored from the input, else the whole array is refilled in memory already mapped. Either way the
result is what a fresh fill gives, bit for bit (:func:`fill` does both).
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import weakref

import numpy as np

from faceplate.nodes.plate import Plate

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in array pixels, exclusive ends


def output_channels(plate: Plate, added: tuple[str, ...]) -> tuple[str, ...]:
    """The input's channels in their order, then A and the ``added`` layers it lacks."""
    channels = list(plate.channels) + (["A"] if "A" not in plate.channels else [])
    return tuple(channels + [name for name in added if name not in channels])


def fill(out: np.ndarray, plate: Plate, replaced: tuple[str, ...], box: Box | None = None) -> None:
    """Writes the untouched output into ``out`` (over ``box``, or everywhere): the input's channels,
    the ``replaced`` ones among them zeroed, A as 1 when the input has none, every added layer zeroed."""
    x0, y0, x1, y1 = box if box is not None else (0, 0, out.shape[1], out.shape[0])
    region, source = out[y0:y1, x0:x1], plate.pixels[y0:y1, x0:x1]
    n = len(plate.channels)
    region[:, :, :n] = source
    region[:, :, n:] = 0.0
    for i, name in enumerate(plate.channels):
        if name in replaced:
            region[:, :, i] = 0.0
    if "A" not in plate.channels:
        region[:, :, n] = 1.0


@dataclasses.dataclass
class _Buffer:
    array: np.ndarray
    source: weakref.ref | None = None  # the input array it was last filled from
    fill_key: tuple = ()  # the input's channels and the replaced ones it was filled with
    dirty: list[Box] = dataclasses.field(default_factory=list)


def _free_refs() -> int:
    # The references a buffer's array has when only its _Buffer holds it, counted the way _is_free counts.
    buffer = _Buffer(np.empty(0, np.float32))
    return sys.getrefcount(buffer.array)


class OutputBuffers:
    """Up to ``keep`` output arrays of one node (the latest handed out), reused once nothing else refers to
    them. One is what an edit needs (the frame it supersedes), and all an idle node holds: one frame."""

    _FREE = _free_refs()

    def __init__(self, keep: int = 1):
        self.keep = keep
        self._buffers: list[_Buffer] = []
        self._lock = threading.Lock()  # a node may be computed from two threads (each its own frame)
        self.reused = 0  # arrays handed out again (restored in the dirty boxes or refilled)
        self.restored = 0  # of which only the dirty boxes were restored

    def output(self, plate: Plate, added: tuple[str, ...], replaced: tuple[str, ...]) -> tuple[np.ndarray, tuple]:
        """A writable array holding the untouched output for ``plate`` (see :func:`fill`), and its channels."""
        with self._lock:
            return self._output(plate, added, replaced)

    def _output(self, plate: Plate, added: tuple[str, ...], replaced: tuple[str, ...]) -> tuple[np.ndarray, tuple]:
        channels = output_channels(plate, added)
        shape = plate.pixels.shape[:2] + (len(channels),)
        buffer = next((b for b in self._buffers if b.array.shape == shape and self._is_free(b)), None)
        if buffer is None:
            buffer = _Buffer(np.empty(shape, np.float32))
            fill(buffer.array, plate, replaced)
            self._buffers.append(buffer)
            while len(self._buffers) > self.keep:
                self._buffers.pop(0)  # no longer tracked: freed with the last plate that holds it
        else:
            buffer.array.flags.writeable = True
            self.reused += 1
            if self._same_source(buffer, plate, (plate.channels, replaced)):
                for box in buffer.dirty:
                    fill(buffer.array, plate, replaced, box)
                self.restored += 1
            else:
                fill(buffer.array, plate, replaced)
            self._buffers.remove(buffer)
            self._buffers.append(buffer)  # most recently used last
        buffer.dirty = []
        buffer.fill_key = (plate.channels, replaced)
        buffer.source = _weak(plate.pixels)
        return buffer.array, channels

    def touched(self, array: np.ndarray, box: Box) -> None:
        """Records that ``box`` of ``array`` (an array from :meth:`output`) is about to be written."""
        with self._lock:
            for buffer in self._buffers:
                if buffer.array is array:
                    x0, y0, x1, y1 = (int(v) for v in box)
                    if not any(a <= x0 and b <= y0 and x1 <= c and y1 <= d for a, b, c, d in buffer.dirty):
                        buffer.dirty.append((x0, y0, x1, y1))
                    return

    def _is_free(self, buffer: _Buffer) -> bool:
        # CPython's reference count: a plate, a cache entry or any view of the array holds a reference
        # (views refer to the array that owns the memory), so at the baseline nothing else can see it.
        return sys.getrefcount(buffer.array) <= self._FREE

    @staticmethod
    def _same_source(buffer: _Buffer, plate: Plate, fill_key: tuple) -> bool:
        """Whether the array holds ``plate``'s fill outside its dirty boxes: filled from the same input
        array, with the same channels, and nobody can have written that array since (:func:`_frozen`)."""
        source = None if buffer.source is None else buffer.source()
        return source is plate.pixels and buffer.fill_key == fill_key and _frozen(plate.pixels)


def _frozen(array: np.ndarray) -> bool:
    """Read-only all the way down to the memory's owner (the graph's cache leaves its plates so)."""
    while isinstance(array, np.ndarray):
        if array.flags.writeable:
            return False
        array = array.base
    return array is None or isinstance(array, bytes)


def _weak(array: np.ndarray) -> weakref.ref | None:
    try:
        return weakref.ref(array)
    except TypeError:
        return None

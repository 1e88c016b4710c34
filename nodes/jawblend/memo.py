"""JawBlend's memo: the intermediate results an edit would otherwise recompute unchanged, kept per node.

A knob edit re-renders JawBlend's frame with the upstream cached, and most of what the compute derives
does not read the knob that changed: the swap's crop warped into the face's box, the model's matte warped
likewise, a face's mattes when only a colour, grain or blend knob moved, the plate's grain measured in the
box, the grain's noise field. Each is memoised here under a key that covers exactly what it reads (the
input's graph hash at the frame it was read from, the track, the box, the settings it used, or the bytes
it was measured from), so a hit returns what a fresh computation gives, bit for bit. Arrays are stored
read-only: a caller that needs to change one makes its own copy.
"""

from __future__ import annotations

import collections
import hashlib
import threading
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

MISSING = object()


class Memo:
    """A bounded least-recently-used map, one per kind of result, safe to use from several threads."""

    def __init__(self, size: int):
        self.size = size
        self._entries: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, make: Callable[..., Any], *args, **kwargs) -> Any:
        """The value stored under ``key``, or ``make(*args, **kwargs)`` stored there (not called under the
        lock; a key computed twice at once stores the same value twice). ``key`` None: no memoising."""
        if key is None:
            return make(*args, **kwargs)
        with self._lock:
            value = self._entries.get(key, MISSING)
            if value is not MISSING:
                self._entries.move_to_end(key)
                self.hits += 1
                return value
            self.misses += 1
        value = _frozen(make(*args, **kwargs))
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value


def digest(array: np.ndarray) -> tuple:
    """A key for ``array``'s exact contents: its dtype, shape and a BLAKE2 digest of its bytes."""
    data = np.ascontiguousarray(array)
    return (data.dtype.str, data.shape, hashlib.blake2b(memoryview(data).cast("B"), digest_size=16).digest())


def _frozen(value: Any) -> Any:
    """``value`` with its arrays (and those of a dataclass holding arrays) made read-only."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            _frozen(getattr(value, name))
    return value

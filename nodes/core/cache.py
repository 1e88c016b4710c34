"""A bounded in-memory cache of computed plates, keyed by node hash.

Policy: least-recently-used eviction by total pixel bytes (``FACEPLATE_CACHE_MB``, default 2048 MB).
A plate larger than the whole budget is not cached. Cached pixel arrays are made read-only, so a
node that modifies a shared result fails at once instead of corrupting the cache. The cache is not
shared between processes; each render worker holds its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from faceplate.nodes.plate import Plate


class PlateCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[str, Plate] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Plate | None:
        with self._lock:
            plate = self._items.get(key)
            if plate is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return plate

    def put(self, key: str, plate: Plate) -> None:
        plate.pixels.flags.writeable = False
        size = plate.nbytes
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._items[key] = plate
            self._bytes += size
            while self._bytes > self.max_bytes and self._items:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= evicted.nbytes

    def discard(self, key: str) -> None:
        """Forgets the plate under ``key`` (if any): one that its owner knows is superseded."""
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: str) -> bool:
        return key in self._items

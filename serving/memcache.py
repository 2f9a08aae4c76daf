"""In-process caches bounded in bytes, not entries (issue 9 item 1).

An entry-count bound lets one client fill a worker: 2 000 entries of 4 MiB each is 8 GB. Here every
cache has a total in bytes and a per-entry cap; an entry over the cap is not kept (the work is
redone next time), and the least recently used entries are dropped to make room. Entries also
expire after a timeout. Built on cachetools.TTLCache with `getsizeof` (a well-kept library: LRU +
TTL + size accounting), made thread-safe with a lock.

- `ByteCache`: the plain cache (the API's response cache, api.routes).
- `FlaskByteCache`: the same as a flask-caching backend (`CACHE_TYPE: "serving.memcache.FlaskByteCache"`),
  so serving.data's `cache` keeps its flask-caching interface.
- `sizeof(value)`: a conservative estimate of what a value costs in memory: bytes, DataFrames
  (deep memory usage), (columns, row tuples) pairs (sampled rows), else the pickled length.
"""
from __future__ import annotations

import pickle
import sys
import threading
import time

import cachetools
from flask_caching.backends.base import BaseCache

MIB = 1 << 20

#: per worker process (gunicorn runs each worker with its own caches)
QUERY_CACHE_MAX_BYTES = 128 * MIB
QUERY_ENTRY_MAX_BYTES = 16 * MIB
RESPONSE_CACHE_MAX_BYTES = 64 * MIB
RESPONSE_ENTRY_MAX_BYTES = 4 * MIB

_OVERHEAD = 256   # the key, the cache's own bookkeeping


def _rows_size(rows) -> int:
    if not rows:
        return 64
    sample = rows[: min(len(rows), 32)]
    per = sum(sys.getsizeof(r) + sum(sys.getsizeof(x) for x in r) for r in sample) / len(sample)
    return int(per * len(rows)) + sys.getsizeof(rows)


def _frame_size(df) -> int:
    """A DataFrame's bytes: exact for numeric columns, sampled for text ones (a deep count of every
    string would cost more than the query on big frames)."""
    n = len(df)
    total = int(df.memory_usage(index=True, deep=False).sum())
    if not n:
        return total
    for c in df.columns:
        s = df[c]
        if s.dtype == object:
            sample = s.iloc[:: max(1, n // 64)][:64]
            total += int(sum(sys.getsizeof(x) for x in sample) / max(1, len(sample)) * n)
    return total


def sizeof(value) -> int:
    """Estimated bytes held by a cached value (errs on the large side)."""
    try:
        import pandas as pd
        if isinstance(value, (bytes, bytearray, memoryview, str)):
            return len(value) + _OVERHEAD
        if isinstance(value, pd.DataFrame):
            return _frame_size(value) + _OVERHEAD
        if isinstance(value, tuple) and value and isinstance(value[0], (bytes, bytearray)):
            return sum(sizeof(v) for v in value)     # (body, headers): an API response
        if (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], list)
                and isinstance(value[1], list) and (not value[1] or isinstance(value[1][0], tuple))):
            return _rows_size(value[1]) + _OVERHEAD   # (column names, row tuples): serving.data.query_rows
        return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) + _OVERHEAD
    except Exception:  # noqa: BLE001 — an unpicklable value: count it as large, never fail the request
        return 1 * MIB


class ByteCache:
    """A thread-safe LRU cache with a timeout, bounded by the estimated bytes of its values."""

    def __init__(self, max_bytes: int, entry_max_bytes: int, timeout: float = 300.0):
        self.max_bytes, self.entry_max_bytes, self.timeout = int(max_bytes), int(entry_max_bytes), float(timeout)
        self._lock = threading.Lock()
        self._data = self._new()

    def _new(self):
        return cachetools.TTLCache(maxsize=self.max_bytes, ttl=self.timeout, timer=time.monotonic,
                                   getsizeof=lambda item: item[1])

    def get(self, key):
        with self._lock:
            hit = self._data.get(key)
        return None if hit is None else hit[0]

    def set(self, key, value, size: int | None = None) -> bool:
        """Keep value under key; False (and nothing kept) when it is over the per-entry cap."""
        n = sizeof(value) if size is None else int(size) + _OVERHEAD
        if n > self.entry_max_bytes or n > self.max_bytes:
            with self._lock:
                self._data.pop(key, None)
            return False
        with self._lock:
            self._data[key] = (value, n)
        return True

    def delete(self, key) -> bool:
        with self._lock:
            return self._data.pop(key, None) is not None

    def has(self, key) -> bool:
        with self._lock:
            return key in self._data

    def clear(self) -> None:
        with self._lock:
            self._data = self._new()

    @property
    def bytes(self) -> int:
        """The estimated bytes held now (expired entries included until they are evicted)."""
        with self._lock:
            return int(self._data.currsize)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)


class FlaskByteCache(BaseCache):
    """flask-caching backend over ByteCache. Config: CACHE_MAX_BYTES, CACHE_ENTRY_MAX_BYTES,
    CACHE_DEFAULT_TIMEOUT (one timeout for every entry: per-entry timeouts are not used here)."""

    def __init__(self, max_bytes: int = QUERY_CACHE_MAX_BYTES, entry_max_bytes: int = QUERY_ENTRY_MAX_BYTES,
                 default_timeout: int = 300):
        super().__init__(default_timeout=default_timeout)
        self.store = ByteCache(max_bytes, entry_max_bytes, default_timeout or 300)

    @classmethod
    def factory(cls, app, config, args, kwargs):
        return cls(max_bytes=int(config.get("CACHE_MAX_BYTES", QUERY_CACHE_MAX_BYTES)),
                   entry_max_bytes=int(config.get("CACHE_ENTRY_MAX_BYTES", QUERY_ENTRY_MAX_BYTES)),
                   default_timeout=int(config.get("CACHE_DEFAULT_TIMEOUT", 300)))

    def get(self, key):
        return self.store.get(key)

    def set(self, key, value, timeout=None):
        return self.store.set(key, value)

    def add(self, key, value, timeout=None):
        if self.store.has(key):
            return False
        return self.store.set(key, value)

    def delete(self, key):
        return self.store.delete(key)

    def has(self, key):
        return self.store.has(key)

    def clear(self):
        self.store.clear()
        return True

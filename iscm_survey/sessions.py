"""The session engine used with a shared cache (CACHE_URL, settings.py): Django's cached_db sessions
(read from Redis, written to both Redis and the database) that keep working on the database alone while
Redis is down.

Django's own cached_db engine lets a Redis error through on most paths (the cache write after a read
from the database, `exists` when a session is created, `delete` at logout): with Redis down every
signed-in page would answer 500. Here a Redis error makes this process read sessions from the database
alone for RETRY_SECONDS (a hung Redis would otherwise cost a socket timeout on every page), logged once
per outage on `iscm.cache`. Writes still try the cache, so that a process never leaves a copy in Redis
older than the database once Redis answers again; the keys whose cache write failed are deleted from
Redis by the first cache operation of this process that succeeds again.

Synchronous paths only (gunicorn's sync workers); the async methods are Django's.
"""

from __future__ import annotations

import logging
import time

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore
from redis.exceptions import RedisError

logger = logging.getLogger("iscm.cache")

RETRY_SECONDS = 10
CACHE_ERRORS = (RedisError, OSError)
FAILED = object()  # a cache operation that did not reach Redis (None is a miss)


class CacheHealth:
    """Per process: whether Redis answered lately, and the session keys it may hold stale copies of."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.down = False
        self.retry_at = 0.0  # time.monotonic() before which reads skip the cache
        self.stale_keys: set[str] = set()
        self.dropped = 0

    def reads_skip(self) -> bool:
        return self.down and time.monotonic() < self.retry_at

    def failed(self, error: Exception) -> None:
        if not self.down:
            logger.warning(
                "session cache unreachable: sessions read from the database",
                extra={"event": "cache_unreachable", "error": f"{type(error).__name__}: {error}"[:300]},
            )
        self.down = True
        self.retry_at = time.monotonic() + RETRY_SECONDS

    def stale_drop(self, cache) -> None:
        """Before the first operation since an outage: drop the copies older than the database."""
        if self.stale_keys:
            cache.delete_many(list(self.stale_keys))
            self.dropped += len(self.stale_keys)
            self.stale_keys.clear()

    def recovered(self) -> None:
        logger.info(
            "session cache reachable again",
            extra={"event": "cache_reachable", "stale_sessions_dropped": self.dropped},
        )
        self.reset()


health = CacheHealth()


class SessionStore(CachedDBStore):
    def _cache_call(self, operation, *args):
        """The result of a cache operation, or FAILED when Redis could not be reached."""
        try:
            if health.down:
                health.stale_drop(self._cache)
            result = operation(*args)
        except CACHE_ERRORS as error:
            health.failed(error)
            return FAILED
        if health.down:
            health.recovered()
        return result

    def _cache_write(self, key: str, operation, *args) -> None:
        if self._cache_call(operation, key, *args) is FAILED:
            health.stale_keys.add(key)

    def load(self):
        cached = FAILED if health.reads_skip() else self._cache_call(self._cache.get, self.cache_key)
        if cached is not None and cached is not FAILED:
            return cached
        stored = self._get_session_from_db()
        if stored is None:
            return {}
        data = self.decode(stored.session_data)
        if cached is None:  # a miss: keep a copy for the next request
            self._cache_write(self.cache_key, self._cache.set, data, self.get_expiry_age(expiry=stored.expire_date))
        return data

    def exists(self, session_key):
        cached = (
            session_key
            and not health.reads_skip()
            and self._cache_call(self._cache.has_key, self.cache_key_prefix + session_key)
        )
        return cached is True or DBStore.exists(self, session_key)

    def save(self, must_create=False):
        DBStore.save(self, must_create)
        self._cache_write(self.cache_key, self._cache.set, self._session, self.get_expiry_age())

    def delete(self, session_key=None):
        DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self._cache_write(self.cache_key_prefix + session_key, self._cache.delete)

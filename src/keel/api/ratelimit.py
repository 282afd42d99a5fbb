"""Per-key rate limits: one token bucket per API key or token subject.

A bucket holds up to ``burst`` tokens and gains ``rate_per_s`` tokens a second; a
request takes one or is refused with the seconds until one is there (the
``Retry-After`` of a ``RATE_LIMITED`` answer). Buckets live in this process's
memory: with several replicas each enforces the limit on its own share of traffic.

Memory is bounded. A bucket idle for ``burst / rate_per_s`` seconds is full again,
exactly what a new bucket would be, so dropping it changes nothing; when more than
``max_buckets`` keys are tracked those go first, then the least recently created.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Final

from keel.config import Settings
from keel.errors import ConfigError

MAX_BUCKETS: Final = 100_000


class RateLimiter:
    """Token buckets keyed by caller. ``rate_per_s == 0`` means no limit. Thread-safe.

    Raises ``ConfigError`` for a negative rate or a burst below 1.
    """

    def __init__(
        self,
        rate_per_s: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = MAX_BUCKETS,
    ) -> None:
        if rate_per_s < 0 or not math.isfinite(rate_per_s):
            raise ConfigError(f"a rate limit must be a finite number >= 0, not {rate_per_s}")
        if burst < 1 or max_buckets < 1:
            raise ConfigError("a rate limit's burst and max_buckets must be >= 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._max = max_buckets
        # A bucket idle this long is full again: it may be forgotten.
        self._refill_s = burst / rate_per_s if rate_per_s else 0.0
        # key -> [tokens, time of last update]
        self._buckets: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        return cls(settings.api_rate_limit_per_s, settings.api_rate_limit_burst)

    @property
    def enabled(self) -> bool:
        return self.rate_per_s > 0

    def check(self, key: str) -> float | None:
        """Take one token for ``key``: ``None`` if allowed, else seconds until a token."""
        if not self.rate_per_s:
            return None
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self._max:
                    self._evict(now)
                self._buckets[key] = [self.burst - 1.0, now]
                return None
            tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate_per_s)
            bucket[1] = now
            if tokens >= 1.0:
                bucket[0] = tokens - 1.0
                return None
            bucket[0] = tokens
            return (1.0 - tokens) / self.rate_per_s

    def __len__(self) -> int:
        return len(self._buckets)

    def _evict(self, now: float) -> None:
        """Forget full-again buckets, then the oldest, down to 90% of the bound."""
        idle = now - self._refill_s
        for key in [k for k, b in self._buckets.items() if b[1] <= idle]:
            del self._buckets[key]
        excess = len(self._buckets) - self._max * 9 // 10
        for key in list(self._buckets)[: max(excess, 0)]:
            del self._buckets[key]

"""The per-key token bucket: burst, refill, Retry-After, independence, bounded memory."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from keel.api.ratelimit import RateLimiter
from keel.config import load_settings
from keel.errors import ConfigError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_burst_then_refused_with_the_wait_until_the_next_token(clock: Clock) -> None:
    limiter = RateLimiter(2.0, 3, clock=clock)
    assert [limiter.check("k") for _ in range(3)] == [None, None, None]
    assert limiter.check("k") == pytest.approx(0.5)
    clock.now += 0.2
    assert limiter.check("k") == pytest.approx(0.3)
    clock.now += 0.3
    assert limiter.check("k") is None
    assert limiter.check("k") == pytest.approx(0.5)


def test_refill_never_exceeds_the_burst(clock: Clock) -> None:
    limiter = RateLimiter(10.0, 5, clock=clock)
    for _ in range(5):
        limiter.check("k")
    clock.now += 3600
    assert [limiter.check("k") for _ in range(6)] == [None] * 5 + [pytest.approx(0.1)]


def test_refused_requests_take_no_token(clock: Clock) -> None:
    limiter = RateLimiter(1.0, 1, clock=clock)
    assert limiter.check("k") is None
    for _ in range(10):
        assert limiter.check("k") == pytest.approx(1.0)
    clock.now += 1.0
    assert limiter.check("k") is None


def test_keys_have_their_own_buckets(clock: Clock) -> None:
    limiter = RateLimiter(1.0, 2, clock=clock)
    assert [limiter.check("a") for _ in range(3)][-1] == pytest.approx(1.0)
    assert limiter.check("b") is None
    assert limiter.check("b") is None


def test_a_rate_of_zero_is_no_limit(clock: Clock) -> None:
    limiter = RateLimiter(0, 1, clock=clock)
    assert not limiter.enabled
    assert all(limiter.check("k") is None for _ in range(10_000))
    assert len(limiter) == 0


def test_memory_is_bounded_and_idle_buckets_go_without_a_trace(clock: Clock) -> None:
    limiter = RateLimiter(1.0, 2, clock=clock, max_buckets=10)
    for i in range(10):
        limiter.check(f"idle-{i}")
    limiter.check("busy")  # over the bound: the oldest go
    assert len(limiter) <= 10
    clock.now += 2.0  # every bucket is full again
    limiter.check("busy")
    limiter.check("busy")
    for i in range(1000):
        limiter.check(f"new-{i}")
        assert len(limiter) <= 10
    # A forgotten bucket comes back full, exactly as it would have refilled.
    assert limiter.check("idle-0") is None
    assert limiter.check("idle-0") is None
    assert limiter.check("idle-0") == pytest.approx(1.0)


def test_concurrent_checks_never_hand_out_more_than_the_burst() -> None:
    limiter = RateLimiter(0.001, 100)  # the real monotonic clock; no refill to speak of
    allowed: list[int] = []

    def worker() -> None:
        allowed.append(sum(limiter.check("shared") is None for _ in range(100)))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(allowed) == 100


def test_settings_configure_it(tmp_path: Path) -> None:
    default = RateLimiter.from_settings(load_settings({}, cwd=tmp_path))
    assert (default.rate_per_s, default.burst) == (100.0, 200)
    env = {"KEEL_API_RATE_LIMIT_PER_S": "5", "KEEL_API_RATE_LIMIT_BURST": "7"}
    limiter = RateLimiter.from_settings(load_settings(env, cwd=tmp_path))
    assert (limiter.rate_per_s, limiter.burst) == (5.0, 7)
    with pytest.raises(ConfigError, match="api_rate_limit_burst"):
        load_settings({"KEEL_API_RATE_LIMIT_BURST": "0"}, cwd=tmp_path)


@pytest.mark.parametrize(("rate", "burst"), [(-1.0, 1), (float("inf"), 1), (1.0, 0)])
def test_bad_limits_are_config_errors(rate: float, burst: int) -> None:
    with pytest.raises(ConfigError):
        RateLimiter(rate, burst)

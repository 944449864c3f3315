"""Per-tenant token buckets: one tenant's burst does not touch another's allowance."""

from __future__ import annotations

import pytest

from mentoring.kit.ratelimit import RateLimited, TenantRateLimiter


def test_burst_then_429_with_retry_after() -> None:
    limiter = TenantRateLimiter(rate_per_second=1.0, burst=3)
    for _ in range(3):
        limiter.acquire("a")
    with pytest.raises(RateLimited) as exc:
        limiter.acquire("a")
    assert exc.value.retry_after >= 1


def test_tenants_are_independent() -> None:
    limiter = TenantRateLimiter(rate_per_second=0.001, burst=2)
    limiter.acquire("a")
    limiter.acquire("a")
    with pytest.raises(RateLimited):
        limiter.acquire("a")
    limiter.acquire("b")
    limiter.acquire("b")

"""Per-tenant token buckets: one ministry's burst gets 429s, the others keep their share."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimited(Exception):
    def __init__(self, retry_after: float, lane: str) -> None:
        super().__init__(f"rate limit of the {lane} lane exceeded")
        self.retry_after = retry_after
        self.lane = lane


class TenantRateLimiter:
    """Token bucket per (lane, tenant); in-process, so each API replica limits on its own."""

    def __init__(self, rate_per_second: float, burst: int, lane: str = "default") -> None:
        self.rate = rate_per_second
        self.burst = burst
        self.lane = lane
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, tenant: str) -> None:
        now = time.monotonic()
        bucket = self._buckets.get(tenant)
        if bucket is None:
            bucket = self._buckets[tenant] = _Bucket(tokens=float(self.burst), updated=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return
        raise RateLimited(retry_after=math.ceil((1.0 - bucket.tokens) / self.rate), lane=self.lane)

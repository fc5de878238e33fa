"""How many commands one user may send: a token bucket per user, in a bounded table.

A user who sends commands faster than ``burst`` at once, refilled at ``burst`` per
``period``, is refused once ("slow down, try again in N s") and then ignored until their
bucket has filled up again: a flood costs one reply, not one per command, and a burst that
goes on at the refill rate is not refused again and again.

The table is bounded (``max_users``): a full bucket is the same as no bucket, so those go
first; past that, the users heard from longest ago. Memory stays bounded however many users
write, and a flooder, heard from most recently, is the last to be forgotten.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

BURST = 20
PERIOD_SECONDS = 10.0
MAX_USERS = 10_000


class Verdict(Enum):
    ALLOW = "allow"
    REFUSE = "refuse"  # over the limit: tell them, once
    IGNORE = "ignore"  # still over the limit, and told already


@dataclass
class _Bucket:
    tokens: float
    at: float
    refused: bool = False


class CommandQuota:
    def __init__(
        self,
        burst: int = BURST,
        period: float = PERIOD_SECONDS,
        max_users: int = MAX_USERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.rate = burst / period  # tokens a second
        self.max_users = max_users
        self.clock = clock
        self._buckets: OrderedDict[int, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, user_id: int) -> Verdict:
        """One command from ``user_id``: may it run?"""
        now = self.clock()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
            self._buckets[user_id] = bucket
            self._bound()
        else:
            self._buckets.move_to_end(user_id)
            self._refill(bucket, now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return Verdict.ALLOW
        if bucket.refused:
            return Verdict.IGNORE
        bucket.refused = True
        return Verdict.REFUSE

    def retry_in(self, user_id: int) -> int:
        """Whole seconds until ``user_id`` may send a command again (at least 1)."""
        bucket = self._buckets.get(user_id)
        if bucket is None:
            return 1
        self._refill(bucket, self.clock())
        return max(1, math.ceil((1 - bucket.tokens) / self.rate))

    def _refill(self, bucket: _Bucket, now: float) -> None:
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= self.burst:
            bucket.refused = False  # calm again: a later flood is told again

    def _bound(self) -> None:
        if len(self._buckets) <= self.max_users:
            return
        now = self.clock()
        for user_id, bucket in list(self._buckets.items()):
            self._refill(bucket, now)
            if bucket.tokens >= self.burst:
                del self._buckets[user_id]
        while len(self._buckets) > self.max_users:
            self._buckets.popitem(last=False)

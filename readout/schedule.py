"""When a source is polled next: its interval, stretched while it keeps failing.

A failing source waits twice as long after each consecutive failure, capped at
8 × its interval and at one hour (but never below its own interval), and one success puts
it back on its interval. Jitter of at most 10% keeps sources sharing an interval from
hitting the network in lockstep.
"""

from __future__ import annotations

BACKOFF_FACTOR_CAP = 8
BACKOFF_SECONDS_CAP = 3600.0
JITTER_FRACTION = 0.1


def poll_delay(interval: float, consecutive_failures: int) -> float:
    """Seconds until the next poll of a source with this many failures in a row."""
    if consecutive_failures <= 0:
        return interval
    stretched: float = interval * 2.0 ** min(consecutive_failures, 16)
    cap = max(interval, min(interval * BACKOFF_FACTOR_CAP, BACKOFF_SECONDS_CAP))
    return min(stretched, cap)


def jitter(interval: float) -> float:
    return interval * JITTER_FRACTION

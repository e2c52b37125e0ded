"""A seconds clock the test moves by hand (``now += 5``): what the inbox, outbox and courier read
instead of ``time.time``, so retries and expiry are tested without sleeping."""

from __future__ import annotations


class Seconds:
    """Epoch seconds that stand still until the test moves them."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

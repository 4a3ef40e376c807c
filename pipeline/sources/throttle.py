"""How many connections to one host may be open at once, adapted to how the host answers.

Additive increase, multiplicative decrease, as TCP sizes its window: a throttled request
(429, 503) halves the host's limit, and every `limit` requests in a row that succeed raise it
by one, back up to the ceiling the user set. Requests that were already under way when the
limit was cut carry an older generation and do not cut it again: one burst of 503s, answered
to every open connection at once, halves the limit once, not once per connection.
"""
from __future__ import annotations

import threading
from urllib.parse import urlsplit


class AdaptiveLimit:
    def __init__(self, maximum: int):
        self.maximum = max(1, maximum)
        self.limit = self.maximum
        self.active = 0
        self.generation = 0
        self._streak = 0
        self._changed = threading.Condition()

    def acquire(self) -> int:
        """Wait for a free slot; returns the generation to hand back to `throttled`."""
        with self._changed:
            while self.active >= self.limit:
                self._changed.wait()
            self.active += 1
            return self.generation

    def release(self) -> None:
        with self._changed:
            self.active -= 1
            self._changed.notify_all()

    def throttled(self, generation: int) -> None:
        with self._changed:
            self._streak = 0
            if generation == self.generation:
                self.limit = max(1, self.limit // 2)
                self.generation += 1

    def succeeded(self) -> None:
        with self._changed:
            self._streak += 1
            if self._streak >= self.limit and self.limit < self.maximum:
                self.limit += 1
                self._streak = 0
                self._changed.notify_all()


class HostLimits:
    """One AdaptiveLimit per host, all with the same ceiling."""

    def __init__(self, maximum: int):
        self.maximum = maximum
        self._hosts: dict[str, AdaptiveLimit] = {}
        self._lock = threading.Lock()

    def for_url(self, url: str) -> AdaptiveLimit:
        host = urlsplit(url).netloc
        with self._lock:
            return self._hosts.setdefault(host, AdaptiveLimit(self.maximum))

    def current(self) -> int:
        """The smallest current limit over the hosts: what the progress bar shows."""
        with self._lock:
            return min((h.limit for h in self._hosts.values()), default=self.maximum)

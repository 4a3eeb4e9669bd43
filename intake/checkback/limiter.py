"""A global token bucket per worker process: the only limit on check-back attempts.

There is no address to limit by (and there must not be one), so every
check-back attempt of every reporter draws from one bucket in memory;
nothing is stored. Under a guessing flood the bucket empties and attempts
get a localized 503 until it refills; a guesser gains nothing from it
because each attempt is one of 2^88.
"""

from __future__ import annotations

import threading
import time


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; :meth:`take` spends one.

    Thread-safe; uses :func:`time.monotonic` (seconds).
    """

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = float(rate)
        self.burst = float(burst)
        self._tokens = float(burst)
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Spend one token; False (spend nothing) if the bucket is empty."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1.0:
                return False
            self._tokens -= 1.0
            return True

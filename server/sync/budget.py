"""A connection's budget: how many messages and bytes per second it may have the server handle.

A token bucket per connection, for messages and for bytes, that holds up to BURST_SECONDS of budget. A frame
beyond the budget is not dropped (stock clients cannot resend it): the connection waits until the budget
has refilled, and while it waits its socket is not read, so TCP slows the sender and nobody else.
"""

from __future__ import annotations

from dataclasses import dataclass

BURST_SECONDS = 2.0


@dataclass(frozen=True)
class BudgetLimits:
    messages_per_second: float = 200.0
    bytes_per_second: float = 2 * 1024 * 1024


class Budget:
    def __init__(self, limits: BudgetLimits, now: float) -> None:
        self.limits = limits
        self._messages = self._message_burst = limits.messages_per_second * BURST_SECONDS
        self._bytes = self._byte_burst = limits.bytes_per_second * BURST_SECONDS
        self._at = now

    def charge(self, size: int, now: float) -> float:
        """Take one message of `size` bytes; the seconds to wait before handling it (0.0 within budget)."""
        limits = self.limits
        elapsed = max(0.0, now - self._at)
        self._at = now
        self._messages = min(self._message_burst, self._messages + elapsed * limits.messages_per_second) - 1
        self._bytes = min(self._byte_burst, self._bytes + elapsed * limits.bytes_per_second) - size
        if self._messages >= 0 and self._bytes >= 0:
            return 0.0
        return max(-self._messages / limits.messages_per_second, -self._bytes / limits.bytes_per_second)

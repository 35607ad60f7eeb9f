"""The org's daily API budget, read from ``Sforce-Limit-Info`` on every answer.

Salesforce has no short-window rate limit for ordinary calls, but a rolling 24-hour request
budget shared by every integration of the org. leadq keeps under its configured share of it
(default 50%) and, past it, stops calling and says so (the throttle callback updates the
installation's status), resuming when the usage the org reports falls back under the share.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from connector.errors import CrmRateLimited

log = logging.getLogger(__name__)
USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
THROTTLE_RETRY_S = 900.0


def parse_limit_info(header: str | None) -> tuple[int, int] | None:
    found = USAGE.search(header or "")
    return (int(found.group(1)), int(found.group(2))) if found else None


@dataclass
class ApiBudget:
    share: float = 0.5
    on_throttle: Callable[[str], None] | None = None
    on_clear: Callable[[], None] | None = None
    used: int | None = None
    total: int | None = None
    throttled: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def allowed(self) -> int | None:
        return None if self.total is None else int(self.total * self.share)

    def observe(self, used: int, total: int) -> None:
        with self._lock:
            self.used, self.total = used, total
            over = self.allowed is not None and used >= self.allowed
            cleared = self.throttled and not over
            if cleared:
                self.throttled = False
        if cleared:
            log.info("salesforce.budget.clear", extra={"used": used, "total": total})
            if self.on_clear:
                self.on_clear()

    def check(self, org_id: str) -> None:
        """Raise before a call that would take leadq past its share of the daily budget."""
        allowed = self.allowed
        if allowed is None or self.used is None or self.used < allowed:
            return
        message = (
            f"leadq keeps under {self.share:.0%} of the org's daily API budget: {self.used:,} of "
            f"{self.total:,} requests used in the last 24 hours; it pauses and tries again later"
        )
        first = not self.throttled
        self.throttled = True
        if first:
            log.warning(
                "salesforce.budget.throttled", extra={"org": org_id, "used": self.used, "total": self.total}
            )
            if self.on_throttle:
                self.on_throttle(message)
        raise CrmRateLimited(message, status=None, retry_after=THROTTLE_RETRY_S)

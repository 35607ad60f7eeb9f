"""The admin app's check of a routing configuration's reps against the CRM's active owners."""

from __future__ import annotations

from leadq.web.auth import services


def owner_problems(installation_id: int, routing_text: str | None) -> list[str]:
    """Messages naming each rep the CRM would refuse; empty when every rep is an active owner."""
    from workers.services.context import Runtime
    from workers.services.owner_check import routing_owner_problems

    s = services()
    return routing_owner_problems(
        Runtime(s.settings, s.sessions, s.vault, s.redis), installation_id, routing_text
    )

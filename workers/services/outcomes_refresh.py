"""The daily outcome read: the CRM's won and lost outcomes, kept in leadq's store (``storage.outcomes``)
so that monitoring reads them without calling the CRM (and, in the same job, the first touches of
leadq's recent assignments: ``first_touch``). The retrain job reads the same outcomes and
stores them too; these are the only CRM reads of outcomes."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from core.records import ObjectType, Outcome, OutcomeKind
from storage import outcomes as outcome_store
from storage.outcomes import NewOutcome
from workers.services.context import InstallationContext
from workers.services.first_touch import refresh_first_touches

log = logging.getLogger(__name__)
DECIDED = (OutcomeKind.WON, OutcomeKind.LOST)


def read_outcomes(ctx: InstallationContext) -> list[Outcome]:
    """The CRM's won and lost outcomes: deals (HubSpot contacts; Salesforce converted leads, else
    contacts) and closed pipeline leads (HubSpot Leads: qualified is won, disqualified lost)."""
    leads_api = ctx.adapter.pipeline_leads
    closed = [*ctx.adapter.outcomes(), *(leads_api.lead_outcomes() if leads_api is not None else [])]
    return [o for o in closed if o.kind in DECIDED]


def as_stored(closed: Iterable[Outcome]) -> list[NewOutcome]:
    """Each outcome for its person; a closed HubSpot Leads record's outcome for that record too (it is
    scored apart from its person)."""
    out: list[NewOutcome] = []
    for o in closed:
        if o.kind not in DECIDED:
            continue
        out.append(NewOutcome(o.ref.object_type.value, o.ref.record_id, o.kind.value, o.occurred_at))
        source = o.source_ref
        if source is not None and source.object_type == ObjectType.PIPELINE_LEAD:
            out.append(NewOutcome(source.object_type.value, source.record_id, o.kind.value, o.occurred_at))
    return out


def store_outcomes(ctx: InstallationContext, closed: Iterable[Outcome]) -> int:
    """Keep these outcomes in leadq's store (each record's newest wins); how many rows changed."""
    with ctx.sessions.begin() as session:
        return outcome_store.upsert(session, ctx.installation_id, as_stored(closed))


def refresh_outcomes(ctx: InstallationContext, now: datetime | None = None) -> dict[str, Any]:
    """Read the CRM's outcomes and store them, and the first touches of leadq's recent assignments
    (``first_touch``): beat runs it daily (``outcomes``)."""
    closed = read_outcomes(ctx)
    changed = store_outcomes(ctx, closed)
    touched = refresh_first_touches(ctx, now or datetime.now(UTC))
    result = {"read": len(closed), "changed": changed, "touched": touched}
    log.info("outcomes.refreshed", extra={"installation": ctx.installation_id, **result})
    return result

"""Create the pipeline leads a batch planned (HubSpot's Leads, when the installation turned creation
on): one open lead per person, never a duplicate.

Under one lock per installation, the people's open leads are read again from the CRM (associations,
not search: no index lag) and only people still without one get a lead. Two tasks holding the same
change (a redelivery, a backfill page beside a webhook) therefore create one lead between them, and a
task that died after creating finds the lead on its retry.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from connector.base import CreateReport
from core.records import FieldUpdate, PipelineLead
from workers.services.context import InstallationContext
from workers.services.people_plan import LeadToCreate

log = logging.getLogger(__name__)


@dataclass
class Created:
    """The leads created, each with what it was planned from and the fields written on it."""

    leads: list[tuple[PipelineLead, LeadToCreate]] = field(default_factory=list)
    written: list[FieldUpdate] = field(default_factory=list)
    failed: int = 0
    api_calls: int = 0


def create_planned(ctx: InstallationContext, planned: Sequence[LeadToCreate]) -> Created:
    """Create the planned leads whose person still has no open lead in the CRM."""
    leads_api = ctx.adapter.pipeline_leads
    out = Created()
    if not planned or leads_api is None:
        return out
    with ctx.runtime.locks(f"pipeline-leads:create:{ctx.installation_id}"):
        have = leads_api.open_leads_of([p.new.person_id for p in planned])
        wanted = list({p.new.person_id: p for p in planned if not have.get(p.new.person_id)}.values())
        if not wanted:
            return out
        report = leads_api.create_leads([p.new for p in wanted])
    return _collect(report, wanted, out, ctx.adapter.owner_field)


def _collect(report: CreateReport, wanted: Sequence[LeadToCreate], out: Created, owner_field: str) -> Created:
    by_person = {p.new.person_id: p for p in wanted}
    out.api_calls, out.failed = report.api_calls, len(report.failed)
    for lead in report.created:
        planned = by_person.get(lead.person_id or "")
        if planned is None:
            continue
        out.leads.append((lead, planned))
        out.written += [FieldUpdate(lead.ref, k, v) for k, v in planned.new.properties.items()]
        if planned.new.owner_id:
            out.written.append(FieldUpdate(lead.ref, owner_field, planned.new.owner_id))
    for new, reason, message in report.failed:
        log.error(
            "sync.pipeline-lead.create-failed",
            extra={"person": new.person_id, "reason": reason, "message": message[:200]},
        )
    return out

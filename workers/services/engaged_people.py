"""Who is engaged at each company, for the new-contact re-qualification trigger: the company's people
as the CRM associates them, engaged as leadq last scored them."""

from __future__ import annotations

from collections.abc import Sequence

from scoring.requalify import is_engaged
from storage import scores
from workers.services.context import InstallationContext
from workers.services.requalify_plan import EngagedPeople


def engaged_people(ctx: InstallationContext) -> EngagedPeople:
    """Company ids -> the ids of their people leadq scored as engaged (the CRM's associations, then
    leadq's newest stored scores)."""

    def engaged(companies: Sequence[str]) -> dict[str, frozenset[str]]:
        people = ctx.adapter.people_of(companies)
        keys = [(r.object_type.value, r.record_id) for refs in people.values() for r in refs]
        with ctx.sessions() as session:
            newest = scores.newest_for(session, ctx.installation_id, keys)
        return {
            company: frozenset(
                r.record_id
                for r in refs
                if (row := newest.get((r.object_type.value, r.record_id))) and is_engaged(row.engagement)
            )
            for company, refs in people.items()
        }

    return engaged

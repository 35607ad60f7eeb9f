"""HubSpot's Leads object (``/crm/v3/objects/leads``, type 0-136) for one portal: leadq's
``PipelineLeads`` over ``HubSpotCalls``.

A lead's contact and company are v4 associations (its primary contact: type 578), read in batches of
1,000 ids; leads are read 100 a call. The lead pipelines are read once per instance, on first need
(``pipelines()``), and tell each stage's meaning (open, qualified, disqualified). Writes to leads go
through the adapter's ``write`` like any record's; creating them is ``create_leads`` (``lead_create``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from hubspot.crm.objects.leads.models import BatchReadInputSimplePublicObjectId, SimplePublicObjectId

from connector.base import CreateReport, Cursor, NewLead, Page
from connector.hubspot.client import HubSpotCalls, api
from connector.hubspot.lead_create import create_leads
from connector.hubspot.leads_mapping import (
    LEAD_TO_PRIMARY_COMPANY,
    LEAD_TO_PRIMARY_CONTACT,
    MODIFIED,
    OBJECT,
    PRIMARY_COMPANY,
    PRIMARY_CONTACT,
    PROPERTIES,
    STAGE,
    LeadPipelines,
    id_text,
    lead_to_pipeline_lead,
    pipelines_from,
    primary_of,
)
from connector.hubspot.mapping import parse_time
from connector.hubspot.outcomes import associations, typed_associations
from connector.hubspot.paging import changed_since, list_all
from core.records import CrmKind, LeadState, ObjectType, Outcome, OutcomeKind, PipelineLead, RecordRef

BATCH = 100
HISTORY_BATCH = 50
PAGE = 100
OUTCOME_OF = {
    LeadState.QUALIFIED: (OutcomeKind.WON, "lead qualified"),
    LeadState.DISQUALIFIED: (OutcomeKind.LOST, "lead disqualified"),
}


class HubSpotLeads:
    """One portal's Leads (see the module's docstring). ``extra_properties``: leadq's own fields on
    leads, read with every lead so the write policy can compare against them."""

    def __init__(self, calls: HubSpotCalls, portal_id: str, extra_properties: Sequence[str] = ()) -> None:
        self.calls, self.portal_id = calls, str(portal_id)
        self.extra_properties = tuple(extra_properties)
        self._pipelines: LeadPipelines | None = None

    def pipelines(self) -> LeadPipelines:
        """The portal's lead pipelines and what each stage means: one call, on the first need only."""
        if self._pipelines is None:
            result = self.calls.call(
                lambda c: c.crm.pipelines.pipelines_api.get_all(OBJECT), what="lead pipelines"
            )
            self._pipelines = pipelines_from([p.to_dict() for p in result.results])
        return self._pipelines

    def properties(self) -> list[str]:
        return sorted({*PROPERTIES, *self.extra_properties})

    def label_options(self) -> list[str]:
        """The lead label's options (internal values) as the portal defines them: one call."""
        result = self.calls.call(
            lambda c: c.crm.properties.core_api.get_by_name(OBJECT, "hs_lead_label"), what="lead labels"
        )
        return [str(option.value) for option in result.options or [] if not getattr(option, "hidden", False)]

    # Reading ---------------------------------------------------------------------------------

    def complete(self, rows: list[dict[str, Any]]) -> list[PipelineLead]:
        """Raw leads as ``PipelineLead``s, with their primary contact and company (see ``links``)."""
        if not rows:
            return []
        contact_of, company_of = self.links(rows)
        pipelines = self.pipelines()
        return [
            lead_to_pipeline_lead(
                self.portal_id, row, pipelines, contact_of.get(str(row["id"])), company_of.get(str(row["id"]))
            )
            for row in rows
        ]

    def links(
        self, rows: list[dict[str, Any]], companies: bool = True
    ) -> tuple[dict[str, str | None], dict[str, str | None]]:
        """Each lead's primary contact and company: HubSpot's calculated ids where the answer has them,
        else the v4 associations (1,000 leads a call), the primary link first."""
        contact_of: dict[str, str | None] = {}
        company_of: dict[str, str | None] = {}
        for row in rows:
            props = row.get("properties") or {}
            if id_text(props.get(PRIMARY_CONTACT)):
                contact_of[str(row["id"])] = id_text(props.get(PRIMARY_CONTACT))
            if PRIMARY_COMPANY in props and (
                id_text(props.get(PRIMARY_COMPANY)) or contact_of.get(str(row["id"]))
            ):
                company_of[str(row["id"])] = id_text(props.get(PRIMARY_COMPANY))
        for wanted, out, to_type, primary in (
            (True, contact_of, "contacts", LEAD_TO_PRIMARY_CONTACT),
            (companies, company_of, "companies", LEAD_TO_PRIMARY_COMPANY),
        ):
            missing = [str(r["id"]) for r in rows if str(r["id"]) not in out] if wanted else []
            if missing:
                linked = typed_associations(self.calls, OBJECT, to_type, missing)
                out.update({i: primary_of(linked.get(i, []), primary) for i in missing})
        return contact_of, company_of

    def _batch_read(self, ids: Sequence[str], history: Sequence[str] = ()) -> list[dict[str, Any]]:
        size = HISTORY_BATCH if history else BATCH
        rows: list[dict[str, Any]] = []
        for start in range(0, len(ids), size):
            request = BatchReadInputSimplePublicObjectId(
                properties=self.properties() if not history else list(history),
                properties_with_history=list(history),
                inputs=[SimplePublicObjectId(id=str(i)) for i in ids[start : start + size]],
            )
            result = self.calls.call(
                lambda c, r=request: api(c, OBJECT).batch_api.read(r),
                what="history leads" if history else "read leads",
            )
            rows.extend(r.to_dict() for r in result.results)
        return rows

    def read_leads(self, ids: Sequence[str]) -> list[PipelineLead]:
        """Leads by id (100 a call), open or closed; missing ids are absent."""
        return self.complete(self._batch_read(list(dict.fromkeys(str(i) for i in ids))))

    def open_leads_of(self, person_ids: Sequence[str]) -> dict[str, list[PipelineLead]]:
        """Each contact's open leads: the contacts' leads (v4, 1,000 contacts a call), read 100 a call,
        kept where the lead is open and the contact is its primary contact."""
        wanted = list(dict.fromkeys(str(p) for p in person_ids))
        linked = associations(self.calls, "contacts", OBJECT, wanted)
        lead_ids = sorted({lead for leads in linked.values() for lead in leads})
        out: dict[str, list[PipelineLead]] = defaultdict(list)
        for lead in self.read_leads(lead_ids):
            if lead.state == LeadState.OPEN and lead.person_id in linked:
                out[lead.person_id].append(lead)
        return dict(out)

    def iter_leads(self, since: Cursor | None) -> Iterator[Page]:
        """Every lead (list API) when ``since`` is None, else the ones changed since (search on
        ``hs_lastmodifieddate``, windowed past the 10,000-result cap)."""
        if since is None or since.since is None:
            yield from list_all(self.calls, OBJECT, self.properties(), self.complete, since)
        else:
            yield from changed_since(self.calls, OBJECT, MODIFIED, self.properties(), self.complete, since)

    # Creating --------------------------------------------------------------------------------

    def create_leads(self, new: Sequence[NewLead]) -> CreateReport:
        """Create leads (100 a call) in the first stage of the default lead pipeline, associated with
        their contact (primary) and company; a refused batch is split to find the bad records."""
        return create_leads(self.calls, self.pipelines, new, self.complete)

    # Outcomes --------------------------------------------------------------------------------

    def lead_outcomes(self) -> list[Outcome]:
        """Leads in a closed stage as outcomes of their primary contact: qualified is won,
        disqualified lost, dated when the lead entered that stage (its stage's property history)."""
        pipelines = self.pipelines()
        if not pipelines.closed_stages():
            return []
        closed = [
            r for r in self._list(STAGE) if pipelines.state_of(r["properties"].get(STAGE)) != LeadState.OPEN
        ]
        ids = [str(r["id"]) for r in closed]
        entered = {str(r["id"]): _entered_current(r) for r in self._batch_read(ids, history=(STAGE,))}
        contacts, _companies = self.links(closed, companies=False)
        out = []
        for row in closed:
            lead_id = str(row["id"])
            contact = contacts.get(lead_id)
            if contact is None:
                continue  # HubSpot keeps no lead without a contact; one removed since has no one to train on
            kind, detail = OUTCOME_OF[pipelines.state_of(row["properties"].get(STAGE))]
            when = entered.get(lead_id) or parse_time(row["properties"].get(MODIFIED)) or datetime.now(UTC)
            out.append(
                Outcome(
                    ref=RecordRef(CrmKind.HUBSPOT, self.portal_id, ObjectType.CONTACT, contact),
                    kind=kind,
                    occurred_at=when,
                    source_ref=RecordRef(CrmKind.HUBSPOT, self.portal_id, ObjectType.PIPELINE_LEAD, lead_id),
                    detail=detail,
                )
            )
        return out

    def _list(self, *properties: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        after = None
        while True:
            page = self.calls.call(
                lambda c, a=after: api(c, OBJECT).basic_api.get_page(
                    limit=PAGE, after=a, properties=[*properties, MODIFIED, PRIMARY_CONTACT], archived=False
                ),
                what="list leads",
            )
            rows.extend(r.to_dict() for r in page.results)
            after = page.paging.next.after if page.paging and page.paging.next else None
            if after is None:
                return rows


def _entered_current(row: dict[str, Any]) -> datetime | None:
    """When the lead entered its current stage: the oldest of the newest run of history entries that
    hold the current value (HubSpot lists history newest first; a rewrite of the same stage is not a
    new entry into it)."""
    current = (row.get("properties") or {}).get(STAGE)
    entries = [
        e if isinstance(e, dict) else e.to_dict()
        for e in (row.get("properties_with_history") or {}).get(STAGE) or []
    ]
    when = None
    for entry in entries:
        if entry.get("value") != current:
            break
        when = entry.get("timestamp") or when
    return when if isinstance(when, datetime) else parse_time(when)

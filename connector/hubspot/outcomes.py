"""HubSpot's owners (users and queues, archived ones too), closed deals as outcomes of their contacts,
and the v4 associations both the outcomes and the reads use."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from hubspot.crm.associations.v4.models import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)

from connector.hubspot.client import HubSpotCalls
from connector.hubspot.mapping import parse_time
from core.records import CrmKind, ObjectType, Outcome, OutcomeKind, Owner, RecordRef

PAGE = 100


def list_owners(calls: HubSpotCalls) -> list[Owner]:
    """Every owner, archived ones too (inactive: routing never picks them)."""
    out: list[Owner] = []
    for archived in (False, True):
        after = None
        while True:
            page = calls.call(
                lambda c, a=after, ar=archived: c.crm.owners.owners_api.get_page(
                    limit=100, after=a, archived=ar
                ),
                what="owners",
            )
            for o in page.results:
                name = " ".join(p for p in (o.first_name, o.last_name) if p) or None
                out.append(
                    Owner(
                        CrmKind.HUBSPOT,
                        str(o.id),
                        o.email,
                        name,
                        active=not o.archived,
                        is_queue=(o.type == "QUEUE"),
                        teams=tuple(t.name for t in (o.teams or []) if t.name),
                    )
                )
            after = page.paging.next.after if page.paging and page.paging.next else None
            if after is None:
                break
    return out


def deal_outcomes(calls: HubSpotCalls, portal_id: str) -> list[Outcome]:
    """Closed deals (won or lost) as outcomes of their associated contacts."""
    deals: list[dict[str, Any]] = []
    after = None
    while True:
        page = calls.call(
            lambda c, a=after: c.crm.deals.basic_api.get_page(
                limit=PAGE,
                after=a,
                properties=["dealstage", "closedate", "amount", "hs_is_closed_won", "hs_is_closed"],
            ),
            what="list deals",
        )
        deals.extend(r.to_dict() for r in page.results)
        after = page.paging.next.after if page.paging and page.paging.next else None
        if after is None:
            break
    closed = [
        d
        for d in deals
        if (
            d["properties"].get("hs_is_closed") == "true"
            or d["properties"].get("dealstage") in ("closedwon", "closedlost")
        )
    ]
    contacts = associations(calls, "deals", "contacts", [d["id"] for d in closed])
    out = []
    for deal in closed:
        props = deal["properties"]
        won = props.get("hs_is_closed_won") == "true" or props.get("dealstage") == "closedwon"
        when = parse_time(props.get("closedate")) or parse_time(deal.get("updated_at")) or datetime.now(UTC)
        amount = float(props["amount"]) if props.get("amount") not in (None, "") else None
        for contact_id in contacts.get(str(deal["id"]), []):
            out.append(
                Outcome(
                    ref=RecordRef(CrmKind.HUBSPOT, portal_id, ObjectType.CONTACT, contact_id),
                    kind=OutcomeKind.WON if won else OutcomeKind.LOST,
                    occurred_at=when,
                    amount=amount,
                    source_ref=RecordRef(CrmKind.HUBSPOT, portal_id, ObjectType.DEAL, str(deal["id"])),
                )
            )
    return out


def associations(
    calls: HubSpotCalls, from_type: str, to_type: str, ids: Sequence[str]
) -> dict[str, list[str]]:
    """Each id's associated ids (v4 associations, 1,000 ids per call)."""
    return {
        source: [target for target, _types in linked]
        for source, linked in typed_associations(calls, from_type, to_type, ids).items()
    }


def typed_associations(
    calls: HubSpotCalls, from_type: str, to_type: str, ids: Sequence[str]
) -> dict[str, list[tuple[str, frozenset[int]]]]:
    """Each id's associated ids with the association type ids of each link (v4 batch read: HubSpot
    takes at most 1,000 ids a call)."""
    out: dict[str, list[tuple[str, frozenset[int]]]] = {}
    for start in range(0, len(ids), 1000):
        request = BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=str(i)) for i in ids[start : start + 1000]]
        )
        result = calls.call(
            lambda c, r=request: c.crm.associations.v4.batch_api.get_page(from_type, to_type, r),
            what=f"associations {from_type}->{to_type}",
        )
        for row in result.results:
            data = row.to_dict()
            out[str(data["_from"]["id"])] = [
                (
                    str(t["to_object_id"]),
                    frozenset(
                        int(a["type_id"]) for a in t.get("association_types") or [] if a.get("type_id")
                    ),
                )
                for t in data.get("to") or []
            ]
    return out

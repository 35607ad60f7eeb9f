"""Seeded Leads records: about a quarter of the contacts have one, worked by reps over time.

Drawn from their own random stream and given ids apart from the shared id counter, so the
contacts, companies, deals and owners stay exactly what the seed made before Leads existed.
Most leads are open (new, attempting, connected); older ones were qualified or disqualified at
a past date; some carry a label a rep set in the UI (history source ``CRM_UI``).
"""

from __future__ import annotations

import random
from typing import Any

from sandbox.hubspot.schema import LEAD_STAGES
from sandbox.hubspot.store import Portal, Record, Source
from sandbox.seed_vocab import DAY_MS

LEAD_ID_BASE = 80_000_000_000  # HubSpot's lead ids are large; these never meet the shared counter
SHARE = 0.25
WORKFLOW = Source("AUTOMATION_PLATFORM", "workflow:lead-creation", label="Lead creation workflow")
OPEN_STAGES = tuple(s[0] for s in LEAD_STAGES if s[2] == "OPEN")  # new, attempting, connected
QUALIFIED, DISQUALIFIED = "qualified-stage-id", "unqualified-stage-id"


def seed_leads(portal: Portal, *, seed: int, anchor_ms: int) -> dict[str, dict[str, Any]]:
    """Create the leads; returns what the truth keeps per lead id (contact, stage, label, who set it)."""
    rng = random.Random(seed * 104_723 + 0x1EAD)
    reps = {
        o["id"]: Source("CRM_UI", f"userId:{o['userId']}", user_id=o["userId"])
        for o in portal.owners
        if not o["archived"]
    }
    known: dict[str, dict[str, Any]] = {}
    contacts = sorted(portal.live("contacts"), key=lambda r: int(r.id))
    for contact in contacts:
        if rng.random() >= SHARE:
            continue
        lead_id = str(LEAD_ID_BASE + len(known) + 1)
        known[lead_id] = _one_lead(portal, rng, reps, contact, lead_id, anchor_ms)
    return known


def _one_lead(
    portal: Portal,
    rng: random.Random,
    reps: dict[str, Source],
    contact: Record,
    lead_id: str,
    anchor_ms: int,
) -> dict[str, Any]:
    props = contact.props
    age_days = max(1, (anchor_ms - contact.created_ms) // DAY_MS)
    created = contact.created_ms + rng.randint(0, min(60, age_days - 1)) * DAY_MS
    owner = props.get("hubspot_owner_id", "")
    rep = reps.get(owner) or rng.choice(list(reps.values()))
    name = " ".join(p for p in (props.get("firstname"), props.get("lastname")) if p) or props.get("email", "")
    if props.get("lifecyclestage") == "customer":
        lead_type = "UPSELL"
    else:
        lead_type = "RE_ATTEMPTING" if rng.random() < 0.15 else "NEW_BUSINESS"
    creator = rep if owner and rng.random() < 0.5 else WORKFLOW
    lead = portal.create(
        "leads",
        {"hs_lead_name": name or f"Lead {lead_id}", "hs_lead_type": lead_type, "hubspot_owner_id": owner},
        creator,
        created_ms=created,
        record_id=lead_id,
        notify=False,
    )
    portal.associate("leads", lead_id, "contacts", contact.id, type_ids={578, 608})
    if props.get("associatedcompanyid"):
        portal.associate("leads", lead_id, "companies", props["associatedcompanyid"], type_ids={580, 610})
    portal.refresh_lead(lead_id, at_ms=created, notify=False)
    stage, when = _work(portal, rng, rep, lead.id, created, anchor_ms)
    label, label_source = "", ""
    if rng.random() < 0.35:  # a rep judged the lead and set its label in the UI
        label = rng.choice(("HOT", "WARM", "COLD"))
        at = created + int(rng.uniform(0.1, 1.0) * max(DAY_MS, anchor_ms - created - DAY_MS))
        portal.update("leads", lead_id, {"hs_lead_label": label}, rep, at_ms=min(at, anchor_ms), notify=False)
        label_source = "CRM_UI"
    return {
        "contact": contact.id,
        "stage": stage,
        "stage_at": when,
        "label": label,
        "label_source": label_source,
        "owner": owner,
    }


def _work(
    portal: Portal, rng: random.Random, rep: Source, lead_id: str, created: int, anchor_ms: int
) -> tuple[str, int]:
    """Move the lead through the pipeline as its rep works it; returns the final stage and when."""
    age_days = (anchor_ms - created) // DAY_MS
    roll = rng.random()
    if age_days > 20 and roll < 0.15:
        target = QUALIFIED
    elif age_days > 20 and roll < 0.3:
        target = DISQUALIFIED
    else:
        target = rng.choices(OPEN_STAGES, weights=(5, 3, 2))[0]
    path = {
        "new-stage-id": (),
        "attempting-stage-id": ("attempting-stage-id",),
        "connected-stage-id": ("attempting-stage-id", "connected-stage-id"),
        QUALIFIED: ("attempting-stage-id", "connected-stage-id", QUALIFIED),
        DISQUALIFIED: ("attempting-stage-id", DISQUALIFIED),
    }[target]
    when = created
    span = max(1, min(age_days - 1, 90) // max(1, len(path)))
    for stage in path:
        when = max(when + 1, min(anchor_ms - DAY_MS, when + rng.randint(1, max(1, span)) * DAY_MS))
        portal.update("leads", lead_id, {"hs_pipeline_stage": stage}, rep, at_ms=when, notify=False)
    return target, when

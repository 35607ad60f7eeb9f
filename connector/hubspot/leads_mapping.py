"""HubSpot's Leads object (0-136) to leadq's ``PipelineLead``, and what a lead pipeline's stages mean.

Pure: no SDK, no HTTP. A lead's contact and company are not properties: they come from its v4
associations, read by ``connector.hubspot.leads`` and given here.

Stage meaning comes from HubSpot's stage metadata, not from stage ids (a portal's own lead pipelines
get numeric ids): a stage whose metadata names a lead state (``leadState``: QUALIFIED, UNQUALIFIED
or DISQUALIFIED) is that; otherwise an ``isClosed: "true"`` stage is disqualified when its id or label
says so (HubSpot's default pipeline calls it ``unqualified-stage-id``, "Disqualified") and qualified
otherwise; HubSpot's own default closed stage ids are recognised when a stage carries no metadata.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connector.hubspot.mapping import parse_time
from core.records import CrmKind, LeadState, ObjectType, PipelineLead, RecordRef

OBJECT = "leads"  # the object's name in HubSpot's API paths (type id 0-136)
OBJECT_TYPE_ID = "0-136"
NAME = "hs_lead_name"
LABEL = "hs_lead_label"
LEAD_TYPE = "hs_lead_type"
PIPELINE = "hs_pipeline"
STAGE = "hs_pipeline_stage"
OWNER = "hubspot_owner_id"
CREATED = "hs_createdate"
MODIFIED = "hs_lastmodifieddate"
# HubSpot's calculated ids of a lead's primary contact and company: read with the lead, they spare the
# association reads; where a portal lacks them (absent from the answer) or has not filled them yet
# (a lead just created), the v4 associations are read instead.
PRIMARY_CONTACT = "hs_primary_contact_id"
PRIMARY_COMPANY = "hs_primary_company_id"
PROPERTIES: tuple[str, ...] = (
    NAME,
    LABEL,
    LEAD_TYPE,
    PIPELINE,
    STAGE,
    OWNER,
    CREATED,
    MODIFIED,
    PRIMARY_CONTACT,
    PRIMARY_COMPANY,
)
# The lead changes leadq subscribes to (with lead creation): a person's label, owner and stage.
WATCHED: tuple[str, ...] = (LABEL, OWNER, STAGE)
# HubSpot-defined association types (v4, HubSpot's "Lead to object" table): a lead's primary contact
# (HubSpot refuses a lead without a contact) and its primary company; 608 and 610 are the unlabeled
# lead-to-contact and lead-to-company links HubSpot keeps beside a primary one.
LEAD_TO_PRIMARY_CONTACT = 578
LEAD_TO_PRIMARY_COMPANY = 580
_DEFAULT_CLOSED = {"qualified-stage-id": LeadState.QUALIFIED, "unqualified-stage-id": LeadState.DISQUALIFIED}
_STATE_WORDS = {
    "QUALIFIED": LeadState.QUALIFIED,
    "UNQUALIFIED": LeadState.DISQUALIFIED,
    "DISQUALIFIED": LeadState.DISQUALIFIED,
}


@dataclass(frozen=True, slots=True)
class Stage:
    stage_id: str
    label: str
    pipeline_id: str
    order: int
    state: LeadState


@dataclass(frozen=True, slots=True)
class LeadPipelines:
    """A portal's lead pipelines: each stage's meaning, and where leadq creates leads (the first
    stage of the default pipeline: the first pipeline in display order)."""

    stages: Mapping[str, Stage]
    default_pipeline: str | None
    first_stage: str | None

    def state_of(self, stage_id: str | None) -> LeadState:
        """An unknown or missing stage counts as open: never an outcome on a guess."""
        stage = self.stages.get(stage_id or "")
        return stage.state if stage else LeadState.OPEN

    def closed_stages(self) -> tuple[str, ...]:
        return tuple(sorted(s.stage_id for s in self.stages.values() if s.state != LeadState.OPEN))


def stage_state(stage_id: str, label: str, metadata: Mapping[str, Any] | None) -> LeadState:
    """What a stage means, from its metadata (see the module's docstring)."""
    meta = {str(k): str(v) for k, v in (metadata or {}).items()}
    named = _STATE_WORDS.get(meta.get("leadState", "").strip().upper())
    if named is not None:
        return named
    if meta.get("isClosed", "").strip().lower() == "true":
        words = f"{stage_id} {label}".lower()
        return (
            LeadState.DISQUALIFIED if ("unqualif" in words or "disqualif" in words) else LeadState.QUALIFIED
        )
    if not meta:
        return _DEFAULT_CLOSED.get(stage_id, LeadState.OPEN)
    return LeadState.OPEN


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def pipelines_from(results: Sequence[Mapping[str, Any]]) -> LeadPipelines:
    """The pipelines API's answer (``GET /crm/v3/pipelines/leads``, each pipeline as a dict) read
    into stage meanings; archived pipelines and stages are left out."""
    live = sorted(
        (p for p in results if not p.get("archived")),
        key=lambda p: (_int(p.get("display_order")), str(p["id"])),
    )
    stages: dict[str, Stage] = {}
    first: dict[str, str] = {}
    for pipeline in live:
        ordered = sorted(
            (s for s in pipeline.get("stages") or [] if not s.get("archived")),
            key=lambda s: (_int(s.get("display_order")), str(s["id"])),
        )
        for stage in ordered:
            sid, label = str(stage["id"]), str(stage.get("label") or "")
            stages[sid] = Stage(
                sid,
                label,
                str(pipeline["id"]),
                _int(stage.get("display_order")),
                stage_state(sid, label, stage.get("metadata")),
            )
        if ordered:
            first[str(pipeline["id"])] = str(ordered[0]["id"])
    default = str(live[0]["id"]) if live else None
    return LeadPipelines(stages, default, first.get(default or ""))


def id_text(value: Any) -> str | None:
    """A record id as HubSpot's number properties give it ("123", "123.0"), or None."""
    text = _text(value)
    if text and text.endswith(".0") and text[:-2].isdigit():
        return text[:-2]
    return text


def _text(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def lead_to_pipeline_lead(
    portal_id: str,
    obj: Mapping[str, Any],
    pipelines: LeadPipelines,
    person_id: str | None,
    account_id: str | None,
) -> PipelineLead:
    """One lead as HubSpot returns it (``{"id", "properties", "createdAt", "updatedAt"}``), with its
    primary contact and company from its associations. ``version`` is ``hs_lastmodifieddate`` (as for
    companies and deals); ``raw`` keeps every property read, leadq's own included."""
    props = obj.get("properties") or {}
    stage = _text(props.get(STAGE))
    return PipelineLead(
        ref=RecordRef(CrmKind.HUBSPOT, str(portal_id), ObjectType.PIPELINE_LEAD, str(obj["id"])),
        person_id=person_id,
        account_id=account_id,
        name=_text(props.get(NAME)),
        owner_id=_text(props.get(OWNER)),
        pipeline=_text(props.get(PIPELINE)),
        stage=stage,
        state=pipelines.state_of(stage),
        label=_text(props.get(LABEL)),
        lead_type=_text(props.get(LEAD_TYPE)),
        created_at=parse_time(props.get(CREATED) or obj.get("created_at") or obj.get("createdAt")),
        version=str(props.get(MODIFIED) or obj.get("updated_at") or obj.get("updatedAt") or ""),
        raw=dict(props),
    )


def primary_of(linked: Sequence[tuple[str, frozenset[int]]], primary_type: int) -> str | None:
    """The primary one of a record's associated ids (the link of ``primary_type``), else the first."""
    for target, types in linked:
        if primary_type in types:
            return target
    return linked[0][0] if linked else None

"""Creating HubSpot leads: batch create at 100 a call, each lead associated with its contact (primary,
type 578: HubSpot refuses a lead without one) and its company, named, owned, in the first stage of the
default lead pipeline. A refused batch (400: HubSpot creates none of it) is split in halves until the
bad records are found, each reported with HubSpot's own words; a partly created batch (207) reports
the ones not created."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hubspot.crm.objects.leads.models import (
    AssociationSpec,
    BatchInputSimplePublicObjectBatchInputForCreate,
    PublicAssociationsForObject,
    PublicObjectId,
    SimplePublicObjectBatchInputForCreate,
)

from connector.base import CreateReport, NewLead
from connector.errors import CrmValidationError
from connector.hubspot.client import HubSpotCalls, api
from connector.hubspot.leads_mapping import (
    LEAD_TO_PRIMARY_COMPANY,
    LEAD_TO_PRIMARY_CONTACT,
    NAME,
    OBJECT,
    OWNER,
    PIPELINE,
    STAGE,
    LeadPipelines,
)
from connector.hubspot.writes import validation_message
from core.records import PipelineLead

BATCH = 100
Complete = Callable[[list[dict[str, Any]]], list[PipelineLead]]
Failed = tuple[NewLead, str, str]


def _link(record_id: str, type_id: int) -> PublicAssociationsForObject:
    return PublicAssociationsForObject(
        to=PublicObjectId(id=str(record_id)),
        types=[AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=type_id)],
    )


def _input(new: NewLead, pipelines: LeadPipelines, trace: str) -> SimplePublicObjectBatchInputForCreate:
    properties = dict(new.properties)
    properties[NAME] = new.name
    if new.owner_id:
        properties[OWNER] = str(new.owner_id)
    if pipelines.default_pipeline and pipelines.first_stage:
        properties[PIPELINE], properties[STAGE] = pipelines.default_pipeline, pipelines.first_stage
    links = [_link(new.person_id, LEAD_TO_PRIMARY_CONTACT)]
    if new.account_id:
        links.append(_link(new.account_id, LEAD_TO_PRIMARY_COMPANY))
    return SimplePublicObjectBatchInputForCreate(
        properties=properties, associations=links, object_write_trace_id=trace
    )


def create_leads(
    calls: HubSpotCalls, stages: Callable[[], LeadPipelines], new: Sequence[NewLead], complete: Complete
) -> CreateReport:
    """See the module's docstring; ``stages`` gives the lead pipelines (read on first need, counted
    here then), ``complete`` reads the created leads' contacts and companies."""
    before = calls.calls
    if not new:
        return CreateReport()
    pipelines = stages()
    created: list[PipelineLead] = []
    failed: list[Failed] = []
    for start in range(0, len(new), BATCH):
        made, refused = _create_chunk(calls, pipelines, list(new[start : start + BATCH]), complete)
        created.extend(made)
        failed.extend(refused)
    return CreateReport(tuple(created), tuple(failed), calls.calls - before)


def _create_chunk(
    calls: HubSpotCalls, pipelines: LeadPipelines, chunk: list[NewLead], complete: Complete
) -> tuple[list[PipelineLead], list[Failed]]:
    traces = {f"leadq-{i}": item for i, item in enumerate(chunk)}
    request = BatchInputSimplePublicObjectBatchInputForCreate(
        inputs=[_input(item, pipelines, trace) for trace, item in traces.items()]
    )
    try:
        result = calls.call(lambda c: api(c, OBJECT).batch_api.create(request), what="create leads")
    except CrmValidationError as exc:
        if len(chunk) == 1:
            return [], [(chunk[0], "validation", validation_message(exc))]
        half = len(chunk) // 2
        first = _create_chunk(calls, pipelines, chunk[:half], complete)
        second = _create_chunk(calls, pipelines, chunk[half:], complete)
        return first[0] + second[0], first[1] + second[1]
    made = complete([r.to_dict() for r in result.results or []])
    return made, _not_created(chunk, traces, made, getattr(result, "errors", None) or [])


def _not_created(
    chunk: list[NewLead], traces: dict[str, NewLead], made: list[PipelineLead], errors: Sequence[Any]
) -> list[Failed]:
    """The asked-for leads HubSpot did not create (a 207's errors, or none created for a person), each
    with the error that names its input (``objectWriteTraceId``) or else the batch's first error."""
    messages: dict[int, str] = {}
    first = ""
    for error in errors:
        data = error.to_dict() if hasattr(error, "to_dict") else dict(error)
        message = str(data.get("message") or "HubSpot did not create the lead")
        first = first or message
        for trace in (data.get("context") or {}).get("objectWriteTraceId") or []:
            if trace in traces:
                messages[id(traces[trace])] = message
    remaining = [m.person_id for m in made]
    failed: list[Failed] = []
    for item in chunk:
        if id(item) not in messages and item.person_id in remaining:
            remaining.remove(item.person_id)  # one created lead answers one request for its contact
            continue
        failed.append(
            (item, "not-created", messages.get(id(item)) or first or "HubSpot did not create the lead")
        )
    return failed

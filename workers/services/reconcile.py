"""Reconcile: read leadq's fields back from the CRM and prove they are what leadq decided.

For every record leadq scored, the CRM's values of leadq's fields (and of the owner leadq set) are
compared with the newest stored score, the routing decision and the write ledger. Each record is
put in one kind, the worst that applies:

- ``deleted``: the record is gone from the CRM;
- ``refused``: the CRM refused leadq's write (an open dead letter, with the CRM's message);
- ``wrong``: a field holds what leadq wrote earlier but not what it decided (a wrong or stale write);
- ``never_written``: a field leadq decided is empty and leadq never wrote it;
- ``changed``: someone changed a field after leadq wrote it (expected: a person's edit is kept);
- ``match``: every field is what leadq decided.

It costs the reads of a re-run: batched reads at the API maximum, plus field history only for the
records someone changed (to say who). ``fix`` rewrites the app-owned fields of ``wrong`` and
``never_written`` records through the write policy, in batches.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connector.write_policy import Policy, plan_writes, same_value
from core.records import (
    Account,
    FieldState,
    FieldUpdate,
    ObjectType,
    Person,
    PipelineLead,
    Reason,
    RecordRef,
    Tier,
    Verdict,
    WrittenBy,
)
from scoring.person_tier import said_in, with_person_tier
from scoring.score import Score
from storage import dead_letters, ledger, reconcile_runs, routing_log, scores
from storage.db import Session
from storage.scores import StoredScore
from workers.services.context import InstallationContext
from workers.services.writeback import (
    LABEL_FIELD,
    TIER_FIELD,
    account_fields_stored,
    fields_from,
    lead_labels,
    tier_value,
)

log = logging.getLogger(__name__)
KINDS = ("match", "wrong", "never_written", "changed", "refused", "deleted")
LABELS = {
    "match": "match",
    "wrong": "written wrong",
    "never_written": "never written",
    "changed": "changed in the CRM after leadq wrote them (kept)",
    "refused": "refused by the CRM",
    "deleted": "deleted in the CRM",
}
SEVERITY = {k: i for i, k in enumerate(("match", "changed", "never_written", "wrong", "refused", "deleted"))}
EXAMPLES = 10
READ_BATCH = 2_000  # records compared per round (the adapter reads them at the API maximum)


@dataclass
class Reconciliation:
    checked: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    by_object: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    api_calls: int = 0
    fixed: int = 0
    to_fix: list[FieldUpdate] = field(default_factory=list)

    def add(self, kind: str, object_type: str, example: dict[str, Any] | None) -> None:
        self.checked += 1
        self.counts[kind] += 1
        self.by_object[object_type][kind] += 1
        if example is not None and len(self.examples[kind]) < EXAMPLES:
            self.examples[kind].append(example)

    def headline(self) -> str:
        return f"reconciled: {self.counts['match']:,} of {self.checked:,} records match"


@dataclass(frozen=True, slots=True)
class Changed:
    """A record someone changed after leadq wrote it: the fields, to ask the CRM who did."""

    row: StoredScore
    kind: str
    problems: list[dict[str, Any]]
    fields: list[str]


def _score_of(row: StoredScore) -> Score:
    """A stored score as the write path saw it (what fields_from turns into CRM values)."""
    return Score(
        fit=row.fit,
        engagement=row.engagement,
        probability=row.probability,
        priority=0.0,
        tier=Tier(row.tier),
        verdict=Verdict(row.verdict),
        confidence=row.confidence,
        confidence_reason=row.confidence_reason or "",
        reasons=tuple(Reason(str(f), float(c), str(t)) for f, c, t in row.reasons or []),
        missing=(),
        model_version=row.model_version,
        scored_at=row.scored_at,
    )


def held_tier(obj: ObjectType, ours: Mapping[str, str | None]) -> Tier | None:
    """A tier a person set that leadq's other fields followed when leadq last wrote them
    (scoring.person_tier; the summary line of the reasons it wrote names it). A person's tier that
    leadq has not planned with yet is not held: the CRM still holds leadq's decision, and the tier
    reads as the person's change."""
    if obj == ObjectType.ACCOUNT:
        return None
    return said_in(ours.get("leadq_reasons"))


def expected_values(
    ctx: InstallationContext, row: StoredScore, held: Tier | None = None
) -> dict[str, str | None]:
    """leadq's decided values for a record's leadq fields, formatted as they are written (``held``:
    a tier a person set, which the verdict and reasons follow; a person's own tier field stays
    leadq's, so the person's value reads as their change)."""
    if row.object_type == ObjectType.ACCOUNT.value:
        return account_fields_stored(ctx.crm, row)
    score = _score_of(row)
    shown = with_person_tier(score, held, ctx.icp.verdicts) if held is not None else score
    values = fields_from(ctx.crm, shown)
    if row.object_type != ObjectType.PIPELINE_LEAD.value:
        values[TIER_FIELD] = tier_value(score.tier)
    else:  # its label follows its tier (a person's wins)
        label = lead_labels(ctx.load_routing()).get(shown.tier.value)
        if label:
            values[LABEL_FIELD] = label
    return values


def _read(ctx: InstallationContext, obj: ObjectType, ids: list[str]) -> list[Person | Account | PipelineLead]:
    """The records as the CRM holds them now (pipeline leads through the CRM's leads API)."""
    if obj == ObjectType.PIPELINE_LEAD:
        leads_api = ctx.adapter.pipeline_leads
        return list(leads_api.read_leads(ids)) if leads_api is not None else []
    return [r for r in ctx.adapter.read(obj, ids) if isinstance(r, Person | Account)]


def _open_dead_letters(session: Session, installation_id: int) -> dict[tuple[str, str], str]:
    return {
        (row.object_type, row.record_id): f"{row.reason}: {row.message}"[:300]
        for row in dead_letters.open_rows(session, installation_id)
    }


def reconcile(
    ctx: InstallationContext,
    fix: bool = False,
    trigger: str = "manual",
    on_progress: Callable[[int, int], None] | None = None,
) -> Reconciliation:
    """Compare every scored record's leadq fields in the CRM with leadq's decisions; store the result.
    ``on_progress(records compared, records to compare)`` after each batch read."""
    started = datetime.now(UTC)
    calls_before = _calls(ctx)
    with ctx.sessions() as session:
        newest = scores.newest_all(session, ctx.installation_id)
        refused = _open_dead_letters(session, ctx.installation_id)
        routed = routing_log.newest_owners(session, ctx.installation_id)
    result = Reconciliation()
    owner_key = ctx.adapter.owner_field
    by_type: dict[str, list[StoredScore]] = defaultdict(list)
    for row in newest:
        by_type[row.object_type].append(row)
    for object_type, rows in by_type.items():
        obj = ObjectType(object_type)
        for start in range(0, len(rows), READ_BATCH):
            chunk = rows[start : start + READ_BATCH]
            _compare(ctx, obj, chunk, refused, routed, owner_key, result)
            if on_progress:
                on_progress(result.checked, len(newest))
    if fix and result.to_fix:
        write = ctx.adapter.write(result.to_fix)
        with ctx.sessions.begin() as session:
            ledger.record_writes(session, ctx.installation_id, list(write.written))
        result.fixed = len({(u.ref.object_type, u.ref.record_id) for u in write.written})
    result.api_calls = _calls(ctx) - calls_before
    with ctx.sessions.begin() as session:
        reconcile_runs.record(
            session,
            ctx.installation_id,
            started_at=started,
            finished_at=datetime.now(UTC),
            checked=result.checked,
            counts=dict(result.counts),
            by_object={k: dict(v) for k, v in result.by_object.items()},
            examples=dict(result.examples),
            api_calls=result.api_calls,
            fixed=result.fixed,
            trigger=trigger,
        )
    log.info(
        "reconcile.done",
        extra={"installation": ctx.installation_id, "checked": result.checked, **dict(result.counts)},
    )
    return result


def _calls(ctx: InstallationContext) -> int:
    return int(getattr(getattr(ctx.adapter, "calls", None), "calls", 0))


def _compare(
    ctx: InstallationContext,
    obj: ObjectType,
    rows: Sequence[StoredScore],
    refused: dict[tuple[str, str], str],
    routed: dict[tuple[str, str], str],
    owner_key: str,
    result: Reconciliation,
) -> None:
    ids = [r.record_id for r in rows]
    if obj == ObjectType.PIPELINE_LEAD and ctx.adapter.pipeline_leads is None:
        return  # the installation no longer grants the Leads scopes: nothing to compare with
    found = {r.ref.record_id: r for r in _read(ctx, obj, ids)}
    with ctx.sessions() as session:
        written = ledger.for_records(session, ctx.installation_id, [(obj.value, i) for i in ids])
    pending: list[Changed] = []
    for row in rows:
        key = (obj.value, row.record_id)
        record = found.get(row.record_id)
        if record is None:
            result.add("deleted", obj.value, {"record": row.record_id, "object": obj.value})
            continue
        ours = written.get(key, {})
        expected = expected_values(ctx, row, held_tier(obj, ours))
        if obj != ObjectType.ACCOUNT and key in routed:
            expected[owner_key] = routed[key]
        if LABEL_FIELD not in ours and record.raw.get(LABEL_FIELD):
            expected.pop(LABEL_FIELD, None)  # a label a rep set before leadq wrote one: theirs, by policy
        kind, problems, changed = "match", [], []
        for name, want in expected.items():
            have = record.raw.get(name)
            if same_value(have, want):
                continue
            if name in ours and not same_value(have, ours[name]):
                changed.append(name)  # someone else wrote after leadq: their value stands
                problems.append({"field": name, "crm": have, "leadq": want, "kind": "changed"})
                kind = max(kind, "changed", key=SEVERITY.__getitem__)
            elif name in ours:
                problems.append(
                    {"field": name, "crm": have, "leadq": want, "written": ours[name], "kind": "wrong"}
                )
                kind = max(kind, "wrong", key=SEVERITY.__getitem__)
            elif have in (None, ""):
                problems.append({"field": name, "crm": have, "leadq": want, "kind": "never_written"})
                kind = max(kind, "never_written", key=SEVERITY.__getitem__)
            else:  # a value leadq never wrote: someone else's, kept
                changed.append(name)
                problems.append({"field": name, "crm": have, "leadq": want, "kind": "changed"})
                kind = max(kind, "changed", key=SEVERITY.__getitem__)
        if kind in ("wrong", "never_written") and key in refused:
            kind = "refused"
        if kind in ("wrong", "never_written"):
            result.to_fix.extend(_fixes(record, expected, ours, owner_key, problems))
        if kind == "changed":
            pending.append(Changed(row, kind, problems, changed))
            continue
        example = None
        if kind != "match":
            example = {"record": row.record_id, "object": obj.value, "fields": problems[:4]}
            if kind == "refused":
                example["message"] = refused[key]
        result.add(kind, obj.value, example)
    _who_changed(ctx, obj, pending, result)


def _fixes(
    record: Person | Account | PipelineLead,
    expected: dict[str, str | None],
    ours: dict[str, str | None],
    owner_key: str,
    problems: list[dict[str, Any]],
) -> list[FieldUpdate]:
    """The app-owned fields of this record that are wrong or missing, through the write policy (a
    shared field such as the owner or a lead's label is never rewritten by a reconcile)."""
    bad = {
        p["field"]
        for p in problems
        if p["kind"] in ("wrong", "never_written") and p["field"] not in (owner_key, LABEL_FIELD)
    }
    proposed = {k: v for k, v in expected.items() if k in bad}
    current = {k: FieldState(record.raw.get(k)) for k in proposed}
    allowed, _decisions = plan_writes(
        record.ref, proposed, current, ours, dict.fromkeys(proposed, Policy.APP_OWNED)
    )
    return allowed


def _who_changed(
    ctx: InstallationContext,
    obj: ObjectType,
    pending: list[Changed],
    result: Reconciliation,
) -> None:
    """For records someone changed, field history says who (a person, or another integration)."""
    if not pending:
        return
    refs = {c.row.record_id: RecordRef(ctx.crm, ctx.tenant_id, obj, c.row.record_id) for c in pending}
    keys = sorted({k for c in pending for k in c.fields})
    try:
        states = ctx.adapter.field_states(list(refs.values()), keys)
    except Exception:  # noqa: BLE001 - who changed it is a detail; the finding stands without it
        log.warning("reconcile.history-unavailable", extra={"installation": ctx.installation_id})
        states = {}
    for row, kind, problems in ((c.row, c.kind, c.problems) for c in pending):
        record_states = states.get(refs[row.record_id], {})
        for problem in problems:
            state = record_states.get(problem["field"])
            if state is not None:
                problem["by"] = "a person" if state.written_by == WrittenBy.USER else state.written_by.value
        example = {"record": row.record_id, "object": obj.value, "fields": problems[:4]}
        result.add(kind, obj.value, example)


def describe(counts: dict[str, int], checked: int) -> list[str]:
    """The result as lines a person reads: the headline, then every kind that is not a match."""
    lines = [f"reconciled: {counts.get('match', 0):,} of {checked:,} records match"]
    for kind in KINDS[1:]:
        if counts.get(kind):
            lines.append(f"  {counts[kind]:,} {LABELS[kind]}")
    return lines

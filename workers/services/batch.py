"""What a batch of people or accounts did: the report every sync path returns and merges, and the
score each stores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connector.base import WriteReport
from connector.write_policy import FieldDecision
from core.records import RecordRef
from scoring.accounts import AccountScore
from scoring.score import Score
from storage.scores import NewScore, json_inputs

SAMPLES = 5  # example changes a report keeps


@dataclass
class BatchReport:
    scored: int = 0
    written_records: int = 0
    writes: int = 0
    api_calls: int = 0
    failed: int = 0
    failed_ids: set[tuple[str, str]] = field(default_factory=set)  # (object type, record id)
    restored: int = 0  # people's edits that landed between leadq's read and write, written back
    actions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (field, action) -> count
    samples: list[dict[str, Any]] = field(default_factory=list)
    accounts_scored: int = 0  # companies/accounts re-scored because of these people (counted apart)
    account_writes: int = 0
    leads_scored: int = 0  # the people's open pipeline leads (HubSpot Leads records), scored with them
    leads_created: int = 0  # pipeline leads created for sales-ready people without one (dry run: would be)

    def merge(self, other: BatchReport) -> None:
        self.leads_scored += other.leads_scored
        self.leads_created += other.leads_created
        self.accounts_scored += other.accounts_scored
        self.account_writes += other.account_writes
        self.scored += other.scored
        self.written_records += other.written_records
        self.writes += other.writes
        self.api_calls += other.api_calls
        self.failed += other.failed
        self.failed_ids |= other.failed_ids
        self.restored += other.restored
        self.actions.update(other.actions)
        self.samples.extend(other.samples[: max(0, SAMPLES - len(self.samples))])

    def add_sample(self, record: str, decisions: Iterable[FieldDecision]) -> None:
        """Keep this record's planned changes as an example, while there is room for one."""
        if len(self.samples) < SAMPLES:
            self.samples.append(
                {
                    "record": record,
                    "changes": {d.key: {"before": d.before, "after": d.after} for d in decisions if d.writes},
                }
            )

    def add_write(self, write: WriteReport | None) -> None:
        """Count a batch write's calls, writes, records written and failures."""
        written = list(write.written) if write else []
        self.api_calls = write.api_calls if write else 0
        self.writes = len(written)
        self.written_records = len({u.ref for u in written})
        self.failed = len(write.failed) if write else 0
        failed = write.failed if write else ()
        self.failed_ids = {(e.ref.object_type.value, e.ref.record_id) for e in failed}


def new_score(
    ref: RecordRef,
    version: str,
    score: Score | AccountScore,
    reasons: list[list[Any]],
    model_version: str,
    computed_at: datetime,
    last_engaged_at: datetime | None = None,
    inputs: Mapping[str, object] | None = None,
) -> NewScore:
    """A person's or an account's score as stored; ``computed_at`` is when it was computed (the
    score itself is as of the day); ``inputs``: a person's model row (none for an account)."""
    return NewScore(
        object_type=ref.object_type.value,
        record_id=ref.record_id,
        record_version=version,
        fit=score.fit,
        engagement=score.engagement,
        probability=score.probability,
        tier=score.tier.value,
        verdict=score.verdict.value,
        confidence=score.confidence,
        reasons=reasons,
        model_version=model_version,
        scored_at=computed_at,
        last_engaged_at=last_engaged_at,
        priority=score.priority,
        inputs=json_inputs(inputs) if inputs is not None else None,
    )

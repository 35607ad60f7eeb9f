"""The task layer's one error policy, the dispatch messages and the one parse of a record version."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy.exc

from connector.errors import (
    CrmAuthError,
    CrmConflict,
    CrmNotFound,
    CrmPermissionError,
    CrmRateLimited,
    CrmUnavailable,
    CrmValidationError,
)
from core.records import version_time
from oauth.errors import InvalidGrant
from storage.redis_locks import LockTimeout
from storage.vault import VaultError
from workers import dispatch
from workers.services.context import InstallationGone, InstallationPaused
from workers.task_base import Outcome, outcome_of


@pytest.mark.parametrize(
    ("error", "outcome", "wait"),
    [
        (InstallationGone("removed"), Outcome.GONE, None),
        (InstallationPaused("needs_reauth"), Outcome.HELD, None),
        (InvalidGrant("refused"), Outcome.NEEDS_REAUTH, None),
        (CrmAuthError("401", status=401), Outcome.NEEDS_REAUTH, None),
        (CrmPermissionError("scopes", status=403, body="MISSING_SCOPES"), Outcome.NEEDS_REAUTH, None),
        (VaultError("keys"), Outcome.CANNOT_DECRYPT, None),
        (CrmRateLimited("429", status=429, retry_after=10.0), Outcome.TRANSIENT, 10.0),
        (CrmRateLimited("budget", status=None, retry_after=60.0), Outcome.TRANSIENT, 60.0),
        (CrmRateLimited("limit", status=403, body="REQUEST_LIMIT_EXCEEDED"), Outcome.TRANSIENT, None),
        (CrmUnavailable("reset"), Outcome.TRANSIENT, None),
        (CrmUnavailable("502", status=502, retry_after=1.0), Outcome.TRANSIENT, 1.0),
        (sqlalchemy.exc.OperationalError("select", {}, Exception("gone")), Outcome.TRANSIENT, None),
        (LockTimeout("held"), Outcome.TRANSIENT, None),
        (CrmNotFound("404", status=404), Outcome.FAIL, None),
        (CrmConflict("409", status=409), Outcome.FAIL, None),
        (CrmValidationError("400", status=400), Outcome.FAIL, None),
        (ValueError("a bug"), Outcome.FAIL, None),
    ],
)
def test_one_policy_reads_every_error(error: BaseException, outcome: Outcome, wait: float | None) -> None:
    assert outcome_of(error) == (outcome, wait)


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list[Any], str, dict[str, Any]]] = []

    def send_task(self, name: str, args: list[Any], queue: str, **options: Any) -> None:
        self.sent.append((name, args, queue, options))


def test_dispatch_sends_the_positional_messages_the_tasks_have_always_taken() -> None:
    via = Recorder()
    dispatch.enqueue_changes(via, 7)
    dispatch.enqueue_backfill(via, 7)
    dispatch.enqueue_backfill(via, 7, dry_run=True, pending=True)
    dispatch.enqueue_backfill(via, 7, object_type="lead", resume=True)
    dispatch.enqueue_reconcile(via, 7, trigger="manual", fix=True)
    dispatch.enqueue_watchdog(via, countdown=31.0)
    assert via.sent == [
        ("leadq.process_changes", [7, []], "changes", {}),
        ("leadq.backfill", [7, None, False], "backfill", {}),
        ("leadq.backfill", [7, None, True, True], "backfill", {}),
        ("leadq.backfill", [7, "lead", False, False, True], "backfill", {}),
        ("leadq.reconcile", [7, "manual", True], "backfill", {}),
        ("leadq.schedule", ["watchdog"], "default", {"countdown": 31.0}),
    ]


def test_a_record_version_is_parsed_in_one_place() -> None:
    stamp = datetime(2026, 12, 2, 14, 45, tzinfo=UTC)
    assert version_time("2026-12-02T14:45:00.000Z") == stamp
    assert version_time("2026-12-02T14:45:00.000+0000") == stamp
    assert version_time("2026-12-02T14:45:00+00:00") == stamp
    assert version_time("2026-12-02T14:45:00") is None  # no zone: not comparable
    assert version_time("") is None and version_time("yesterday") is None

"""Retry versus fail as data: one table of real CRM answers."""

from __future__ import annotations

import pytest

from connector.errors import Action, Kind, classify


@pytest.mark.parametrize(
    ("status", "headers", "body", "action", "kind", "retry_after"),
    [
        (429, {}, {"policyName": "TEN_SECONDLY_ROLLING"}, Action.RETRY, Kind.TRANSIENT, 10.0),
        (429, {"Retry-After": "3"}, {}, Action.RETRY, Kind.TRANSIENT, 3.0),
        (403, {}, [{"errorCode": "REQUEST_LIMIT_EXCEEDED"}], Action.RETRY, Kind.TRANSIENT, 300.0),
        (403, {}, {"category": "MISSING_SCOPES"}, Action.FAIL, Kind.NEEDS_REAUTH, None),
        (401, {}, {"category": "EXPIRED_AUTHENTICATION"}, Action.FAIL, Kind.NEEDS_REAUTH, None),
        (423, {}, {}, Action.RETRY, Kind.TRANSIENT, 2.0),
        (477, {"retry-after": "60"}, {}, Action.RETRY, Kind.TRANSIENT, 60.0),
        (502, {}, {}, Action.RETRY, Kind.TRANSIENT, 1.0),
        (400, {}, [{"errorCode": "UNABLE_TO_LOCK_ROW"}], Action.RETRY, Kind.TRANSIENT, 1.0),
        (400, {}, {"category": "VALIDATION_ERROR"}, Action.FAIL, Kind.BAD_RECORD, None),
        (404, {}, {"category": "OBJECT_NOT_FOUND"}, Action.IGNORE, Kind.BAD_RECORD, None),
        (418, {}, {}, Action.FAIL, Kind.OUR_BUG, None),
    ],
)
def test_classify(status, headers, body, action, kind, retry_after):
    resolution = classify(status, headers, body)
    assert (resolution.action, resolution.kind, resolution.retry_after) == (action, kind, retry_after)


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (401, "", "CrmAuthError"),
        (429, "", "CrmRateLimited"),
        (423, "", "CrmRateLimited"),
        (403, "REQUEST_LIMIT_EXCEEDED", "CrmRateLimited"),
        (404, "", "CrmNotFound"),
        (409, "", "CrmConflict"),
        (403, "", "CrmPermissionError"),
        (503, "", "CrmUnavailable"),
        (400, "UNABLE_TO_LOCK_ROW", "CrmUnavailable"),
        (400, "", "CrmValidationError"),
    ],
)
def test_from_status_picks_the_error_type_by_status_then_the_crms_code(status, code, kind):
    from connector.errors import CrmError

    error = CrmError.from_status(status, "refused", code=code, url="/x", body={"a": 1}, retry_after=2.0)
    assert type(error).__name__ == kind
    assert (error.status, error.url, error.body, error.retry_after) == (status, "/x", {"a": 1}, 2.0)

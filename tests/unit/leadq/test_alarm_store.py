"""Alarms in the store: raised once, kept while their condition holds, cleared when it ends; the
webhook URL encrypted at rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from core.records import CrmKind
from monitoring.finding import AlarmFinding
from storage import alarm_webhook, alarms, installations
from storage.vault import Vault

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _installation(sessions) -> int:
    with sessions.begin() as db:
        return installations.upsert_installation(db, CrmKind.HUBSPOT, "portal-1").id


def finding(subject: str = "jobtitle", cause: str = "'jobtitle' arrives empty: 3% -> 64%") -> AlarmFinding:
    return AlarmFinding(
        "missing_rate", subject, cause, T0 - timedelta(days=3), "the field mapping", {"now": 0.64}
    )


def test_sync_raises_keeps_and_clears(sessions):
    iid = _installation(sessions)
    with sessions.begin() as db:
        raised, cleared, still = alarms.sync(db, iid, [finding()], T0)
        assert (len(raised), cleared, still) == (1, [], [])
    with sessions.begin() as db:
        raised, cleared, still = alarms.sync(
            db, iid, [finding(cause="'jobtitle' arrives empty: 3% -> 70%")], T0 + timedelta(hours=1)
        )
        assert (raised, cleared, [r.subject for r in still]) == ([], [], ["jobtitle"])
    with sessions() as db:
        [row] = alarms.open_alarms(db, iid)
        assert row.cause.endswith("3% -> 70%") and row.details == {"now": 0.64}
        assert row.since.replace(tzinfo=UTC) == T0 - timedelta(days=3)
        assert row.last_seen_at.replace(tzinfo=UTC) == T0 + timedelta(hours=1)
    with sessions.begin() as db:
        raised, cleared, still = alarms.sync(db, iid, [], T0 + timedelta(hours=2))
        assert ([r.subject for r in cleared], raised, still) == (["jobtitle"], [], [])
    with sessions() as db:
        assert alarms.open_alarms(db, iid) == [] and alarms.open_alarms(db) == []
        assert db.execute(text("SELECT count(*) FROM alarms WHERE cleared_at IS NOT NULL")).scalar() == 1
    with sessions.begin() as db:  # the condition again: a new alarm, the old one kept as history
        raised, _, _ = alarms.sync(db, iid, [finding()], T0 + timedelta(hours=3))
        assert len(raised) == 1
    with sessions() as db:
        assert db.execute(text("SELECT count(*) FROM alarms")).scalar() == 2


def test_one_open_alarm_per_kind_and_subject(sessions):
    iid = _installation(sessions)
    with sessions.begin() as db:
        raised, _, _ = alarms.sync(db, iid, [finding(), finding(), finding("industry")], T0)
        assert sorted(r.subject for r in raised) == ["industry", "jobtitle"]


def test_notification_marks(sessions):
    iid = _installation(sessions)
    with sessions.begin() as db:
        alarms.sync(db, iid, [finding()], T0)
        [raised], cleared = alarms.to_notify(db, iid)
        assert cleared == []
        alarms.mark_notified(raised, T0)
    with sessions.begin() as db:
        assert alarms.to_notify(db, iid) == ([], [])
        alarms.sync(db, iid, [], T0 + timedelta(hours=1))
        raised, [cleared] = alarms.to_notify(db, iid)
        assert raised == []
        alarms.mark_notified(cleared, T0)
    with sessions() as db:
        assert alarms.to_notify(db, iid) == ([], [])


def test_the_webhook_url_is_encrypted_at_rest_and_shown_masked(sessions):
    iid = _installation(sessions)
    vault = Vault([Vault.generate_key()])
    url = "https://hooks.slack.com/services/T000/B000/very-secret-token"
    with sessions.begin() as db:
        alarm_webhook.set_url(db, vault, iid, url)
    with sessions() as db:
        raw = db.execute(
            text("SELECT alarm_webhook_ciphertext FROM installations WHERE id = :i"), {"i": iid}
        ).scalar()
        assert raw and b"very-secret-token" not in bytes(raw) and b"hooks.slack.com" not in bytes(raw)
        assert alarm_webhook.get_url(db, vault, iid) == url
        assert alarm_webhook.masked_url(db, vault, iid) == "https://hooks.slack.com/…"
        assert alarm_webhook.masked_url(db, Vault([Vault.generate_key()]), iid).startswith(
            "(set, cannot be decrypted"
        )
    with sessions.begin() as db:
        assert alarm_webhook.clear(db, iid) is True
    with sessions() as db:
        assert alarm_webhook.get_url(db, vault, iid) is None


def test_the_masked_url_keeps_the_port_and_nothing_past_the_host():
    assert (
        alarm_webhook.masked("https://hooks.example.com:8443/services/s3cr3t")
        == "https://hooks.example.com:8443/…"
    )
    assert alarm_webhook.masked("https://[2001:db8::1]:9443/s3cr3t") == "https://[2001:db8::1]:9443/…"
    assert alarm_webhook.masked("https://user:pw@hooks.example.com/s3cr3t") == "https://hooks.example.com/…"
    assert alarm_webhook.masked("https://hooks.example.com:99999/s3cr3t") == "…"  # never saved: refused


def test_the_last_delivery_and_the_last_check_are_kept_per_installation(redis_client):
    from storage import monitor_snapshot

    at = datetime(2026, 12, 4, 21, 5, tzinfo=UTC)
    assert alarm_webhook.last_delivery(redis_client, 7) is None
    alarm_webhook.record_delivery(redis_client, 7, alarm_webhook.Delivery(at, False, 500))
    alarm_webhook.record_delivery(redis_client, 8, alarm_webhook.Delivery(at, False, None, "ConnectTimeout"))
    assert alarm_webhook.last_delivery(redis_client, 7) == alarm_webhook.Delivery(at, False, 500)
    assert {i: d.failure for i, d in alarm_webhook.last_deliveries(redis_client, [7, 8, 9]).items()} == {
        7: "HTTP 500",
        8: "ConnectTimeout",
    }
    alarm_webhook.forget_delivery(redis_client, 7)
    assert alarm_webhook.last_delivery(redis_client, 7) is None
    assert monitor_snapshot.last_checked(redis_client, 7) is None
    monitor_snapshot.mark_checked(redis_client, 7, at)
    assert monitor_snapshot.last_checked(redis_client, 7) == at
    assert monitor_snapshot.last_checked_all(redis_client, [7, 8]) == {7: at}


def test_a_kind_switched_off_closes_its_alarm_as_switched_off_not_cleared(sessions):
    iid = _installation(sessions)
    with sessions.begin() as db:
        alarms.sync(db, iid, [finding()], T0)
    with sessions.begin() as db:  # the condition still holds, but the kind is switched off
        _, closed, _ = alarms.sync(db, iid, [], T0 + timedelta(hours=1), off={"missing_rate"})
        assert [alarms.switched_off(row) for row in closed] == [True]
        assert alarms.label(closed[0]) == "Field arriving empty (jobtitle)"
    with sessions.begin() as db:
        alarms.sync(db, iid, [finding("industry")], T0 + timedelta(hours=2))
    with sessions.begin() as db:  # its condition ended: cleared, not switched off
        _, closed, _ = alarms.sync(db, iid, [], T0 + timedelta(hours=3), off={"sla_breaches"})
        assert [alarms.switched_off(row) for row in closed] == [False]


def test_a_rep_alarm_is_labelled_with_the_rep_s_name(sessions):
    iid = _installation(sessions)
    rep = AlarmFinding(
        "inactive_owner", "102", "Bo is inactive", None, "hint", {"name": "Bo", "open_leads": 3}
    )
    with sessions.begin() as db:
        [row], _, _ = alarms.sync(db, iid, [rep], T0)
        assert alarms.label(row) == "Inactive rep (Bo)" and row.subject == "102"

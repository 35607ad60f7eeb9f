"""HubSpotAdapter over the real SDK against the sandbox: reads, writes, history, owners, outcomes, errors."""

from __future__ import annotations

import threading

import pytest

from connector.base import ClientConfig, Cursor
from connector.errors import CrmAuthError
from connector.hubspot.adapter import HubSpotAdapter
from connector.hubspot.client import HubSpotCalls
from connector.hubspot.limits import Budget, LocalLimiter
from core.records import CrmKind, FieldUpdate, ObjectType, OutcomeKind, RecordRef, WrittenBy
from sandbox.hubspot.store import Source
from sandbox.pytest_plugin import install
from workers.services.install import StaticTokens


def _adapter(running, token: str, budget: Budget | None = None, sleeps: list | None = None):  # type: ignore[no-untyped-def]
    calls = HubSpotCalls(
        ClientConfig(api_base=running.base_url),
        StaticTokens(token),
        LocalLimiter(),
        str(running.portal_id),
        budget or Budget(),
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
    )
    return HubSpotAdapter(calls, str(running.portal_id), str(running.app_id))


@pytest.fixture
def crm(sandbox_factory):  # type: ignore[no-untyped-def]
    return sandbox_factory(seed=41, records=250)


@pytest.fixture
def adapter(crm):  # type: ignore[no-untyped-def]
    return _adapter(crm, install(crm)["access_token"])


def _ref(crm, record_id: str, obj: ObjectType = ObjectType.CONTACT) -> RecordRef:  # type: ignore[no-untyped-def]
    return RecordRef(CrmKind.HUBSPOT, str(crm.portal_id), obj, record_id)


def test_streaming_everything_pages_through_all_records(adapter, crm):
    pages = list(adapter.iter_records(ObjectType.CONTACT, None))
    ids = [p.ref.record_id for page in pages for p in page.records]
    assert len(ids) == len(set(ids)) == 250 and len(pages) == 3 and pages[-1].next_cursor is None
    companies = [a for page in adapter.iter_records(ObjectType.ACCOUNT, None) for a in page.records]
    assert companies and all(a.ref.object_type == ObjectType.ACCOUNT for a in companies)


def test_incremental_reads_stay_correct_past_the_10000_search_cap(sandbox_factory):
    running = sandbox_factory(seed=42, records=10_300, search_rate_limit=10_000)
    adapter = _adapter(running, install(running)["access_token"], Budget(1000, 1000))
    seen = []
    pages = 0
    for page in adapter.iter_records(ObjectType.CONTACT, Cursor(since="2000-01-01T00:00:00+00:00")):
        seen.extend(p.ref.record_id for p in page.records)
        pages += 1
    assert len(seen) == len(set(seen)) == 10_300  # every record once, none lost at the cap
    searches = running.requests.entries(lambda e: e.path.endswith("/search"))
    assert all(int(s.body.get("after") or 0) < 10_000 for s in searches) and pages == len(searches)


def test_batch_read_and_write_at_the_100_maximum(adapter, crm):
    ids = [r.id for r in crm.sandbox.portals[crm.portal_id].live("contacts")][:150]
    people = adapter.read(ObjectType.CONTACT, ids)
    assert sorted(p.ref.record_id for p in people) == sorted(ids)
    report = adapter.write([FieldUpdate(_ref(crm, i), "jobtitle", f"Title {i}") for i in ids])
    assert len(report.written) == 150 and report.failed == () and report.api_calls == 2
    sent = [len(e.body["inputs"]) for e in crm.requests.entries(lambda e: e.path.endswith("/batch/update"))]
    assert sent == [100, 50]


def test_partial_failures_come_back_per_record(adapter, crm):
    ids = [r.id for r in crm.sandbox.portals[crm.portal_id].live("contacts")][:4]
    updates = [FieldUpdate(_ref(crm, i), "jobtitle", "CRO") for i in ids]
    updates.append(FieldUpdate(_ref(crm, "987654321"), "jobtitle", "CRO"))  # gone from the CRM: 207
    updates.append(
        FieldUpdate(_ref(crm, ids[0], ObjectType.ACCOUNT), "numberofemployees", "lots")
    )  # bad value
    report = adapter.write(updates)
    failed = {(e.ref.object_type, e.ref.record_id): e.reason for e in report.failed}
    assert failed == {
        (ObjectType.CONTACT, "987654321"): "not-found",
        (ObjectType.ACCOUNT, ids[0]): "validation",
    }
    assert len(report.written) == 4
    assert all(crm.sandbox.portals[crm.portal_id].get("contacts", i).props["jobtitle"] == "CRO" for i in ids)


def test_field_states_tell_a_reps_edit_from_leadqs_own_write(adapter, crm):
    portal = crm.sandbox.portals[crm.portal_id]
    a, b = (r.id for r in portal.live("contacts")[:2])
    adapter.write(
        [FieldUpdate(_ref(crm, a), "jobtitle", "VP Sales"), FieldUpdate(_ref(crm, b), "jobtitle", "CMO")]
    )
    portal.update(
        "contacts", b, {"jobtitle": "Chief Marketing Officer"}, Source("CRM_UI", "userId:9000001", 9000001)
    )
    states = adapter.field_states([_ref(crm, a), _ref(crm, b)], ["jobtitle"])
    assert states[_ref(crm, a)]["jobtitle"].written_by == WrittenBy.LEADQ
    assert states[_ref(crm, b)]["jobtitle"].written_by == WrittenBy.USER
    assert states[_ref(crm, b)]["jobtitle"].value == "Chief Marketing Officer"


def test_owners_and_outcomes(adapter, crm):
    owners = adapter.owners()
    assert len(owners) == 10 and sum(not o.active for o in owners) == 1 and all(o.teams for o in owners)
    outcomes = adapter.outcomes()
    truth = crm.sandbox.truth[crm.portal_id].won
    assert {o.ref.record_id: o.kind == OutcomeKind.WON for o in outcomes} == truth


def test_429s_and_5xx_are_retried_with_backoff_until_the_call_lands(crm):
    sleeps: list[float] = []
    adapter = _adapter(crm, install(crm)["access_token"], sleeps=sleeps)
    crm.sandbox.faults.update(rate_429=0.3, rate_5xx=0.2)
    ids = [r.id for r in crm.sandbox.portals[crm.portal_id].live("contacts")][:100]
    for _ in range(8):
        assert len(adapter.read(ObjectType.CONTACT, ids)) == 100
    assert sleeps and max(sleeps) >= 8  # a 429 waits out HubSpot's 10-second window
    assert adapter.calls.calls > 8


def test_a_401_refreshes_once_even_when_workers_race(crm, sessions, redis_client, settings):
    from leadq.live_stack import sandbox_settings
    from oauth.hubspot import TokenSet
    from storage import installations
    from storage.oauth_store import DbTokenStore
    from storage.redis_locks import RedisLocks
    from storage.vault import Vault
    from workers.services.connections import token_manager

    tokens = install(crm)
    vault = Vault([Vault.generate_key()])
    store = DbTokenStore(sessions, vault)
    with sessions.begin() as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, str(crm.portal_id))
    store.save(inst.id, TokenSet(tokens["access_token"], tokens["refresh_token"], None))
    config = sandbox_settings(settings, crm)
    crm.sandbox.oauth.expire_access_tokens()
    before = crm.requests.count(path_prefix="/oauth/v3/token")
    errors = []

    def worker() -> None:
        manager = token_manager(config, inst.id, store, RedisLocks(redis_client))
        calls = HubSpotCalls(ClientConfig(api_base=crm.base_url), manager, LocalLimiter(), str(crm.portal_id))
        try:
            HubSpotAdapter(calls, str(crm.portal_id)).read(ObjectType.CONTACT, ["1001"])
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert crm.requests.count(path_prefix="/oauth/v3/token") - before == 1  # one refresh for six workers


def test_a_revoked_app_raises_auth_errors_not_sdk_exceptions(crm):
    adapter = _adapter(crm, install(crm)["access_token"])
    crm.sandbox.oauth.revoke_portal(crm.portal_id)
    from oauth.errors import InvalidGrant

    with pytest.raises((CrmAuthError, InvalidGrant)):
        adapter.read(ObjectType.CONTACT, ["1001"])


def test_contacts_come_with_their_company(adapter, crm):
    portal = crm.sandbox.portals[crm.portal_id]
    with_company = [r.id for r in portal.live("contacts") if r.props.get("associatedcompanyid")][:5]
    orphan = next(r for r in portal.live("contacts") if not r.props.get("associatedcompanyid"))
    company = portal.live("companies")[0]
    portal.associate("contacts", orphan.id, "companies", company.id)  # linked, but no company id property
    pairs = adapter.read_with_accounts(ObjectType.CONTACT, [*with_company, orphan.id])
    found = {p.ref.record_id: a.ref.record_id if a else None for p, a in pairs}
    assert all(found[i] == portal.get("contacts", i).props["associatedcompanyid"] for i in with_company)
    assert found[orphan.id] == company.id

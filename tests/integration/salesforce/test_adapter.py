"""SalesforceAdapter against the sandbox org: paging, the tie-safe change cursor, writes at 200,
per-record errors, outcomes, owners, field history, session refresh, revoked tokens, budget."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from connector.base import Cursor
from connector.errors import CrmRateLimited
from core.records import CrmKind, FieldUpdate, ObjectType, OutcomeKind, Person, RecordRef, WrittenBy
from oauth.errors import InvalidGrant
from storage import installations
from storage.tables import Installation
from tests.support.salesforce import org_of


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=43, records=500, portals=0, https=True)


def _ref(crm, obj: ObjectType, record_id: str) -> RecordRef:
    return RecordRef(CrmKind.SALESFORCE, crm.org_id, obj, record_id)


def test_stream_everything_by_id_pages(ctx, crm) -> None:
    ctx.adapter.page_size = 70
    pages = list(ctx.adapter.iter_records(ObjectType.LEAD, None))
    ids = [r.ref.record_id for p in pages for r in p.records]
    open_leads = [r for r in org_of(crm).live("Lead") if not r["IsConverted"]]
    assert len(ids) == len(set(ids)) == len(open_leads) == ctx.adapter.count(ObjectType.LEAD)
    assert len(pages) == len(open_leads) // 70 + 1
    resumed = list(ctx.adapter.iter_records(ObjectType.LEAD, pages[1].next_cursor))
    assert [r.ref.record_id for p in resumed for r in p.records] == ids[140:]


def test_change_cursor_loses_nothing_when_many_records_share_a_stamp(ctx, crm) -> None:
    org = org_of(crm)
    leads = sorted((r for r in org.live("Lead") if not r["IsConverted"]), key=lambda r: r["Id"])[:150]
    at_ms = crm.sandbox.clock.now_ms() + 5_000
    for lead in leads:  # a bulk edit: 150 records, one SystemModstamp
        org.update("Lead", lead["Id"], {"Rating": "Warm"}, org.admin_user_id, at_ms=at_ms, notify=False)
    ctx.adapter.page_size = 40
    since = Cursor(since="2026-01-01T00:00:00+00:00")
    seen = []
    cursor = since
    for page in ctx.adapter.iter_records(ObjectType.LEAD, cursor):
        seen.extend(r.ref.record_id for r in page.records)
        if page.next_cursor:  # resume from every page's cursor, as a restarted worker would
            assert page.next_cursor.after
    changed = {lead["Id"] for lead in leads}
    assert changed <= set(seen) and len(seen) == len(set(seen))
    # Restarting from the middle of the shared stamp continues after the last id seen there.
    pages = list(ctx.adapter.iter_records(ObjectType.LEAD, since))
    middle = pages[-3].next_cursor
    rest = [r.ref.record_id for p in ctx.adapter.iter_records(ObjectType.LEAD, middle) for r in p.records]
    done = [r.ref.record_id for p in pages[:-2] for r in p.records]
    assert sorted(done + rest) == sorted(seen)


def test_write_batches_at_200_with_per_record_errors(ctx, crm) -> None:
    org = org_of(crm)
    leads = [r["Id"] for r in org.live("Lead") if not r["IsConverted"]][:230]
    converted = next(r["Id"] for r in org.live("Lead") if r["IsConverted"])
    updates = [FieldUpdate(_ref(crm, ObjectType.LEAD, i), "leadq_tier", "L2") for i in leads]
    updates += [FieldUpdate(_ref(crm, ObjectType.LEAD, i), "leadq_fit_score", "55") for i in leads]
    updates.append(FieldUpdate(_ref(crm, ObjectType.LEAD, leads[5]), "leadq_verdict", "not-a-verdict"))
    updates.append(FieldUpdate(_ref(crm, ObjectType.LEAD, converted), "leadq_tier", "L1"))
    before = len(crm.requests)
    report = ctx.adapter.write(updates)
    writes = [e for e in crm.requests.entries()[before:] if e.path.endswith("/composite/sobjects")]
    assert report.api_calls == len(writes) == 2
    assert max(len(e.body["records"]) for e in writes) == 200
    assert {(e.ref.record_id, e.reason) for e in report.failed} == {
        (leads[5], "validation"),
        (converted, "converted"),
    }
    assert "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in next(
        e.message for e in report.failed if e.ref.record_id == leads[5]
    )
    assert (
        org.get("Lead", leads[0])["LeadQ_Tier__c"] == "L2"
        and org.get("Lead", leads[0])["LeadQ_Fit_Score__c"] == 55
    )
    assert org.get("Lead", leads[5]).get("LeadQ_Tier__c") is None, (
        "allOrNone false: only the bad record failed"
    )
    person = ctx.adapter.read(ObjectType.LEAD, [leads[0]])[0]
    assert person.raw["leadq_fit_score"] == "55" and person.raw["leadq_tier"] == "L2"


def test_outcomes_owners_and_accounts(ctx, crm) -> None:
    truth = crm.sandbox.sf_truth[crm.org_id]
    outcomes = ctx.adapter.outcomes()
    assert outcomes and all(o.ref.object_type == ObjectType.LEAD for o in outcomes)
    for outcome in outcomes:
        assert truth.won[outcome.ref.record_id] == (outcome.kind == OutcomeKind.WON)
        assert outcome.source_ref and outcome.source_ref.record_id.startswith("006")
    assert {o.ref.record_id for o in outcomes} == {i for i in truth.won if i.startswith("00Q")}
    owners = ctx.adapter.owners()
    assert any(not o.active for o in owners), "a deactivated user is listed as inactive"
    assert org_of(crm).admin_user_id not in {o.owner_id for o in owners}
    contacts = [r["Id"] for r in org_of(crm).live("Contact") if r["AccountId"]][:5]
    pairs = ctx.adapter.read_with_accounts(ObjectType.CONTACT, contacts)
    assert all(
        account is not None and person.account_id == account.ref.record_id for person, account in pairs
    )


def test_field_history_tells_a_rep_from_leadq(ctx, crm) -> None:
    org = org_of(crm)
    rep = next(u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id)
    lead = next(r for r in org.live("Lead") if not r["IsConverted"])
    org.update("Lead", lead["Id"], {"OwnerId": rep["Id"]}, rep["Id"], at_ms=crm.sandbox.clock.now_ms() + 1000)
    other = next(r for r in org.live("Lead") if not r["IsConverted"] and r["Id"] != lead["Id"])
    ctx.adapter.write([FieldUpdate(_ref(crm, ObjectType.LEAD, other["Id"]), "OwnerId", rep["Id"])])
    states = ctx.adapter.field_states(
        [_ref(crm, ObjectType.LEAD, lead["Id"]), _ref(crm, ObjectType.LEAD, other["Id"])], ["OwnerId"]
    )
    assert states[_ref(crm, ObjectType.LEAD, lead["Id"])]["OwnerId"].written_by == WrittenBy.USER
    assert states[_ref(crm, ObjectType.LEAD, other["Id"])]["OwnerId"].written_by == WrittenBy.LEADQ


def test_expired_session_is_refreshed_once_under_a_lock(ctx, crm, runtime) -> None:
    from workers.services.context import build_context

    crm.sandbox.sf_oauth.expire_sessions()
    before = crm.sandbox.refreshes
    contexts = [build_context(runtime, ctx.installation_id) for _ in range(4)]
    errors: list[BaseException] = []

    def read(c) -> None:
        try:
            c.adapter.count(ObjectType.LEAD)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(c,)) for c in contexts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert crm.sandbox.refreshes - before == 1, "rotating refresh tokens: exactly one refresh"
    assert ctx.adapter.count(ObjectType.LEAD) > 0


def test_revoked_refresh_token_raises_invalid_grant(ctx, crm) -> None:
    crm.sandbox.sf_oauth.revoke_org(crm.org_id)
    with pytest.raises(InvalidGrant):
        ctx.adapter.count(ObjectType.LEAD)


def test_budget_share_throttles_and_recovers(ctx, crm, sessions) -> None:
    org = org_of(crm)
    org.api_used = int(org.api_max * 0.5) - 1
    ctx.adapter.count(ObjectType.LEAD)  # this answer reports usage at the share
    with pytest.raises(CrmRateLimited) as throttled:
        ctx.adapter.count(ObjectType.LEAD)
    assert "50% of the org's daily API budget" in str(throttled.value)
    with sessions() as session:
        row = session.scalars(select(Installation)).one()
        assert row.status == installations.THROTTLED and "daily API budget" in row.status_reason
    used = org.api_used
    with pytest.raises(CrmRateLimited):
        ctx.adapter.count(ObjectType.LEAD)
    assert org.api_used == used, "a throttled leadq makes no call at all"
    org.api_used = 10
    ctx.adapter.calls.budget.used = 10  # the next answer's header would say so; a day has passed
    ctx.adapter.count(ObjectType.LEAD)
    with sessions() as session:
        assert session.scalars(select(Installation)).one().status == installations.ACTIVE


def test_org_budget_exhausted_is_a_rate_limit(ctx, crm) -> None:
    org = org_of(crm)
    ctx.adapter.calls.budget.share = 1.0
    org.api_used = org.api_max
    with pytest.raises(CrmRateLimited) as limited:
        ctx.adapter.read(ObjectType.LEAD, [next(iter(org.records["Lead"]))])
    assert limited.value.status == 403 and "REQUEST_LIMIT_EXCEEDED" in str(limited.value)


def test_garbage_values_become_none(ctx, crm) -> None:
    from connector.salesforce.mapping import to_account, to_person

    person = to_person(
        crm.org_id,
        ObjectType.LEAD,
        {
            "Id": "00Q000000000001AAA",
            "Email": True,
            "NumberOfEmployees": "many",
            "CreatedDate": "yesterday",
            "Company": "[not provided]",
        },
    )
    assert isinstance(person, Person) and person.email is None and person.company_name is None
    assert person.created_at is None and person.employees_text == "many"
    account = to_account(
        crm.org_id,
        {
            "Id": "001000000000001AAA",
            "NumberOfEmployees": -5,
            "AnnualRevenue": "x",
            "Website": "https://www.Example.com/about",
        },
    )
    assert account.employees is None and account.annual_revenue is None and account.domain == "example.com"

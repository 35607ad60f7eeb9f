"""What HubSpot shows is what leadq decided: a 2,000-contact backfill by a real worker, then a round of
rep edits, company edits and owner changes delivered as signed webhooks; `leadq reconcile` then finds
nothing written wrong and nothing missing, every multiple of ten reads right in the CRM, every company
with people carries its own score, and a company edit reaches the company and its contacts at once."""

from __future__ import annotations

import time

import hubspot
import pytest
from click.testing import CliRunner
from hubspot.webhooks import SettingsChangeRequest, SubscriptionCreateRequest, ThrottlingSettings
from sqlalchemy import func, select

from connector import formatting
from storage.tables import Installation, ProcessedEvent, RoutingDecisionRow, ScoreRow
from tests.support import sync as sync_support
from tests.support.hubspot import install, ui_edit
from tests.support.sync import backfill_on_worker, wait_until
from workers.services.context import Runtime, build_context
from workers.services.reconcile import reconcile

# Fixtures shared with other test directories (tests/support).
served = sync_support.served
worker = sync_support.worker

CONTACT_PROPS = ("jobtitle", "hubspot_owner_id", "leadq_tier", "leadq_fit_score")
COMPANY_PROPS = ("industry", "numberofemployees", "annualrevenue", "country")


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=83, records=2_000, deliver_webhooks=True, rate_limit=10_000)


@pytest.fixture
def live_crm(crm):
    return crm


def _subscribe(crm, url: str) -> None:
    dev = hubspot.Client.create(api_key=crm.developer_api_key, host=crm.base_url)
    dev.webhooks.settings_api.configure(
        crm.app_id,
        SettingsChangeRequest(
            target_url=f"{url}/webhooks/hubspot", throttling=ThrottlingSettings(max_concurrent_requests=10)
        ),
    )
    for kind, props in (("contact.propertyChange", CONTACT_PROPS), ("company.propertyChange", COMPANY_PROPS)):
        for prop in props:
            dev.webhooks.subscriptions_api.create(
                crm.app_id, SubscriptionCreateRequest(event_type=kind, property_name=prop, active=True)
            )


def _settled(sessions, installation_id: int) -> bool:
    with sessions() as db:
        queued = db.scalar(
            select(func.count())
            .select_from(ProcessedEvent)
            .where(ProcessedEvent.installation_id == installation_id, ProcessedEvent.status == "queued")
        )
    return queued == 0


@pytest.mark.redis
def test_the_crm_holds_what_leadq_decided(served, live_crm, worker, sessions, redis_client, monkeypatch):
    settings, url, app = served
    install(app.test_client(), live_crm)
    with sessions() as db:
        installation_id = db.scalars(select(Installation.id)).one()
    _subscribe(live_crm, url)
    portal = live_crm.sandbox.portals[live_crm.portal_id]

    # The backfill, on the real worker: contacts, then their companies.
    assert backfill_on_worker(app, sessions, installation_id, timeout=600), "the backfill did not finish"
    assert live_crm.wait_for_webhooks(20)  # leadq's own writes come back as echoes, and are dropped

    # Every multiple of ten reads right: the CRM holds the decided whole points, never a tenth of them.
    with sessions() as db:
        newest = select(func.max(ScoreRow.id)).group_by(ScoreRow.object_type, ScoreRow.record_id)
        contact_scores = {
            r.record_id: r
            for r in db.scalars(select(ScoreRow).where(ScoreRow.id.in_(newest)))
            if r.object_type == "contact"
        }
    assert len(contact_scores) == 2_000
    tens = [r for r in contact_scores.values() if formatting.number(r.fit, 0).endswith("0")]
    assert tens, "the seed should give some fits that round to a multiple of ten"
    for row in tens:
        assert portal.get("contacts", row.record_id).props["leadq_fit_score"] == formatting.number(row.fit, 0)
    for row in contact_scores.values():
        if formatting.number(row.engagement, 0).endswith("0"):
            assert portal.get("contacts", row.record_id).props["leadq_engagement_score"] == formatting.number(
                row.engagement, 0
            )

    # Every company with people has its own score in the CRM.
    with_people = [
        c for c in portal.live("companies") if portal.associations.get(("companies", c.id, "contacts"))
    ]
    assert with_people
    for company in with_people:
        assert company.props.get("leadq_tier") in ("L1", "L2", "L3", "L4"), company.id
        assert company.props.get("leadq_buying_committee"), company.id

    # A round of edits: titles, a rep taking over leadq's tier, owners moved by people, companies edited.
    edited_companies = {c.id for c in with_people[:6]}
    untouched = [
        r
        for r in sorted(contact_scores)
        if not edited_companies & set(portal.associations.get(("contacts", r, "companies"), {}))
    ]
    for record_id in untouched[:15]:
        ui_edit(live_crm, "contacts", record_id, {"jobtitle": "VP Sales"})
    with sessions() as db:
        routed = set(
            db.scalars(select(RoutingDecisionRow.record_id).where(RoutingDecisionRow.owner_id.is_not(None)))
        )
    owned = [r for r in untouched[15:] if r in routed][:5]
    overridden = [r for r in untouched[15:] if r not in routed and contact_scores[r].tier != "L4"][:5]
    assert len(overridden) == 5 and len(owned) == 5
    for record_id in overridden:
        ui_edit(live_crm, "contacts", record_id, {"leadq_tier": "L4"})
    active = [o for o in portal.owners if not o["archived"]]
    for record_id in owned:
        current = portal.get("contacts", record_id).props["hubspot_owner_id"]
        other = next(o for o in active if str(o["id"]) != str(current))
        ui_edit(live_crm, "contacts", record_id, {"hubspot_owner_id": str(other["id"])})
    for company in with_people[:4]:
        ui_edit(
            live_crm, "companies", company.id, {"industry": "COMPUTER_SOFTWARE", "numberofemployees": "250"}
        )
    assert live_crm.wait_for_webhooks(20)
    assert wait_until(lambda: _settled(sessions, installation_id), timeout=120)

    # A company edit reaches the company and its contacts within 2 s.
    company = with_people[5]
    people = sorted(portal.associations[("companies", company.id, "contacts")])
    before = (
        company.props.get("leadq_fit_score"),
        [portal.get("contacts", str(p)).props.get("leadq_fit_score") for p in people],
    )
    small = "2" if int(company.props.get("numberofemployees") or 0) > 50 else "800"
    edited = time.monotonic()
    ui_edit(live_crm, "companies", company.id, {"numberofemployees": small, "industry": "REAL_ESTATE"})

    def reflected() -> bool:
        now = portal.get("companies", company.id).props.get("leadq_fit_score")
        theirs = [portal.get("contacts", str(p)).props.get("leadq_fit_score") for p in people]
        return now != before[0] and all(a != b for a, b in zip(theirs, before[1], strict=True))

    assert wait_until(reflected, timeout=10), "the company edit did not reach the company and its contacts"
    assert time.monotonic() - edited <= 2.0, f"took {time.monotonic() - edited:.1f} s"
    assert wait_until(lambda: _settled(sessions, installation_id), timeout=60)

    # Reconcile: nothing written wrong, nothing missing; people's changes are listed and kept.
    runtime = Runtime(
        settings.model_copy(update={"hubspot_api_budget_per_10s": 5000}),
        sessions,
        app.extensions["leadq"].vault,
        redis_client,
    )
    calls_before = live_crm.requests.count(area="api")
    result = reconcile(build_context(runtime, installation_id))
    assert result.counts["wrong"] == 0, result.examples.get("wrong")
    assert result.counts["never_written"] == 0, result.examples.get("never_written")
    assert result.counts["deleted"] == 0 and result.counts["refused"] == 0
    changed = {e["record"] for e in result.examples.get("changed", [])}
    assert result.counts["changed"] == len(overridden) + len(owned), result.examples.get("changed")
    assert changed <= set(overridden) | set(owned)
    assert all(f.get("by") == "a person" for e in result.examples["changed"] for f in e["fields"])
    assert result.checked == 2_000 + len(with_people)
    assert result.counts["match"] == result.checked - result.counts["changed"]
    # The reads of a re-run, batched at the API maximum: 100 records per batch read, plus history
    # reads only for the records people changed.
    reads = live_crm.requests.count(area="api") - calls_before
    assert reads <= result.checked // 100 + 2 + 2 * 4, reads

    # The CLI says the same, and so does `leadq status`.
    from leadq.cli import main

    for key, value in settings.to_env().items():
        monkeypatch.setenv(key, value)
    out = CliRunner().invoke(main, ["status"])
    assert f"reconciled: {result.counts['match']:,} of {result.checked:,} records match" in out.output, (
        out.output
    )

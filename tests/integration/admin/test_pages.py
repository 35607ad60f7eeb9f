"""The pages show real figures from a run: sync progress and tiers, dead letters with the CRM's
message, a lead's reasons, routing path and what leadq wrote or left alone."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from core.records import ObjectType
from storage.tables import DeadLetter, Feedback, RoutingDecisionRow, ScoreRow
from tests.support.admin import sign_in
from workers.services.backfill import run_backfill


def test_sync_page_and_lead_story_after_a_backfill(client, accounts, ctx, sessions) -> None:
    run_backfill(ctx, ObjectType.CONTACT)
    mine = accounts["alice"]
    with sessions.begin() as db:
        db.add(
            DeadLetter(
                installation_id=mine,
                object_type="contact",
                record_id="1001",
                reason="validation",
                message="leadq_tier: INVALID_OPTION",
                payload={"fields": {"leadq_tier": "L9"}},
            )
        )
        routed = db.scalars(
            select(RoutingDecisionRow).where(RoutingDecisionRow.owner_id.is_not(None))
        ).first()
        db.add(
            Feedback(
                installation_id=mine,
                object_type="contact",
                record_id=routed.record_id,
                kind="override",
                field_key="hubspot_owner_id",
                leadq_value=routed.owner_id,
                human_value="60000001",
            )
        )
        counts = {}
        for row in db.scalars(select(ScoreRow)):
            counts[row.tier] = counts.get(row.tier, 0) + 1
    sign_in(client, "alice")
    page = html.unescape(client.get(f"/installations/{mine}").get_data(as_text=True))
    assert "400 / 400 - done" in page and "Backfill of contacts" in page and "backfill contact" not in page
    for tier, n in counts.items():
        assert f"{tier}: {n}" in page
    errors = page.split('id="errors"')[1]
    assert "1 record failing, 1 cause." in errors and "Retry all 1" in errors
    assert "leadq_tier INVALID_OPTION" in errors and "retrying will not fix this" in errors
    assert "contact 1001" in errors
    listing = html.unescape(client.get(f"/installations/{mine}/errors").get_data(as_text=True))
    assert "1 failing record" in listing and "leadq_tier: INVALID_OPTION" in listing
    assert client.get(f"/installations/{mine}/errors?cause=2").status_code == 404
    facts = client.get(f"/installations/{mine}/sync.json").get_json()
    assert facts["cursors"][0]["done"] == 400 and facts["queued"] == 0
    tier = max(counts, key=counts.get)
    listing = client.get(f"/installations/{mine}/leads?tier={tier}").get_data(as_text=True)
    shown = re.findall(r"<td>(L[1-4])</td>", listing.split("<tbody>")[1])
    assert shown and set(shown) == {tier}
    lead = html.unescape(
        client.get(f"/installations/{mine}/leads/contact/{routed.record_id}").get_data(as_text=True)
    )
    assert "Latest score" in lead and "Why" in lead
    assert routed.path and str(routed.path[0]) in lead, "the routing path is shown step by step"
    # The owner leadq wrote, named as the CRM names the rep (with the id), in the field's CRM label.
    cell = '<td title="hubspot_owner_id">Owner</td>'
    owner = re.search(rf"{cell}<td>wrote '([^']+) \({routed.owner_id}\)'", lead)
    assert owner and not owner.group(1).isdigit(), "the owner leadq wrote is listed by name"
    # 60000001 is no owner leadq knows: its id; leadq's own proposal is a rep it knows: name (id).
    proposed = f"'{owner.group(1)} ({routed.owner_id})'"
    assert f"left as set by a person: '60000001' (leadq proposed {proposed})" in lead
    assert "<td title=\"leadq_fit_score\">leadq fit score</td>" in lead
    searched = client.get(f"/installations/{mine}/leads?q={routed.record_id}").get_data(as_text=True)
    assert f"contact {routed.record_id}" in searched


def test_backfill_preview_then_approve_or_cancel(client, accounts, ctx, sessions, crm) -> None:
    from tests.support.admin import FakeCelery, csrf_of

    mine = accounts["alice"]
    sign_in(client, "alice")
    client.application.extensions["leadq"].__dict__["celery"] = fake = FakeCelery()
    page = client.get(f"/installations/{mine}").get_data(as_text=True)
    assert "Preview backfill" in page
    token = csrf_of(page)
    assert (
        client.post(f"/installations/{mine}/backfill/approve", data={"csrf_token": token}).status_code == 302
    )
    assert fake.sent == [], "nothing to approve before a preview"
    client.post(f"/installations/{mine}/backfill/preview", data={"csrf_token": token})
    assert fake.sent == [("leadq.backfill", [mine, None, True, True], "backfill")]
    before = len(crm.requests)
    run_backfill(ctx, ObjectType.CONTACT, dry_run=True)  # what the worker runs for the preview
    page = html.unescape(client.get(f"/installations/{mine}").get_data(as_text=True))
    assert "Preview running: 400 records looked at" in page, "the companies are previewed after the contacts"
    assert "Preview of contacts" in page and "400 contacts - done" in page, "bars and sentence agree"
    companies, _report = run_backfill(ctx, ObjectType.ACCOUNT, dry_run=True)
    assert not [e for e in crm.requests.entries()[before:] if "batch/update" in e.path]
    page = html.unescape(client.get(f"/installations/{mine}").get_data(as_text=True))
    assert (
        f"Preview of 400 contacts, {companies.done:,} companies" in page
        and "Nothing has been written" in page
    )
    company_tier = r'<td title="account.leadq_tier">company: leadq tier</td>'
    assert re.search(company_tier + r"<td>would fill \(empty now\): \d+", page)
    assert re.search(r'"leadq_tier">leadq tier</td><td>would fill \(empty now\): 400', page), page[
        page.find("Preview of") :
    ][:800]
    assert 'id="approve"' in page and "Nothing would change" not in page
    client.post(f"/installations/{mine}/backfill/cancel", data={"csrf_token": token})
    assert "Preview backfill" in client.get(f"/installations/{mine}").get_data(as_text=True)
    client.post(f"/installations/{mine}/backfill/preview", data={"csrf_token": token})
    run_backfill(ctx, ObjectType.CONTACT, dry_run=True)
    run_backfill(ctx, ObjectType.ACCOUNT, dry_run=True)
    client.post(f"/installations/{mine}/backfill/approve", data={"csrf_token": token})
    assert fake.sent[-1] == ("leadq.backfill", [mine, None, False], "backfill")


def test_config_is_validated_saved_as_pending_and_applied_on_approval(
    client, accounts, runtime, sessions
) -> None:
    from storage.tables import Installation
    from tests.support.admin import FakeCelery, csrf_of
    from workers.services.context import build_context

    mine = accounts["alice"]
    sign_in(client, "alice")
    client.application.extensions["leadq"].__dict__["celery"] = fake = FakeCelery()
    page = client.get(f"/installations/{mine}/config").get_data(as_text=True)
    assert "target_industries" in page, "the editor starts from the shipped default"
    token = csrf_of(page)
    bad = client.post(
        f"/installations/{mine}/config",
        data={"csrf_token": token, "icp": "[firmographics]\ntarget_industries = 5\n", "routing": ""},
    )
    assert bad.status_code == 400 and "firmographics.target_industries" in html.unescape(
        bad.get_data(as_text=True)
    )
    assert fake.sent == []
    good_icp = '[firmographics]\ntarget_industries = ["healthcare"]\n'
    saved = client.post(
        f"/installations/{mine}/config", data={"csrf_token": token, "icp": good_icp, "routing": ""}
    )
    assert saved.status_code == 302 and fake.sent == [
        ("leadq.backfill", [mine, None, True, True], "backfill")
    ]
    live_ctx, preview_ctx = build_context(runtime, mine), build_context(runtime, mine, pending=True)
    assert live_ctx.icp.source_hash != preview_ctx.icp.source_hash, "only the preview uses the pending ICP"
    run_backfill(preview_ctx, ObjectType.CONTACT, dry_run=True)  # then the companies, as the worker does
    run_backfill(preview_ctx, ObjectType.ACCOUNT, dry_run=True)
    page = html.unescape(client.get(f"/installations/{mine}").get_data(as_text=True))
    assert "with the new ICP and routing configuration" in page
    client.post(f"/installations/{mine}/backfill/approve", data={"csrf_token": token})
    with sessions() as db:
        row = db.get(Installation, mine)
        assert row.icp_toml == good_icp and row.pending_icp_toml is None
    assert build_context(runtime, mine).icp.source_hash == preview_ctx.icp.source_hash
    assert fake.sent[-1] == ("leadq.backfill", [mine, None, False], "backfill")


def test_common_fields_form_writes_the_files(client, accounts, sessions) -> None:
    import tomllib

    from storage.tables import Installation
    from tests.support.admin import FakeCelery, csrf_of

    mine = accounts["alice"]
    sign_in(client, "alice")
    client.application.extensions["leadq"].__dict__["celery"] = fake = FakeCelery()
    page = client.get(f"/installations/{mine}/config").get_data(as_text=True)
    assert 'value="software, it_services' in page and 'name="step_performance" checked' in page
    form = {
        "csrf_token": csrf_of(page),
        "mode": "fields",
        "industries": "healthcare, software",
        "countries": "us, de",
        "employees_min": "20",
        "ideal_from": "100",
        "ideal_to": "2000",
        "employees_max": "50000",
        "pool_L1": "ae",
        "pool_L2": "sdr",
        "pool_L3": "all",
        "pool_L4": "nurture",
    }
    form |= {
        f"step_{s}": "on"
        for s in (
            "account_owner",
            "disqualified",
            "tier_pool",
            "territory",
            "availability",
            "capacity",
            "round_robin",
        )
    }
    bad = client.post(f"/installations/{mine}/config", data=form | {"employees_min": "many"})
    body = html.unescape(bad.get_data(as_text=True))
    assert bad.status_code == 400 and "must be a whole number of employees, you typed 'many'" in body
    assert 'name="employees_min" value="many"' in body, "what was typed is kept"
    bad = client.post(f"/installations/{mine}/config", data=form | {"pool_L3": "everyone"})
    assert bad.status_code == 400 and "pools.L3" in bad.get_data(as_text=True)
    assert fake.sent == []
    saved = client.post(f"/installations/{mine}/config", data=form)
    assert saved.status_code == 302 and fake.sent == [
        ("leadq.backfill", [mine, None, True, True], "backfill")
    ]
    with sessions() as db:
        row = db.get(Installation, mine)
        icp, routing = tomllib.loads(row.pending_icp_toml), tomllib.loads(row.pending_routing_toml)
        assert row.icp_toml is None, "nothing is live before approval"
    assert icp["firmographics"]["target_industries"] == ["healthcare", "software"]
    assert icp["firmographics"]["countries"] == ["US", "DE"]
    assert icp["firmographics"]["employees"] == {"min": 20, "ideal": [100, 2000], "max": 50000}
    assert routing["steps"]["performance"] is False and routing["steps"]["round_robin"] is True
    assert routing["pools"]["L3"] == "all"
    again = client.get(f"/installations/{mine}/config").get_data(as_text=True)
    assert 'value="healthcare, software"' in again and 'name="step_performance">' in again

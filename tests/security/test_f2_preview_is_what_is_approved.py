"""F2: the preview an admin approves is the change that gets written.

A preview started while a configuration is pending previews that configuration; every preview
records the hash of the configuration it was computed from and Approve refuses any other; Cancel can
discard the pending configuration too; a save whose preview cannot be started is undone (503)."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from core.records import ObjectType
from storage.tables import Installation, SyncCursor
from tests.support import admin as admin_support
from tests.support import admin_worker as admin_worker_support
from tests.support import sync as sync_support
from tests.support.admin import csrf_of, sign_in
from tests.support.admin_worker import DeadBroker
from workers.services.backfill import run_backfill

# Fixtures shared with other test directories (tests/support).
accounts = admin_support.accounts
other_installation = admin_support.other_installation
crm = sync_support.crm
ctx = sync_support.ctx
installed = sync_support.installed
runtime = sync_support.runtime
worker_celery = admin_worker_support.worker_celery

NEW_TIERS = "[tiers]\nL1 = 90\nL2 = 75\nL3 = 50\n"


def _page(client, mine: int) -> str:
    answer = client.get(f"/installations/{mine}")
    assert answer.status_code == 200
    return html.unescape(answer.get_data(as_text=True))


def _tier_counts(page: str) -> dict[str, int]:
    """The preview's row for the contacts' leadq_tier, e.g. {"change": 93, "same": 307} (the page
    words each action: "would change (a value leadq wrote before): 93; already right: 307")."""
    from leadq.web.preview_status import ACTION_WORDS

    found = re.search(r'<td title="leadq_tier">leadq tier</td><td>([^<]*)</td>', page)
    assert found, page[page.find('id="preview"') :][:1500]
    action_of = {words: action for action, words in ACTION_WORDS.items()}
    return {
        action_of[w]: int(n.replace(",", ""))
        for w, n in re.findall(r"([^:;]+): ([\d,]+)", found.group(1).replace("; ", ";"))
    }


def _tiers(crm) -> dict[str, str | None]:
    portal = crm.sandbox.portals[crm.portal_id]
    return {r.id: r.props.get("leadq_tier") for r in portal.live("contacts")}


def _written_with_default_icp(ctx) -> None:
    run_backfill(ctx, ObjectType.CONTACT)
    run_backfill(ctx, ObjectType.ACCOUNT)


def _pending(sessions, mine: int) -> tuple[str | None, str | None, str | None]:
    with sessions() as db:
        row = db.get(Installation, mine)
        return row.pending_icp_toml, row.icp_toml, row.pending_routing_toml


def test_f2_reproduction_a_preview_after_cancel_previews_and_approves_the_pending_configuration(
    client,
    accounts,
    ctx,
    crm,
    sessions,
    worker_celery,
) -> None:
    mine = accounts["alice"]
    _written_with_default_icp(ctx)  # installation #1, backfill already written with the default ICP
    sign_in(client, "alice")
    token = csrf_of(client.get(f"/installations/{mine}").get_data(as_text=True))
    # 1. the new tiers are saved; their own preview runs at once (the worker stand-in)
    saved = client.post(
        f"/installations/{mine}/config", data={"csrf_token": token, "icp": NEW_TIERS, "routing": ""}
    )
    assert saved.status_code == 302
    first = _tier_counts(_page(client, mine))
    assert first.get("change", 0) > 0, first
    # 2. Cancel: the preview goes, the pending configuration stays
    client.post(f"/installations/{mine}/backfill/cancel", data={"csrf_token": token})
    assert _pending(sessions, mine)[0] == NEW_TIERS
    # 3. Preview backfill: it must preview the pending configuration, not the live one
    client.post(f"/installations/{mine}/backfill/preview", data={"csrf_token": token})
    page = _page(client, mine)
    assert "with the new ICP and routing configuration" in page
    second = _tier_counts(page)
    assert second == first, f"the preview shown ({second}) is not that of the pending tiers ({first})"
    # 4. Approve and write: what gets written is what the preview showed
    before = _tiers(crm)
    approved = client.post(f"/installations/{mine}/backfill/approve", data={"csrf_token": token})
    assert approved.status_code == 302
    after = _tiers(crm)
    changed = sum(1 for k, v in after.items() if before.get(k) not in (None, "") and before[k] != v)
    assert changed == second.get("change", 0), (changed, second)
    assert _pending(sessions, mine)[:2] == (None, NEW_TIERS)


def test_f2_approve_refuses_a_preview_of_another_configuration(
    client,
    accounts,
    ctx,
    crm,
    sessions,
    worker_celery,
) -> None:
    mine = accounts["alice"]
    _written_with_default_icp(ctx)
    sign_in(client, "alice")
    token = csrf_of(client.get(f"/installations/{mine}").get_data(as_text=True))
    client.post(f"/installations/{mine}/config", data={"csrf_token": token, "icp": NEW_TIERS, "routing": ""})
    assert "Approve and write" in _page(client, mine)
    other = "[tiers]\nL1 = 60\nL2 = 40\nL3 = 20\n"
    with sessions.begin() as db:  # the pending configuration changes after its preview ran
        db.get(Installation, mine).pending_icp_toml = other
    page = _page(client, mine)
    assert 'id="preview-stale"' in page and "Approve and write" not in page
    before, sent = _tiers(crm), len(worker_celery.sent)
    answer = client.post(
        f"/installations/{mine}/backfill/approve", data={"csrf_token": token}, follow_redirects=True
    )
    assert answer.status_code == 200
    assert "Not approved, nothing was written" in html.unescape(answer.get_data(as_text=True))
    assert _pending(sessions, mine)[:2] == (other, None), "nothing was applied"
    assert worker_celery.sent[sent:] == [] and _tiers(crm) == before, "nothing was written"


def test_f2_cancel_offers_to_discard_the_pending_configuration(
    client,
    accounts,
    sessions,
    worker_celery,
) -> None:
    mine = accounts["alice"]
    sign_in(client, "alice")
    token = csrf_of(client.get(f"/installations/{mine}").get_data(as_text=True))
    client.post(f"/installations/{mine}/config", data={"csrf_token": token, "icp": NEW_TIERS, "routing": ""})
    page = _page(client, mine)
    assert "Discard preview and pending configuration" in page and "Discard preview<" in page
    answer = client.post(
        f"/installations/{mine}/backfill/cancel",
        data={"csrf_token": token, "discard": "pending"},
        follow_redirects=True,
    )
    assert "Preview and pending configuration discarded" in answer.get_data(as_text=True)
    assert _pending(sessions, mine) == (None, None, None)
    with sessions() as db:
        assert not db.scalars(select(SyncCursor).where(SyncCursor.name == "preview")).all()
    assert "Preview backfill" in _page(client, mine)


def test_f2_a_configuration_saved_while_the_broker_is_down_is_not_left_pending(
    client,
    accounts,
    sessions,
    leadq_settings,
) -> None:
    mine = accounts["alice"]
    sign_in(client, "alice")
    client.application.extensions["leadq"].__dict__["celery"] = DeadBroker(leadq_settings)
    token = csrf_of(client.get(f"/installations/{mine}").get_data(as_text=True))
    answer = client.post(
        f"/installations/{mine}/config", data={"csrf_token": token, "icp": NEW_TIERS, "routing": ""}
    )
    body = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 503 and answer.headers.get("Retry-After")
    assert "Not saved" in body and "broker" in body
    assert NEW_TIERS.strip() in body, "the text stays in the form"
    assert _pending(sessions, mine) == (None, None, None)
    assert 'id="pending-no-preview"' not in _page(client, mine)


def test_f2_a_pending_configuration_without_preview_says_so_and_cannot_be_approved(
    client,
    accounts,
    sessions,
    worker_celery,
) -> None:
    mine = accounts["alice"]
    with sessions.begin() as db:  # e.g. saved by an older leadq during a broker outage
        db.get(Installation, mine).pending_icp_toml = NEW_TIERS
    sign_in(client, "alice")
    page = _page(client, mine)
    assert 'id="pending-no-preview"' in page and "Preview the pending configuration" in page
    token = csrf_of(page)
    answer = client.post(
        f"/installations/{mine}/backfill/approve", data={"csrf_token": token}, follow_redirects=True
    )
    assert "no finished preview" in answer.get_data(as_text=True)
    assert _pending(sessions, mine)[:2] == (NEW_TIERS, None)
    assert worker_celery.sent == []


def test_f2_approve_while_the_broker_is_down_applies_nothing_and_keeps_the_preview(
    client,
    accounts,
    sessions,
    leadq_settings,
    worker_celery,
) -> None:
    mine = accounts["alice"]
    sign_in(client, "alice")
    token = csrf_of(client.get(f"/installations/{mine}").get_data(as_text=True))
    client.post(f"/installations/{mine}/config", data={"csrf_token": token, "icp": NEW_TIERS, "routing": ""})
    assert "Approve and write" in _page(client, mine)
    client.application.extensions["leadq"].__dict__["celery"] = DeadBroker(leadq_settings)
    answer = client.post(f"/installations/{mine}/backfill/approve", data={"csrf_token": token})
    assert answer.status_code == 503 and "broker" in answer.get_data(as_text=True)
    assert _pending(sessions, mine)[:2] == (NEW_TIERS, None), "the approval was undone"
    assert "Approve and write" in _page(client, mine), "the preview stays, to approve later"
    client.application.extensions["leadq"].__dict__["celery"] = worker_celery
    assert (
        client.post(f"/installations/{mine}/backfill/approve", data={"csrf_token": token}).status_code == 302
    )
    assert _pending(sessions, mine)[:2] == (None, NEW_TIERS)


def test_f2_a_save_during_approve_stays_pending(
    client,
    accounts,
    ctx,
    crm,
    sessions,
    worker_celery,
    monkeypatch,
) -> None:
    """Re-test of F2: a Save (of Z) landing between Approve's check of the preview (of Y) and its
    apply. Both answered 302 and Y went live, but the pending configuration became None: Z was lost
    although its save had said "Saved as pending". Z must stay pending, with its own preview."""
    from storage import installations

    mine = accounts["alice"]
    _written_with_default_icp(ctx)
    sign_in(client, "alice")
    token = csrf_of(client.get(f"/installations/{mine}").get_data(as_text=True))
    client.post(f"/installations/{mine}/config", data={"csrf_token": token, "icp": NEW_TIERS, "routing": ""})
    assert "Approve and write" in _page(client, mine)  # Y's preview, finished
    other = "[tiers]\nL1 = 60\nL2 = 40\nL3 = 20\n"  # Z
    real, saves = installations.apply_pending, []

    def save_first(*args, **kwargs):
        if not saves:  # the other admin's Save commits now, after Approve read Y and its preview
            saves.append(
                client.post(
                    f"/installations/{mine}/config", data={"csrf_token": token, "icp": other, "routing": ""}
                )
            )
        return real(*args, **kwargs)

    monkeypatch.setattr(installations, "apply_pending", save_first)
    approved = client.post(f"/installations/{mine}/backfill/approve", data={"csrf_token": token})
    assert approved.status_code == 302 and len(saves) == 1 and saves[0].status_code == 302
    assert _pending(sessions, mine)[:2] == (other, NEW_TIERS), "Y is live and Z, saved meanwhile, pending"
    page = _page(client, mine)
    assert "with the new ICP and routing configuration" in page
    assert 'id="preview-stale"' not in page and "Approve and write" in page, "Z has its own preview"
    monkeypatch.setattr(installations, "apply_pending", real)
    assert (
        client.post(f"/installations/{mine}/backfill/approve", data={"csrf_token": token}).status_code == 302
    )
    assert _pending(sessions, mine)[:2] == (None, other)

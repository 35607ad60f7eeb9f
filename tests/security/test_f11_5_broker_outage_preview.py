"""F11.5/F2 (re-test, December 2026): during a broker outage "Preview backfill" and Save answered 503
("nothing was started" / "Not saved") but had already reset or deleted the existing preview rows,
so the finished preview was gone and Approve said "There is no finished preview". A 503 changes
nothing now: the previous preview is still shown and can still be approved."""

from __future__ import annotations

import html

from storage.tables import Installation
from tests.security.test_f2_preview_is_what_is_approved import NEW_TIERS, _page, _tier_counts
from tests.support import admin as admin_support
from tests.support import admin_worker as admin_worker_support
from tests.support import sync as sync_support
from tests.support.admin import csrf_of, sign_in
from tests.support.admin_worker import DeadBroker

# Fixtures shared with other test directories (tests/support).
accounts = admin_support.accounts
other_installation = admin_support.other_installation
crm = sync_support.crm
ctx = sync_support.ctx
installed = sync_support.installed
runtime = sync_support.runtime
worker_celery = admin_worker_support.worker_celery


def test_f11_5_a_broker_outage_leaves_the_existing_preview_intact(
    client,
    accounts,
    sessions,
    leadq_settings,
    worker_celery,
) -> None:
    mine = accounts["alice"]
    sign_in(client, "alice")
    token = csrf_of(client.get(f"/installations/{mine}").get_data(as_text=True))
    saved = client.post(
        f"/installations/{mine}/config", data={"csrf_token": token, "icp": NEW_TIERS, "routing": ""}
    )
    assert saved.status_code == 302
    page = _page(client, mine)
    assert "Approve and write" in page
    counts = _tier_counts(page)
    client.application.extensions["leadq"].__dict__["celery"] = DeadBroker(leadq_settings)
    # 1. Preview backfill: 503, nothing was started, and the finished preview is still there
    answer = client.post(f"/installations/{mine}/backfill/preview", data={"csrf_token": token})
    assert answer.status_code == 503 and "nothing was started" in answer.get_data(as_text=True)
    page = _page(client, mine)
    assert "Approve and write" in page and _tier_counts(page) == counts
    # 2. Save another configuration: 503 "Not saved", and the same preview is still there
    other = "[tiers]\nL1 = 60\nL2 = 40\nL3 = 20\n"
    answer = client.post(
        f"/installations/{mine}/config", data={"csrf_token": token, "icp": other, "routing": ""}
    )
    assert answer.status_code == 503 and "Not saved" in html.unescape(answer.get_data(as_text=True))
    page = _page(client, mine)
    assert "Approve and write" in page and _tier_counts(page) == counts
    with sessions() as db:
        assert db.get(Installation, mine).pending_icp_toml == NEW_TIERS
    # 3. The broker is back: Approve applies the previewed configuration (no "no finished preview")
    client.application.extensions["leadq"].__dict__["celery"] = worker_celery
    approved = client.post(
        f"/installations/{mine}/backfill/approve", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Backfill approved" in html.unescape(approved.get_data(as_text=True))
    with sessions() as db:
        row = db.get(Installation, mine)
        assert (row.pending_icp_toml, row.icp_toml) == (None, NEW_TIERS)

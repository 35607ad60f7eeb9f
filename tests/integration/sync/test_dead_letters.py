"""Records the CRM keeps refusing: one dead letter each however often they are retried, shown
grouped by cause with a total and a note that retrying cannot fix a configuration error.

Induced as it happens for real: the routing file names a rep who then leaves the company (the
owner is archived in the sandbox HubSpot), so HubSpot refuses every record leadq assigns to them
with INVALID_OWNER_ID.
"""

from __future__ import annotations

import html

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from core.records import ObjectType
from leadq.cli import main
from storage import admins
from storage.tables import DeadLetter, Installation
from tests.support.admin import sign_in
from tests.support.sync import OPEN_VERDICTS, worker_env
from workers.services.context import build_context
from workers.services.retry import retry_dead_letters
from workers.services.sync import process_people

FAILING = 330
NOTE = "retrying will not fix this: fix the routing configuration"


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=83, records=1200, rate_limit=10_000)


def _routing(owner_id: str) -> str:
    """Every tier to one rep, no step that could send a lead elsewhere."""
    return (
        "[steps]\naccount_owner = false\ndisqualified = false\nterritory = false\navailability = false\n"
        "capacity = false\nperformance = false\n\n"
        '[pools]\nL1 = "all"\nL2 = "all"\nL3 = "all"\nL4 = "all"\n\n'
        f'[[reps]]\nowner_id = "{owner_id}"\nname = "Rafael Leaves"\nrole = "ae"\n'
    )


def _open_rows(sessions, installation: int) -> int:
    with sessions() as db:
        return db.scalar(
            select(func.count())
            .select_from(DeadLetter)
            .where(DeadLetter.installation_id == installation, DeadLetter.resolved_at.is_(None))
        )


def test_three_retries_of_330_refused_records_leave_330_dead_letters_shown_as_one_cause(
    crm, installed, runtime, sessions, client, leadq_settings, monkeypatch
):
    portal = crm.sandbox.portals[crm.portal_id]
    rep = next(o for o in portal.owners if not o["archived"])
    with sessions.begin() as db:
        row = db.get(Installation, installed)
        row.routing_toml, row.icp_toml = _routing(rep["id"]), OPEN_VERDICTS  # many leads go to the rep
    ctx = build_context(runtime, installed)
    assert ctx.load_routing().rep(str(rep["id"])).active  # the worker read the owners while the rep was in
    rep["archived"] = True  # the rep leaves after the routing file was approved

    # Process unowned contacts through the real sync path until exactly 330 are refused (how
    # many of a batch leadq routes depends on scoring, e.g. a lead that needs info is not routed).
    unowned = sorted(
        (r.id for r in portal.objects["contacts"].values() if not r.props.get("hubspot_owner_id")), key=int
    )
    while (needed := FAILING - _open_rows(sessions, installed)) > 0 and unowned:
        batch, unowned = unowned[:needed], unowned[needed:]
        process_people(ctx, ctx.adapter.read_with_accounts(ObjectType.CONTACT, batch))
    assert _open_rows(sessions, installed) == FAILING
    with sessions() as db:
        dead = set(db.scalars(select(DeadLetter.record_id).where(DeadLetter.installation_id == installed)))
    assert {portal.get("contacts", i).props.get("hubspot_owner_id") or "" for i in dead} == {""}

    for _ in range(3):
        assert retry_dead_letters(ctx) == (FAILING, FAILING)
    assert _open_rows(sessions, installed) == FAILING
    with sessions() as db:
        attempts = set(db.scalars(select(DeadLetter.attempts).where(DeadLetter.installation_id == installed)))
    assert attempts == {4}

    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    cause = f"hubspot_owner_id INVALID_OWNER_ID ({rep['id']} is not a valid owner id)"
    shown = CliRunner().invoke(main, ["errors", str(installed)])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == f"installation {installed}: 330 failing records, 1 cause"
    assert lines[1] == f"[1] 330 records: {cause}"
    assert lines[2].strip().startswith(NOTE)
    assert lines[3].strip().startswith("e.g. contact ") and lines[3].endswith(" and 327 more")
    every = CliRunner().invoke(main, ["errors", str(installed), "--cause", "1"]).output.splitlines()
    assert len([line for line in every if line.startswith("  contact ")]) == FAILING
    assert all(" 4 failed attempts, last " in line for line in every if line.startswith("  contact "))
    status = CliRunner().invoke(main, ["status"]).output
    assert "330 failing records" in status

    with sessions.begin() as db:
        admins.grant(db, admins.create(db, "alice", "correct horse battery").id, installed)
    sign_in(client, "alice", "correct horse battery")
    page = html.unescape(client.get(f"/installations/{installed}").get_data(as_text=True))
    errors = page.split('id="errors"')[1].split("</section>")[0]
    assert "330 records failing, 1 cause." in errors
    assert "330 records</a>" in errors and cause in errors and NOTE in errors
    assert "Retry all 330" in errors
    assert errors.count("<tr>") == 3  # header, one cause, total: not one row per record
    listing = html.unescape(client.get(f"/installations/{installed}/errors?cause=1").get_data(as_text=True))
    assert f"330 records: {cause}" in listing and "Page 1 of 7" in listing  # 50 records a page
    assert listing.count("/leads/contact/") == 50

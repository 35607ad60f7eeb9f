"""Two companies share one leadq: portal A and portal B of the same HubSpot app. Nothing of one can
reach the other: an event naming A can only make leadq read and write A's records with A's token
(record ids overlap between portals); A's configuration and model never score B's records; admin
pages, JSON and posts are 404 across installations (tests/integration/admin/test_access.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from storage import events as event_store
from storage import models_registry
from storage.tables import Installation, ProcessedEvent, ScoreRow
from tests.support.hubspot import event, signed_post
from workers.services.context import Runtime, build_context
from workers.services.retrain import retrain
from workers.services.sync import handle_changes


@pytest.fixture
def crm(sandbox_factory):  # type: ignore[no-untyped-def]
    return sandbox_factory(seed=62, records=1500, portals=2, rate_limit=10_000)


def _install_into(client, crm, portal_id: int) -> None:  # type: ignore[no-untyped-def]
    start = client.get("/install/hubspot")
    parts = urlsplit(start.headers["Location"])
    consent = requests.get(
        f"{crm.base_url}/oauth/{portal_id}/authorize?{parts.query}", allow_redirects=False, timeout=10
    )
    back = urlsplit(consent.headers["Location"])
    answer = client.get(f"{back.path}?{back.query}")
    assert answer.status_code == 200, answer.get_data(as_text=True)


@pytest.fixture
def two(client, crm, sessions):  # type: ignore[no-untyped-def]
    a, b = sorted(crm.sandbox.portals)
    _install_into(client, crm, a)
    _install_into(client, crm, b)
    with sessions() as session:
        ids = {int(i.tenant_id): i.id for i in session.scalars(select(Installation))}
    return (a, ids[a]), (b, ids[b])


@pytest.fixture
def runtime(leadq_settings, sessions, app, redis_client):  # type: ignore[no-untyped-def]
    settings = leadq_settings.model_copy(update={"hubspot_api_budget_per_10s": 1000})
    return Runtime(settings, sessions, app.extensions["leadq"].vault, redis_client)


def test_an_event_of_one_portal_only_ever_touches_that_portals_records(client, crm, two, runtime, sessions):
    (portal_a, inst_a), (portal_b, inst_b) = two
    shared_id = sorted(
        set(crm.sandbox.portals[portal_a].objects["contacts"])
        & set(crm.sandbox.portals[portal_b].objects["contacts"])
    )[0]
    # A delivery signed with the app's secret, for portal A, naming an id that B also has.
    answer = signed_post(client, crm.client_secret, [event(portal_a, int(shared_id))])
    assert answer.get_json()["accepted"] == 1
    with sessions() as session:
        (row,) = session.scalars(select(ProcessedEvent)).all()
    assert row.installation_id == inst_a, "the event belongs to A's installation only"
    crm.requests.clear()
    assert handle_changes(build_context(runtime, inst_a), window_s=0).scored == 1
    api = [e for e in crm.requests.entries() if e.area == "api"]
    assert api and {e.portal_id for e in api} == {portal_a}, "every call used A's token, reached A's portal"
    assert crm.sandbox.portals[portal_a].get("contacts", shared_id).props.get("leadq_tier")
    assert not crm.sandbox.portals[portal_b].get("contacts", shared_id).props.get("leadq_tier")
    # An installation's context can only hold its own token: B's context reaches only B.
    crm.requests.clear()
    ctx_b = build_context(runtime, inst_b)
    with sessions.begin() as session:
        event_store.record_new(session, inst_b, [("b1", "contact", shared_id, datetime.now(UTC))])
    handle_changes(ctx_b, window_s=0)
    assert {e.portal_id for e in crm.requests.entries() if e.area == "api"} == {portal_b}


def test_one_installations_config_and_model_never_score_anothers_records(crm, two, runtime, sessions):
    (_portal_a, inst_a), (portal_b, inst_b) = two
    with sessions.begin() as session:
        session.get(Installation, inst_a).icp_toml = '[firmographics]\ntarget_industries = ["internet"]\n'
    trained = retrain(build_context(runtime, inst_a))
    assert trained["promoted"], trained
    ctx_a, ctx_b = build_context(runtime, inst_a), build_context(runtime, inst_b)
    assert ctx_a.model is not None and ctx_a.model.version == trained["version"]
    assert ctx_b.model is None, "B never loads A's model"
    assert ctx_a.icp.target_industries == ("internet",)
    assert ctx_b.icp.target_industries != ("internet",), "B never sees A's ICP"
    some = next(iter(crm.sandbox.portals[portal_b].objects["contacts"]))
    with sessions.begin() as session:
        event_store.record_new(session, inst_b, [("b2", "contact", some, datetime.now(UTC))])
    handle_changes(ctx_b, window_s=0)
    with sessions() as session:
        rows = session.scalars(select(ScoreRow)).all()
    assert rows and {r.installation_id for r in rows} == {inst_b}
    assert all(r.model_version != trained["version"] for r in rows)
    with sessions() as session:
        assert models_registry.champion(session, inst_b) is None

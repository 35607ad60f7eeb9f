"""The whole HubSpot install against the sandbox, and each way it can fail without leaving half a install."""

from __future__ import annotations

from sqlalchemy import func, select

from connector.fields import LEADQ_FIELDS
from storage.tables import EncryptedToken, Installation
from tests.support.hubspot import approve, install


def _count(sessions, table) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_install_stores_encrypted_tokens_and_provisions_properties(client, crm, sessions):
    start = client.get("/install/hubspot")
    location = start.headers["Location"]
    assert location.startswith(f"{crm.base_url}/oauth/authorize?client_id=")
    assert "scope=oauth%20crm.objects.contacts.read" in location and "state=" in location
    page = install(client, crm)
    assert "leadq is connected to HubSpot" in page.get_data(as_text=True)
    with sessions() as session:
        row = session.scalars(select(Installation)).one()
        assert (row.crm_kind, row.tenant_id, row.status) == ("hubspot", str(crm.portal_id), "active")
        tokens = session.scalars(select(EncryptedToken)).all()
        assert {t.kind for t in tokens} == {"access", "refresh"}
    portal = crm.sandbox.portals[crm.portal_id]
    for object_type in ("contacts", "companies"):
        assert portal.groups[object_type]["leadq"]["label"]
        for spec in LEADQ_FIELDS:
            if spec.on({"contacts": "contact", "companies": "account"}[object_type]):
                assert portal.properties[object_type][spec.key]["groupName"] == "leadq"
            else:  # an account-only field (the buying committee) is not created on contacts
                assert spec.key not in portal.properties[object_type]
    assert portal.properties["companies"]["leadq_buying_committee"]["type"] == "string"
    assert portal.properties["contacts"]["leadq_tier"]["type"] == "enumeration"
    assert crm.requests.count(path_prefix="/oauth/v3/token") == 1  # v3, not the SDK's v1


def test_reinstall_updates_the_same_installation_and_changes_no_property(client, crm, sessions):
    install(client, crm)
    before = len(
        crm.requests.entries(lambda e: e.method == "POST" and e.path.startswith("/crm/v3/properties"))
    )
    page = install(client, crm)
    after = len(
        crm.requests.entries(lambda e: e.method == "POST" and e.path.startswith("/crm/v3/properties"))
    )
    on_all = sum(spec.on("contact") + spec.on("account") + spec.on("pipeline_lead") for spec in LEADQ_FIELDS)
    # groups + properties on contacts, companies and leads (the leads scopes are optional, granted here)
    assert before == after == 3 + on_all  # created once
    assert _count(sessions, Installation) == 1 and "created" not in page.get_data(as_text=True)


def test_a_clashing_property_is_reported_and_left_alone(client, crm, sessions):
    portal = crm.sandbox.portals[crm.portal_id]
    portal.properties["contacts"]["leadq_tier"] = dict(
        portal.properties["contacts"]["email"], name="leadq_tier", hubspotDefined=False
    )
    page = install(client, crm).get_data(as_text=True)
    assert "leadq_tier" in page and "type &#39;string&#39;" in page and "left untouched" in page
    assert portal.properties["contacts"]["leadq_tier"]["type"] == "string"


def test_denied_consent_shows_a_clear_page_and_stores_nothing(client, crm, sessions):
    crm.sandbox.oauth.next_decision = "deny"
    response = client.get(approve(client, crm))
    assert response.status_code == 400 and "declined" in response.get_data(as_text=True)
    assert _count(sessions, Installation) == 0


def test_a_reused_or_forged_state_is_refused(client, crm, sessions):
    callback = approve(client, crm)
    assert client.get(callback).status_code == 200
    again = client.get(callback)
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    forged = client.get(callback.replace("state=", "state=x"))
    assert forged.status_code == 400 and "start the install again" in forged.get_data(as_text=True)
    assert client.get("/oauth/hubspot/callback?code=abc").status_code == 400


def test_a_failed_code_exchange_stores_nothing(client, crm, sessions):
    callback = approve(client, crm)
    broken = callback.replace("code=", "code=broken")
    response = client.get(broken)
    assert response.status_code == 400 and "Nothing was stored" in response.get_data(as_text=True)
    assert _count(sessions, Installation) == 0 and _count(sessions, EncryptedToken) == 0


def test_the_database_never_holds_a_token_in_plaintext(client, crm, sessions, engine):
    install(client, crm)
    tokens = list(crm.sandbox.oauth.access) + list(crm.sandbox.oauth.refresh)
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        dump = " ".join(
            str(v)
            for table in inspect(engine).get_table_names()
            for row in conn.execute(text(f'SELECT * FROM "{table}"'))
            for v in row
        )
    assert tokens and not any(t in dump for t in tokens)


def test_the_legacy_v1_token_path_still_installs_via_introspection(leadq_settings, crm, sessions, enqueued):
    from leadq.app import create_app

    legacy = create_app(
        leadq_settings.model_copy(update={"hubspot_token_path": "/oauth/v1/token"}), enqueue=enqueued
    ).test_client()
    install(legacy, crm)
    assert crm.requests.count(path_prefix="/oauth/v1/token") == 1
    assert crm.requests.count(path_prefix="/oauth/v3/token/introspect") == 1
    with sessions() as session:
        assert session.scalars(select(Installation)).one().tenant_id == str(crm.portal_id)


def test_an_uninstalled_app_marks_the_installation_and_pauses_its_work(
    client, crm, sessions, leadq_settings, redis_client, enqueued
):
    import pytest

    from oauth.errors import InvalidGrant
    from storage.oauth_store import DbTokenStore
    from storage.redis_locks import RedisLocks
    from tests.support.hubspot import event, signed_post
    from workers.services.connections import token_manager
    from workers.services.install import mark_needs_reauth

    install(client, crm)
    services = client.application.extensions["leadq"]
    with sessions() as session:
        installation_id = session.scalars(select(Installation)).one().id
    crm.sandbox.oauth.revoke_portal(crm.portal_id)  # the admin uninstalled leadq in HubSpot
    crm.sandbox.oauth.expire_access_tokens()
    manager = token_manager(
        leadq_settings, installation_id, DbTokenStore(sessions, services.vault), RedisLocks(redis_client)
    )
    with pytest.raises(InvalidGrant) as caught:
        manager.after_unauthorized(manager.current())  # a call came back 401: refresh is refused
    mark_needs_reauth(sessions, installation_id, str(caught.value))
    with sessions() as session:
        row = session.get(Installation, installation_id)
        assert row.status == "needs_reauth" and "refused the grant" in row.status_reason
    paused = signed_post(client, crm.client_secret, [event(crm.portal_id, 3)]).get_json()
    assert paused["paused"] == 1 and enqueued.calls == []


def test_picklists_show_human_labels_and_the_probability_is_a_percentage(client, crm):
    install(client, crm)
    portal = crm.sandbox.portals[crm.portal_id]
    verdict = {o["value"]: o["label"] for o in portal.properties["contacts"]["leadq_verdict"]["options"]}
    assert verdict == {
        "sales_ready": "Sales-ready",
        "nurture": "Nurture",
        "disqualified": "Disqualified",
        "needs_info": "Needs info",
    }
    confidence = [o["label"] for o in portal.properties["companies"]["leadq_confidence"]["options"]]
    assert confidence == ["High", "Medium", "Low"]
    probability = portal.properties["contacts"]["leadq_probability"]
    assert (probability["type"], probability["numberDisplayHint"]) == ("number", "percentage")


def test_an_existing_installation_is_brought_up_to_date_once(client, crm):
    """Properties made by an older leadq (raw labels, a plain number) get labels and the percentage
    display on the next install; the option values stay, and a further install changes nothing."""
    install(client, crm)
    portal = crm.sandbox.portals[crm.portal_id]
    for object_type in ("contacts", "companies"):
        verdict = portal.properties[object_type]["leadq_verdict"]
        verdict["options"] = [dict(o, label=o["value"]) for o in verdict["options"]]
        portal.properties[object_type]["leadq_probability"].pop("numberDisplayHint")
    install(client, crm)
    for object_type in ("contacts", "companies"):
        verdict = portal.properties[object_type]["leadq_verdict"]
        labels = {o["value"]: o["label"] for o in verdict["options"]}
        assert labels["sales_ready"] == "Sales-ready" and labels["needs_info"] == "Needs info"
        assert portal.properties[object_type]["leadq_probability"]["numberDisplayHint"] == "percentage"
    patches = crm.requests.entries(lambda e: e.method == "PATCH" and e.path.startswith("/crm/v3/properties"))
    assert len(patches) == 4  # verdict and probability, on contacts and companies
    install(client, crm)
    again = crm.requests.entries(lambda e: e.method == "PATCH" and e.path.startswith("/crm/v3/properties"))
    assert len(again) == 4

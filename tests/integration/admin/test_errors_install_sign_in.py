"""What an admin sees around the edges of the app: failing records grouped by cause with counts and
what to do (and an installations list that is never "healthy" while records fail), install result
pages in the app's layout with a way back, only the CRMs leadq is configured for, and a CRM sign-in
that asks before replacing the admin already signed in."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import requests

from leadq.app import create_app
from storage.tables import DeadLetter
from tests.support.admin import csrf_of, sign_in
from tests.support.hubspot import install

OWNER = "hubspot_owner_id: INVALID_OWNER_ID (60071397 is not a valid owner id)"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _fail(sessions, installation_id: int, first: int, n: int, reason: str, message: str) -> None:
    with sessions.begin() as db:
        for i in range(first, first + n):
            db.add(
                DeadLetter(
                    installation_id=installation_id,
                    object_type="contact",
                    record_id=str(i),
                    reason=reason,
                    message=message,
                    payload={"fields": {"hubspot_owner_id": "60071397"}},
                )
            )


def test_failing_records_are_grouped_by_cause_with_counts_and_what_to_do(client, accounts, sessions) -> None:
    mine = accounts["alice"]
    sign_in(client, "alice")
    listing = _text(client.get("/"))
    assert ">healthy<" in listing and "<th>Failing records</th>" in listing
    _fail(sessions, mine, 5000, 330, "validation", OWNER)
    _fail(sessions, mine, 6000, 2, "rate-limited", "the CRM answered 429 too many times")

    page = _text(client.get(f"/installations/{mine}"))
    errors = page.split('id="errors"')[1]
    assert "332 records failing, 2 causes." in errors
    assert errors.count("<tr><td><a") == 2, "one row per cause, not one per record"
    assert "330 records</a>" in errors and "2 records</a>" in errors
    assert "hubspot_owner_id INVALID_OWNER_ID (60071397 is not a valid owner id)" in errors
    assert "Take the inactive owner out of the routing configuration" in errors
    assert f'href="/installations/{mine}/config">Edit the routing configuration' in errors
    assert "Press Retry: the CRM may accept these records now" in errors
    assert "and 327 more" in errors and "Retry all 332" in errors
    assert "Every cause above needs a fix first" not in errors, "one cause may go away on a retry"
    assert re.search(r'<span class="status failing">332 records failing</span>', page)

    listing = _text(client.get("/"))
    assert ">healthy<" not in listing and "332 records failing" in listing
    assert f'href="/installations/{mine}/errors">332</a>' in listing

    everything = _text(client.get(f"/installations/{mine}/errors"))
    assert "332 records failing, 2 causes." in everything and "332 failing records, one by one" in everything
    assert "Page 1 of 7" in everything
    one = _text(client.get(f"/installations/{mine}/errors?cause=1"))
    assert "330 records: hubspot_owner_id INVALID_OWNER_ID" in one
    assert "What to do: Take the inactive owner out of the routing configuration" in one


def test_only_failures_a_retry_cannot_fix_say_so_next_to_retry(client, accounts, sessions) -> None:
    mine = accounts["alice"]
    sign_in(client, "alice")
    _fail(sessions, mine, 5000, 3, "validation", OWNER)
    errors = _text(client.get(f"/installations/{mine}")).split('id="errors"')[1]
    assert "Retry all 3" in errors and "Every cause above needs a fix first" in errors


def test_install_result_pages_are_the_apps_with_a_way_back(client, crm, sessions) -> None:
    done = _text(install(client, crm))
    assert '<link rel="stylesheet" href="/static/admin.css">' in done and '<a class="brand" href="/">' in done
    assert re.search(r'<a class="button" href="/installations/\d+">Open the installation</a>', done)
    assert 'href="/">Back to installations</a>' in done

    forged = client.get("/oauth/hubspot/callback?code=x&state=a.1.hubspot.b.c")
    page = _text(forged)
    assert forged.status_code == 400 and "What to do:" in page
    assert 'href="/install/hubspot">Start the HubSpot install again</a>' in page
    assert 'href="/">Back to installations</a>' in page

    declined = _text(client.get("/oauth/hubspot/callback?error=access_denied&state=x"))
    assert "allow access on HubSpot's consent page" in declined


def test_only_configured_crms_are_offered_and_an_unconfigured_one_says_how(client, accounts) -> None:
    settings = client.application.extensions["leadq"].settings
    assert settings.hubspot_client_id and not settings.salesforce_client_id
    sign_in(client, "alice")
    listing = _text(client.get("/"))
    assert (
        "Connect HubSpot" in listing
        and "Salesforce</a>" not in listing
        and "/install/salesforce" not in listing
    )
    login = _text(client.application.test_client().get("/login"))
    assert "Sign in with HubSpot" in login and "Sign in with Salesforce" not in login

    for path in ("/install/salesforce", "/install/salesforce?env=sandbox", "/login/salesforce"):
        answer = client.get(path)
        page = _text(answer)
        assert answer.status_code == 503 and '<h1 class="bad">Salesforce is not configured</h1>' in page
        assert (
            "What to do:" in page and "LEADQ_SALESFORCE_CLIENT_ID and LEADQ_SALESFORCE_CLIENT_SECRET" in page
        )
        assert 'href="/install/salesforce"' not in page, "no link back to the same page"
        assert 'href="/">Back to installations</a>' in page

    bare = settings.model_copy(update={"hubspot_client_id": "", "salesforce_client_id": ""})
    nothing = create_app(bare).test_client()
    sign_in(nothing, "alice")
    page = _text(nothing.get("/"))
    assert "Connect HubSpot" not in page and "No CRM app is configured" in page
    assert nothing.get("/install/hubspot").status_code == 503


def _through_the_crm(client) -> str:
    start = client.get("/login/hubspot")
    consent = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(consent.headers["Location"])
    return f"{back.path}?{back.query}"


def _signed_in_as(client) -> str:
    found = re.search(
        r"<span>([^<]+)</span> <button type=\"submit\">Sign out", client.get("/").get_data(as_text=True)
    )
    return found.group(1) if found else ""


def test_signing_in_with_a_crm_while_signed_in_as_someone_else_asks_first(client, accounts) -> None:
    sign_in(client, "alice")
    asked = client.get(_through_the_crm(client))
    page = _text(asked)
    assert asked.status_code == 200 and "Switch admin?" in page
    crm_user = re.search(r"Sign in as <strong>(hubspot:[^<]+)</strong> instead\?", page).group(1)
    assert "You are signed in as <strong>alice</strong>." in page
    assert _signed_in_as(client) == "alice", "nothing switched before the answer"

    assert client.post("/login/switch", data={"action": "continue"}).status_code == 400, "CSRF"
    assert _signed_in_as(client) == "alice"
    cancelled = client.post("/login/switch", data={"action": "cancel", "csrf_token": csrf_of(page)})
    assert cancelled.status_code == 302 and "You are still signed in as alice." in _text(client.get("/"))
    assert _signed_in_as(client) == "alice"
    again = client.post("/login/switch", data={"action": "continue", "csrf_token": csrf_of(page)})
    assert again.status_code == 302 and _signed_in_as(client) == "alice", "an answered question is gone"

    page = _text(client.get(_through_the_crm(client)))
    switched = client.post("/login/switch", data={"action": "continue", "csrf_token": csrf_of(page)})
    assert switched.status_code == 302 and _signed_in_as(client) == crm_user

    # the same CRM user signing in again is not asked
    assert client.get(_through_the_crm(client)).status_code == 302 and _signed_in_as(client) == crm_user

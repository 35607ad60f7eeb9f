"""The sandbox's read-only record page and index (HubSpot's UI paths): what a rep sees of a record is
what the CRM holds, set through the real API, with its properties' labels, and every value escaped."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from sandbox.pytest_plugin import install
from tests.support.record_page import parse

HOSTILE = '<script>alert("x")</script>'


def _api(running: Any, token: str, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = requests.request(
        method,
        f"{running.base_url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code < 300, answer.text
    return dict(answer.json())


def _leadq_properties(running: Any, token: str) -> None:
    """leadq's group and a few of its properties, created as leadq creates them (the real API)."""
    _api(
        running, token, "POST", "/crm/v3/properties/contacts/groups", {"name": "leadq", "label": "leadq box"}
    )
    options = {
        "leadq_tier": [("L1", "L1 (hot)"), ("L4", "L4")],
        "leadq_verdict": [("sales_ready", "Sales-ready"), ("nurture", "Nurture")],
    }
    specs = [
        ("leadq_reasons", "leadq reasons", "string", "textarea", {}),
        ("leadq_scored_at", "leadq scored at", "datetime", "date", {}),
        ("leadq_fit_score", "leadq fit score", "number", "number", {}),
        ("leadq_probability", "leadq probability", "number", "number", {"numberDisplayHint": "percentage"}),
        ("leadq_verdict", "leadq verdict", "enumeration", "select", {}),
        ("leadq_tier", "leadq tier", "enumeration", "select", {}),
    ]
    for name, label, ptype, field_type, extra in specs:
        body = {"name": name, "label": label, "type": ptype, "fieldType": field_type, "groupName": "leadq"}
        body["options"] = [
            {"value": v, "label": lab, "displayOrder": i} for i, (v, lab) in enumerate(options.get(name, []))
        ]
        _api(running, token, "POST", "/crm/v3/properties/contacts", body | extra)


@pytest.fixture
def scored(sandbox_factory: Any) -> tuple[Any, str]:
    running = sandbox_factory(seed=3, records=20, orgs=0)
    token = install(running)["access_token"]
    _leadq_properties(running, token)
    contact = running.sandbox.portals[running.portal_id].live("contacts")[0]
    values = {
        "firstname": HOSTILE,
        "jobtitle": "VP <b>Sales</b> & Ops",
        "leadq_tier": "L1",
        "leadq_verdict": "sales_ready",
        "leadq_probability": "90.43",
        "leadq_fit_score": "96",
        "leadq_reasons": "L1, sales-ready: VP-level buyer\n+ VP-level buyer\n"
        "- no visit <img src=x onerror=alert(1)>",
        "leadq_scored_at": "2026-12-02T14:27:00.000Z",
    }
    _api(running, token, "PATCH", f"/crm/v3/objects/contacts/{contact.id}", {"properties": values})
    return running, contact.id


def test_the_record_page_shows_what_the_crm_holds_with_leadq_in_its_own_card(scored: tuple[Any, str]) -> None:
    running, contact_id = scored
    page = requests.get(
        f"{running.base_url}/contacts/{running.portal_id}/record/0-1/{contact_id}", timeout=10
    )
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    cards = parse(page.text)
    titles = [title for title, _rows in cards.cards]
    assert titles[:2] == ["About this contact", "leadq box"]  # identity first, then leadq's card
    leadq = cards.card("leadq box")
    assert list(leadq) == [
        "leadq tier",
        "leadq verdict",
        "leadq probability",
        "leadq fit score",
        "leadq reasons",
        "leadq scored at",
    ]  # the order a rep reads: tier, verdict, probability, scores, reasons, when
    assert leadq["leadq tier"] == ["L1 (hot)"]  # the option's label, as HubSpot shows it
    assert leadq["leadq verdict"] == ["Sales-ready"]
    assert leadq["leadq probability"] == ["90.43%"]
    assert leadq["leadq fit score"] == ["96"]
    assert leadq["leadq reasons"] == [
        "L1, sales-ready: VP-level buyer",
        "+ VP-level buyer",
        "- no visit <img src=x onerror=alert(1)>",
    ]  # one line each
    assert leadq["leadq scored at"] == ["2 Dec 2026 14:27 UTC"]
    about = cards.card("About this contact")
    assert about["First Name"] == [HOSTILE] and about["Job Title"] == ["VP <b>Sales</b> & Ops"]
    assert cards.scripts == 0  # the values are text, never markup
    assert HOSTILE not in page.text and "<img src=x" not in page.text and "<b>Sales" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


def test_the_index_links_every_record_and_an_unknown_one_is_not_found(scored: tuple[Any, str]) -> None:
    running, contact_id = scored
    base = f"{running.base_url}/contacts/{running.portal_id}"
    index = requests.get(f"{base}/objects/0-1/views/all/list", timeout=10)
    assert index.status_code == 200
    assert "20 records" in index.text and HOSTILE not in index.text
    assert f'href="/contacts/{running.portal_id}/record/0-1/{contact_id}"' in index.text
    assert "L1 (hot)" in index.text and "90.43%" in index.text
    companies = requests.get(f"{base}/objects/0-2/views/all/list", timeout=10)
    assert companies.status_code == 200 and "/record/0-2/" in companies.text
    for missing in (f"{base}/record/0-1/999999", f"{base}/record/0-3/{contact_id}", f"{base}1/record/0-1/1"):
        assert requests.get(missing, timeout=10).status_code == 404
    # The pages are UI, not API calls: the request log files them apart from the API.
    areas = {e.area for e in running.requests.entries() if "/record/" in e.path or "/views/" in e.path}
    assert areas == {"ui"}

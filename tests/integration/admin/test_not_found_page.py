"""An address the admin app has no page for (a mistyped URL, an installation id that does not exist or
was not granted, on any installation page) answers 404 with a page in the app's layout that says so
and links back to the installations: never the server's bare "Not Found", never a traceback."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.admin_web import make_app, people, sign_in, web_settings  # noqa: F401 - fixtures

UNKNOWN = 99999


@pytest.fixture
def app(web_settings):  # noqa: F811 - the fixture imported above
    return make_app(web_settings)


def installation_pages(app: Any) -> list[str]:
    """Every page (GET) of one installation, for the installation ``UNKNOWN``; the other parts of
    the address filled with something plausible."""
    filler = {"installation_id": UNKNOWN, "record_id": "4242", "object_type": "contact", "number": 1}
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()) and "installation_id" in rule.arguments:
            paths.append(rule.build({k: filler.get(k, "x") for k in rule.arguments}, append_unknown=False)[1])
    return sorted(paths)


def assert_styled_404(answer: Any, path: str) -> None:
    page = answer.get_data(as_text=True)
    assert answer.status_code == 404, path
    assert answer.mimetype == "text/html", path
    assert "admin.css" in page, f"{path}: in the app's layout"
    assert re.search(r"<h1>[^<]*not found", page, re.I), f"{path}: says so in its heading"
    assert '<a href="/"' in page, f"{path}: a link back"
    assert "Traceback" not in page and "The requested URL was not found on the server" not in page, path


def test_an_unknown_address_is_a_styled_page_with_a_way_back(app, people) -> None:  # noqa: F811
    client = app.test_client()
    sign_in(client, "alice")
    too_large = f"/installations/{2**63}/monitor"  # no database id that large: 404, not an overflow
    for path in ("/nope", f"/installations/{UNKNOWN}/monitor", f"/installations/{UNKNOWN}/nope", too_large):
        answer = client.get(path)
        assert_styled_404(answer, path)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.get_data(as_text=True)))
        assert "There is no page at this address" in text and "Back to the installations" in text
        assert "alice" in text, "still signed in: the header names the admin"


def test_every_installation_page_of_an_unknown_installation(app, people) -> None:  # noqa: F811
    client = app.test_client()
    sign_in(client, "alice")
    paths = installation_pages(app)
    assert f"/installations/{UNKNOWN}/monitor" in paths and f"/installations/{UNKNOWN}" in paths
    for path in paths:
        assert_styled_404(client.get(path), path)


def test_another_admins_installation_reads_like_an_unknown_one(app, people) -> None:  # noqa: F811
    client = app.test_client()
    sign_in(client, "frank")  # granted one, not two
    theirs = client.get(f"/installations/{people['two']}/monitor")
    unknown = client.get(f"/installations/{UNKNOWN}/monitor")
    assert_styled_404(theirs, "not granted")
    assert theirs.get_data(as_text=True) == unknown.get_data(as_text=True), "ids reveal nothing"


def test_signed_out_and_json_clients(app, people) -> None:  # noqa: F811
    assert_styled_404(app.test_client().get("/nope"), "signed out")
    answer = app.test_client().get("/nope", headers={"Accept": "application/json"})
    assert answer.status_code == 404 and answer.get_json()["error"] == "not-found"

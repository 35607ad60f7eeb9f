"""F18: the install and CRM sign-in result pages are well-formed HTML with the title, message and
items they were given, and never a line of Python source."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.support.hubspot import approve, install

SOURCE = re.compile(r"\bdef \w+\(|#\s*type:|\|\s*None\s*=|\bimport \w+|\bself\.")


class _Page(HTMLParser):
    """The page's title, headings, list items, links and visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.title, self.h1, self.items, self.links, self.text = "", "", [], [], []
        self.outside_body: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        if tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if not data.strip():
            return
        where = self.stack[-1] if self.stack else ""
        if where == "title":
            self.title += data
        elif "body" not in self.stack and where not in ("script", "style"):
            self.outside_body.append(data)
        if where == "h1":
            self.h1 += data
        if where == "li":
            self.items.append(data.strip())
        if "body" in self.stack:
            self.text.append(data.strip())


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _check_well_formed(html: str, title: str) -> _Page:
    page = _parse(html)
    assert not SOURCE.search(html), "Python source in the page"
    assert page.outside_body == [], f"text outside <body>: {page.outside_body}"
    assert page.title.startswith(f"{title} - leadq") and page.h1.strip() == title
    assert html.count("<title>") == 1 and html.count("<body>") == 1 and "</head>" in html
    return page


def test_f18_the_install_page_shows_title_message_and_items_and_no_source(client, crm) -> None:
    html = install(client, crm).get_data(as_text=True)
    page = _check_well_formed(html, "leadq is connected to HubSpot")
    assert f"Account {crm.portal_id} is installed." in " ".join(page.text)
    assert "created contacts.leadq_fit_score" in page.items and len(page.items) >= 10


def test_f18_install_and_sign_in_failure_pages_render_without_source(client, crm) -> None:
    forged = client.get("/oauth/hubspot/callback?code=x&state=a.1.hubspot.b.c")
    assert forged.status_code == 400
    page = _check_well_formed(forged.get_data(as_text=True), "Install link not valid")
    assert "not issued by this leadq" in " ".join(page.text) and "/install/hubspot" in page.links

    broken = client.get(approve(client, crm).replace("code=", "code=broken"))
    assert broken.status_code == 400
    page = _check_well_formed(broken.get_data(as_text=True), "Install failed")
    assert "Nothing was stored" in " ".join(page.text)

    sign_in = client.get("/oauth/hubspot/callback?code=x&state=a.1.hubspot-login.b.c")
    assert sign_in.status_code == 400
    page = _check_well_formed(sign_in.get_data(as_text=True), "Sign-in failed")
    assert "/login" in page.links

    assert not client.application.extensions["leadq"].settings.salesforce_client_id
    unconfigured = client.get("/install/salesforce")
    assert unconfigured.status_code == 503
    page = _check_well_formed(unconfigured.get_data(as_text=True), "Salesforce is not configured")
    assert "LEADQ_SALESFORCE_CLIENT_ID" in " ".join(page.text)

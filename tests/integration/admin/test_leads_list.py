"""The Leads list as an admin reads it, after a real backfill of 400 sandbox contacts (the scoring path
fills who each record is): the total, page 2, a search by company name, a tier filter, a refused
filter, owners by name; and the lead page's defects (an unknown record is a styled 404, a HubSpot
company is called a company, written values read as lines, disqualifiers marked as such)."""

from __future__ import annotations

import html
import re
from collections import Counter

from sqlalchemy import select

from core.records import ObjectType
from storage.tables import LedgerEntry, ScoreRow
from tests.support.admin import sign_in
from workers.services.backfill import run_backfill


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split()


def _rows(page: str) -> list[list[str]]:
    """The list's rows, each as its cells' text."""
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        rows.append([" ".join(_text(td)) for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, flags=re.S)])
    return rows


def _links(page: str) -> list[str]:
    body = page.split("<tbody>")[1]
    return re.findall(r'href="[^"]*/leads/(contact/\d+)"', body)


def _count_line(page: str) -> str:
    return " ".join(_text(page.split('id="leads-count">')[1].split("</p>")[0]))


def _company_of(portal, contact) -> str:
    company = (contact.props.get("company") or "").strip()
    if not company and contact.props.get("associatedcompanyid"):
        account = portal.get("companies", contact.props["associatedcompanyid"])
        company = (account.props.get("name") or "").strip() if account else ""
    return company


def test_an_admin_pages_searches_filters_and_sorts_the_leads(client, accounts, ctx, sessions, crm) -> None:
    progress, _report = run_backfill(ctx, ObjectType.CONTACT)
    assert progress.status == "done"
    mine = accounts["alice"]
    portal = crm.sandbox.portals[crm.portal_id]
    contacts = portal.live("contacts")
    assert len(contacts) == 400
    sign_in(client, "alice")
    url = f"/installations/{mine}/leads"

    first = client.get(url).get_data(as_text=True)
    assert _count_line(first) == "1-50 of 400 leads"
    assert len(_rows(first)) == 50 and "Page 1 of 8" in first
    second = client.get(f"{url}?page=2").get_data(as_text=True)
    assert _count_line(second) == "51-100 of 400 leads"
    assert len(_links(second)) == 50 and not set(_links(first)) & set(_links(second))
    every = [
        link for n in range(1, 9) for link in _links(client.get(f"{url}?page={n}").get_data(as_text=True))
    ]
    assert sorted(every) == sorted(f"contact/{c.id}" for c in contacts), "8 pages hold each lead once"

    # Names, e-mails and companies as the CRM holds them, where the review saw only "contact 3636".
    by_id = {c.id: c for c in contacts}
    row, link = _rows(first)[0], _links(first)[0]
    person = by_id[link.split("/")[1]]
    full = " ".join(p for p in (person.props.get("firstname"), person.props.get("lastname")) if p)
    assert row[0].startswith(full or "contact"), (row, full)
    assert row[1].startswith(_company_of(portal, person) or "-")

    # Search by a company's name: exactly the people of that company, however it is typed.
    companies = Counter(_company_of(portal, c) for c in contacts)
    company = next(name for name, n in companies.most_common() if " " in name and n >= 2)
    expected = {f"contact/{c.id}" for c in contacts if company.lower() in _company_of(portal, c).lower()}
    found = client.get(url, query_string={"q": company.upper()}).get_data(as_text=True)
    assert set(_links(found)) == expected, company
    assert _count_line(found).startswith(f"1-{len(expected)} of {len(expected)} lead")
    assert all(company.lower() in r[1].lower() for r in _rows(found))

    # A tier filter shows that tier only, with its own total; paging keeps the filter.
    with sessions() as db:
        tiers = Counter(db.scalars(select(ScoreRow.tier)))
    tier = max(tiers, key=tiers.get)
    filtered = client.get(f"{url}?tier={tier}").get_data(as_text=True)
    assert {r[3] for r in _rows(filtered)} == {tier}
    assert _count_line(filtered) == f"1-{min(50, tiers[tier])} of {tiers[tier]:,} leads"
    if tiers[tier] > 50:
        assert f"tier={tier}" in filtered.split('rel="next" href="')[1].split('"')[0]

    # A filter that names nothing is said, never silently ignored.
    bad = html.unescape(client.get(f"{url}?tier=L5").get_data(as_text=True))
    assert bad.count("Unknown tier 'L5'") == 1 and "the tiers are L1, L2, L3, L4" in bad
    assert _links(bad) == [] and "No leads shown: fix the filter above." in bad
    assert "Unknown verdict 'great'" in html.unescape(
        client.get(f"{url}?verdict=great").get_data(as_text=True)
    )
    assert "Cannot sort by 'id'" in html.unescape(client.get(f"{url}?sort=id").get_data(as_text=True))

    # Owners by name (the CRM's owner list), never a bare id; and sorting by score, lowest first.
    owners = {f"{o['firstName']} {o['lastName']}" for o in portal.owners}
    by_owner = client.get(f"{url}?sort=owner").get_data(as_text=True)
    shown = {r[2] for r in _rows(by_owner)}
    assert shown and shown <= owners | {"none"}, shown - owners
    lowest = client.get(f"{url}?sort=score&order=asc").get_data(as_text=True)
    assert 'aria-sort="ascending"' in lowest and "Score ▲" in lowest
    # A disqualified lead shows no score ("-"): it sorts last either way, never among the best.
    for order in ("desc", "asc"):
        scores = [
            r[5]
            for p in range(1, 9)
            for r in _rows(client.get(f"{url}?sort=score&order={order}&page={p}").get_data(as_text=True))
        ]
        assert len(scores) == 400 and "-" in scores, order
        first_blank = scores.index("-")
        assert set(scores[first_blank:]) == {"-"}, (order, scores[first_blank - 2 : first_blank + 5])


def test_the_lead_page_reads_as_people_write(client, accounts, ctx, sessions, crm) -> None:
    run_backfill(ctx, ObjectType.CONTACT)
    run_backfill(ctx, ObjectType.ACCOUNT)
    mine = accounts["alice"]
    sign_in(client, "alice")
    missing = client.get(f"/installations/{mine}/leads/contact/999999")
    assert missing.status_code == 404
    text = html.unescape(missing.get_data(as_text=True))
    assert "No such lead" in text and "leadq knows no contact 999999" in text and "admin.css" in text
    assert client.get(f"/installations/{mine}/leads/widget/1").status_code == 404

    with sessions() as db:
        reasons = db.scalars(select(LedgerEntry).where(LedgerEntry.field_key == "leadq_reasons")).first()
        disqualified = db.scalars(select(ScoreRow).where(ScoreRow.verdict == "disqualified")).first()
        account = db.scalars(select(ScoreRow).where(ScoreRow.object_type == "account")).first()
    page = html.unescape(
        client.get(f"/installations/{mine}/leads/contact/{reasons.record_id}").get_data(as_text=True)
    )
    assert "\n" in reasons.value, "the reasons field holds several lines"
    assert "\\n" not in page and "wrote None" not in page
    for line in reasons.value.splitlines():
        assert f"<div>{line}</div>" in page, line
    assert re.search(r"Record last changed</th>.*?\d{2} \w{3} \d{4}, \d{2}:\d{2} UTC", page, flags=re.S)
    assert not re.search(r"<td>\d{4}-\d\d-\d\dT\d\d:\d\d", page), "no raw ISO stamp"

    assert disqualified is not None and account is not None, "the seed has both"
    with sessions() as db:
        companies = len(set(db.scalars(select(ScoreRow.record_id).where(ScoreRow.object_type == "account"))))
    listing = f"/installations/{mine}/leads"
    people = client.get(listing).get_data(as_text=True)
    assert _count_line(people) == "1-50 of 400 leads", "the list shows people unless asked otherwise"
    only = client.get(f"{listing}?kind=account").get_data(as_text=True)
    assert (
        _count_line(only) == f"1-{min(50, companies)} of {companies:,} companies"
        and "/leads/contact/" not in only
    )
    assert '<option value="account" selected>companies</option>' in only, "HubSpot's word"
    everything = client.get(f"{listing}?kind=all").get_data(as_text=True)
    assert _count_line(everything) == f"1-50 of {400 + companies:,} leads"
    assert "Unknown kind of record 'deal'" in html.unescape(
        client.get(f"{listing}?kind=deal").get_data(as_text=True)
    )
    dq = client.get(f"/installations/{mine}/leads/contact/{disqualified.record_id}").get_data(as_text=True)
    assert 'class="dq-badge">disqualifier</span>' in dq
    assert "+0.00" not in dq.split("<h3>Why</h3>")[1].split("</table>")[0]
    company = client.get(f"/installations/{mine}/leads/account/{account.record_id}").get_data(as_text=True)
    assert f"(company {account.record_id})" in company, "HubSpot's word: a company"
    assert "account" not in company.split("<h1>")[1].split("</h1>")[0]
    why = html.unescape(company.split("<h3>Why</h3>")[1].split("</table>")[0])
    rows = re.findall(r'<tr[^>]*><td title="([^"]*)">([^<]*)</td><td[^>]*>([^<]*)</td><td>([^<]*)</td>', why)
    said = [(factor, pull, text) for key, factor, pull, text in rows if key == "account"]
    assert said, why
    for factor, pull, text in said:  # each says which way it pulls, in words; the text has no +/- mark
        assert factor == "Company" and pull in ("helps", "hurts", "rules it out"), (factor, pull)
        assert text[:2] not in ("+ ", "- ", "! "), text
    committee = [(factor, pull) for key, factor, pull, _t in rows if key == "account.committee"]
    assert committee and committee[0][0] == "Buying committee" and committee[0][1].endswith("% engaged")
    assert "leadq routes people, not the company itself" in html.unescape(company)


def test_the_lead_page_shows_what_would_change_the_verdict_on_its_own_line(
    client, accounts, ctx, sessions, crm
) -> None:
    run_backfill(ctx, ObjectType.CONTACT)
    mine = accounts["alice"]
    sign_in(client, "alice")
    with sessions() as db:
        scored = db.scalars(select(ScoreRow).where(ScoreRow.object_type == "contact")).all()
    with_line = [s for s in scored if any(r[0] == "what_if" for r in s.reasons or [])]
    assert with_line, "some lead of the seed has a what-if line"
    score = with_line[0]
    line = next(r[2] for r in score.reasons if r[0] == "what_if")
    page = html.unescape(
        client.get(f"/installations/{mine}/leads/contact/{score.record_id}").get_data(as_text=True)
    )
    shown = " ".join(_text(page.split('id="what-if">')[1].split("</p>")[0]))
    assert shown.startswith("What would change it: " + " ".join(line.split())), shown
    why = page.split("<h3>Why</h3>")[1].split("</table>")[0]
    assert line not in why, "the what-if is not listed as a contribution"
    written = crm.sandbox.portals[crm.portal_id].get("contacts", score.record_id).props["leadq_reasons"]
    assert written.splitlines()[-1] == line, "the CRM field ends with the same line"

"""HubSpot's Leads records in the admin app, beside the contacts they are scored from: the Sync page's
counts per tier give them their own line, the Leads list has a kind for them (and does not show a
person twice by default), and a Leads record's page shows its score and reasons, its owner, its contact
in leadq and its page in HubSpot; the contact's page links back. The rows are written as the sync
writes them (a score and a directory row per record, through ``storage``); nothing on a page reads
"None", "pipeline_lead" or a Python repr."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
import requests

from core.settings import Settings
from storage import lead_directory, scores
from storage.lead_directory import LeadFacts
from storage.scores import NewScore
from tests.support.admin import sign_in

LEADS_SCOPES = Settings.model_fields["hubspot_optional_scopes"].default  # leadq's default: the Leads scopes
WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
OPEN_STAGES = {"new-stage-id", "attempting-stage-id", "connected-stage-id"}  # HubSpot's default pipeline
SALES_READY_REASONS = [
    ["firmographic.industry", 0.42, "Industry is Software, a target industry"],
    ["engagement.form", 0.31, "Submitted a demo request form 3 days ago"],
    ["requalified", 0.0, "re-engaged after 94 days"],  # scoring.requalify's trigger
]
NURTURE_REASONS = [["firmographic.size", -0.12, "11-50 employees, below the target size"]]


@pytest.fixture
def leadq_settings(leadq_settings):
    """leadq asks for the optional Leads scopes, as it does by default (the directory's conftest
    does not: its tests count contacts and companies alone)."""
    return leadq_settings.model_copy(update={"hubspot_optional_scopes": LEADS_SCOPES})


def _score(object_type: str, record_id: str, tier: str, verdict: str, reasons: list) -> NewScore:
    return NewScore(
        object_type=object_type,
        record_id=record_id,
        record_version="2026-11-30T08:00:00Z",
        fit=81.4 if tier in ("L1", "L2") else 35.0,
        engagement=64.0,
        probability=0.62 if verdict == "sales_ready" else 0.18,
        tier=tier,
        verdict=verdict,
        confidence="high",
        reasons=reasons,
        model_version="rules-v1",
        scored_at=WHEN,
    )


# (record id, name, e-mail, tier, verdict): contacts, and the Leads records of some of them.
CONTACTS = [
    ("501", "Ada Lovelace", "ada@analytical.example", "L1", "sales_ready"),
    ("502", "Grace Hopper", "grace@cobol.example", "L1", "sales_ready"),
    ("503", "Alan Turing", "alan@bletchley.example", "L2", "nurture"),
    ("504", "Edsger Dijkstra", "edsger@paths.example", "L2", "nurture"),
    ("505", "Barbara Liskov", "barbara@clu.example", "L4", "nurture"),
]
PIPELINE_LEADS = [
    ("9001", "Ada Lovelace - inbound demo", "ada@analytical.example", "L1", "sales_ready"),
    ("9002", "Grace Hopper - webinar", "grace@cobol.example", "L1", "sales_ready"),
    ("9003", "Alan Turing - outbound", "alan@bletchley.example", "L2", "nurture"),
    ("9004", "Unscored contact's lead", "nobody@unscored.example", "L2", "nurture"),
]
# Each Leads record's contact, label and stage, as the sync stores them.
LEAD_OF = {
    "9001": ("501", "HOT", "attempting-stage-id"),
    "9002": ("502", "HOT", "new-stage-id"),
    "9003": ("503", "WARM", "1234567"),  # a stage of the portal's own pipeline
    "9004": ("599", "", ""),
}


def _write_rows(sessions, installation_id: int) -> None:
    """What a sync stores for these contacts, their Leads records (the contact's score, the lead's own
    name, the contact's e-mail and company, the lead's owner) and one company."""
    with sessions.begin() as db:
        facts = []
        for kind, rows in (("contact", CONTACTS), ("pipeline_lead", PIPELINE_LEADS)):
            for record_id, name, email, tier, verdict in rows:
                reasons = SALES_READY_REASONS if verdict == "sales_ready" else NURTURE_REASONS
                scores.add(db, installation_id, _score(kind, record_id, tier, verdict, reasons))
                person_id, label, stage = LEAD_OF.get(record_id, ("", "", ""))
                facts.append(
                    LeadFacts(
                        kind,
                        record_id,
                        name=name,
                        email=email,
                        company="Analytical Engines" if record_id in ("501", "9001") else "",
                        owner_id="7001",
                        owner_name="Rita Rep",
                        person_id=person_id,
                        label=label,
                        stage=stage,
                    )
                )
        scores.add(db, installation_id, _score("account", "301", "L2", "nurture", NURTURE_REASONS))
        facts.append(LeadFacts("account", "301", name="Analytical Engines", domain="analytical.example"))
        lead_directory.record(db, installation_id, facts)


def _text(page: str) -> str:
    """The page as a person reads it: no tags, entities decoded, whitespace collapsed."""
    body = page.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
    return re.sub(r" ([.,;])", r"\1", words)  # a tag before punctuation is no space on screen


def _clean(text: str) -> None:
    for leak in ("None", "pipeline_lead", "pipeline lead", "ObjectType", "[[", "{'"):
        assert leak not in text, (leak, text)


def _between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def test_the_sync_page_counts_leads_records_per_tier_apart(client, accounts, sessions) -> None:
    mine = accounts["alice"]
    sign_in(client, "alice")
    before = _text(client.get(f"/installations/{mine}").get_data(as_text=True))
    assert "Leads records" not in before, "no Leads records scored: no line for them"
    _write_rows(sessions, mine)

    text = _text(client.get(f"/installations/{mine}").get_data(as_text=True))
    assert "Records scored 10 (5 contacts, 4 Leads records, 1 company)" in text
    assert "Contacts by tier L1: 2, L2: 2, L4: 1" in text
    assert "Leads records by tier L1: 2, L2: 2" in text
    assert "Companies by tier L2: 1" in text
    assert text.index("Contacts by tier") < text.index("Leads records by tier") < text.index("Companies by")
    _clean(text)


def test_the_leads_list_has_a_kind_for_leads_records(client, accounts, sessions) -> None:
    mine = accounts["alice"]
    _write_rows(sessions, mine)
    sign_in(client, "alice")
    url = f"/installations/{mine}/leads"

    people = client.get(url).get_data(as_text=True)
    assert "1-5 of 5 leads" in _text(people), "by default the people: a person is not listed twice"
    assert "/leads/pipeline_lead/" not in people
    choices = re.findall(r"<option value=\"([^\"]*)\"[^>]*>([^<]+)</option>", people.split('name="kind"')[1])
    assert choices[:4] == [
        ("", "contacts"),
        ("pipeline_lead", "Leads records (HubSpot&#39;s Leads object)"),
        ("account", "companies"),
        ("all", "everything scored"),
    ]

    only = client.get(f"{url}?kind=pipeline_lead").get_data(as_text=True)
    text = _text(only)
    assert "1-4 of 4 Leads records" in text
    assert re.findall(r"/leads/pipeline_lead/(\d+)\"", only) and "/leads/contact/" not in only
    assert set(re.findall(r"/leads/pipeline_lead/(\d+)\"", only)) == {"9001", "9002", "9003", "9004"}
    assert "Ada Lovelace - inbound demo Leads record 9001 · label Hot · ada@analytical.example" in text
    assert "Rita Rep" in text and "Sales-ready" in text
    assert '<option value="pipeline_lead" selected>' in only
    one_tier = _text(client.get(f"{url}?kind=pipeline_lead&tier=L2").get_data(as_text=True))
    assert "1-2 of 2 Leads records" in one_tier and "9003" in one_tier and "9001" not in one_tier
    every = _text(client.get(f"{url}?kind=all").get_data(as_text=True))
    assert "1-10 of 10 leads" in every
    _clean(text.replace("/pipeline_lead/", "/"))
    bad = _text(client.get(f"{url}?kind=deals").get_data(as_text=True))
    kinds = "contacts, Leads records (HubSpot's Leads object), companies, everything scored"
    assert f"Unknown kind of record 'deals': {kinds}." in bad


def test_a_leads_record_page_shows_its_score_contact_and_hubspot_page(
    client, accounts, sessions, crm
) -> None:
    mine = accounts["alice"]
    _write_rows(sessions, mine)
    sign_in(client, "alice")
    portal = crm.portal_id

    page = client.get(f"/installations/{mine}/leads/pipeline_lead/9001").get_data(as_text=True)
    text = _text(page)
    assert "Ada Lovelace - inbound demo (Leads record 9001)" in text
    assert "Analytical Engines · ada@analytical.example · owner Rita Rep" in text
    assert (
        "A record of HubSpot's Leads object (label Hot, stage Attempting), scored from its contact: "
        "the same tier, verdict and reasons." in text
    )
    assert "Its contact: Ada Lovelace (contact 501)." in text
    back = f'href="/installations/{mine}/leads?kind=pipeline_lead">← all Leads records</a>'
    assert back in html.unescape(page)
    assert f'href="/installations/{mine}/leads/contact/501"' in page
    assert "Latest score: L1, Sales-ready" in text
    assert "Fit 81, engagement 64, probability 62%" in text
    for _factor, _contribution, reason in SALES_READY_REASONS:
        assert reason in text
    why = _between(text, "Why Factor Contribution Reason", "Score history").strip()
    # each factor named in words (the stored key is the cell's title), the trigger first
    assert why.startswith(
        "Re-qualified re-qualified re-engaged after 94 days The company's industry +0.42"
    ), why
    assert "firmographic." not in why and "engagement." not in why
    assert "+0.00" not in why, "the trigger adds nothing to the score: no contribution shown"
    hubspot = f"{crm.base_url}/contacts/{portal}/record/0-136/9001"
    assert f'href="{hubspot}"' in page and "Open this Leads record in HubSpot" in text
    _clean(text)

    contact = client.get(f"/installations/{mine}/leads/contact/501").get_data(as_text=True)
    contact_text = _text(contact)
    back = "Leads record of this contact, scored from it: Ada Lovelace - inbound demo (Leads record 9001)."
    assert back in contact_text
    assert f'href="/installations/{mine}/leads/pipeline_lead/9001"' in contact
    contact_page = f"{crm.base_url}/contacts/{portal}/record/0-1/501"
    assert f'href="{contact_page}"' in contact and "Open this contact in HubSpot" in contact_text
    _clean(contact_text)

    # A lead whose contact leadq has not scored says so; an unknown Leads record is a 404 in words.
    own_stage = _text(client.get(f"/installations/{mine}/leads/pipeline_lead/9003").get_data(as_text=True))
    assert "(label Warm, stage id 1234567)" in own_stage, "a stage of the portal's own: its id"
    orphan_page = client.get(f"/installations/{mine}/leads/pipeline_lead/9004").get_data(as_text=True)
    orphan = _text(orphan_page)
    assert "A record of HubSpot's Leads object, scored from its contact" in orphan, "no label, no stage"
    assert "Its contact, contact 599 in HubSpot, has not been scored by leadq yet." in orphan
    assert f'href="{crm.base_url}/contacts/{portal}/record/0-1/599"' in orphan_page
    missing = client.get(f"/installations/{mine}/leads/pipeline_lead/8888")
    assert missing.status_code == 404
    assert "leadq knows no Leads record 8888 in HubSpot" in _text(missing.get_data(as_text=True))


def test_the_hubspot_link_of_a_real_contact_opens_its_record_page(client, accounts, sessions, crm) -> None:
    """The link leads to the record's page where HubSpot serves it (the sandbox serves contacts)."""
    mine = accounts["alice"]
    contact = crm.sandbox.portals[crm.portal_id].live("contacts")[0]
    with sessions.begin() as db:
        scores.add(db, mine, _score("contact", contact.id, "L1", "sales_ready", SALES_READY_REASONS))
        lead_directory.record(db, mine, [LeadFacts("contact", contact.id, name="Somebody")])
    sign_in(client, "alice")
    page = client.get(f"/installations/{mine}/leads/contact/{contact.id}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" id="crm-link"', page)
    assert link, "the page links to the record in HubSpot"
    shown = requests.get(html.unescape(link.group(1)), timeout=10)
    assert shown.status_code == 200 and (contact.props.get("email") or contact.id) in shown.text


def test_after_a_real_backfill_of_leads_the_pages_show_them(client, accounts, ctx, crm) -> None:
    """The rows the sync itself writes (a backfill of the sandbox's Leads records), as the pages show
    them: each open lead listed once, its contact linked, its label and stage in words."""
    from core.records import ObjectType
    from workers.services.backfill import run_backfill

    progress, _report = run_backfill(ctx, ObjectType.PIPELINE_LEAD)
    assert progress.status == "done"
    truth = crm.sandbox.truth[crm.portal_id].leads
    open_leads = {i: t for i, t in truth.items() if t["stage"] in OPEN_STAGES}
    mine = accounts["alice"]
    sign_in(client, "alice")

    sync = _text(client.get(f"/installations/{mine}").get_data(as_text=True))
    tiers = _between(sync, "Leads records by tier", "Does the CRM hold")  # the last line of the counts
    assert sum(int(n) for n in re.findall(r"L\d: (\d+)", tiers)) == len(open_leads), tiers

    url = f"/installations/{mine}/leads?kind=pipeline_lead"
    listed = set()
    for page in range(1, len(open_leads) // 50 + 2):
        shown = client.get(f"{url}&page={page}").get_data(as_text=True)
        listed |= set(re.findall(r"/leads/pipeline_lead/(\d+)\"", shown))
    assert listed == set(open_leads)

    lead_id, fact = next((i, t) for i, t in sorted(open_leads.items()) if t["label"])
    page = client.get(f"/installations/{mine}/leads/pipeline_lead/{lead_id}").get_data(as_text=True)
    text = _text(page)
    label = {"HOT": "Hot", "WARM": "Warm", "COLD": "Cold"}[fact["label"]]
    stage = {"new-stage-id": "New", "attempting-stage-id": "Attempting", "connected-stage-id": "Connected"}
    assert f"(label {label}, stage {stage[fact['stage']]})" in text, text
    assert f'href="/installations/{mine}/leads/contact/{fact["contact"]}"' in page
    assert "Latest score: L" in text and f"(Leads record {lead_id})" in text
    _clean(text)

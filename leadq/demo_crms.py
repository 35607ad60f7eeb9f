"""What ``leadq demo`` does differently per CRM; everything else in the demo is shared.

Each side names the sandbox CRM it seeds (``key`` also picks the settings that point leadq at it), how
an admin of that CRM sets up change capture after the install, and the words the summary uses for
its records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from connector.http import session as pinned_session


class CaptureFailed(RuntimeError):
    """Change capture could not be set up in the sandbox; the message says what the CRM answered."""


@dataclass(frozen=True)
class RepView:
    """Where a rep looks at a record in the sandbox CRM's UI: one scored record and the index of all."""

    record: str
    index: str
    what: str  # e.g. "an L1 contact"


class DemoCrm:
    """One CRM side of the demo (subclasses fill in the differences)."""

    key: str  # the ``--crm`` value and the ``/install/<key>`` path
    place: str  # where leadq is installed, e.g. "HubSpot account"
    people: tuple[tuple[str, str], ...]  # (object type, plural word), in backfill order
    accounts: str  # the plural word for companies / accounts
    accounts_from: str  # whose scores make an account's score
    api_areas: tuple[str, ...]  # request-log areas that count as CRM API calls
    https: bool = False

    def sandbox_options(self) -> dict[str, Any]:
        return {}

    def seeding(self, records: int) -> str:
        raise NotImplementedError

    def capture_changes(self, crm: Any, public_url: str, install_page: str = "") -> None:
        """Point the CRM's change notifications at leadq; raises ``CaptureFailed``."""
        raise NotImplementedError

    def http(self, crm: Any) -> requests.Session:
        """A session that trusts the sandbox (its own CA when it serves HTTPS)."""
        ca: Path | None = crm.ca_bundle
        return pinned_session(str(ca) if ca else None)

    def rep_view(self, crm: Any) -> RepView | None:
        """A top-tier record's page in the sandbox's UI, as a rep would open it; None: no such page."""
        return None

    def people_words(self) -> str:
        """'contacts', 'leads and contacts'."""
        return " and ".join(word for _obj, word in self.people)


class HubSpotDemo(DemoCrm):
    key = "hubspot"
    place = "HubSpot account"
    people = (("contact", "contacts"),)
    accounts = "companies"
    accounts_from = "people"
    api_areas = ("api", "search")

    def sandbox_options(self) -> dict[str, Any]:
        return {"orgs": 0}  # no Salesforce org: seeding one would take longer than the whole portal

    def seeding(self, records: int) -> str:
        return f"{records:,} contacts"

    def capture_changes(self, crm: Any, public_url: str, install_page: str = "") -> None:
        """As a HubSpot developer would: the app's webhook target and its subscriptions."""
        from leadq.live_stack import subscribe_webhooks

        properties = ("jobtitle", "company", "numemployees", "hubspot_owner_id", "leadq_tier")
        try:
            subscribe_webhooks(crm, f"{public_url}/webhooks/hubspot", properties)
        except requests.RequestException as exc:
            raise CaptureFailed(f"the webhook settings were refused: {exc}") from None

    def rep_view(self, crm: Any) -> RepView | None:
        """The L1 contact leadq gives the highest probability (else the first scored one)."""
        from sandbox.hubspot.record_pages import index_path, record_path

        portal = crm.sandbox.portals[crm.portal_id]
        scored = [r for r in portal.live("contacts") if r.props.get("leadq_tier")]
        if not scored:
            return None

        def rank(record: Any) -> tuple[bool, float]:
            try:
                probability = float(record.props.get("leadq_probability") or 0)
            except ValueError:
                probability = 0.0
            return record.props.get("leadq_tier") == "L1", probability

        best = max(scored, key=rank)
        tier = best.props["leadq_tier"]
        return RepView(
            record=crm.base_url + record_path(portal.portal_id, "contacts", best.id),
            index=crm.base_url + index_path(portal.portal_id, "contacts"),
            what=f"an {tier} contact" if tier[:1] in "LAEIOU" else f"a {tier} contact",
        )


class SalesforceDemo(DemoCrm):
    key = "salesforce"
    place = "Salesforce org"
    people = (("lead", "leads"), ("contact", "contacts"))
    accounts = "accounts"
    accounts_from = "contacts"
    api_areas = ("sf-api",)
    https = True  # Salesforce APIs are HTTPS only; the sandbox serves them with its own CA

    # What an admin's Outbound Message sends (Setup -> Workflow Actions): leadq needs these three.
    OUTBOUND_FIELDS = ("Id", "LastModifiedById", "SystemModstamp")

    def sandbox_options(self) -> dict[str, Any]:
        return {"portals": 0}

    def seeding(self, records: int) -> str:
        return f"{records:,} people (leads, contacts, accounts, opportunities) in a Salesforce org"

    def capture_changes(self, crm: Any, public_url: str, install_page: str = "") -> None:
        """As a Salesforce admin would: an Outbound Message on Lead, Contact and Account pointing at
        the endpoint URL the install page showed (with the installation's secret), configured through
        the sandbox's setup endpoint, its stand-in for Setup."""
        shown = re.search(r"(https?://\S+?/webhooks/salesforce/[A-Za-z0-9_-]+)", install_page)
        if shown is None:
            raise CaptureFailed("the install page showed no outbound-message endpoint URL")
        fields = {sobject: list(self.OUTBOUND_FIELDS) for sobject in ("Lead", "Contact", "Account")}
        try:
            answer = self.http(crm).post(
                f"{crm.base_url}/_sandbox/salesforce/orgs/{crm.org_id}/outbound",
                json={"url": shown.group(1), "fields": fields},
                timeout=10,
            )
        except requests.RequestException as exc:
            raise CaptureFailed(f"the sandbox could not be reached: {exc}") from None
        if answer.status_code != 200:
            raise CaptureFailed(
                f"the outbound message was refused ({answer.status_code}): {answer.text[:300]}"
            )


CRMS: dict[str, DemoCrm] = {side.key: side for side in (HubSpotDemo(), SalesforceDemo())}

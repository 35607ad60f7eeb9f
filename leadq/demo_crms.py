"""What ``leadq demo`` does differently per CRM; everything else in the demo is shared.

Each side names the sandbox CRM it seeds, the settings that point leadq at it, how an admin of that
CRM sets up change capture after the install, and the words the summary uses for its records.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import requests

from connector.http import session as pinned_session


class CaptureFailed(RuntimeError):
    """Change capture could not be set up in the sandbox; the message says what the CRM answered."""


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

    def settings(self, crm: Any) -> dict[str, Any]:
        raise NotImplementedError

    def capture_changes(self, crm: Any, public_url: str, install_page: str = "") -> None:
        """Point the CRM's change notifications at leadq; raises ``CaptureFailed``."""
        raise NotImplementedError

    def http(self, crm: Any) -> requests.Session:
        """A session that trusts the sandbox (its own CA when it serves HTTPS)."""
        ca: Path | None = crm.ca_bundle
        return pinned_session(str(ca) if ca else None)

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

    def seeding(self, records: int) -> str:
        return f"{records:,} contacts"

    def settings(self, crm: Any) -> dict[str, Any]:
        return {
            "hubspot_client_id": crm.client_id,
            "hubspot_client_secret": crm.client_secret,
            "hubspot_app_id": str(crm.app_id),
            "hubspot_developer_api_key": crm.developer_api_key,
            "hubspot_api_base": crm.base_url,
            "hubspot_auth_base": crm.base_url,
        }

    def capture_changes(self, crm: Any, public_url: str, install_page: str = "") -> None:
        """As a HubSpot developer would: the app's webhook target and its subscriptions."""
        import hubspot
        import urllib3
        from hubspot.webhooks import (
            ApiException,
            SettingsChangeRequest,
            SubscriptionCreateRequest,
            ThrottlingSettings,
        )

        developer = hubspot.Client.create(api_key=crm.developer_api_key, host=crm.base_url)
        try:
            developer.webhooks.settings_api.configure(
                crm.app_id,
                SettingsChangeRequest(
                    target_url=f"{public_url}/webhooks/hubspot",
                    throttling=ThrottlingSettings(max_concurrent_requests=10),
                ),
            )
            for prop in ("jobtitle", "company", "numemployees", "hubspot_owner_id", "leadq_tier"):
                developer.webhooks.subscriptions_api.create(
                    crm.app_id,
                    SubscriptionCreateRequest(
                        event_type="contact.propertyChange", property_name=prop, active=True
                    ),
                )
        except (ApiException, urllib3.exceptions.HTTPError) as exc:
            raise CaptureFailed(f"the webhook settings were refused: {exc}") from None


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

    def settings(self, crm: Any) -> dict[str, Any]:
        return {
            "salesforce_client_id": crm.sf_client_id,
            "salesforce_client_secret": crm.sf_client_secret,
            "salesforce_login_base": crm.base_url,
            "salesforce_sandbox_login_base": crm.base_url,
            "ca_bundle": crm.ca_bundle,
        }

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

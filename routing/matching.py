"""Lead-to-account matching: e-mail domain, website, normalised company name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from routing.types import AccountMatch, RoutingLead

_SUFFIXES = re.compile(
    r"\b(inc|incorporated|llc|l l c|ltd|limited|gmbh|ag|sa|s a|sas|sarl|bv|b v|nv|plc|corp|corporation|"
    r"co|company|pty|oy|ab|as|spa|srl|kk|the|group|holdings?)\b"
)
_FREE = frozenset(
    {
        "gmail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "icloud.com",
        "aol.com",
        "gmx.de",
        "web.de",
        "proton.me",
        "protonmail.com",
        "live.com",
        "msn.com",
        "qq.com",
        "163.com",
    }
)


@lru_cache(maxsize=65536)
def normalise_company(name: str | None) -> str:
    """'ACME, Inc.' -> 'acme'; 'Müller GmbH & Co. KG' -> 'muller kg'."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", " ", text.replace("&", " "))
    text = _SUFFIXES.sub(" ", text)
    return " ".join(text.split())


def _domain(value: str | None) -> str | None:
    if not value:
        return None
    text = re.sub(r"^[a-z]+://", "", value.strip().lower()).split("/")[0].split(":")[0]
    return text.removeprefix("www.") or None


def match_account(lead: RoutingLead, accounts: Sequence[AccountMatch]) -> tuple[AccountMatch | None, str]:
    """The account this lead belongs to and how it was matched (strongest evidence first)."""
    email_domain = _domain(lead.email_domain)
    if email_domain in _FREE:
        email_domain = None
    website = _domain(lead.website)
    company = normalise_company(lead.company_name)
    for account in accounts:
        if email_domain and email_domain in (_domain(account.domain), _domain(account.website)):
            return account, f"e-mail domain {email_domain}"
    for account in accounts:
        if website and website in (_domain(account.domain), _domain(account.website)):
            return account, f"website {website}"
    if company:
        for account in accounts:
            if normalise_company(account.name) == company:
                return account, f"company name {lead.company_name!r}"
    return None, ""

"""Parsers for messy CRM values: e-mail addresses, head-counts, revenues, countries.

Each parser returns None for a value it cannot read rather than guessing; the
caller records the field as missing, which is what "needs info" is built on.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

MISSING_TOKENS = frozenset(
    {
        "",
        "select",
        "n/a",
        "na",
        "nan",
        "null",
        "none",
        "-",
        "--",
        "?",
        "unknown",
        "not provided",
        "not specified",
        "tbd",
        "#n/a",
        "n.a.",
        "undefined",
    }
)
ROLE_LOCALS = frozenset(
    {
        "info",
        "sales",
        "contact",
        "hello",
        "admin",
        "office",
        "support",
        "team",
        "marketing",
        "hr",
        "jobs",
        "careers",
        "billing",
        "accounts",
        "enquiries",
        "inquiries",
        "mail",
        "webmaster",
        "noreply",
        "no-reply",
        "help",
        "kontakt",
    }
)
_EDU = re.compile(
    r"(\.edu|\.edu\.[a-z]{2}|\.ac\.[a-z]{2}|\.k12\.[a-z]{2}\.us)$|^students?\.|(^|\.)(uni-|univ)"
)
_EMAIL = re.compile(r"^[^@\s]+@([a-z0-9-]+\.)+[a-z]{2,}$")


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in MISSING_TOKENS)


@lru_cache(maxsize=1)
def free_email_domains() -> frozenset[str]:
    text = resources.files("scoring.data").joinpath("free_email_domains.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@dataclass(frozen=True, slots=True)
class EmailInfo:
    kind: str  # business | free | edu | role | invalid | missing
    domain: str | None


@lru_cache(maxsize=65536)
def parse_email(email: str | None, extra_free: frozenset[str] = frozenset()) -> EmailInfo:
    """Classify an address: business, free/personal, student/edu, role (info@), invalid or missing."""
    if is_missing(email):
        return EmailInfo("missing", None)
    text = str(email).strip().lower().strip("<>").replace("mailto:", "")
    if not _EMAIL.match(text):
        return EmailInfo("invalid", None)
    local, domain = text.rsplit("@", 1)
    if domain in free_email_domains() or domain in extra_free:
        return EmailInfo("free", domain)
    if _EDU.search(domain):
        return EmailInfo("edu", domain)
    if local in ROLE_LOCALS:
        return EmailInfo("role", domain)
    return EmailInfo("business", domain)


@lru_cache(maxsize=65536)
def normalise_domain(value: str | None) -> str | None:
    """'https://www.Acme.com/about' -> 'acme.com'."""
    if is_missing(value):
        return None
    text = str(value).strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).split("/")[0].split("?")[0].split(":")[0]
    text = text.removeprefix("www.")
    return text if "." in text else None


_SUFFIX = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "mn": 1e6,
    "mio": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "mrd": 1e9,
}
_NUMBER = re.compile(r"(\d+(?:[.,]\d+)*)\s*([a-z]+)?")


def _to_float(digits: str) -> float:
    # "1,000" and "1.000" are thousands; "2.5" and "2,5" are decimals.
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", digits):
        return float(re.sub(r"[.,]", "", digits))
    return float(digits.replace(",", "."))


@lru_cache(maxsize=65536)
def parse_amount(value: str | float | int | None) -> float | None:
    """'$2.5M' -> 2.5e6, '10k' -> 1e4, '1,000-5,000' -> 3000, '50+' -> 50, '' -> None."""
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) and value >= 0 else None  # no NaN, no infinity
    if is_missing(value):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    text = re.sub(r"[$€£¥₹]|usd|eur|gbp|r\$|employees?|people|staff|ppl|approx\.?|about|~|ca\.", " ", text)
    text = text.replace(" to ", "-").replace("\u2013", "-").replace("\u2014", "-")  # en and em dashes
    found: list[tuple[float, float]] = []  # (number, unit multiplier)
    for digits, suffix in _NUMBER.findall(text):
        try:
            number = _to_float(digits)
        except ValueError:
            continue
        found.append((number, _SUFFIX.get(suffix or "", 1.0)))
    if not found:
        return None
    if len(found) >= 2 and "-" in text:
        (low, low_unit), (high, high_unit) = found[0], found[1]
        if low_unit == 1.0 and high_unit != 1.0:
            low_unit = high_unit  # "1-5M": the unit applies to both ends
        result = (low * low_unit + high * high_unit) / 2
    else:
        result = found[0][0] * found[0][1]
    return result if math.isfinite(result) else None  # 400 digits overflow a float: not a size


def parse_count(value: str | float | int | None) -> int | None:
    amount = parse_amount(value)
    return None if amount is None else round(amount)


_COUNTRIES = {
    "us": "US",
    "usa": "US",
    "u s": "US",
    "u s a": "US",
    "united states": "US",
    "united states of america": "US",
    "america": "US",
    "ca": "CA",
    "canada": "CA",
    "gb": "GB",
    "uk": "GB",
    "u k": "GB",
    "united kingdom": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "great britain": "GB",
    "britain": "GB",
    "de": "DE",
    "germany": "DE",
    "deutschland": "DE",
    "fr": "FR",
    "france": "FR",
    "nl": "NL",
    "netherlands": "NL",
    "the netherlands": "NL",
    "holland": "NL",
    "es": "ES",
    "spain": "ES",
    "espana": "ES",
    "it": "IT",
    "italy": "IT",
    "italia": "IT",
    "ie": "IE",
    "ireland": "IE",
    "be": "BE",
    "belgium": "BE",
    "ch": "CH",
    "switzerland": "CH",
    "schweiz": "CH",
    "at": "AT",
    "austria": "AT",
    "osterreich": "AT",
    "se": "SE",
    "sweden": "SE",
    "no": "NO",
    "norway": "NO",
    "dk": "DK",
    "denmark": "DK",
    "fi": "FI",
    "finland": "FI",
    "pl": "PL",
    "poland": "PL",
    "pt": "PT",
    "portugal": "PT",
    "au": "AU",
    "australia": "AU",
    "nz": "NZ",
    "new zealand": "NZ",
    "in": "IN",
    "india": "IN",
    "br": "BR",
    "brazil": "BR",
    "brasil": "BR",
    "mx": "MX",
    "mexico": "MX",
    "jp": "JP",
    "japan": "JP",
    "sg": "SG",
    "singapore": "SG",
    "cn": "CN",
    "china": "CN",
    "hk": "HK",
    "hong kong": "HK",
    "il": "IL",
    "israel": "IL",
    "ae": "AE",
    "uae": "AE",
    "united arab emirates": "AE",
    "za": "ZA",
    "south africa": "ZA",
    "ar": "AR",
    "argentina": "AR",
    "cl": "CL",
    "chile": "CL",
    "co": "CO",
    "colombia": "CO",
    "kr": "KR",
    "south korea": "KR",
    "korea": "KR",
    "ru": "RU",
    "russia": "RU",
    "tr": "TR",
    "turkey": "TR",
    "ng": "NG",
    "nigeria": "NG",
    "ph": "PH",
    "philippines": "PH",
    "id": "ID",
    "indonesia": "ID",
    "my": "MY",
    "malaysia": "MY",
    "sa": "SA",
    "saudi arabia": "SA",
    "qa": "QA",
    "qatar": "QA",
    "eg": "EG",
    "egypt": "EG",
    "ke": "KE",
    "kenya": "KE",
}


@lru_cache(maxsize=4096)
def parse_country(value: str | None) -> str | None:
    """'USA', 'United States', 'U.S.' -> 'US'; unknown spellings -> None."""
    if is_missing(value):
        return None
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z]+", " ", text).strip()
    return _COUNTRIES.get(text)

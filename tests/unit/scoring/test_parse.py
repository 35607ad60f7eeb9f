"""Messy CRM values: e-mails, sizes, revenues, countries, engagement decay."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.records import Engagement
from scoring.features import decayed_engagement, engagement_score
from scoring.icp import load_icp
from scoring.parse import normalise_domain, parse_amount, parse_count, parse_country, parse_email
from tests.builders import NOW

EMAILS = [
    ("dana@acme.io", "business", "acme.io"),
    ("Dana.Smith@ACME.com", "business", "acme.com"),
    ("dana@gmail.com", "free", "gmail.com"),
    ("x@GoogleMail.com", "free", "googlemail.com"),
    ("someone@yahoo.co.uk", "free", "yahoo.co.uk"),
    ("a@gmx.de", "free", "gmx.de"),
    ("j@qq.com", "free", "qq.com"),
    ("me@proton.me", "free", "proton.me"),
    ("jsmith@stanford.edu", "edu", "stanford.edu"),
    ("s@ox.ac.uk", "edu", "ox.ac.uk"),
    ("k@student.uva.nl", "edu", "student.uva.nl"),
    ("info@acme.io", "role", "acme.io"),
    ("sales@acme.io", "role", "acme.io"),
    ("hello@startup.ai", "role", "startup.ai"),
    ("<dana@acme.io>", "business", "acme.io"),
    ("mailto:dana@acme.io", "business", "acme.io"),
    ("not an email", "invalid", None),
    ("dana@", "invalid", None),
    ("", "missing", None),
    ("N/A", "missing", None),
    (None, "missing", None),
]


@pytest.mark.parametrize(("email", "kind", "domain"), EMAILS)
def test_email(email, kind, domain):
    info = parse_email(email)
    assert (info.kind, info.domain) == (kind, domain)


AMOUNTS = [
    ("1,000-5,000", 3000.0),
    ("50+", 50.0),
    ("10k", 10_000.0),
    ("$2.5M", 2_500_000.0),
    ("", None),
    ("1-10", 5.5),
    ("200 employees", 200.0),
    ("$1M-$5M", 3_000_000.0),
    ("1-5M", 3_000_000.0),
    ("2.500.000", 2_500_000.0),
    ("1.2bn", 1_200_000_000.0),
    ("€3,5 Mio", 3_500_000.0),
    ("about 300", 300.0),
    ("N/A", None),
    ("Select", None),
    ("10,001+", 10_001.0),
    ("abc", None),
    ("5000", 5000.0),
    ("250 - 500", 375.0),
    ("£750k", 750_000.0),
    ("~40", 40.0),
    (1200, 1200.0),
    (float("nan"), None),
]


@pytest.mark.parametrize(("text", "value"), AMOUNTS)
def test_amount(text, value):
    assert parse_amount(text) == value


def test_count_rounds():
    assert parse_count("1-10") == 6 and parse_count("") is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("USA", "US"),
        ("U.S.", "US"),
        ("United States", "US"),
        ("UK", "GB"),
        ("England", "GB"),
        ("Deutschland", "DE"),
        ("españa", "ES"),
        ("Narnia", None),
        ("", None),
    ],
)
def test_country(text, code):
    assert parse_country(text) == code


def test_domain_normalisation():
    assert normalise_domain("https://www.Acme.com/about?x=1") == "acme.com"
    assert normalise_domain("acme") is None and normalise_domain("") is None


def test_engagement_halves_every_half_life():
    icp = load_icp()
    fresh = Engagement(form_submissions=1, last_form_at=NOW)
    old = Engagement(form_submissions=1, last_form_at=NOW - timedelta(days=icp.half_life_days))
    assert decayed_engagement(fresh, icp, NOW, None) == pytest.approx(12.0)
    assert decayed_engagement(old, icp, NOW, None) == pytest.approx(6.0)
    assert engagement_score(0, icp) == 0 and 60 < engagement_score(icp.engagement_saturation, icp) < 65

"""Secrets are compared in constant time: no ``==``/``!=``/``in`` on a signature, token, secret,
CSRF value, password hash or digest anywhere in leadq's code (hmac.compare_digest instead), and the
verifiers really call compare_digest; old webhook deliveries are refused (the replay window)."""

from __future__ import annotations

import ast
import hmac
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("leadq", "oauth", "connector", "workers", "scoring", "routing")
SECRETISH = re.compile(r"(signature|secret|token|csrf|digest|password|hash|verifier|mac)s?$", re.I)
# Names that merely look secret: kinds, types and counts, compared with constants.
NOT_SECRET = re.compile(r"(token_type|token_path|_kind|reason|grant_type)$", re.I)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return str(node.slice.value)
    if isinstance(node, ast.Call):
        return _name(node.func)
    return ""


def _plain_comparisons(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        if any(isinstance(s, ast.Constant) for s in sides):
            continue  # against a literal (None, "", a status word): not a secret check
        if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            continue
        names = [_name(s) for s in sides]
        if any(SECRETISH.search(n) and not NOT_SECRET.search(n) for n in names):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {' vs '.join(names)}")
    return found


def test_no_secret_is_compared_with_plain_equality() -> None:
    found = [
        hit
        for pkg in PACKAGES
        for path in sorted((ROOT / pkg).rglob("*.py"))
        for hit in _plain_comparisons(path)
    ]
    assert found == [], "use hmac.compare_digest:\n" + "\n".join(found)


def test_the_verifiers_compare_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import connector.hubspot.webhooks as hubspot_webhooks
    import oauth.state as oauth_state

    calls: list[str] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append("compare")
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    secret, body, uri, stamp = "s" * 32, b"[]", "https://leadq.test/webhooks/hubspot", 1_700_000_000_000
    good = hubspot_webhooks.expected_signature(secret, "POST", uri, body, str(stamp))
    hubspot_webhooks.verify_v3(secret, "POST", uri, body, good, str(stamp), now_ms=stamp)
    with pytest.raises(hubspot_webhooks.WebhookRejected, match="signature"):
        hubspot_webhooks.verify_v3(secret, "POST", uri, body, good[:-4] + "AAA=", str(stamp), now_ms=stamp)
    assert len(calls) == 2, "the HubSpot signature check must use compare_digest"
    calls.clear()
    key, store = b"k" * 32, oauth_state.MemoryNonceStore()
    state = oauth_state.issue(key, "install-hubspot")
    oauth_state.verify(key, state, "install-hubspot", store)
    assert calls, "the OAuth state check must use compare_digest"


@pytest.mark.parametrize("age_s", [301, 3600, -301])
def test_a_delivery_outside_the_replay_window_is_refused_even_when_correctly_signed(age_s: int) -> None:
    from connector.hubspot.webhooks import WebhookRejected, expected_signature, verify_v3

    now, body, uri = 1_700_000_000_000, b"[]", "https://leadq.test/webhooks/hubspot"
    stamp = str(now - age_s * 1000)
    good = expected_signature("s" * 32, "POST", uri, body, stamp)
    with pytest.raises(WebhookRejected, match="older than"):
        verify_v3("s" * 32, "POST", uri, body, good, stamp, now_ms=now)
    fresh = str(now - 299_000)
    verify_v3(
        "s" * 32, "POST", uri, body, expected_signature("s" * 32, "POST", uri, body, fresh), fresh, now_ms=now
    )

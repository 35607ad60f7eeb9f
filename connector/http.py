"""A requests session whose CA bundle setting is not overridden by the environment.

requests lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` win over ``Session.verify`` (the
environment is merged first); leadq's ``LEADQ_CA_BUNDLE`` must win, or a self-hosted CRM proxy
or the sandbox's own CA would be refused on machines that set those variables.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from requests.sessions import _Settings  # the stubs' name for what the method returns


class PinnedSession(requests.Session):
    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> _Settings:
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify in (True, None) and self.verify not in (True, None):
            merged["verify"] = self.verify
        return merged


def session(ca_bundle: str | None = None) -> requests.Session:
    out = PinnedSession()
    if ca_bundle:
        out.verify = ca_bundle
    return out


_local = threading.local()


def shared(ca_bundle: str | None = None) -> requests.Session:
    """One session per thread and CA bundle: connections (and TLS handshakes) are reused across
    the short-lived adapters a worker builds for each task."""
    sessions: dict[str | None, requests.Session] | None = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = {}
    if ca_bundle not in sessions:
        sessions[ca_bundle] = session(ca_bundle)
    return sessions[ca_bundle]

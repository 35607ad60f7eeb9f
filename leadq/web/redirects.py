"""Where the admin goes after signing in: a page of this app, never another site.

``next`` is checked as it will go out on the wire: Werkzeug turns the redirect target into a URI
(``iri_to_uri``, whose ``urlsplit`` drops TAB, CR and LF and leading control characters and
spaces), and browsers read a backslash as a slash. So a target with any control character,
whitespace or backslash is refused outright; what is left must parse, before and after that
normalisation, with no scheme and no host, a path starting with one ``/``, and name a page of the
admin app (not an OAuth callback, a webhook or metrics). Anything else sends the admin to ``/``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.exceptions import HTTPException
from werkzeug.urls import iri_to_uri

HOME = "/"
MAX_TARGET = 2048
PAGES = ("admin.", "dead_letters.")  # the admin app's pages; never a callback, webhook or metrics


def _local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return False
    return parts.path.startswith("/") and not parts.path.startswith("//")


def _admin_page(path: str) -> bool:
    try:
        endpoint, _args = current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:  # not found, not a page (405), or only with another path (redirect)
        return False
    return str(endpoint).startswith(PAGES)


def safe_next(target: str | None) -> str:
    """``target`` as a redirect to a page of this app, or ``/``."""
    if not target or len(target) > MAX_TARGET:
        return HOME
    if any(ch == "\\" or ch.isspace() or not ch.isprintable() for ch in target):
        return HOME
    try:
        wire = iri_to_uri(target)
        if not (_local(target) and _local(wire)):
            return HOME
        return wire if _admin_page(urlsplit(wire).path) else HOME
    except ValueError:  # e.g. "//[" : not even a URL
        return HOME

"""The Flask app factory: ``create_app(settings)``; nothing is built at import time."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from flask import Flask, request

from core.logging import configure_logging
from core.settings import Settings, load_settings
from storage.db import UNAVAILABLE, Engine, Redis, Sessions, make_engine, make_session_factory
from storage.vault import Vault
from workers import dispatch

Enqueue = Callable[[int, Sequence[str]], None]


@dataclass
class Services:
    """What views reach through ``current_app.extensions["leadq"]``."""

    settings: Settings
    engine: Engine
    sessions: Sessions
    vault: Vault
    enqueue_override: Enqueue | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def redis(self) -> Redis:
        from storage.redis_namespace import connect

        return connect(self.settings.redis_url, self.settings.redis_prefix)

    @cached_property
    def limiter(self) -> Any:
        from storage.redis_locks import RedisLimiter

        return RedisLimiter(self.redis)

    @cached_property
    def celery(self) -> Any:
        from workers.celery_app import make_celery

        return make_celery(self.settings)

    def enqueue(self, installation_id: int, event_keys: Sequence[str]) -> None:
        """Hand recorded change events to the workers (ids only, never payloads or tokens)."""
        if self.enqueue_override is not None:
            self.enqueue_override(installation_id, event_keys)
            return
        dispatch.enqueue_changes(self.celery, installation_id)


def create_app(settings: Settings | None = None, enqueue: Enqueue | None = None) -> Flask:
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SECRET_KEY=settings.flask_secret(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        MAX_CONTENT_LENGTH=settings.webhook_max_bytes,
        SESSION_COOKIE_NAME="leadq_session",
        # An admin signs in again this long after signing in, however active: the cookie is not
        # re-issued on every request, and the server-side session row expires (absolute lifetime).
        PERMANENT_SESSION_LIFETIME=settings.session_lifetime_s,
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    if settings.trusted_proxies:  # the client's address from X-Forwarded-For, set by that many proxies
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask documents wrapping wsgi_app so
            app.wsgi_app, x_for=settings.trusted_proxies
        )
    engine = make_engine(settings.sqlalchemy_url)
    app.extensions["leadq"] = Services(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        vault=Vault(settings.fernet_keys()),
        enqueue_override=enqueue,
    )

    from leadq.web import admin, auth, dead_letter_pages, health, install, metrics, webhooks

    _unknown_paths_first(app)  # before auth's CSRF check, which would answer 400 instead
    _strict_transport(app, settings)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(dead_letter_pages.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(install.bp)
    app.register_blueprint(webhooks.bp)
    _answer_outages(app)
    _not_found_page(app)
    return app


NOT_FOUND = (
    "There is no page at this address, or it belongs to an installation you were not granted. "
    "Check the address, or start again from your installations."
)


def _not_found_page(app: Flask) -> None:
    """Every 404 (an unknown URL, an installation id that does not exist or is not the admin's) is a
    page in the admin app's layout with a way back, the same whatever the reason (ids reveal
    nothing); a client that asks for JSON rather than HTML gets it as JSON."""
    from flask import g, jsonify, render_template
    from werkzeug.exceptions import NotFound

    def not_found(_exc: NotFound):
        if "admin_id" not in g:  # an address no route serves: answered before the admin was read
            from leadq.web import admin_session

            try:
                signed_in = admin_session.current(app.extensions["leadq"])
            except UNAVAILABLE:  # the page still answers, as to someone signed out
                signed_in = None
            g.admin_id, g.admin_name = signed_in if signed_in else (None, None)
        if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
            return jsonify(error="not-found", message=NOT_FOUND), 404
        # No alarm banner: the address names no installation of the admin's (its id may not even
        # fit the database's ids), so there is none to read.
        return render_template("not_found.html", message=NOT_FOUND, alarm_banner=lambda: None), 404

    app.register_error_handler(NotFound, not_found)


HSTS_MAX_AGE_S = 365 * 24 * 3600


def _unknown_paths_first(app: Flask) -> None:
    """A request no route serves answers 404 (or 405) whatever its method: a POST to a mistyped
    path (``/webhooks/hubspot/``) must not get the CSRF page. Every real route keeps its checks."""

    def unknown() -> None:
        if request.routing_exception is not None:
            raise request.routing_exception

    app.before_request(unknown)


def _strict_transport(app: Flask, settings: Settings) -> None:
    """Behind an ``https://`` public URL, browsers are told to use nothing else for a year (HSTS);
    never over ``http://``, where it would mean nothing and could lock a test setup out."""
    if not settings.public_base_url.startswith("https://"):
        return

    def hsts(response: Any) -> Any:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE_S}")
        return response

    app.after_request(hsts)


def _answer_outages(app: Flask) -> None:
    """The database or Redis away for a moment (a restart, a failover) or a lock held too long: 503
    with Retry-After, so a CRM redelivers its webhook and a browser may retry; never a bare 500, and
    nothing half-recorded (the request's transaction rolled back)."""
    import kombu.exceptions
    from flask import jsonify

    def unavailable(exc: Exception):
        logging.getLogger("leadq.web").error(
            "web.service-unavailable", extra={"what": type(exc).__name__, "path": request.path}
        )
        message = (
            "the task queue (broker) is unavailable: nothing was started; retry shortly"
            if isinstance(exc, kombu.exceptions.OperationalError)
            else "storage is unavailable; retry shortly"
        )
        response = jsonify(error="service-unavailable", message=message)
        response.status_code = 503
        response.headers["Retry-After"] = "30"
        return response

    broker_down = kombu.exceptions.OperationalError  # the broker down while a view sends a task
    for kind in (*UNAVAILABLE, broker_down):
        app.register_error_handler(kind, unavailable)

"""Build the sandbox CRM (``create_sandbox``) and serve it over HTTP or HTTPS."""

from __future__ import annotations

import json
import secrets
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from sandbox import control, tls
from sandbox.clock import Clock
from sandbox.faults import Faults
from sandbox.hubspot import (
    associations,
    installs,
    oauth,
    objects,
    owners,
    pipelines,
    properties,
    record_pages,
    search,
    webhooks,
    webhooks_admin,
)
from sandbox.hubspot.limits import RateLimits
from sandbox.hubspot.oauth import App, OAuthState
from sandbox.hubspot.store import Portal
from sandbox.requestlog import LoggedRequest, RequestLog
from sandbox.salesforce import control as sf_control
from sandbox.salesforce import oauth as sf_oauth
from sandbox.salesforce import rest as sf_rest
from sandbox.salesforce.ids import IdMaker
from sandbox.salesforce.oauth import ConnectedApp, SfOAuthState
from sandbox.salesforce.org import Org
from sandbox.salesforce.outbound import OutboundHub
from sandbox.salesforce.seed import seed_org
from sandbox.seed import DEFAULT_ANCHOR, Truth, seed_portal
from sandbox.seed_vocab import today_utc

LOGGED_HEADERS = ("Content-Type", "User-Agent", "X-HubSpot-Signature-v3")


class _QuietHandler(WSGIRequestHandler):
    """The request log is the sandbox's record; werkzeug's access lines would only be noise."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class Sandbox:
    """The whole fake CRM: portals, OAuth, limits, webhooks, faults, request log."""

    def __init__(
        self,
        *,
        seed: int = 1,
        records: int = 200,
        portals: int = 1,
        client_id: str | None = None,
        client_secret: str | None = None,
        app_id: int = 4242001,
        developer_api_key: str | None = None,
        redirect_uris: tuple[str, ...] = (),
        clock: Clock | None = None,
        faults: Faults | None = None,
        rate_limit: int = 110,
        search_rate_limit: int = 5,
        anchor: datetime | None = None,
        search_lag_s: float = 0.0,
        orgs: int = 1,
        salesforce_records: int | None = None,
        sf_client_id: str | None = None,
        sf_client_secret: str | None = None,
        sf_rotate_refresh_tokens: bool = True,
        sf_api_max: int = 100_000,
    ) -> None:
        # Seeded history ends today on the real clock (seed_vocab.today_utc), else at DEFAULT_ANCHOR.
        anchor = anchor or (DEFAULT_ANCHOR if clock is not None else today_utc())
        self.clock = clock or Clock()
        self.faults = faults or Faults(seed=seed)
        self.log = RequestLog()
        self.search_lag_s = search_lag_s
        self.developer_api_key = developer_api_key or f"dev-{secrets.token_hex(8)}"
        self.oauth = OAuthState(
            App(
                client_id=client_id or f"sandbox-client-{secrets.token_hex(4)}",
                client_secret=client_secret or secrets.token_urlsafe(24),
                app_id=app_id,
                redirect_uris=tuple(redirect_uris),
            )
        )
        self.limits = RateLimits(self.clock, rate_limit, search_rate_limit)
        self.webhooks = webhooks.WebhookHub(
            app_id=app_id, client_secret=self.oauth.app.client_secret, clock=self.clock, seed=seed
        )
        self.portals: dict[int, Portal] = {}
        self.truth: dict[int, Truth] = {}
        for index in range(portals):
            portal_id = 20_000_000 + seed * 1000 + index
            portal = Portal(portal_id=portal_id, domain=f"portal{index + 1}.example.com", clock=self.clock)
            self.truth[portal_id] = seed_portal(
                portal, seed=seed * 7919 + index, records=records, anchor=anchor
            )
            portal.listeners.append(self._on_change)
            self.portals[portal_id] = portal
        self.default_portal_id = next(iter(self.portals), 0)
        # Salesforce: orgs seeded from the same generator, one connected app, outbound messages.
        self.ids = IdMaker()
        self.sf_oauth = SfOAuthState(
            ConnectedApp(
                client_id=sf_client_id or f"3MVG9sandbox{secrets.token_hex(12)}",
                client_secret=sf_client_secret or secrets.token_hex(32).upper(),
                rotate_refresh_tokens=sf_rotate_refresh_tokens,
            )
        )
        self.refreshes = 0
        self.outbound = OutboundHub(self.clock, self.ids, seed=seed)
        self.orgs: dict[str, Org] = {}
        self.sf_truth: dict[str, Truth] = {}
        for index in range(orgs):
            org_id = self.ids.new("Organization")
            org = Org(org_id, self.ids, self.clock, my_domain=f"org{index + 1}", api_max=sf_api_max)
            self.sf_truth[org_id] = seed_org(
                org,
                seed=seed * 104_729 + index,
                records=records if salesforce_records is None else salesforce_records,
                anchor=anchor,
            )
            org.listeners.append(self.outbound.on_change)
            self.orgs[org_id] = org
        self.default_org_id = next(iter(self.orgs), "")
        self.app = self._build_app()

    def org_for_login(self, login_hint: str | None) -> tuple[Org, str] | None:
        """The org and user a login (username) belongs to; no hint: the default org's admin."""
        if not login_hint:
            org = self.orgs.get(self.default_org_id)
            return (org, org.admin_user_id) if org else None
        for org in self.orgs.values():
            for user in org.live("User"):
                if str(user.get("Username", "")).lower() == login_hint.lower() and user.get("IsActive"):
                    return org, user["Id"]
        return None

    def create_record(self, org: Org, sobject: str, body: dict[str, Any], user: str) -> tuple[Any, list[Any]]:
        """Create through the API; setup objects (permission sets) need Customize Application."""
        from sandbox.salesforce.org import Problem

        setup = ("PermissionSet", "FieldPermissions", "PermissionSetAssignment")
        if sobject in setup and user not in org.customizers:
            return None, [Problem("INSUFFICIENT_ACCESS", "insufficient access rights on cross-reference id")]
        if sobject == "FieldPermissions":
            target = str(body.get("Field", ""))
            sobject_type, _, name = target.partition(".")
            if name not in org.schema.get(sobject_type, {}) or body.get("SobjectType") != sobject_type:
                return None, [
                    Problem(
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        f"Field Name: bad value for restricted picklist field: {target}",
                        ("Field",),
                    )
                ]
            for existing in org.live("FieldPermissions"):
                if existing["ParentId"] == body.get("ParentId") and existing["Field"] == target:
                    return None, [
                        Problem(
                            "DUPLICATE_VALUE",
                            "duplicate value found: Field duplicates value on record with id: "
                            + existing["Id"],
                        )
                    ]
        if sobject == "PermissionSet" and any(
            p["Name"] == body.get("Name") for p in org.live("PermissionSet")
        ):
            return None, [Problem("DUPLICATE_DEVELOPER_NAME", "The API name you entered is already in use")]
        if sobject == "PermissionSetAssignment":
            for existing in org.live("PermissionSetAssignment"):
                if existing["PermissionSetId"] == body.get("PermissionSetId") and existing[
                    "AssigneeId"
                ] == body.get("AssigneeId"):
                    return None, [Problem("DUPLICATE_VALUE", "Duplicate PermissionSetAssignment")]
        return org.create(sobject, body, user)

    def _on_change(self, portal: Portal, *args: Any) -> None:
        self.webhooks.on_change(portal, *args, installed=portal.portal_id in self.oauth.installed)

    def _build_app(self) -> Flask:
        app = Flask("sandbox")
        app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
        for module in (
            oauth,
            objects,
            search,
            properties,
            owners,
            associations,
            pipelines,
            installs,
            webhooks_admin,
            record_pages,
            control,
            sf_oauth,
            sf_rest,
            sf_control,
        ):
            module.register(app, self)

        @app.after_request
        def _log(response: Response) -> Response:
            body: Any
            if request.is_json:
                body = request.get_json(silent=True)
            elif request.form:
                body = {
                    k: ("<redacted>" if "secret" in k or "token" in k or k == "code" else v)
                    for k, v in request.form.items()
                }
            else:
                body = request.get_data(as_text=True)[:2000] or None
            area = getattr(g, "area", "oauth" if request.path.startswith("/oauth") else "other")
            self.log.add(
                LoggedRequest(
                    method=request.method,
                    path=request.path,
                    query={k: request.args.getlist(k) for k in request.args},
                    body=body,
                    status=response.status_code,
                    area=area,
                    portal_id=getattr(g, "portal_id", None),
                    at=self.clock.now(),
                    headers={h: request.headers[h] for h in LOGGED_HEADERS if h in request.headers},
                )
            )
            return response

        return app

    def describe(self) -> dict[str, Any]:
        return {
            "client_id": self.oauth.app.client_id,
            "app_id": self.oauth.app.app_id,
            "portals": {
                str(pid): {t: len(p.live(t)) for t in ("contacts", "companies", "deals", "leads")}
                | {"owners": len(p.owners), "installed": pid in self.oauth.installed}
                for pid, p in self.portals.items()
            },
            "requests": len(self.log),
        }


def create_sandbox(
    seed: int = 1, records: int = 200, faults: Faults | None = None, **options: Any
) -> Sandbox:
    """A seeded sandbox CRM; serve ``.app`` with any WSGI server or with ``serve``."""
    return Sandbox(seed=seed, records=records, faults=faults, **options)


@dataclass
class RunningSandbox:
    sandbox: Sandbox
    server: BaseWSGIServer
    thread: threading.Thread
    base_url: str
    ca_bundle: Path | None

    @property
    def portal_id(self) -> int:
        return self.sandbox.default_portal_id

    @property
    def client_id(self) -> str:
        return self.sandbox.oauth.app.client_id

    @property
    def client_secret(self) -> str:
        return self.sandbox.oauth.app.client_secret

    @property
    def app_id(self) -> int:
        return self.sandbox.oauth.app.app_id

    @property
    def developer_api_key(self) -> str:
        return self.sandbox.developer_api_key

    @property
    def requests(self) -> RequestLog:
        return self.sandbox.log

    def ssl_context(self) -> ssl.SSLContext | None:
        if self.ca_bundle is None:
            return None
        return ssl.create_default_context(cafile=str(self.ca_bundle))

    @property
    def org_id(self) -> str:
        return self.sandbox.default_org_id

    @property
    def sf_client_id(self) -> str:
        return self.sandbox.sf_oauth.app.client_id

    @property
    def sf_client_secret(self) -> str:
        return self.sandbox.sf_oauth.app.client_secret

    def stop(self) -> None:
        self.sandbox.webhooks.stop()
        self.sandbox.outbound.stop()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def wait_for_webhooks(self, timeout_s: float = 10.0) -> bool:
        """Block until every queued webhook was delivered (or gave up); True if idle."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.sandbox.webhooks.idle():
                return True
            time.sleep(0.02)
        return self.sandbox.webhooks.idle()


def serve(
    sandbox: Sandbox,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    https: bool = False,
    tls_dir: Path | None = None,
    deliver_webhooks: bool = True,
) -> RunningSandbox:
    """Serve in a background thread; port 0 picks a free port."""
    files = None
    context = None
    if https:
        files = tls.generate(tls_dir or Path(tempfile.mkdtemp(prefix="leadq-sandbox-tls-")))
        context = files.server_context()
    server = make_server(
        host, port, sandbox.app, threaded=True, ssl_context=context, request_handler=_QuietHandler
    )
    scheme = "https" if https else "http"
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - display only
    base_url = f"{scheme}://{shown_host}:{server.server_port}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox-http", daemon=True
    )
    thread.start()
    sandbox.outbound.base_url = base_url
    if deliver_webhooks:
        sandbox.webhooks.start()
        sandbox.outbound.start()
    return RunningSandbox(sandbox, server, thread, base_url, files.ca_cert if files else None)


def dump_summary(running: RunningSandbox) -> str:
    """What the sandbox holds, for ``leadq sandbox`` and ``make demo``."""
    sandbox = running.sandbox
    lines = [
        f"sandbox CRM (HubSpot API) at {running.base_url}",
        f"  client id:         {running.client_id}",
        f"  client secret:     {running.client_secret}",
        f"  app id:            {running.app_id}",
        f"  developer API key: {running.developer_api_key}",
    ]
    if running.ca_bundle:
        lines.append(f"  CA bundle:         {running.ca_bundle}")
    for portal_id, portal in sandbox.portals.items():
        truth = sandbox.truth[portal_id]
        won = sum(truth.won.values())
        lines.append(
            f"  portal {portal_id}: {len(portal.live('contacts'))} contacts, "
            f"{len(portal.live('companies'))} companies, {len(portal.live('deals'))} deals, "
            f"{len(portal.live('leads'))} leads "
            f"({won} won / {len(truth.won) - won} lost), {len(portal.owners)} owners"
        )
    if sandbox.orgs:
        lines += [
            f"sandbox CRM (Salesforce API, https only) at {running.base_url}",
            f"  consumer key:      {running.sf_client_id}",
            f"  consumer secret:   {running.sf_client_secret}",
        ]
    for org_id, org in sandbox.orgs.items():
        lines.append(
            f"  org {org_id}: {len(org.live('Lead'))} leads "
            f"({sum(1 for r in org.live('Lead') if r['IsConverted'])} converted), {len(org.live('Contact'))} "
            f"contacts, {len(org.live('Account'))} accounts, {len(org.live('Opportunity'))} opportunities, "
            f"{len(org.live('User'))} users; admin login {org.get('User', org.admin_user_id)['Username']}"
        )
    return "\n".join(lines)


def to_json(running: RunningSandbox) -> str:
    return json.dumps(
        {
            "base_url": running.base_url,
            "client_id": running.client_id,
            "client_secret": running.client_secret,
            "app_id": running.app_id,
            "developer_api_key": running.developer_api_key,
            "portal_id": running.portal_id,
            "ca_bundle": str(running.ca_bundle) if running.ca_bundle else None,
            "salesforce": {
                "client_id": running.sf_client_id,
                "client_secret": running.sf_client_secret,
                "org_id": running.org_id,
            },
        }
    )

"""The live stack the demo, the benchmarks and the tests share, each piece written once.

leadq's settings pointed at a running sandbox CRM (``sandbox_settings``, over ``local_settings`` when
there is no base yet), its web app served on a real port (``serve_app``), a real Celery worker
(``start_worker``), the install through the real OAuth flow (``install_via_oauth``: leadq's install
link, the CRM's consent, leadq's callback) and the HubSpot app's webhook subscriptions, set up over
the sandbox's developer API as a HubSpot developer would (``subscribe_webhooks``); and the stack's
settings written to a file the CLI reads through ``LEADQ_ENV_FILE`` (``write_env_file``), so that a
second terminal works on the same stack.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import requests
from flask import Flask
from pydantic import SecretStr
from werkzeug.serving import BaseWSGIServer, make_server

from connector.http import session as pinned_session
from connector.hubspot.leads_mapping import OBJECT_TYPE_ID as LEADS_TYPE_ID
from connector.hubspot.leads_mapping import WATCHED as LEAD_WATCHED
from core.settings import ENV_FILE_VARIABLE, ENV_PREFIX, Settings, load_settings
from workers.launch import worker_command

CRMS = ("hubspot", "salesforce")
REDIRECTS = (301, 302, 303, 307)


class InstallFailed(RuntimeError):
    """A step of the OAuth install did not redirect where the next one starts; the message says why."""


def _hubspot(running: Any) -> dict[str, Any]:
    return {
        "hubspot_client_id": running.client_id,
        "hubspot_client_secret": running.client_secret,
        "hubspot_app_id": str(running.app_id),
        "hubspot_developer_api_key": running.developer_api_key,
        "hubspot_api_base": running.base_url,
        "hubspot_auth_base": running.base_url,
    }


def _salesforce(running: Any) -> dict[str, Any]:
    return {
        "salesforce_client_id": running.sf_client_id,
        "salesforce_client_secret": running.sf_client_secret,
        "salesforce_login_base": running.base_url,
        "salesforce_sandbox_login_base": running.base_url,
        "ca_bundle": running.ca_bundle,
    }


def sandbox_settings(base: Settings, running: Any, *, crm: str = "hubspot", **overrides: Any) -> Settings:
    """``base`` pointed at one CRM side (``hubspot`` or ``salesforce``) of a running sandbox: its URLs,
    its app's credentials and its CA; ``overrides`` (a database or Redis URL, the public URL, budgets)
    go on top. Call it once per side for settings that reach both."""
    if crm not in CRMS:
        raise ValueError(f"the sandbox serves {' and '.join(CRMS)}, not {crm!r}")
    update = (_hubspot if crm == "hubspot" else _salesforce)(running) | overrides
    for name, value in update.items():  # secrets stay secrets, as load_settings would make them
        if isinstance(getattr(base, name, None), SecretStr) and isinstance(value, str):
            update[name] = SecretStr(value)
    return base.model_copy(update=update)


def local_settings(data_dir: Path, redis_url: str, **overrides: Any) -> Settings:
    """Throwaway settings for a stack of one's own: SQLite in ``data_dir``, fresh keys, quiet logs
    (the environment below them; no ``LEADQ_ENV_FILE``: that names another stack's)."""
    from storage.vault import Vault

    values: dict[str, Any] = {
        "env": "test",
        "data_dir": data_dir,
        "database_url": f"sqlite:///{data_dir / 'leadq.db'}",
        "redis_url": redis_url,
        "encryption_keys": Vault.generate_key(),
        "secret_key": secrets.token_urlsafe(32),
        "log_level": "WARNING",
    }
    return load_settings(with_env_file=False, **(values | overrides))


def migrated(settings: Settings) -> Settings:
    """``settings``, its database created or upgraded to the current schema."""
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(settings.sqlalchemy_url)
    upgrade(engine)
    engine.dispose()
    return settings


@dataclass
class ServedApp:
    """leadq's web app served on a local port in a thread of this process."""

    url: str
    settings: Settings
    app: Flask
    server: BaseWSGIServer

    def stop(self) -> None:
        self.server.shutdown()


def serve_app(settings: Settings, *, public: bool = True, **app_options: Any) -> ServedApp:
    """Serve leadq's web app on a free port; ``public``: the URL it is served at becomes its
    ``public_base_url`` (what the CRM redirects and delivers to)."""
    from leadq.app import create_app

    # werkzeug wants the app up front, but the app needs the port first: it is set below.
    server = make_server("127.0.0.1", 0, None, threaded=True)  # type: ignore[arg-type]  # werkzeug: app required
    url = f"http://127.0.0.1:{server.server_port}"
    if public:
        settings = settings.model_copy(update={"public_base_url": url})
    server.app = create_app(settings, **app_options)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return ServedApp(url, settings, server.app, server)


def worker_env(settings: Settings) -> dict[str, str]:
    """The environment of a worker process: exactly these settings (no env file of the caller's),
    logging warnings and up."""
    inherited = {k: v for k, v in os.environ.items() if k != ENV_FILE_VARIABLE}
    return inherited | settings.to_env() | {"LEADQ_LOG_LEVEL": "WARNING"}


def write_env_file(settings: Settings, path: Path, heading: str) -> Path:
    """``settings`` (those that differ from the defaults, secrets included) as the ``LEADQ_NAME=value``
    lines ``LEADQ_ENV_FILE`` reads, in a file only its owner can read or write; returns the absolute
    path. ``heading`` opens the file as comment lines."""
    lines = [f"# {line}".rstrip() for line in heading.splitlines()]
    wanted = settings.to_env()
    for name, spec in Settings.model_fields.items():
        variable = ENV_PREFIX + name.upper()
        if variable in wanted and getattr(settings, name) != spec.default:
            if "\n" in wanted[variable] or "\r" in wanted[variable]:
                raise ValueError(f"{variable} holds a line break: it cannot be one line of an env file")
            lines.append(f"{variable}={wanted[variable]}")
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file that was there before keeps no wider mode
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def start_worker(
    settings: Settings | dict[str, str],
    queues: str | Iterable[str],
    *,
    concurrency: int = 2,
    solo: bool = False,
    loglevel: str = "WARNING",
    output: Path | int | None = subprocess.DEVNULL,
) -> subprocess.Popen[Any]:
    """A real Celery worker process on ``queues`` with ``settings`` (passed through its environment;
    or its whole environment, ready). ``output``: a log file to append to, ``subprocess.PIPE`` (read
    as text) or ``DEVNULL``."""
    names = queues if isinstance(queues, str) else ",".join(queues)
    command = worker_command(names, concurrency=concurrency, solo=solo, loglevel=loglevel)
    log: IO[bytes] | int | None = open(output, "ab") if isinstance(output, Path) else output  # noqa: SIM115
    return subprocess.Popen(  # noqa: S603 - our own worker command line
        command,
        env=settings if isinstance(settings, dict) else worker_env(settings),
        stdout=log,
        stderr=subprocess.STDOUT if output == subprocess.PIPE or isinstance(output, Path) else log,
        text=output == subprocess.PIPE,
    )


def stop_process(process: subprocess.Popen[Any], timeout: float = 15.0) -> None:
    """Terminate a worker (or any child) and wait for it; kill it if it does not go in time."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _next_step(answer: Any) -> str:
    """Where an OAuth step sends the browser next; anything but a redirect raises ``InstallFailed``."""
    location = answer.headers.get("Location")
    if answer.status_code not in REDIRECTS or not location:
        body = answer.text if isinstance(answer, requests.Response) else answer.get_data(as_text=True)
        where = getattr(answer, "url", None) or getattr(answer, "request", None)
        raise InstallFailed(f"the install stopped at {where} ({answer.status_code}): {body[:300]}")
    return str(location)


def install_via_oauth(
    leadq: Any, running: Any, crm: str = "hubspot", *, query: str = "", timeout: float = 120.0
) -> Any:
    """Install leadq into the sandbox as an admin's browser would: leadq's ``/install/<crm>`` link,
    the CRM's consent (approved), leadq's callback. ``leadq`` is a Flask test client or the URL leadq
    is served at; returns leadq's answer to the callback (a test response or a ``requests`` one),
    whatever its status. Raises ``InstallFailed`` when a step does not redirect."""
    browser = pinned_session(str(running.ca_bundle) if running.ca_bundle else None)
    served = isinstance(leadq, str)
    start = f"{leadq}/install/{crm}{query}" if served else f"/install/{crm}{query}"
    first = browser.get(start, allow_redirects=False, timeout=10) if served else leadq.get(start)
    callback = _next_step(browser.get(_next_step(first), allow_redirects=False, timeout=10))
    back = urlsplit(callback)
    public = leadq if served else leadq.application.extensions["leadq"].settings.public_base_url
    if f"{back.scheme}://{back.netloc}{back.path}" != f"{public}/oauth/{crm}/callback":
        raise InstallFailed(f"the CRM sent the browser to {callback}, not to leadq's callback")
    if served:
        return browser.get(callback, allow_redirects=False, timeout=timeout)
    return leadq.get(f"{back.path}?{back.query}")


def subscribe_webhooks(
    running: Any, target_url: str, properties: Iterable[str], *, max_concurrent: int = 10
) -> None:
    """As a HubSpot developer would, over the sandbox's developer API (``hapikey``): the app's webhook
    target, one ``contact.propertyChange`` subscription per property, and HubSpot's Leads (generic
    subscriptions on object type 0-136: lead creation, and a change of a lead's label, owner or
    stage). Raises ``requests.HTTPError`` when the sandbox refuses."""
    base = f"{running.base_url}/webhooks/v3/{running.app_id}"
    auth = {"hapikey": running.developer_api_key}
    with requests.Session() as http:
        answer = http.put(
            f"{base}/settings",
            params=auth,
            json={"targetUrl": target_url, "throttling": {"maxConcurrentRequests": max_concurrent}},
            timeout=10,
        )
        answer.raise_for_status()
        wanted: list[dict[str, Any]] = [
            {"eventType": "contact.propertyChange", "propertyName": prop, "active": True}
            for prop in properties
        ]
        wanted.append({"eventType": "object.creation", "objectTypeId": LEADS_TYPE_ID, "active": True})
        wanted.extend(
            {
                "eventType": "object.propertyChange",
                "objectTypeId": LEADS_TYPE_ID,
                "propertyName": p,
                "active": True,
            }
            for p in LEAD_WATCHED
        )
        for subscription in wanted:
            answer = http.post(f"{base}/subscriptions", params=auth, json=subscription, timeout=10)
            answer.raise_for_status()

"""Outbound Messages: SOAP 1.1 notifications POSTed to an admin-configured endpoint.

Queued per org; up to 100 notifications per message; if a record changes while queued only the
latest values are sent; unacknowledged messages are retried with growing gaps (time-compressed
here) and dropped after the last retry, as Salesforce drops them after 24 hours. Only
``<Ack>true</Ack>`` in a 200 answer counts as an acknowledgement.
"""

from __future__ import annotations

import random
import re
import ssl
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from sandbox.clock import Clock

MAX_PER_MESSAGE = 100
MAX_RETRIES = 10
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOBJECT_NS = "urn:sobject.enterprise.soap.sforce.com"
STORED_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")  # schema.SF_TIME


@dataclass
class OutboundConfig:
    url: str
    fields: dict[str, tuple[str, ...]]  # sObject -> fields sent (Id always)
    action_id: str
    send_session_id: bool = False


@dataclass
class _Message:
    org_id: str
    notifications: list[tuple[str, str, dict[str, Any]]]  # (notification id, sobject, values)
    due: float
    attempt: int = 0


@dataclass
class Delivery:
    at: float
    status: int | None
    acked: bool
    record_ids: list[str]
    attempt: int


def envelope(
    org_id: str, action_id: str, base_url: str, notifications: list[tuple[str, str, dict[str, Any]]]
) -> bytes:
    parts = []
    for notification_id, sobject, values in notifications:
        cells = "".join(
            f"<sf:{name}>{escape(_text(value))}</sf:{name}>"
            for name, value in values.items()
            if value is not None
        )
        parts.append(
            f"<Notification><Id>{notification_id}</Id>"
            f'<sObject xsi:type="sf:{sobject}" xmlns:sf="{SOBJECT_NS}">{cells}</sObject>'
            "</Notification>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<soapenv:Body><notifications xmlns="{OUTBOUND_NS}">'
        f"<OrganizationId>{org_id}</OrganizationId><ActionId>{action_id}</ActionId>"
        '<SessionId xsi:nil="true"/>'
        f"<EnterpriseUrl>{escape(base_url)}/services/Soap/c/62.0/{org_id[:15]}</EnterpriseUrl>"
        f"<PartnerUrl>{escape(base_url)}/services/Soap/u/62.0/{org_id[:15]}</PartnerUrl>"
        + "".join(parts)
        + "</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if STORED_TIME.match(text):  # SOAP writes xsd:dateTime in UTC with a Z, not REST's +0000
        return text[:-5] + "Z"
    return text


@dataclass
class OutboundHub:
    clock: Clock
    ids: Any
    seed: int = 0
    base_url: str = ""
    retry_base_s: float = 0.2
    timeout_s: float = 5.0
    ssl_context: ssl.SSLContext | None = None
    configs: dict[str, OutboundConfig] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._queued: dict[str, dict[str, tuple[str, str, dict[str, Any]]]] = {}  # org -> record id -> item
        self._messages: list[_Message] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self._rng = random.Random(self.seed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def configure(self, org_id: str, url: str, fields: dict[str, list[str]]) -> OutboundConfig:
        config = OutboundConfig(
            url,
            {k: tuple(dict.fromkeys(["Id", *v])) for k, v in fields.items()},
            self.ids.new("OutboundMessage"),
        )
        with self._lock:
            self.configs[org_id] = config
        return config

    def on_change(
        self, org: Any, sobject: str, record: dict[str, Any], changed: tuple[str, ...], user_id: str
    ) -> None:
        config = self.configs.get(org.org_id)
        if config is None or sobject not in config.fields:
            return
        values = {name: record.get(name) for name in config.fields[sobject]}
        with self._lock:
            # Only the latest values of a record still waiting are sent.
            self._queued.setdefault(org.org_id, {})[record["Id"]] = (
                self.ids.new("Notification"),
                sobject,
                values,
            )

    def pending_count(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._queued.values()) + sum(
                len(m.notifications) for m in self._messages
            )

    def idle(self) -> bool:
        with self._lock:
            return not any(self._queued.values()) and not self._messages and self._in_flight == 0

    def pump(self, submit: Any = None) -> int:
        now = self.clock.now()
        with self._lock:
            for org_id, queued in self._queued.items():
                items = list(queued.values())
                queued.clear()
                for start in range(0, len(items), MAX_PER_MESSAGE):
                    self._messages.append(_Message(org_id, items[start : start + MAX_PER_MESSAGE], now))
            due = [m for m in self._messages if m.due <= now]
            for message in due:
                self._messages.remove(message)
            self._in_flight += len(due)
        for message in due:
            (submit or self._deliver)(message)
        return len(due)

    def _deliver(self, message: _Message) -> None:
        try:
            config = self.configs.get(message.org_id)
            status, acked = None, False
            if config is not None:
                body = envelope(message.org_id, config.action_id, self.base_url, message.notifications)
                headers = {
                    "Content-Type": "text/xml; charset=utf-8",
                    "SOAPAction": '""',
                    "User-Agent": "Salesforce - OutboundMessage (sandbox)",
                }
                try:
                    request = urllib.request.Request(config.url, data=body, headers=headers, method="POST")
                    with urllib.request.urlopen(
                        request, timeout=self.timeout_s, context=self.ssl_context
                    ) as answer:
                        status = answer.status
                        acked = status == 200 and b"<Ack>true</Ack>" in answer.read().replace(b" ", b"")
                except urllib.error.HTTPError as exc:
                    status = exc.code
                except (urllib.error.URLError, OSError, ValueError):
                    status = None
            with self._lock:
                self.deliveries.append(
                    Delivery(
                        self.clock.now(),
                        status,
                        acked,
                        [v["Id"] for _n, _s, v in message.notifications],
                        message.attempt,
                    )
                )
                if acked:
                    return
                if message.attempt < MAX_RETRIES:
                    delay = min(30.0, self.retry_base_s * 2**message.attempt) * self._rng.uniform(0.8, 1.2)
                    message.due, message.attempt = self.clock.now() + delay, message.attempt + 1
                    self._messages.append(message)
                else:
                    self.dropped.extend(v["Id"] for _n, _s, v in message.notifications)
        finally:
            with self._lock:
                self._in_flight -= 1

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(0.02):
                self.pump(
                    submit=lambda m: threading.Thread(target=self._deliver, args=(m,), daemon=True).start()
                )

        self._thread = threading.Thread(target=loop, name="sf-outbound-pump", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

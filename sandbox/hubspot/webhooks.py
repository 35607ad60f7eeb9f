"""Webhooks: the app's settings and subscriptions API, and delivery as HubSpot delivers.

Deliveries are JSON arrays of up to 100 events, signed with the v3 signature,
sometimes duplicated and out of order, and retried on any non-2xx answer or
timeout (up to 10 retries; HubSpot spreads them over 24 hours, the sandbox
compresses the schedule by ``retry_base_s``).
"""

from __future__ import annotations

import json
import random
import ssl
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sandbox.hubspot import schema
from sandbox.hubspot.signing import sign_v3
from sandbox.hubspot.store import Portal, Source, iso_ms

MAX_BATCH = 100
MAX_RETRIES = 10
KINDS = ("creation", "deletion", "propertyChange", "merge", "restore", "associationChange")
# Legacy per-object types, and the generic object.* types (any object, named by objectTypeId).
EVENT_TYPES = {f"{s}.{k}" for s in ("contact", "company", "deal", "object") for k in KINDS}


@dataclass
class Delivery:
    """One HTTP delivery attempt, kept for tests and the demo to inspect."""

    at: float
    status: int | None  # None: connection failure or timeout
    events: list[dict[str, Any]]
    attempt: int
    duplicate: bool = False


@dataclass
class _Batch:
    portal_id: int
    events: list[dict[str, Any]]
    due: float
    attempt: int = 0
    duplicate: bool = False


@dataclass
class WebhookHub:
    app_id: int
    client_secret: str
    clock: Any
    seed: int = 0
    target_url: str | None = None
    max_concurrent: int = 10
    subscriptions: dict[int, dict[str, Any]] = field(default_factory=dict)
    duplicate_rate: float = 0.05
    out_of_order_rate: float = 0.2
    batch_window_s: float = 0.05
    retry_base_s: float = 1.0
    timeout_s: float = 5.0
    ssl_context: ssl.SSLContext | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._pending: list[dict[str, Any]] = []
        self._pending_since: float | None = None
        self._batches: list[_Batch] = []
        self._in_flight = 0
        self._lock = threading.Lock()
        self._next_sub = 100
        self._last_event_id: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._pool: ThreadPoolExecutor | None = None

    # Subscriptions --------------------------------------------------------------------

    def add_subscription(
        self, event_type: str, property_name: str | None, active: bool, object_type_id: str | None = None
    ) -> dict[str, Any]:
        with self._lock:
            self._next_sub += 1
            now = iso_ms(self.clock.now_ms())
            sub = {
                "id": str(self._next_sub),
                "eventType": event_type,
                "active": active,
                "createdAt": now,
                "updatedAt": now,
            }
            if property_name:
                sub["propertyName"] = property_name
            if object_type_id:
                sub["objectTypeId"] = object_type_id
            self.subscriptions[self._next_sub] = sub
            return sub

    # Event generation -----------------------------------------------------------------

    def on_change(
        self,
        portal: Portal,
        object_type: str,
        record_id: str,
        kind: str,
        changes: list[tuple[str, str | None, str]],
        source: Source,
        installed: bool,
    ) -> None:
        if not installed or not self.target_url:
            return
        legacy, type_id = f"{schema.SINGULAR[object_type]}.{kind}", schema.TYPE_ID[object_type]
        now = self.clock.now_ms()
        events = []
        for sub in list(self.subscriptions.values()):
            generic = sub["eventType"] == f"object.{kind}" and sub.get("objectTypeId") == type_id
            if not sub["active"] or not (generic or sub["eventType"] == legacy):
                continue
            base = {
                "eventId": self._event_id(),
                "subscriptionId": int(sub["id"]),
                "portalId": portal.portal_id,
                "appId": self.app_id,
                "occurredAt": now,
                "subscriptionType": sub["eventType"],
                "attemptNumber": 0,
                "objectId": int(record_id),
                "changeSource": source.source_type,
            }
            if source.source_id:
                base["sourceId"] = source.source_id
            if generic:  # generic events name their object by its type id
                base["objectTypeId"] = type_id
            if kind == "creation":
                events.append(base | {"changeFlag": "CREATED"})
            elif kind == "propertyChange":
                for name, _old, new in changes:
                    if sub.get("propertyName") == name:
                        events.append(
                            base | {"eventId": self._event_id(), "propertyName": name, "propertyValue": new}
                        )
            else:
                events.append(base)
        if events:
            with self._lock:
                if not self._pending:
                    self._pending_since = self.clock.now()
                self._pending.extend(events)

    def _event_id(self) -> int:
        # eventId is not guaranteed unique: now and then HubSpot repeats one.
        if self._last_event_id is not None and self._rng.random() < 0.01:
            return self._last_event_id
        self._last_event_id = self._rng.randint(100_000_000, 999_999_999)
        return self._last_event_id

    # Delivery -------------------------------------------------------------------------

    def pump(self, submit: Any = None) -> int:
        """Send every batch that is due now; returns how many deliveries were started.

        ``submit`` runs a delivery elsewhere (the background pool); by default it
        runs inline, which is what tests with a manual clock want.
        """
        now = self.clock.now()
        due: list[_Batch] = []
        with self._lock:
            if self._pending and (
                len(self._pending) >= MAX_BATCH
                or self._pending_since is None
                or now - self._pending_since >= self.batch_window_s
            ):
                by_portal: dict[int, list[dict[str, Any]]] = {}
                for event in self._pending:
                    by_portal.setdefault(event["portalId"], []).append(event)
                self._pending, self._pending_since = [], None
                for portal_id, events in by_portal.items():
                    for start in range(0, len(events), MAX_BATCH):
                        self._batches.append(_Batch(portal_id, events[start : start + MAX_BATCH], now))
            ready = [b for b in self._batches if b.due <= now]
            room = max(0, self.max_concurrent - self._in_flight)
            due = ready[:room]
            for batch in due:
                self._batches.remove(batch)
            self._in_flight += len(due)
        for batch in due:
            (submit or self._deliver)(batch)
        return len(due)

    def idle(self) -> bool:
        with self._lock:
            return not self._pending and not self._batches and self._in_flight == 0

    def pending_count(self) -> int:
        with self._lock:
            return len(self._pending) + sum(len(b.events) for b in self._batches)

    def _deliver(self, batch: _Batch) -> None:
        try:
            events = [dict(e, attemptNumber=batch.attempt) for e in batch.events]
            if self._rng.random() < self.out_of_order_rate:
                self._rng.shuffle(events)
            body = json.dumps(events, separators=(",", ":")).encode()
            timestamp = self.clock.now_ms()
            url = self.target_url or ""
            headers = {
                "Content-Type": "application/json",
                "X-HubSpot-Signature-v3": sign_v3(self.client_secret, "POST", url, body, timestamp),
                "X-HubSpot-Request-Timestamp": str(timestamp),
                "User-Agent": "HubSpot Connect 2.0 (http://dev.hubspot.com/) (sandbox)",
            }
            status: int | None
            try:
                req = urllib.request.Request(url, data=body, headers=headers, method="POST")
                with urllib.request.urlopen(req, timeout=self.timeout_s, context=self.ssl_context) as resp:
                    status = resp.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except (urllib.error.URLError, OSError, ValueError):
                status = None
            with self._lock:
                self.deliveries.append(
                    Delivery(self.clock.now(), status, events, batch.attempt, batch.duplicate)
                )
                if status is not None and 200 <= status < 300:
                    if not batch.duplicate and self._rng.random() < self.duplicate_rate:
                        # Real deliveries are sometimes repeated: send this batch once more.
                        self._batches.append(
                            _Batch(
                                batch.portal_id,
                                batch.events,
                                self.clock.now() + self.batch_window_s,
                                batch.attempt,
                                duplicate=True,
                            )
                        )
                elif batch.attempt < MAX_RETRIES:
                    delay = self.retry_base_s * (2**batch.attempt) * self._rng.uniform(0.5, 1.5)
                    self._batches.append(
                        _Batch(
                            batch.portal_id,
                            batch.events,
                            self.clock.now() + delay,
                            batch.attempt + 1,
                            batch.duplicate,
                        )
                    )
                else:
                    self.dropped.extend(batch.events)
        finally:
            with self._lock:
                self._in_flight -= 1

    def start(self) -> None:
        """Deliver in the background until ``stop`` (the threaded mode of a running sandbox)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, self.max_concurrent), thread_name_prefix="hs-webhook"
        )

        def loop() -> None:
            while not self._stop.wait(0.02):
                self._pump_async()

        self._thread = threading.Thread(target=loop, name="hs-webhook-pump", daemon=True)
        self._thread.start()

    def _pump_async(self) -> None:
        pool = self._pool
        if pool is not None:
            self.pump(submit=lambda batch: pool.submit(self._deliver, batch))

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

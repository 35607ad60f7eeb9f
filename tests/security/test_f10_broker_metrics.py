"""F10 (review 2026-12): /metrics read ``leadq_broker_up`` and ``leadq_queue_length`` from
``LEADQ_REDIS_URL``, so with a separate broker an outage showed ``broker_up 1`` and empty queues.
They are read from the broker itself now: a Redis broker of its own, and RabbitMQ."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from leadq.app import create_app
from tests.faults.services import PrivateRedis
from tests.support import faults as faults_support
from tests.support.hubspot import Enqueued
from tests.support.services import service_missing
from workers.celery_app import make_celery

# Fixtures shared with other test directories (tests/support).
private_redis = faults_support.private_redis

TOKEN = "m" * 32
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672"


def scrape(settings) -> str:
    settings = settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    answer = (
        create_app(settings, enqueue=Enqueued())
        .test_client()
        .get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    )
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def gauge(text: str, name: str, queue: str | None = None) -> float | None:
    label = re.escape(f'{{queue="{queue}"}}') if queue else ""
    found = re.search(rf"^{name}{label} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else None


def send(settings, queue: str, n: int) -> None:
    """Tasks as the web app publishes them (nothing consumes them here)."""
    app = make_celery(settings)
    try:
        for i in range(n):
            app.send_task("leadq.process_changes", args=[999_000 + i, []], queue=queue)
    finally:
        app.close()


@pytest.mark.redis
def test_f10_queue_lengths_and_broker_up_come_from_the_broker_not_leadq_redis(
    leadq_settings,
    redis_client,
    private_redis: PrivateRedis,
):
    settings = leadq_settings.model_copy(update={"broker_url": private_redis.url})
    redis_client.rpush("changes", *[b"not a task"] * 5)  # leadq's own Redis: locks, limits, state
    send(settings, "changes", 3)
    send(settings, "backfill", 2)

    text = scrape(settings)
    assert gauge(text, "leadq_broker_up") == 1
    assert gauge(text, "leadq_queue_length", "changes") == 3, text
    assert gauge(text, "leadq_queue_length", "backfill") == 2, text
    assert gauge(text, "leadq_queue_length", "training") == 0

    private_redis.kill()  # the broker goes down; LEADQ_REDIS_URL is still fine
    assert redis_client.ping()
    text = scrape(settings)
    assert gauge(text, "leadq_broker_up") == 0, text
    assert gauge(text, "leadq_queue_length", "changes") is None, "no made-up queue lengths while down"
    assert private_redis.url not in text


@pytest.mark.redis
def test_f10_a_prefixed_stack_counts_its_own_queues_only(leadq_settings, private_redis: PrivateRedis):
    """Two stacks on one broker database (``make demo`` beside the tests): each one's /metrics
    counts the tasks in its own namespace, not the other's."""
    plain = leadq_settings.model_copy(update={"broker_url": private_redis.url})
    prefixed = plain.model_copy(update={"redis_prefix": f"demo-{uuid.uuid4().hex[:6]}:"})
    send(plain, "changes", 4)
    send(prefixed, "changes", 2)
    send(prefixed, "backfill", 1)

    assert gauge(scrape(prefixed), "leadq_queue_length", "changes") == 2
    assert gauge(scrape(prefixed), "leadq_queue_length", "backfill") == 1
    assert gauge(scrape(plain), "leadq_queue_length", "changes") == 4
    assert gauge(scrape(plain), "leadq_queue_length", "backfill") == 0


@pytest.mark.redis
def test_f10_a_broker_on_a_dead_port_is_down_while_leadq_redis_answers(leadq_settings, redis_client):
    from tests.faults.services import free_port

    dead = f"redis://127.0.0.1:{free_port()}/0"
    text = scrape(leadq_settings.model_copy(update={"broker_url": dead}))
    assert redis_client.ping()
    assert gauge(text, "leadq_broker_up") == 0, text
    # Without a separate broker, the broker is LEADQ_REDIS_URL, as before.
    redis_client.rpush("changes", b"a task")
    text = scrape(leadq_settings)
    assert gauge(text, "leadq_broker_up") == 1 and gauge(text, "leadq_queue_length", "changes") == 1


@pytest.fixture
def rabbitmq_vhost() -> Iterator[str]:
    """A private virtual host on the machine's RabbitMQ: queues named like production's
    ("changes", ...) without touching anyone else's."""
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        service_missing("RabbitMQ (rabbitmqctl, for a private vhost)", "rabbitmqctl not found")
    vhost = f"leadq-f10-{uuid.uuid4().hex[:10]}"
    try:
        subprocess.run([ctl, "add_vhost", vhost], check=True, capture_output=True, timeout=60)
        subprocess.run(
            [ctl, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        service_missing("RabbitMQ", str(exc).splitlines()[0])
    yield f"{RABBITMQ}/{vhost}"
    subprocess.run([ctl, "delete_vhost", vhost], capture_output=True, timeout=60, check=False)


@pytest.mark.redis
def test_f10_rabbitmq_broker_queue_lengths_and_outage(leadq_settings, redis_client, rabbitmq_vhost):
    settings = leadq_settings.model_copy(update={"broker_url": rabbitmq_vhost})
    redis_client.rpush("changes", *[b"not a task"] * 5)
    send(settings, "changes", 4)
    send(settings, "default", 1)

    text = scrape(settings)
    assert gauge(text, "leadq_broker_up") == 1, text
    assert gauge(text, "leadq_queue_length", "changes") == 4, text
    assert gauge(text, "leadq_queue_length", "default") == 1, text
    assert gauge(text, "leadq_queue_length", "training") == 0, "a queue never declared holds nothing"

    for broken in (
        rabbitmq_vhost.replace("guest:guest", "guest:wrong"),  # refused
        f"{RABBITMQ}/no-such-vhost-{uuid.uuid4().hex[:6]}",  # no such virtual host
        "amqp://guest:guest@127.0.0.1:1//",  # nothing listening
    ):
        text = scrape(settings.model_copy(update={"broker_url": broken}))
        assert gauge(text, "leadq_broker_up") == 0, (broken, text)
        assert "guest" not in text


def test_f10_metrics_families_are_declared_once(leadq_settings, crm, redis_client, sessions) -> None:
    """F10 (re-test): ``# HELP``/``# TYPE leadq_queue_length`` came once per queue (and per status
    for the labelled families). Prometheus' text format declares a family once, before its samples."""
    from datetime import UTC, datetime

    from storage.tables import ProcessedEvent
    from tests.support.hubspot import event, install, signed_post

    client = create_app(leadq_settings, enqueue=Enqueued()).test_client()
    install(client, crm)
    signed_post(client, crm.client_secret, [event(crm.portal_id, 1001), event(crm.portal_id, 1002)])
    with sessions.begin() as db:  # a second status, so the labelled families have several samples
        first = db.query(ProcessedEvent).order_by(ProcessedEvent.id).first()
        first.status, first.received_at = "done", datetime.now(UTC)
    text = scrape(leadq_settings)
    declared: dict[str, dict[str, int]] = {}
    seen_samples: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# "):
            kind, name = line.split()[1:3]
            assert kind in ("HELP", "TYPE"), line
            assert name not in seen_samples, f"{kind} of {name} after its samples"
            declared.setdefault(name, {"HELP": 0, "TYPE": 0})[kind] += 1
            continue
        name = re.split(r"[{ ]", line, maxsplit=1)[0]
        assert name in declared, f"sample of {name} before its HELP/TYPE"
        seen_samples.add(name)
    assert "leadq_queue_length" in declared and "leadq_change_events" in declared
    assert text.count('leadq_queue_length{queue="') == 4
    assert len(re.findall(r"^leadq_change_events\{", text, re.MULTILINE)) == 2
    for name, counts in declared.items():
        assert counts == {"HELP": 1, "TYPE": 1}, (name, counts)
    # The samples of one family are together (a family's declaration is followed by all its samples).
    names = [re.split(r"[{ ]", line, maxsplit=1)[0] for line in text.splitlines() if not line.startswith("#")]
    runs = [name for index, name in enumerate(names) if index == 0 or names[index - 1] != name]
    assert len(runs) == len(set(runs)), runs

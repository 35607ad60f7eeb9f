"""Two leadq stacks on one Redis database (a running ``leadq demo`` beside the test suite) do not see
each other's keys or tasks when each has its own ``LEADQ_REDIS_PREFIX``."""

from __future__ import annotations

import pytest

from leadq.app import create_app
from storage import inbound_limit
from storage.heartbeats import claim_if_silent
from storage.redis_locks import RedisLimiter, RedisLocks
from storage.redis_namespace import clear_namespace, with_prefix
from tests.support.services import REDIS_URL
from workers.celery_app import make_celery
from workers.services.context import Runtime
from workers.services.heartbeat import backfill_heartbeat


def test_the_keys_a_command_names_are_the_ones_prefixed() -> None:
    assert with_prefix("p:", ["GET", "k"]) == ["GET", "p:k"]
    assert with_prefix("p:", ["DEL", "a", b"b"]) == ["DEL", "p:a", b"p:b"]
    assert with_prefix("p:", ["EVALSHA", "sha", 2, "a", "b", "arg"]) == [
        "EVALSHA",
        "sha",
        2,
        "p:a",
        "p:b",
        "arg",
    ]
    assert with_prefix("p:", ["SCRIPT LOAD", "return 1"]) == ["SCRIPT LOAD", "return 1"]
    assert with_prefix("", ["GET", "k"]) == ["GET", "k"]


@pytest.mark.redis
def test_two_stacks_on_one_database_keep_their_keys_and_tasks_apart(settings, engine, redis_client) -> None:
    database = engine.url.render_as_string(hide_password=False)
    stacks = [
        settings.model_copy(update={"redis_url": REDIS_URL, "redis_prefix": p, "database_url": database})
        for p in ("stack-a:", "stack-b:")
    ]
    web = [create_app(s).extensions["leadq"].redis for s in stacks]
    workers = [Runtime.from_settings(s).redis for s in stacks]
    for client in web + workers:
        assert client.key_prefix in ("stack-a:", "stack-b:")

    # The same lock held by both at once: each stack has its own.
    locks = [RedisLocks(client, ttl_s=5.0, wait_s=0.5) for client in workers]
    with locks[0]("installation:1"), locks[1]("installation:1"):
        assert sorted(redis_client.keys("*lock*")) == [
            b"stack-a:leadq:lock:installation:1",
            b"stack-b:leadq:lock:installation:1",
        ]
    # Limits count apart: stack a spends its minute, stack b still has all of its own.
    assert not inbound_limit.allow(web[0], 1, 11, per_minute=10)
    assert inbound_limit.allow(web[1], 1, 10, per_minute=10)
    for client in workers:
        RedisLimiter(client).acquire("hubspot:1", limit=5, window_s=10)
    with backfill_heartbeat(workers[0], 1, "backfill", every_s=60.0):  # stack a's backfill beats
        assert not claim_if_silent(workers[1], 1, "backfill", 0.0), "stack b sees no beat of a's"
        assert claim_if_silent(workers[0], 1, "backfill", 0.0)

    # Tasks: each stack's queue is its own.
    for stack in stacks:
        make_celery(stack).send_task("leadq.process_changes", args=[1, ["k"]], queue="changes")
    assert redis_client.llen("stack-a:changes") == 1 and redis_client.llen("stack-b:changes") == 1
    assert not redis_client.exists("changes")

    every = {key.decode() for key in redis_client.keys("*")}
    assert every and all(key.startswith(("stack-a:", "stack-b:")) for key in every), every
    assert clear_namespace(REDIS_URL, "stack-a:") == len([k for k in every if k.startswith("stack-a:")])
    assert {key.decode() for key in redis_client.keys("*")} == {k for k in every if k.startswith("stack-b:")}

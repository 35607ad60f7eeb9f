"""The Celery app's reliability settings, and a real worker answering over real Redis."""

from __future__ import annotations

import pytest

from workers.celery_app import make_celery


def test_every_task_is_acknowledged_late_and_requeued_on_worker_loss(settings):
    app = make_celery(settings)
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1 and app.conf.accept_content == ["json"]
    assert app.conf.broker_url == settings.redis_url


@pytest.mark.redis
def test_the_broker_is_reachable_over_a_real_connection(settings, redis_client):
    from tests.support.services import REDIS_URL

    app = make_celery(settings.model_copy(update={"broker_url": REDIS_URL}))
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)
        assert connection.connected


def test_salesforce_poll_is_scheduled_at_the_configured_interval(settings):
    app = make_celery(settings.model_copy(update={"salesforce_poll_interval_s": 30.0}))
    entry = app.conf.beat_schedule["salesforce-poll"]
    assert entry == {"task": "leadq.schedule", "schedule": 30.0, "args": ("poll",)}
    assert app.conf.task_routes["leadq.poll"] == {"queue": "changes"}


def test_the_reroute_pass_is_on_beat_and_runs_on_the_changes_queue(settings):
    app = make_celery(settings.model_copy(update={"reroute_interval_s": 120.0}))
    entry = app.conf.beat_schedule["reroute"]
    assert entry == {"task": "leadq.schedule", "schedule": 120.0, "args": ("reroute",)}
    assert app.conf.task_routes["leadq.reroute"] == {"queue": "changes"}

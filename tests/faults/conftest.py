"""Fault-suite fixtures (defined in ``tests.support.faults``): a HubSpot sandbox slow enough to
interrupt, a backfill under way in it, and private Redis/RabbitMQ/PostgreSQL servers that a test may
kill and restart."""

from tests.support.faults import broker, hubspot, mid_backfill, private_postgres, private_redis  # noqa: F401

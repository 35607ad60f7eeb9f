"""The install edge: OAuth flows, signed state, token freshness. No Flask, no Celery."""

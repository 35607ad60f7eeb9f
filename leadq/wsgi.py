"""WSGI entry point for production servers: ``gunicorn 'leadq.wsgi:app'``."""

from __future__ import annotations

from leadq.app import create_app

app = create_app()

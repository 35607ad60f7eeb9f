"""The Flask app factory: ``create_app(settings)``; nothing is built at import time."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from leadq.logging import configure_logging
from leadq.settings import Settings, load_settings
from leadq.storage.db import make_engine, make_session_factory
from leadq.storage.vault import Vault


@dataclass
class Services:
    """What views reach through ``current_app.extensions["leadq"]``."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    vault: Vault


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.flask_secret(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    engine = make_engine(settings.sqlalchemy_url)
    app.extensions["leadq"] = Services(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        vault=Vault(settings.fernet_keys()),
    )

    from leadq.web import health

    app.register_blueprint(health.bp)
    return app

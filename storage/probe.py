"""Whether the database answers: what the readiness check asks."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError


def database_reachable(engine: Engine) -> bool:
    """True when a ``SELECT 1`` on a fresh connection succeeds."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True

"""Persistence: SQLAlchemy models, repositories, the token vault and Redis state."""

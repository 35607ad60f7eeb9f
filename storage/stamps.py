"""Stamps as read back from the database: stored in UTC, but SQLite returns them without a zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


@overload
def aware(when: datetime) -> datetime: ...
@overload
def aware(when: None) -> None: ...
@overload
def aware(when: datetime | None) -> datetime | None: ...
def aware(when: datetime | None) -> datetime | None:
    """The stamp with its UTC zone (a naive stamp from SQLite is UTC); None stays None."""
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when

"""Monitoring's tables (issue 19): outcomes kept in leadq's store, and alarms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.model_base import Base, Stamp, utcnow


class OutcomeRow(Base):
    """A record's outcome (won or lost) and when it was decided, as the CRM told leadq's last
    outcome read: monitoring joins it with the scores without calling the CRM."""

    __tablename__ = "outcomes"
    __table_args__ = (UniqueConstraint("installation_id", "object_type", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # won | lost
    occurred_at: Mapped[datetime] = mapped_column(Stamp)
    recorded_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class AlarmRow(Base):
    """A monitoring alarm: raised when its condition holds, cleared (kept, with ``cleared_at``) when
    it ends; at most one open per installation, kind and subject (the feature, rep or queue)."""

    __tablename__ = "alarms"
    __table_args__ = (
        Index(
            "uq_alarms_open",
            "installation_id",
            "kind",
            "subject",
            unique=True,
            sqlite_where=text("cleared_at IS NULL"),
            postgresql_where=text("cleared_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(128), default="", server_default="")
    cause: Mapped[str] = mapped_column(Text, default="", server_default="")  # what moved, in words
    check_hint: Mapped[str] = mapped_column(Text, default="", server_default="")  # what to check
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    since: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)  # when the condition began
    raised_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    notified_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    clear_notified_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)

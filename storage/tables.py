"""SQLAlchemy 2 models. Alembic migrations in ``migrations/`` must match these exactly. The base and
its naming rules are in ``storage.model_base``; monitoring's tables in ``storage.monitor_tables``
(re-exported here, so ``Base.metadata`` always holds every table)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.model_base import NAMING as NAMING
from storage.model_base import Base as Base
from storage.model_base import Stamp as Stamp
from storage.model_base import utcnow as utcnow
from storage.monitor_tables import AlarmRow as AlarmRow
from storage.monitor_tables import OutcomeRow as OutcomeRow


class Installation(Base):
    """One CRM tenant (HubSpot portal or Salesforce org) that installed leadq."""

    __tablename__ = "installations"
    __table_args__ = (UniqueConstraint("crm_kind", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crm_kind: Mapped[str] = mapped_column(String(20))
    tenant_id: Mapped[str] = mapped_column("external_id", String(64))  # the column keeps its first name
    status: Mapped[str] = mapped_column(String(32), default="active")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    installed_by: Mapped[str] = mapped_column(String(255), default="")
    instance_url: Mapped[str] = mapped_column(String(255), default="")
    # Salesforce: which login host issued the tokens ("production" or "sandbox"); refreshes go there.
    auth_env: Mapped[str] = mapped_column(String(16), default="", server_default="")
    scopes: Mapped[str] = mapped_column(Text, default="")
    icp_toml: Mapped[str | None] = mapped_column(Text, nullable=True)
    routing_toml: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Saved from the admin app but not yet approved: only a preview (dry run) uses them.
    pending_icp_toml: Mapped[str | None] = mapped_column(Text, nullable=True)
    pending_routing_toml: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Where alarms are POSTed (a Slack-compatible incoming webhook), Fernet-encrypted: the URL is a secret.
    alarm_webhook_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, onupdate=utcnow)


class EncryptedToken(Base):
    """An OAuth token, Fernet-encrypted. Plaintext exists only inside ``vault.py``."""

    __tablename__ = "encrypted_tokens"
    __table_args__ = (UniqueConstraint("installation_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # access | refresh
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, onupdate=utcnow)


class OutboundSecret(Base):
    """The secret in a Salesforce installation's outbound-message endpoint URL
    (``/webhooks/salesforce/<secret>``): its first characters (a random handle, not secret) to find
    it, its SHA-256 to check it in constant time, and the secret itself Fernet-encrypted so the
    admin app can show the URL again."""

    __tablename__ = "outbound_secrets"

    installation_id: Mapped[int] = mapped_column(
        ForeignKey("installations.id", ondelete="CASCADE"), primary_key=True
    )
    handle: Mapped[str] = mapped_column(String(16), unique=True)  # the secret's first characters
    secret_sha256: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class SyncCursor(Base):
    """Incremental-read high-water marks and backfill checkpoints, per object type."""

    __tablename__ = "sync_cursors"
    __table_args__ = (UniqueConstraint("installation_id", "object_type", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(32))  # incremental | backfill | poll
    cursor: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="idle")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, onupdate=utcnow)


class LedgerEntry(Base):
    """What leadq last wrote to one field of one record, and when."""

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("installation_id", "object_type", "record_id", "field_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(64))
    field_key: Mapped[str] = mapped_column(String(128))
    value: Mapped[str | None] = mapped_column(Text, nullable=True)
    record_version: Mapped[str] = mapped_column(String(64), default="")
    written_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class ScoreRow(Base):
    """One scoring result; the history of a record's scores is kept."""

    __tablename__ = "scores"
    __table_args__ = (
        Index("ix_scores_record", "installation_id", "object_type", "record_id", "scored_at"),
        Index("ix_scores_time", "installation_id", "scored_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(64))
    record_version: Mapped[str] = mapped_column(String(64), default="")
    fit: Mapped[float] = mapped_column(Float)
    engagement: Mapped[float] = mapped_column(Float)
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    tier: Mapped[str] = mapped_column(String(4))
    verdict: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[str] = mapped_column(String(8))  # high | medium | low
    confidence_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    model_version: Mapped[str] = mapped_column(String(64), default="rules")
    scored_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    # The newest engagement the record showed when it was scored (None: none known, or an account).
    last_engaged_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    priority: Mapped[float | None] = mapped_column(Float, nullable=True)  # 0-100, what tiers are cut from
    # The model's inputs (PersonFeatures.model_row; None: an empty field), for drift and missing rates.
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class RoutingDecisionRow(Base):
    """The audit log of routing: who got the record, and the path that chose them."""

    __tablename__ = "routing_decisions"
    __table_args__ = (
        Index("ix_routing_record", "installation_id", "object_type", "record_id"),
        Index("ix_routing_time", "installation_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    queue: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rule: Mapped[str] = mapped_column(String(64), default="")
    path: Mapped[list[Any]] = mapped_column(default=list)
    previous_owner_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sla_due: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    status: Mapped[str] = mapped_column(
        String(16), default="assigned", server_default="assigned"
    )  # assigned | worked | rerouted | overridden
    decided_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    # What the decision weighed, for the fairness ledger: the pool, the record's calibrated
    # probability, each candidate's effective weight and the chosen rep's performance multiplier.
    pool: Mapped[str | None] = mapped_column(String(64), nullable=True)
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    multiplier: Mapped[float | None] = mapped_column(Float, nullable=True)
    weights: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The lead's size segment in a weighted pool ("" unknown size; NULL outside one, or logged before
    # leadq kept it): the performance step counts each rep's outcomes per segment.
    segment: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # For routing health: when the CRM created the record, and when a person first worked it.
    record_created_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    first_touch_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)


class ModelVersion(Base):
    """A trained conversion model: champion, challenger or retired, with its metrics."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("installation_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="challenger")
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    artifact: Mapped[bytes] = mapped_column(LargeBinary)
    trained_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    window_start: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    window_end: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    promoted_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)


class ProcessedEvent(Base):
    """Webhook event keys already accepted, so a redelivery is not processed twice."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("installation_id", "event_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    event_key: Mapped[str] = mapped_column(String(255))
    object_type: Mapped[str] = mapped_column(String(20), default="")
    record_id: Mapped[str] = mapped_column(String(64), default="")
    occurred_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    received_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class DeadLetter(Base):
    """Work that failed for a reason a person must look at; kept until retried or resolved."""

    __tablename__ = "dead_letters"
    # One open row per failing record: a new failure updates it (storage.dead_letters).
    __table_args__ = (
        Index(
            "uq_dead_letters_open_record",
            "installation_id",
            "object_type",
            "record_id",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(20), default="")
    record_id: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=1)  # failed writes, the first included
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    last_failed_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)


class OAuthNonce(Base):
    """Used OAuth ``state`` nonces: a callback can be accepted once only."""

    __tablename__ = "oauth_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(Stamp)


class Feedback(Base):
    """A person changed a value leadq wrote (an override), or rejected a lead: training signal."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_record", "installation_id", "object_type", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # override | rejected
    field_key: Mapped[str] = mapped_column(String(128), default="")
    leadq_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    human_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Admin(Base):
    """A person who may use the admin app: a local account (scrypt password) or a CRM user."""

    __tablename__ = "admins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255), default="")  # empty: CRM sign-in only
    crm_user: Mapped[str] = mapped_column(
        String(255), default="", server_default=""
    )  # "<crm>:<tenant>:<user>"
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)


class AdminGrant(Base):
    """Which installations an admin may see and change; nothing else is visible to them."""

    __tablename__ = "admin_grants"
    __table_args__ = (UniqueConstraint("admin_id", "installation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("admins.id", ondelete="CASCADE"))
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))


class AdminSession(Base):
    """A signed-in browser, server side: the cookie carries a random id (selector and verifier; only
    the verifier's hash is stored) whose row must exist and be unexpired for the session to count, so
    logout, a password change or removing the admin ends it, and it ends at ``expires_at`` whatever
    the cookie says (an absolute lifetime counted from sign-in)."""

    __tablename__ = "admin_sessions"
    __table_args__ = (Index("ix_admin_sessions_admin", "admin_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("admins.id", ondelete="CASCADE"))
    selector: Mapped[str] = mapped_column(String(32), unique=True)  # the cookie id's public half
    verifier_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of its secret half
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Stamp)


class ReconcileRun(Base):
    """One reconciliation: leadq's fields as the CRM holds them, against what leadq decided and wrote."""

    __tablename__ = "reconcile_runs"
    __table_args__ = (Index("ix_reconcile_installation", "installation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    checked: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # kind -> records
    by_object: Mapped[dict[str, Any]] = mapped_column(default=dict)  # object type -> {kind: records}
    examples: Mapped[dict[str, Any]] = mapped_column(default=dict)  # kind -> [{record, field, ...}]
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    fixed: Mapped[int] = mapped_column(Integer, default=0)
    trigger: Mapped[str] = mapped_column(String(16), default="manual")  # manual | scheduled | demo


class LeadDirectoryRow(Base):
    """Who a scored record is, as last read when leadq scored it: what the Leads list shows and
    searches (name, e-mail, company, domain) and its owner (id, and name where leadq knew it)."""

    __tablename__ = "lead_directory"
    __table_args__ = (
        UniqueConstraint("installation_id", "object_type", "record_id"),
        Index("ix_lead_directory_name", "installation_id", "name"),
        Index("ix_lead_directory_company", "installation_id", "company"),
        Index("ix_lead_directory_owner", "installation_id", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    email: Mapped[str] = mapped_column(String(255), default="", server_default="")
    company: Mapped[str] = mapped_column(String(255), default="", server_default="")
    domain: Mapped[str] = mapped_column(String(255), default="", server_default="")
    owner_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    owner_name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # A HubSpot Leads record's contact, its label and pipeline stage as read ("" for anything else).
    person_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    label: Mapped[str] = mapped_column(String(64), default="", server_default="")
    stage: Mapped[str] = mapped_column(String(64), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, onupdate=utcnow)

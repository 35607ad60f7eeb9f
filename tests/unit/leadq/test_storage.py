"""Storage on the backend under test: migrations match the models, tokens are encrypted at rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from core.records import CrmKind
from storage import installations
from storage.db import transaction
from storage.tables import Base, LedgerEntry, ProcessedEvent
from storage.tokens import load_tokens, rotate_all, save_tokens
from storage.vault import Vault

pytestmark = pytest.mark.db

ACCESS = "CO-live-access-token-" + "x" * 60
REFRESH = "refresh-token-7f3a9c2b1e"


def test_migrations_create_exactly_the_schema_the_models_describe(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert set(inspect(engine).get_table_names()) >= {
        "installations",
        "encrypted_tokens",
        "sync_cursors",
        "ledger_entries",
        "scores",
        "routing_decisions",
        "model_versions",
        "processed_events",
        "dead_letters",
        "alembic_version",
    }


def test_reinstall_updates_the_same_installation(sessions):
    with transaction(sessions) as session:
        first = installations.upsert_installation(session, CrmKind.HUBSPOT, "20001000", installed_by="a@x.io")
        installations.set_status(session, first.id, installations.NEEDS_REAUTH, "refresh token revoked")
    with transaction(sessions) as session:
        again = installations.upsert_installation(session, CrmKind.HUBSPOT, "20001000")
        assert (
            again.id == first.id and again.status == installations.ACTIVE and again.installed_by == "a@x.io"
        )
        assert len(installations.list_all(session)) == 1


def test_tokens_are_encrypted_at_rest_and_the_raw_database_holds_no_plaintext(sessions, engine):
    vault = Vault([Vault.generate_key()])
    expires = datetime.now(UTC) + timedelta(minutes=30)
    with transaction(sessions) as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "1")
        save_tokens(session, vault, inst.id, access_token=ACCESS, refresh_token=REFRESH, expires_at=expires)
    with engine.connect() as conn:
        dump = []
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                dump.extend(
                    bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v) for v in row
                )
    everything = "\n".join(dump)
    assert ACCESS not in everything and REFRESH not in everything and "refresh-token" not in everything
    with transaction(sessions) as session:
        loaded = load_tokens(session, vault, inst.id)
    assert loaded.access_token == ACCESS and loaded.refresh_token == REFRESH
    assert ACCESS not in repr(loaded)


def test_keys_rotate_re_encrypts_every_token_under_the_newest_key(sessions):
    old, new = Vault.generate_key(), Vault.generate_key()
    with transaction(sessions) as session:
        for portal in ("1", "2"):
            inst = installations.upsert_installation(session, CrmKind.HUBSPOT, portal)
            save_tokens(
                session,
                Vault([old]),
                inst.id,
                access_token=ACCESS + portal,
                refresh_token=REFRESH,
                expires_at=None,
            )
    with transaction(sessions) as session:
        assert rotate_all(session, Vault([new, old])) == (4, 0)
    with transaction(sessions) as session:
        assert rotate_all(session, Vault([new, old])) == (0, 4)
        inst = installations.find(session, CrmKind.HUBSPOT, "2")
        assert load_tokens(session, Vault([new]), inst.id).access_token == ACCESS + "2"


def test_ledger_and_processed_events_are_unique_per_key(sessions):
    from sqlalchemy.exc import IntegrityError

    with transaction(sessions) as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "9")
        session.add(
            LedgerEntry(
                installation_id=inst.id,
                object_type="contact",
                record_id="1",
                field_key="leadq_tier",
                value="L1",
            )
        )
        session.add(ProcessedEvent(installation_id=inst.id, event_key="contact:1:v5"))
    with pytest.raises(IntegrityError), transaction(sessions) as session:
        session.add(ProcessedEvent(installation_id=inst.id, event_key="contact:1:v5"))
    with transaction(sessions) as session:
        assert session.scalars(select(LedgerEntry)).one().value == "L1"


def test_deleting_an_installation_cascades_to_its_rows(sessions):
    with transaction(sessions) as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "cascade")
        save_tokens(
            session,
            Vault([Vault.generate_key()]),
            inst.id,
            access_token=ACCESS,
            refresh_token=None,
            expires_at=None,
        )
    with transaction(sessions) as session:
        session.delete(installations.get(session, inst.id))
    with transaction(sessions) as session:
        assert session.execute(text("SELECT COUNT(*) FROM encrypted_tokens")).scalar() == 0

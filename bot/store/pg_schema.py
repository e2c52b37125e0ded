"""The PostgreSQL schema as numbered migrations, applied once each and in order.

Each migration runs in one transaction together with the bump of ``chatdesk_schema``, under
an advisory lock, so replicas starting at once apply it exactly once and a failure applies
nothing. A database whose schema is newer than this code is refused rather than guessed at.
Later features add a migration here (say, an ``outbox`` table) and never edit an applied one;
migration 2 is the inbox (``bot.pg_inbox``), migration 3 the outbox (``bot.pg_outbox``), migration 4
its ``uncertain`` column.
"""

from __future__ import annotations

from typing import Any

from bot import messages
from bot.errors import StoreError

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "tickets, their keys, the memo and the ticket number sequence", """
        CREATE SEQUENCE ticket_number START 1;
        CREATE TABLE tickets (
            number bigint PRIMARY KEY,
            record jsonb NOT NULL,
            version integer NOT NULL,
            state text NOT NULL,
            requester_platform text NOT NULL,
            requester_user text NOT NULL,
            assignee text,
            opened_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        );
        CREATE INDEX tickets_active ON tickets (number) WHERE state IN ('open', 'claimed', 'waiting');
        CREATE INDEX tickets_state ON tickets (state);
        CREATE INDEX tickets_requester ON tickets (requester_platform, requester_user);
        CREATE INDEX tickets_assignee ON tickets (assignee) WHERE assignee IS NOT NULL;
        CREATE INDEX tickets_opened ON tickets (opened_at);
        CREATE INDEX tickets_updated ON tickets (updated_at);
        CREATE TABLE ticket_keys (
            key text PRIMARY KEY,
            number bigint NOT NULL REFERENCES tickets (number)
        );
        CREATE INDEX ticket_keys_number ON ticket_keys (number);
        CREATE TABLE memo (
            key text PRIMARY KEY,
            value jsonb NOT NULL
        );
    """),
    (2, "the inbox: inbound requests between their acknowledgement and their handling", """
        CREATE TABLE inbox (
            id bigserial PRIMARY KEY,
            source text NOT NULL,
            key text,
            payload jsonb NOT NULL,
            recorded double precision NOT NULL,
            owner integer NOT NULL,
            handled double precision,
            set_aside boolean NOT NULL DEFAULT false
        );
        CREATE UNIQUE INDEX inbox_key ON inbox (source, key) WHERE key IS NOT NULL;
        CREATE INDEX inbox_pending ON inbox (source, owner, id) WHERE handled IS NULL AND NOT set_aside;
        CREATE INDEX inbox_handled ON inbox (recorded) WHERE handled IS NOT NULL;
    """),
    (3, "the outbox: posts the desk owes until the platform accepted them", """
        CREATE TABLE outbox (
            id bigserial PRIMARY KEY,
            platform text NOT NULL,
            key text NOT NULL,
            lane text NOT NULL,
            payload jsonb NOT NULL,
            mark text,
            recorded double precision NOT NULL,
            expires double precision NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            next_attempt double precision NOT NULL DEFAULT 0,
            last_error text,
            state text NOT NULL DEFAULT 'pending',
            given_up text,
            done double precision
        );
        CREATE UNIQUE INDEX outbox_key ON outbox (platform, key);
        CREATE INDEX outbox_pending ON outbox (platform, id) WHERE state = 'pending';
    """),
    (4, "outbox posts whose last send ended unknown, looked for before they are sent again", """
        ALTER TABLE outbox ADD COLUMN uncertain boolean NOT NULL DEFAULT false;
    """),
)
LATEST = MIGRATIONS[-1][0]
# pg_advisory_xact_lock key for migrations: any constant no other lock of ours uses.
MIGRATION_LOCK = 0x63_68_61_74_64_65_73_6B  # "chatdesk"


def schema_version(conn: Any) -> int:
    """The applied version, 0 for a database chatdesk never touched."""
    exists = conn.execute("SELECT to_regclass('chatdesk_schema') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT version FROM chatdesk_schema").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: Any, *, location: str) -> list[str]:
    """Apply every migration the database lacks; returns a line per migration applied."""
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK])
        conn.execute("CREATE TABLE IF NOT EXISTS chatdesk_schema (version integer NOT NULL)")
        current = schema_version(conn)
        refuse_newer(current, location=location)
        for version, title, sql in MIGRATIONS:
            if version > current:
                conn.execute(sql)
                applied.append(f"{version}: {title}")
        if applied:
            conn.execute("DELETE FROM chatdesk_schema")
            conn.execute("INSERT INTO chatdesk_schema (version) VALUES (%s)", [LATEST])
    return applied


def refuse_newer(version: int, *, location: str) -> None:
    if version > LATEST:
        raise StoreError(messages.STORE_SCHEMA_NEWER, location=location, found=version, known=LATEST)

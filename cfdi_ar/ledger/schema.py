"""The ledger's tables, as numbered migrations applied forward, in order, automatically.

A migration never edits or drops data it did not create. Opening a ledger
applies the ones it lacks inside one write transaction (all or none); before
migrating an SQLite file that already holds data, a copy is written beside it
(``<file>.before-v<N>``). A ledger written by a newer cfdi-ar is refused, never
downgraded.

Conventions: UUIDs upper-case (CHECK); amounts exact, with the scale they
were written with (TEXT in SQLite, unconstrained NUMERIC in PostgreSQL, which
keeps "100.00" as 100.00; never floating point); instants as ISO-8601 text
(``YYYY-MM-DDTHH:MM:SS``, local Mexico time for CFDI dates, UTC with ``Z`` for
run times); booleans 0/1.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone

from .db import Database, LedgerError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "schema_version"]


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]  # with {amount}, {blob}, {serial}, {bigint} for the engine's types
    # Engine-specific statements instead, by dialect ("sqlite", "postgresql"), when the engines differ.
    by_dialect: dict[str, tuple[str, ...]] | None = None
    # SQLite only: the statements rebuild a table other tables reference (SQLite cannot alter a CHECK
    # constraint), so foreign keys are off while they run and checked whole before the commit.
    rebuilds_sqlite_table: bool = False

    def statements_for(self, dialect: str) -> tuple[str, ...]:
        return self.by_dialect[dialect] if self.by_dialect is not None else self.statements


_UUID = "TEXT NOT NULL CHECK (length({col}) = 36 AND {col} = upper({col}))"


def _uuid(col: str) -> str:
    return _UUID.format(col=col)


# Migration 3: raw documents compressed with zstd (~2.5x fewer instructions than zlib for the same size).
# PostgreSQL widens the CHECK constraint; SQLite, which cannot alter one, rebuilds the table (SQLite's
# "12-step" procedure: new table, copy, drop, rename, with foreign keys off and checked before commit).
_BLOBS_V3 = """CREATE TABLE blobs_v3 (
            sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
            size {bigint} NOT NULL,
            compression TEXT NOT NULL CHECK (compression IN ('zlib', 'zstd')),
            data {blob} NOT NULL
        )"""


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "documents, blobs, findings, payments, relations, runs", (
        """CREATE TABLE runs (
            id {serial},
            command TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            os_user TEXT NOT NULL,
            host TEXT NOT NULL,
            arguments TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('committed', 'failed')),
            counts TEXT NOT NULL,
            message TEXT
        )""",
        """CREATE TABLE run_inputs (
            run_id {bigint} NOT NULL REFERENCES runs(id),
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            sha256 TEXT,
            size {bigint},
            outcome TEXT NOT NULL,
            uuid TEXT,
            message TEXT,
            PRIMARY KEY (run_id, position)
        )""",
        """CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
            size {bigint} NOT NULL,
            compression TEXT NOT NULL CHECK (compression IN ('zlib')),
            data {blob} NOT NULL
        )""",
        f"""CREATE TABLE documents (
            uuid {_uuid('uuid')} PRIMARY KEY,
            raw_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
            cadena_sha256 TEXT,
            name TEXT NOT NULL,
            version TEXT,
            tipo TEXT,
            serie TEXT,
            folio TEXT,
            fecha TEXT,
            emisor_rfc TEXT,
            emisor_nombre TEXT,
            receptor_rfc TEXT,
            receptor_nombre TEXT,
            moneda TEXT,
            tipo_cambio {{amount}},
            subtotal {{amount}},
            descuento {{amount}},
            total {{amount}},
            metodo_pago TEXT,
            forma_pago TEXT,
            condiciones_de_pago TEXT,
            uso_cfdi TEXT,
            fecha_timbrado TEXT,
            valid INTEGER NOT NULL CHECK (valid IN (0, 1)),
            accepted INTEGER NOT NULL CHECK (accepted IN (0, 1)),  -- counts in balances: valid, or --accept-invalid
            errors INTEGER NOT NULL,
            warnings INTEGER NOT NULL,
            ours INTEGER NOT NULL CHECK (ours IN (0, 1)),
            run_id {{bigint}} NOT NULL REFERENCES runs(id)
        )""",
        "CREATE INDEX documents_receptor ON documents (receptor_rfc)",
        "CREATE INDEX documents_tipo_fecha ON documents (tipo, fecha)",
        """CREATE TABLE findings (
            uuid TEXT NOT NULL REFERENCES documents(uuid),
            position INTEGER NOT NULL,
            code TEXT NOT NULL,
            severity TEXT NOT NULL,
            message TEXT NOT NULL,
            xpath TEXT,
            PRIMARY KEY (uuid, position)
        )""",
        """CREATE TABLE payments (
            payment_uuid TEXT NOT NULL REFERENCES documents(uuid),
            pago_index INTEGER NOT NULL,
            docto_index INTEGER NOT NULL,
            fecha_pago TEXT,
            forma_de_pago_p TEXT,
            moneda_p TEXT,
            tipo_cambio_p {amount},
            monto {amount},
            invoice_uuid TEXT,
            serie TEXT,
            folio TEXT,
            moneda_dr TEXT,
            equivalencia_dr {amount},
            num_parcialidad INTEGER,
            imp_saldo_ant {amount},
            imp_pagado {amount},
            imp_saldo_insoluto {amount},
            PRIMARY KEY (payment_uuid, pago_index, docto_index)
        )""",
        "CREATE INDEX payments_invoice ON payments (invoice_uuid)",
        """CREATE TABLE relations (
            uuid TEXT NOT NULL REFERENCES documents(uuid),
            tipo_relacion TEXT NOT NULL,
            related_uuid TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (uuid, position)
        )""",
        "CREATE INDEX relations_related ON relations (related_uuid)",
        f"""CREATE TABLE alternates (
            uuid {_uuid('uuid')} REFERENCES documents(uuid),
            raw_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
            name TEXT NOT NULL,
            run_id {{bigint}} NOT NULL REFERENCES runs(id),
            PRIMARY KEY (uuid, raw_sha256)
        )""",
        f"""CREATE TABLE conflicts (
            id {{serial}},
            uuid {_uuid('uuid')},
            raw_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
            cadena_sha256 TEXT,
            name TEXT NOT NULL,
            reason TEXT NOT NULL,
            run_id {{bigint}} NOT NULL REFERENCES runs(id),
            UNIQUE (uuid, raw_sha256)
        )""",
    )),
    Migration(2, "cancellations and SAT bulk-download metadata", (
        f"""CREATE TABLE cancellations (
            uuid {_uuid('uuid')},
            source TEXT NOT NULL CHECK (source IN ('metadata', 'csv', 'request', 'acuse')),
            evidence_sha256 TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('cancelled', 'active')),
            date TEXT,
            date_kind TEXT CHECK (date_kind IN ('cancelled_at', 'requested_at')),
            verified INTEGER NOT NULL CHECK (verified IN (0, 1)),
            motivo TEXT,
            folio_sustitucion TEXT,
            rfc_emisor TEXT,
            name TEXT NOT NULL,
            run_id {{bigint}} NOT NULL REFERENCES runs(id),
            PRIMARY KEY (uuid, source, evidence_sha256)
        )""",
        f"""CREATE TABLE sat_metadata (
            uuid {_uuid('uuid')},
            evidence_sha256 TEXT NOT NULL,
            rfc_emisor TEXT,
            nombre_emisor TEXT,
            rfc_receptor TEXT,
            nombre_receptor TEXT,
            rfc_pac TEXT,
            fecha_emision TEXT,
            fecha_certificacion TEXT,
            monto {{amount}},
            efecto TEXT,
            estatus TEXT,
            fecha_cancelacion TEXT,
            name TEXT NOT NULL,
            run_id {{bigint}} NOT NULL REFERENCES runs(id),
            PRIMARY KEY (uuid, evidence_sha256)
        )""",
    )),
    Migration(3, "blobs may be compressed with zstd", (), by_dialect={
        "sqlite": (
            _BLOBS_V3,
            "INSERT INTO blobs_v3 (sha256, size, compression, data) SELECT sha256, size, compression, data FROM blobs",
            "DROP TABLE blobs",
            "ALTER TABLE blobs_v3 RENAME TO blobs",
        ),
        "postgresql": (
            "ALTER TABLE blobs DROP CONSTRAINT blobs_compression_check",
            "ALTER TABLE blobs ADD CONSTRAINT blobs_compression_check CHECK (compression IN ('zlib', 'zstd'))",
        ),
    }, rebuilds_sqlite_table=True),
)

SCHEMA_VERSION = MIGRATIONS[-1].version


def schema_version(db: Database) -> int:
    """The ledger's schema version; 0 for an empty database."""
    if not db.table_exists("schema_migrations"):
        return 0
    return int(db.scalar("SELECT max(version) FROM schema_migrations", default=0) or 0)


def migrate(db: Database) -> list[int]:
    """Bring the ledger to :data:`SCHEMA_VERSION`; returns the versions applied (none when current)."""
    current = _peek_version(db)
    if current > SCHEMA_VERSION:
        raise LedgerError(
            f"the ledger {db.describe()} has schema version {current}, newer than this cfdi-ar knows ({SCHEMA_VERSION}); "
            "upgrade cfdi-ar to use it"
        )
    if current == SCHEMA_VERSION:
        return []
    if current > 0:
        _backup_sqlite(db, current)
    applied: list[int] = []
    rebuild = db.dialect == "sqlite" and any(m.rebuilds_sqlite_table for m in MIGRATIONS if m.version > current)
    if rebuild:
        db.execute("PRAGMA foreign_keys = OFF")  # only takes effect outside a transaction, hence here
    try:
        with db.write():
            current = schema_version(db)  # again, under the writer lock: another process may have migrated
            if current == 0 and not db.table_exists("schema_migrations"):
                db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)")
            for migration in MIGRATIONS:
                if migration.version <= current:
                    continue
                for statement in migration.statements_for(db.dialect):
                    db.execute(statement.format(**db.types))
                db.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.description, now()),
                )
                applied.append(migration.version)
            if rebuild:
                broken = db.fetchall("PRAGMA foreign_key_check")
                if broken:
                    raise LedgerError(f"migrating the ledger would break {len(broken)} references (first: {broken[0]}); nothing was changed")
    finally:
        if rebuild:
            db.execute("PRAGMA foreign_keys = ON")
    return applied


def _peek_version(db: Database) -> int:
    with db.read():
        return schema_version(db)


def _backup_sqlite(db: Database, version: int) -> None:
    if db.dialect != "sqlite" or db.target == ":memory:":
        return
    target = f"{db.target}.before-v{SCHEMA_VERSION}"
    if os.path.exists(target):
        return
    try:
        with sqlite3.connect(target) as copy:
            db._conn.backup(copy)  # noqa: SLF001 - the SQLite online backup API, a consistent copy
    except sqlite3.Error as exc:
        raise LedgerError(f"cannot write a copy of the ledger before migrating it ({target}): {exc}; nothing was changed") from None


def now() -> str:
    """The current instant in UTC, as the ledger stores run times."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

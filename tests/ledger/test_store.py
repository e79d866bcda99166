"""The store: opening, schema migrations, the single-writer transaction."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

import pytest

from cfdi_ar.ledger import SCHEMA_VERSION, LedgerError, migrate, open_database, schema_version
from cfdi_ar.ledger import schema as schema_module
from cfdi_ar.ledger.records import compress, decompress
from cfdi_ar.ledger.schema import Migration


def test_a_new_ledger_is_migrated_to_the_current_schema_version(ledger):
    assert schema_version(ledger) == 0
    assert migrate(ledger) == list(range(1, SCHEMA_VERSION + 1))
    assert schema_version(ledger) == SCHEMA_VERSION
    assert migrate(ledger) == []  # already current: nothing applied twice


def test_a_ledger_written_by_a_newer_cfdi_ar_is_refused_not_downgraded(ledger):
    migrate(ledger)
    with ledger.write():
        ledger.execute("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                       (SCHEMA_VERSION + 1, "from the future", "2030-01-01T00:00:00Z"))
    with pytest.raises(LedgerError, match="newer than this cfdi-ar"):
        migrate(ledger)


def test_a_later_migration_is_applied_forward_and_an_sqlite_ledger_with_data_is_copied_first(ledger, monkeypatch):
    migrate(ledger)
    with ledger.write():
        ledger.execute("INSERT INTO runs (command, started_at, os_user, host, arguments, tool_version, status, counts) "
                       "VALUES ('ingest', 't', 'u', 'h', '[]', '0', 'committed', '{}')")
    extra = Migration(SCHEMA_VERSION + 1, "a test column", ("ALTER TABLE runs ADD COLUMN note TEXT",))
    monkeypatch.setattr(schema_module, "MIGRATIONS", schema_module.MIGRATIONS + (extra,))
    monkeypatch.setattr(schema_module, "SCHEMA_VERSION", extra.version)
    assert migrate(ledger) == [extra.version]
    assert ledger.fetchall("SELECT command, note FROM runs") == [("ingest", None)]  # the data is kept
    if ledger.dialect == "sqlite":
        copy = Path(f"{ledger.target}.before-v{extra.version}")
        with sqlite3.connect(copy) as old:
            assert old.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == SCHEMA_VERSION
            assert old.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_a_failing_migration_applies_nothing(ledger, monkeypatch):
    broken = Migration(SCHEMA_VERSION + 1, "broken", ("ALTER TABLE runs ADD COLUMN fine TEXT", "THIS IS NOT SQL"))
    monkeypatch.setattr(schema_module, "MIGRATIONS", schema_module.MIGRATIONS + (broken,))
    monkeypatch.setattr(schema_module, "SCHEMA_VERSION", broken.version)
    with pytest.raises(Exception):
        migrate(ledger)
    assert schema_version(ledger) == 0 and not ledger.table_exists("runs")


def test_a_write_transaction_rolls_back_everything_on_error(ledger):
    migrate(ledger)
    with pytest.raises(RuntimeError):
        with ledger.write():
            ledger.execute("INSERT INTO runs (command, started_at, os_user, host, arguments, tool_version, status, counts) "
                           "VALUES ('ingest', 't', 'u', 'h', '[]', '0', 'committed', '{}')")
            raise RuntimeError("boom")
    assert ledger.scalar("SELECT count(*) FROM runs") == 0


def test_uuids_are_stored_upper_case_only(ledger):
    migrate(ledger)
    with pytest.raises(Exception):
        with ledger.write():
            ledger.execute("INSERT INTO runs (id, command, started_at, os_user, host, arguments, tool_version, status, counts) "
                           "VALUES (1, 'ingest', 't', 'u', 'h', '[]', '0', 'committed', '{}')")
            ledger.execute("INSERT INTO blobs (sha256, size, compression, data) VALUES (?, 1, 'zlib', ?)", ("a" * 64, b"x"))
            ledger.execute("INSERT INTO conflicts (uuid, raw_sha256, name, reason, run_id) VALUES (?, ?, 'n', 'r', 1)",
                           ("d35c15fb-7964-4170-9bc6-9c1b2bf305f3", "a" * 64))


def test_an_sqlite_ledger_uses_wal_full_sync_and_foreign_keys(tmp_path):
    db = open_database(tmp_path / "l.db")
    try:
        assert db.scalar("PRAGMA journal_mode") == "wal"
        assert db.scalar("PRAGMA synchronous") == 2  # FULL
        assert db.scalar("PRAGMA foreign_keys") == 1
    finally:
        db.close()


def test_a_new_sqlite_ledger_has_8_kib_pages_and_an_older_one_keeps_its_own(tmp_path):
    db = open_database(tmp_path / "new.db")
    try:
        migrate(db)
        assert db.scalar("PRAGMA page_size") == 8192  # three stored documents to a page, not one
    finally:
        db.close()
    # a ledger made with SQLite's default 4 KiB pages (as before) opens, migrates and keeps them
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (a)")
    conn.execute("DROP TABLE t")
    conn.close()
    db = open_database(old)
    try:
        migrate(db)
        assert db.scalar("PRAGMA page_size") == 4096
        assert schema_version(db) == SCHEMA_VERSION
    finally:
        db.close()


def test_a_ledger_in_a_missing_folder_or_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path):
    with pytest.raises(LedgerError, match="does not exist"):
        open_database(tmp_path / "nope" / "l.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerError, match="SQLite"):
        open_database(junk)


def test_an_unreachable_postgresql_server_is_a_clear_error():
    pytest.importorskip("psycopg")
    with pytest.raises(LedgerError, match="cannot connect"):
        open_database("postgresql://nobody@/nodb?host=/nonexistent-socket-dir&port=1")


def _v2_ledger_with_a_document(ledger, monkeypatch):  # type: ignore[no-untyped-def]
    """A ledger at schema version 2 (zlib blobs only) holding one run, one zlib blob and a document on it."""
    with monkeypatch.context() as m:
        m.setattr(schema_module, "MIGRATIONS", schema_module.MIGRATIONS[:2])
        m.setattr(schema_module, "SCHEMA_VERSION", 2)
        assert migrate(ledger) == [1, 2]
    raw = b"<cfdi:Comprobante/>"
    with ledger.write():
        ledger.execute("INSERT INTO runs (command, started_at, os_user, host, arguments, tool_version, status, counts) "
                       "VALUES ('ingest', 't', 'u', 'h', '[]', '0', 'committed', '{}')")
        run_id = ledger.scalar("SELECT max(id) FROM runs")
        ledger.execute("INSERT INTO blobs (sha256, size, compression, data) VALUES (?, ?, 'zlib', ?)",
                       ("b" * 64, len(raw), zlib.compress(raw)))
        ledger.execute("INSERT INTO documents (uuid, raw_sha256, name, valid, accepted, errors, warnings, ours, run_id) "
                       "VALUES (?, ?, 'x.xml', 1, 1, 0, 0, 1, ?)", ("D35C15FB-7964-4170-9BC6-9C1B2BF305F3", "b" * 64, run_id))
    return raw


def test_schema_3_lets_blobs_be_zstd_and_keeps_every_row_and_reference(ledger, monkeypatch):
    raw = _v2_ledger_with_a_document(ledger, monkeypatch)
    assert migrate(ledger) == [3]
    # the zlib blob and the document pointing at it survived the rebuild (SQLite) or the new constraint (PostgreSQL)
    (codec, data), = ledger.fetchall("SELECT compression, data FROM blobs")
    assert decompress(codec, bytes(data)) == raw
    assert ledger.scalar("SELECT raw_sha256 FROM documents") == "b" * 64
    with ledger.write():
        ledger.execute("INSERT INTO blobs (sha256, size, compression, data) VALUES (?, ?, 'zstd', ?)", ("c" * 64, 3, compress(b"abc")))
    assert decompress("zstd", bytes(ledger.scalar("SELECT data FROM blobs WHERE sha256 = ?", ("c" * 64,)))) == b"abc"
    with pytest.raises(Exception):  # the constraint still stands for anything else
        with ledger.write():
            ledger.execute("INSERT INTO blobs (sha256, size, compression, data) VALUES (?, 1, 'gzip', ?)", ("d" * 64, b"x"))
    with pytest.raises(Exception):  # and documents still need their blob: foreign keys are enforced again
        with ledger.write():
            ledger.execute("INSERT INTO documents (uuid, raw_sha256, name, valid, accepted, errors, warnings, ours, run_id) "
                           "VALUES (?, ?, 'y.xml', 1, 1, 0, 0, 1, 1)", ("E35C15FB-7964-4170-9BC6-9C1B2BF305F3", "e" * 64))
    if ledger.dialect == "sqlite":
        assert ledger.scalar("PRAGMA foreign_keys") == 1
        assert ledger.fetchall("PRAGMA integrity_check") == [("ok",)]


def test_schema_3_is_refused_whole_when_a_reference_is_already_broken(tmp_path, monkeypatch):
    """SQLite's rebuild runs with foreign keys off; a reference broken before it (a document whose blob is
    missing, possible in a file edited by hand; PostgreSQL never allows one) must stop it, not be carried over."""
    ledger = open_database(tmp_path / "l.db")
    _v2_ledger_with_a_document(ledger, monkeypatch)
    ledger.execute("PRAGMA foreign_keys = OFF")
    with ledger.write():
        ledger.execute("DELETE FROM blobs")
    ledger.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(LedgerError, match="would break 1 references"):
        migrate(ledger)
    assert schema_version(ledger) == 2 and ledger.scalar("PRAGMA foreign_keys") == 1
    assert ledger.table_exists("blobs") and not ledger.table_exists("blobs_v3")
    ledger.close()


def test_blobs_decompress_by_the_codec_they_were_stored_with():
    data = b"<cfdi:Comprobante Version='4.0'/>" * 50
    assert decompress("zstd", compress(data)) == data
    import os

    import zstandard

    # a usual CFDI (small-table parameters), one just over 16 KiB and a large one (zstd's own for level 1)
    for size in (5_000, (16 << 10) + 1, 3 << 20):
        raw = (b"<cfdi:Concepto Descripcion='x'/>" + os.urandom(24).hex().encode()) * (size // 80 + 1)
        frame = compress(raw)
        assert decompress("zstd", frame) == raw and len(frame) < len(raw) * 0.8
        assert zstandard.frame_content_size(frame) == len(raw)  # the frame says how big it is
    assert decompress("zlib", zlib.compress(data)) == data
    with pytest.raises(ValueError, match="unknown blob compression"):
        decompress("lz4", data)

"""The ledger's database: SQLite by default, PostgreSQL for teams, one code path for both.

``open_database(target)`` takes a file path (SQLite) or a ``postgresql://`` URL.
SQL is written once with ``?`` placeholders; for PostgreSQL they become ``%s``.

Writes go through :meth:`Database.write`, one transaction that holds the
ledger's single writer lock for its whole length:

- SQLite: ``BEGIN IMMEDIATE`` (a deferred BEGIN that reads then writes loses
  rows under two writers, ../shared/RELIABILITY.md §3.2), WAL journal,
  ``synchronous=FULL`` (NORMAL may lose a committed transaction on power loss),
  ``foreign_keys=ON`` and a busy timeout, on every connection.
- PostgreSQL: a session advisory lock, then ``BEGIN``, so two ingests run one
  after the other instead of interleaving their checks and inserts.

Either way a writer that cannot get the lock within the timeout gets a
:class:`LedgerBusy` with a message a person can act on.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

__all__ = ["Database", "LedgerError", "LedgerBusy", "open_database", "is_postgres_url", "DEFAULT_DB"]

DEFAULT_DB = "cfdi-ar.db"
BUSY_TIMEOUT_S = 60.0
_ADVISORY_KEY = 0x0CFD1A2  # the ledger's single-writer lock on PostgreSQL

sqlite3.register_adapter(Decimal, str)  # amounts are stored as their exact decimal text in SQLite


class LedgerError(Exception):
    """The ledger cannot be opened or written; the message says why and what to do."""


class LedgerBusy(LedgerError):
    """Another process held the ledger's write lock for longer than the timeout."""


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def open_database(target: str | os.PathLike[str] | None = None, *, timeout: float = BUSY_TIMEOUT_S) -> "Database":
    """Open the ledger at ``target`` (a path or a PostgreSQL URL; default ``./cfdi-ar.db``)."""
    target = os.fspath(target) if target is not None else DEFAULT_DB
    if not target.strip():
        raise LedgerError("no ledger given: --db needs a file path or a postgresql:// URL")
    if is_postgres_url(target):
        return _Postgres(target, timeout)
    return _Sqlite(target, timeout)


class Database:
    """One connection to the ledger. Not shared between threads."""

    dialect: str  # "sqlite" | "postgresql"
    target: str

    # Column types that differ between the engines (used by the schema's DDL).
    types: dict[str, str]

    def __init__(self) -> None:
        self._in_write = False
        self._thread = threading.get_ident()

    # -- statements ----------------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor().execute(self._sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(r) for r in rows]
        if rows:
            self._cursor().executemany(self._sql(sql), rows)

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.execute(sql, params).fetchall())

    def fetch_in(self, sql: str, keys: Iterable[Any], batch: int = 500) -> list[tuple[Any, ...]]:
        """The rows of ``sql`` for these keys, where ``{marks}`` in it stands for the ``IN`` list's
        placeholders: asked ``batch`` keys at a time (engines cap a statement's parameters), in key
        order, so each batch's look-ups walk nearby pages of the index."""
        ordered = sorted(keys)
        out: list[tuple[Any, ...]] = []
        for start in range(0, len(ordered), batch):
            chunk = ordered[start:start + batch]
            out += self.fetchall(sql.format(marks=", ".join("?" * len(chunk))), chunk)
        return out

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row = self.execute(sql, params).fetchone()
        return None if row is None else tuple(row)

    def scalar(self, sql: str, params: Sequence[Any] = (), default: Any = None) -> Any:
        row = self.fetchone(sql, params)
        return default if row is None else row[0]

    def table_exists(self, name: str) -> bool:
        raise NotImplementedError

    # -- transactions --------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator["Database"]:
        """One write transaction holding the single-writer lock; commits on success, else rolls back."""
        if self._in_write:
            raise LedgerError("nested write transaction (a bug in cfdi-ar)")
        self._begin_write()
        self._in_write = True
        try:
            yield self
        except BaseException:
            self._in_write = False
            self._rollback()
            raise
        self._in_write = False
        self._commit()

    @contextmanager
    def read(self) -> Iterator["Database"]:
        """A consistent read: every query inside sees the same committed state."""
        self._begin_read()
        try:
            yield self
        finally:
            self._rollback()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- per engine ------------------------------------------------------------------------------

    _conn: Any

    def _cursor(self) -> Any:
        return self._conn.cursor()

    def _sql(self, sql: str) -> str:
        return sql

    def _begin_write(self) -> None:
        raise NotImplementedError

    def _begin_read(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        self._conn.execute("COMMIT")

    def _rollback(self) -> None:
        try:
            self._conn.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - nothing to roll back, or the connection is gone
            pass

    def describe(self) -> str:
        return self.target


# A stored document's compressed XML is ~2.6 KiB: one to a 4 KiB page (SQLite's default), leaving a third of
# the blobs table empty; three fit in 8 KiB. Measured on an ingest of 10,000 documents: the ledger file
# 52.4 -> 41.2 MB, and the commit (WAL fsync and checkpoint) 19 -> 11-12 us a document.
SQLITE_PAGE_SIZE = 8192


class _Sqlite(Database):
    dialect = "sqlite"
    types = {"amount": "TEXT", "blob": "BLOB", "serial": "INTEGER PRIMARY KEY AUTOINCREMENT", "bigint": "INTEGER"}

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__()
        self.target = path
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise LedgerError(f"cannot open the ledger {path}: folder {folder} does not exist")
        try:
            # isolation_level=None: no implicit (deferred) BEGINs; this class issues BEGIN IMMEDIATE itself.
            self._conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=True)
            self._conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            # Takes effect only when this creates the file (before WAL mode is set); a ledger keeps the page
            # size it was made with.
            self._conn.execute(f"PRAGMA page_size = {SQLITE_PAGE_SIZE}")
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"cannot open the ledger {path}: {exc} (is it an SQLite database?)") from None
        if str(mode).lower() != "wal" and path != ":memory:":
            raise LedgerError(f"cannot open the ledger {path}: SQLite refused WAL mode ({mode}); a network file system?")

    def table_exists(self, name: str) -> bool:
        return self.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) == 1

    def _cursor(self) -> Any:
        return self._conn

    def _begin_write(self) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise LedgerBusy(
                    f"the ledger {self.target} is being written by another cfdi-ar run; nothing was changed. "
                    "Run the command again when it has finished."
                ) from None
            raise LedgerError(f"cannot write the ledger {self.target}: {exc}") from None

    def _begin_read(self) -> None:
        self._conn.execute("BEGIN")


class _Postgres(Database):
    dialect = "postgresql"
    types = {"amount": "NUMERIC", "blob": "BYTEA", "serial": "BIGSERIAL PRIMARY KEY", "bigint": "BIGINT"}

    def __init__(self, url: str, timeout: float) -> None:
        super().__init__()
        self.target = url
        self.timeout = timeout
        try:
            import psycopg
        except ImportError:  # pragma: no cover - psycopg is a dependency
            raise LedgerError("PostgreSQL needs psycopg: pip install 'psycopg[binary]'") from None
        self._psycopg = psycopg
        try:
            self._conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise LedgerError(f"cannot connect to the ledger at {self.describe()}: {str(exc).strip()}") from None

    def describe(self) -> str:
        """The URL without its password."""
        try:
            from psycopg.conninfo import conninfo_to_dict

            info = conninfo_to_dict(self.target)
            return f"postgresql database {info.get('dbname', '?')} on {info.get('host', 'localhost')}"
        except Exception:  # noqa: BLE001
            return "postgresql database"

    def table_exists(self, name: str) -> bool:
        # pg_class read through the statement's snapshot (to_regclass goes through a cache that can
        # lag behind a table another session just committed).
        return self.scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = ? AND n.nspname = current_schema())", (name,)) is True

    _PLACEHOLDER_CACHE: dict[str, str] = {}

    def _sql(self, sql: str) -> str:
        found = self._PLACEHOLDER_CACHE.get(sql)
        if found is None:
            found = self._PLACEHOLDER_CACHE[sql] = sql.replace("%", "%%").replace("?", "%s")
        return found

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return super().execute(sql, params)
        except self._psycopg.errors.LockNotAvailable:
            raise LedgerBusy(self._busy_message()) from None

    def _busy_message(self) -> str:
        return (f"the ledger ({self.describe()}) is being written by another cfdi-ar run; nothing was changed. "
                "Run the command again when it has finished.")

    def _begin_write(self) -> None:
        # The lock is taken first, outside the transaction (a session lock, released right after
        # COMMIT or ROLLBACK, or by the server when the connection dies), so the transaction
        # starts after the previous writer's commit and sees everything it did, catalog included.
        cur = self._conn.cursor()
        try:
            cur.execute(f"SET lock_timeout = '{int(self.timeout * 1000)}ms'")
            cur.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_KEY,))
        except self._psycopg.errors.LockNotAvailable:
            raise LedgerBusy(self._busy_message()) from None
        self._locked = True
        cur.execute("BEGIN ISOLATION LEVEL READ COMMITTED")

    def _begin_read(self) -> None:
        self._conn.cursor().execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def _commit(self) -> None:
        try:
            self._conn.cursor().execute("COMMIT")
        finally:
            self._unlock()

    def _rollback(self) -> None:
        try:
            self._conn.cursor().execute("ROLLBACK")
        except Exception:  # noqa: BLE001
            pass
        self._unlock()

    def _unlock(self) -> None:
        if getattr(self, "_locked", False):
            self._locked = False
            try:
                self._conn.cursor().execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_KEY,))
            except Exception:  # noqa: BLE001 - a dead connection has released it already
                pass

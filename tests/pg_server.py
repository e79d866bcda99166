"""A real PostgreSQL server for tests that must run against one as well as SQLite.

``CFDI_AR_TEST_PG`` holds a libpq connection URL of a server where the user may create databases
(``.ci/postgres.sh`` starts a throw-away one and prints it). Where it is unset, tests that need the
server are skipped, and fail instead under ``CFDI_AR_REQUIRE_PG=1`` (set by ``.ci/run``).

    url = fresh_database(require_pg())   # a new, empty database on that server
    try:
        ...
    finally:
        drop_database(url)

Needs psycopg 3 (``pip install "psycopg[binary]"``), imported only when a server is used.
"""

from __future__ import annotations

import os
import secrets
from typing import NoReturn
from urllib.parse import quote, urlencode

import pytest

ENV_URL = "CFDI_AR_TEST_PG"
ENV_REQUIRE = "CFDI_AR_REQUIRE_PG"
PREFIX = "cfdiar_t_"  # databases made by fresh_database(); drop_database() drops no others


def pg_url() -> str | None:
    """The server's URL from ``CFDI_AR_TEST_PG``, or None."""
    return os.environ.get(ENV_URL) or None


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get(ENV_REQUIRE) == "1":
        pytest.fail(f"{ENV_REQUIRE}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def require_pg() -> str:
    """The server's URL; skip the test without one (fail under ``CFDI_AR_REQUIRE_PG=1``)."""
    url = pg_url()
    if url is None:
        _unavailable(f"PostgreSQL not available: set {ENV_URL} (.ci/postgres.sh starts one)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable('PostgreSQL tests need psycopg 3: pip install "psycopg[binary]"')
    return url


def _with_dbname(url: str, dbname: str) -> str:
    """``url`` (a URL or a key=value conninfo) with its database replaced, as a URL."""
    from psycopg.conninfo import conninfo_to_dict

    params = {k: str(v) for k, v in conninfo_to_dict(url).items() if k != "dbname"}
    query = urlencode(params, quote_via=quote, safe="/")
    return f"postgresql:///{quote(dbname, safe='')}" + (f"?{query}" if query else "")


def _dbname(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    name = conninfo_to_dict(url).get("dbname")
    if not name:
        raise ValueError(f"no database name in {url!r}")
    return str(name)


def fresh_database(url: str) -> str:
    """Create an empty database ``cfdiar_t_<hex>`` on the server of ``url``; return its URL."""
    import psycopg
    from psycopg import sql

    name = f"{PREFIX}{secrets.token_hex(8)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _with_dbname(url, name)


def drop_database(url: str) -> None:
    """Drop the database of ``url`` (made by :func:`fresh_database`), closing its connections."""
    import psycopg
    from psycopg import sql

    name = _dbname(url)
    if not name.startswith(PREFIX):
        raise ValueError(f"refusing to drop {name!r}: not a database made by fresh_database()")
    with psycopg.connect(_with_dbname(url, "postgres"), autocommit=True) as conn:
        force = sql.SQL(" WITH (FORCE)") if conn.info.server_version >= 130000 else sql.SQL("")
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)) + force)

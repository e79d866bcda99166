"""Ledger fixtures: every ledger test runs on SQLite and on a real PostgreSQL server.

The PostgreSQL run needs ``CFDI_AR_TEST_PG`` (``.ci/postgres.sh`` starts a server and
prints its URL); without it those runs are skipped, and fail under ``CFDI_AR_REQUIRE_PG=1``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from cfdi_ar.demo.documents import Payment, paid_document, payment_receipt
from cfdi_ar.demo.seal import seal, stamp, to_bytes
from cfdi_ar.ledger import Database, open_database
from cfdi_ar.model import build_comprobante

from ..conftest import EMISOR, RECEPTOR
from ..pg_server import drop_database, fresh_database, require_pg

OUR_RFC = EMISOR.rfc


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where an empty ledger lives: an SQLite file path, or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "ledger.db")
        return
    url = fresh_database(require_pg())
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def ledger(ledger_target: str) -> Iterator[Database]:
    db = open_database(ledger_target)
    try:
        yield db
    finally:
        db.close()


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write a document (element or bytes) under tmp_path/docs; returns the path."""
    folder = tmp_path / "docs"
    folder.mkdir(exist_ok=True)

    def put(doc: etree._Element | bytes, name: str) -> Path:
        path = folder / name
        path.write_bytes(doc if isinstance(doc, bytes) else to_bytes(doc))
        return path

    return put


@pytest.fixture
def make_payment(pki) -> Callable[..., etree._Element]:  # type: ignore[no-untyped-def]
    """A sealed, stamped REP paying ``pagado`` of ``invoice`` (an element)."""

    def build(invoice: etree._Element, pagado: Decimal, *, parcialidad: int = 1, saldo: Decimal | None = None,
              fecha_pago: dt.datetime = dt.datetime(2026, 10, 20, 12, 0, 0)) -> etree._Element:
        inv = build_comprobante(invoice)
        doc = paid_document(inv, pagado=pagado, num_parcialidad=parcialidad, saldo_anterior=saldo)
        rep = payment_receipt(EMISOR, RECEPTOR, [Payment(fecha_pago, "03", "MXN", (doc,))],
                              fecha=fecha_pago + dt.timedelta(days=1), folio=f"P{parcialidad}")
        return stamp(seal(rep, pki.csd), pki.stamp_cert)

    return build

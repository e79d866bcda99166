"""Fixtures for the aging, KPI and close-check tests (the GL tests own tests/close/conftest.py).

A small month-end ledger built from real documents, sealed and stamped with the test PKI,
every figure simple enough to check by hand (IVA 16 % on one line each):

F-101  ESPERANZA   11,600.00 MXN PPD "Crédito 30 días", 2026-08-10 (due 09-09)
       P-201 pays 5,000.00 on 09-20 (REP stamped 09-21)
       P-202 pays 4,000.00 on 10-15 (REP stamped 2026-11-05 18:02: day 5, on time)
F-102  ESPERANZA    2,320.00 MXN PPD, no CondicionesDePago, 2026-09-25
       P-203 pays 1,000.00 on 10-10 (REP stamped 2026-11-06 09:02: day 6, late)
F-103  FERRETERIA   5,800.00 MXN PPD "NETO 60", 2026-06-15 (due 08-14)
       NC-301 credit note 580.00 on 09-15 (TipoRelacion 01)
F-104  AUTOPARTES     116.00 USD PPD "30 días" at 18.4520 (2,140.43 MXN), 2026-10-01 (due 10-31)
       P-204 pays 50.00 USD on 10-20 at 18.60 (REP stamped 10-21): 66.00 USD left = 1,217.83 MXN
F-105  FERRETERIA   1,160.00 MXN PPD "30 días", 2026-10-05, cancelled 2026-10-20
F-106  ESPERANZA      580.00 MXN PUE, 2026-10-12 (paid at issue)
F-107  GUADALUPE    1,160.00 MXN PPD "30 días", 2026-09-01
       P-205 pays 1,160.00 on 09-10; P-206 pays 100.00 more on 10-05 (ImpSaldoAnt 100.00):
       a credit balance of 100.00 from 10-05
F-108  FERRETERIA   2,320.00 MXN PPD "30 días", 2026-10-20 (due 11-19), cancelled 2026-11-03
F-109  ESPERANZA      348.00 MXN PPD, 2026-10-22, altered after sealing: an error finding (CFDI40102)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path

import pytest
from lxml import etree

from cfdi_ar.demo.documents import Line, Party, Payment, invoice, paid_document, payment_receipt
from cfdi_ar.demo.seal import seal, stamp, to_bytes
from cfdi_ar.ledger import Database, ingest_paths, open_database
from cfdi_ar.model import build_comprobante

from ..conftest import EMISOR, RECEPTOR
from ..pg_server import drop_database, fresh_database, require_pg

OUR_RFC = EMISOR.rfc
ESPERANZA = RECEPTOR  # ALE1503107H2
FERRETERIA = Party("FNO0807226T3", "FERRETERIA DEL NORTE", "601", "64000", "G01")
AUTOPARTES = Party("AGL1111119Z0", "AUTOPARTES GLOBALES", "601", "44100", "G01")
GUADALUPE = Party("HELG850314QW5", "MARIA GUADALUPE HERNANDEZ LOPEZ", "612", "37000", "G03")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute)


@dataclass(frozen=True)
class Month:
    """The documents' bytes by file name, and each one's UUID by its short name (F-101, P-203 ...)."""

    files: dict[str, bytes]
    uuid: dict[str, str]


def _line(amount: str) -> list[Line]:
    return [Line("50161813", D("1"), "H87", "Mercancía", D(amount))]


@pytest.fixture(scope="session")
def close_month(pki) -> Month:  # type: ignore[no-untyped-def]
    files: dict[str, bytes] = {}
    uuids: dict[str, str] = {}
    models = {}

    def finish(name: str, root: etree._Element, *, stamped_at: dt.datetime | None = None, tamper: bool = False) -> None:
        seal(root, pki.csd)
        if tamper:
            root.set("Folio", root.get("Folio", "") + "X")  # after sealing: the seal no longer verifies
        stamp(root, pki.stamp_cert, fecha_timbrado=stamped_at)
        files[f"{name}.xml"] = to_bytes(root)
        models[name] = build_comprobante(root)
        uuids[name] = models[name].uuid

    def sale(name: str, party: Party, amount: str, fecha: dt.datetime, **kw) -> None:  # type: ignore[no-untyped-def]
        kw.setdefault("metodo_pago", "PPD")
        kw.setdefault("forma_pago", "99" if kw["metodo_pago"] == "PPD" else "03")
        tamper = kw.pop("tamper", False)
        finish(name, invoice(EMISOR, party, _line(amount), fecha=fecha, serie="F", folio=name[2:], **kw), tamper=tamper)

    def rep(name: str, party: Party, paid: str, invoice_name: str, fecha_pago: dt.datetime, issued: dt.datetime, *,
            parcialidad: int = 1, saldo: str | None = None, moneda: str = "MXN", tipo_cambio: D | None = None) -> None:
        doc = paid_document(models[invoice_name], pagado=D(paid), num_parcialidad=parcialidad,
                            saldo_anterior=D(saldo) if saldo is not None else None)
        root = payment_receipt(EMISOR, party, [Payment(fecha_pago, "03", moneda, (doc,), tipo_cambio=tipo_cambio)],
                               fecha=issued, folio=name[2:])
        finish(name, root, stamped_at=issued + dt.timedelta(minutes=2))

    sale("F-101", ESPERANZA, "10000.00", at(8, 10), condiciones_de_pago="Crédito 30 días")
    rep("P-201", ESPERANZA, "5000.00", "F-101", at(9, 20, 12), at(9, 21, 9))
    rep("P-202", ESPERANZA, "4000.00", "F-101", at(10, 15, 12), at(11, 5, 18), parcialidad=2, saldo="6600.00")
    sale("F-102", ESPERANZA, "2000.00", at(9, 25))
    rep("P-203", ESPERANZA, "1000.00", "F-102", at(10, 10, 12), at(11, 6, 9))
    sale("F-103", FERRETERIA, "5000.00", at(6, 15), condiciones_de_pago="NETO 60")
    nc = invoice(EMISOR, Party(FERRETERIA.rfc, FERRETERIA.nombre, "601", "64000", "G02"), _line("500.00"), fecha=at(9, 15),
                 serie="NC", folio="301", tipo="E", forma_pago="17", metodo_pago="PUE", related=("01", (uuids["F-103"],)))
    finish("NC-301", nc)
    sale("F-104", AUTOPARTES, "100.00", at(10, 1), moneda="USD", tipo_cambio=D("18.4520"), condiciones_de_pago="30 días")
    rep("P-204", AUTOPARTES, "50.00", "F-104", at(10, 20, 12), at(10, 21, 9), moneda="USD", tipo_cambio=D("18.60"))
    sale("F-105", FERRETERIA, "1000.00", at(10, 5), condiciones_de_pago="30 días")
    sale("F-106", ESPERANZA, "500.00", at(10, 12), metodo_pago="PUE")
    sale("F-107", GUADALUPE, "1000.00", at(9, 1), condiciones_de_pago="30 días")
    rep("P-205", GUADALUPE, "1160.00", "F-107", at(9, 10, 12), at(9, 11, 9))
    rep("P-206", GUADALUPE, "100.00", "F-107", at(10, 5, 12), at(10, 6, 9), parcialidad=2, saldo="100.00")
    sale("F-108", FERRETERIA, "2000.00", at(10, 20), condiciones_de_pago="30 días")
    sale("F-109", ESPERANZA, "300.00", at(10, 22), tamper=True)
    files["cancelaciones.csv"] = (f"uuid,status,date\n{uuids['F-105']},cancelled,2026-10-20\n"
                                  f"{uuids['F-108']},cancelled,2026-11-03\n").encode()
    return Month(files, uuids)


@pytest.fixture(params=["sqlite", "postgresql"])
def close_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty ledger: an SQLite file, or a fresh PostgreSQL database (CFDI_AR_TEST_PG)."""
    if request.param == "sqlite":
        yield str(tmp_path / "ledger.db")
        return
    url = fresh_database(require_pg())
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def close_ledger(close_target: str, close_month: Month, settings, tmp_path: Path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    """The month above, ingested (F-109 stored with its error finding, out of balances)."""
    folder = tmp_path / "month"
    folder.mkdir()
    for name, data in close_month.files.items():
        (folder / name).write_bytes(data)
    db = open_database(close_target)
    try:
        report = ingest_paths(db, [str(folder)], settings, [OUR_RFC])
        c = report.counts()
        assert c["new"] == 16 and c["invalid"] == 1 and c["rejected"] == 0 and c["evidence"] == 1, c
        yield db
    finally:
        db.close()


def gl_lines(*lines: tuple[str, str | None, str, str], account: str = "105-01"):  # type: ignore[no-untyped-def]
    """GL lines as the GL export contract gives them: each (date, uuid, debit, credit) → a row of the
    DataFrame (row numbers from 2, as a spreadsheet shows them under the header; amounts in centavos)."""
    import pandas as pd

    frame = pd.DataFrame({
        "row": pd.Series([i + 2 for i in range(len(lines))], dtype="int64"),
        "date": pd.to_datetime([d for d, _, _, _ in lines]).astype("datetime64[ns]"),
        "account": [account] * len(lines),
        "entry": [f"PI-{i + 1}" for i in range(len(lines))],
        "reference": [u or "" for _, u, _, _ in lines],
        "description": [""] * len(lines),
        "debit": pd.Series([int(D(d) * 100) for _, _, d, _ in lines], dtype="int64"),
        "credit": pd.Series([int(D(c) * 100) for _, _, _, c in lines], dtype="int64"),
        "uuid": pd.Series([u for _, u, _, _ in lines], dtype="object"),
    })
    return frame

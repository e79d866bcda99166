"""Fixtures for the close's GL side: a small month of sealed documents and a GL export with a
planted difference of every kind, with the figures worked out by hand.

The month (as of 2026-10-31; MXN unless said; "T" the CFDI's Total):

========  =====  ===========  ===========================================================
folio     T      metodo       story                                       AR balance
========  =====  ===========  ===========================================================
F-1001    1,160  PPD  10-05   REP P-1 pays 400 on 10-20                     760.00
F-1002    2,320  PPD  10-06   open, never posted to the GL                2,320.00
F-1003      580  PPD  10-07   open, posted twice                            580.00
F-1004    3,480  PPD  10-08   open, posted as 3,840 (digits swapped)      3,480.00
F-1005      696  PPD  10-09   cancelled 10-15; the GL never reversed it       0
F-1006      812  PPD  10-30   open, posted on 11-02                         812.00
F-1007    1,044  PPD  10-10   REP P-3 pays it all on 10-25: not in the GL      0
F-1008      464  PPD  10-12   REP P-4 pays it all on 10-26: posted with the    0
                              invoice's UUID instead of the REP's
F-1009      348  PUE  10-11   paid at issue: posted and collected              0
(F-0777)    --   PPD          never ingested; REP P-2 pays 300 of it on 10-22 (unapplied cash)
========  =====  ===========  ===========================================================

AR balance 7,952.00. The GL of account 105-01 by 10-31 (:func:`planted_gl_rows`): 760 (F-1001
1,160 less P-1 400) + 1,160 (F-1003 twice) + 3,840 + 150 (a manual entry, no UUID) − 300 (P-2's
cash) + 696 (F-1005) + 1,044 (F-1007) + 0 (F-1008 in and out) + 0 (F-1009) = 7,350.00; a line of
account 105-010 (999) is not the account's. Difference 602.00 =
missing_in_gl F-1002 +2,320 − P-3 1,044; duplicated_in_gl F-1003 −580; amount_mismatch F-1004 −360;
gl_without_cfdi −150; unapplied_payment P-2 +300; cancelled_in_gl F-1005 −696; period_mismatch
F-1006 +812.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from cfdi_ar import Settings
from cfdi_ar.demo.documents import Line, Payment, invoice, paid_document, payment_receipt
from cfdi_ar.demo.seal import seal, stamp, to_bytes
from cfdi_ar.ledger import Database, ingest_paths
from cfdi_ar.model import build_comprobante

from ..conftest import EMISOR, RECEPTOR
from ..ledger.conftest import ledger, ledger_target  # noqa: F401 - every ledger test runs on SQLite and PostgreSQL

AS_OF = dt.date(2026, 10, 31)
ACCOUNT = "105-01"
GL_HEADER = ("Fecha", "Póliza", "Cuenta", "Concepto", "Referencia", "Cargo", "Abono")


@dataclass(frozen=True)
class Month:
    """The planted month: where its documents are, and each one's UUID by name (F-1001, P-1 ...)."""

    folder: Path
    uuid: dict[str, str]


def _invoice(pki: Any, folio: str, base: str, day: int, *, metodo: str = "PPD") -> Any:
    lines = [Line("84111506", D("1"), "E48", f"Servicio {folio}", D(base))]
    root = invoice(EMISOR, RECEPTOR, lines, fecha=dt.datetime(2026, 10, day, 10, 0, 0), folio=folio, metodo_pago=metodo,
                   forma_pago="03" if metodo == "PUE" else "99")
    return stamp(seal(root, pki.csd), pki.stamp_cert)


def _rep(pki: Any, inv: Any, pagado: str, day: int, folio: str) -> Any:
    model = build_comprobante(inv)
    when = dt.datetime(2026, 10, day, 12, 0, 0)
    rep = payment_receipt(EMISOR, RECEPTOR, [Payment(when, "03", "MXN", (paid_document(model, pagado=D(pagado)),))],
                          fecha=when + dt.timedelta(hours=2), folio=folio)
    return stamp(seal(rep, pki.csd), pki.stamp_cert)


def _uuid(root: Any) -> str:
    return str(build_comprobante(root).uuid)


@pytest.fixture(scope="session")
def month(pki: Any, tmp_path_factory: pytest.TempPathFactory) -> Month:
    folder = tmp_path_factory.mktemp("close-month")
    docs: dict[str, Any] = {
        "F-1001": _invoice(pki, "1001", "1000.00", 5), "F-1002": _invoice(pki, "1002", "2000.00", 6),
        "F-1003": _invoice(pki, "1003", "500.00", 7), "F-1004": _invoice(pki, "1004", "3000.00", 8),
        "F-1005": _invoice(pki, "1005", "600.00", 9), "F-1006": _invoice(pki, "1006", "700.00", 30),
        "F-1007": _invoice(pki, "1007", "900.00", 10), "F-1008": _invoice(pki, "1008", "400.00", 12),
        "F-1009": _invoice(pki, "1009", "300.00", 11, metodo="PUE"),
    }
    orphan = _invoice(pki, "0777", "500.00", 4)  # never ingested
    docs["P-1"] = _rep(pki, docs["F-1001"], "400.00", 20, "1")
    docs["P-2"] = _rep(pki, orphan, "300.00", 22, "2")
    docs["P-3"] = _rep(pki, docs["F-1007"], "1044.00", 25, "3")
    docs["P-4"] = _rep(pki, docs["F-1008"], "464.00", 26, "4")
    uuids = {name: _uuid(root) for name, root in docs.items()}
    uuids["F-0777"] = _uuid(orphan)
    for name, root in docs.items():
        (folder / f"{name}.xml").write_bytes(to_bytes(root))
    (folder / "cancelaciones.csv").write_text(f"uuid,status,date\r\n{uuids['F-1005']},cancelado,2026-10-15\r\n", encoding="utf-8")
    return Month(folder, uuids)


@pytest.fixture
def month_ledger(ledger: Database, month: Month, settings: Settings) -> Database:  # noqa: F811
    """The planted month ingested into a fresh ledger (SQLite and PostgreSQL)."""
    report = ingest_paths(ledger, [str(month.folder)], settings, [EMISOR.rfc])
    counts = report.counts()
    assert counts["new"] == 13 and counts["invalid"] == 0 and counts["rejected"] == 0, counts
    return ledger


def planted_gl_rows(m: Month) -> list[tuple[str, ...]]:
    """The GL of the month with its planted differences (Spanish headers, DD/MM/YYYY, decimal point)."""
    u = m.uuid
    return [
        ("05/10/2026", "D-1", "105-01-001", "Venta F-1001", u["F-1001"], "1,160.00", ""),
        ("06/10/2026", "D-2", "401-01", "Venta F-1001 (ingreso)", u["F-1001"], "", "1,000.00"),
        ("07/10/2026", "D-3", "105-01-001", "Venta F-1003", u["F-1003"], "580.00", ""),
        ("07/10/2026", "D-4", "105-01-001", "Venta F-1003", u["F-1003"], "580.00", ""),
        ("08/10/2026", "D-5", "105-01-001", "Venta F-1004", u["F-1004"], "3,840.00", ""),
        ("09/10/2026", "D-6", "105-01-001", f"Venta F-1005 UUID {u['F-1005'].lower()}", "", "696.00", ""),
        ("10/10/2026", "D-7", "105-01-001", "Venta F-1007", u["F-1007"], "1,044.00", ""),
        ("11/10/2026", "D-8", "105-01-001", "Venta mostrador F-1009", u["F-1009"], "348.00", ""),
        ("11/10/2026", "I-1", "105-01-001", "Cobro F-1009", u["F-1009"], "", "348.00"),
        ("12/10/2026", "D-9", "105-01-001", "Venta F-1008", u["F-1008"], "464.00", ""),
        ("15/10/2026", "D-10", "105-01-002", "Ajuste manual de saldo", "", "150.00", ""),
        ("20/10/2026", "I-2", "105-01-001", "Cobro P-1", "{" + u["P-1"] + "}", "", "400.00"),
        ("22/10/2026", "I-3", "105-01-001", "Cobro P-2", u["P-2"], "", "300.00"),
        ("26/10/2026", "I-4", "105-01-001", "Cobro F-1008", u["F-1008"], "", "464.00"),
        ("28/10/2026", "D-11", "105-010-001", "Otra cuenta", "", "999.00", ""),
        ("02/11/2026", "D-12", "105-01-001", "Venta F-1006", u["F-1006"], "812.00", ""),
    ]


def expected_items(m: Month) -> list[tuple[str, str | None, D]]:
    """(kind, uuid, amount) of every item the planted GL must give, in the reconciliation's order."""
    u = m.uuid
    return [
        ("missing_in_gl", u["F-1002"], D("2320.00")),
        ("missing_in_gl", u["P-3"], D("-1044.00")),
        ("duplicated_in_gl", u["F-1003"], D("-580.00")),
        ("amount_mismatch", u["F-1004"], D("-360.00")),
        ("gl_without_cfdi", None, D("-150.00")),
        ("unapplied_payment", u["P-2"], D("300.00")),
        ("cancelled_in_gl", u["F-1005"], D("-696.00")),
        ("period_mismatch", u["F-1006"], D("812.00")),
    ]


def by_kind_order(items: Sequence[tuple[str, str | None, D]]) -> list[tuple[str, str | None, D]]:
    from cfdi_ar.close.reconcile import ERP_KINDS, KINDS

    order = {k: i for i, k in enumerate(KINDS + ERP_KINDS)}
    return sorted(items, key=lambda i: (order[i[0]], i[1] or "~"))


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], *, encoding: str = "utf-8",
              delimiter: str = ",", above: Sequence[str] = ()) -> Path:
    """A CSV as an ERP writes it: optional title lines above the header."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        for line in above:
            fh.write(line + "\r\n")
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: Sequence[Any], rows: Sequence[Sequence[Any]], *, above: Sequence[Sequence[Any]] = (),
               sheet: str = "Hoja1", text_columns: Sequence[int] = ()) -> Path:
    """An XLSX workbook; cells in ``text_columns`` are stored as text even when they start with '='."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r in above:
        ws.append(list(r))
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
        for c in text_columns:
            cell = ws.cell(row=ws.max_row, column=c + 1)
            if isinstance(cell.value, str):
                cell.data_type = "s"
    wb.save(path)
    return path


@pytest.fixture
def gl_file(tmp_path: Path, month: Month) -> Callable[..., Path]:
    """Write the planted GL (or other rows) as a CSV with Spanish headers."""

    def build(rows: Sequence[Sequence[str]] | None = None, name: str = "gl.csv", **kw: Any) -> Path:
        return write_csv(tmp_path / name, GL_HEADER, planted_gl_rows(month) if rows is None else rows, **kw)

    return build


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path

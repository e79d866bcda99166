"""``samples/gl/``: the demo company's GL export for October 2026, with planted differences.

The export is the auxiliary ledger (auxiliar de cuentas) of the AR control account
``105-01`` (Clientes nacionales) as CONTPAQi Contabilidad lists its pólizas: two title
lines, then ``Fecha;Tipo;Número;Cuenta;Concepto;Referencia;UUID;Cargos;Abonos``, dates
DD/MM/YYYY, amounts with thousands separators, UTF-8 with a BOM (what Excel opens with
its accents intact). It runs from the first open invoice (July) to the day the close
is prepared (early November), so it holds what the close needs: the postings of every
document still open, and the postings after the period's end that reveal a cut-off.

Every document of the samples is posted as an accountant would (a sale: Diario, a
debit of the invoice's MXN Total; a collection: Ingresos, a credit of what the REP
applied at the invoice's TipoCambio, the exchange difference going to another account;
counter sales paid in cash at the till never touch the account), except for the
planted differences listed in :data:`PLANTED` and in ``samples/README.md``. Pure
data in, rows out; :func:`write` is the only IO.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..model import Comprobante

__all__ = ["ACCOUNT", "HEADER", "PLANTED", "Planted", "rows", "write"]

ACCOUNT = "105-01-001"  # Clientes nacionales, under the control account 105-01
HEADER = ("Fecha", "Tipo", "Número", "Cuenta", "Concepto", "Referencia", "UUID", "Cargos", "Abonos")
TITLE = ("COMERCIALIZADORA DEMO DEL BAJIO SA DE CV", "Auxiliar de cuentas: 105-01 Clientes nacionales, del 01/07/2026 al 06/11/2026")


@dataclass(frozen=True)
class Planted:
    """One planted difference: the document (a name in the samples: F-1012) and what the close must report."""

    document: str
    kind: str  # the reconciliation's kind (docs/close-gl.md)
    check: str | None  # the close-check item that also fails, if any
    what: str


PLANTED: tuple[Planted, ...] = (
    Planted("F-1012", "missing_in_gl", None, "issued on 22/10 and never posted"),
    Planted("F-1003", "duplicated_in_gl", None, "the sale's póliza captured twice"),
    Planted("F-1005", "amount_mismatch", None, "posted as 6,946.00 instead of 6,496.00 (two digits swapped)"),
    Planted("F-1013", "amount_mismatch", "rep_missing", "a 6,000.00 transfer of 30/10 posted against it; no REP issued"),
    Planted("(none)", "gl_without_cfdi", None, "a manual charge for freight to be re-invoiced, with no CFDI behind it"),
    Planted("F-1010", "cancelled_in_gl", "cancelled_open", "cancelled on 22/10 (replaced by F-1011); the sale never reversed"),
    Planted("F-1014", "period_mismatch", None, "issued on 31/10 at 18:30, posted on 03/11"),
)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _day(when: dt.datetime | dt.date) -> str:
    return f"{when:%d/%m/%Y}"


def rows(docs: Mapping[str, Comprobante], paid: Mapping[str, Decimal]) -> list[tuple[str, ...]]:
    """The export's rows, in date order. ``docs``: every document of the samples by name (F-1001, P-2001,
    NC-3001); ``paid``: what each REP applies, in MXN at the invoices' TipoCambio, by REP name."""
    lines: list[tuple[dt.date, str, str, str, str, str, Decimal | None, Decimal | None]] = []

    def doc(name: str) -> Comprobante:
        return docs[name]

    def mxn(name: str) -> Decimal:
        c = doc(name)
        assert c.total is not None
        rate = c.tipo_cambio if c.moneda not in (None, "MXN") and c.tipo_cambio is not None else Decimal(1)
        return (c.total * rate).quantize(Decimal("0.01"))

    def sale(name: str, *, day: dt.date | None = None, amount: Decimal | None = None) -> None:
        c = doc(name)
        assert c.fecha is not None and c.receptor is not None
        lines.append((day or c.fecha.date(), "Diario", f"Venta {name} {c.receptor.nombre}", name, c.uuid or "",
                      amount if amount is not None else mxn(name), None))

    def collected(name: str, day: dt.date, amount: Decimal, *, uuid_of: str | None = None, concept: str = "") -> None:
        lines.append((day, "Ingresos", concept or f"Cobro {name}", name, doc(uuid_of or name).uuid or "", None, amount))

    def date_of(name: str) -> dt.date:
        c = doc(name)
        assert c.fecha is not None
        return c.fecha.date()

    oct_ = dt.date(2026, 10, 1)
    sale("F-0962")
    sale("F-0987")
    sale("F-1001")
    sale("F-1002")
    collected("F-1002", date_of("F-1002"), mxn("F-1002"), concept="Cobro F-1002 (PUE, transferencia)")
    sale("F-1003")
    sale("F-1003")  # planted: duplicated_in_gl, the póliza captured twice
    sale("F-1004")
    # P-2005 pays 8,000.00 of F-0987 on 09/10; its REP was issued on 09/11, so the bank deposit was applied to
    # the invoice: the collection names the invoice's UUID (the ledger matches it by amount).
    collected("F-0987", oct_.replace(day=9), paid["P-2005"], concept="Cobro parcial F-0987 (SPEI-88114520)")
    collected("P-2001", oct_.replace(day=10), paid["P-2001"], concept="Cobro F-1001 parcialidad 1 (P-2001)")
    sale("F-1005", amount=Decimal("6946.00"))  # planted: amount_mismatch, 6,496.00 with two digits swapped
    lines.append((date_of("NC-3001"), "Diario", "Nota de crédito NC-3001 devolución F-1005", "NC-3001", doc("NC-3001").uuid or "",
                  None, mxn("NC-3001")))
    collected("P-2002", oct_.replace(day=15), paid["P-2002"], concept="Cobro F-1003 (P-2002)")
    sale("F-1010")  # planted: cancelled_in_gl, cancelled on 22/10 and never reversed
    sale("F-1011")
    # F-1012 (22/10): planted missing_in_gl, never posted
    collected("P-2003", oct_.replace(day=24), paid["P-2003"], concept="Cobro F-1001 parcialidad 2 y F-1005 (P-2003)")
    sale("F-1013")
    collected("P-2004", oct_.replace(day=28), paid["P-2004"], concept="Cobro F-1004 USD (P-2004), a TC histórico")
    # planted: a 6,000.00 transfer applied to F-1013, for which no REP was issued (rep_missing)
    collected("F-1013", oct_.replace(day=30), Decimal("6000.00"), concept="Cobro parcial F-1013 (SPEI-88341907)")
    # planted: gl_without_cfdi, a manual charge with no CFDI behind it
    lines.append((oct_.replace(day=31), "Diario", "Refacturación de fletes pendiente de CFDI", "FLETES-OCT", "",
                  Decimal("1740.00"), None))
    sale("F-1014", day=dt.date(2026, 11, 3))  # planted: period_mismatch, issued 31/10 at 18:30, posted 03/11
    return _numbered(lines)


def _numbered(lines: Sequence[tuple[dt.date, str, str, str, str, Decimal | None, Decimal | None]]) -> list[tuple[str, ...]]:
    """Pólizas numbered per type and month, in date order (a stable sort keeps the order of a day's entries)."""
    counters: dict[tuple[int, int, str], int] = {}
    out = []
    for day, kind, concept, reference, uuid, debit, credit in sorted(lines, key=lambda line: line[0]):
        key = (day.year, day.month, kind)
        counters[key] = counters.get(key, 0) + 1
        out.append((_day(day), kind, str(counters[key]), ACCOUNT, concept, reference, uuid,
                    _money(debit) if debit is not None else "", _money(credit) if credit is not None else ""))
    return out


def write(path: Path, data: Sequence[Sequence[str]]) -> Path:
    """The export as CONTPAQi writes it: title lines, a blank line, the header, the rows; ``;``-separated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        for title in TITLE:
            fh.write(title + "\r\n")
        fh.write("\r\n")
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(data)
    return path

"""The close pack: the month-end close as the Excel workbook an AR specialist would have built by hand.

Pure: a :class:`~.closing.MonthEnd` in, an openpyxl ``Workbook`` out (:func:`workbook`); the caller saves it.

Sheets, in order (Spanish names by default, English with ``lang="en"``): *Resumen* (company, period, the
reconciliation's figures, the verdict, the checklist, the headline KPIs), *Conciliación* (the balances and every
reconciling item), *Partidas ERP* (only with the ERP's open items), *Antigüedad* (by customer, with a total
row), *Facturas abiertas* (each open invoice and its bucket), *Indicadores* (every KPI, the bad-debt provision
and the days to pay), *Cumplimiento REP* (each PPD payment of the period, its REP, and whether it was on time;
the payments the GL shows without a REP too) and *Hallazgos* (every close-check finding, invalid CFDIs included).

How the workbook can be followed and trusted:

* **Live totals.** Every total is ``=SUM(...)`` over its column; a row's total and net are formulas over the
  row; the summary's figures are references to the cells of the other sheets (``='Conciliación'!B5``), and so
  are the KPIs that come from the aging (closing, current, past-due AR). Difference = AR − GL and unexplained =
  difference − explained are formulas too: change an item and the tie shows.
* **Exact money.** Amounts are written as the ledger's ``Decimal`` (openpyxl stores its text: never a float),
  formatted ``#,##0.00``; dates are date cells.
* **Text stays text.** Any text from a document, the GL or the ERP that starts with ``=``, ``+``, ``-``, ``@``
  (or a tab or CR) is written with a leading apostrophe (:func:`cfdi_ar.report.safe_cell`), as the project's other
  workbooks and CSVs do. Only :class:`Formula` values, which this module writes itself, are formulas.
* Headers are bold and frozen, each table has a filter (one per sheet, as Excel allows), widths are set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..report import safe_cell
from .aging import CREDIT, NO_DUE_DATE
from .closing import MonthEnd
from .pack_labels import LANGS, bucket_text, kind_text, text

__all__ = ["Formula", "MONEY", "workbook"]

MONEY = "#,##0.00;[Red]-#,##0.00"
_FORMATS = {"money": MONEY, "int": "0", "days": "0.0", "pct": "0.00"}
_DATES = {"es": "dd/mm/yyyy", "en": "yyyy-mm-dd"}
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_HEAD_FILL = PatternFill("solid", fgColor="DDE4EE")
_RED, _GREEN, _AMBER = (PatternFill("solid", fgColor=c) for c in ("F8D7DA", "D4EDDA", "FFF3CD"))


class Formula(str):
    """A formula this module writes (``=SUM(D11:D17)``): the only text a cell receives unescaped."""


@dataclass(frozen=True)
class Col:
    """A column: the row key it shows, its header (a label key), how its values are formatted, its width."""

    key: str
    header: str  # a label key (pack_labels), or "!" and the header itself (an aging bucket's label)
    kind: str = "text"  # text, money, date, int, days, pct
    width: int = 14


@dataclass(frozen=True)
class Placed:
    """Where a table landed: its header row, first and last data rows, total row (or None)."""

    header: int
    first: int
    last: int
    total: int | None


def workbook(close: MonthEnd, lang: str = "es") -> Workbook:
    """The close pack of ``close`` in ``lang`` ("es" or "en")."""
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: one of {', '.join(LANGS)}")
    return _Pack(close, lang).build()


def _col(index: int) -> str:
    return get_column_letter(index)


def _ref(sheet: str, cell: str) -> str:
    return f"'{sheet}'!{cell}"


class _Pack:
    def __init__(self, close: MonthEnd, lang: str) -> None:
        self.c, self.lang = close, lang
        self.wb = Workbook()
        self.refs: dict[str, str] = {}  # what the summary and the KPIs refer to: name -> 'Sheet'!A1

    def t(self, key: str, **values: object) -> str:
        return text(key, self.lang, **values)

    # ------------------------------------------------------------------ cells and tables

    def put(self, ws: Worksheet, row: int, column: int, value: Any, kind: str = "text") -> None:
        cell = ws.cell(row=row, column=column)
        if value is None:
            return
        if isinstance(value, Formula):
            cell.value = str(value)
        elif isinstance(value, bool):
            cell.value = self.t("yes" if value else "no")
        elif isinstance(value, datetime):
            cell.value, kind = value.date(), "date"
        elif isinstance(value, (Decimal, int, date)):
            cell.value = value  # a Decimal's own text goes into the file: exact, never through a float
            kind = "date" if isinstance(value, date) else kind
        else:
            cell.value = safe_cell(value)
            cell.data_type = "s"  # belt and braces: whatever the text, a string cell
            return
        fmt = _DATES[self.lang] if kind == "date" else _FORMATS.get(kind)
        if fmt:
            cell.number_format = fmt

    def title(self, ws: Worksheet, words: str) -> None:
        ws.cell(row=1, column=1, value=safe_cell(words)).font = _TITLE

    def table(self, ws: Worksheet, top: int, cols: Sequence[Col], rows: Sequence[dict[str, Any]], *,
              sums: Sequence[str] = (), totals: dict[str, Any] | None = None, label: str | None = None,
              filter_: bool = True) -> Placed:
        """Headers at ``top``, the rows under them; a total row with ``=SUM`` for the ``sums`` columns (and the
        fixed ``totals``) when either is given. Row values may be callables of the row number (row formulas)."""
        for i, c in enumerate(cols, start=1):
            cell = ws.cell(row=top, column=i, value=self.t(c.header) if not c.header.startswith("!") else c.header[1:])
            cell.font, cell.fill = _BOLD, _HEAD_FILL
            width = ws.column_dimensions[_col(i)].width or 0
            ws.column_dimensions[_col(i)].width = max(width, c.width)
        first = top + 1
        for n, r in enumerate(rows):
            for i, c in enumerate(cols, start=1):
                value = r.get(c.key)
                self.put(ws, first + n, i, value(first + n) if callable(value) else value, c.kind)
        last = first + max(len(rows), 1) - 1  # an empty table keeps one blank row: its SUM is 0
        if filter_:
            ws.auto_filter.ref = f"A{top}:{_col(len(cols))}{last}"
        if not sums and not totals:
            return Placed(top, first, last, None)
        total = last + 1
        ws.cell(row=total, column=1, value=label or self.t("total")).font = _BOLD
        for i, c in enumerate(cols, start=1):
            if c.key in sums:
                self.put(ws, total, i, Formula(f"=SUM({_col(i)}{first}:{_col(i)}{last})"), c.kind)
            elif totals and c.key in totals:
                self.put(ws, total, i, totals[c.key], c.kind)
            ws.cell(row=total, column=i).font = _BOLD
        return Placed(top, first, last, total)

    def sheet(self, key: str) -> Worksheet:
        return self.wb.create_sheet(self.t(key))

    # ------------------------------------------------------------------ the workbook

    def build(self) -> Workbook:
        summary = self.wb.active
        summary.title = self.t("sheet.summary")
        self.reconciliation()
        if self.c.reconciliation.erp_balance is not None:
            self.erp()
        self.aging()
        self.invoices()
        self.kpis()
        self.reps()
        self.findings()
        self.summary(summary)
        self.wb.properties.creator = "cfdi-ar"
        self.wb.properties.title = self.t("title", period=self.c.period.label)
        return self.wb

    def _item_row(self, item: Any) -> dict[str, Any]:
        d = item.to_dict()
        refs = item.gl_refs
        return {"kind": item.kind, "kind_text": kind_text(item.kind, self.lang), "uuid": item.uuid, "amount": d["amount"],
                "invoice": item.invoice, "gl_rows": ", ".join(str(r.row) for r in refs) or None,
                "gl_date": refs[0].date if refs else None, "entry": ", ".join(dict.fromkeys(r.entry for r in refs if r.entry)) or None,
                "gl_text": refs[0].description if refs else None, "erp_rows": ", ".join(map(str, item.erp_rows)) or None,
                "message": item.message}

    def reconciliation(self) -> None:
        r = self.c.reconciliation
        ws = self.sheet("sheet.reconciliation")
        name = ws.title
        self.title(ws, self.t("rec.title", account=r.account, day=self._day(r.as_of)))
        cols = (Col("kind", "h.kind", width=18), Col("kind_text", "h.kind_text", width=34), Col("uuid", "h.uuid", width=38),
                Col("amount", "h.amount", "money", 18), Col("invoice", "h.invoice", width=38), Col("gl_rows", "h.gl_rows"),
                Col("gl_date", "h.gl_date", "date", 14), Col("entry", "h.entry"), Col("gl_text", "h.gl_text", width=40),
                Col("message", "h.message", width=90))
        placed = self.table(ws, 10, cols, [self._item_row(i) for i in r.items if i.explains], sums=("amount",),
                            label=self.t("total_items"))
        d = r.to_dict()
        figures = [("ar_balance", d["ar_balance"]), ("gl_balance", d["gl_balance"]),
                   ("difference", Formula("=B3-B4")), ("explained", Formula(f"=D{placed.total}")),
                   ("unexplained", Formula("=B5-B6"))]
        if r.erp_balance is not None:
            figures.append(("erp_balance", d["erp_balance"]))
        for n, (key, value) in enumerate(figures, start=3):
            ws.cell(row=n, column=1, value=self.t(key)).font = _BOLD
            self.put(ws, n, 2, value, "money")
            self.refs[key] = _ref(name, f"B{n}")
        ws.freeze_panes = f"A{placed.header + 1}"
        matched = r.info.get("matched_without_uuid") or []
        if matched:
            top = (placed.total or placed.last) + 2
            ws.cell(row=top, column=1, value=self.t("matched.title")).font = _BOLD
            rows = [{"uuid": m["uuid"], "invoice": ", ".join(m["invoices"]), "amount": m["amount"],
                     "gl_rows": str(m["gl_ref"]["row"]), "gl_date": m["gl_ref"]["date"], "entry": m["gl_ref"]["entry"],
                     "gl_text": m["gl_ref"]["description"]} for m in matched]
            self.table(ws, top + 1, (Col("uuid", "h.uuid", width=38), Col("invoice", "h.invoice", width=38),
                                     Col("amount", "h.amount", "money", 18), Col("gl_rows", "h.gl_rows"),
                                     Col("gl_date", "h.gl_date", "date"), Col("entry", "h.entry"),
                                     Col("gl_text", "h.gl_text", width=40)), rows, filter_=False)

    def erp(self) -> None:
        ws = self.sheet("sheet.erp")
        self.title(ws, self.t("sheet.erp"))
        cols = (Col("kind", "h.kind", width=20), Col("kind_text", "h.kind_text", width=34), Col("uuid", "h.uuid", width=38),
                Col("amount", "h.amount", "money", 18), Col("erp_rows", "h.erp_rows", width=16),
                Col("message", "h.message", width=90))
        placed = self.table(ws, 3, cols, [self._item_row(i) for i in self.c.reconciliation.items if not i.explains],
                            sums=("amount",))
        ws.freeze_panes = f"A{placed.header + 1}"

    def aging(self) -> None:
        report = self.c.aging
        ws = self.sheet("sheet.aging")
        name = ws.title
        self.title(ws, self.t("aging.title", day=self._day(report.as_of)))
        labels = list(report.buckets.labels)
        cols = [Col("customer_rfc", "h.rfc", width=16), Col("customer_name", "h.customer", width=34),
                Col("invoices", "h.invoices", "int", 10)]
        cols += [Col(label, "!" + bucket_text(label, self.lang), "money", 15) for label in labels]
        cols += [Col(NO_DUE_DATE, "h.no_due_date", "money", 15), Col("total", "h.gross", "money", 16),
                 Col(CREDIT, "h.credit", "money", 15), Col("net", "h.net", "money", 16)]
        at = {c.key: i for i, c in enumerate(cols, start=1)}
        first_bucket, no_due, gross, credit = _col(at[labels[0]]), _col(at[NO_DUE_DATE]), _col(at["total"]), _col(at[CREDIT])

        def row(c: Any) -> dict[str, Any]:
            values = {"customer_rfc": c.customer_rfc, "customer_name": c.customer_name, "invoices": c.invoices,
                      **c.mxn.buckets, NO_DUE_DATE: c.mxn.no_due_date, CREDIT: c.mxn.credit}
            values["total"] = lambda n: Formula(f"=SUM({first_bucket}{n}:{no_due}{n})")
            values["net"] = lambda n: Formula(f"={gross}{n}-{credit}{n}")
            return values

        sums = ["invoices", *labels, NO_DUE_DATE, "total", CREDIT, "net"]
        placed = self.table(ws, 3, cols, [row(c) for c in report.customers], sums=sums, label="TOTAL")
        ws.freeze_panes = f"C{placed.header + 1}"
        total = placed.total
        for key in [*labels, NO_DUE_DATE, "total", CREDIT, "net"]:
            self.refs[f"aging.{key}"] = _ref(name, f"{_col(at[key])}{total}")
        if len(labels) > 1:
            self.refs["aging.past_due"] = f"SUM({_ref(name, f'{_col(at[labels[1]])}{total}')}:{_col(at[labels[-1]])}{total})"

    def invoices(self) -> None:
        report = self.c.aging
        ws = self.sheet("sheet.invoices")
        self.title(ws, self.t("invoices.title", day=self._day(report.as_of)))
        cols = (Col("serie", "h.serie", width=8), Col("folio", "h.folio", width=10), Col("uuid", "h.uuid", width=38),
                Col("customer_rfc", "h.rfc", width=16), Col("customer_name", "h.customer", width=34),
                Col("fecha", "h.fecha", "date", 12), Col("due_date", "h.due", "date", 12),
                Col("due_source", "h.due_source", width=14), Col("days_overdue", "h.days_overdue", "int", 12),
                Col("bucket", "h.bucket", width=16), Col("currency", "h.currency", width=9),
                Col("balance", "h.balance", "money", 18), Col("balance_mxn", "h.balance_mxn", "money", 16))
        items = sorted(report.items, key=lambda i: (i.customer_rfc or "", i.fecha or datetime.min, i.uuid))
        rows = [{**i.to_dict(), "bucket": bucket_text(i.bucket, self.lang) if i.bucket not in (NO_DUE_DATE, CREDIT)
                 else self.t("h.no_due_date" if i.bucket == NO_DUE_DATE else "h.credit")} for i in items]
        placed = self.table(ws, 3, cols, rows, sums=("balance_mxn",))
        ws.freeze_panes = f"A{placed.header + 1}"
        self.refs["invoices.total"] = _ref(ws.title, f"{_col(len(cols))}{placed.total}")

    def _day(self, day: date) -> str:
        return f"{day:%d/%m/%Y}" if self.lang == "es" else f"{day:%Y-%m-%d}"

    def kpis(self) -> None:
        from .pack_sheets import kpi_rows

        k = self.c.kpis
        ws = self.sheet("sheet.kpis")
        name = ws.title
        self.title(ws, self.t("kpis.title", period=k.period.label))
        rows = kpi_rows(k, self.refs, self.lang)
        cols = (Col("label", "h.kpi", width=46), Col("kpi", "h.code", width=20), Col("value", "h.value", "money", 16),
                Col("unit", "h.unit", width=8), Col("how", "h.how", width=90))
        placed = self.table(ws, 3, cols, rows)
        for n, r in enumerate(rows, start=placed.first):
            self.put(ws, n, 3, r["value"](n) if callable(r["value"]) else r["value"], r["kind"])
            self.refs[f"kpi.{r['kpi']}"] = _ref(name, f"C{n}")
        ws.freeze_panes = f"A{placed.header + 1}"
        row_of = {r["kpi"]: n for n, r in enumerate(rows, start=placed.first)}
        self.put(ws, row_of["net_credit_sales"], 3,
                 Formula(f"=C{row_of['credit_sales']}-C{row_of['credit_notes']}"), "money")
        # the bad-debt provision, by bucket
        top = placed.last + 3
        ws.cell(row=top - 1, column=1, value=self.t("provision.title")).font = _BOLD
        prov = [{"bucket": bucket_text(p.bucket, self.lang), "percentage": p.percentage, "base": p.balance + p.no_due_date,
                 "undated": p.no_due_date, "provision": p.provision} for p in k.provision]
        pcols = (Col("bucket", "h.bucket", width=46), Col("percentage", "h.percentage", "pct", 20),
                 Col("base", "h.base", "money", 16), Col("undated", "h.base_undated", "money", 16),
                 Col("provision", "h.provision", "money", 18))
        p = self.table(ws, top, pcols, prov, sums=("base", "undated", "provision"), filter_=False)
        self.put(ws, row_of["provision_total"], 3, Formula(f"=E{p.total}"), "money")
        # days to pay, by customer
        top = (p.total or p.last) + 3
        ws.cell(row=top - 1, column=1, value=self.t("days.title", period=k.period.label)).font = _BOLD
        days = [{"who": f"{d.customer_rfc} {d.customer_name or ''}".strip(), "payments": d.payments, "amount": d.amount,
                 "days": d.days} for d in k.days_to_pay]
        dcols = (Col("who", "h.customer", width=46), Col("payments", "h.payments", "int", 20),
                 Col("amount", "h.paid_mxn", "money", 16), Col("days", "h.days", "days", 16))
        self.table(ws, top, dcols, days, sums=("payments", "amount"), totals={"days": k.days_to_pay_total.days},
                   filter_=False)

    def reps(self) -> None:
        k, c = self.c.kpis, self.c
        ws = self.sheet("sheet.reps")
        self.title(ws, self.t("reps.title", period=k.period.label, day=k.rep_deadline_day))
        rows: list[dict[str, Any]] = []
        for p in k.rep_payments:
            single = len(p.amounts) == 1
            rows.append({"rep": p.payment_uuid, "pago": p.pago_index + 1, "fecha_pago": p.fecha_pago,
                         "customer": p.customer_rfc, "invoices": ", ".join(p.invoices),
                         "paid": next(iter(p.amounts.values())) if single else None,
                         "currency": next(iter(p.amounts)) if single else "; ".join(f"{cur} {a}" for cur, a in p.amounts.items()),
                         "issued": p.issued, "issued_source": p.issued_source, "deadline": p.deadline,
                         "on_time": self.t("yes" if p.on_time else "no"), "days_late": p.days_late})
        for f in (f for i in c.check.items if i.kind == "rep_missing" for f in i.findings):
            dates = f.get("gl_dates") or []
            rows.append({"rep": self.t("rep.none"), "fecha_pago": dates[0] if dates else None, "customer": f.get("customer_rfc"),
                         "invoices": f.get("uuid"), "paid": f.get("missing_amount"), "currency": "MXN",
                         "deadline": f.get("deadline"), "on_time": self.t("rep.missing")})
        cols = (Col("rep", "h.rep", width=38), Col("pago", "h.pago", "int", 6), Col("fecha_pago", "h.fecha_pago", "date", 12),
                Col("customer", "h.rfc", width=16), Col("invoices", "h.invoices", width=38), Col("paid", "h.paid", "money", 16),
                Col("currency", "h.currency", width=9), Col("issued", "h.issued", "date", 12),
                Col("issued_source", "h.issued_source", width=14), Col("deadline", "h.deadline", "date", 12),
                Col("on_time", "h.on_time", width=10), Col("days_late", "h.days_late", "int", 12))
        placed = self.table(ws, 3, cols, rows)
        ws.freeze_panes = f"A{placed.header + 1}"

    def findings(self) -> None:
        ws = self.sheet("sheet.findings")
        self.title(ws, self.t("findings.title", period=self.c.period.label))
        rows = []
        for item in self.c.check.items:
            for f in item.findings:
                name = "-".join(x for x in (f.get("serie"), f.get("folio")) if x) or None
                amount = next((f[k] for k in ("missing_amount", "gl_balance", "balance_mxn") if f.get(k) is not None), None)
                rows.append({"item": item.kind, "kind_text": kind_text(item.kind, self.lang),
                             "severity": self.t("severity.blocking" if item.blocking else "severity.warning"),
                             "uuid": f.get("uuid") or f.get("payment_uuid"), "document": name,
                             "customer": f.get("customer_rfc"), "amount": amount, "deadline": f.get("deadline"),
                             "codes": ", ".join(f.get("codes", ())) or None, "message": f.get("message")})
        cols = (Col("item", "h.item", width=24), Col("kind_text", "h.kind_text", width=30), Col("severity", "h.severity", width=12),
                Col("uuid", "h.uuid", width=38), Col("document", "h.document", width=12), Col("customer", "h.rfc", width=16),
                Col("amount", "h.finding_amount", "money", 16), Col("deadline", "h.deadline", "date", 12),
                Col("codes", "h.codes", width=16), Col("message", "h.message", width=100))
        placed = self.table(ws, 3, cols, rows)
        ws.freeze_panes = f"A{placed.header + 1}"

    def summary(self, ws: Worksheet) -> None:
        from .pack_sheets import summary_sheet

        summary_sheet(self, ws)

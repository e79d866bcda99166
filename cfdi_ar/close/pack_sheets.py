"""The close pack's summary sheet and its KPI rows: what refers to the other sheets (:mod:`.pack` builds those).

Every figure on the summary is a reference to the cell that holds it on its own sheet, so an accountant can
follow it there (Excel's trace precedents); the KPIs that come from the aging refer to the aging's total row.
"""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from .kpis import Kpis
from .pack import _AMBER, _BOLD, _GREEN, _RED, _TITLE, Col, Formula
from .pack_labels import text

__all__ = ["kpi_rows", "summary_sheet"]

# kpi -> (unit, format, how in Spanish, how in English)
_KPIS: dict[str, tuple[str, str, str, str]] = {
    "opening_ar": ("MXN", "money", "cartera al cierre del mes anterior, menos los saldos cancelados en el periodo",
                   "AR at the previous month's end, less what was cancelled in the period"),
    "cancelled_in_period": ("MXN", "money", "saldos iniciales de facturas canceladas en el periodo",
                            "opening balances of invoices cancelled in the period"),
    "credit_sales": ("MXN", "money", "facturas del periodo no PUE y no canceladas", "invoices of the period, not PUE, not cancelled"),
    "credit_notes": ("MXN", "money", "notas de crédito del periodo aplicadas a esas facturas",
                     "credit notes of the period applied to those invoices"),
    "net_credit_sales": ("MXN", "money", "ventas a crédito − notas de crédito", "credit sales − credit notes"),
    "closing_ar": ("MXN", "money", "total de la hoja de antigüedad", "the aging's total"),
    "current_ar": ("MXN", "money", "columna por vencer de la antigüedad", "the aging's current column"),
    "past_due": ("MXN", "money", "columnas vencidas de la antigüedad", "the aging's past-due columns"),
    "no_due_date": ("MXN", "money", "columna sin fecha de vencimiento de la antigüedad", "the aging's no-due-date column"),
    "credit_balances": ("MXN", "money", "saldos a favor de clientes (pagos de más)", "overpayments, owed to customers"),
    "dso_standard": ("days", "days", "cartera al cierre / ventas a crédito netas × días del mes",
                     "closing AR / net credit sales × days in the month"),
    "dso_count_back": ("days", "days", "meses de ventas netas recorridos hacia atrás hasta agotar la cartera",
                       "months of net credit sales walked back until the closing AR is used up"),
    "past_due_pct": ("%", "pct", "cartera vencida / cartera al cierre × 100", "past-due AR / closing AR × 100"),
    "cei": ("%", "pct", "(inicial + ventas netas − cierre) / (inicial + ventas netas − por vencer) × 100",
            "(opening + net sales − closing AR) / (opening + net sales − current AR) × 100"),
    "rep_compliance_pct": ("%", "pct", "pagos PPD con REP emitido a tiempo / pagos PPD del periodo × 100",
                           "PPD payments with their REP on time / PPD payments of the period × 100"),
    "days_to_pay": ("days", "days", "de la Fecha de la factura a la FechaPago, ponderado por importe",
                    "invoice Fecha to FechaPago, weighted by the amount paid"),
    "provision_total": ("MXN", "money", "suma de la tabla de estimación (saldo de cada antigüedad × su %)",
                        "the provision table's total (each bucket × its %)"),
}
_FROM_AGING = {"closing_ar": "aging.total", "current_ar": None, "past_due": "aging.past_due",
               "no_due_date": "aging.no due date", "credit_balances": "aging.credit"}
_HEADLINE = ("closing_ar", "past_due", "past_due_pct", "dso_standard", "dso_count_back", "cei", "rep_compliance_pct",
             "provision_total")


def kpi_rows(k: Kpis, refs: dict[str, str], lang: str) -> list[dict[str, Any]]:
    """The KPI table's rows: {kpi, label, value, unit, kind, how}. Aging figures are references to the aging sheet's
    total row; net credit sales and the provision total are set as formulas once the rows are placed."""
    values: dict[str, Any] = {
        "opening_ar": k.opening_ar, "cancelled_in_period": k.cancelled_in_period, "credit_sales": k.sales.invoices,
        "credit_notes": k.sales.credit_notes, "net_credit_sales": k.sales.net, "closing_ar": k.closing_ar,
        "current_ar": k.current_ar, "past_due": k.past_due, "no_due_date": k.no_due_date,
        "credit_balances": k.credit_balances, "dso_standard": k.dso_standard,
        "dso_count_back": k.dso_count_back.to_dict()["days"], "past_due_pct": k.past_due_pct, "cei": k.cei,
        "rep_compliance_pct": k.rep_compliance_pct, "days_to_pay": k.days_to_pay_total.days,
        "provision_total": k.provision_total}
    current = f"aging.{k.aging.buckets.labels[0]}"
    rows = []
    for kpi, (unit, kind, how_es, how_en) in _KPIS.items():
        ref = refs.get(current if kpi == "current_ar" else _FROM_AGING.get(kpi) or "")
        value = Formula("=" + ref) if kpi in _FROM_AGING and ref else values[kpi]
        rows.append({"kpi": kpi, "label": text(f"kpi.{kpi}", lang), "value": value,
                     "unit": text("unit.days", lang) if unit == "days" else unit, "kind": kind,
                     "how": how_es if lang == "es" else how_en})
    return rows


def _why(c: Any, t: Any) -> str:
    """Why the close is not ready, in the workbook's language (the codes as the checklist shows them)."""
    r = c.reconciliation
    parts = [t("why.check", items=", ".join(c.check.failed_blocking))] if c.check.failed_blocking else []
    if r.items:
        parts.append(t("why.items", n=len(r.items)))
    if r.unexplained:
        parts.append(t("why.unexplained", amount=f"{r.to_dict()['unexplained']:,.2f}"))
    return "; ".join(parts)


def summary_sheet(pack: Any, ws: Worksheet) -> None:
    """The first sheet: who and when, the verdict, the reconciliation's figures, the checklist, the headline KPIs."""
    c, t = pack.c, pack.t
    ws.cell(row=1, column=1, value=t("title", period=c.period.label)).font = _TITLE
    rows: list[tuple[str, Any, str]] = [
        ("company", ", ".join(x.rfc for x in c.companies) or None, "text"),
        ("company_name", ", ".join(x.name for x in c.companies if x.name) or None, "text"),
        ("period", c.period.label, "text"), ("as_of", c.as_of, "date"), ("account", c.account, "text"),
        ("gl_file", c.gl.get("file"), "text"), ("gl_layout", c.gl.get("layout"), "text"),
    ]
    n = 3
    for key, value, kind in rows:
        ws.cell(row=n, column=1, value=t(key)).font = _BOLD
        pack.put(ws, n, 2, value, kind)
        n += 1
    ws.cell(row=n, column=1, value=t("verdict")).font = _BOLD
    verdict = t("ready") if c.ready else t("not_ready", why=_why(c, t))
    pack.put(ws, n, 2, verdict)
    ws.cell(row=n, column=2).font = _BOLD
    ws.cell(row=n, column=2).fill = _GREEN if c.ready else _RED
    ws.cell(row=n, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    n += 2
    ws.cell(row=n, column=1, value=t("section.reconciliation")).font = _TITLE
    n += 1
    keys = ["ar_balance", "gl_balance", "difference", "explained", "unexplained"]
    keys += ["erp_balance"] if "erp_balance" in pack.refs else []
    for key in keys:
        ws.cell(row=n, column=1, value=t(key))
        pack.put(ws, n, 2, Formula("=" + pack.refs[key]), "money")
        n += 1
    ws.cell(row=n, column=1, value=t("items_count"))
    pack.put(ws, n, 2, len(c.reconciliation.items), "int")
    n += 1
    ws.cell(row=n, column=1, value=t("aging_total"))
    pack.put(ws, n, 2, Formula("=" + pack.refs["aging.net"]), "money")
    n += 2
    ws.cell(row=n, column=1, value=t("section.checklist")).font = _TITLE
    checklist = [{"item": i.kind, "title": t(f"check.{i.kind}"), "status": t(f"status.{i.status}"),
                  "severity": t("severity.blocking" if i.blocking else "severity.warning"),
                  "count": len(i.findings) if i.status != "not_checked" else None} for i in c.check.items]
    cols = (Col("item", "h.item", width=44), Col("title", "h.description", width=46), Col("status", "h.status", width=14),
            Col("severity", "h.severity", width=14), Col("count", "h.findings", "int", 12))
    placed = pack.table(ws, n + 1, cols, checklist)
    for row, item in enumerate(c.check.items, start=placed.first):
        if item.status == "fail":
            ws.cell(row=row, column=3).fill = _RED if item.blocking else _AMBER
    n = placed.last + 2
    ws.cell(row=n, column=1, value=t("section.kpis")).font = _TITLE
    n += 1
    for key in _HEADLINE:
        unit, kind = _KPIS[key][0], _KPIS[key][1]
        ws.cell(row=n, column=1, value=t(f"kpi.{key}"))
        pack.put(ws, n, 2, Formula("=" + pack.refs[f"kpi.{key}"]), kind)
        pack.put(ws, n, 3, t("unit.days") if unit == "days" else unit)
        n += 1
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = max(ws.column_dimensions["B"].width or 0, 46)

"""The close pack's words, in Spanish (the default: AR staff in Mexico read it) and English. Data only.

Sheet names, headers, row labels and the description of each kind of item or finding. The codes themselves
(``missing_in_gl``, ``rep_missing``) stay as they are in both languages: they are what the JSON, the
documentation and the other commands use, and what a filter on the sheet selects. SAT's terms (CFDI, REP,
UUID, TipoCambio, FechaPago, PPD, PUE) are SAT's in both.
"""

from __future__ import annotations

__all__ = ["LANGS", "text", "kind_text", "bucket_text"]

LANGS = ("es", "en")

_TEXT: dict[str, tuple[str, str]] = {
    # sheets (at most 31 characters, none of []:*?/\)
    "sheet.summary": ("Resumen", "Summary"),
    "sheet.reconciliation": ("Conciliación", "Reconciliation"),
    "sheet.erp": ("Partidas ERP", "ERP items"),
    "sheet.aging": ("Antigüedad", "Aging"),
    "sheet.invoices": ("Facturas abiertas", "Open invoices"),
    "sheet.kpis": ("Indicadores", "KPIs"),
    "sheet.reps": ("Cumplimiento REP", "REP compliance"),
    "sheet.findings": ("Hallazgos", "Findings"),
    # summary
    "title": ("Cierre de cuentas por cobrar {period}", "Accounts receivable close {period}"),
    "company": ("Empresa (RFC)", "Company (RFC)"),
    "company_name": ("Razón social", "Company name"),
    "period": ("Periodo", "Period"),
    "as_of": ("Fecha de corte", "As of"),
    "account": ("Cuenta de control (clientes)", "AR control account"),
    "gl_file": ("Auxiliar contable (archivo)", "GL export (file)"),
    "gl_layout": ("Formato del auxiliar", "GL layout"),
    "verdict": ("Resultado", "Verdict"),
    "ready": ("LISTO PARA CERRAR", "READY TO CLOSE"),
    "why.check": ("falla bloqueante en {items}", "blocking items failed: {items}"),
    "why.items": ("{n} partidas en conciliación", "{n} reconciling items"),
    "why.unexplained": ("{amount} sin explicar", "{amount} unexplained"),
    "not_ready": ("NO LISTO PARA CERRAR: {why}", "NOT READY TO CLOSE: {why}"),
    "section.reconciliation": ("Conciliación", "Reconciliation"),
    "section.checklist": ("Lista de verificación", "Close checklist"),
    "section.kpis": ("Indicadores principales", "Headline KPIs"),
    "ar_balance": ("Saldo según CFDI (cfdi-ar)", "AR balance (ledger)"),
    "gl_balance": ("Saldo según contabilidad", "GL balance"),
    "difference": ("Diferencia (CFDI − contabilidad)", "Difference (AR − GL)"),
    "explained": ("Explicada por las partidas", "Explained by the items"),
    "unexplained": ("Sin explicar", "Unexplained"),
    "items_count": ("Partidas en conciliación", "Reconciling items"),
    "erp_balance": ("Saldo según ERP (informativo)", "ERP open items (informative)"),
    "aging_total": ("Cartera según antigüedad (neto)", "AR per the aging (net)"),
    "total": ("Total", "Total"),
    "total_items": ("Total de partidas", "Total of the items"),
    "yes": ("Sí", "Yes"),
    "no": ("No", "No"),
    # checklist
    "h.item": ("Punto de control", "Item"),
    "h.description": ("Descripción", "Description"),
    "h.status": ("Estado", "Status"),
    "h.severity": ("Severidad", "Severity"),
    "h.findings": ("Hallazgos", "Findings"),
    "status.pass": ("Aprobado", "Passed"),
    "status.fail": ("Falla", "Failed"),
    "status.not_checked": ("No revisado", "Not checked"),
    "severity.blocking": ("Bloqueante", "Blocking"),
    "severity.warning": ("Advertencia", "Warning"),
    "check.payment_complement_late": ("REP emitidos a tiempo", "REPs issued by the deadline"),
    "check.rep_missing": ("Todo cobro en contabilidad tiene su REP", "Every payment posted in the GL has its REP"),
    "check.pue_unpaid": ("Facturas PUE liquidadas al cierre", "PUE invoices settled by month-end in the GL"),
    "check.invalid_cfdi": ("Ningún CFDI del periodo con errores", "No document of the period with error findings"),
    "check.cancelled_open": ("Ninguna factura cancelada con saldo", "No cancelled invoice still open or in the GL"),
    # reconciliation
    "rec.title": ("Conciliación de la cuenta {account} al {day}", "Reconciliation of account {account} at {day}"),
    "h.kind": ("Tipo", "Kind"),
    "h.code": ("Clave", "Key"),
    "h.codes": ("Códigos SAT", "SAT codes"),
    "h.kind_text": ("Qué es", "What it is"),
    "h.uuid": ("UUID", "UUID"),
    "h.amount": ("Importe (CFDI − contabilidad)", "Amount (AR − GL)"),
    "h.invoice": ("Factura relacionada", "Invoice concerned"),
    "h.gl_rows": ("Renglones del auxiliar", "GL rows"),
    "h.gl_date": ("Fecha en contabilidad", "GL date"),
    "h.entry": ("Póliza", "Entry"),
    "h.gl_text": ("Concepto en contabilidad", "GL description"),
    "h.message": ("Detalle", "Detail"),
    "h.erp_rows": ("Renglones del ERP", "ERP rows"),
    "matched.title": ("Cobros sin UUID asociados por importe y fecha (confírmelos)",
                      "Payments posted without a UUID, matched by amount and date (confirm them)"),
    "no_items": ("Sin partidas: el auxiliar de clientes cuadra con contabilidad.", "No items: the AR ledger ties with the GL."),
    # aging
    "aging.title": ("Antigüedad de saldos al {day} (MXN al TipoCambio de cada factura)",
                    "Aging at {day} (MXN at each invoice's TipoCambio)"),
    "h.rfc": ("RFC", "RFC"),
    "h.customer": ("Cliente", "Customer"),
    "h.invoices": ("Facturas", "Invoices"),
    "h.no_due_date": ("Sin fecha de vencimiento", "No due date"),
    "h.gross": ("Total", "Total"),
    "h.credit": ("Saldos a favor del cliente", "Credit balances"),
    "h.net": ("Neto", "Net"),
    "invoices.title": ("Facturas abiertas al {day}", "Open invoices at {day}"),
    "h.serie": ("Serie", "Serie"),
    "h.folio": ("Folio", "Folio"),
    "h.fecha": ("Fecha", "Fecha"),
    "h.due": ("Vencimiento", "Due date"),
    "h.due_source": ("Origen del vencimiento", "Due date from"),
    "h.days_overdue": ("Días vencidos", "Days overdue"),
    "h.bucket": ("Antigüedad", "Bucket"),
    "h.currency": ("Moneda", "Currency"),
    "h.balance": ("Saldo (moneda de la factura)", "Balance (invoice currency)"),
    "h.balance_mxn": ("Saldo MXN", "Balance MXN"),
    # kpis
    "kpis.title": ("Indicadores de {period} (MXN al TipoCambio de cada factura)", "KPIs for {period} (MXN at each invoice's TipoCambio)"),
    "h.kpi": ("Indicador", "KPI"),
    "h.value": ("Valor", "Value"),
    "h.unit": ("Unidad", "Unit"),
    "h.how": ("Cómo se calcula", "How"),
    "unit.days": ("días", "days"),
    "kpi.opening_ar": ("Cartera al inicio (menos lo cancelado en el periodo)", "Opening AR (less what was cancelled in the period)"),
    "kpi.cancelled_in_period": ("Saldos iniciales cancelados en el periodo", "Opening balances cancelled in the period"),
    "kpi.credit_sales": ("Ventas a crédito del periodo", "Credit sales of the period"),
    "kpi.credit_notes": ("Notas de crédito aplicadas a esas ventas", "Credit notes applied to those sales"),
    "kpi.net_credit_sales": ("Ventas a crédito netas", "Net credit sales"),
    "kpi.closing_ar": ("Cartera al cierre", "Closing AR"),
    "kpi.current_ar": ("Cartera por vencer", "Current AR (not yet due)"),
    "kpi.past_due": ("Cartera vencida", "Past-due AR"),
    "kpi.no_due_date": ("Cartera sin fecha de vencimiento", "AR with no due date"),
    "kpi.credit_balances": ("Saldos a favor de clientes", "Credit balances"),
    "kpi.dso_standard": ("DSO estándar", "Standard DSO"),
    "kpi.dso_count_back": ("DSO por agotamiento (count-back)", "Count-back DSO"),
    "kpi.past_due_pct": ("% de cartera vencida", "% past due"),
    "kpi.cei": ("Índice de efectividad de cobranza (CEI)", "Collection effectiveness index (CEI)"),
    "kpi.rep_compliance_pct": ("Cumplimiento de REP", "REP compliance"),
    "kpi.days_to_pay": ("Días promedio de pago", "Average days to pay"),
    "kpi.provision_total": ("Estimación de cuentas incobrables", "Bad-debt provision"),
    "provision.title": ("Estimación de cuentas incobrables por antigüedad", "Bad-debt provision by bucket"),
    "h.percentage": ("%", "%"),
    "h.base": ("Base", "Base"),
    "h.base_undated": ("De ella, sin vencimiento (por Fecha)", "Of which no due date (by Fecha)"),
    "h.provision": ("Estimación", "Provision"),
    "days.title": ("Días de pago: cobros con FechaPago en {period}", "Days to pay: payments with FechaPago in {period}"),
    "h.payments": ("Pagos", "Payments"),
    "h.paid_mxn": ("Pagado MXN", "Paid MXN"),
    "h.days": ("Días de pago", "Days to pay"),
    # reps
    "reps.title": ("Pagos PPD de {period} y sus REP (fecha límite: día {day} del mes siguiente)",
                   "PPD payments of {period} and their REPs (deadline: day {day} of the following month)"),
    "h.rep": ("REP (UUID)", "REP (UUID)"),
    "h.pago": ("Pago", "Pago"),
    "h.fecha_pago": ("FechaPago", "FechaPago"),
    "h.paid": ("Importe pagado", "Amount paid"),
    "h.issued": ("Emitido", "Issued"),
    "h.issued_source": ("Según", "From"),
    "h.deadline": ("Fecha límite", "Deadline"),
    "h.on_time": ("A tiempo", "On time"),
    "h.days_late": ("Días de atraso", "Days late"),
    "rep.none": ("(sin REP)", "(no REP)"),
    "rep.missing": ("Sin REP", "No REP"),
    # findings
    "findings.title": ("Hallazgos de la lista de verificación de {period}", "Close-check findings of {period}"),
    "h.document": ("Documento", "Document"),
    "h.finding_amount": ("Importe", "Amount"),
}

_KINDS: dict[str, tuple[str, str]] = {
    "missing_in_gl": ("Falta en contabilidad", "Not in the GL"),
    "duplicated_in_gl": ("Registrado dos veces en contabilidad", "Posted more than once"),
    "amount_mismatch": ("Importe distinto en contabilidad", "Posted for another amount"),
    "gl_without_cfdi": ("Movimiento contable sin CFDI", "GL line without a CFDI"),
    "unapplied_payment": ("Cobro de una factura que el auxiliar no tiene", "Payment of an invoice the ledger lacks"),
    "cancelled_in_gl": ("CFDI cancelado aún en contabilidad", "Cancelled CFDI still in the GL"),
    "period_mismatch": ("Registrado en otro periodo", "Posted in another period"),
    "missing_in_erp": ("Falta en el ERP", "Not in the ERP"),
    "erp_without_cfdi": ("Partida del ERP sin CFDI", "ERP item without a CFDI"),
    "erp_amount_mismatch": ("Importe distinto en el ERP", "Another amount in the ERP"),
    "erp_balance_vs_gl": ("Saldo del ERP distinto al contable", "ERP balance differs from the GL"),
    "payment_complement_late": ("REP emitido fuera de plazo", "REP issued late"),
    "rep_missing": ("Cobro sin REP", "Payment without a REP"),
    "pue_unpaid": ("Factura PUE no liquidada", "PUE invoice not settled"),
    "invalid_cfdi": ("CFDI con errores", "CFDI with error findings"),
    "cancelled_open": ("Factura cancelada con saldo", "Cancelled invoice with a balance"),
}


def text(key: str, lang: str, **values: object) -> str:
    """The text of ``key`` in ``lang`` ("es" or "en"), with ``{placeholders}`` filled in."""
    words = _TEXT[key][LANGS.index(lang)]
    return words.format(**values) if values else words


def kind_text(kind: str, lang: str) -> str:
    """What a kind of reconciling item or close-check finding is, in a few words."""
    pair = _KINDS.get(kind)
    return pair[LANGS.index(lang)] if pair else kind


def bucket_text(label: str, lang: str) -> str:
    """An aging bucket's label ("current", "1-30", "over 120", "past due") in ``lang``."""
    if lang == "en":
        return label
    if label == "current":
        return "Por vencer"
    if label == "past due":
        return "Vencido"
    if label.startswith("over "):
        return f"Más de {label[5:]} días"
    return f"{label} días"

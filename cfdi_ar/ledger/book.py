"""Reading the ledger's accounts receivable: open items and the breaks of payment chains.

Loads our documents (``ours = 1``) from the database into the pure chain model
(:mod:`.chain`), walks every invoice, and shapes the results for the commands.
Balances are in each invoice's currency, and in MXN at the invoice's
TipoCambio; what a payment in another rate would change is reported apart as
its exchange difference, never folded into a balance.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from .chain import Break, CreditNote, Invoice, InvoiceState, PaymentLine, link
from .db import Database
from .records import decimal_or_none
from .schema import migrate

__all__ = ["Book", "load_book", "open_items", "payment_breaks", "due_date"]

_CENT = Decimal("0.01")


def _dt(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", ""))
    except ValueError:
        return None


_DAYS = re.compile(r"(\d{1,3})\s*(?:d[ií]as?|days?|d\b)", re.IGNORECASE)
_NET = re.compile(r"(?:neto|net|cr[eé]dito|credito)\s*(\d{1,3})\b", re.IGNORECASE)


def due_date(fecha: datetime | None, condiciones: str | None, default_days: int | None = None) -> date | None:
    """The due date from CondicionesDePago ("30 días", "Crédito 45 dias", "NETO 60", "30 days");
    ``default_days`` when they say nothing usable; None without either."""
    if fecha is None:
        return None
    days: int | None = None
    if condiciones:
        m = _DAYS.search(condiciones) or _NET.search(condiciones)
        if m:
            days = int(m.group(1))
    if days is None:
        days = default_days
    return None if days is None else fecha.date() + timedelta(days=days)


class Book:
    """Our documents, loaded once: invoices, payment lines and credit notes, with cancellations."""

    def __init__(self, invoices: dict[str, Invoice], payments: list[PaymentLine], credit_notes: list[CreditNote]) -> None:
        self.invoices = invoices
        self.payments = payments
        self.credit_notes = credit_notes
        self.lines = {(p.payment_uuid, p.invoice_uuid): p for p in payments}

    def link(self, as_of: date | None = None) -> tuple[dict[str, InvoiceState], list[Break], list[PaymentLine]]:
        return link(self.invoices, self.payments, self.credit_notes, as_of)


def load_book(db: Database) -> Book:
    migrate(db)
    with db.read():
        cancelled = _cancellations(db)
        invoices: dict[str, Invoice] = {}
        for (uuid, serie, folio, fecha, emisor, receptor, nombre, moneda, tipo_cambio, total, metodo, condiciones,
             accepted) in db.fetchall(
                "SELECT uuid, serie, folio, fecha, emisor_rfc, receptor_rfc, receptor_nombre, moneda, tipo_cambio, total, "
                "metodo_pago, condiciones_de_pago, accepted FROM documents WHERE ours = 1 AND tipo = 'I'"):
            invoices[uuid] = Invoice(
                uuid=uuid, fecha=_dt(fecha), emisor_rfc=emisor, receptor_rfc=receptor, moneda=moneda,
                total=decimal_or_none(total) or Decimal("0"), tipo_cambio=decimal_or_none(tipo_cambio), metodo_pago=metodo,
                serie=serie, folio=folio, receptor_nombre=nombre, condiciones_de_pago=condiciones,
                cancelled_at=cancelled.get(uuid), accepted=bool(accepted),
            )
        payments = [
            PaymentLine(
                payment_uuid=puuid, pago_index=pi, docto_index=di, invoice_uuid=inv, fecha_pago=_dt(fp),
                imp_pagado=decimal_or_none(pagado), imp_saldo_ant=decimal_or_none(ant), imp_saldo_insoluto=decimal_or_none(insoluto),
                num_parcialidad=parc, moneda_dr=moneda_dr, moneda_p=moneda_p, tipo_cambio_p=decimal_or_none(tc_p),
                equivalencia_dr=decimal_or_none(equiv), emisor_rfc=emisor, receptor_rfc=receptor,
                cancelled_at=cancelled.get(puuid), accepted=bool(accepted),
            )
            for (puuid, pi, di, inv, fp, pagado, ant, insoluto, parc, moneda_dr, moneda_p, tc_p, equiv, emisor, receptor,
                 accepted) in db.fetchall(
                "SELECT p.payment_uuid, p.pago_index, p.docto_index, p.invoice_uuid, p.fecha_pago, p.imp_pagado, p.imp_saldo_ant, "
                "p.imp_saldo_insoluto, p.num_parcialidad, p.moneda_dr, p.moneda_p, p.tipo_cambio_p, p.equivalencia_dr, "
                "d.emisor_rfc, d.receptor_rfc, d.accepted FROM payments p JOIN documents d ON d.uuid = p.payment_uuid "
                "WHERE d.ours = 1 AND d.tipo = 'P'")
        ]
        related: dict[str, list[str]] = {}
        for uuid, rel in db.fetchall(
                "SELECT r.uuid, r.related_uuid FROM relations r JOIN documents d ON d.uuid = r.uuid "
                "WHERE d.ours = 1 AND d.tipo = 'E' AND r.tipo_relacion IN ('01', '03') ORDER BY r.uuid, r.position"):
            related.setdefault(uuid, []).append(rel)
        credit_notes = [
            CreditNote(uuid=uuid, fecha=_dt(fecha), total=decimal_or_none(total) or Decimal("0"), related=tuple(related.get(uuid, ())),
                       moneda=moneda, cancelled_at=cancelled.get(uuid), accepted=bool(accepted))
            for uuid, fecha, total, moneda, accepted in db.fetchall(
                "SELECT uuid, fecha, total, moneda, accepted FROM documents WHERE ours = 1 AND tipo = 'E'")
            if uuid in related
        ]
    return Book(invoices, payments, credit_notes)


def _cancellations(db: Database) -> dict[str, datetime]:
    """UUID → when it was cancelled (the earliest date any source gives; SAT's cancellations are final)."""
    out: dict[str, datetime] = {}
    for uuid, when, kind in db.fetchall(
            "SELECT uuid, date, date_kind FROM cancellations WHERE status = 'cancelled' ORDER BY uuid"):
        instant = _dt(when) or datetime.min
        if uuid not in out or instant < out[uuid]:
            out[uuid] = instant
    return out


def _mxn(amount: Decimal, inv: Invoice) -> Decimal:
    if (inv.moneda or "MXN") == "MXN" or inv.tipo_cambio is None:
        return amount
    return (amount * inv.tipo_cambio).quantize(_CENT)


def open_items(book: Book, as_of: date, *, customer: str | None = None, include_all: bool = False,
               default_days: int | None = None) -> list[dict[str, Any]]:
    """The invoices open at ``as_of`` (all of them with ``include_all``), with their payments."""
    states, _, _ = book.link(as_of)
    rows: list[dict[str, Any]] = []
    for uuid, state in states.items():
        inv = state.invoice
        if customer is not None and (inv.receptor_rfc or "").upper() != customer.upper():
            continue
        if not include_all and state.status not in ("open", "credit"):
            continue
        rows.append({
            "uuid": uuid, "serie": inv.serie, "folio": inv.folio, "customer_rfc": inv.receptor_rfc,
            "customer_name": inv.receptor_nombre, "fecha": inv.fecha, "due_date": due_date(inv.fecha, inv.condiciones_de_pago, default_days),
            "currency": inv.moneda, "total": inv.total, "balance": state.balance, "balance_mxn": _mxn(state.balance, inv),
            "metodo_pago": inv.metodo_pago, "status": state.status,
            "payments": [_payment_view(a, inv, book) for a in state.applications],
        })
    rows.sort(key=lambda r: (r["customer_rfc"] or "", r["fecha"] or datetime.min, r["uuid"]))
    return rows


def _payment_view(a: Any, inv: Invoice, book: Book) -> dict[str, Any]:
    view = a.to_dict()
    view["amount_mxn"] = _mxn(a.amount, inv)
    if a.kind == "payment" and a.applied and (inv.moneda or "MXN") != "MXN" and inv.tipo_cambio is not None:
        rate = _payment_rate(a.uuid, inv.uuid, book)
        if rate is not None:
            at_payment = (a.amount * rate).quantize(_CENT)
            view["amount_mxn_at_payment"] = at_payment
            view["exchange_difference_mxn"] = at_payment - view["amount_mxn"]
    return view


def _payment_rate(payment_uuid: str, invoice_uuid: str, book: Book) -> Decimal | None:
    """MXN per unit of the invoice's currency on the payment date: TipoCambioP / EquivalenciaDR."""
    p = book.lines.get((payment_uuid, invoice_uuid))
    if p is None:
        return None
    tc = p.tipo_cambio_p if p.tipo_cambio_p is not None else (Decimal("1") if (p.moneda_p or "") == "MXN" else None)
    eq = p.equivalencia_dr if p.equivalencia_dr is not None else Decimal("1")
    if tc is None or eq == 0:
        return None
    return tc / eq


def payment_breaks(book: Book, *, period: str | None = None, as_of: date | None = None) -> list[dict[str, Any]]:
    """Every break of every payment chain; with ``period`` (YYYY-MM), those of payments dated in it."""
    _, breaks, _ = book.link(as_of)
    out = [b.to_dict() for b in breaks]
    if period is not None:
        out = [b for b in out if isinstance(b.get("fecha_pago"), datetime) and b["fecha_pago"].strftime("%Y-%m") == period]
    out.sort(key=lambda b: (b.get("fecha_pago") or datetime.min, b["payment_uuid"] or "", b["invoice_uuid"] or "", b["kind"]))
    return out

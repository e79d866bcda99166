"""Payment complements (REPs) on time: each PPD payment received in a month, and when its REP was issued.

SAT's deadline (the Resolución Miscelánea Fiscal's rule on CFDI for payments received): a
payment complement must be issued by day 5 (calendar days) of the month following the
payment's FechaPago. The day is a parameter (``deadline_day``, ``--rep-deadline-day``,
default 5); a day past the end of the following month means its last day.

Definitions (decisions where SAT and the issue are silent):

- **A payment** is one ``pago20:Pago`` (one FechaPago, one Monto) of one of our REPs,
  however many invoices it pays: counted once. A Pago whose every DoctoRelacionado pays a
  PUE invoice of the ledger is not a PPD payment (that is a ``payment_on_pue_invoice``
  break) and is left out. The same payment restated by a second REP that is not cancelled
  (same customer, FechaPago, invoices and ImpPagado) is still one payment: on time when
  the first REP issued for it was (``also_in`` names the others).
- **Issued** is the REP's stamp date, ``FechaTimbrado`` (when the PAC certified it: the
  moment it exists for SAT), else its ``Fecha``. Dates are compared as calendar days.
- **On time**: issued on or before the deadline; ``days_late`` = issued − deadline.
- A **cancelled** REP (any cancellation the ledger holds) is not an issued REP: its
  payment counts only through a REP that stands. A payment with no REP at all is not in
  the ledger; only the GL shows it (``close-check --gl``, ``rep_missing``).

:func:`read_rep_issue_dates` is the only IO; the rest is pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..ledger.chain import Invoice, PaymentLine
from ..ledger.db import Database
from .period import Period, next_month_day

__all__ = ["Issued", "PaymentTimeliness", "read_rep_issue_dates", "rep_timeliness", "DEFAULT_DEADLINE_DAY"]

DEFAULT_DEADLINE_DAY = 5


@dataclass(frozen=True)
class Issued:
    """When a REP was issued: its FechaTimbrado, else its Fecha (see the module docstring)."""

    fecha: datetime | None
    fecha_timbrado: datetime | None

    @property
    def day(self) -> date | None:
        """The calendar day the REP was issued (FechaTimbrado, else Fecha)."""
        when = self.fecha_timbrado or self.fecha
        return when.date() if when is not None else None

    @property
    def source(self) -> str | None:
        """"FechaTimbrado", "Fecha", or None without either."""
        return "FechaTimbrado" if self.fecha_timbrado is not None else ("Fecha" if self.fecha is not None else None)


@dataclass(frozen=True)
class PaymentTimeliness:
    """One PPD payment received (a Pago) and whether its REP was issued by the deadline."""

    payment_uuid: str
    pago_index: int
    fecha_pago: datetime
    customer_rfc: str | None
    invoices: tuple[str, ...]
    amounts: dict[str, Decimal]  # Σ ImpPagado by MonedaDR
    issued: date | None
    issued_source: str | None  # "FechaTimbrado" | "Fecha" | None (no date: not shown to be on time)
    deadline: date
    on_time: bool
    days_late: int  # 0 when on time
    also_in: tuple[str, ...] = ()  # other REPs restating the same payment

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {"payment_uuid": self.payment_uuid, "pago_index": self.pago_index, "fecha_pago": self.fecha_pago,
                "customer_rfc": self.customer_rfc, "invoices": list(self.invoices), "amounts": dict(self.amounts),
                "issued": self.issued, "issued_source": self.issued_source, "deadline": self.deadline,
                "on_time": self.on_time, "days_late": self.days_late, "also_in": list(self.also_in)}


def read_rep_issue_dates(db: Database) -> dict[str, Issued]:
    """Our REPs' Fecha and FechaTimbrado, by UUID."""
    with db.read():
        rows = db.fetchall("SELECT uuid, fecha, fecha_timbrado FROM documents WHERE ours = 1 AND tipo = 'P'")
    return {uuid: Issued(_dt(fecha), _dt(timbrado)) for uuid, fecha, timbrado in rows}


def _dt(text: Any) -> datetime | None:
    if not text:
        return None
    if isinstance(text, datetime):
        return text
    try:
        return datetime.fromisoformat(str(text).replace("Z", ""))
    except ValueError:
        return None


def rep_timeliness(payments: Iterable[PaymentLine], issued: Mapping[str, Issued], period: Period, *,
                   deadline_day: int = DEFAULT_DEADLINE_DAY, invoices: Mapping[str, Invoice] | None = None,
                   customer: str | None = None) -> list[PaymentTimeliness]:
    """Every PPD payment with FechaPago in ``period`` and its REP's timeliness, in FechaPago order."""
    if not 1 <= deadline_day <= 31:
        raise ValueError(f"the REP deadline day must be from 1 to 31, not {deadline_day}")
    wanted = customer.strip().upper() if customer else None
    pagos: dict[tuple[str, int], list[PaymentLine]] = {}
    for p in payments:
        if p.fecha_pago is None or not period.contains(p.fecha_pago.date()) or p.cancelled_at is not None:
            continue
        if wanted is not None and (p.receptor_rfc or "").upper() != wanted:
            continue
        pagos.setdefault((p.payment_uuid, p.pago_index), []).append(p)
    known = invoices or {}
    candidates: list[PaymentTimeliness] = []
    for (payment_uuid, pago_index), lines in pagos.items():
        if all(_pue(known.get(p.invoice_uuid)) for p in lines):
            continue
        first = lines[0]
        fecha_pago = first.fecha_pago
        assert fecha_pago is not None
        when = issued.get(payment_uuid) or Issued(None, None)
        deadline = next_month_day(fecha_pago.date(), deadline_day)
        day = when.day
        late = (day - deadline).days if day is not None else 0
        amounts: dict[str, Decimal] = {}
        for p in lines:
            currency = p.moneda_dr or ""
            amounts[currency] = amounts.get(currency, Decimal("0")) + (p.imp_pagado or Decimal("0"))
        candidates.append(PaymentTimeliness(
            payment_uuid, pago_index, fecha_pago, first.receptor_rfc, tuple(p.invoice_uuid for p in lines), amounts,
            day, when.source, deadline, day is not None and late <= 0, max(0, late),
        ))
    return _once_each(candidates, pagos)


def _pue(inv: Invoice | None) -> bool:
    return inv is not None and (inv.metodo_pago or "").upper() == "PUE"


def _once_each(candidates: list[PaymentTimeliness],
               pagos: Mapping[tuple[str, int], list[PaymentLine]]) -> list[PaymentTimeliness]:
    """One entry per payment: a payment restated by several REPs keeps the earliest issued."""
    by_payment: dict[tuple[Any, ...], list[PaymentTimeliness]] = {}
    for c in candidates:
        lines = pagos[(c.payment_uuid, c.pago_index)]
        key = (c.customer_rfc, c.fecha_pago, tuple(sorted((p.invoice_uuid, p.imp_pagado or Decimal("0")) for p in lines)))
        by_payment.setdefault(key, []).append(c)
    out: list[PaymentTimeliness] = []
    for group in by_payment.values():
        group.sort(key=lambda c: (c.issued or date.max, c.payment_uuid, c.pago_index))
        first = group[0]
        if len(group) > 1:
            first = replace(first, also_in=tuple(c.payment_uuid for c in group[1:]))
        out.append(first)
    out.sort(key=lambda c: (c.fecha_pago, c.payment_uuid, c.pago_index))
    return out

"""Each invoice's chain of payments and credit notes, and every break in it. Pure: no IO.

For one invoice, :func:`walk` applies what reduced its balance in date order
(credit notes at their Fecha; payments in order of FechaPago, then
NumParcialidad) and reports each break as a :class:`Break`:

=============================  ==============================================================
kind                           when
=============================  ==============================================================
``unknown_invoice``            a DoctoRelacionado names a UUID the ledger does not hold
                               (the payment is kept as unapplied cash until it arrives)
``saldo_anterior_mismatch``    ImpSaldoAnt differs from the ledger's balance before it
``parcialidad_gap``            NumParcialidad skips a number
``parcialidad_duplicate``      NumParcialidad repeats one already paid
``overpayment``                ImpPagado above the balance (a credit balance remains)
``payment_on_pue_invoice``     the invoice is PUE: settled at issue, never by a REP
``payment_on_cancelled_invoice``  the invoice was cancelled before (or when) it was paid
``currency_mismatch``          MonedaDR differs from the invoice's Moneda
``party_mismatch``             the REP's emisor or receptor differ from the invoice's
``payment_before_invoice``     FechaPago earlier than the invoice's Fecha (by date)
``cancelled_payment``          the REP was cancelled: it never reduces a balance
=============================  ==============================================================

A break is reported and the payment still counts for the ImpPagado it states
(cash received is real), except where it cannot: an unknown invoice, a PUE
invoice, a cancelled invoice and a cancelled REP reduce nothing. A REP or
credit note with error findings moves no balance unless it was accepted
(``ingest --accept-invalid``); it is listed with ``applied`` false.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

__all__ = ["Invoice", "PaymentLine", "CreditNote", "Application", "Break", "InvoiceState", "walk", "link", "chain_breaks",
           "credit_notes_by_invoice", "BREAK_KINDS"]

BREAK_KINDS = (
    "unknown_invoice", "saldo_anterior_mismatch", "parcialidad_gap", "parcialidad_duplicate", "overpayment",
    "payment_on_pue_invoice", "payment_on_cancelled_invoice", "currency_mismatch", "party_mismatch",
    "payment_before_invoice", "cancelled_payment",
)
ZERO = Decimal("0")
_T = TypeVar("_T")


def _direct_init(cls: type[_T]) -> type[_T]:
    """Give a frozen dataclass an ``__init__`` that fills the instance's ``__dict__`` in one step.

    The one dataclasses writes for ``frozen=True`` sets each field through ``object.__setattr__``;
    open-items and payments check over a million invoices make hundreds of thousands of these
    objects, and this halves what each costs. Same parameters, defaults and resulting object; for
    classes whose fields are all plain ``__init__`` parameters (no factory, no ``init=False``)."""
    params, items, defaults = [], [], {}
    for f in fields(cls):  # type: ignore[arg-type]
        assert f.init and f.default_factory is MISSING, f"{cls.__name__}.{f.name}: needs the generated __init__"
        if f.default is MISSING:
            params.append(f.name)
        else:
            params.append(f"{f.name}=_default_{f.name}")
            defaults[f"_default_{f.name}"] = f.default
        items.append(f"{f.name!r}: {f.name}")
    namespace: dict[str, Any] = {"_set": object.__setattr__, **defaults}
    source = f"def __init__(self, {', '.join(params)}):\n    _set(self, '__dict__', {{{', '.join(items)}}})\n"
    exec(source, namespace)  # noqa: S102 - as dataclasses itself builds __init__
    namespace["__init__"].__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = namespace["__init__"]  # type: ignore[misc]
    return cls


@_direct_init
@dataclass(frozen=True)
class Invoice:
    uuid: str
    fecha: datetime | None
    emisor_rfc: str | None
    receptor_rfc: str | None
    moneda: str | None
    total: Decimal
    tipo_cambio: Decimal | None = None
    metodo_pago: str | None = None
    serie: str | None = None
    folio: str | None = None
    receptor_nombre: str | None = None
    condiciones_de_pago: str | None = None
    cancelled_at: datetime | None = None
    accepted: bool = True


@_direct_init
@dataclass(frozen=True)
class PaymentLine:
    """One DoctoRelacionado of one Pago of one REP."""

    payment_uuid: str
    pago_index: int
    docto_index: int
    invoice_uuid: str
    fecha_pago: datetime | None
    imp_pagado: Decimal | None
    imp_saldo_ant: Decimal | None = None
    imp_saldo_insoluto: Decimal | None = None
    num_parcialidad: int | None = None
    moneda_dr: str | None = None
    moneda_p: str | None = None
    tipo_cambio_p: Decimal | None = None
    equivalencia_dr: Decimal | None = None
    emisor_rfc: str | None = None
    receptor_rfc: str | None = None
    cancelled_at: datetime | None = None
    accepted: bool = True


@dataclass(frozen=True)
class CreditNote:
    """A credit note (E) related to invoices with TipoRelacion 01 (nota de crédito) or 03 (devolución)."""

    uuid: str
    fecha: datetime | None
    total: Decimal
    related: tuple[str, ...]
    moneda: str | None = None
    cancelled_at: datetime | None = None
    accepted: bool = True


@dataclass(frozen=True)
class Break:
    kind: str
    payment_uuid: str | None
    invoice_uuid: str | None
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "payment_uuid": self.payment_uuid, "invoice_uuid": self.invoice_uuid,
                "message": self.message, **self.details}


@_direct_init
@dataclass(frozen=True)
class Application:
    """Something that reduced (or would have reduced) an invoice's balance."""

    kind: str  # "payment" | "credit_note"
    uuid: str
    fecha: datetime | None
    amount: Decimal
    applied: bool
    num_parcialidad: int | None = None
    balance_after: Decimal | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "uuid": self.uuid, "fecha": self.fecha, "amount": self.amount, "applied": self.applied,
                "num_parcialidad": self.num_parcialidad, "balance_after": self.balance_after, "reason": self.reason or None}


@dataclass
class InvoiceState:
    invoice: Invoice
    balance: Decimal
    applications: list[Application] = field(default_factory=list)
    cancelled: bool = False

    @property
    def status(self) -> str:
        if self.cancelled:
            return "cancelled"
        if not self.invoice.accepted:
            return "invalid"
        if self.balance > 0:
            return "open"
        return "credit" if self.balance < 0 else "paid"


def _on(when: datetime | None, as_of: date | None) -> bool:
    """Whether an event dated ``when`` happened by the end of ``as_of`` (always, without a date)."""
    return as_of is None or (when is not None and when.date() <= as_of)


def _order(p: PaymentLine) -> tuple[Any, ...]:
    return (p.fecha_pago or datetime.max, p.num_parcialidad if p.num_parcialidad is not None else 1 << 30,
            p.payment_uuid, p.pago_index, p.docto_index)


def walk(invoice: Invoice, payments: Iterable[PaymentLine], credit_notes: Iterable[CreditNote] = (),
         as_of: date | None = None) -> tuple[InvoiceState, list[Break]]:
    """The invoice's balance (in its own currency) by ``as_of`` and the breaks of its chain."""
    cancelled = invoice.cancelled_at is not None and _on(invoice.cancelled_at, as_of)
    state = InvoiceState(invoice, invoice.total, cancelled=cancelled)
    breaks: list[Break] = []
    pue = (invoice.metodo_pago or "").upper() == "PUE"
    if pue and not cancelled:
        state.balance = invoice.total - invoice.total  # SAT: PUE is paid at issue (zero, in its decimals)
    events: list[tuple[Any, ...]] = []
    for cn in credit_notes:
        if _on(cn.fecha, as_of):
            events.append((cn.fecha or datetime.max, 0, cn))
    for p in payments:
        if _on(p.fecha_pago, as_of):
            events.append((p.fecha_pago or datetime.max, 1, p))
    if len(events) > 1:
        events.sort(key=lambda e: (e[0], e[1], _order(e[2]) if isinstance(e[2], PaymentLine) else (e[2].uuid,)))
    seen_parcialidades: dict[int, str] = {}
    expected = 1
    for _, _, event in events:
        if isinstance(event, CreditNote):
            _credit(state, event, cancelled, pue, as_of)
        else:
            expected = _payment(state, event, breaks, seen_parcialidades, expected, cancelled, pue, as_of)
    return state, breaks


def _credit(state: InvoiceState, cn: CreditNote, invoice_cancelled: bool, pue: bool, as_of: date | None) -> None:
    amount = cn.total
    if cn.cancelled_at is not None and _on(cn.cancelled_at, as_of):
        state.applications.append(Application("credit_note", cn.uuid, cn.fecha, amount, False, reason="the credit note was cancelled"))
    elif not cn.accepted:
        state.applications.append(Application("credit_note", cn.uuid, cn.fecha, amount, False, reason="the credit note has error findings"))
    elif len(cn.related) > 1:
        state.applications.append(Application("credit_note", cn.uuid, cn.fecha, amount, False,
                                              reason=f"related to {len(cn.related)} invoices: needs a manual allocation"))
    elif invoice_cancelled:
        state.applications.append(Application("credit_note", cn.uuid, cn.fecha, amount, False, reason="the invoice is cancelled"))
    else:
        state.balance -= amount
        state.applications.append(Application("credit_note", cn.uuid, cn.fecha, amount, True, balance_after=state.balance))


def _payment(state: InvoiceState, p: PaymentLine, breaks: list[Break], seen: dict[int, str], expected: int,
             invoice_cancelled: bool, pue: bool, as_of: date | None) -> int:
    inv = state.invoice
    paid = p.imp_pagado if p.imp_pagado is not None else ZERO
    if p.cancelled_at is not None and _on(p.cancelled_at, as_of):
        _break(breaks, p, inv, "cancelled_payment", f"the REP {p.payment_uuid} was cancelled: it does not reduce the balance",
               cancelled_at=p.cancelled_at)
        _unapplied(state, p, paid, "the REP was cancelled")
        return expected
    if not p.accepted:
        _unapplied(state, p, paid, "the REP has error findings (ingest --accept-invalid to count it)")
        return expected
    if invoice_cancelled:
        _break(breaks, p, inv, "payment_on_cancelled_invoice",
               f"payment on invoice {inv.uuid}, cancelled on {inv.cancelled_at:%Y-%m-%d}",  # type: ignore[str-format]
               cancelled_at=inv.cancelled_at)
        _unapplied(state, p, paid, "the invoice is cancelled")
        return expected
    if pue:
        _break(breaks, p, inv, "payment_on_pue_invoice", f"invoice {inv.uuid} is PUE (paid at issue): a REP must not pay it")
        _unapplied(state, p, paid, "the invoice is PUE")
        return expected
    if (p.moneda_dr or "") != (inv.moneda or ""):
        _break(breaks, p, inv, "currency_mismatch", f"MonedaDR {p.moneda_dr} differs from the invoice's Moneda {inv.moneda}",
               moneda_dr=p.moneda_dr, moneda=inv.moneda)
    if (p.emisor_rfc or "") != (inv.emisor_rfc or "") or (p.receptor_rfc or "") != (inv.receptor_rfc or ""):
        _break(breaks, p, inv, "party_mismatch",
               f"the REP is from {p.emisor_rfc} to {p.receptor_rfc}; the invoice from {inv.emisor_rfc} to {inv.receptor_rfc}",
               rep_emisor=p.emisor_rfc, rep_receptor=p.receptor_rfc, invoice_emisor=inv.emisor_rfc,
               invoice_receptor=inv.receptor_rfc)
    if p.fecha_pago is not None and inv.fecha is not None and p.fecha_pago.date() < inv.fecha.date():
        _break(breaks, p, inv, "payment_before_invoice",
               f"FechaPago {p.fecha_pago:%Y-%m-%d} is before the invoice's Fecha {inv.fecha:%Y-%m-%d}", invoice_fecha=inv.fecha)
    n = p.num_parcialidad
    if n is not None:
        if n in seen:
            _break(breaks, p, inv, "parcialidad_duplicate", f"NumParcialidad {n} was already paid by {seen[n]}",
                   first_payment_uuid=seen[n])
        elif n > expected:
            _break(breaks, p, inv, "parcialidad_gap", f"NumParcialidad {n} follows {expected - 1}: expected {expected}",
                   expected=expected)
        if n not in seen:
            seen[n] = p.payment_uuid
        expected = max(expected, n + 1)
    if p.imp_saldo_ant is not None and p.imp_saldo_ant != state.balance:
        _break(breaks, p, inv, "saldo_anterior_mismatch",
               f"ImpSaldoAnt {p.imp_saldo_ant} differs from the ledger's balance {state.balance}",
               imp_saldo_ant=p.imp_saldo_ant, ledger_balance=state.balance, difference=p.imp_saldo_ant - state.balance)
    if paid > state.balance:
        _break(breaks, p, inv, "overpayment",
               f"ImpPagado {paid} is above the balance {state.balance}: a credit balance of {paid - state.balance} remains",
               imp_pagado=paid, ledger_balance=state.balance, excess=paid - state.balance)
    state.balance -= paid
    state.applications.append(Application("payment", p.payment_uuid, p.fecha_pago, paid, True, n, balance_after=state.balance))
    return expected


def _break(breaks: list[Break], p: PaymentLine, inv: Invoice, kind: str, message: str, **details: Any) -> None:
    breaks.append(Break(kind, p.payment_uuid, inv.uuid, message,
                        {"num_parcialidad": p.num_parcialidad, "fecha_pago": p.fecha_pago, **details}))


def _unapplied(state: InvoiceState, p: PaymentLine, paid: Decimal, reason: str) -> None:
    state.applications.append(Application("payment", p.payment_uuid, p.fecha_pago, paid, False, p.num_parcialidad, reason=reason))


def link(invoices: Mapping[str, Invoice], payments: Iterable[PaymentLine], credit_notes: Iterable[CreditNote] = (),
         as_of: date | None = None) -> tuple[dict[str, InvoiceState], list[Break], list[PaymentLine]]:
    """Every invoice's state, every break, and the unapplied payment lines (unknown invoices)."""
    by_invoice, unapplied, breaks = _route(invoices, payments, as_of)
    credits = credit_notes_by_invoice(credit_notes)
    states: dict[str, InvoiceState] = {}
    for uuid, inv in invoices.items():
        if not _on(inv.fecha, as_of):
            continue
        state, found = walk(inv, by_invoice.get(uuid, ()), credits.get(uuid, ()), as_of)
        states[uuid] = state
        breaks.extend(found)
    return states, breaks, unapplied


def chain_breaks(invoices: Mapping[str, Invoice], payments: Iterable[PaymentLine], credit_notes: Iterable[CreditNote] = (),
                 as_of: date | None = None) -> list[Break]:
    """The breaks :func:`link` reports, in the same order, walking only the invoices that have payment
    lines: a chain without payments has nothing that can break (credit notes never do)."""
    by_invoice, _, breaks = _route(invoices, payments, as_of)
    credits = credit_notes_by_invoice(credit_notes)
    for uuid in invoices:
        lines = by_invoice.get(uuid)
        if lines is None:
            continue
        inv = invoices[uuid]
        if _on(inv.fecha, as_of):
            breaks.extend(walk(inv, lines, credits.get(uuid, ()), as_of)[1])
    return breaks


def _route(invoices: Mapping[str, Invoice], payments: Iterable[PaymentLine],
           as_of: date | None) -> tuple[dict[str, list[PaymentLine]], list[PaymentLine], list[Break]]:
    """Payment lines dated by ``as_of`` by the invoice they pay; those naming an invoice the ledger
    lacks become unapplied cash (or, from a cancelled REP, nothing), each with its break."""
    by_invoice: dict[str, list[PaymentLine]] = {}
    unapplied: list[PaymentLine] = []
    breaks: list[Break] = []
    for p in payments:
        if not _on(p.fecha_pago, as_of):
            continue
        if p.invoice_uuid in invoices:
            by_invoice.setdefault(p.invoice_uuid, []).append(p)
        elif p.cancelled_at is not None and _on(p.cancelled_at, as_of):
            breaks.append(Break("cancelled_payment", p.payment_uuid, p.invoice_uuid,
                                f"the REP {p.payment_uuid} was cancelled: it does not reduce any balance",
                                {"num_parcialidad": p.num_parcialidad, "fecha_pago": p.fecha_pago, "cancelled_at": p.cancelled_at}))
        else:
            unapplied.append(p)
            breaks.append(Break("unknown_invoice", p.payment_uuid, p.invoice_uuid,
                                f"the invoice {p.invoice_uuid} is not in the ledger: {p.imp_pagado} kept as unapplied cash",
                                {"num_parcialidad": p.num_parcialidad, "fecha_pago": p.fecha_pago, "imp_pagado": p.imp_pagado}))
    return by_invoice, unapplied, breaks


def credit_notes_by_invoice(credit_notes: Iterable[CreditNote]) -> dict[str, list[CreditNote]]:
    """Each invoice's credit notes (a note relating the same invoice twice counts once for it)."""
    credits: dict[str, list[CreditNote]] = {}
    for cn in credit_notes:
        for uuid in dict.fromkeys(cn.related):
            credits.setdefault(uuid, []).append(cn)
    return credits

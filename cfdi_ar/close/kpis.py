"""Month-end KPIs of accounts receivable, each from the ledger, in MXN at each invoice's TipoCambio.

For a period P (a calendar month, ``YYYY-MM``) with ``days`` calendar days, end E and
the previous month's end E0. Every figure is exact (``Decimal``) until it is shown:
days to 0.1, percentages to 0.01, money to the centavo, each rounded half up.

Inputs
  AR(d)        the gross receivable at the end of day d: the sum of the positive balances
               of the ledger's open items (``open_items(book, d)``); credit balances
               (overpayments) are not receivables and are reported apart.
  closing AR   AR(E).
  opening AR   AR(E0), less the balances at E0 of invoices cancelled during P (cancelled
               since E0, by E): a cancelled invoice was never collectible, so it must not
               count as collected ("cancelled_in_period" shows the amount taken out).
  credit sales the Total of our accepted invoices issued in a month, paid in installments or
               deferred (MetodoPago other than PUE: a PUE invoice is paid at issue and never
               in AR), not cancelled by E; **net** credit sales take off the credit notes
               (TipoRelacion 01/03) dated in that month and applied to such an invoice, at
               the invoice's TipoCambio.
  current AR   the closing aging's *current* bucket (not yet due at E). Invoices with no
               due date are neither current nor past due (shown as ``no_due_date``).

KPIs
  standard DSO       = closing AR / net credit sales of P × days            (None: no sales)
  count-back DSO     walk back from P month by month; while the AR left is larger than
                     the month's net credit sales, count the whole month's days and take
                     its sales off; in the month that exhausts it count days × AR left /
                     sales. A month with no (or negative) net sales counts whole. When the
                     ledger's months run out first, the days counted are a lower bound
                     (``complete`` false).
  % past due         = past-due AR (every bucket after current) / closing AR × 100
  CEI                = (opening AR + net credit sales − closing AR)
                       / (opening AR + net credit sales − current AR) × 100
                     (the collection effectiveness index; None when the denominator is not
                     positive)
  REP compliance     = PPD payments whose REP was issued on time / PPD payments received
                     in P × 100 (:mod:`.reps`: a payment is a Pago, counted once; issued
                     = FechaTimbrado, else Fecha; on time = by day 5 of the next month)
  days to pay        by customer: Σ (FechaPago − invoice Fecha, in days) × amount
                     / Σ amount, over the payments with FechaPago in P that the ledger
                     applies (not those of cancelled REPs, or on PUE or cancelled
                     invoices), each amount in MXN at the invoice's TipoCambio
  bad-debt provision by bucket: the closing aging's bucket × its percentage
                     (``--provision``, default 0,1,5,10,25,50 for the default buckets),
                     rounded to the centavo per bucket; an invoice with no due date is
                     provisioned by its age from Fecha (as if due at issue, the most
                     prudent reading), never at the current rate by default.

Conventions: DSO and CEI as in the Credit Research Foundation's and most AR texts'
definitions; count-back ("exhaustion") DSO as used for seasonal sales. Pure: the caller
reads the book and the REP issue dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..ledger.book import Book, open_items
from ..ledger.chain import Invoice, PaymentLine, credit_notes_by_invoice, walk
from ._bulk import paused_gc
from .aging import NO_DUE_DATE, AgingReport, Buckets, aging
from .period import Period
from .reps import DEFAULT_DEADLINE_DAY, Issued, PaymentTimeliness, rep_timeliness
from .terms import Terms

__all__ = ["Kpis", "MonthSales", "CountBack", "ProvisionLine", "DaysToPay", "ProvisionError", "kpis", "credit_sales",
           "count_back", "provision", "days_to_pay", "parse_percentages", "DEFAULT_PROVISION"]

DEFAULT_PROVISION = tuple(Decimal(p) for p in ("0", "1", "5", "10", "25", "50"))
ZERO = Decimal("0.00")
_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")
_HUNDRED = Decimal("100")


class ProvisionError(ValueError):
    """Provision percentages that cannot be used; the message says why."""


def parse_percentages(values: str | Iterable[Any], buckets: Buckets) -> tuple[Decimal, ...]:
    """``"0,1,5,10,25,50"`` (or a list) → one percentage (0-100) per bucket of ``buckets``."""
    parts = [p.strip() for p in values.split(",")] if isinstance(values, str) else [str(v).strip() for v in values]
    out: list[Decimal] = []
    for p in parts:
        try:
            value = Decimal(p)
        except ArithmeticError:
            raise ProvisionError(f"{p!r} is not a percentage (e.g. 0,1,5,10,25,50)") from None
        if not value.is_finite() or not 0 <= value <= 100:
            raise ProvisionError(f"{p!r} is not a percentage from 0 to 100")
        out.append(value)
    if len(out) != len(buckets.labels):
        raise ProvisionError(f"{len(out)} provision percentages for {len(buckets.labels)} buckets "
                             f"({', '.join(buckets.labels)}): give one for each")
    return tuple(out)


@dataclass(frozen=True)
class MonthSales:
    """A month's credit sales in MXN: invoices issued, less the credit notes dated in it."""

    period: Period
    invoices: Decimal = ZERO
    credit_notes: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        """Credit sales less credit notes."""
        return self.invoices - self.credit_notes

    def to_dict(self) -> dict[str, Any]:
        """JSON view: period, invoices, credit_notes, net."""
        return {"period": self.period.label, "invoices": self.invoices, "credit_notes": self.credit_notes, "net": self.net}


@dataclass(frozen=True)
class CountBack:
    """Count-back DSO: the days, each month walked (period, net sales, AR taken, days), and whether AR ran out."""

    days: Decimal
    steps: tuple[tuple[Period, Decimal, Decimal, Decimal], ...]
    complete: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON view: days (to 0.1), complete, and each month walked."""
        return {"days": _round(self.days, _TENTH), "complete": self.complete,
                "months": [{"period": p.label, "net_credit_sales": s, "ar_covered": c, "days": _round(d, _TENTH)}
                           for p, s, c, d in self.steps]}


@dataclass(frozen=True)
class ProvisionLine:
    """One bucket of the bad-debt provision: its balances, percentage and provision (MXN)."""

    bucket: str
    percentage: Decimal
    balance: Decimal  # invoices in this bucket by due date
    no_due_date: Decimal  # invoices without a due date whose age from Fecha falls in this bucket
    provision: Decimal

    def to_dict(self) -> dict[str, Any]:
        """JSON view, with base = balance + no_due_date."""
        return {"bucket": self.bucket, "percentage": self.percentage, "balance": self.balance,
                "no_due_date": self.no_due_date, "base": self.balance + self.no_due_date, "provision": self.provision}


@dataclass(frozen=True)
class DaysToPay:
    """A customer's (or everyone's) payments of the period and their amount-weighted days to pay."""

    customer_rfc: str | None  # None: every customer
    customer_name: str | None
    payments: int
    amount: Decimal  # MXN at the invoices' TipoCambio
    days: Decimal | None  # weighted by amount, to 0.1

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {"customer_rfc": self.customer_rfc, "customer_name": self.customer_name, "payments": self.payments,
                "amount": self.amount, "days": self.days}


@dataclass
class Kpis:
    """The KPIs of one period (see the module docstring for every formula)."""

    period: Period
    customer: str | None
    opening_ar: Decimal
    cancelled_in_period: Decimal
    closing_ar: Decimal
    current_ar: Decimal
    past_due: Decimal
    no_due_date: Decimal
    credit_balances: Decimal
    sales: MonthSales
    dso_standard: Decimal | None
    dso_count_back: CountBack
    past_due_pct: Decimal | None
    cei: Decimal | None
    rep_deadline_day: int
    rep_payments: list[PaymentTimeliness]
    days_to_pay: list[DaysToPay]
    days_to_pay_total: DaysToPay
    provision: list[ProvisionLine]
    aging: AgingReport
    notes: list[str] = field(default_factory=list)

    @property
    def rep_on_time(self) -> int:
        """PPD payments of the period whose REP was issued on time."""
        return sum(1 for p in self.rep_payments if p.on_time)

    @property
    def rep_compliance_pct(self) -> Decimal | None:
        """On-time REPs / PPD payments x 100, to 0.01 (None without payments)."""
        return _pct(Decimal(self.rep_on_time), Decimal(len(self.rep_payments)))

    @property
    def provision_total(self) -> Decimal:
        """The sum of the buckets' provisions."""
        return sum((line.provision for line in self.provision), ZERO)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (amounts and ratios as exact text, dates ISO)."""
        p = self.period
        return {
            "period": p.label, "start": p.start, "end": p.end, "days": p.days, "currency": "MXN", "customer": self.customer,
            "opening_ar": self.opening_ar, "cancelled_in_period": self.cancelled_in_period, "closing_ar": self.closing_ar,
            "current_ar": self.current_ar, "past_due": self.past_due, "no_due_date": self.no_due_date,
            "credit_balances": self.credit_balances,
            "credit_sales": self.sales.invoices, "credit_notes": self.sales.credit_notes, "net_credit_sales": self.sales.net,
            "dso_standard": self.dso_standard, "dso_count_back": self.dso_count_back.to_dict(),
            "past_due_pct": self.past_due_pct, "cei": self.cei,
            "rep_compliance": {"deadline_day": self.rep_deadline_day, "payments": len(self.rep_payments),
                               "on_time": self.rep_on_time, "late": len(self.rep_payments) - self.rep_on_time,
                               "pct": self.rep_compliance_pct, "items": [t.to_dict() for t in self.rep_payments]},
            "days_to_pay": {"customers": [d.to_dict() for d in self.days_to_pay], "total": self.days_to_pay_total.to_dict()},
            "provision": {"buckets": [line.to_dict() for line in self.provision], "total": self.provision_total},
            "notes": self.notes,
        }


def kpis(book: Book, issued: Mapping[str, Issued], period: Period, *, buckets: Buckets | None = None,
         terms: Terms | None = None, default_days: int | None = None, percentages: Sequence[Decimal] | None = None,
         deadline_day: int = DEFAULT_DEADLINE_DAY, customer: str | None = None) -> Kpis:
    """Every KPI of ``period`` from ``book`` and our REPs' issue dates (see the module docstring)."""
    with paused_gc():
        return _kpis(book, issued, period, buckets, terms, default_days, percentages, deadline_day, customer)


def _kpis(book: Book, issued: Mapping[str, Issued], period: Period, buckets: Buckets | None, terms: Terms | None,
          default_days: int | None, percentages: Sequence[Decimal] | None, deadline_day: int, customer: str | None) -> Kpis:
    buckets = buckets or Buckets()
    if percentages is None:
        if len(buckets.labels) != len(DEFAULT_PROVISION):
            raise ProvisionError(f"give provision percentages for the buckets {', '.join(buckets.labels)} "
                                 "(the default 0,1,5,10,25,50 is for the default buckets)")
        percentages = DEFAULT_PROVISION
    elif len(percentages) != len(buckets.labels):
        raise ProvisionError(f"{len(percentages)} provision percentages for {len(buckets.labels)} buckets")
    wanted = customer.strip().upper() if customer else None
    closing = aging(book, period.end, buckets=buckets, terms=terms, default_days=default_days, customer=wanted)
    mxn = closing.total.mxn
    closing_ar = mxn.total
    current = mxn.buckets[buckets.labels[0]]
    past_due = sum((v for k, v in mxn.buckets.items() if k != buckets.labels[0]), ZERO)
    opening_ar, cancelled = _opening(book, period, wanted)
    sales = credit_sales(book, period, customer=wanted)
    this = sales.get(period, MonthSales(period))
    dso = _round(closing_ar / this.net * period.days, _TENTH) if this.net > 0 else None
    back = count_back(closing_ar, sales, period)
    collected = opening_ar + this.net - closing_ar
    cei = _pct(collected, opening_ar + this.net - current) if opening_ar + this.net - current > 0 else None
    reps = rep_timeliness(book.payments, issued, period, deadline_day=deadline_day, invoices=book.invoices, customer=wanted)
    paid_by, paid_total = days_to_pay(book, period, customer=wanted)
    notes = list(closing.notes)
    if not back.complete:
        notes.append(f"the closing AR is larger than every month's credit sales in the ledger: the count-back DSO "
                     f"({_round(back.days, _TENTH)} days) is a lower bound")
    return Kpis(
        period=period, customer=wanted, opening_ar=opening_ar, cancelled_in_period=cancelled, closing_ar=closing_ar,
        current_ar=current, past_due=past_due, no_due_date=mxn.no_due_date, credit_balances=mxn.credit, sales=this,
        dso_standard=dso, dso_count_back=back, past_due_pct=_pct(past_due, closing_ar), cei=cei,
        rep_deadline_day=deadline_day, rep_payments=reps, days_to_pay=paid_by, days_to_pay_total=paid_total,
        provision=provision(closing, percentages), aging=closing, notes=notes,
    )


def _opening(book: Book, period: Period, customer: str | None) -> tuple[Decimal, Decimal]:
    """AR at the previous month's end less what was cancelled since; and that amount."""
    start = period.previous().end
    invoices = book.invoices
    total = cancelled = ZERO
    for r in open_items(book, start, customer=customer):
        if r["balance"] <= 0:
            continue
        when = invoices[r["uuid"]].cancelled_at
        if when is not None and start < when.date() <= period.end:
            cancelled += r["balance_mxn"]
        else:
            total += r["balance_mxn"]
    return total, cancelled


def to_mxn(amount: Decimal, inv: Invoice) -> Decimal:
    """``amount`` of ``inv``'s currency in MXN at its TipoCambio, as the ledger converts balances."""
    if (inv.moneda or "MXN") == "MXN" or inv.tipo_cambio is None:
        return amount
    return (amount * inv.tipo_cambio).quantize(_CENT, rounding=ROUND_HALF_UP)


def _credit_invoice(inv: Invoice | None, end: date, customer: str | None) -> bool:
    """Our accepted, non-PUE invoice issued by ``end`` and not cancelled by then (of ``customer``)."""
    return (inv is not None and inv.accepted and (inv.metodo_pago or "").upper() != "PUE"
            and inv.fecha is not None and inv.fecha.date() <= end
            and (inv.cancelled_at is None or inv.cancelled_at.date() > end)
            and (customer is None or (inv.receptor_rfc or "").upper() == customer))


def credit_sales(book: Book, through: Period, *, customer: str | None = None) -> dict[Period, MonthSales]:
    """Net credit sales of every month up to ``through`` (cancellations as known at its end), by month."""
    end = through.end
    invoices: dict[Period, Decimal] = {}
    notes: dict[Period, Decimal] = {}
    for inv in book.invoices.values():
        if _credit_invoice(inv, end, customer):
            month = Period.of(inv.fecha.date())  # type: ignore[union-attr]
            invoices[month] = invoices.get(month, ZERO) + to_mxn(inv.total, inv)
    for cn in book.credit_notes:
        if (len(cn.related) != 1 or not cn.accepted or cn.fecha is None or cn.fecha.date() > end
                or (cn.cancelled_at is not None and cn.cancelled_at.date() <= end)):
            continue
        inv = book.invoices.get(cn.related[0])
        if _credit_invoice(inv, end, customer):
            month = Period.of(cn.fecha.date())
            notes[month] = notes.get(month, ZERO) + to_mxn(cn.total, inv)  # type: ignore[arg-type]
    return {m: MonthSales(m, invoices.get(m, ZERO), notes.get(m, ZERO)) for m in sorted(set(invoices) | set(notes))}


def count_back(ar: Decimal, sales: dict[Period, MonthSales], period: Period) -> CountBack:
    """Count-back DSO of ``ar`` at the end of ``period`` over the months' net credit sales."""
    remaining = ar
    days = Decimal(0)
    steps: list[tuple[Period, Decimal, Decimal, Decimal]] = []
    earliest = min(sales, default=period)
    month = period
    while remaining > 0:
        net = sales[month].net if month in sales else ZERO
        if net > 0 and net >= remaining:
            share = remaining / net * month.days
            steps.append((month, net, remaining, share))
            return CountBack(days + share, tuple(steps), True)
        covered = net if net > 0 else ZERO
        steps.append((month, net, covered, Decimal(month.days)))
        days += month.days
        remaining -= covered
        if month <= earliest:
            return CountBack(days, tuple(steps), False)
        month = month.previous()
    return CountBack(days, tuple(steps), True)


def provision(report: AgingReport, percentages: Sequence[Decimal]) -> list[ProvisionLine]:
    """The bad-debt provision of an aging, by bucket (undated invoices aged from their Fecha)."""
    labels = report.buckets.labels
    undated = {label: ZERO for label in labels}
    for item in report.items:
        if item.bucket == NO_DUE_DATE:
            age = (report.as_of - item.fecha.date()).days if item.fecha is not None else report.buckets.edges[-1] + 1
            undated[report.buckets.label(age)] += item.balance_mxn
    by_due = report.total.mxn.buckets
    return [ProvisionLine(label, pct, by_due[label], undated[label],
                          _round((by_due[label] + undated[label]) * pct / _HUNDRED, _CENT))
            for label, pct in zip(labels, percentages)]


def days_to_pay(book: Book, period: Period, *, customer: str | None = None) -> tuple[list[DaysToPay], DaysToPay]:
    """Average days from invoice Fecha to FechaPago, weighted by the amount paid, by customer and for all.

    Only the invoices with a payment line dated in ``period`` are walked (``chain.walk``, as the ledger
    does), so what counts as applied is the ledger's own answer."""
    lines: dict[str, list[PaymentLine]] = {}
    for p in book.payments:
        if p.fecha_pago is not None and p.fecha_pago.date() <= period.end:
            lines.setdefault(p.invoice_uuid, []).append(p)
    wanted = {p.invoice_uuid for p in book.payments if p.fecha_pago is not None and period.contains(p.fecha_pago.date())}
    invoices = book.invoices
    credits = credit_notes_by_invoice(book.credit_notes)
    sums: dict[str, list[Any]] = {}  # rfc -> [name, payments, amount, amount x days]
    for uuid in sorted(wanted):
        inv = invoices.get(uuid)
        if (inv is None or inv.fecha is None or inv.fecha.date() > period.end
                or (customer is not None and (inv.receptor_rfc or "").upper() != customer)):
            continue
        state, _ = walk(inv, lines[uuid], credits.get(uuid, ()), period.end)
        for a in state.applications:
            if a.kind != "payment" or not a.applied or a.fecha is None or not period.contains(a.fecha.date()):
                continue
            amount = to_mxn(a.amount, inv)
            acc = sums.setdefault(inv.receptor_rfc or "", [inv.receptor_nombre, 0, ZERO, ZERO])
            acc[1] += 1
            acc[2] += amount
            acc[3] += amount * (a.fecha.date() - inv.fecha.date()).days
    rows = [DaysToPay(rfc or None, name, n, amount, _round(weighted / amount, _TENTH) if amount else None)
            for rfc, (name, n, amount, weighted) in sorted(sums.items())]
    n = sum(d.payments for d in rows)
    amount = sum((a[2] for a in sums.values()), ZERO)
    weighted = sum((a[3] for a in sums.values()), ZERO)
    return rows, DaysToPay(None, "TOTAL", n, amount, _round(weighted / amount, _TENTH) if amount else None)


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    return _round(part / whole * _HUNDRED, _CENT) if whole else None


def _round(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


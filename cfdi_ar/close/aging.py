"""Aging of accounts receivable at a date: each open invoice in a bucket by days past its due date.

Pipeline: :func:`aging` takes the ledger's open items at ``as_of`` (``open_items(book,
as_of)``: Total less the credit notes and the payments with FechaPago on or before
``as_of``; cancelled and invalid invoices left out), gives each a due date and a
bucket (:func:`age_items`), and adds them up by customer and in total
(:func:`summarize`). Pure: the book is read by the caller.

Due date, first found:

1. CondicionesDePago with a number of days ("Crédito 30 días", "NETO 60"): the
   ledger's ``due_date`` — Fecha + days (``due_source`` "condiciones");
2. the customer's days in a terms file (:mod:`.terms`; "terms");
3. ``default_days`` (``--default-days`` or ``default_days`` in the configuration; "default");
4. none: the invoice is shown under **no due date**, in its own column, never as current.

Buckets, by days past due = ``as_of`` − due date, with edges ``0,30,60,90,120`` (the
default; any strictly increasing whole numbers starting at 0): *current* (not yet due:
0 days or fewer), *1-30*, *31-60*, *61-90*, *91-120*, *over 120*. An edge belongs to the
bucket it closes: 30 days past due is in 1-30, 31 in 31-60.

Money: every figure is in MXN at the invoice's own TipoCambio (``balance_mxn``, as the
ledger converts it), exact to the centavo; each customer's figures in the document's
currency are kept too (``by_currency``, in JSON).

Credit balances (an invoice overpaid, or a PUE invoice with a credit note: status
"credit" in the ledger) are never netted into a bucket: they are shown apart, as a
positive ``credit`` amount (what the company owes the customer), and ``net`` = ``total``
− ``credit``. ``total`` is the gross receivable: the sum of the buckets and no due date.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..ledger.book import Book, open_items
from ._bulk import paused_gc
from .terms import Terms

__all__ = ["Buckets", "BucketsError", "AgedItem", "CustomerAging", "AgingReport", "aging", "age_items", "summarize",
           "DEFAULT_EDGES", "NO_DUE_DATE", "CREDIT", "MAX_EDGE"]

DEFAULT_EDGES = (0, 30, 60, 90, 120)
MAX_EDGE = 3650
NO_DUE_DATE = "no due date"
CREDIT = "credit"
ZERO = Decimal("0.00")


class BucketsError(ValueError):
    """Bucket edges that cannot be used; the message says why."""


@dataclass(frozen=True)
class Buckets:
    """Aging buckets from their edges in days past due (see the module docstring)."""

    edges: tuple[int, ...] = DEFAULT_EDGES

    def __post_init__(self) -> None:
        edges = self.edges
        if not edges:
            raise BucketsError("no bucket edges given (e.g. 0,30,60,90,120)")
        if any(type(e) is not int for e in edges):
            raise BucketsError(f"bucket edges must be whole numbers of days: {list(edges)}")
        if edges[0] != 0:
            raise BucketsError(f"the first bucket edge must be 0 (current: not yet due), not {edges[0]}")
        if any(b <= a for a, b in zip(edges, edges[1:])):
            raise BucketsError(f"bucket edges must increase: {','.join(map(str, edges))}")
        if edges[-1] > MAX_EDGE:
            raise BucketsError(f"bucket edge {edges[-1]} is above {MAX_EDGE} days")

    @classmethod
    def parse(cls, text: str) -> Buckets:
        """``"0,30,60,90,120"`` → Buckets; :class:`BucketsError` for anything else."""
        parts = [p.strip() for p in str(text).split(",")]
        if not all(p.isdigit() and p.isascii() for p in parts):
            raise BucketsError(f"{text!r} is not a list of whole numbers of days (e.g. 0,30,60,90,120)")
        return cls(tuple(int(p) for p in parts))

    @classmethod
    def from_values(cls, values: Iterable[Any]) -> Buckets:
        """Edges from a list (the configuration file's ``buckets = [0, 30, 60]``)."""
        values = list(values)
        if not all(type(v) is int for v in values):
            raise BucketsError(f"bucket edges must be whole numbers of days: {values}")
        return cls(tuple(values))

    @property
    def labels(self) -> tuple[str, ...]:
        """"current", "1-30", ..., "over 120" (the last: "past due" when the only edge is 0)."""
        e = self.edges
        middle = tuple(f"{a + 1}-{b}" for a, b in zip(e, e[1:]))
        return ("current", *middle, f"over {e[-1]}" if e[-1] else "past due")

    def index(self, days_past_due: int) -> int:
        """The bucket (0 = current) of an invoice ``days_past_due`` days past its due date."""
        return 0 if days_past_due <= 0 else bisect.bisect_left(self.edges, days_past_due)

    def label(self, days_past_due: int) -> str:
        """The label of the bucket ``days_past_due`` falls in."""
        return self.labels[self.index(days_past_due)]


@dataclass(frozen=True)
class AgedItem:
    """One open invoice at the aging date: its balance, due date and bucket."""

    uuid: str
    serie: str | None
    folio: str | None
    customer_rfc: str | None
    customer_name: str | None
    fecha: datetime | None
    currency: str | None
    total: Decimal
    balance: Decimal  # in the invoice's currency; negative for a credit balance
    balance_mxn: Decimal  # at the invoice's TipoCambio
    status: str  # "open" | "credit"
    due_date: date | None
    due_source: str | None  # "condiciones" | "terms" | "default" | None
    days_past_due: int | None  # as_of - due_date (negative: not yet due); None without a due date
    bucket: str  # a bucket label, NO_DUE_DATE or CREDIT

    def to_dict(self) -> dict[str, Any]:
        """JSON/table view; ``days_overdue`` is ``days_past_due`` floored at 0."""
        return {
            "uuid": self.uuid, "serie": self.serie, "folio": self.folio, "customer_rfc": self.customer_rfc,
            "customer_name": self.customer_name, "fecha": self.fecha, "currency": self.currency, "total": self.total,
            "balance": self.balance, "balance_mxn": self.balance_mxn, "status": self.status, "due_date": self.due_date,
            "due_source": self.due_source, "days_past_due": self.days_past_due,
            "days_overdue": None if self.days_past_due is None else max(0, self.days_past_due), "bucket": self.bucket,
        }


@dataclass
class Amounts:
    """Bucket amounts, no due date, total and credit of one customer (or all) in one currency."""

    buckets: dict[str, Decimal]
    no_due_date: Decimal = ZERO
    credit: Decimal = ZERO  # a positive amount: credit balances owed to the customer

    @classmethod
    def empty(cls, labels: Sequence[str]) -> Amounts:
        """Zero in every bucket of ``labels``."""
        return cls({label: ZERO for label in labels})

    @property
    def total(self) -> Decimal:
        """The gross receivable: the buckets and no due date (credit balances apart)."""
        return sum(self.buckets.values(), ZERO) + self.no_due_date

    @property
    def net(self) -> Decimal:
        """Total less the credit balances."""
        return self.total - self.credit

    def add(self, bucket: str, amount: Decimal) -> None:
        """Add an invoice's balance to ``bucket`` (a label, NO_DUE_DATE or CREDIT)."""
        if bucket == CREDIT:
            self.credit -= amount
        elif bucket == NO_DUE_DATE:
            self.no_due_date += amount
        else:
            self.buckets[bucket] += amount

    def to_dict(self) -> dict[str, Any]:
        """JSON view: buckets, no_due_date, total, credit, net."""
        return {"buckets": dict(self.buckets), "no_due_date": self.no_due_date, "total": self.total,
                "credit": self.credit, "net": self.net}


@dataclass
class CustomerAging:
    """One customer's aging (``customer_rfc`` None: the total of all customers)."""

    customer_rfc: str | None
    customer_name: str | None
    invoices: int
    mxn: Amounts
    by_currency: dict[str, Amounts] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON view: the MXN figures and each currency's."""
        return {"customer_rfc": self.customer_rfc, "customer_name": self.customer_name, "invoices": self.invoices,
                **self.mxn.to_dict(), "by_currency": {c: a.to_dict() for c, a in sorted(self.by_currency.items())}}

    def row(self) -> dict[str, Any]:
        """A flat row for tables: one key per bucket label."""
        total = self.customer_rfc is None
        return {"customer_rfc": "TOTAL" if total else self.customer_rfc,
                "customer_name": None if total else self.customer_name, "invoices": self.invoices, **self.mxn.buckets,
                NO_DUE_DATE: self.mxn.no_due_date, "total": self.mxn.total, "credit": self.mxn.credit, "net": self.mxn.net}


@dataclass
class AgingReport:
    """The aging at ``as_of``: by customer (sorted by RFC), in total, and invoice by invoice."""

    as_of: date
    buckets: Buckets
    customers: list[CustomerAging]
    total: CustomerAging
    items: list[AgedItem]

    @property
    def notes(self) -> list[str]:
        """What a reader must know about these figures (invoices without a due date)."""
        undated = [i for i in self.items if i.bucket == NO_DUE_DATE]
        if not undated:
            return []
        amount = sum((i.balance_mxn for i in undated), ZERO)
        return [f"{len(undated)} open invoice{'s' if len(undated) != 1 else ''} ({amount} MXN) "
                "ha{} no due date: neither CondicionesDePago nor a terms file nor default days give one "
                "(--terms FILE, --default-days N)".format("ve" if len(undated) != 1 else "s")]

    def to_dict(self, *, invoices: bool = False) -> dict[str, Any]:
        """The JSON document: buckets, customers, total, notes (and the invoices with ``invoices``)."""
        out: dict[str, Any] = {
            "as_of": self.as_of, "currency": "MXN", "edges": list(self.buckets.edges), "buckets": list(self.buckets.labels),
            "customers": [c.to_dict() for c in self.customers], "total": self.total.to_dict(), "notes": self.notes,
        }
        if invoices:
            out["invoices"] = [i.to_dict() for i in self.items]
        return out


def aging(book: Book, as_of: date, *, buckets: Buckets | None = None, terms: Terms | None = None,
          default_days: int | None = None, customer: str | None = None) -> AgingReport:
    """The aging of ``book``'s receivables at the end of ``as_of`` (see the module docstring)."""
    buckets = buckets or Buckets()
    with paused_gc():
        rows = open_items(book, as_of, customer=customer)
        return summarize(age_items(rows, as_of, buckets, terms=terms, default_days=default_days), as_of, buckets)


def age_items(rows: Iterable[Mapping[str, Any]], as_of: date, buckets: Buckets, *, terms: Terms | None = None,
              default_days: int | None = None) -> list[AgedItem]:
    """Open-items rows (``open_items(book, as_of)``; ``due_date`` from CondicionesDePago only) → aged items."""
    out: list[AgedItem] = []
    for r in rows:
        due, source = r.get("due_date"), "condiciones"
        fecha = r.get("fecha")
        if due is None:
            days = terms.days_for(r.get("customer_rfc")) if terms is not None else None
            source = "terms"
            if days is None and default_days is not None:
                days, source = default_days, "default"
            due = fecha.date() + timedelta(days=days) if days is not None and fecha is not None else None
        if due is None:
            source = None
        dpd = (as_of - due).days if due is not None else None
        balance = r["balance"]
        if balance < 0:
            bucket = CREDIT
        elif dpd is None:
            bucket = NO_DUE_DATE
        else:
            bucket = buckets.label(dpd)
        out.append(AgedItem(
            uuid=r["uuid"], serie=r.get("serie"), folio=r.get("folio"), customer_rfc=r.get("customer_rfc"),
            customer_name=r.get("customer_name"), fecha=fecha, currency=r.get("currency"), total=r["total"],
            balance=balance, balance_mxn=r["balance_mxn"], status=r.get("status") or ("credit" if balance < 0 else "open"),
            due_date=due, due_source=source, days_past_due=dpd, bucket=bucket,
        ))
    return out


def summarize(items: Sequence[AgedItem], as_of: date, buckets: Buckets) -> AgingReport:
    """Aged items → the report: by customer (RFC order; the name of the customer's latest invoice) and in total."""
    labels = buckets.labels
    by_customer: dict[str, CustomerAging] = {}
    latest: dict[str, datetime] = {}
    total = CustomerAging(None, "TOTAL", 0, Amounts.empty(labels))
    for item in items:
        rfc = item.customer_rfc or ""
        c = by_customer.get(rfc)
        if c is None:
            c = by_customer[rfc] = CustomerAging(item.customer_rfc, item.customer_name, 0, Amounts.empty(labels))
        when = item.fecha or datetime.min
        if item.customer_name and when >= latest.get(rfc, datetime.min):
            c.customer_name, latest[rfc] = item.customer_name, when
        for target in (c, total):
            target.invoices += 1
            target.mxn.add(item.bucket, item.balance_mxn)
            currency = item.currency or "MXN"
            amounts = target.by_currency.get(currency)
            if amounts is None:
                amounts = target.by_currency[currency] = Amounts.empty(labels)
            amounts.add(item.bucket, item.balance)
    customers = [by_customer[k] for k in sorted(by_customer)]
    return AgingReport(as_of, buckets, customers, total, list(items))

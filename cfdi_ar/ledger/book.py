"""Reading the ledger's accounts receivable: open items and the breaks of payment chains.

Loads our documents (``ours = 1``) from the database into the pure chain model
(:mod:`.chain`), walks every invoice, and shapes the results for the commands.
Balances are in each invoice's currency, and in MXN at the invoice's
TipoCambio; what a payment in another rate would change is reported apart as
its exchange difference, never folded into a balance.

Speed (benchmarks/ledger.py: open items over a million invoices in under ten
seconds): :func:`load_book` keeps the rows as tuples, one query per table; an
Invoice or PaymentLine is made only for what a command lists or walks; the
cyclic garbage collector is paused while rows are read and walked (nothing made
here forms a cycle).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from typing import Any

from .chain import Break, CreditNote, Invoice, InvoiceState, PaymentLine, chain_breaks, credit_notes_by_invoice, link, walk
from .db import Database
from .records import decimal_or_none
from .schema import migrate

__all__ = ["Book", "load_book", "open_items", "payment_breaks", "due_date"]

_CENT = Decimal("0.01")
_ZERO = Decimal("0")


@contextmanager
def _bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector while many rows become objects: it would otherwise walk the
    growing heap again and again (a fifth of open-items' time over a million invoices)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    days = _days_in(condiciones) if condiciones else None
    if days is None:
        days = default_days
    return None if days is None else fecha.date() + timedelta(days=days)


@lru_cache(maxsize=4096)  # a ledger holds a few wordings of its terms, repeated on every invoice
def _days_in(condiciones: str) -> int | None:
    m = _DAYS.search(condiciones) or _NET.search(condiciones)
    return int(m.group(1)) if m else None


class Book:
    """Our documents, loaded once: invoices, payment lines and credit notes, with cancellations.

    :func:`load_book` keeps the rows as the ledger returned them: ``invoices``, ``payments`` and
    ``lines`` are made from them on first use, and :func:`open_items` and :func:`payment_breaks`
    make Invoice and PaymentLine objects only for the invoices they list or walk (over a million
    invoices, making them all took most of the time)."""

    _rows: _Rows | None = None

    def __init__(self, invoices: dict[str, Invoice], payments: list[PaymentLine], credit_notes: list[CreditNote],
                 substitutions: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.invoices = invoices
        self.payments = payments
        self.credit_notes = credit_notes
        self.replaces = dict(substitutions or {})

    @classmethod
    def _from_rows(cls, rows: _Rows, credit_notes: list[CreditNote], substitutions: dict[str, tuple[str, ...]]) -> Book:
        book = cls.__new__(cls)
        book._rows = rows
        book.credit_notes = credit_notes
        book.replaces = substitutions
        return book

    # Substitutions (CfdiRelacionados with TipoRelacion 04): ``replaces`` maps a document to the ones it
    # substitutes, in the order it names them; ``replaced_by`` is the other way round. A substitution
    # moves no balance by itself: the replaced document's cancellation does, and the new one is an
    # invoice of its own. They tell a user which cancelled invoice a new one stands for.
    replaces: dict[str, tuple[str, ...]]

    @cached_property
    def replaced_by(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for new, old in self.replaces.items():
            for uuid in old:
                out.setdefault(uuid, []).append(new)
        return {uuid: tuple(sorted(news)) for uuid, news in out.items()}

    @cached_property
    def invoices(self) -> dict[str, Invoice]:  # type: ignore[no-redef]
        rows = self._rows
        assert rows is not None
        rows.require_full("every invoice")
        return {row[0]: _invoice(row, rows.cancelled) for row in rows.invoices}

    @cached_property
    def payments(self) -> list[PaymentLine]:  # type: ignore[no-redef]
        rows = self._rows
        assert rows is not None
        return [_line(row, rows.reps, rows.cancelled) for row in rows.payments]

    @cached_property
    def lines(self) -> dict[tuple[str, str], PaymentLine]:
        return {(p.payment_uuid, p.invoice_uuid): p for p in self.payments}

    def link(self, as_of: date | None = None) -> tuple[dict[str, InvoiceState], list[Break], list[PaymentLine]]:
        return link(self.invoices, self.payments, self.credit_notes, as_of)

    def _paid_invoices(self) -> Mapping[str, Invoice]:
        """The invoices that payment lines name, in load order: all that chain_breaks walks (a chain
        without payments has nothing that can break), without making the others."""
        rows = self._rows
        if rows is None or "invoices" in self.__dict__:
            return self.invoices
        rows.require_full("payment checks")
        by_invoice, cancelled = rows.by_invoice, rows.cancelled
        return {row[0]: _invoice(row, cancelled) for row in rows.invoices if row[0] in by_invoice}


# What load_book reads. Payment lines are matched to our REPs by UUID in Python: the join in
# SQL costs three times as much (an index search in payments per REP).
_INVOICE_COLUMNS = ("uuid, serie, folio, fecha, emisor_rfc, receptor_rfc, receptor_nombre, moneda, tipo_cambio, total, "
                    "metodo_pago, condiciones_de_pago, accepted")
_INVOICES = f"SELECT {_INVOICE_COLUMNS} FROM documents{{hint}} WHERE ours = 1 AND tipo = 'I'"
# What decides whether an invoice is open at a date, and where: (uuid, fecha, receptor_rfc, total, metodo_pago,
# accepted) in a full row, and a slim one (load_book(slim=True)) made of just those. Reading 6 columns instead
# of 13 for a million invoices saves ~1.4 s; the listed ones (a tenth) then get their full rows by UUID.
_FULL_FIELDS = (0, 3, 5, 9, 10, 12)
_SLIM_FIELDS = (0, 1, 2, 3, 4, 5)
_SLIM_INVOICES = "SELECT uuid, fecha, receptor_rfc, total, metodo_pago, accepted FROM documents{hint} WHERE ours = 1 AND tipo = 'I'"
# A PUE invoice is paid at issue: open only if a credit note leaves it a credit balance (a payment line on
# it is a break, never applied). A slim book therefore reads the invoices that are not PUE in one scan
# and the PUE ones that a payment line or credit note names by UUID: the same candidates _open_from_rows
# keeps, without making a row for every PUE invoice (58 % of the million-invoice benchmark's: its
# invoice query 1.33 -> 0.86 s).
_SLIM_NOT_PUE = _SLIM_INVOICES + " AND (metodo_pago <> 'PUE' OR metodo_pago IS NULL)"
_SLIM_BY_UUID = "SELECT uuid, fecha, receptor_rfc, total, metodo_pago, accepted FROM documents WHERE ours = 1 AND tipo = 'I' AND uuid IN ({marks})"
# Invoices are most of the table and REPs a quarter of it: reading it through (NOT INDEXED, for SQLite)
# costs less than looking each row up from the (tipo, fecha) index (REPs: half; invoices of the
# million-invoice benchmark: 1.33 s instead of 1.43-1.57 s). Row order is then the table's, as
# PostgreSQL's scan gives it; nothing here depends on it (results are sorted where shown).
_REPS = "SELECT uuid, emisor_rfc, receptor_rfc, accepted FROM documents{hint} WHERE ours = 1 AND tipo = 'P'"
_PAYMENTS = ("SELECT payment_uuid, pago_index, docto_index, invoice_uuid, fecha_pago, imp_pagado, imp_saldo_ant, "
             "imp_saldo_insoluto, num_parcialidad, moneda_dr, moneda_p, tipo_cambio_p, equivalencia_dr FROM payments")


@dataclass
class _Rows:
    invoices: list[tuple[Any, ...]]  # our invoices (I), _INVOICES' columns (slim: _SLIM_INVOICES', PUE ones only where named)
    reps: dict[str, tuple[Any, ...]]  # our REPs (P) by UUID, _REPS' columns
    payments: list[tuple[Any, ...]]  # the payment lines of our REPs, _PAYMENTS' columns
    by_invoice: dict[str, list[tuple[Any, ...]]]  # the same, by the UUID they pay
    cancelled: dict[str, datetime]
    db: Database | None = None  # slim rows only: where the full rows of the listed invoices are read

    @property
    def fields(self) -> tuple[int, ...]:
        return _FULL_FIELDS if self.db is None else _SLIM_FIELDS

    def require_full(self, what: str) -> None:
        if self.db is not None:
            raise ValueError(f"{what} need the full invoice rows: load the book without slim=True")

    def full_rows(self, uuids: list[str]) -> dict[str, tuple[Any, ...]]:
        """The full rows (_INVOICES' columns) of these invoices. A document's row never changes once
        stored (the ledger only adds rows), so reading them after the snapshot gives the same values."""
        assert self.db is not None
        out: dict[str, tuple[Any, ...]] = {}
        for row in self.db.fetch_in(f"SELECT {_INVOICE_COLUMNS} FROM documents WHERE uuid IN ({{marks}})", uuids):
            out[row[0]] = row
        return out


def _invoice(row: tuple[Any, ...], cancelled: dict[str, datetime]) -> Invoice:
    uuid, serie, folio, fecha, emisor, receptor, nombre, moneda, tipo_cambio, total, metodo, condiciones, accepted = row
    return Invoice(
        uuid=uuid, fecha=_dt(fecha), emisor_rfc=emisor, receptor_rfc=receptor, moneda=moneda,
        total=decimal_or_none(total) or Decimal("0"), tipo_cambio=decimal_or_none(tipo_cambio), metodo_pago=metodo,
        serie=serie, folio=folio, receptor_nombre=nombre, condiciones_de_pago=condiciones,
        cancelled_at=cancelled.get(uuid), accepted=bool(accepted),
    )


def _line(row: tuple[Any, ...], reps: dict[str, tuple[Any, ...]], cancelled: dict[str, datetime]) -> PaymentLine:
    puuid, pi, di, inv, fp, pagado, ant, insoluto, parc, moneda_dr, moneda_p, tc_p, equiv = row
    _, emisor, receptor, accepted = reps[puuid]
    return PaymentLine(
        payment_uuid=puuid, pago_index=pi, docto_index=di, invoice_uuid=inv, fecha_pago=_dt(fp),
        imp_pagado=decimal_or_none(pagado), imp_saldo_ant=decimal_or_none(ant), imp_saldo_insoluto=decimal_or_none(insoluto),
        num_parcialidad=parc, moneda_dr=moneda_dr, moneda_p=moneda_p, tipo_cambio_p=decimal_or_none(tc_p),
        equivalencia_dr=decimal_or_none(equiv), emisor_rfc=emisor, receptor_rfc=receptor,
        cancelled_at=cancelled.get(puuid), accepted=bool(accepted),
    )


def load_book(db: Database, *, slim: bool = False) -> Book:
    """Our invoices, REPs, payment lines, credit notes and cancellations, read in one snapshot.

    ``slim`` reads of each invoice only what decides whether it is open (see ``_SLIM_INVOICES``), of only
    the invoices that can be (``_SLIM_NOT_PUE``), and the full rows of the ones :func:`open_items` lists,
    from ``db`` (which must stay open until then): such a book serves open_items without ``include_all``,
    and refuses anything else."""
    migrate(db)
    with db.read(), _bulk():
        cancelled = _cancellations(db)
        hint = " NOT INDEXED" if db.dialect == "sqlite" else ""
        invoices = db.fetchall((_SLIM_NOT_PUE if slim else _INVOICES).format(hint=hint))
        reps = {row[0]: row for row in db.fetchall(_REPS.format(hint=hint))}
        payments: list[tuple[Any, ...]] = []
        by_invoice: dict[str, list[tuple[Any, ...]]] = {}
        for row in db.fetchall(_PAYMENTS):
            if row[0] in reps:
                payments.append(row)
                found = by_invoice.get(row[3])
                if found is None:
                    by_invoice[row[3]] = [row]
                else:
                    found.append(row)
        related: dict[str, list[str]] = {}
        for uuid, rel in db.fetchall(
                "SELECT r.uuid, r.related_uuid FROM relations r JOIN documents d ON d.uuid = r.uuid "
                "WHERE d.ours = 1 AND d.tipo = 'E' AND r.tipo_relacion IN ('01', '03') ORDER BY r.uuid, r.position"):
            related.setdefault(uuid, []).append(rel)
        credit_notes = [
            CreditNote(uuid=uuid, fecha=_dt(fecha), total=decimal_or_none(total) or Decimal("0"), related=tuple(related[uuid]),
                       moneda=moneda, cancelled_at=cancelled.get(uuid), accepted=bool(accepted))
            for uuid, fecha, total, moneda, accepted in db.fetchall(
                "SELECT uuid, fecha, total, moneda, accepted FROM documents WHERE ours = 1 AND tipo = 'E'")
            if uuid in related
        ]
        if slim:  # the PUE invoices that a payment line or credit note names (see _SLIM_NOT_PUE)
            named = set(by_invoice)
            for uuids in related.values():
                named.update(uuids)
            named.difference_update([row[0] for row in invoices])
            if named:
                invoices += db.fetch_in(_SLIM_BY_UUID, named)
        substitutions: dict[str, list[str]] = {}
        for uuid, rel in db.fetchall(
                "SELECT r.uuid, r.related_uuid FROM relations r JOIN documents d ON d.uuid = r.uuid "
                "WHERE d.ours = 1 AND r.tipo_relacion = '04' ORDER BY r.uuid, r.position"):
            substitutions.setdefault(uuid, []).append(rel)
    return Book._from_rows(_Rows(invoices, reps, payments, by_invoice, cancelled, db if slim else None), credit_notes,
                           {uuid: tuple(old) for uuid, old in substitutions.items()})


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
    return (amount * inv.tipo_cambio).quantize(_CENT, rounding=ROUND_HALF_UP)  # SAT's redondeo: half up


def open_items(book: Book, as_of: date, *, customer: str | None = None, include_all: bool = False,
               default_days: int | None = None) -> list[dict[str, Any]]:
    """The invoices open at ``as_of`` (all of them with ``include_all``), with their payments."""
    with _bulk():
        return _open_items(book, as_of, customer, include_all, default_days)


def _open_items(book: Book, as_of: date, customer: str | None, include_all: bool,
                default_days: int | None) -> list[dict[str, Any]]:
    if include_all and book._rows is not None:
        book._rows.require_full("open items with include_all")
    if include_all or book._rows is None:
        listed = _listed_by_link(book, as_of, customer, include_all)
    else:
        listed = _open_from_rows(book, book._rows, as_of, customer)
    rows: list[dict[str, Any]] = []
    replaces, replaced_by = book.replaces, (book.replaced_by if book.replaces else {})
    for inv, balance, status, applications, lines in listed:
        rows.append({
            "uuid": inv.uuid, "serie": inv.serie, "folio": inv.folio, "customer_rfc": inv.receptor_rfc,
            "customer_name": inv.receptor_nombre, "fecha": inv.fecha, "due_date": due_date(inv.fecha, inv.condiciones_de_pago, default_days),
            "currency": inv.moneda, "total": inv.total, "balance": balance, "balance_mxn": _mxn(balance, inv),
            "metodo_pago": inv.metodo_pago, "status": status,
            "payments": [_payment_view(a, inv, lines) for a in applications] if applications else [],
            "replaces": list(replaces.get(inv.uuid, ())), "replaced_by": list(replaced_by.get(inv.uuid, ())),
        })
    rows.sort(key=lambda r: (r["customer_rfc"] or "", r["fecha"] or datetime.min, r["uuid"]))
    return rows


# (invoice, balance, status, applications, payment lines by (REP, invoice)): an InvoiceState's parts
_Listed = Iterator[tuple[Invoice, Decimal, str, list[Any], Mapping[tuple[str, str], PaymentLine]]]


def _listed_by_link(book: Book, as_of: date, customer: str | None, include_all: bool) -> _Listed:
    states, _, _ = book.link(as_of)
    for state in states.values():
        inv = state.invoice
        if customer is not None and (inv.receptor_rfc or "").upper() != customer.upper():
            continue
        status = state.status
        if not include_all and status not in ("open", "credit"):
            continue
        yield inv, state.balance, status, state.applications, book.lines


def _open_from_rows(book: Book, rows: _Rows, as_of: date, customer: str | None) -> _Listed:
    """What :func:`_listed_by_link` yields without include_all, making objects only for what is listed.

    Each invoice's balance at ``as_of`` is first worked out from the rows (:func:`_settle`); an
    invoice left with one is then made, and walked by :func:`chain.walk` when it has payments or
    credit notes, so what is shown (and whether it is open) is walk's own result."""
    cancelled, reps, by_invoice = rows.cancelled, rows.reps, rows.by_invoice
    credits = credit_notes_by_invoice(book.credit_notes)
    wanted = customer.upper() if customer is not None else None
    # A PUE invoice without payments or credit notes is paid at issue (or cancelled, or invalid):
    # never open. Most of a ledger's invoices can be passed over here, without looking further.
    i_uuid, i_fecha, i_receptor, i_total, i_metodo, i_accepted = rows.fields
    candidates = [row for row in rows.invoices if row[i_metodo] != "PUE" or row[i_uuid] in by_invoice or row[i_uuid] in credits]
    listed: list[tuple[tuple[Any, ...], list[tuple[Any, ...]] | None, list[CreditNote] | None]] = []
    for row in candidates:
        uuid, fecha_text, receptor = row[i_uuid], row[i_fecha], row[i_receptor]
        total_text, metodo, accepted = row[i_total], row[i_metodo], row[i_accepted]
        lines = by_invoice.get(uuid)
        notes = credits.get(uuid) if credits else None
        fecha = _dt(fecha_text)
        if fecha is None or fecha.date() > as_of:
            continue  # not issued by as_of
        if wanted is not None and (receptor or "").upper() != wanted:
            continue
        when = cancelled.get(uuid)
        if (when is not None and when.date() <= as_of) or not accepted:
            continue  # cancelled or invalid
        total = (Decimal(total_text) if type(total_text) is str else decimal_or_none(total_text)) or _ZERO  # as _invoice
        pue = (metodo or "").upper() == "PUE"
        balance = total - total if pue else total
        if lines is None and notes is None:  # what walk gives: InvoiceState(inv, inv.total), nothing applied
            if balance != 0:
                listed.append((row, None, None))
            continue
        if _settle(balance, pue, lines or (), notes or (), as_of, reps, cancelled) == 0:
            continue
        listed.append((row, lines, notes))
    full = rows.full_rows([row[i_uuid] for row, _, _ in listed]) if rows.db is not None else None
    for row, lines, notes in listed:
        inv = _invoice(row if full is None else full[row[i_uuid]], cancelled)
        if lines is None and notes is None:
            yield inv, inv.total, "open" if inv.total > 0 else "credit", [], _NO_LINES
            continue
        objects = [_line(r, reps, cancelled) for r in lines or ()]
        state, _ = walk(inv, objects, notes or (), as_of)
        status = state.status
        if status in ("open", "credit"):
            yield inv, state.balance, status, state.applications, {(p.payment_uuid, p.invoice_uuid): p for p in objects}


_NO_LINES: Mapping[tuple[str, str], PaymentLine] = {}


def _settle(balance: Decimal, pue: bool, lines: list[tuple[Any, ...]] | tuple[()], notes: Iterable[CreditNote], as_of: date,
            reps: dict[str, tuple[Any, ...]], cancelled: dict[str, datetime]) -> Decimal:
    """The balance :func:`chain.walk` leaves at ``as_of`` for an invoice neither cancelled nor invalid,
    from the rows: what it applies (chain._credit, chain._payment), in its order, from ``balance``."""
    if not notes:  # the usual case, without credit notes: nothing to put in order unless several lines
        if pue:
            return balance  # a PUE invoice takes no payment
        if len(lines) == 1:
            event = _applied_line(lines[0], as_of, reps, cancelled)
            return balance if event is None else balance - event[1]
    applied: list[tuple[datetime, int, Any, Decimal]] = []  # (date, 0 credit note | 1 payment, note or row, amount)
    for cn in notes:
        if cn.fecha is None or cn.fecha.date() > as_of:
            continue
        if (cn.cancelled_at is None or cn.cancelled_at.date() > as_of) and cn.accepted and len(cn.related) <= 1:
            applied.append((cn.fecha, 0, cn, cn.total))
    if not pue:  # a PUE invoice takes no payment
        for line in lines:
            event = _applied_line(line, as_of, reps, cancelled)
            if event is not None:
                applied.append((event[0], 1, line, event[1]))
    if len(applied) > 1:
        applied.sort(key=_walk_order)
    for item in applied:
        balance -= item[3]
    return balance


def _applied_line(line: tuple[Any, ...], as_of: date, reps: dict[str, tuple[Any, ...]],
                  cancelled: dict[str, datetime]) -> tuple[datetime, Decimal] | None:
    """(FechaPago, ImpPagado) of a payment line :func:`chain.walk` applies by ``as_of``, else None: paid by
    then, by a REP neither cancelled by then nor invalid (ImpPagado absent counts as zero)."""
    when = _dt(line[4])  # fecha_pago
    if when is None or when.date() > as_of:
        return None
    puuid = line[0]
    rep_cancelled = cancelled.get(puuid)
    if (rep_cancelled is not None and rep_cancelled.date() <= as_of) or not reps[puuid][3]:
        return None
    pagado = line[5]
    paid = Decimal(pagado) if type(pagado) is str else decimal_or_none(pagado)
    return when, (paid if paid is not None else _ZERO)


def _walk_order(event: tuple[datetime, int, Any, Decimal]) -> tuple[Any, ...]:
    """chain.walk's sort key, for an event of :func:`_settle`."""
    when, kind, source, _ = event
    if kind == 0:
        return (when, 0, (source.uuid,))
    parcialidad = source[8]
    return (when, 1, (when, parcialidad if parcialidad is not None else 1 << 30, source[0], source[1], source[2]))


def _payment_view(a: Any, inv: Invoice, lines: Mapping[tuple[str, str], PaymentLine]) -> dict[str, Any]:
    view = a.to_dict()
    view["amount_mxn"] = _mxn(a.amount, inv)
    if a.kind == "payment" and a.applied and (inv.moneda or "MXN") != "MXN" and inv.tipo_cambio is not None:
        rate = _payment_rate(a.uuid, inv.uuid, lines)
        if rate is not None:
            at_payment = (a.amount * rate).quantize(_CENT, rounding=ROUND_HALF_UP)
            view["amount_mxn_at_payment"] = at_payment
            view["exchange_difference_mxn"] = at_payment - view["amount_mxn"]
    return view


def _payment_rate(payment_uuid: str, invoice_uuid: str, lines: Mapping[tuple[str, str], PaymentLine]) -> Decimal | None:
    """MXN per unit of the invoice's currency on the payment date: TipoCambioP / EquivalenciaDR."""
    p = lines.get((payment_uuid, invoice_uuid))
    if p is None:
        return None
    tc = p.tipo_cambio_p if p.tipo_cambio_p is not None else (Decimal("1") if (p.moneda_p or "") == "MXN" else None)
    eq = p.equivalencia_dr if p.equivalencia_dr is not None else Decimal("1")
    if tc is None or eq == 0:
        return None
    return tc / eq


def payment_breaks(book: Book, *, period: str | None = None, as_of: date | None = None) -> list[dict[str, Any]]:
    """Every break of every payment chain; with ``period`` (YYYY-MM), those of payments dated in it."""
    with _bulk():
        breaks = chain_breaks(book._paid_invoices(), book.payments, book.credit_notes, as_of)
    out = [b.to_dict() for b in breaks]
    if book.replaces:  # a payment on a replaced (cancelled) invoice: name the invoice that stands for it
        replaced_by = book.replaced_by
        for b in out:
            news = replaced_by.get(b.get("invoice_uuid") or "")
            if news:
                b["replaced_by"] = list(news)
                if b["kind"] == "payment_on_cancelled_invoice":
                    b["message"] += f"; it was replaced by {', '.join(news)} (TipoRelacion 04): the REP should name that one"
    if period is not None:
        out = [b for b in out if isinstance(b.get("fecha_pago"), datetime) and b["fecha_pago"].strftime("%Y-%m") == period]
    out.sort(key=lambda b: (b.get("fecha_pago") or datetime.min, b["payment_uuid"] or "", b["invoice_uuid"] or "", b["kind"]))
    return out

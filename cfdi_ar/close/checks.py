"""The month-end close checklist: each item passes or fails, with its findings as ``{kind, ...}``.

=========================  ========  ====================================================
item (finding kind)        blocking  fails when
=========================  ========  ====================================================
payment_complement_late    no        a PPD payment with FechaPago in the period has its REP
                                     issued after day 5 (``deadline_day``) of the next
                                     month (:mod:`.reps`). A warning: the REP exists and
                                     the books are right; the lateness cannot be undone.
rep_missing (GL)           yes       the GL's control account credits a PPD invoice within
                                     the period (a payment posted) and no REP that stands
                                     (not cancelled) pays it with FechaPago in the period;
                                     or, for an MXN invoice, those credits exceed the REPs'
                                     ImpPagado in the period (``missing_amount``). A GL
                                     credit equal to a credit note of that invoice dated in
                                     the period is that credit note, not a payment.
pue_unpaid (GL)            yes       a PUE invoice (paid at issue, or by the end of its
                                     month) issued by the period's end still has a debit
                                     balance on the control account at the period's end.
invalid_cfdi               yes       one of our documents (I, E, P) dated in the period, or
                                     a REP paying within it, has error findings in the
                                     ledger (whether or not --accept-invalid let it count).
cancelled_open             yes       a cancelled invoice still carries a balance: in the
                                     ledger (open at the period's end and cancelled since:
                                     the period's AR still holds it; decide whether to
                                     reverse it in this period) or in the GL (cancelled by
                                     the period's end, its control-account lines to that
                                     date do not net to zero).
=========================  ========  ====================================================

Without a GL, ``rep_missing`` and ``pue_unpaid`` are **not checked** (never passed), and
``cancelled_open`` is not checked unless the ledger alone finds something. The close
check fails (exit code 1) when a blocking item fails.

The GL items are pure functions over the GL lines of the control account, the DataFrame
of the GL export contract (columns row, date, account, entry, reference, description,
debit, credit, uuid; money as int64 centavos; ``cfdi_ar.close.gl.account_lines``), and
the ledger's :class:`~cfdi_ar.ledger.book.Book`. A line belongs to an invoice through
its ``uuid`` (the first CFDI UUID found in its reference or description).
:func:`read_invalid_documents` is the only IO.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..ledger.book import Book, open_items
from ..ledger.chain import Invoice, PaymentLine
from ..ledger.db import Database
from ._bulk import paused_gc
from .period import Period, next_month_day
from .reps import DEFAULT_DEADLINE_DAY, Issued, PaymentTimeliness, rep_timeliness

__all__ = ["CheckItem", "CloseCheck", "InvalidDocument", "ITEMS", "close_check", "read_invalid_documents",
           "late_complements", "invalid_cfdi", "cancelled_open_in_ledger", "rep_missing", "pue_unpaid",
           "cancelled_in_gl", "PASS", "FAIL", "NOT_CHECKED"]

PASS, FAIL, NOT_CHECKED = "pass", "fail", "not_checked"
# kind -> (blocking, title), in checklist order
ITEMS: dict[str, tuple[bool, str]] = {
    "payment_complement_late": (False, "REPs issued by the deadline"),
    "rep_missing": (True, "every payment posted in the GL has its REP"),
    "pue_unpaid": (True, "PUE invoices settled by month-end in the GL"),
    "invalid_cfdi": (True, "no document of the period with error findings"),
    "cancelled_open": (True, "no cancelled invoice still open (ledger) or with a GL balance"),
}
GL_COLUMNS = ("row", "date", "account", "entry", "reference", "description", "debit", "credit", "uuid")
_CENT = Decimal("0.01")


@dataclass
class CheckItem:
    """One checklist item: its status ("pass", "fail", "not_checked") and findings."""

    kind: str
    status: str
    findings: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    @property
    def blocking(self) -> bool:
        """Whether a failure of this item fails the close (exit code 1)."""
        return ITEMS[self.kind][0]

    @property
    def title(self) -> str:
        """What the item checks, in a few words."""
        return ITEMS[self.kind][1]

    def to_dict(self) -> dict[str, Any]:
        """JSON view: item, title, status, blocking, findings, note."""
        return {"item": self.kind, "title": self.title, "status": self.status, "blocking": self.blocking,
                "findings": self.findings, "note": self.note}


@dataclass
class CloseCheck:
    """The checklist of one period; ``gl`` describes the GL export used (None: no GL given)."""

    period: Period
    deadline_day: int
    items: list[CheckItem]
    gl: dict[str, Any] | None = None

    @property
    def failed_blocking(self) -> list[str]:
        """The blocking items that failed, in checklist order."""
        return [i.kind for i in self.items if i.status == FAIL and i.blocking]

    @property
    def exit_code(self) -> int:
        """1 when a blocking item fails, else 0 (warnings and unchecked items do not fail the close)."""
        return 1 if self.failed_blocking else 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (see docs/close-aging.md)."""
        p = self.period
        return {"period": p.label, "start": p.start, "end": p.end, "rep_deadline_day": self.deadline_day, "gl": self.gl,
                "passed": not self.failed_blocking, "failed_blocking": self.failed_blocking,
                "items": [i.to_dict() for i in self.items]}


@dataclass(frozen=True)
class InvalidDocument:
    """One of our documents with error findings, as the ledger holds it."""

    uuid: str
    tipo: str | None
    serie: str | None
    folio: str | None
    fecha: datetime | None
    customer_rfc: str | None
    accepted: bool
    errors: tuple[tuple[str, str], ...]  # (code, message)
    fechas_pago: tuple[datetime, ...] = ()  # a REP's FechaPago dates


def read_invalid_documents(db: Database) -> list[InvalidDocument]:
    """Our documents with error findings, with the findings' codes and a REP's payment dates."""
    with db.read():
        docs = db.fetchall("SELECT uuid, tipo, serie, folio, fecha, receptor_rfc, accepted FROM documents "
                           "WHERE ours = 1 AND errors > 0 ORDER BY fecha, uuid")
        findings = db.fetchall("SELECT f.uuid, f.code, f.message FROM findings f JOIN documents d ON d.uuid = f.uuid "
                               "WHERE d.ours = 1 AND d.errors > 0 AND f.severity = 'error' ORDER BY f.uuid, f.position")
        paid = db.fetchall("SELECT p.payment_uuid, p.fecha_pago FROM payments p JOIN documents d ON d.uuid = p.payment_uuid "
                           "WHERE d.ours = 1 AND d.errors > 0")
    errors: dict[str, list[tuple[str, str]]] = {}
    for uuid, code, message in findings:
        errors.setdefault(uuid, []).append((code, message))
    dates: dict[str, list[datetime]] = {}
    for uuid, when in paid:
        parsed = _dt(when)
        if parsed is not None:
            dates.setdefault(uuid, []).append(parsed)
    return [InvalidDocument(uuid, tipo, serie, folio, _dt(fecha), receptor, bool(accepted), tuple(errors.get(uuid, ())),
                            tuple(dates.get(uuid, ())))
            for uuid, tipo, serie, folio, fecha, receptor, accepted in docs]


def _dt(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", ""))
    except ValueError:
        return None


# --------------------------------------------------------------------------- the checklist

def close_check(book: Book, issued: Mapping[str, Issued], invalid: Iterable[InvalidDocument], period: Period, *,
                gl_lines: Any = None, gl: dict[str, Any] | None = None,
                deadline_day: int = DEFAULT_DEADLINE_DAY) -> CloseCheck:
    """Run every item for ``period``; the GL items only with ``gl_lines`` (the control account's lines)."""
    with paused_gc():
        return _close_check(book, issued, invalid, period, gl_lines, gl, deadline_day)


def _close_check(book: Book, issued: Mapping[str, Issued], invalid: Iterable[InvalidDocument], period: Period,
                 gl_lines: Any, gl: dict[str, Any] | None, deadline_day: int) -> CloseCheck:
    timeliness = rep_timeliness(book.payments, issued, period, deadline_day=deadline_day, invoices=book.invoices)
    late = late_complements(timeliness)
    items = [CheckItem("payment_complement_late", FAIL if late else PASS, late,
                       f"{len(timeliness)} PPD payment{'s' if len(timeliness) != 1 else ''} received in {period}; "
                       f"deadline: day {deadline_day} of the following month")]
    if gl_lines is None:
        why = "not checked: no GL given (--gl FILE --account CODE)"
        items.append(CheckItem("rep_missing", NOT_CHECKED, note=why))
        items.append(CheckItem("pue_unpaid", NOT_CHECKED, note=why))
    else:
        _require_columns(gl_lines)
        missing = rep_missing(gl_lines, book, period, deadline_day=deadline_day)
        items.append(CheckItem("rep_missing", FAIL if missing else PASS, missing))
        unpaid = pue_unpaid(gl_lines, book, period)
        items.append(CheckItem("pue_unpaid", FAIL if unpaid else PASS, unpaid))
    bad = invalid_cfdi(invalid, period)
    items.append(CheckItem("invalid_cfdi", FAIL if bad else PASS, bad))
    cancelled = cancelled_open_in_ledger(book, period)
    if gl_lines is not None:
        cancelled += cancelled_in_gl(gl_lines, book, period)
        items.append(CheckItem("cancelled_open", FAIL if cancelled else PASS, cancelled))
    elif cancelled:
        items.append(CheckItem("cancelled_open", FAIL, cancelled, "the GL was not checked (no GL given)"))
    else:
        items.append(CheckItem("cancelled_open", NOT_CHECKED, note="the ledger holds no cancelled invoice open at the "
                               "period's end; the GL was not checked (no GL given)"))
    return CloseCheck(period, deadline_day, items, gl)


def _require_columns(lines: Any) -> None:
    missing = [c for c in GL_COLUMNS if c not in getattr(lines, "columns", ())]
    if missing:
        raise ValueError(f"the GL lines lack the column(s) {', '.join(missing)} (see the GL export contract)")


# --------------------------------------------------------------------------- ledger items

def _label(inv: Invoice | None, uuid: str) -> str:
    if inv is not None and inv.folio:
        return f"{inv.serie}-{inv.folio}" if inv.serie else inv.folio
    return uuid


def late_complements(timeliness: Iterable[PaymentTimeliness]) -> list[dict[str, Any]]:
    """``payment_complement_late`` findings: the payments whose REP was not issued by the deadline."""
    out = []
    for t in timeliness:
        if t.on_time:
            continue
        when = (f"issued {t.issued:%Y-%m-%d} ({t.issued_source}), {t.days_late} day{'s' if t.days_late != 1 else ''} late"
                if t.issued is not None else "with no issue date")
        out.append({"kind": "payment_complement_late", **t.to_dict(),
                    "message": f"the REP {t.payment_uuid} for the payment of {t.fecha_pago:%Y-%m-%d} was {when}: "
                               f"due by {t.deadline:%Y-%m-%d}"})
    return out


def invalid_cfdi(documents: Iterable[InvalidDocument], period: Period) -> list[dict[str, Any]]:
    """``invalid_cfdi`` findings: our documents dated in ``period`` (or REPs paying in it) with error findings."""
    out = []
    for d in documents:
        dated = d.fecha is not None and period.contains(d.fecha.date())
        if not dated and not any(period.contains(f.date()) for f in d.fechas_pago):
            continue
        codes = sorted({code for code, _ in d.errors})
        first = d.errors[0][1] if d.errors else "error findings"
        name = f"{d.serie}-{d.folio}" if d.serie and d.folio else (d.folio or d.uuid)
        counted = "counted in balances (--accept-invalid)" if d.accepted else "left out of balances"
        out.append({"kind": "invalid_cfdi", "uuid": d.uuid, "tipo": d.tipo, "serie": d.serie, "folio": d.folio,
                    "fecha": d.fecha, "customer_rfc": d.customer_rfc, "accepted": d.accepted, "codes": codes,
                    "message": f"{d.tipo} {name}: {len(d.errors)} error finding{'s' if len(d.errors) != 1 else ''} "
                               f"({', '.join(codes)}): {first}; {counted}"})
    return out


def cancelled_open_in_ledger(book: Book, period: Period) -> list[dict[str, Any]]:
    """``cancelled_open`` (ledger): invoices open at the period's end whose cancellation came after it."""
    invoices = book.invoices
    out = []
    for r in open_items(book, period.end):
        inv = invoices.get(r["uuid"])
        if inv is None or inv.cancelled_at is None:
            continue
        out.append({"kind": "cancelled_open", "source": "ledger", "uuid": r["uuid"], "serie": r["serie"],
                    "folio": r["folio"],
                    "customer_rfc": r["customer_rfc"], "balance": r["balance"], "balance_mxn": r["balance_mxn"],
                    "currency": r["currency"], "cancelled_at": inv.cancelled_at,
                    "message": f"invoice {_label(inv, r['uuid'])} is open at {period.end:%Y-%m-%d} with "
                               f"{r['balance_mxn']} MXN and was cancelled on {inv.cancelled_at:%Y-%m-%d}: "
                               f"the period's AR still holds it"})
    return out


# --------------------------------------------------------------------------- GL items

def _cents(amount: Decimal) -> int:
    return int(amount.quantize(_CENT, rounding=ROUND_HALF_UP).scaleb(2))


def _money(cents: Any) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def _to_mxn(amount: Decimal, inv: Invoice) -> Decimal:
    if (inv.moneda or "MXN") == "MXN" or inv.tipo_cambio is None:
        return amount
    return (amount * inv.tipo_cambio).quantize(_CENT, rounding=ROUND_HALF_UP)


def _cancelled_by(inv: Invoice, day: date) -> bool:
    return inv.cancelled_at is not None and inv.cancelled_at.date() <= day


def _gl_balances(lines: Any, end: date) -> Any:
    """Debit − credit (centavos) by UUID over the lines dated on or before ``end``; the lines themselves."""
    import pandas as pd

    dated = lines[lines["uuid"].notna() & (lines["date"] <= pd.Timestamp(end))]
    sums = dated.groupby("uuid", sort=True)[["debit", "credit"]].sum()
    return sums["debit"] - sums["credit"], dated


def _rows_of(lines: Any, uuids: Iterable[str]) -> dict[str, list[int]]:
    wanted = lines[lines["uuid"].isin(list(uuids))]
    return {u: [int(r) for r in rows] for u, rows in wanted.groupby("uuid", sort=False)["row"]}


def rep_missing(lines: Any, book: Book, period: Period, *, deadline_day: int = DEFAULT_DEADLINE_DAY) -> list[dict[str, Any]]:
    """``rep_missing`` findings: PPD invoices with payments posted in the GL in ``period`` and no REP for them."""
    import pandas as pd

    credits = lines[lines["uuid"].notna() & (lines["credit"] > 0) & (lines["date"] >= pd.Timestamp(period.start))
                    & (lines["date"] <= pd.Timestamp(period.end))]
    if credits.empty:
        return []
    invoices = book.invoices
    wanted = {u for u in credits["uuid"].unique() if (inv := invoices.get(u)) is not None
              and (inv.metodo_pago or "").upper() != "PUE" and not _cancelled_by(inv, period.end)}
    if not wanted:
        return []
    reps: dict[str, list[PaymentLine]] = {}
    for p in book.payments:
        if (p.invoice_uuid in wanted and p.cancelled_at is None and p.fecha_pago is not None
                and period.contains(p.fecha_pago.date())):
            reps.setdefault(p.invoice_uuid, []).append(p)
    notes: dict[str, list[int]] = {}
    for cn in book.credit_notes:
        if (len(cn.related) == 1 and cn.related[0] in wanted and cn.accepted and cn.fecha is not None
                and period.contains(cn.fecha.date()) and not (cn.cancelled_at and cn.cancelled_at.date() <= period.end)):
            notes.setdefault(cn.related[0], []).append(_cents(_to_mxn(cn.total, invoices[cn.related[0]])))
    deadline = next_month_day(period.end, deadline_day)
    out = []
    mine = credits[credits["uuid"].isin(wanted)].sort_values("row", kind="stable")
    for uuid, group in mine.groupby("uuid", sort=True):
        posted = list(zip(group["row"].tolist(), group["credit"].tolist(), group["entry"].tolist()))
        for amount in notes.get(uuid, ()):  # a credit note's posting, matched one-to-one by amount
            match = next((i for i, (_, c, _) in enumerate(posted) if c == amount), None)
            if match is not None:
                del posted[match]
        if not posted:
            continue
        inv = invoices[uuid]
        gl_cents = sum(c for _, c, _ in posted)
        paid = reps.get(uuid, [])
        rep_cents = sum(_cents(p.imp_pagado or Decimal(0)) for p in paid)
        mxn = (inv.moneda or "MXN") == "MXN"
        if paid and not (mxn and gl_cents > rep_cents):
            continue
        missing = gl_cents - rep_cents
        rows = [r for r, _, _ in posted]
        what = ("no REP pays it with FechaPago in the period" if not paid else
                f"the REPs in the period pay {_money(rep_cents)}: {_money(missing)} has no REP")
        out.append({"kind": "rep_missing", "uuid": uuid, "serie": inv.serie, "folio": inv.folio,
                    "customer_rfc": inv.receptor_rfc, "currency": inv.moneda, "gl_amount": _money(gl_cents),
                    "rep_amount": _money(rep_cents), "missing_amount": _money(missing), "gl_rows": rows,
                    "gl_entries": sorted({e for _, _, e in posted if e}), "reps": sorted({p.payment_uuid for p in paid}),
                    "deadline": deadline,
                    "message": f"invoice {_label(inv, uuid)} (PPD): {_money(gl_cents)} posted as paid in the GL "
                               f"(row{'s' if len(rows) != 1 else ''} {', '.join(map(str, rows))}) but {what}; "
                               f"the REP for a payment of {period} is due by {deadline:%Y-%m-%d}"})
    return out


def pue_unpaid(lines: Any, book: Book, period: Period) -> list[dict[str, Any]]:
    """``pue_unpaid`` findings: PUE invoices with a debit balance on the control account at the period's end."""
    balances, dated = _gl_balances(lines, period.end)
    invoices = book.invoices
    found = []
    for uuid, cents in balances[balances > 0].items():
        inv = invoices.get(uuid)
        if (inv is None or (inv.metodo_pago or "").upper() != "PUE" or inv.fecha is None or inv.fecha.date() > period.end
                or _cancelled_by(inv, period.end)):
            continue
        found.append((uuid, inv, int(cents)))
    rows = _rows_of(dated, [u for u, _, _ in found])
    return [{"kind": "pue_unpaid", "uuid": uuid, "serie": inv.serie, "folio": inv.folio, "customer_rfc": inv.receptor_rfc,
             "fecha": inv.fecha, "total_mxn": _to_mxn(inv.total, inv), "gl_balance": _money(cents),
             "gl_rows": rows.get(uuid, []),
             "message": f"invoice {_label(inv, uuid)} is PUE (paid at issue) but the GL still shows {_money(cents)} "
                        f"receivable at {period.end:%Y-%m-%d}: collect it this month, or cancel and reissue it as PPD"}
            for uuid, inv, cents in found]


def cancelled_in_gl(lines: Any, book: Book, period: Period) -> list[dict[str, Any]]:
    """``cancelled_open`` (GL): invoices cancelled by the period's end whose control-account lines do not net to zero."""
    balances, dated = _gl_balances(lines, period.end)
    invoices = book.invoices
    found = [(uuid, inv, int(cents)) for uuid, cents in balances[balances != 0].items()
             if (inv := invoices.get(uuid)) is not None and _cancelled_by(inv, period.end)]
    rows = _rows_of(dated, [u for u, _, _ in found])
    return [{"kind": "cancelled_open", "source": "gl", "uuid": uuid, "serie": inv.serie, "folio": inv.folio,
             "customer_rfc": inv.receptor_rfc, "cancelled_at": inv.cancelled_at, "gl_balance": _money(cents),
             "gl_rows": rows.get(uuid, []),
             "message": f"invoice {_label(inv, uuid)} was cancelled on "
                        f"{inv.cancelled_at:%Y-%m-%d} but its GL lines "  # type: ignore[str-format]
                        f"leave {_money(cents)} on the account at {period.end:%Y-%m-%d}: reverse it"}
            for uuid, inv, cents in found]

"""The AR ledger at a date as pandas frames: every invoice's status and balance, every application.

What :meth:`Book.link` (:func:`.chain.walk` over every invoice) leaves at the end of
``as_of``, computed column-wise from the rows :func:`.book.load_book` read, for the
month-end close (``cfdi_ar.close``) over a million invoices in seconds. It is the
walk's result, not a new rule: an invoice's balance does not depend on the order of
its events, only on which of them apply, and whether one applies is decided by the
same tests ``walk`` makes (a cancelled or invalid REP, a cancelled or PUE invoice, a
credit note cancelled, invalid or related to several invoices reduce nothing).
``tests/close/test_subledger.py`` ties it to ``open_items(..., include_all=True)``.

Amounts: ``*_mxn`` columns are int64 MXN centavos at the invoice's TipoCambio,
rounded as ``open_items`` rounds (``Decimal.quantize`` to the centavo);
``balance`` is the Decimal balance in the invoice's currency.

=================  =====================================================================
frame              columns
=================  =====================================================================
``invoices``       index ``uuid``; ``serie``, ``folio``, ``customer_rfc``, ``customer_name``,
                   ``fecha`` (datetime64), ``currency``, ``status`` (open, credit, paid,
                   cancelled, invalid, or future: not issued by ``as_of``), ``total_mxn``,
                   ``balance`` (Decimal), ``balance_mxn`` (0 unless open or credit), ``pue``
``applications``   ``doc_uuid`` (REP or credit note), ``kind`` (payment, credit_note),
                   ``invoice_uuid``, ``fecha``, ``amount_mxn``, ``applied``: each payment
                   line or credit note dated by ``as_of`` on an invoice issued by then
``later``          the same for payment lines and credit notes dated after ``as_of``
``unapplied``      payment lines dated by ``as_of`` naming an invoice the ledger lacks (from
                   a REP neither cancelled by then nor invalid): ``doc_uuid``, ``kind``,
                   ``invoice_uuid``, ``fecha``, ``amount_mxn`` (ImpPagado ÷ EquivalenciaDR ×
                   TipoCambioP, half up)
``documents``      index ``uuid``: every REP and related credit note of ours: ``kind``,
                   ``fecha`` (first FechaPago, or Fecha), ``cancelled`` (by ``as_of``),
                   ``accepted``
=================  =====================================================================
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from .book import Book
from .records import decimal_or_none

__all__ = ["ar_frames", "FRAMES"]

FRAMES = ("invoices", "applications", "later", "unapplied", "documents")
_CENT = Decimal("0.01")
_ZERO = Decimal("0")
_MICRO = 6  # CFDI amounts have at most six decimals: doc-currency amounts are summed as int64 millionths


def ar_frames(book: Book, as_of: date) -> dict[str, pd.DataFrame]:
    """The ledger's AR at the end of ``as_of`` as frames (see the module docstring)."""
    invoices, lines, cancelled = _sources(book)
    day = np.datetime64(as_of, "D")
    (uuid, serie, folio, fecha, rfc, nombre, moneda, tc, total, metodo, accepted) = invoices
    (doc, target, fecha_pago, pagado, moneda_dr, moneda_p, tc_p, equivalencia, rep_accepted) = lines
    index = pd.Index(uuid, dtype=object, name="uuid")
    inv_day = _days(fecha)
    issued = inv_day <= day  # NaT compares False: an undated invoice is never walked
    inv_cancelled = _cancelled(index, cancelled, as_of)
    pue = np.array([(m or "").upper() == "PUE" for m in metodo], dtype=bool)
    ok = np.array(accepted, dtype=bool)
    total_micros = _micros(total)
    currency = np.array([m or "MXN" for m in moneda], dtype=object)
    rate = np.array([_dec(t) for t in tc], dtype=object)

    at = index.get_indexer(pd.Index(target, dtype=object))  # each payment line's invoice (-1: not in the ledger)
    known = at >= 0
    pay_day = _days(fecha_pago)
    dated = pay_day <= day
    pay_micros = _micros(pagado)
    rep_ok = np.array(rep_accepted, dtype=bool)
    rep_cancelled = _cancelled(pd.Index(doc, dtype=object), cancelled, as_of)
    walked = dated & known & issued[np.where(known, at, 0)]
    w_at = at[walked]
    pay_applied = ~rep_cancelled[walked] & rep_ok[walked] & ~inv_cancelled[w_at] & ~pue[w_at]
    notes = _credit_rows(book, index, issued, inv_cancelled, day)
    doc_arr = np.array(doc, dtype=object)
    apps_doc = np.concatenate([doc_arr[walked], notes["doc_uuid"].to_numpy(dtype=object)])
    apps_at = np.concatenate([w_at, index.get_indexer(pd.Index(notes["invoice_uuid"], dtype=object))]).astype(np.int64)
    apps_micros = np.concatenate([pay_micros[walked], notes["micros"].to_numpy(dtype=np.int64)])
    apps_applied = np.concatenate([pay_applied, notes["applied"].to_numpy(dtype=bool)])
    apps_day = np.concatenate([pay_day[walked], notes["fecha"].to_numpy(dtype="datetime64[D]")])

    reduced = np.zeros(len(index), dtype=np.int64)  # what the applied payments and credit notes took off each invoice
    np.add.at(reduced, apps_at[apps_applied], apps_micros[apps_applied])
    balance = np.where(pue & ~inv_cancelled, 0, total_micros) - reduced
    status = np.select([~issued, inv_cancelled, ~ok, balance > 0, balance < 0],
                       ["future", "cancelled", "invalid", "open", "credit"], "paid").astype(object)
    counted = np.isin(status, ("open", "credit"))
    balance_dec = np.full(len(index), _ZERO, dtype=object)
    balance_mxn = np.zeros(len(index), dtype=np.int64)
    if counted.any():
        balance_dec[counted] = [_decimal(b) for b in balance[counted]]
        balance_mxn[counted] = _mxn_cents(balance[counted], currency[counted], rate[counted])
    invoices_frame = pd.DataFrame({
        "serie": _text(serie), "folio": _text(folio), "customer_rfc": _text(rfc), "customer_name": _text(nombre),
        "fecha": inv_day.astype("datetime64[ns]"), "currency": currency, "status": status,
        "total_mxn": _mxn_cents(total_micros, currency, rate), "balance": balance_dec, "balance_mxn": balance_mxn, "pue": pue,
    }, index=index)
    uuid_arr = np.array(uuid, dtype=object)
    applications = pd.DataFrame({
        "doc_uuid": apps_doc, "kind": np.array(["payment"] * int(walked.sum()) + ["credit_note"] * len(notes), dtype=object),
        "invoice_uuid": uuid_arr[apps_at], "fecha": apps_day.astype("datetime64[ns]"),
        "amount_mxn": _mxn_cents(apps_micros, currency[apps_at], rate[apps_at]), "applied": apps_applied,
    })
    after = known & ~dated & ~np.isnat(pay_day)
    a_at = at[after]
    later = pd.DataFrame({
        "doc_uuid": doc_arr[after], "kind": "payment", "invoice_uuid": uuid_arr[a_at],
        "fecha": pay_day[after].astype("datetime64[ns]"),
        "amount_mxn": _mxn_cents(pay_micros[after], currency[a_at], rate[a_at]), "applied": True})
    later = pd.concat([later, _later_notes(book, index, currency, rate, day)], ignore_index=True)
    lost = dated & ~known & ~rep_cancelled & rep_ok
    unapplied = pd.DataFrame({
        "doc_uuid": doc_arr[lost], "kind": "payment", "invoice_uuid": np.array(target, dtype=object)[lost],
        "fecha": pay_day[lost].astype("datetime64[ns]"),
        "amount_mxn": np.array([_unapplied_cents(int(pay_micros[i]), moneda_dr[i], moneda_p[i], tc_p[i], equivalencia[i])
                                for i in np.flatnonzero(lost)], dtype=np.int64)})
    event_types = {"amount_mxn": "int64", "applied": "bool", "fecha": "datetime64[ns]"}
    return {
        "invoices": invoices_frame, "applications": applications.astype(event_types), "later": later.astype(event_types),
        "unapplied": unapplied.astype({"fecha": "datetime64[ns]", "amount_mxn": "int64"}),
        "documents": _documents(doc_arr, pay_day, rep_cancelled, rep_ok, book, day),
    }


# --------------------------------------------------------------------------- sources


def _sources(book: Book) -> tuple[list[Any], list[Any], dict[str, datetime]]:
    """Invoice columns (uuid, serie, folio, fecha, receptor, nombre, moneda, tipo_cambio, total, metodo, accepted) and
    payment-line columns (payment, invoice, fecha_pago, imp_pagado, moneda_dr, moneda_p, tipo_cambio_p,
    equivalencia_dr, REP accepted), from the rows load_book read or from a Book made of objects; and the
    cancellations (UUID → when)."""
    rows = book._rows
    if rows is not None and "invoices" not in book.__dict__:
        rows.require_full("the AR frames")
        reps = rows.reps
        payments = rows.payments
        return ([[r[i] for r in rows.invoices] for i in (0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 12)],
                [[r[i] for r in payments] for i in (0, 3, 4, 5, 9, 10, 11, 12)] + [[reps[r[0]][3] for r in payments]],
                rows.cancelled)
    cancelled: dict[str, datetime] = {}
    invoices = []
    for i in book.invoices.values():
        invoices.append((i.uuid, i.serie, i.folio, i.fecha, i.receptor_rfc, i.receptor_nombre, i.moneda, i.tipo_cambio, i.total,
                         i.metodo_pago, i.accepted))
        if i.cancelled_at is not None:
            cancelled[i.uuid] = i.cancelled_at
    lines = []
    for p in book.payments:
        lines.append((p.payment_uuid, p.invoice_uuid, p.fecha_pago, p.imp_pagado, p.moneda_dr, p.moneda_p, p.tipo_cambio_p,
                      p.equivalencia_dr, p.accepted))
        if p.cancelled_at is not None:
            cancelled[p.payment_uuid] = p.cancelled_at
    return _columns(invoices, 11), _columns(lines, 9), cancelled


def _columns(rows: list[tuple[Any, ...]], width: int) -> list[Any]:
    return [[r[i] for r in rows] for i in range(width)]


def _text(values: list[Any]) -> np.ndarray:
    return np.array([v or "" for v in values], dtype=object)


def _days(values: list[Any]) -> np.ndarray:
    """Dates and times as stored (ISO text, or datetimes) → their day (datetime64[D]); unreadable → NaT, as book._dt."""
    texts = [v.isoformat()[:10] if isinstance(v, datetime) else (v[:10] if isinstance(v, str) else "NaT") for v in values]
    try:
        return np.array(texts, dtype="datetime64[D]")
    except ValueError:  # some text is no ISO date: one at a time
        return np.array([_day(t) for t in texts], dtype="datetime64[D]")


def _day(text: str) -> np.datetime64:
    try:
        return np.datetime64(text, "D")
    except ValueError:
        return np.datetime64("NaT")


def _cancelled(index: pd.Index, cancelled: dict[str, datetime], as_of: date) -> np.ndarray:
    """Whether each UUID was cancelled by the end of ``as_of`` (the cancellation's day, as chain._on)."""
    out = np.zeros(len(index), dtype=bool)
    by_then = [u for u, when in cancelled.items() if when.date() <= as_of]
    if by_then:
        out |= index.isin(by_then)
    return out


def _dec(value: Any) -> Decimal | None:
    """An amount as stored (text, NUMERIC), None when absent."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value if isinstance(value, Decimal) else decimal_or_none(value)


_SCALE = tuple(10 ** (_MICRO - places) for places in range(_MICRO + 1))


def _micros(values: Any) -> np.ndarray:
    """Amounts as stored (text in SQLite, Decimal in PostgreSQL; None → 0) → int64 millionths, exactly.
    Plain decimal text ("1234.5", "-3") is read digit by digit; anything else through Decimal."""
    out = []
    for v in values:
        if type(v) is str:
            point = v.find(".")
            digits = v if point < 0 else v[:point] + v[point + 1:]
            places = 0 if point < 0 else len(v) - point - 1
            if places <= _MICRO and digits.isascii() and (digits[1:] if digits[:1] == "-" else digits).isdigit():
                out.append(int(digits) * _SCALE[places])
                continue
        d = _dec(v)
        out.append(0 if d is None else int(d.scaleb(_MICRO).to_integral_value()))
    return np.array(out, dtype=np.int64)


def _decimal(micros: int) -> Decimal:
    """Millionths as a Decimal with two places, or as many as it has beyond them."""
    d = Decimal(int(micros)).scaleb(-_MICRO)
    cents = d.quantize(_CENT)
    return cents if cents == d else d.normalize()


# --------------------------------------------------------------------------- amounts


def _mxn_cents(micros: np.ndarray, currency: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Amounts of an invoice's currency (millionths) in MXN centavos at its TipoCambio, as book._mxn rounds."""
    foreign = np.array([c != "MXN" and r is not None for c, r in zip(currency, rate)], dtype=bool)
    out = np.empty(len(micros), dtype=np.int64)
    plain = ~foreign
    exact = micros % 10_000 == 0
    fast = plain & exact
    out[fast] = micros[fast] // 10_000
    for i in np.flatnonzero(plain & ~exact):  # more than two decimals: half up, as book._mxn rounds
        out[i] = int(Decimal(int(micros[i])).scaleb(-_MICRO).quantize(_CENT, rounding=ROUND_HALF_UP).scaleb(2))
    for i in np.flatnonzero(foreign):
        out[i] = int((Decimal(int(micros[i])).scaleb(-_MICRO) * rate[i]).quantize(_CENT, rounding=ROUND_HALF_UP).scaleb(2))
    return out


def _unapplied_cents(micros: int, moneda_dr: Any, moneda_p: Any, tipo_cambio_p: Any, equivalencia_dr: Any) -> int:
    paid = Decimal(micros).scaleb(-_MICRO)
    if (moneda_dr or "MXN") != "MXN":
        rate = _dec(tipo_cambio_p)
        if rate is None and (moneda_p or "") == "MXN":
            rate = Decimal(1)
        equivalence = _dec(equivalencia_dr) or Decimal(1)
        if rate is not None and equivalence != 0:
            paid = paid / equivalence * rate
    return int(paid.quantize(_CENT, rounding=ROUND_HALF_UP).scaleb(2))


# --------------------------------------------------------------------------- credit notes and documents


def _note_pairs(book: Book, index: pd.Index, day: np.datetime64, later: bool) -> tuple[list[tuple[Any, str]], list[int]]:
    """(credit note, related invoice) for each credit note dated by ``day`` (``later``: after it), each invoice it
    relates to once; and each invoice's position in ``index`` (-1: not in the ledger), looked up in one call: one
    ``get_indexer`` per note cost ~0.1 ms, seconds over tens of thousands of credit notes."""
    limit = day.astype(object)  # the day as a datetime.date
    pairs = [(cn, rel) for cn in book.credit_notes if cn.fecha is not None and (cn.fecha.date() > limit) == later
             for rel in dict.fromkeys(cn.related)]
    at = index.get_indexer(pd.Index([rel for _, rel in pairs], dtype=object)).tolist() if pairs else []
    return pairs, at


def _credit_rows(book: Book, index: pd.Index, issued: np.ndarray, inv_cancelled: np.ndarray, day: np.datetime64) -> pd.DataFrame:
    """Each credit note dated by ``as_of`` on each invoice (issued by then) it relates to, applied or not (as chain._credit)."""
    pairs, positions = _note_pairs(book, index, day, later=False)
    kept = [(cn, rel, at) for (cn, rel), at in zip(pairs, positions) if at >= 0 and issued[at]]
    micros = _micros([cn.total for cn, _, _ in kept]).tolist()
    out = []
    for (cn, rel, at), total in zip(kept, micros):
        cn_cancelled = cn.cancelled_at is not None and np.datetime64(cn.cancelled_at.date(), "D") <= day
        applied = not cn_cancelled and cn.accepted and len(cn.related) <= 1 and not inv_cancelled[at]
        out.append((cn.uuid, rel, np.datetime64(cn.fecha.date(), "ns"), total, applied))
    return pd.DataFrame(out, columns=["doc_uuid", "invoice_uuid", "fecha", "micros", "applied"]).astype(
        {"fecha": "datetime64[ns]", "micros": "int64", "applied": "bool"})


def _later_notes(book: Book, index: pd.Index, currency: np.ndarray, rate: np.ndarray, day: np.datetime64) -> pd.DataFrame:
    pairs, positions = _note_pairs(book, index, day, later=True)
    kept = [(cn, rel, at) for (cn, rel), at in zip(pairs, positions) if at >= 0]
    at = np.array([a for _, _, a in kept], dtype=np.int64)
    mxn = _mxn_cents(_micros([cn.total for cn, _, _ in kept]), currency[at], rate[at]).tolist()
    out = [(cn.uuid, "credit_note", rel, np.datetime64(cn.fecha.date(), "ns"), amount, True)
           for (cn, rel, _), amount in zip(kept, mxn)]
    return pd.DataFrame(out, columns=["doc_uuid", "kind", "invoice_uuid", "fecha", "amount_mxn", "applied"])


def _documents(doc: np.ndarray, pay_day: np.ndarray, rep_cancelled: np.ndarray, rep_ok: np.ndarray, book: Book,
               day: np.datetime64) -> pd.DataFrame:
    lines = pd.DataFrame({"uuid": doc, "fecha": pay_day.astype("datetime64[ns]"), "cancelled": rep_cancelled, "accepted": rep_ok})
    reps = lines.groupby("uuid", sort=False).agg(fecha=("fecha", "min"), cancelled=("cancelled", "any"),
                                                 accepted=("accepted", "all"))
    reps.insert(0, "kind", "payment")
    notes = pd.DataFrame(
        [("credit_note", np.datetime64(cn.fecha.date(), "ns") if cn.fecha else np.datetime64("NaT"),
          cn.cancelled_at is not None and np.datetime64(cn.cancelled_at.date(), "D") <= day, cn.accepted)
         for cn in book.credit_notes],
        columns=["kind", "fecha", "cancelled", "accepted"], index=pd.Index([cn.uuid for cn in book.credit_notes], dtype=object))
    docs = pd.concat([reps, notes]) if len(notes) else reps
    docs.index = pd.Index(docs.index, dtype=object, name="uuid")
    return docs.astype({"fecha": "datetime64[ns]", "cancelled": "bool", "accepted": "bool"})

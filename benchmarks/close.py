#!/usr/bin/env python3
"""cfdi-ar month-end close: reconcile a million GL lines against a million documents.

    python benchmarks/close.py              # 1,000,000 synthetic invoices, a GL export of ~1,000,000 lines (~8 minutes)
    python benchmarks/close.py --quick      # 100,000 invoices, ~100,000 GL lines (~1 minute)
    python benchmarks/close.py --help

One run:

1. **Ledger.** The synthetic ledger of ``benchmarks/ledger.py`` (its ``build_synthetic()``,
   imported from that file): SYNTHETIC rows inserted directly with SQL into a ledger made
   by the real schema, not ingested. Reused from ``--out`` when built with the same
   parameters.
2. **GL export.** A CSV in the Spanish generic layout (Fecha, Póliza, Cuenta, Concepto,
   Referencia, Cargo, Abono) posting those documents to the AR control account 105-01 as an
   accountant's system would: each PPD invoice a debit of Total × TipoCambio, each REP a
   credit per FechaPago, each credit note a credit, cancellations reversed, some PUE sales
   through AR (debit and collection) and the rest straight to cash; plus lines of other
   accounts (bank, sales, FX, a sibling 105-02) that must be ignored, and a totals row.
   Into it go known differences of every reconcile kind at known counts and amounts.
3. **Expected result, counted independently**: from the ledger's rows with SQL and the
   rules of docs/close-gl.md (not reconcile's code): AR balance, GL balance, difference
   and every item (kind, UUID, amount) in integer centavos. The generator checks that its
   own numbers tie (AR − GL = Σ items) before anything is timed.
4. **cfdi-ar reconcile**, the real CLI as a subprocess pinned to one CPU, wall clock with
   start-up, median of ``--repeat``; peak memory (ru_maxrss of that process, by wait4).
   Each run's JSON must equal the expected result: balances to the centavo, the items by
   kind, UUID and amount, explained + unexplained = difference.
5. **References in the same run**, each in its own pinned process: ``pandas.read_csv(dtype=str)``
   of the same CSV; and the CLI's stages timed in process (read_gl, load_book, subledger,
   reconcile, JSON), so the report says what is IO and what is reconciliation.
6. Optionally the same at a smaller size with the GL as XLSX (secondary figure).
7. Prints the machine, the table, PASS/FAIL against the target and the exact commands.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import json
import os
import random
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

TARGET_S = 60.0  # seconds, CLI wall clock with start-up, one core
TARGET_BYTES = 4_000_000_000  # peak resident memory of the CLI process (4 GB, decimal)
TARGET_LINES = 1_000_000
TARGET_INVOICES = 1_000_000
AS_OF = dt.date(2026, 10, 31)
ACCOUNT = "105-01"
AR_MXN, AR_USD = "105-01-001", "105-01-002"  # both under 105-01
OTHER_ACCOUNTS = ("102-01-001", "401-01-001", "105-02-001", "701-01-001")  # bank, sales, a sibling of 105-01, FX: ignored
OTHER_SHARE = 0.04  # of the lines: other accounts
PLANT_RATE = 0.0003  # each planted variant: ~300 documents per million invoices
MARKER = ".cfdi-ar-close-benchmark"
GL_VERSION = 2  # bump when the GL generator changes (a kept --out GL is then rebuilt); 2: MXN rounded half up (50d0e2e)
HEADER = ("Fecha", "Póliza", "Cuenta", "Concepto", "Referencia", "Cargo", "Abono")


def _load_ledger_benchmark():  # type: ignore[no-untyped-def]
    """benchmarks/ledger.py as a module: its synthetic ledger builder and report helpers (and validate.py's, as L.V)."""
    name = "cfdi_ar_benchmark_ledger"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("ledger.py"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


L = _load_ledger_benchmark()
V = L.V

# --------------------------------------------------------------------------- the ledger's rows, read with SQL

_CENT = Decimal(1)


def _cents(text: Any) -> int:
    """'1234.56' → 123456. Every synthetic amount has exactly two decimals (ledger.py writes them so); anything else
    would make this count untrustworthy, so it stops the run."""
    s = str(text)
    if len(s) < 4 or s[-3] != "." or not s.replace(".", "", 1).lstrip("-").isdigit():
        raise SystemExit(f"FAILED: synthetic amount {s!r} has not exactly two decimals: the independent count cannot work")
    return int(s.replace(".", ""))


@dataclass
class Inv:
    uuid: str
    day: str  # YYYY-MM-DD
    cur: str
    rate: Decimal | None  # TipoCambio (None: MXN)
    cents: int  # Total in its currency
    pue: bool
    accepted: bool
    name: str  # serie-folio
    customer: str
    cancel_day: str | None  # the first cancellation's day
    notes: list[str] = field(default_factory=list)  # credit notes relating it (alone)
    reps: list[str] = field(default_factory=list)  # REPs with a line naming it

    def mxn(self, cents: int) -> int:
        """An amount of this invoice's currency in MXN centavos at its TipoCambio, rounded half up to the centavo
        (SAT's redondeo, as docs/close-gl.md states)."""
        if self.cur == "MXN" or self.rate is None:
            return cents
        return int((Decimal(cents) * self.rate).quantize(_CENT, rounding=ROUND_HALF_UP))


@dataclass
class Line:  # one DoctoRelacionado of a REP
    day: str
    invoice: str
    cents: int  # ImpPagado
    moneda_dr: str | None
    moneda_p: str | None
    tc_p: str | None
    equivalencia: str | None


@dataclass
class Doc:  # a REP or a credit note
    uuid: str
    kind: str  # payment | credit_note
    day: str
    accepted: bool
    cancel_day: str | None
    cents: int = 0  # a credit note's Total
    related: tuple[str, ...] = ()  # a credit note's invoices
    lines: list[Line] = field(default_factory=list)  # a REP's lines
    name: str = ""


def read_ledger(path: Path) -> tuple[dict[str, Inv], dict[str, Doc]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cancelled = dict(con.execute(
            "SELECT uuid, min(substr(date, 1, 10)) FROM cancellations WHERE status = 'cancelled' GROUP BY uuid"))
        invoices: dict[str, Inv] = {}
        docs: dict[str, Doc] = {}
        for uuid, tipo, day, moneda, tc, total, metodo, accepted, serie, folio, customer in con.execute(
                "SELECT uuid, tipo, substr(fecha, 1, 10), moneda, tipo_cambio, total, metodo_pago, accepted, serie, folio, "
                "receptor_nombre FROM documents WHERE ours = 1 AND tipo IN ('I', 'E', 'P')"):
            if tipo == "I":
                cur = moneda or "MXN"
                name = f"{serie or ''}-{folio or ''}".strip("-")
                invoices[uuid] = Inv(uuid, day, cur, Decimal(tc) if tc and cur != "MXN" else None, _cents(total),
                                     (metodo or "").upper() == "PUE", bool(accepted), name, customer or "",
                                     cancelled.get(uuid))
            else:
                docs[uuid] = Doc(uuid, "payment" if tipo == "P" else "credit_note", day, bool(accepted), cancelled.get(uuid),
                                 _cents(total) if tipo == "E" else 0, name=f"{serie or ''}{folio or ''}")
        related: dict[str, list[str]] = {}
        for uuid, rel in con.execute("SELECT uuid, related_uuid FROM relations WHERE tipo_relacion IN ('01', '03') "
                                     "ORDER BY uuid, position"):
            if uuid in docs and rel not in related.setdefault(uuid, []):
                related[uuid].append(rel)
        for uuid, rels in related.items():
            docs[uuid].related = tuple(rels)
            if len(rels) == 1 and rels[0] in invoices:
                invoices[rels[0]].notes.append(uuid)
        for pay, day, inv, pagado, mdr, mp, tcp, eq in con.execute(
                "SELECT payment_uuid, substr(fecha_pago, 1, 10), invoice_uuid, imp_pagado, moneda_dr, moneda_p, "
                "tipo_cambio_p, equivalencia_dr FROM payments ORDER BY payment_uuid, pago_index, docto_index"):
            docs[pay].lines.append(Line(day, inv, _cents(pagado), mdr, mp, tcp, eq))
            if inv in invoices and pay not in invoices[inv].reps:
                invoices[inv].reps.append(pay)
    finally:
        con.close()
    return invoices, docs


# --------------------------------------------------------------------------- the ledger's AR at the date (the rules)


def by(day: str | None, as_of: str) -> bool:
    """Dated on or before the end of as_of."""
    return day is not None and day <= as_of


def unapplied_mxn(line: Line) -> int:
    """A REP line naming an invoice the ledger lacks, in MXN: ImpPagado ÷ EquivalenciaDR × TipoCambioP, half up."""
    paid = Decimal(line.cents)
    if (line.moneda_dr or "MXN") != "MXN":
        rate = Decimal(line.tc_p) if line.tc_p else (Decimal(1) if (line.moneda_p or "") == "MXN" else None)
        eq = Decimal(line.equivalencia) if line.equivalencia else Decimal(1)
        if rate is not None and eq != 0:
            paid = paid / eq * rate
    return int(paid.quantize(_CENT, rounding=ROUND_HALF_UP))


@dataclass
class AR:
    """The subledger at as_of, by the rules of docs/close-gl.md and cfdi_ar/ledger/chain.py's docstring."""

    status: dict[str, str]
    balance_mxn: dict[str, int]  # open and credit invoices only
    applied: dict[str, list[tuple[str, int]]]  # invoice -> (document, MXN amount): each line or note applied by as_of

    @property
    def balance(self) -> int:
        return sum(self.balance_mxn.values())


def subledger_at(invoices: dict[str, Inv], docs: dict[str, Doc], as_of: str) -> AR:
    status: dict[str, str] = {}
    balance_mxn: dict[str, int] = {}
    applied: dict[str, list[tuple[str, int]]] = {}
    reduce: dict[str, int] = {}
    for d in docs.values():
        if not d.accepted or by(d.cancel_day, as_of):
            continue  # a cancelled or invalid REP or note reduces nothing
        if d.kind == "credit_note":
            inv = invoices.get(d.related[0]) if len(d.related) == 1 else None
            if inv is not None and by(d.day, as_of) and by(inv.day, as_of) and not by(inv.cancel_day, as_of):
                reduce[inv.uuid] = reduce.get(inv.uuid, 0) + d.cents
                applied.setdefault(inv.uuid, []).append((d.uuid, inv.mxn(d.cents)))
            continue
        for ln in d.lines:
            inv = invoices.get(ln.invoice)
            if inv is None or not by(ln.day, as_of) or not by(inv.day, as_of) or by(inv.cancel_day, as_of) or inv.pue:
                continue
            reduce[inv.uuid] = reduce.get(inv.uuid, 0) + ln.cents
            applied.setdefault(inv.uuid, []).append((d.uuid, inv.mxn(ln.cents)))
    for inv in invoices.values():
        if not by(inv.day, as_of):
            status[inv.uuid] = "future"
        elif by(inv.cancel_day, as_of):
            status[inv.uuid] = "cancelled"
        elif not inv.accepted:
            status[inv.uuid] = "invalid"
        else:
            bal = (0 if inv.pue else inv.cents) - reduce.get(inv.uuid, 0)
            status[inv.uuid] = "open" if bal > 0 else ("credit" if bal < 0 else "paid")
            if bal:
                balance_mxn[inv.uuid] = inv.mxn(bal)
    return AR(status, balance_mxn, applied)


# --------------------------------------------------------------------------- the GL export and what it must give

VARIANTS = (  # (kind of the items it makes, variant)
    ("missing_in_gl", "invoice not posted"),
    ("missing_in_gl", "REP not posted"),
    ("missing_in_gl", "PUE collection not posted"),
    ("duplicated_in_gl", "invoice posted twice"),
    ("duplicated_in_gl", "REP posted twice"),
    ("amount_mismatch", "invoice posted for another amount"),
    ("amount_mismatch", "REP posted for another amount"),
    ("amount_mismatch", "credit naming an invoice, matching nothing"),
    ("gl_without_cfdi", "manual line without UUID"),
    ("gl_without_cfdi", "UUID not in the ledger"),
    ("gl_without_cfdi", "invalid invoice posted"),
    ("cancelled_in_gl", "cancelled invoice not reversed"),
    ("cancelled_in_gl", "cancelled REP not reversed"),
    ("period_mismatch", "invoice posted after as-of"),
    ("period_mismatch", "REP posted after as-of"),
    ("period_mismatch", "next month's invoice posted by as-of"),
    ("matched_without_uuid", "REP posted without its UUID"),
)


@dataclass
class Expected:
    """What reconcile must report, counted by the generator (centavos)."""

    ar_balance: int = 0
    gl_balance: int = 0
    items: list[tuple[str, str | None, int, str | None]] = field(default_factory=list)  # kind, uuid, amount, invoice
    rounding: dict[str, int] = field(default_factory=dict)  # foreign-currency invoice -> its MXN rounding residue
    matched: list[tuple[str, int]] = field(default_factory=list)  # (REP, amount) posted without a UUID
    planted: dict[str, int] = field(default_factory=dict)  # variant -> documents or lines planted
    lines: int = 0  # the file's data rows (the totals row not included)
    ar_lines: int = 0  # lines of the account dated by as_of
    ar_lines_after: int = 0
    other_lines: int = 0
    pue_through_ar: int = 0
    skipped_rows: list[int] = field(default_factory=list)

    @property
    def difference(self) -> int:
        return self.ar_balance - self.gl_balance

    def all_items(self) -> list[tuple[str, str | None, int, str | None]]:
        out = list(self.items)
        if len(self.rounding) == 1:
            (uuid, amount), = self.rounding.items()
            out.append(("amount_mismatch", uuid, amount, None))
        elif self.rounding:
            out.append(("amount_mismatch", None, sum(self.rounding.values()), None))
        return out

    def counts(self) -> dict[str, int]:
        return dict(Counter(k for k, *_ in self.all_items()))

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Expected:
        e = cls(**data)
        e.items = [tuple(i) for i in e.items]  # type: ignore[misc]
        e.matched = [tuple(m) for m in e.matched]  # type: ignore[misc]
        return e


def _dmy(day: str) -> str:
    return f"{day[8:10]}/{day[5:7]}/{day[:4]}"


def _shift(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def _money(cents: int) -> str:
    return "" if not cents else f"{cents // 100}.{cents % 100:02d}"


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032X}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-B{h[17:20]}-{h[20:]}"


def make_gl(invoices: dict[str, Inv], docs: dict[str, Doc], n_lines: int, seed: int,
            as_of: dt.date = AS_OF) -> tuple[list[tuple[str, str, str, str, str, int, int]], Expected]:
    """The GL rows (day, entry, account, concept, reference, debit, credit) and what reconcile must say about them."""
    D = as_of.isoformat()
    rng = random.Random(seed * 1_000_003 + 5)
    ar = subledger_at(invoices, docs, D)
    exp = Expected(ar_balance=ar.balance)
    per_variant = max(1, round(len(invoices) * PLANT_RATE))
    touched: set[str] = set()  # documents a plant concerns: one plant per document and per invoice it touches

    def related(uuid: str) -> set[str]:
        if uuid in invoices:
            inv = invoices[uuid]
            return {uuid, *inv.notes, *inv.reps}
        d = docs[uuid]
        return {uuid, *(ln.invoice for ln in d.lines), *d.related}

    def free(uuid: str) -> bool:
        return not (related(uuid) & touched)

    def mxn_only(d: Doc) -> bool:
        return all(ln.invoice in invoices and invoices[ln.invoice].cur == "MXN" for ln in d.lines)

    inv_list = sorted(invoices)  # a fixed order for the random choices
    rep_list = sorted(u for u, d in docs.items() if d.kind == "payment")
    for u in rep_list:  # REPs paying an invoice the ledger lacks make the natural unapplied_payment items: left alone
        if any(ln.invoice not in invoices for ln in docs[u].lines):
            touched |= related(u)

    def pick(pool: list[str], test: Any, count: int = per_variant) -> list[str]:
        chosen = []
        for u in rng.sample(pool, len(pool)):
            if len(chosen) >= count:
                break
            if test(u) and free(u):
                chosen.append(u)
                touched.update(related(u))
        return chosen

    def ppd(u: str, lo: str = "0000", hi: str = D, cancelled: bool = False) -> bool:
        i = invoices[u]
        return (not i.pue and i.accepted and i.cur == "MXN" and not i.notes and lo < i.day <= hi
                and (by(i.cancel_day, D) if cancelled else i.cancel_day is None))

    def rep_ok(u: str, single_day: bool = False, lo: str = "0000") -> bool:
        d = docs[u]
        days = {ln.day for ln in d.lines}
        return (d.accepted and d.cancel_day is None and mxn_only(d) and bool(days) and lo < min(days) and max(days) <= D
                and (len(days) == 1 if single_day else True))

    # PUE sales through AR (debit and collection) or straight to cash, to make about n_lines lines.
    rep_groups = sum(len({ln.day for ln in docs[u].lines}) for u in rep_list)
    notes = [d for d in docs.values() if d.kind == "credit_note"]
    base = (sum(1 for i in invoices.values() if not i.pue and i.accepted) + rep_groups + len(notes)
            + sum(1 for i in invoices.values() if i.cancel_day and not i.pue and i.accepted)
            + sum(1 for u in rep_list if docs[u].cancel_day))
    other = round(n_lines * OTHER_SHARE)
    pue_pool = [u for u in inv_list if invoices[u].pue and invoices[u].accepted and invoices[u].cancel_day is None]
    through = max(0, min(len(pue_pool), (n_lines - base - other) // 2))
    other = max(other, n_lines - base - 2 * through)
    pue_ar = set(rng.sample(pue_pool, through))
    exp.pue_through_ar = through

    plant: dict[str, list[str]] = {}
    inv_pool = [u for u in inv_list if not invoices[u].pue]
    plant["invoice not posted"] = pick(inv_pool, ppd)
    plant["REP not posted"] = pick(rep_list, rep_ok)
    plant["PUE collection not posted"] = pick(sorted(u for u in pue_ar if invoices[u].cur == "MXN"),
                                              lambda u: by(invoices[u].day, D))
    plant["invoice posted twice"] = pick(inv_pool, ppd)
    plant["REP posted twice"] = pick(rep_list, lambda u: rep_ok(u, single_day=True))
    plant["invoice posted for another amount"] = pick(inv_pool, ppd)
    plant["REP posted for another amount"] = pick(rep_list, lambda u: rep_ok(u, single_day=True))
    plant["credit naming an invoice, matching nothing"] = pick(
        inv_pool, lambda u: ppd(u) and all(by(ln.day, D) for r in invoices[u].reps for ln in docs[r].lines))
    plant["invalid invoice posted"] = pick(
        inv_list, lambda u: not invoices[u].accepted and invoices[u].cur == "MXN" and by(invoices[u].day, D)
        and invoices[u].cancel_day is None)
    plant["cancelled invoice not reversed"] = pick(inv_pool, lambda u: ppd(u, cancelled=True))
    plant["cancelled REP not reversed"] = pick(
        rep_list, lambda u: docs[u].accepted and by(docs[u].cancel_day, D) and mxn_only(docs[u])
        and all(by(ln.day, D) for ln in docs[u].lines))
    month_ago = _shift(D, -30)
    plant["invoice posted after as-of"] = pick(inv_pool, lambda u: ppd(u, lo=month_ago))
    plant["REP posted after as-of"] = pick(rep_list, lambda u: rep_ok(u, lo=month_ago))
    plant["next month's invoice posted by as-of"] = pick(inv_pool, lambda u: ppd(u, lo=D, hi="9999"))

    def group_amounts(d: Doc) -> dict[str, int]:
        """A REP's MXN amount per FechaPago: each line at its invoice's TipoCambio (the exchange difference goes to
        another account), a line naming an invoice the ledger lacks at TipoCambioP."""
        out: dict[str, int] = {}
        for ln in d.lines:
            inv = invoices.get(ln.invoice)
            out[ln.day] = out.get(ln.day, 0) + (inv.mxn(ln.cents) if inv is not None else unapplied_mxn(ln))
        return out

    # Payments posted without a UUID, taken for their REP by amount and date: the (day, amount) must pick out one.
    wanted = Counter()
    for u in plant["REP not posted"]:
        for day, amount in group_amounts(docs[u]).items():
            wanted[(day, amount)] += 1
    for u in plant["PUE collection not posted"]:
        wanted[(invoices[u].day, invoices[u].cents)] += 1
    keys: set[tuple[str, int]] = set()

    def pairs_alone(u: str) -> bool:
        if not rep_ok(u, single_day=True):
            return False
        (key,) = group_amounts(docs[u]).items()
        if key in keys or wanted[key]:
            return False
        keys.add(key)
        return True

    plant["REP posted without its UUID"] = pick(rep_list, pairs_alone)
    sets = {k: set(v) for k, v in plant.items()}

    rows: list[tuple[str, str, str, str, str, int, int]] = []
    seq = Counter()

    def entry(kind: str) -> str:
        seq[kind] += 1
        return f"{kind}-{seq[kind]:06d}"

    def post(day: str, kind: str, account: str, concept: str, ref: str, debit: int, credit: int) -> None:
        rows.append((day, entry(kind), account, concept, ref, debit, credit))

    def account(inv: Inv | None) -> str:
        return AR_USD if inv is not None and inv.cur != "MXN" else AR_MXN

    items = exp.items
    # Invoices
    for u in inv_list:
        inv = invoices[u]
        acct, total = account(inv), inv.mxn(inv.cents)
        what = f"Venta {inv.name} {inv.customer}"
        if not inv.accepted:
            if u in sets["invalid invoice posted"]:
                post(inv.day, "Dr", acct, what, u, total, 0)
                items.append(("gl_without_cfdi", u, -total, None))
            continue
        if inv.pue:
            if u in pue_ar:
                post(inv.day, "Dr", acct, what, u, total, 0)
                if u in sets["PUE collection not posted"]:
                    items.append(("missing_in_gl", u, -total, u))
                else:
                    post(inv.day, "Ig", acct, f"Cobro contado {inv.name}", u, 0, total)
            continue
        day = inv.day
        if u in sets["invoice posted after as-of"]:
            day = _shift(D, rng.randint(1, 10))
            items.append(("period_mismatch", u, total, None))
        elif u in sets["next month's invoice posted by as-of"]:
            day = _shift(D, -rng.randint(0, 3))
            items.append(("period_mismatch", u, -total, None))
        if u in sets["invoice not posted"]:
            items.append(("missing_in_gl", u, total, None))
        elif u in sets["invoice posted for another amount"]:
            delta = rng.choice((-1, 1)) * rng.randint(1, max(1, total // 10))
            post(day, "Dr", acct, what, u, total + delta, 0)
            items.append(("amount_mismatch", u, -delta, None))
        else:
            post(day, "Dr", acct, what, u, total, 0)
            if u in sets["invoice posted twice"]:
                post(day, "Dr", acct, what, u, total, 0)
                items.append(("duplicated_in_gl", u, -total, None))
        if inv.cancel_day:
            if u in sets["cancelled invoice not reversed"]:
                items.append(("cancelled_in_gl", u, -total, None))
            else:
                post(inv.cancel_day, "Dr", acct, f"Cancelación {inv.name}", u, 0, total)
        if u in sets["credit naming an invoice, matching nothing"]:
            paid = {ln.cents for r in inv.reps for ln in docs[r].lines}
            amount = rng.randint(100, max(101, total // 20))
            while amount in paid:
                amount += 1
            post(min(_shift(inv.day, 5), D), "Dr", acct, f"Descuento pronto pago {inv.name}", u, 0, amount)
            items.append(("amount_mismatch", u, amount, None))
    # Credit notes: at the invoice's TipoCambio; reversed with the invoice when it is cancelled
    for d in sorted(notes, key=lambda d: d.uuid):
        inv = invoices.get(d.related[0]) if d.related else None
        amount = inv.mxn(d.cents) if inv is not None else d.cents
        post(d.day, "Eg", account(inv), f"Nota de crédito {d.name}", "{" + d.uuid.lower() + "}", 0, amount)
        if inv is not None and inv.cancel_day:
            post(max(inv.cancel_day, d.day), "Eg", account(inv), f"Cancelación nota {d.name}", d.uuid, amount, 0)
    # REPs: one credit per FechaPago
    for u in rep_list:
        d = docs[u]
        groups = group_amounts(d)
        first = invoices.get(d.lines[0].invoice)
        acct, who = account(first), first.customer if first is not None else ""
        concept = f"Cobro REP {d.name} UUID {u.lower()}"
        if u in sets["REP not posted"]:
            items += [("missing_in_gl", u, -invoices[ln.invoice].mxn(ln.cents), ln.invoice) for ln in d.lines]
            continue
        late = _shift(D, rng.randint(1, 10)) if u in sets["REP posted after as-of"] else None
        if late:
            items += [("period_mismatch", u, -invoices[ln.invoice].mxn(ln.cents), ln.invoice) for ln in d.lines]
        for day, amount in groups.items():
            ref = f"SPEI {seq['Ig'] + 1:08d}"
            if u in sets["REP posted without its UUID"]:
                post(day, "Ig", acct, f"Cobro SPEI {who}", ref, 0, amount)
                exp.matched.append((u, amount))
            elif u in sets["REP posted for another amount"]:
                delta = rng.choice((-1, 1)) * rng.randint(1, max(1, amount // 10))
                post(day, "Ig", acct, concept, ref, 0, amount + delta)
                items.append(("amount_mismatch", u, delta, None))  # a credit: AR - GL grows by what it overstates
            else:
                post(late or day, "Ig", acct, concept, ref, 0, amount)
                if u in sets["REP posted twice"]:
                    post(day, "Ig", acct, concept, ref, 0, amount)
                    items.append(("duplicated_in_gl", u, amount, None))  # the repeated credit
        if d.cancel_day:
            if u in sets["cancelled REP not reversed"]:
                items.append(("cancelled_in_gl", u, sum(a for day, a in groups.items() if by(day, D)), None))
            else:
                post(d.cancel_day, "Ig", acct, f"Cancelación REP {d.name}", u, sum(groups.values()), 0)
        for ln in d.lines:  # unapplied cash: the GL credited it, the ledger has no invoice to apply it to
            if ln.invoice not in invoices and by(ln.day, D) and d.accepted and not by(d.cancel_day, D):
                posted = any(by(day, D) for day in groups)
                items.append(("unapplied_payment", u, unapplied_mxn(ln) if posted else 0, ln.invoice))
    # Lines without a CFDI of the ledger
    for k in range(per_variant):
        amount = rng.randint(1_000, 5_000_000)
        post(_shift(D, -rng.randint(0, 400)), "Dr", AR_MXN, f"Ajuste manual {k + 1} (reclasificación)", "", amount, 0)
        items.append(("gl_without_cfdi", None, -amount, None))
    strangers = set()
    for k in range(per_variant):
        u = _uuid(rng)
        while u in invoices or u in docs or u in strangers:
            u = _uuid(rng)
        strangers.add(u)
        amounts = [rng.randint(1_000, 2_000_000) for _ in range(rng.choice((1, 1, 2)))]
        for a in amounts:
            post(_shift(D, -rng.randint(0, 400)), "Dr", AR_MXN, "Venta (otra razón social)", u, a, 0)
        items.append(("gl_without_cfdi", u, -sum(amounts), None))
    plant["manual line without UUID"] = [""] * per_variant
    plant["UUID not in the ledger"] = sorted(strangers)

    # The MXN rounding on invoices in another currency: the ledger values each balance × TipoCambio; the GL carries
    # Total × TipoCambio less each application × TipoCambio, each rounded. (No plant touches a foreign invoice.)
    for u in inv_list:
        inv = invoices[u]
        if inv.cur == "MXN" or inv.rate is None or ar.status[u] not in ("open", "credit", "paid") or inv.pue:
            continue
        carried = inv.mxn(inv.cents) - sum(a for _, a in ar.applied.get(u, ()))
        residue = ar.balance_mxn.get(u, 0) - carried
        if residue:
            exp.rounding[u] = residue

    ar_rows = len(rows)
    for _ in range(max(0, other)):  # other accounts: the other side of some postings, all to be ignored
        day, _e, _a, concept, ref, debit, credit = rows[rng.randrange(ar_rows)]
        post(day, "Dr", rng.choice(OTHER_ACCOUNTS), concept, ref, credit, debit)
    rows.sort(key=lambda r: (r[0], r[1]))
    exp.lines = len(rows)
    exp.ar_lines = sum(1 for r in rows if r[2].startswith(ACCOUNT + "-") and r[0] <= D)
    exp.ar_lines_after = sum(1 for r in rows if r[2].startswith(ACCOUNT + "-") and r[0] > D)
    exp.other_lines = exp.lines - exp.ar_lines - exp.ar_lines_after
    exp.gl_balance = sum(r[5] - r[6] for r in rows if r[2].startswith(ACCOUNT + "-") and r[0] <= D)
    exp.skipped_rows = [exp.lines + 2]  # the totals row after the data (row 1 is the header)
    exp.planted = {name: len(plant.get(name, ())) for _, name in VARIANTS}
    explained = sum(a for _, _, a, _ in exp.all_items())
    if explained != exp.difference:
        raise SystemExit(f"FAILED: the generator's own numbers do not tie: AR {L._amount_text(exp.ar_balance)} - GL "
                         f"{L._amount_text(exp.gl_balance)} = {L._amount_text(exp.difference)}, "
                         f"items {L._amount_text(explained)}")
    return rows, exp


def write_csv(rows: list[tuple[str, str, str, str, str, int, int]], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(HEADER)
        w.writerows((_dmy(day), e, a, c, r, _money(dr), _money(cr)) for day, e, a, c, r, dr, cr in rows)
        w.writerow(("", "", "", "Total", "", _money(sum(r[5] for r in rows)), _money(sum(r[6] for r in rows))))


def write_xlsx(rows: list[tuple[str, str, str, str, str, int, int]], path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Auxiliar")
    ws.append(list(HEADER))
    for day, e, a, c, r, dr, cr in rows:
        ws.append([dt.datetime.fromisoformat(day), e, a, c, r, dr / 100 if dr else None, cr / 100 if cr else None])
    ws.append([None, None, None, "Total", None, sum(r[5] for r in rows) / 100, sum(r[6] for r in rows) / 100])
    wb.save(path)


# --------------------------------------------------------------------------- running and checking


def _cpu() -> int:
    """The CPU every measured process is pinned to: the last one this process may use."""
    return max(os.sched_getaffinity(0))


# Linux counts in a child's ru_maxrss the memory of the process it was forked (or vforked) from: a command started by
# this script, which holds the GL generator's ~1.6 GB, would report at least that. So each measured command is started
# by this small launcher (~9 MB): it pins itself to the CPU, forks the command, and writes the command's own rusage.
LAUNCHER = """\
import json, os, sys
cpu, report, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
os.sched_setaffinity(0, {cpu})
pid = os.fork()
if pid == 0:
    try:
        os.execv(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
with open(report, "w") as fh:
    json.dump({"rc": os.waitstatus_to_exitcode(status), "maxrss": ru.ru_maxrss * 1024, "cpu": ru.ru_utime + ru.ru_stime}, fh)
"""


def run_measured(cmd: list[str], workdir: Path, stdout: Any = subprocess.DEVNULL) -> tuple[float, int, float, int, bytes]:
    """Run ``cmd`` pinned to one CPU: (wall seconds, peak RSS bytes, CPU seconds, exit code, stderr tail).

    The wall clock is taken here (the launcher's start, ~10 ms, included); the peak RSS and the CPU time are the
    command's own, from wait4 in the launcher (its floor is the launcher's ~9 MB)."""
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile(suffix=".json") as report:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-I", "-S", "-c", LAUNCHER, str(_cpu()), report.name, *cmd], cwd=workdir,
                              env=V._clean_env(), stdout=stdout, stderr=err)
        seconds = time.perf_counter() - t0
        err.seek(0)
        tail = err.read()[-4000:]
        if proc.returncode != 0:
            raise SystemExit(f"FAILED: the launcher exited {proc.returncode}\n{tail.decode(errors='replace')}")
        got = json.loads(Path(report.name).read_text())
    return seconds, got["maxrss"], got["cpu"], got["rc"], tail


def reconcile_args(gl: Path, db: Path, out: Path) -> list[str]:
    return ["reconcile", "--gl", os.fspath(gl), "--account", ACCOUNT, "--as-of", AS_OF.isoformat(), "--db", os.fspath(db),
            "-f", "json", "-o", os.fspath(out)]


def _c(text: Any) -> int:
    return int(Decimal(str(text)).scaleb(2))


def check_result(data: dict[str, Any], exp: Expected, where: Path) -> None:
    """The JSON equals the independent count: balances, each item by kind, UUID and amount, the lines read."""
    problems = []
    for key, want in (("ar_balance", exp.ar_balance), ("gl_balance", exp.gl_balance), ("difference", exp.difference),
                      ("explained", exp.difference), ("unexplained", 0)):
        if _c(data[key]) != want:
            problems.append(f"{key} {data[key]}, expected {L._amount_text(want)}")
    if _c(data["explained"]) + _c(data["unexplained"]) != _c(data["difference"]):
        problems.append("explained + unexplained != difference")
    if data.get("counts") != exp.counts():
        problems.append(f"counts {data.get('counts')}, expected {exp.counts()}")
    got = Counter((i["kind"], i["uuid"], _c(i["amount"]), i.get("invoice")) for i in data["items"])
    want = Counter(exp.all_items())
    if got != want:
        extra, missing = got - want, want - got
        problems.append(f"items differ: {sum(extra.values())} unexpected (e.g. {list(extra)[:3]}), "
                        f"{sum(missing.values())} missing (e.g. {list(missing)[:3]})")
    if any(not i["explains"] for i in data["items"]):
        problems.append("an item does not explain (no ERP was given)")
    if len(exp.rounding) > 1:
        agg = [i for i in data["items"] if i["kind"] == "amount_mismatch" and i["uuid"] is None]
        details = {d["uuid"]: _c(d["amount"]) for d in agg[0].get("details", [])} if len(agg) == 1 else {}
        if details != exp.rounding:
            problems.append(f"the MXN rounding item lists {len(details)} invoices, expected {len(exp.rounding)}")
    matched = Counter((m["uuid"], _c(m["amount"])) for m in data.get("matched_without_uuid", []))
    if matched != Counter(exp.matched):
        problems.append(f"matched_without_uuid: {sum(matched.values())} pairs, expected {len(exp.matched)}")
    gl = data.get("gl", {})
    if (gl.get("lines"), gl.get("lines_after_as_of"), gl.get("skipped_rows")) != (exp.ar_lines, exp.ar_lines_after,
                                                                                    exp.skipped_rows):
        problems.append(f"gl read {gl.get('lines')} lines by as-of, {gl.get('lines_after_as_of')} after, skipped "
                        f"{gl.get('skipped_rows')}; expected {exp.ar_lines}, {exp.ar_lines_after}, {exp.skipped_rows}")
    if problems:
        raise SystemExit("FAILED: the reconciliation differs from the independent count:\n  " + "\n  ".join(problems)
                         + f"\noutput: {where}")


# --------------------------------------------------------------------------- references (each in its own pinned process)

STAGE_NAMES = ("imports", "read_gl", "load_book", "subledger", "reconcile", "json")
READ_CSV = """\
import json, sys, time
import pandas as pd
t0 = time.perf_counter()
frame = pd.read_csv(sys.argv[1], dtype=str)
print(json.dumps({"read_csv": time.perf_counter() - t0, "rows": len(frame)}))
"""

STAGES = """\
import json, sys, time
from datetime import date
t, cpu = {}, {}


def timed(name, f):
    w, c = time.perf_counter(), time.process_time()
    out = f()
    t[name], cpu[name] = time.perf_counter() - w, time.process_time() - c
    return out


def imports():
    from cfdi_ar.close.gl import read_gl
    from cfdi_ar.close.reconcile import reconcile
    from cfdi_ar.close.subledger import subledger
    from cfdi_ar.ledger import open_database
    from cfdi_ar.ledger.book import load_book
    from cfdi_ar.tabular import to_jsonable
    return read_gl, reconcile, subledger, open_database, load_book, to_jsonable


read_gl, reconcile, subledger, open_database, load_book, to_jsonable = timed("imports", imports)
gl_path, db_path, account, as_of = sys.argv[1], sys.argv[2], sys.argv[3], date.fromisoformat(sys.argv[4])
gl = timed("read_gl", lambda: read_gl(gl_path, account=account))
db = open_database(db_path)
book = timed("load_book", lambda: load_book(db))
db.close()
ar = timed("subledger", lambda: subledger(book, as_of))
result = timed("reconcile", lambda: reconcile(ar, gl.lines, account=account))
timed("json", lambda: json.dumps(to_jsonable(result.to_dict()), ensure_ascii=False, indent=1))
t.update(cpu=cpu, lines=len(gl.lines), items=len(result.items), ar_balance=result.ar_balance, gl_balance=result.gl_balance)
print(json.dumps(t))
"""


def _run_child_capture(code: str, args: list[str], workdir: Path) -> tuple[dict[str, Any], int]:
    with tempfile.TemporaryFile() as out:
        _s, rss, _c, rc, err = run_measured([sys.executable, "-c", code, *args], workdir, stdout=out)
        if rc != 0:
            raise SystemExit(f"FAILED: reference exited {rc}\n{err.decode(errors='replace')}")
        out.seek(0)
        return json.loads(out.read().decode().strip().splitlines()[-1]), rss


# --------------------------------------------------------------------------- one size: ledger, GL, timings


@dataclass
class Case:
    label: str
    invoices: int
    gl_lines: int
    fmt: str  # csv | xlsx
    ledger: Any = None
    gl: Path | None = None
    exp: Expected | None = None
    gen_seconds: float = 0.0
    reused_gl: bool = False
    size: int = 0


def prepare(case: Case, base: Path, seed: int, reuse: bool, main_invoices: int) -> None:
    """The ledger (built or reused) and the GL export with its expected result (made or reused)."""
    stem = "" if case.label == "main" else f"{case.label}-"
    shared = case.label != "main" and case.invoices == main_invoices  # the same size: the main case's ledger
    db = base / ("ledger.db" if shared else f"{stem}ledger.db")
    syn = L.reuse_synthetic(db, case.invoices, seed, L.UNPAID) if reuse or shared else None
    if syn is None:
        syn = L.build_synthetic(db, case.invoices, seed, L.UNPAID)
    case.ledger = syn
    case.gl = base / f"{stem}gl.{case.fmt}"
    meta = base / f"{stem}gl.json"
    params = {"invoices": case.invoices, "seed": seed, "gl_lines": case.gl_lines, "as_of": AS_OF.isoformat(),
              "version": GL_VERSION, "ledger_version": L.SYNTHETIC_VERSION, "format": case.fmt}
    if reuse and syn.reused and meta.exists() and case.gl.exists():
        saved = json.loads(meta.read_text())
        if saved.get("params") == params and saved.get("size") == case.gl.stat().st_size:
            case.exp, case.reused_gl, case.size = Expected.from_json(saved["expected"]), True, saved["size"]
            return
    t0 = time.perf_counter()
    invoices, docs = read_ledger(db)
    rows, exp = make_gl(invoices, docs, case.gl_lines, seed)
    del invoices, docs
    (write_xlsx if case.fmt == "xlsx" else write_csv)(rows, case.gl)
    case.gen_seconds = time.perf_counter() - t0
    case.exp, case.size = exp, case.gl.stat().st_size
    meta.write_text(json.dumps({"params": params, "size": case.size, "expected": exp.to_json()}))


def _warm(*paths: Path) -> None:
    """Read the files once so that the OS cache holds them for every timed run alike."""
    for p in paths:
        with open(p, "rb") as fh:
            while fh.read(16 * 1024 * 1024):
                pass


def run_cli(case: Case, base: Path, workdir: Path, r: int) -> tuple[float, int, float]:
    """One timed ``cfdi-ar reconcile`` (wall seconds, peak RSS bytes, CPU seconds); its JSON checked before it counts."""
    assert case.gl is not None and case.exp is not None
    out = base / "out" / f"{case.label}-reconcile-{r}.json"
    out.parent.mkdir(exist_ok=True)
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "cfdi_ar", *reconcile_args(case.gl, case.ledger.path, out)]
    seconds, rss, cpu, rc, err = run_measured(cmd, workdir)
    if rc != 1:  # 1: findings (the GL carries planted differences); 0 would mean nothing was found
        raise SystemExit(f"FAILED: {shlex.join(cmd)} exited {rc} (expected 1: findings)\n{err.decode(errors='replace')}")
    check_result(json.loads(out.read_text(encoding="utf-8")), case.exp, out)
    return seconds, rss, cpu


# --------------------------------------------------------------------------- report


def _gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB"


def _prepare_out(out: Path) -> None:
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SystemExit(f"--out {out}: the folder exists and is not empty (and was not made by this benchmark)")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by cfdi-ar benchmarks/close.py; its contents are replaced on re-runs (the ledgers and "
                              "GL exports are reused when made with the same parameters)\n")


def machine_info() -> list[tuple[str, str]]:
    import numpy
    import pandas

    info = L.machine_info()
    info = [(k, v) for k, v in info if k not in ("lxml", "cryptography", "satcfdi", "openssl")]
    info.insert(2, ("pandas", f"{pandas.__version__}, numpy {numpy.__version__}"))
    info.append(("pinned", f"every measured command to CPU {_cpu()} (sched_setaffinity; other jobs may share it)"))
    return info


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--invoices", type=int, default=None,
                   help=f"synthetic invoices (default {TARGET_INVOICES:,}; --quick 100,000)")
    p.add_argument("--gl-lines", type=int, default=None, help=f"GL lines to write, about (default {TARGET_LINES:,}; "
                   "--quick 100,000). The account's own history sets a floor: fewer PUE sales go through AR, no fewer")
    p.add_argument("--xlsx-invoices", type=int, default=None, help="the secondary figure: a ledger of this many invoices "
                   "and its GL as XLSX (default 100,000; --quick 20,000; 0 skips it)")
    p.add_argument("--quick", action="store_true", help="smoke run: 100,000 invoices and ~100,000 lines, one timing each")
    p.add_argument("--repeat", type=int, default=None, help="time each figure this many times, report the median "
                   "(default 3; 1 with --quick)")
    p.add_argument("--out", type=Path, default=None, help="work in DIR and keep it; ledgers and GL exports found there with "
                   "the same parameters are reused")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("--seed", type=int, default=2026, help="seed of the synthetic ledger and of the GL")
    a = p.parse_args(argv)
    a.invoices = a.invoices if a.invoices is not None else (100_000 if a.quick else TARGET_INVOICES)
    a.gl_lines = a.gl_lines if a.gl_lines is not None else round(TARGET_LINES * a.invoices / TARGET_INVOICES)
    a.xlsx_invoices = a.xlsx_invoices if a.xlsx_invoices is not None else (20_000 if a.quick else 100_000)
    a.repeat = a.repeat or (1 if a.quick else 3)
    if a.invoices < 1000 or a.gl_lines < 1 or a.xlsx_invoices < 0 or a.repeat < 1 or 0 < a.xlsx_invoices < 1000:
        p.error("--invoices >= 1,000, --gl-lines >= 1, --xlsx-invoices 0 or >= 1,000, --repeat >= 1")
    return a


def describe(case: Case) -> None:
    assert case.exp is not None and case.gl is not None
    e, c, syn = case.exp, case.ledger.counts, case.ledger
    made = "reused" if syn.reused else f"built in {syn.seconds:.1f} s"
    print(f"[{case.label}] synthetic ledger: {case.invoices:,} invoices — SYNTHETIC rows inserted directly with SQL into "
          f"a ledger made by the real schema, NOT ingested (benchmarks/ledger.py's build_synthetic); {made}, "
          f"{syn.size / 1e6:,.0f} MB")
    print(f"  {c['pue']:,} PUE + {c['ppd']:,} PPD ({c['usd']:,} USD, {c['invalid']:,} invalid); {c['payment_lines']:,} "
          f"payment lines in {c['reps']:,} REPs; {c['credit_notes']:,} credit notes; {c['cancelled_invoices']:,} cancelled "
          f"invoices, {c['cancelled_reps']:,} cancelled REPs; {c['unknown_lines']:,} lines to unknown invoices")
    made = "reused" if case.reused_gl else f"generated with its expected result in {case.gen_seconds:.1f} s"
    print(f"  GL export {case.gl.name}: {e.lines:,} lines ({e.ar_lines:,} of account {ACCOUNT} by {AS_OF}, "
          f"{e.ar_lines_after:,} after, {e.other_lines:,} of other accounts; {e.pue_through_ar:,} PUE sales through AR, the "
          f"rest to cash) and a totals row; {case.size / 1e6:,.1f} MB; {made}")
    print("  planted: " + ", ".join(f"{n:,} {name}" for name, n in e.planted.items()))
    counts = ", ".join(f"{n:,} {k}" for k, n in sorted(e.counts().items()))
    unapplied = sum(1 for i in e.items if i[0] == "unapplied_payment")
    print(f"  expected (counted independently, centavos): AR {L._amount_text(e.ar_balance)} - GL "
          f"{L._amount_text(e.gl_balance)} = {L._amount_text(e.difference)}; {len(e.all_items()):,} items: {counts}; "
          f"{len(e.matched):,} payments matched without UUID")
    print(f"  not planted, made by the ledger itself: {unapplied:,} unapplied_payment (REP lines naming unknown invoices) "
          f"and one amount_mismatch for the MXN rounding of {len(e.rounding):,} USD invoices")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="cfdi-ar-close-bench-"))
    base = args.out.resolve() if args.out else tmp
    try:
        if args.out:
            _prepare_out(base)
        workdir = tmp / "run"  # the CLI's cwd: no ./cfdi-ar.toml, no repository checkout on sys.path
        workdir.mkdir()
        print("cfdi-ar close benchmark", dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
        for k, v in machine_info():
            print(f"  {k:13} {v}")
        print()
        main_case = Case("main", args.invoices, args.gl_lines, "csv")
        prepare(main_case, base, args.seed, bool(args.out), args.invoices)
        describe(main_case)
        cases = [main_case]
        if args.xlsx_invoices:
            x = Case("xlsx", args.xlsx_invoices, round(args.gl_lines * args.xlsx_invoices / args.invoices), "xlsx")
            prepare(x, base, args.seed, bool(args.out), args.invoices)
            describe(x)
            cases.append(x)
        print()
        assert main_case.exp is not None and main_case.gl is not None
        n = main_case.exp.lines
        _warm(main_case.ledger.path, main_case.gl)
        walls, peaks, cpus = [], [], []
        reads, read_rss, stages, stage_rss, startup = [], [], [], [], []
        for r in range(args.repeat):  # interleaved, so that a noisy moment hits the CLI and the references alike
            seconds, rss, cpu = run_cli(main_case, base, workdir, r)
            walls.append(seconds)
            peaks.append(rss)
            cpus.append(cpu)
            got, rss = _run_child_capture(READ_CSV, [os.fspath(main_case.gl)], workdir)
            if got["rows"] != n + 1:
                raise SystemExit(f"FAILED: read_csv read {got['rows']:,} rows, the file has {n + 1:,}")
            reads.append(got["read_csv"])
            read_rss.append(rss)
            got, rss = _run_child_capture(STAGES, [os.fspath(main_case.gl), os.fspath(main_case.ledger.path), ACCOUNT,
                                                   AS_OF.isoformat()], workdir)
            if (got["ar_balance"], got["gl_balance"], got["items"]) != (main_case.exp.ar_balance, main_case.exp.gl_balance,
                                                                        len(main_case.exp.all_items())):
                raise SystemExit(f"FAILED: the in-process stages gave {got}, not the expected result")
            stages.append(got)
            stage_rss.append(rss)
            seconds, _rss, _cpu_s, rc, err = run_measured([sys.executable, "-m", "cfdi_ar", "reconcile", "--list-presets"],
                                                          workdir)
            if rc != 0:
                raise SystemExit(f"FAILED: reconcile --list-presets exited {rc}: {err.decode(errors='replace')}")
            startup.append(seconds)
        wall, peak = statistics.median(walls), max(peaks)
        print(f"cfdi-ar reconcile ({n:,} lines CSV, {args.invoices:,} invoices): {V._median_text(walls)}; peak RSS "
              f"{_gb(peak)} (max of {', '.join(_gb(p) for p in peaks)}); CPU {V._median_text(cpus)} "
              f"(each JSON checked: balances, {len(main_case.exp.all_items()):,} items by kind, UUID and amount)")
        med = {k: statistics.median(s[k] for s in stages) for k in STAGE_NAMES}
        med_cpu = {k: statistics.median(s["cpu"][k] for s in stages) for k in STAGE_NAMES}
        read = statistics.median(reads)
        print(f"reference: pandas.read_csv(dtype=str) of the same file: {V._median_text(reads)}; "
              f"peak RSS {_gb(max(read_rss))}")
        print(f"in-process stages, wall (median of {args.repeat}): " + ", ".join(f"{k} {v:.2f} s" for k, v in med.items())
              + f"; total {sum(med.values()):.2f} s; peak RSS {_gb(max(stage_rss))}")
        print(f"in-process stages, CPU (median of {args.repeat}): " + ", ".join(f"{k} {v:.2f} s" for k, v in med_cpu.items())
              + f"; total {sum(med_cpu.values()):.2f} s")
        print(f"start-up: cfdi-ar reconcile --list-presets {V._median_text(startup)} (interpreter, click, pandas)")
        up = statistics.median(startup)
        rows = [
            ("cfdi-ar reconcile (CLI, 1 core)", f"{wall:.2f} s", V._ratio(wall / read),
             f"{n:,} lines, incl. start-up; peak {_gb(peak)}; CPU {statistics.median(cpus):.2f} s"),
            *((f"  {label}", f"{med[k]:.2f} s", V._ratio(med[k] / read), f"{note}; CPU {med_cpu[k]:.2f} s")
              for k, label, note in (
                ("read_gl", "read_gl (reader, 1 account kept)", "in process"),
                ("load_book", "load_book (ledger into Python)", "in process"),
                ("subledger", "subledger (AR frames at as-of)", "in process"),
                ("reconcile", "reconcile (match + items)", f"in process, {len(main_case.exp.all_items()):,} items"),
                ("json", "JSON", "to_dict + json.dumps"))),
            ("  start-up (--list-presets)", f"{up:.2f} s", V._ratio(up / read), "interpreter, click, pandas"),
            ("pandas.read_csv(dtype=str) (reference)", f"{read:.2f} s", "1.00x", f"peak {_gb(max(read_rss))}"),
        ]
        commands = ["  " + shlex.join([sys.executable, "-m", "cfdi_ar", *reconcile_args(main_case.gl, main_case.ledger.path,
                                                                                         Path("out-R.json"))])]
        if len(cases) > 1:
            x = cases[1]
            assert x.exp is not None and x.gl is not None
            _warm(x.ledger.path, x.gl)
            xw, xp, xc = [], [], []
            for r in range(args.repeat):
                seconds, rss, cpu = run_cli(x, base, workdir, r)
                xw.append(seconds)
                xp.append(rss)
                xc.append(cpu)
            print(f"cfdi-ar reconcile ({x.exp.lines:,} lines XLSX, {x.invoices:,} invoices): {V._median_text(xw)}; peak RSS "
                  f"{_gb(max(xp))}; CPU {V._median_text(xc)} (each JSON checked likewise)")
            rows.append((f"cfdi-ar reconcile, XLSX ({x.exp.lines:,} lines)", f"{statistics.median(xw):.2f} s", "",
                         f"{x.invoices:,} invoices, incl. start-up; peak {_gb(max(xp))}; CPU {statistics.median(xc):.2f} s"))
            commands.append("  " + shlex.join([sys.executable, "-m", "cfdi_ar", *reconcile_args(x.gl, x.ledger.path,
                                                                                                   Path("out-R.json"))]))
        print()
        w = max(len(r[0]) for r in rows)
        print(f"{'figure':{w}}  {'value':>9}  {'vs read_csv':>11}  note")
        print(f"{'-' * w}  {'-' * 9}  {'-' * 11}  ----")
        for name, value, ratio, note in rows:
            print(f"{name:{w}}  {value:>9}  {ratio:>11}  {note}")
        print()
        ok = wall < TARGET_S and peak < TARGET_BYTES
        cond = "" if n >= TARGET_LINES and args.invoices >= TARGET_INVOICES else \
            f"  [{n:,} lines, {args.invoices:,} invoices: not the target's conditions]"
        verdict = "PASS" if ok else "FAIL"
        print(f"target: reconcile {TARGET_LINES:,} GL lines against {TARGET_INVOICES:,} documents in under {TARGET_S:.0f} s "
              f"and under {TARGET_BYTES / 1e9:.0f} GB on one core: {verdict} ({wall:.2f} s median wall clock with start-up, "
              f"peak RSS {_gb(peak)}, CPU {statistics.median(cpus):.2f} s, pinned to one CPU; SYNTHETIC ledger){cond}")
        print()
        print(f"commands (cwd: a temporary folder, CFDI_AR_* variables removed, pinned to CPU {_cpu()} and started by "
              "benchmarks/close.py's LAUNCHER, which reads their rusage; R = repetition):")
        for line in commands:
            print(line)
        print(f"  {sys.executable} -m cfdi_ar reconcile --list-presets")
        print("  references: python -c '<pandas.read_csv(FILE, dtype=str)>' and python -c '<read_gl, load_book, subledger, "
              "reconcile, json.dumps>' (benchmarks/close.py READ_CSV, STAGES)")
        if args.keep or args.out:
            print(f"kept: {base}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

"""AR subledger vs the GL control account at a date: the difference, and every item that makes it up.

Pure: frames in (:class:`~.subledger.Subledger`, the account's GL lines of
:func:`~.gl.read_gl`, optionally the ERP's open items of :func:`~.erp.read_ar`), a
:class:`Reconciliation` out. Amounts are int64 centavos until the edges.

The numbers, as an accountant ties them by hand
-----------------------------------------------

* **AR balance** = Σ of the MXN balance (at each invoice's TipoCambio) of the
  invoices open (or in credit) at the end of ``as_of``: ``cfdi-ar open-items``.
* **GL balance** = Σ debit − Σ credit of the account's lines dated on or before
  ``as_of``. Lines dated after it are read only to recognise ``period_mismatch``.
* **difference** = AR balance − GL balance.
* Every item has a signed **amount**: what it adds to the difference (positive: the
  ledger carries more than the GL). The seven GL kinds *explain*:
  **explained** = Σ of their amounts. The ERP kinds are *informative*: shown with
  their amounts, never counted (they compare the ERP with the ledger, not the
  ledger with the GL); each item says which it is (``explains``).
* **unexplained** = difference − explained. Every GL line ends up either tied to a
  document of the ledger or in an item, and every document's difference is broken
  down into items, so unexplained is 0 unless a breakdown leaves a remainder it
  cannot name; it is reported so that the tie can be checked.

How GL lines meet documents
---------------------------

A GL line belongs to the CFDI whose UUID its reference or text carries
(:mod:`.gl`). A line naming an invoice counts toward that invoice. A line naming a
REP or a credit note counts toward the invoices it pays or credits, for the
amounts the ledger applied (at the invoice's TipoCambio; an exchange difference is
posted to another account); whatever that REP's lines carry beyond what the ledger
applied is an item of the REP. A payment posted with the invoice's UUID instead of
the REP's is matched by its amount. An invoice ties when its lines (and its
payments' lines) sum to its MXN balance; only the invoices that do not tie are
broken down, so the work follows the exceptions, not the ledger's size.

Kinds (``uuid`` is the document concerned; amounts signed as above)
-------------------------------------------------------------------

``missing_in_gl``
    An invoice in AR with no debit naming it (amount: +its MXN Total), or a REP /
    credit note the ledger applied that no GL line reflects (amount: −what it
    applied); nor is it posted after ``as_of``.
``period_mismatch``
    Posted on the wrong side of ``as_of``: an invoice, REP or credit note of the
    period whose line is dated after ``as_of`` (amount as for missing_in_gl), or a
    line dated by ``as_of`` naming a CFDI dated after it (amount: −the line).
``duplicated_in_gl``
    A debit repeating the invoice's posting, or a REP / credit note posted more than
    once (amount: −the repeated lines).
``amount_mismatch``
    The invoice's debit differs from its MXN Total (amount: Total − debit); a REP or
    credit note posted for another amount than the ledger applied (amount: applied −
    posted); another debit, or a credit naming the invoice that matches no REP or
    credit note of the ledger (amount: −the line); the ledger's MXN rounding on
    invoices in another currency (each balance × TipoCambio against the sum of its
    rounded postings: a centavo or two each; one item, its ``details`` listing the
    invoices when there are several).
``gl_without_cfdi``
    Lines with no CFDI of the ledger behind them: no UUID (one item per line), a
    UUID the ledger does not hold, or a CFDI kept out of AR for its error findings
    (amount: −the lines).
``unapplied_payment``
    A REP line paying an invoice the ledger does not hold (``payments check``:
    unknown_invoice). When the REP is in the GL, the GL has credited AR with that
    cash and the ledger has not (amount: +the line's MXN amount); when it is not,
    the amount is 0 and the item is a reminder.
``cancelled_in_gl``
    A CFDI cancelled by ``as_of`` whose lines in the GL do not net to zero (amount:
    −what the GL still carries).

With the ERP's open items (all informative, ``explains`` false):

``missing_in_erp``
    An invoice open in the ledger with no open item in the ERP (amount: +its MXN balance).
``erp_without_cfdi``
    An ERP open item matching no invoice of the ledger by UUID or Serie+Folio
    (amount: −its MXN amount).
``erp_amount_mismatch``
    The ERP's open amount for an invoice differs from the ledger's, compared in the
    invoice's currency when the ERP gives it, else in MXN (amount: ledger MXN − ERP
    MXN).
``erp_balance_vs_gl``
    The ERP's total of open items differs from the GL balance (amount: ERP − GL).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from .subledger import Subledger

__all__ = ["Reconciliation", "Item", "GLRef", "reconcile", "KINDS", "ERP_KINDS", "money"]

KINDS = ("missing_in_gl", "duplicated_in_gl", "amount_mismatch", "gl_without_cfdi", "unapplied_payment", "cancelled_in_gl",
         "period_mismatch")
ERP_KINDS = ("missing_in_erp", "erp_without_cfdi", "erp_amount_mismatch", "erp_balance_vs_gl")
_ORDER = {k: i for i, k in enumerate(KINDS + ERP_KINDS)}


def money(cents: int) -> Decimal:
    """Centavos as an exact Decimal with two places."""
    return Decimal(int(cents)).scaleb(-2)


def _fmt(cents: int) -> str:
    return f"{money(cents):,.2f}"


@dataclass(frozen=True)
class GLRef:
    """One GL line an item rests on: its row in the export, date, entry, signed amount (debit − credit) and text."""

    row: int
    date: date
    entry: str
    amount: int
    reference: str = ""
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "date": self.date, "entry": self.entry, "amount": money(self.amount),
                "reference": self.reference, "description": self.description}

    def __str__(self) -> str:
        entry = f" {self.entry}" if self.entry else ""
        return f"row {self.row}{entry} {self.date:%Y-%m-%d} {_fmt(self.amount)}"


@dataclass(frozen=True)
class Item:
    """A reconciling item: ``amount`` (centavos) is what it adds to AR − GL; ``explains`` says whether it counts."""

    kind: str
    uuid: str | None
    amount: int
    message: str
    gl_refs: tuple[GLRef, ...] = ()
    erp_rows: tuple[int, ...] = ()
    invoice: str | None = None  # the invoice a REP or credit note item concerns
    details: tuple[tuple[str, int], ...] = ()  # (uuid, centavos) making up an item that sums several documents

    @property
    def explains(self) -> bool:
        return self.kind in KINDS

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "uuid": self.uuid, "amount": money(self.amount), "explains": self.explains,
                               "gl_refs": [r.to_dict() for r in self.gl_refs], "message": self.message}
        if self.invoice is not None:
            out["invoice"] = self.invoice
        if self.details:
            out["details"] = [{"uuid": u, "amount": money(a)} for u, a in self.details]
        if self.kind in ERP_KINDS:
            out["erp_rows"] = list(self.erp_rows)
        return out


@dataclass(frozen=True)
class Reconciliation:
    """The reconciliation at ``as_of``: balances in centavos, and the items."""

    as_of: date
    account: str
    ar_balance: int
    gl_balance: int
    items: tuple[Item, ...]
    erp_balance: int | None = None
    info: dict[str, Any] = field(default_factory=dict)  # where the figures came from (files, layouts, counts)

    @property
    def difference(self) -> int:
        return self.ar_balance - self.gl_balance

    @property
    def explained(self) -> int:
        return sum(i.amount for i in self.items if i.explains)

    @property
    def unexplained(self) -> int:
        return self.difference - self.explained

    @property
    def ties(self) -> bool:
        """Nothing to report: no difference left and no item (the CLI's exit code 0)."""
        return self.unexplained == 0 and not self.items

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in self.items:
            out[i.kind] = out.get(i.kind, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "as_of": self.as_of, "account": self.account, "ar_balance": money(self.ar_balance),
            "gl_balance": money(self.gl_balance), "difference": money(self.difference), "explained": money(self.explained),
            "unexplained": money(self.unexplained)}
        if self.erp_balance is not None:
            out["erp_balance"] = money(self.erp_balance)
        out["counts"] = self.counts()
        out.update(self.info)
        out["items"] = [i.to_dict() for i in self.items]
        return out


# --------------------------------------------------------------------------- the reconciliation


def reconcile(ar: Subledger, lines: pd.DataFrame, *, account: str, erp: pd.DataFrame | None = None,
              info: dict[str, Any] | None = None) -> Reconciliation:
    """Reconcile the subledger with the GL lines of the control account (all dates; those after
    ``ar.as_of`` only tell a late posting from a missing one) and, given, with the ERP's open items."""
    cutoff = np.datetime64(ar.as_of, "ns")
    dated = lines["date"].to_numpy(dtype="datetime64[ns]")
    cur = _with_net(lines[dated <= cutoff])
    later = _with_net(lines[dated > cutoff])
    net = cur["net"].to_numpy(dtype=np.int64)
    gl_balance = int(net.sum())
    inv, docs = ar.invoices, ar.documents
    n_inv, n_doc = len(inv), len(docs)
    # Every GL line, application and document by its integer position in the ledger: sums are then np.add.at
    # over positions, with no label alignment (which sorts a million UUIDs each time).
    keys = pd.Index(inv.index.tolist() + docs.index.tolist(), dtype=object)
    pos = keys.get_indexer(cur["uuid"].to_numpy(dtype=object))
    on_inv = (pos >= 0) & (pos < n_inv)
    on_doc = pos >= n_inv
    items: list[Item] = []

    # The ledger's documents whose lines are in the GL by as_of, and what the ledger applied for each.
    doc_pos = pos[on_doc] - n_inv
    posted_sum = np.zeros(n_doc, dtype=np.int64)
    np.add.at(posted_sum, doc_pos, net[on_doc])
    posted = np.zeros(n_doc, dtype=bool)
    posted[doc_pos] = True
    apps = ar.applications
    app_inv = inv.index.get_indexer(apps["invoice_uuid"].to_numpy(dtype=object))
    app_doc = docs.index.get_indexer(apps["doc_uuid"].to_numpy(dtype=object))
    app_amount = apps["amount_mxn"].to_numpy(dtype=np.int64)
    applied_mask = apps["applied"].to_numpy(dtype=bool) & (app_inv >= 0)
    app_posted = applied_mask & (app_doc >= 0) & posted[np.where(app_doc >= 0, app_doc, 0)]

    # Each invoice: its MXN balance against its own lines and its posted documents' applications.
    gl_inv = np.zeros(n_inv, dtype=np.int64)
    np.add.at(gl_inv, pos[on_inv], net[on_inv])
    np.add.at(gl_inv, app_inv[app_posted], -app_amount[app_posted])
    diff = inv["balance_mxn"].to_numpy(dtype=np.int64) - gl_inv
    off_at = np.flatnonzero(diff)
    if len(off_at):
        off = inv.index[off_at]
        on_off = np.zeros(n_inv, dtype=bool)
        on_off[off_at] = True
        context = _InvoiceContext(ar, off, cur[on_inv & on_off[np.where(on_inv, pos, 0)]], later, apps[applied_mask],
                                  docs.index[posted])
        for uuid, d in zip(off.tolist(), diff[off_at].tolist()):
            items.extend(context.items(str(uuid), int(d)))
        items.extend(_rounding(context.rounding))
        unposted = context.unposted
    else:
        unposted = []

    # Each posted REP or credit note: what its lines carry against what the ledger applied (applied − posted).
    expected_doc = np.zeros(n_doc, dtype=np.int64)
    np.add.at(expected_doc, app_doc[app_posted], app_amount[app_posted])
    lost = ar.unapplied
    lost_doc = docs.index.get_indexer(lost["doc_uuid"].to_numpy(dtype=object))
    lost_posted = (lost_doc >= 0) & posted[np.where(lost_doc >= 0, lost_doc, 0)]
    np.add.at(expected_doc, lost_doc[lost_posted], lost["amount_mxn"].to_numpy(dtype=np.int64)[lost_posted])
    doc_diff = np.where(posted, -expected_doc - posted_sum, 0)
    doc_off = np.flatnonzero(doc_diff)
    doc_lines = cur[on_doc]
    if len(doc_off):
        wanted = docs.index[doc_off]
        lines_of = _refs_by(doc_lines[doc_lines["uuid"].isin(wanted).to_numpy()])
        events = apps[apps["doc_uuid"].isin(wanted).to_numpy()]
        events_of = {k: g for k, g in events.groupby("doc_uuid", sort=False)}
        unapplied_of = set(lost["doc_uuid"])
        for uuid, d in zip(wanted.tolist(), doc_diff[doc_off].tolist()):
            items.append(_document_item(str(uuid), int(d), docs.loc[uuid], lines_of[uuid], events_of.get(uuid),
                                        uuid in unapplied_of, ar.as_of))
    posted_docs = set(docs.index[posted])
    unapplied_refs = _refs_by(doc_lines[doc_lines["uuid"].isin(ar.unapplied["doc_uuid"]).to_numpy()])
    for row in ar.unapplied.itertuples(index=False):
        in_gl = row.doc_uuid in posted_docs
        refs = unapplied_refs.get(row.doc_uuid, ()) if in_gl else ()
        items.append(Item("unapplied_payment", row.doc_uuid, int(row.amount_mxn) if in_gl else 0,
                          f"the REP pays {_fmt(row.amount_mxn)} of invoice {row.invoice_uuid}, which the ledger does not hold: "
                          "unapplied cash" + (", credited in the GL" if in_gl else "; the REP is not in the GL either"),
                          refs, invoice=row.invoice_uuid))
    without = _without_cfdi(cur[~on_inv & ~on_doc], docs, ar)
    matched = _pair_by_amount_and_date(unposted, [i for i in without if i.uuid is None])
    dropped = {id(i) for pair in matched for i in pair[0] + (pair[1],)}
    items = [i for i in items if id(i) not in dropped] + [i for i in without if id(i) not in dropped]
    if erp is not None:
        from .threeway import erp_items

        erp_found = erp_items(ar, erp, gl_balance)
        items.extend(erp_found)
        erp_balance: int | None = int(erp["amount_mxn"].sum())
    else:
        erp_balance = None
    items.sort(key=_sort_key)
    info = dict(info or {})
    if matched:
        info["matched_without_uuid"] = [
            {"uuid": events[0].uuid, "invoices": [e.invoice for e in events], "amount": money(-sum(e.amount for e in events)),
             "gl_ref": line.gl_refs[0].to_dict()} for events, line in matched]
    return Reconciliation(ar.as_of, account, ar.ar_balance, gl_balance, tuple(items), erp_balance, info)


def _pair_by_amount_and_date(unposted: list[tuple[Item, date]], lines: list[Item]) -> list[tuple[tuple[Item, ...], Item]]:
    """GL lines without a UUID that are a payment, credit note or PUE collection the GL lacks: a credit of exactly what
    the document applied (a REP paying several invoices: their sum), dated on its FechaPago (or Fecha), when that
    amount and day pick out one document and one line, no more. Each pair's items (the document missing, the line
    without a CFDI) cancel out; the pair is reported in ``matched_without_uuid`` instead."""
    by_doc: dict[tuple[str | None, date], list[Item]] = {}
    for item, day in unposted:
        by_doc.setdefault((item.uuid, day), []).append(item)
    wanted: dict[tuple[date, int], list[tuple[Item, ...]]] = {}
    for (_, day), events in by_doc.items():
        wanted.setdefault((day, -sum(e.amount for e in events)), []).append(tuple(events))
    have: dict[tuple[date, int], list[Item]] = {}
    for line in lines:
        ref = line.gl_refs[0]
        if ref.amount < 0:
            have.setdefault((ref.date, -ref.amount), []).append(line)
    return [(wanted[k][0], have[k][0]) for k in wanted if len(wanted[k]) == 1 and len(have.get(k, ())) == 1]


def _with_net(lines: pd.DataFrame) -> pd.DataFrame:
    return lines.assign(net=lines["debit"].to_numpy(dtype=np.int64) - lines["credit"].to_numpy(dtype=np.int64))


def _sort_key(item: Item) -> tuple[Any, ...]:
    first = item.gl_refs[0].row if item.gl_refs else (item.erp_rows[0] if item.erp_rows else 0)
    return (_ORDER[item.kind], item.uuid or "~", first, -abs(item.amount))


def _refs_by(frame: pd.DataFrame) -> dict[Any, tuple[GLRef, ...]]:
    """Each UUID's GL lines as GLRefs, in date and row order: one pass over the frame (small frames only: the
    lines of the items)."""
    out: dict[Any, list[GLRef]] = {}
    days = frame["date"].to_numpy(dtype="datetime64[D]").tolist()
    for uuid, row, day, entry, net, reference, description in zip(
            frame["uuid"].tolist(), frame["row"].tolist(), days, frame["entry"].tolist(), frame["net"].tolist(),
            frame["reference"].tolist(), frame["description"].tolist()):
        out.setdefault(uuid, []).append(GLRef(int(row), day, str(entry), int(net), str(reference), str(description)))
    return {k: tuple(sorted(v, key=lambda r: (r.date, r.row))) for k, v in out.items()}


def _name(inv: pd.Series, uuid: str) -> str:
    """How a message names an invoice: its Serie-Folio, or its UUID when it has neither."""
    folio = f"{inv['serie']}-{inv['folio']}".strip("-")
    return f"invoice {folio}" if folio else f"invoice {uuid}"


class _InvoiceContext:
    """What breaking an invoice's difference down needs, grouped once, for the invoices that do not tie only
    (``off``): the rest of the ledger is never looked at one by one."""

    def __init__(self, ar: Subledger, off: pd.Index, off_lines: pd.DataFrame, later: pd.DataFrame, applied: pd.DataFrame,
                 posted_docs: pd.Index) -> None:
        self.ar = ar
        self.rounding: list[tuple[str, int, str]] = []  # (uuid, centavos, name) of foreign-currency invoices
        self.unposted: list[tuple[Item, date]] = []  # payments, credit notes, PUE collections not in the GL, with their date
        self.lines = _refs_by(off_lines)
        unposted = ~applied["doc_uuid"].isin(posted_docs).to_numpy()
        events = applied[applied["invoice_uuid"].isin(off).to_numpy() & unposted]
        events = events.sort_values(["fecha", "doc_uuid"], kind="stable")
        self.events_by_invoice: dict[str, list[tuple[Any, ...]]] = {}
        columns = ("invoice_uuid", "doc_uuid", "kind", "fecha", "amount_mxn")
        for inv, doc, kind, fecha, amount in zip(*(events[c].tolist() for c in columns)):
            self.events_by_invoice.setdefault(inv, []).append((doc, kind, fecha, int(amount)))
        named = off.union(pd.Index(events["doc_uuid"].unique()))
        self.later = _refs_by(later[later["uuid"].isin(named).to_numpy()])
        after = ar.later[ar.later["invoice_uuid"].isin(off).to_numpy()]
        self.after: dict[str, list[tuple[str, int]]] = {}
        for inv, doc, amount in zip(after["invoice_uuid"].tolist(), after["doc_uuid"].tolist(), after["amount_mxn"].tolist()):
            self.after.setdefault(inv, []).append((doc, int(amount)))

    def items(self, uuid: str, d: int) -> list[Item]:
        """Items summing to ``d``: the invoice's MXN balance less what the GL carries for it. (Whatever they cannot
        name, which the walk below never leaves for an invoice in MXN, stays in the reconciliation's unexplained.)"""
        inv = self.ar.invoices.loc[uuid]
        refs = self.lines.get(uuid, ())
        name = _name(inv, uuid)
        status = inv["status"]
        if status == "cancelled":
            return [Item("cancelled_in_gl", uuid, d, f"{name} is cancelled; the GL still carries {_fmt(-d)} for it", refs)]
        if status == "future":
            return [Item("period_mismatch", uuid, d, f"{name} is dated {pd.Timestamp(inv['fecha']):%Y-%m-%d}, after "
                         f"{self.ar.as_of:%Y-%m-%d}, and posted by then ({_fmt(-d)})", refs)]
        if status == "invalid":
            return [Item("gl_without_cfdi", uuid, d, f"{name} has error findings, so the ledger keeps it out of AR "
                         "(ingest --accept-invalid counts it); the GL carries " + _fmt(-d), refs)]
        return self._breakdown(uuid, d, inv, name, refs)

    def _breakdown(self, uuid: str, d: int, inv: pd.Series, name: str, refs: Sequence[GLRef]) -> list[Item]:
        total = int(inv["total_mxn"])
        found: list[Item] = []
        debits = [r for r in refs if r.amount > 0]
        credits = [r for r in refs if r.amount < 0]
        later = self.later.get(uuid, ())
        first: GLRef | None = None
        if not debits:
            late = [r for r in later if r.amount > 0]
            if late:
                found.append(Item("period_mismatch", uuid, total, f"{name} ({_fmt(total)}) is posted on "
                                  f"{late[0].date:%Y-%m-%d}, after {self.ar.as_of:%Y-%m-%d}", (late[0],)))
            else:
                issued = f"{pd.Timestamp(inv['fecha']):%Y-%m-%d}"
                found.append(Item("missing_in_gl", uuid, total, f"{name} ({_fmt(total)} of {issued}) is not in the GL"))
        else:
            first = next((r for r in debits if r.amount == total), debits[0])
            debits.remove(first)
            if first.amount != total:
                found.append(Item("amount_mismatch", uuid, total - first.amount,
                                  f"{name} is posted for {_fmt(first.amount)}; its MXN Total is {_fmt(total)}", (first,)))
        wanted = list(self.events_by_invoice.get(uuid, ()))
        if bool(inv["pue"]):
            wanted.append((uuid, "pue", inv["fecha"], total))
        after = self.after.get(uuid, ())
        for doc, kind, fecha, amount in wanted:
            match = next((c for c in credits if c.amount == -amount), None)
            if match is not None:
                credits.remove(match)
                continue
            what = _event(kind, doc, amount, fecha, name)
            late = list(self.later.get(doc, ())) if doc != uuid else []  # the REP or note is posted after as_of
            late += [r for r in later if r.amount == -amount]  # or a credit naming the invoice, after as_of
            if late:
                found.append(Item("period_mismatch", doc, -amount, f"{what} is posted on {late[0].date:%Y-%m-%d}, after "
                                  f"{self.ar.as_of:%Y-%m-%d}", (late[0],), invoice=uuid))
            else:
                found.append(Item("missing_in_gl", doc, -amount, f"{what} is not in the GL", invoice=uuid))
                if not pd.isna(fecha):
                    self.unposted.append((found[-1], pd.Timestamp(fecha).date()))
        for extra in list(debits):  # posted and reversed: a debit and a credit of the same amount cancel out
            reversal = next((c for c in credits if c.amount == -extra.amount), None)
            if reversal is not None:
                debits.remove(extra)
                credits.remove(reversal)
        for extra in debits:
            if first is not None and extra.amount == first.amount:
                found.append(Item("duplicated_in_gl", uuid, -extra.amount, f"{name} is posted again ({_fmt(extra.amount)}; "
                                  f"first at row {first.row})", (extra,)))
            else:
                found.append(Item("amount_mismatch", uuid, -extra.amount, f"another debit of {_fmt(extra.amount)} names {name}",
                                  (extra,)))
        for credit in credits:
            early = next((doc for doc, amount in after if amount == -credit.amount), None)
            if early is not None:
                doc = early
                found.append(Item("period_mismatch", doc, -credit.amount, f"a credit of {_fmt(-credit.amount)} naming {name} "
                                  f"is posted by {self.ar.as_of:%Y-%m-%d}; the ledger's {doc} is dated after it", (credit,),
                                  invoice=uuid))
            else:
                found.append(Item("amount_mismatch", uuid, -credit.amount, f"a credit of {_fmt(-credit.amount)} names {name} "
                                  "and matches no REP or credit note of the ledger by then", (credit,)))
        rest = d - sum(i.amount for i in found)
        if rest and inv["currency"] != "MXN":
            self.rounding.append((uuid, rest, f"{name} ({inv['currency']})"))
        return found


def _rounding(found: list[tuple[str, int, str]]) -> list[Item]:
    """The ledger's MXN rounding on invoices in another currency: its balance × TipoCambio against the sum of its rounded
    MXN postings (a centavo or two each). One item, listing the invoices when there are several."""
    if not found:
        return []
    why = "the ledger values the balance × TipoCambio; the GL carries the sum of its rounded MXN postings"
    if len(found) == 1:
        uuid, amount, name = found[0]
        return [Item("amount_mismatch", uuid, amount, f"MXN rounding on {name}: {why} ({_fmt(amount)})")]
    total = sum(amount for _, amount, _ in found)
    return [Item("amount_mismatch", None, total, f"MXN rounding on {len(found)} invoices in another currency: {why} "
                 f"({_fmt(total)} in all; each in details)", details=tuple((u, a) for u, a, _ in sorted(found)))]


def _event(kind: str, doc: str, amount: int, fecha: Any, name: str) -> str:
    when = f" on {pd.Timestamp(fecha):%Y-%m-%d}" if not pd.isna(fecha) else ""
    if kind == "pue":
        return f"{name} is PUE (paid at issue for SAT): its collection of {_fmt(amount)}"
    if kind == "payment":
        return f"the REP paying {_fmt(amount)} of {name}{when}"
    return f"the credit note of {_fmt(amount)} on {name}{when}"


def _document_item(uuid: str, d: int, doc: pd.Series, refs: tuple[GLRef, ...], events: pd.DataFrame | None,
                   pays_unknown: bool, as_of: date) -> Item:
    """The item of a REP or credit note whose lines carry another amount than the ledger applied (d = applied − posted)."""
    what = "REP" if doc["kind"] == "payment" else "credit note"
    posted = sum(r.amount for r in refs)
    expected = posted + d
    if bool(doc["cancelled"]):
        return Item("cancelled_in_gl", uuid, d, f"the {what} is cancelled; the GL still carries {_fmt(posted)} for it", refs)
    if not bool(doc["accepted"]):
        return Item("gl_without_cfdi", uuid, d, f"the {what} has error findings, so the ledger does not apply it; the GL "
                    f"carries {_fmt(posted)}", refs)
    if events is None and not pays_unknown:  # nothing of it is dated by as_of
        fecha = doc["fecha"]
        when = f"dated {pd.Timestamp(fecha):%Y-%m-%d}, " if not pd.isna(fecha) else ""
        return Item("period_mismatch", uuid, d, f"the {what} is {when}after {as_of:%Y-%m-%d}, and posted by then "
                    f"({_fmt(posted)})", refs)
    if expected != 0 and len(refs) >= 2 and all(r.amount == expected for r in refs) and d == -(len(refs) - 1) * expected:
        return Item("duplicated_in_gl", uuid, d, f"the {what} is posted {len(refs)} times ({_fmt(expected)} each)", refs)
    skipped = events[~events["applied"].to_numpy(dtype=bool)] if events is not None else None
    unapplied = f"; it is not applied to {', '.join(dict.fromkeys(skipped['invoice_uuid']))} (payments check says why)" \
        if skipped is not None and len(skipped) else ""
    return Item("amount_mismatch", uuid, d, f"the {what} is posted for {_fmt(posted)}; the ledger applies "
                f"{_fmt(expected)}{unapplied}", refs)


def _without_cfdi(lines: pd.DataFrame, docs: pd.DataFrame, ar: Subledger) -> list[Item]:
    """Lines naming no document of the ledger: one item per UUID, one per line without a UUID."""
    out: list[Item] = []
    named = _refs_by(lines[lines["uuid"].notna().to_numpy()])
    for uuid in sorted(named):
        refs = named[uuid]
        carried = sum(r.amount for r in refs)
        if carried == 0:
            continue  # posted and reversed: nothing in the balance
        out.append(Item("gl_without_cfdi", str(uuid), -carried, f"UUID {uuid} is not an invoice, REP or credit note of ours "
                        f"in the ledger; the GL carries {_fmt(carried)} for it", refs))
    unnamed = lines[lines["uuid"].isna().to_numpy()]
    for ref in _refs_by(unnamed.assign(uuid=0)).get(0, ()):
        if ref.amount == 0:
            continue
        shown = f" ({ref.description[:60]})" if ref.description else ""
        out.append(Item("gl_without_cfdi", None, -ref.amount, f"no CFDI UUID in the line{shown}", (ref,)))
    return out

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

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from .breakdown import InvoiceBreakdown, document_item, pair_by_amount_and_date, refs_by, rounding, without_cfdi
from .items import ERP_KINDS, KINDS, ORDER, GLRef, Item, fmt, money
from .subledger import Subledger
from .threeway import erp_items

__all__ = ["Reconciliation", "Item", "GLRef", "reconcile", "KINDS", "ERP_KINDS", "money"]


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
        context = InvoiceBreakdown(ar, off, cur[on_inv & on_off[np.where(on_inv, pos, 0)]], later, apps[applied_mask],
                                  docs.index[posted])
        for uuid, d in zip(off.tolist(), diff[off_at].tolist()):
            items.extend(context.items(str(uuid), int(d)))
        items.extend(rounding(context.rounding))
        unposted = context.unposted
    else:
        unposted = []

    doc_lines = cur[on_doc]
    items += _document_items(ar, doc_lines, apps, app_doc, app_amount, app_posted, posted, posted_sum)
    items += _unapplied_items(ar, doc_lines, set(docs.index[posted]))
    without = without_cfdi(cur[~on_inv & ~on_doc])
    matched = pair_by_amount_and_date(unposted, [i for i in without if i.uuid is None])
    dropped = {id(i) for pair in matched for i in pair[0] + (pair[1],)}
    items = [i for i in items if id(i) not in dropped] + [i for i in without if id(i) not in dropped]
    if erp is not None:
        items.extend(erp_items(ar, erp, gl_balance))
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


def _document_items(ar: Subledger, doc_lines: pd.DataFrame, apps: pd.DataFrame, app_doc: np.ndarray, app_amount: np.ndarray,
                    app_posted: np.ndarray, posted: np.ndarray, posted_sum: np.ndarray) -> list[Item]:
    """Each REP or credit note with lines in the GL: what they carry against what the ledger applied for it (its
    applications, and its payments of invoices the ledger lacks); an item for each that does not tie."""
    docs, lost = ar.documents, ar.unapplied
    expected = np.zeros(len(docs), dtype=np.int64)
    np.add.at(expected, app_doc[app_posted], app_amount[app_posted])
    lost_doc = docs.index.get_indexer(lost["doc_uuid"].to_numpy(dtype=object))
    lost_posted = (lost_doc >= 0) & posted[np.where(lost_doc >= 0, lost_doc, 0)]
    np.add.at(expected, lost_doc[lost_posted], lost["amount_mxn"].to_numpy(dtype=np.int64)[lost_posted])
    diff = np.where(posted, -expected - posted_sum, 0)  # applied − posted, signed as AR − GL
    off = np.flatnonzero(diff)
    if not len(off):
        return []
    wanted = docs.index[off]
    lines_of = refs_by(doc_lines[doc_lines["uuid"].isin(wanted).to_numpy()])
    events = apps[apps["doc_uuid"].isin(wanted).to_numpy()]
    events_of = {k: g for k, g in events.groupby("doc_uuid", sort=False)}
    pays_unknown = set(lost["doc_uuid"])
    return [document_item(str(uuid), int(d), docs.loc[uuid], lines_of[uuid], events_of.get(uuid), uuid in pays_unknown,
                          ar.as_of) for uuid, d in zip(wanted.tolist(), diff[off].tolist())]


def _unapplied_items(ar: Subledger, doc_lines: pd.DataFrame, posted_docs: set[Any]) -> list[Item]:
    """Each REP line paying an invoice the ledger lacks: the cash the GL credited and the ledger did not apply."""
    refs = refs_by(doc_lines[doc_lines["uuid"].isin(ar.unapplied["doc_uuid"]).to_numpy()])
    out = []
    for row in ar.unapplied.itertuples(index=False):
        in_gl = row.doc_uuid in posted_docs
        out.append(Item("unapplied_payment", row.doc_uuid, int(row.amount_mxn) if in_gl else 0,
                        f"the REP pays {fmt(row.amount_mxn)} of invoice {row.invoice_uuid}, which the ledger does not hold: "
                        "unapplied cash" + (", credited in the GL" if in_gl else "; the REP is not in the GL either"),
                        refs.get(row.doc_uuid, ()) if in_gl else (), invoice=row.invoice_uuid))
    return out


def _with_net(lines: pd.DataFrame) -> pd.DataFrame:
    return lines.assign(net=lines["debit"].to_numpy(dtype=np.int64) - lines["credit"].to_numpy(dtype=np.int64))


def _sort_key(item: Item) -> tuple[Any, ...]:
    first = item.gl_refs[0].row if item.gl_refs else (item.erp_rows[0] if item.erp_rows else 0)
    return (ORDER[item.kind], item.uuid or "~", first, -abs(item.amount))

"""What makes up one document's difference between the ledger and the GL: its items. Pure.

:mod:`.reconcile` finds, column-wise, the invoices and the REPs or credit notes whose GL
lines do not tie with the ledger; the functions here break each of those down into
:class:`~.items.Item` objects whose amounts add up to its difference, one document at a
time: the work follows the exceptions, never the ledger's size. Lines naming no document
of the ledger (:func:`without_cfdi`) and payments posted without any UUID
(:func:`pair_by_amount_and_date`) are here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from .items import GLRef, Item, fmt
from .items import name as invoice_name
from .subledger import Subledger

__all__ = ["InvoiceBreakdown", "refs_by", "rounding", "document_item", "without_cfdi", "pair_by_amount_and_date"]


def refs_by(frame: pd.DataFrame) -> dict[Any, tuple[GLRef, ...]]:
    """Each UUID's GL lines as GLRefs, in date and row order: one pass over the frame (small frames only: the
    lines of the items)."""
    out: dict[Any, list[GLRef]] = {}
    days = frame["date"].to_numpy(dtype="datetime64[D]").tolist()
    for uuid, row, day, entry, net, reference, description in zip(
            frame["uuid"].tolist(), frame["row"].tolist(), days, frame["entry"].tolist(), frame["net"].tolist(),
            frame["reference"].tolist(), frame["description"].tolist()):
        out.setdefault(uuid, []).append(GLRef(int(row), day, str(entry), int(net), str(reference), str(description)))
    return {k: tuple(sorted(v, key=lambda r: (r.date, r.row))) for k, v in out.items()}

class InvoiceBreakdown:
    """What breaking an invoice's difference down needs, grouped once, for the invoices that do not tie only
    (``off``): the rest of the ledger is never looked at one by one."""

    def __init__(self, ar: Subledger, off: pd.Index, off_lines: pd.DataFrame, later: pd.DataFrame, applied: pd.DataFrame,
                 posted_docs: pd.Index) -> None:
        self.ar = ar
        self.rounding: list[tuple[str, int, str]] = []  # (uuid, centavos, name) of foreign-currency invoices
        self.unposted: list[tuple[Item, date]] = []  # payments, credit notes, PUE collections not in the GL, with their date
        self.lines = refs_by(off_lines)
        unposted = ~applied["doc_uuid"].isin(posted_docs).to_numpy()
        events = applied[applied["invoice_uuid"].isin(off).to_numpy() & unposted]
        events = events.sort_values(["fecha", "doc_uuid"], kind="stable")
        self.events_by_invoice: dict[str, list[tuple[Any, ...]]] = {}
        columns = ("invoice_uuid", "doc_uuid", "kind", "fecha", "amount_mxn")
        for inv, doc, kind, fecha, amount in zip(*(events[c].tolist() for c in columns)):
            self.events_by_invoice.setdefault(inv, []).append((doc, kind, fecha, int(amount)))
        named = off.union(pd.Index(events["doc_uuid"].unique()))
        self.later = refs_by(later[later["uuid"].isin(named).to_numpy()])
        after = ar.later[ar.later["invoice_uuid"].isin(off).to_numpy()]
        self.after: dict[str, list[tuple[str, int]]] = {}
        for inv, doc, amount in zip(after["invoice_uuid"].tolist(), after["doc_uuid"].tolist(), after["amount_mxn"].tolist()):
            self.after.setdefault(inv, []).append((doc, int(amount)))

    def items(self, uuid: str, d: int) -> list[Item]:
        """Items summing to ``d``: the invoice's MXN balance less what the GL carries for it. (Whatever they cannot
        name, which the walk below never leaves for an invoice in MXN, stays in the reconciliation's unexplained.)"""
        inv = self.ar.invoices.loc[uuid]
        refs = self.lines.get(uuid, ())
        name = invoice_name(inv, uuid)
        status = inv["status"]
        if status == "cancelled":
            return [Item("cancelled_in_gl", uuid, d, f"{name} is cancelled; the GL still carries {fmt(-d)} for it", refs)]
        if status == "future":
            return [Item("period_mismatch", uuid, d, f"{name} is dated {pd.Timestamp(inv['fecha']):%Y-%m-%d}, after "
                         f"{self.ar.as_of:%Y-%m-%d}, and posted by then ({fmt(-d)})", refs)]
        if status == "invalid":
            return [Item("gl_without_cfdi", uuid, d, f"{name} has error findings, so the ledger keeps it out of AR "
                         "(ingest --accept-invalid counts it); the GL carries " + fmt(-d), refs)]
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
                found.append(Item("period_mismatch", uuid, total, f"{name} ({fmt(total)}) is posted on "
                                  f"{late[0].date:%Y-%m-%d}, after {self.ar.as_of:%Y-%m-%d}", (late[0],)))
            else:
                issued = f"{pd.Timestamp(inv['fecha']):%Y-%m-%d}"
                found.append(Item("missing_in_gl", uuid, total, f"{name} ({fmt(total)} of {issued}) is not in the GL"))
        else:
            first = next((r for r in debits if r.amount == total), debits[0])
            debits.remove(first)
            if first.amount != total:
                found.append(Item("amount_mismatch", uuid, total - first.amount,
                                  f"{name} is posted for {fmt(first.amount)}; its MXN Total is {fmt(total)}", (first,)))
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
                found.append(Item("duplicated_in_gl", uuid, -extra.amount, f"{name} is posted again ({fmt(extra.amount)}; "
                                  f"first at row {first.row})", (extra,)))
            else:
                found.append(Item("amount_mismatch", uuid, -extra.amount, f"another debit of {fmt(extra.amount)} names {name}",
                                  (extra,)))
        for credit in credits:
            early = next((doc for doc, amount in after if amount == -credit.amount), None)
            if early is not None:
                doc = early
                found.append(Item("period_mismatch", doc, -credit.amount, f"a credit of {fmt(-credit.amount)} naming {name} "
                                  f"is posted by {self.ar.as_of:%Y-%m-%d}; the ledger's {doc} is dated after it", (credit,),
                                  invoice=uuid))
            else:
                found.append(Item("amount_mismatch", uuid, -credit.amount, f"a credit of {fmt(-credit.amount)} names {name} "
                                  "and matches no REP or credit note of the ledger by then", (credit,)))
        rest = d - sum(i.amount for i in found)
        if rest and inv["currency"] != "MXN":
            self.rounding.append((uuid, rest, f"{name} ({inv['currency']})"))
        return found

def rounding(found: list[tuple[str, int, str]]) -> list[Item]:
    """The ledger's MXN rounding on invoices in another currency: its balance × TipoCambio against the sum of its rounded
    MXN postings (a centavo or two each). One item, listing the invoices when there are several."""
    if not found:
        return []
    why = "the ledger values the balance × TipoCambio; the GL carries the sum of its rounded MXN postings"
    if len(found) == 1:
        uuid, amount, name = found[0]
        return [Item("amount_mismatch", uuid, amount, f"MXN rounding on {name}: {why} ({fmt(amount)})")]
    total = sum(amount for _, amount, _ in found)
    return [Item("amount_mismatch", None, total, f"MXN rounding on {len(found)} invoices in another currency: {why} "
                 f"({fmt(total)} in all; each in details)", details=tuple((u, a) for u, a, _ in sorted(found)))]

def _event(kind: str, doc: str, amount: int, fecha: Any, name: str) -> str:
    when = f" on {pd.Timestamp(fecha):%Y-%m-%d}" if not pd.isna(fecha) else ""
    if kind == "pue":
        return f"{name} is PUE (paid at issue for SAT): its collection of {fmt(amount)}"
    if kind == "payment":
        return f"the REP paying {fmt(amount)} of {name}{when}"
    return f"the credit note of {fmt(amount)} on {name}{when}"

def document_item(uuid: str, d: int, doc: pd.Series, refs: tuple[GLRef, ...], events: pd.DataFrame | None,
                   pays_unknown: bool, as_of: date) -> Item:
    """The item of a REP or credit note whose lines carry another amount than the ledger applied (d = applied − posted)."""
    what = "REP" if doc["kind"] == "payment" else "credit note"
    posted = sum(r.amount for r in refs)
    expected = posted + d
    if bool(doc["cancelled"]):
        return Item("cancelled_in_gl", uuid, d, f"the {what} is cancelled; the GL still carries {fmt(posted)} for it", refs)
    if not bool(doc["accepted"]):
        return Item("gl_without_cfdi", uuid, d, f"the {what} has error findings, so the ledger does not apply it; the GL "
                    f"carries {fmt(posted)}", refs)
    if events is None and not pays_unknown:  # nothing it applies is dated by as_of, or on an invoice issued by then
        fecha = doc["fecha"]
        if not pd.isna(fecha) and pd.Timestamp(fecha).date() <= as_of:
            why = f"applies only to invoices issued after {as_of:%Y-%m-%d}"
        else:
            why = (f"is dated {pd.Timestamp(fecha):%Y-%m-%d}, after {as_of:%Y-%m-%d}" if not pd.isna(fecha)
                   else f"is not dated by {as_of:%Y-%m-%d}")
        return Item("period_mismatch", uuid, d, f"the {what} {why}, and is posted by then ({fmt(posted)})", refs)
    if expected != 0 and len(refs) >= 2 and all(r.amount == expected for r in refs) and d == -(len(refs) - 1) * expected:
        return Item("duplicated_in_gl", uuid, d, f"the {what} is posted {len(refs)} times ({fmt(expected)} each)", refs)
    skipped = events[~events["applied"].to_numpy(dtype=bool)] if events is not None else None
    unapplied = f"; it is not applied to {', '.join(dict.fromkeys(skipped['invoice_uuid']))} (payments check says why)" \
        if skipped is not None and len(skipped) else ""
    return Item("amount_mismatch", uuid, d, f"the {what} is posted for {fmt(posted)}; the ledger applies "
                f"{fmt(expected)}{unapplied}", refs)

def without_cfdi(lines: pd.DataFrame) -> list[Item]:
    """Lines naming no document of the ledger: one item per UUID, one per line without a UUID."""
    out: list[Item] = []
    named = refs_by(lines[lines["uuid"].notna().to_numpy()])
    for uuid in sorted(named):
        refs = named[uuid]
        carried = sum(r.amount for r in refs)
        if carried == 0:
            continue  # posted and reversed: nothing in the balance
        out.append(Item("gl_without_cfdi", str(uuid), -carried, f"UUID {uuid} is not an invoice, REP or credit note of ours "
                        f"in the ledger; the GL carries {fmt(carried)} for it", refs))
    unnamed = lines[lines["uuid"].isna().to_numpy()]
    for ref in refs_by(unnamed.assign(uuid=0)).get(0, ()):
        if ref.amount == 0:
            continue
        shown = f" ({ref.description[:60]})" if ref.description else ""
        out.append(Item("gl_without_cfdi", None, -ref.amount, f"no CFDI UUID in the line{shown}", (ref,)))
    return out

def pair_by_amount_and_date(unposted: list[tuple[Item, date]], lines: list[Item]) -> list[tuple[tuple[Item, ...], Item]]:
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

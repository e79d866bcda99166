"""The third way of the close: the ERP's AR open items against the ledger's, and against the GL.

Pure. Each ERP open item is matched to an invoice of the ledger by the CFDI UUID
it carries (its UUID column, reference, document or text); failing that, by
Serie+Folio ("F-1001", "F1001", "F 1001" are the same), or by Folio alone when
only one invoice of the ledger has it. An ERP that lists an invoice and a partial
payment on it as two open items is compared by their sum. The items made here
(``missing_in_erp``, ``erp_without_cfdi``, ``erp_amount_mismatch``,
``erp_balance_vs_gl``) are informative: they never count in ``explained``
(reconcile's docstring defines each).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from .items import Item, fmt, money
from .items import name as _name
from .subledger import Subledger

__all__ = ["erp_items", "match_erp"]


_NOT_KEY = re.compile(r"[^0-9A-Z]")


def _key(values: Iterable[Any]) -> list[str]:
    """A folio as compared: upper case, letters and digits only ("F-1001", "f 1001", "F1001" are the same)."""
    return [_NOT_KEY.sub("", str(v).upper()) if v is not None else "" for v in values]


def match_erp(ar: Subledger, erp: pd.DataFrame) -> pd.Series:
    """The ledger invoice (UUID) each ERP open item is, or None (aligned with ``erp``'s rows)."""
    inv = ar.invoices
    matched = erp["uuid"].where(erp["uuid"].isin(inv.index), None).astype(object)
    todo = matched.isna().to_numpy().copy()
    if todo.any() and len(inv):
        folios = inv["folio"].tolist()
        full = _key(f"{a}{b}" for a, b in zip(inv["serie"].tolist(), folios))
        uuids = inv.index.to_numpy(dtype=object)
        by_full = pd.Series(uuids, index=pd.Index(full, dtype=object))
        by_full = by_full[~by_full.index.duplicated(keep=False) & (by_full.index != "")]
        by_folio = pd.Series(uuids, index=pd.Index(_key(folios), dtype=object))
        by_folio = by_folio[~by_folio.index.duplicated(keep=False) & (by_folio.index != "")]
        for column in ("document", "reference"):
            keys = pd.Series(_key(erp[column].tolist()), index=erp.index, dtype=object)
            for table in (by_full, by_folio):
                hit = keys.map(table)
                fill = todo & hit.notna().to_numpy()
                matched[fill] = hit[fill]
                todo &= ~fill
    return matched.where(matched.notna(), None)


def erp_items(ar: Subledger, erp: pd.DataFrame, gl_balance: int) -> list[Item]:
    """The ERP's open items against the ledger's open invoices, and the ERP's total against the GL balance.

    Sums and comparisons are column-wise; items are made only for what differs."""
    inv = ar.invoices
    out: list[Item] = []
    mine = erp.assign(invoice=match_erp(ar, erp).to_numpy())
    matched = mine["invoice"].notna().to_numpy()
    docs = ar.documents
    for r in mine[~matched].itertuples(index=False):
        label = r.uuid or r.document or r.reference
        also = ""
        if r.uuid is not None and r.uuid in docs.index:
            also = f" ({'a REP' if docs.loc[r.uuid, 'kind'] == 'payment' else 'a credit note'} of the ledger, open in the ERP)"
        out.append(Item("erp_without_cfdi", r.uuid, -int(r.amount_mxn), f"the ERP's open item {label} ({fmt(r.amount_mxn)} MXN)"
                        f" matches no invoice of the ledger{also}", erp_rows=(int(r.row),)))
    found = mine[matched]
    sums = found.groupby("invoice", sort=True).agg(erp_mxn=("amount_mxn", "sum"), erp_amount=("amount", "sum"),
                                                   known=("amount_known", "all"), currencies=("currency", "nunique"),
                                                   erp_currency=("currency", "first"))
    counted = inv["status"].isin(("open", "credit")).to_numpy()
    for uuid in inv.index[counted].difference(sums.index).sort_values():
        row = inv.loc[uuid]
        out.append(Item("missing_in_erp", str(uuid), int(row["balance_mxn"]), f"{_name(row, str(uuid))} is open in the ledger "
                        f"({fmt(row['balance_mxn'])} MXN) and not in the ERP's open items"))
    ours = inv.loc[sums.index, ["currency", "status", "balance", "balance_mxn"]]
    in_doc = ((ours["currency"] != "MXN") & sums["known"] & (sums["currencies"] == 1)
              & (sums["erp_currency"] == ours["currency"])).to_numpy()
    mxn_off = (ours["balance_mxn"] != sums["erp_mxn"]).to_numpy()
    doc_off = np.zeros(len(sums), dtype=bool)
    for i in np.flatnonzero(in_doc):  # the few foreign invoices: their balance in their own currency
        balance = ours["balance"].iloc[i] if ours["status"].iloc[i] in ("open", "credit") else Decimal(0)
        doc_off[i] = balance != money(int(sums["erp_amount"].iloc[i]))
    off = np.where(in_doc, doc_off, mxn_off)
    if off.any():
        rows_of = found[found["invoice"].isin(sums.index[off]).to_numpy()].groupby("invoice")["row"].apply(tuple)
        for i in np.flatnonzero(off):
            uuid = str(sums.index[i])
            row = inv.loc[uuid]
            ledger_mxn, theirs = int(row["balance_mxn"]), int(sums["erp_mxn"].iloc[i])
            if in_doc[i]:
                balance = row["balance"] if row["status"] in ("open", "credit") else Decimal(0)
                detail = f"{money(int(sums['erp_amount'].iloc[i]))} {row['currency']} in the ERP, {balance} {row['currency']} " \
                    "in the ledger"
            else:
                detail = f"{fmt(theirs)} MXN in the ERP, {fmt(ledger_mxn)} MXN in the ledger"
            status = "" if row["status"] in ("open", "credit") else f" (the ledger has it {row['status']})"
            out.append(Item("erp_amount_mismatch", uuid, ledger_mxn - theirs, f"{_name(row, uuid)}: {detail}{status}",
                            erp_rows=tuple(int(x) for x in rows_of[uuid])))
    total = int(np.asarray(erp["amount_mxn"], dtype=np.int64).sum())
    if total != gl_balance:
        out.append(Item("erp_balance_vs_gl", None, total - gl_balance, f"the ERP's open items add up to {fmt(total)} MXN; "
                        f"the GL balance is {fmt(gl_balance)}"))
    return out

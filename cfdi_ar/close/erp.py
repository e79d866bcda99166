"""The ERP's accounts-receivable open items (CSV or XLSX) → one row per open item, typed and exact.

Presets: SAP FBL5N, Odoo receivables, CONTPAQi Comercial, Aspel SAE, and generic
Spanish and English layouts; any other through a mapping file (docs/close-gl.md).
:func:`read_ar` returns an :class:`ARExport` whose ``items`` DataFrame has:

=================  ===============  ==================================================
column             dtype            what
=================  ===============  ==================================================
``row``            int64            the row as a spreadsheet shows it
``customer``       str              the ERP's customer key ("" when absent)
``customer_rfc``   str              upper-case ("" when absent)
``customer_name``  str              ("" when absent)
``document``       str              the ERP's document / folio ("" when absent)
``reference``      str              ("" when absent)
``uuid``           object           the first CFDI UUID in the uuid column, the
                                    reference, the document, the description or the
                                    search columns; upper-case; None
``posting_date``   datetime64[ns]   NaT when absent
``due_date``       datetime64[ns]   NaT when absent
``currency``       str              ISO code: "MXN" when absent; "MN", "M.N.",
                                    "PESOS" are MXN, "DLS", "US$", "DOLARES" USD
``amount``         int64            the open amount in ``currency``, centavos, signed
``amount_known``   bool             False when the export has no document-currency
                                    amount for a row not in MXN (amount is then 0)
``amount_mxn``     int64            the open amount in MXN, centavos, signed
=================  ===============  ==================================================

Without an MXN column, an MXN row's amount is its MXN amount; a row in another
currency needs the exchange_rate column (MXN = amount × rate, rounded half up to the
centavo), else it is an error naming the row.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from .cells import GLFormatError, find_uuids, parse_dates, parse_money, text
from .exports import CHUNK_ROWS, DEFAULT_MAX_MB, Layout, Table, open_table

__all__ = ["ARExport", "read_ar", "ITEM_COLUMNS"]

ITEM_COLUMNS = ("row", "customer", "customer_rfc", "customer_name", "document", "reference", "uuid", "posting_date", "due_date",
                "currency", "amount", "amount_known", "amount_mxn")
_CURRENCY = {"MN": "MXN", "M.N.": "MXN", "M N": "MXN", "MXP": "MXN", "PESOS": "MXN", "PESO": "MXN", "PESO MEXICANO": "MXN",
             "PESOS MEXICANOS": "MXN", "DLS": "USD", "DLLS": "USD", "US$": "USD", "DOLARES": "USD", "DÓLARES": "USD",
             "DOLAR": "USD", "DÓLAR": "USD", "DOLARES AMERICANOS": "USD", "EUROS": "EUR", "EURO": "EUR"}


@dataclass(frozen=True)
class ARExport:
    """An ERP open-items export read: its items (see the module docstring), the layout and the file."""

    items: pd.DataFrame
    layout: str
    source: str
    header_row: int = 1
    columns: dict[str, str] = field(default_factory=dict)
    skipped: tuple[int, ...] = ()  # rows with an amount or text but no document, reference or UUID (totals, notes)


def read_ar(path: str | os.PathLike[str], mapping: str | os.PathLike[str] | Layout | None = None, preset: str | None = None,
            *, max_mb: float = DEFAULT_MAX_MB, chunk_rows: int = CHUNK_ROWS) -> ARExport:
    """Read the ERP's AR open-items export (CSV or XLSX); raises GLFormatError naming the row and column."""
    table = open_table(path, "ar", mapping=mapping, preset_name=preset, max_mb=max_mb, chunk_rows=chunk_rows)
    parts = []
    skipped: list[int] = []
    try:
        for chunk in table.chunks:
            items, left_out = _items(chunk, table)
            parts.append(items)
            skipped.extend(left_out)
    except GLFormatError as exc:
        raise exc.located(table.source) from None
    items = pd.concat(parts, ignore_index=True) if parts else _items(pd.DataFrame({"row": []}), table)[0]
    return ARExport(items, table.layout.name, table.source, table.header_row, dict(table.headers), tuple(skipped))


def _field(chunk: pd.DataFrame, table: Table, name: str) -> pd.Series:
    positions = table.fields.get(name)
    if not positions:
        return pd.Series("", index=chunk.index, dtype="str")
    joined = text(chunk[positions[0]]) if positions[0] in chunk else pd.Series("", index=chunk.index, dtype="str")
    for p in positions[1:]:
        joined = joined.str.cat(text(chunk[p]), sep=" ")
    return joined.str.strip()


def _items(chunk: pd.DataFrame, table: Table) -> tuple[pd.DataFrame, list[int]]:
    layout = table.layout
    values = {name: _field(chunk, table, name) for name in table.fields}
    nonblank = np.zeros(len(chunk), dtype=bool)
    for v in values.values():
        nonblank |= (v != "").to_numpy()
    ids = [values[n] for n in ("uuid", "document", "reference") if n in values]
    identified = np.zeros(len(chunk), dtype=bool)
    for v in ids:
        identified |= (v != "").to_numpy()
    keep = nonblank & identified  # blank rows, and totals without a document, are no open items
    skipped = [int(r) for r in chunk["row"].to_numpy()[nonblank & ~identified]]
    chunk = chunk[keep].reset_index(drop=True)
    values = {k: v[keep].reset_index(drop=True) for k, v in values.items()}
    rows = chunk["row"].to_numpy(dtype=np.int64) if len(chunk) else np.zeros(0, dtype=np.int64)
    empty = pd.Series("", index=chunk.index, dtype="str")
    currency = values.get("currency", empty).str.upper().str.strip()
    currency = currency.map(lambda c: _CURRENCY.get(c, c)).astype("str").where(currency != "", "MXN")
    mxn = (currency == "MXN").to_numpy()

    def money(name: str) -> np.ndarray:
        col = table.fields[name][0]
        return parse_money(chunk[col], rows, table.header_of(name), decimal=layout.decimal)

    amount = money("amount") if "amount" in table.fields else None
    amount_mxn = money("amount_mxn") if "amount_mxn" in table.fields else None
    known = np.ones(len(chunk), dtype=bool)
    if amount is None:
        assert amount_mxn is not None
        amount, known = np.where(mxn, amount_mxn, 0), mxn.copy()
    elif amount_mxn is None:
        amount_mxn = _to_mxn(amount, mxn, chunk, rows, table)
    dates = {}
    for name in ("posting_date", "due_date"):
        if name in table.fields:
            dates[name] = parse_dates(chunk[table.fields[name][0]], rows, table.header_of(name),
                                      date_format=layout.date_format, allow_empty=True)
        else:
            dates[name] = np.full(len(chunk), np.datetime64("NaT"), dtype="datetime64[ns]")
    searched = [values[n] for n in ("uuid", "reference", "document", "description") if n in values]
    searched += [text(chunk[p]) for p in table.search]
    return pd.DataFrame({
        "row": rows, "customer": values.get("customer", empty), "customer_rfc": values.get("customer_rfc", empty).str.upper(),
        "customer_name": values.get("customer_name", empty), "document": values.get("document", empty),
        "reference": values.get("reference", empty),
        "uuid": find_uuids(*searched) if len(chunk) else pd.Series([], dtype=object),
        "posting_date": dates["posting_date"], "due_date": dates["due_date"], "currency": currency,
        "amount": np.asarray(amount, dtype=np.int64), "amount_known": known, "amount_mxn": np.asarray(amount_mxn, dtype=np.int64),
    }), skipped


def _to_mxn(amount: np.ndarray, mxn: np.ndarray, chunk: pd.DataFrame, rows: np.ndarray, table: Table) -> np.ndarray:
    """MXN amounts from document-currency amounts: as they are in MXN, else × the row's exchange rate."""
    out = amount.copy()
    foreign = np.flatnonzero(~mxn)
    if not len(foreign):
        return out
    if "exchange_rate" not in table.fields:
        i = int(foreign[0])
        raise GLFormatError("an amount in another currency and no MXN amount: map amount_mxn or exchange_rate",
                            row=int(rows[i]), column=table.header_of("amount"))
    rates = text(chunk[table.fields["exchange_rate"][0]])
    header = table.header_of("exchange_rate")
    for i in foreign:
        raw = rates.iloc[i].replace(",", "") if table.layout.decimal == "." else rates.iloc[i].replace(".", "").replace(",", ".")
        rate = Decimal(raw) if re.fullmatch(r"\d{1,6}(?:\.\d{1,10})?", raw.strip()) else Decimal(0)
        if rate <= 0:
            raise GLFormatError(f"{rates.iloc[i]!r} is not an exchange rate", row=int(rows[i]), column=header)
        out[i] = int((Decimal(int(amount[i])) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return out

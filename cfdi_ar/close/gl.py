"""A general-ledger export (CSV or XLSX) → one row per GL line, typed and exact.

:func:`read_gl` returns a :class:`GLExport` whose ``lines`` DataFrame has the
columns of the close contract (docs/close-gl.md):

==============  =================  ===================================================
column          dtype              what
==============  =================  ===================================================
``row``         int64              the row as a spreadsheet shows it
``date``        datetime64[ns]     the posting date (day)
``account``     str                as written, trimmed
``entry``       str                póliza / journal entry / document number, or ""
``reference``   str                or ""
``description`` str                or ""
``debit``       int64              centavos, >= 0
``credit``      int64              centavos, >= 0
``uuid``        object             the first CFDI UUID in the uuid column (when the
                                   layout has one), the reference, the description
                                   or the layout's search columns; upper-case; None
==============  =================  ===================================================

A signed amount (SAP's "Amount in Local Currency") is split: positive → debit,
negative → credit (``amount_sign = "credit"`` reverses it). A negative cargo is
moved to the credit side and a negative abono to the debit side, so both stay >= 0.

Rows are left out only when they hold nothing (blank) or neither a date nor an
account (the totals and notes exports append): the latter are listed in
``GLExport.skipped``. Any other bad cell stops the read with a GLFormatError naming
its row and column: nothing is half-imported.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .cells import GLFormatError, find_uuids, parse_dates, parse_money, text
from .exports import CHUNK_ROWS, DEFAULT_MAX_MB, Layout, Table, open_table

__all__ = ["GLExport", "GLFormatError", "read_gl", "account_lines", "LINE_COLUMNS"]

LINE_COLUMNS = ("row", "date", "account", "entry", "reference", "description", "debit", "credit", "uuid")


@dataclass(frozen=True)
class GLExport:
    """A GL export read: its lines (see the module docstring), the layout recognised and the file."""

    lines: pd.DataFrame
    layout: str
    source: str
    skipped: tuple[int, ...] = ()  # rows with neither date nor account (totals, notes), left out
    header_row: int = 1
    encoding: str | None = None  # a CSV's encoding (utf-8, utf-8-sig, utf-16, cp1252)
    delimiter: str | None = None  # a CSV's separator
    columns: dict[str, str] = field(default_factory=dict)  # field -> the header it was read from


def read_gl(path: str | os.PathLike[str], mapping: str | os.PathLike[str] | Layout | None = None, preset: str | None = None,
            *, account: str | None = None, max_mb: float = DEFAULT_MAX_MB, chunk_rows: int = CHUNK_ROWS) -> GLExport:
    """Read a GL export (CSV or XLSX). ``mapping``: a mapping file (or Layout); ``preset``: a preset name;
    neither: the layout is recognised from the headers. ``account``: keep only that account's lines
    (:func:`account_lines`' rule) while reading, so a large export of every account needs memory for
    one; every row is still checked. Raises GLFormatError."""
    table = open_table(path, "gl", mapping=mapping, preset_name=preset, max_mb=max_mb, chunk_rows=chunk_rows)
    parts: list[pd.DataFrame] = []
    skipped: list[int] = []
    try:
        for chunk in table.chunks:
            lines, left_out = _lines(chunk, table)
            skipped.extend(left_out)
            parts.append(account_lines(lines, account) if account is not None else lines)
    except GLFormatError as exc:
        raise exc.located(table.source) from None
    lines = pd.concat(parts, ignore_index=True) if parts else _empty()
    lines = lines.astype({"row": "int64", "debit": "int64", "credit": "int64"})
    return GLExport(lines, table.layout.name, table.source, tuple(skipped), table.header_row, table.encoding, table.delimiter,
                    dict(table.headers))


def _empty() -> pd.DataFrame:
    return pd.DataFrame({
        "row": pd.Series(dtype="int64"), "date": pd.Series(dtype="datetime64[ns]"), "account": pd.Series(dtype="str"),
        "entry": pd.Series(dtype="str"), "reference": pd.Series(dtype="str"), "description": pd.Series(dtype="str"),
        "debit": pd.Series(dtype="int64"), "credit": pd.Series(dtype="int64"), "uuid": pd.Series(dtype=object),
    })


def _lines(chunk: pd.DataFrame, table: Table) -> tuple[pd.DataFrame, list[int]]:
    layout = table.layout
    texts: dict[int, pd.Series] = {}

    def cells(position: int) -> pd.Series:  # each column as trimmed text, computed once
        if position not in texts:
            texts[position] = text(chunk[position])
        return texts[position]

    def field(name: str) -> pd.Series | None:
        positions = table.fields.get(name)
        if not positions:
            return None
        if len(positions) == 1:
            return cells(positions[0])
        joined = [" ".join(p for p in parts if p) for parts in zip(*(cells(p).tolist() for p in positions))]
        return pd.Series(joined, index=chunk.index, dtype="str")

    rows = chunk["row"].to_numpy(dtype=np.int64)
    account = field("account")
    assert account is not None
    nothing = (cells(table.fields["date"][0]).to_numpy(dtype=object) == "") & (account.to_numpy(dtype=object) == "")
    if nothing.any():
        other = [p for f in ("debit", "credit", "amount", "entry", "reference", "description") for p in table.fields.get(f, ())]
        anything_else = np.zeros(len(chunk), dtype=bool)
        for p in other:
            anything_else |= cells(p).to_numpy(dtype=object) != ""
        summary = nothing & anything_else  # a total, a subtotal or a note: listed in GLExport.skipped
        skipped = [int(r) for r in rows[summary]]
        keep = ~nothing  # blank rows are left out silently
        chunk, rows, account = chunk[keep].reset_index(drop=True), rows[keep], account[keep].reset_index(drop=True)
        texts = {p: t[keep].reset_index(drop=True) for p, t in texts.items()}
    else:
        skipped = []
    no_account = account.to_numpy(dtype=object) == ""
    if no_account.any():
        i = int(np.flatnonzero(no_account)[0])
        raise GLFormatError("the account is empty", row=int(rows[i]), column=table.header_of("account"))
    dates = parse_dates(chunk[table.fields["date"][0]], rows, table.header_of("date"), date_format=layout.date_format)
    if "amount" in table.fields:
        signed = parse_money(chunk[table.fields["amount"][0]], rows, table.header_of("amount"), decimal=layout.decimal)
        if layout.amount_sign == "credit":
            signed = -signed
        debit, credit = np.where(signed > 0, signed, 0), np.where(signed < 0, -signed, 0)
    else:
        debit = parse_money(chunk[table.fields["debit"][0]], rows, table.header_of("debit"), decimal=layout.decimal)
        credit = parse_money(chunk[table.fields["credit"][0]], rows, table.header_of("credit"), decimal=layout.decimal)
        debit, credit = np.where(debit > 0, debit, 0) - np.where(credit < 0, credit, 0), \
            np.where(credit > 0, credit, 0) - np.where(debit < 0, debit, 0)
    empty = pd.Series("", index=chunk.index, dtype="str")
    entry, reference, description = field("entry"), field("reference"), field("description")
    searched = [s for s in (field("uuid"), reference, description) if s is not None]
    searched += [cells(p) for p in table.search]
    lines = pd.DataFrame({
        "row": rows, "date": dates, "account": account,
        "entry": entry if entry is not None else empty, "reference": reference if reference is not None else empty,
        "description": description if description is not None else empty,
        "debit": debit.astype(np.int64), "credit": credit.astype(np.int64),
        "uuid": find_uuids(*searched) if searched else pd.Series([None] * len(chunk), dtype=object),
    })
    return lines, skipped


_SEPARATOR = re.compile(r"[^0-9A-Za-z]")


def account_lines(lines: pd.DataFrame, code: str) -> pd.DataFrame:
    """The lines of account ``code``: the account itself or any account under it.

    ``105-01`` matches ``105-01`` and ``105-01-001`` (and ``105-01 Clientes``), never ``105-010``:
    after the code, the account must end or go on with a separator (any character that is not a
    letter or a digit). ``105*`` is a plain prefix (``105``, ``1050``, ``105-01`` ...). Codes are
    compared without regard to case; a code of digits only also matches with leading zeros
    (SAP's ``0000110000`` is ``110000``). Several codes, separated by commas, are a union.
    Each distinct account is tested once (a chart of accounts is small; a GL is not)."""
    codes = [c.strip().upper() for c in code.split(",") if c.strip()]
    if not codes:
        raise ValueError("an account code is required")
    ids, accounts = pd.factorize(lines["account"].to_numpy(dtype=object))
    wanted = np.array([any(_matches(str(a).strip().upper(), c) for c in codes) for a in accounts], dtype=bool)
    keep = wanted[ids] if len(ids) else np.zeros(0, dtype=bool)
    return lines[keep].reset_index(drop=True)


def _matches(account: str, code: str) -> bool:
    if code.endswith("*"):
        return account.startswith(code[:-1])
    if code.isdigit() and _under(account.lstrip("0"), code.lstrip("0")):
        return True
    return _under(account, code)


def _under(account: str, code: str) -> bool:
    return account.startswith(code) and (len(account) == len(code) or _SEPARATOR.match(account, len(code)) is not None)

"""Cells of an export → exact values: money in integer centavos, dates, CFDI UUIDs, text.

Pure, a column at a time: each parser takes a column (a :class:`pandas.Series` of
the cells as read, text for a CSV, Python values for an XLSX) with the spreadsheet
row number of each cell, and returns a numpy array, or raises :class:`GLFormatError`
naming the first bad cell's row and column. Never float: a CSV amount is text and
is read digit by digit; an XLSX number is read through ``repr`` (see
:func:`parse_money`). Text is read by plain loops with compiled regular expressions:
without pyarrow, pandas 3's ``Series.str`` methods (``extract`` included) also call
Python once per cell, with more overhead (find_uuids: 1.2 s against 2.3 s for
``str.extract`` over 1.8 million cells); dates go through pandas' C parser.

Money (MXN, two decimals), with the decimal point (default) or the decimal comma
(``decimal = ","``, declared by a mapping, never guessed):

============================  ==============================================
accepted                      ``1234.56``, ``1,234.56``, ``-1234.56``, ``+5``,
                              ``(1,234.56)`` and ``1,234.56-`` (negative),
                              ``$1,234.56``, ``$-5``, ``'12.50`` (Excel's text
                              mark), ``""`` and ``-`` alone (zero)
with ``decimal = ","``        ``1.234,56``, ``(1.234,56)`` ...
refused (GLFormatError)       more than two decimals (``12.345``), an exponent
                              (``1E+3``), ``NaN``, ``Infinity``, text, a
                              decimal comma without ``decimal = ","``, a column
                              mixing both styles, more than 15 integer digits
============================  ==============================================

Dates: ISO ``YYYY-MM-DD`` (a time after it is dropped), ``DD/MM/YYYY``,
``DD.MM.YYYY``, ``DD-MM-YYYY``, ``YYYY/MM/DD``, ``DD/Mon/YYYY`` with Spanish or
English month abbreviations, and Excel date cells; ``MM/DD/YYYY`` instead of
``DD/MM/YYYY`` only when the mapping says ``date_format = "MM/DD/YYYY"``.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["GLFormatError", "parse_money", "parse_dates", "find_uuids", "text", "UUID_PATTERN"]


class GLFormatError(ValueError):
    """An export that cannot be read exactly: the row and column of the first bad cell, and why.

    ``row`` is the row as a spreadsheet shows it (None for a problem with the whole file),
    ``column`` the header as written (None when no column is at fault), ``source`` the file."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None, source: str = "") -> None:
        self.message = message
        self.row = row
        self.column = column
        self.source = source
        super().__init__(message)

    def __str__(self) -> str:
        where = [p for p in (self.source, f"row {self.row}" if self.row is not None else "",
                             f"column {self.column!r}" if self.column is not None else "") if p]
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def located(self, source: str) -> GLFormatError:
        """The same error, naming the file it came from."""
        self.source = self.source or source
        return self


# --------------------------------------------------------------------------- money

_MAX_DIGITS = 15  # integer digits: up to 999 billion pesos (int64 centavos hold 92 quadrillion)
_CORE = {  # [0-9], not \d: \d also matches other scripts' digits ("١٢٣")
    ".": re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?|\.[0-9]{1,2}"),
    ",": re.compile(r"(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]{1,2})?|,[0-9]{1,2}"),
}
_THOUSANDS = {".": ",", ",": "."}
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def parse_money(cells: pd.Series, rows: np.ndarray, column: str, *, decimal: str = ".") -> np.ndarray:
    """Each cell as int64 centavos (exact), or GLFormatError at the first cell that is not an amount.

    An XLSX number cell (int or float) is exact when it is a whole number of centavos: a float is
    read through ``repr`` (the shortest text that gives the same double) and rounded to the 15
    significant digits Excel itself shows, so ``1234.5600000000002`` (an Excel sum) is 1234.56,
    and ``0.005`` is refused, never rounded. Plain Python over the cells, with a fast path for
    the common "1234.56": pandas' string methods cost more per cell than this whole loop."""
    if decimal not in _CORE:
        raise GLFormatError(f"decimal must be '.' or ',', not {decimal!r}", column=column)
    values = cells.tolist()
    plain = _PLAIN[decimal].fullmatch
    general = _GENERAL[decimal]
    out = []
    for i, v in enumerate(values):
        if type(v) is str:
            if not v:
                out.append(0)
                continue
            m = plain(v)
            if m is not None:
                sign, whole, frac = m.groups()
                cents = int(whole) * 100 + (int(frac) * (10 if len(frac) == 1 else 1) if frac else 0)
                out.append(-cents if sign else cents)
                continue
            cents = general(v)
            if cents is None:
                _refuse(values, i, rows, column, decimal)
            out.append(cents)
        else:
            out.append(_number_cell(v, int(rows[i]), column))
    return np.array(out, dtype=np.int64)


def _number_cell(value: Any, row: int, column: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise GLFormatError(f"{_show(value)} is not an amount", row=row, column=column)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise GLFormatError(f"{value!r} is not an amount", row=row, column=column)
        exact = Decimal(repr(value))
        if exact:
            exact = exact.quantize(Decimal(1).scaleb(exact.adjusted() - 14))  # Excel's 15 significant digits
    else:
        exact = Decimal(value)
    cents = exact * 100
    if cents != cents.to_integral_value():
        raise GLFormatError(f"{format(exact.normalize(), 'f')} is not a whole number of centavos (more than 2 decimals)",
                            row=row, column=column)
    if abs(exact) >= Decimal(10) ** _MAX_DIGITS:
        raise GLFormatError(f"{exact} has more than {_MAX_DIGITS} integer digits", row=row, column=column)
    return int(cents)


def _general(decimal: str) -> Any:
    """The full grammar of an amount cell with this decimal separator → centavos, or None."""
    core = _CORE[decimal]
    thousands = _THOUSANDS[decimal]

    def cents(text: str) -> int | None:
        t = _SPACES.sub("", text)
        if t.startswith("'"):
            t = t[1:]
        if t in ("", "-"):
            return 0
        negative, signs = False, 0
        if t.startswith("(") and t.endswith(")"):
            t, negative, signs = t[1:-1], True, 1
        if t[:1] in ("-", "+"):
            negative, signs, t = negative or t[0] == "-", signs + 1, t[1:]
        if t.startswith("$"):
            t = t[1:]
            if t[:1] in ("-", "+"):
                negative, signs, t = negative or t[0] == "-", signs + 1, t[1:]
        if len(t) > 1 and t.endswith("-"):
            negative, signs, t = True, signs + 1, t[:-1]
        if signs > 1 or not core.fullmatch(t):
            return None
        whole, _, frac = t.replace(thousands, "").partition(decimal)
        if len(whole) > _MAX_DIGITS:
            return None
        value = int(whole or "0") * 100 + (int(frac.ljust(2, "0")) if frac else 0)
        return -value if negative else value

    return cents


_PLAIN = {".": re.compile(r"(-?)([0-9]{1,15})(?:\.([0-9]{1,2}))?"), ",": re.compile(r"(-?)([0-9]{1,15})(?:,([0-9]{1,2}))?")}
_GENERAL = {d: _general(d) for d in _CORE}


def _body(text: str) -> str:
    """An amount cell without spaces, Excel's text mark, signs, parentheses and the $ (what the core grammar reads)."""
    t = _SPACES.sub("", text).removeprefix("'")
    if t.startswith("(") and t.endswith(")"):
        t = t[1:-1]
    t = t.lstrip("+-").removeprefix("$").lstrip("+-")
    return t[:-1] if len(t) > 1 and t.endswith("-") else t


def _refuse(values: list[Any], i: int, rows: np.ndarray, column: str, decimal: str) -> None:
    """Raise the error for the bad cell ``values[i]``, saying why it is not an amount."""
    raw = values[i]
    body = _body(raw)
    row = int(rows[i])
    other = "," if decimal == "." else "."
    shown = _show(raw)
    if _CORE[decimal].fullmatch(body):
        whole = body.replace(_THOUSANDS[decimal], "").partition(decimal)[0]
        if len(whole) > _MAX_DIGITS:
            raise GLFormatError(f"{shown} has more than {_MAX_DIGITS} integer digits", row=row, column=column)
        raise GLFormatError(f"{shown} has more than one sign (-, +, parentheses)", row=row, column=column)
    if re.fullmatch(rf"[0-9{_THOUSANDS[decimal]}]*\{decimal}[0-9]{{3,}}", body):
        raise GLFormatError(f"{shown} has more than 2 decimals: amounts are whole centavos", row=row, column=column)
    if _CORE[other].fullmatch(body):
        declared = re.compile(rf"\{decimal}[0-9]{{1,2}}\)?-?$")
        for j, v in enumerate(values):
            if type(v) is str and declared.search(v.strip()) and _GENERAL[decimal](v) is not None:
                raise GLFormatError(
                    f"mixed decimal separators: {shown} uses a decimal {_name(other)}, row {int(rows[j])} "
                    f"({_show(v)}) a decimal {_name(decimal)}", row=row, column=column)
        hint = 'declare decimal = "," in a mapping file' if other == "," else 'the mapping declares decimal = ","'
        raise GLFormatError(f"{shown} uses a decimal {_name(other)} ({hint})", row=row, column=column)
    if re.fullmatch(r"[0-9.,]+[eE][-+]?[0-9]+", body):
        raise GLFormatError(f"{shown} is written with an exponent, not as an amount", row=row, column=column)
    raise GLFormatError(f"{shown} is not an amount", row=row, column=column)


def _name(separator: str) -> str:
    return "point" if separator == "." else "comma"


def _show(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:39] + "…")


# --------------------------------------------------------------------------- dates

_MONTHS = {
    "ene": 1, "jan": 1, "feb": 2, "mar": 3, "abr": 4, "apr": 4, "may": 5, "jun": 6, "jul": 7, "ago": 8, "aug": 8,
    "sep": 9, "sept": 9, "set": 9, "oct": 10, "nov": 11, "dic": 12, "dec": 12,
}
# A date at the start of a cell; a time (with "a. m." and the like) may follow after a space or a T.
_DATE = (r"^\s*(?:(?P<iso>[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})|(?P<ymd>[0-9]{4}/[0-9]{1,2}/[0-9]{1,2})"
         r"|(?P<dmy>[0-9]{1,2}(?P<sep>[/.\-])[0-9]{1,2}(?P=sep)[0-9]{4})"
         r"|(?P<mon>[0-9]{1,2}[/\-. ][A-Za-z]{3,4}\.?[/\-. ][0-9]{4}))(?:[T ].*)?$")


def parse_dates(cells: pd.Series, rows: np.ndarray, column: str, *, date_format: str = "DD/MM/YYYY",
                allow_empty: bool = False) -> np.ndarray:
    """Each cell as a datetime64[ns] day, or GLFormatError at the first cell that is not a date.

    ``date_format`` says how a date written with slashes reads: "DD/MM/YYYY" (Mexico, the default) or
    "MM/DD/YYYY". ``allow_empty``: an empty cell is NaT instead of an error. The usual writings are
    parsed by pandas' C parser with an explicit format each; only what none of them takes goes
    through the regular expression."""
    if date_format not in ("DD/MM/YYYY", "MM/DD/YYYY"):
        raise GLFormatError(f'date_format must be "DD/MM/YYYY" or "MM/DD/YYYY", not {date_format!r}', column=column)
    values = cells.tolist()
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    if not values:
        return out
    text_at = [i for i, v in enumerate(values) if type(v) is str]
    if len(text_at) != len(values):
        for i, v in enumerate(values):
            if type(v) is not str:
                out[i] = _date_cell(v, int(rows[i]), column, allow_empty)
    if not text_at:
        return out
    idx = np.array(text_at, dtype=np.int64)
    texts = pd.Series([values[i].strip() for i in text_at], dtype=object)
    todo = np.ones(len(texts), dtype=bool)
    slashed = "%m/%d/%Y" if date_format == "MM/DD/YYYY" else "%d/%m/%Y"
    for fmt in ("%Y-%m-%d", slashed, "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d"):
        if not todo.any():
            break
        parsed = pd.to_datetime(texts[todo], format=fmt, errors="coerce").to_numpy(dtype="datetime64[ns]")
        hit = ~np.isnat(parsed)
        where = np.flatnonzero(todo)[hit]
        out[idx[where]] = parsed[hit]
        todo[where] = False
    if todo.any():
        rest = np.flatnonzero(todo)
        out[idx[rest]] = _dates_text(texts[todo].reset_index(drop=True).astype("str"), rows[idx[rest]], column, date_format,
                                     allow_empty)
    return out


def _date_cell(value: Any, row: int, column: str, allow_empty: bool) -> np.datetime64:
    if value is None and allow_empty:
        return np.datetime64("NaT")
    if isinstance(value, datetime):
        return np.datetime64(value.date(), "ns")
    if isinstance(value, date):
        return np.datetime64(value, "ns")
    raise GLFormatError(f"{_show('' if value is None else value)} is not a date", row=row, column=column)


def _dates_text(cells: pd.Series, rows: np.ndarray, column: str, date_format: str, allow_empty: bool) -> np.ndarray:
    """The writings the explicit formats did not take: a time after the date, month names, or errors."""
    s = cells.str.strip()
    empty = (s == "").to_numpy()
    parts = s.str.extract(_DATE, flags=re.DOTALL)
    day = pd.Series(np.nan, index=s.index)
    month, year = day.copy(), day.copy()
    if parts["iso"].notna().any():
        m = parts["iso"].notna()
        iso = parts["iso"].str.split("-", expand=True)
        year[m], month[m], day[m] = iso.loc[m, 0].astype(float), iso.loc[m, 1].astype(float), iso.loc[m, 2].astype(float)
    if parts["ymd"].notna().any():
        m = parts["ymd"].notna()
        ymd = parts["ymd"].str.split("/", expand=True)
        year[m], month[m], day[m] = ymd.loc[m, 0].astype(float), ymd.loc[m, 1].astype(float), ymd.loc[m, 2].astype(float)
    if parts["dmy"].notna().any():
        m = parts["dmy"].notna()
        dmy = parts["dmy"].str.split(r"[/.\-]", expand=True, regex=True)
        first, second = dmy.loc[m, 0].astype(float), dmy.loc[m, 1].astype(float)
        slash = parts.loc[m, "sep"] == "/"
        us = slash & (date_format == "MM/DD/YYYY")
        day[m] = second.where(us, first)
        month[m] = first.where(us, second)
        year[m] = dmy.loc[m, 2].astype(float)
    if parts["mon"].notna().any():
        m = parts["mon"].notna()
        mon = parts["mon"].str.extract(r"([0-9]{1,2})[/\-. ]([A-Za-z]{3,4})\.?[/\-. ]([0-9]{4})")
        day[m] = mon.loc[m, 0].astype(float)
        month[m] = mon.loc[m, 1].str.lower().map(_MONTHS).astype(float)
        year[m] = mon.loc[m, 2].astype(float)
    stamp = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce")
    bad = stamp.isna().to_numpy() & ~(empty & allow_empty)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raw = cells.iloc[i]
        why = "is empty: a date is required" if empty[i] else "is not a date (YYYY-MM-DD, DD/MM/YYYY, DD.MM.YYYY)"
        if not empty[i] and not pd.isna(year.iloc[i]):
            why = "is not a valid date"
        raise GLFormatError(f"{_show(raw)} {why}", row=int(rows[i]), column=column)
    return stamp.to_numpy(dtype="datetime64[ns]")


# --------------------------------------------------------------------------- UUIDs and text

UUID_PATTERN = (r"(?<![0-9A-Za-z])\{?([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\}?"
                r"(?![0-9A-Za-z])")


_UUID = re.compile(UUID_PATTERN)


def find_uuids(*columns: pd.Series) -> pd.Series:
    """The first CFDI UUID in each row, looking in ``columns`` in order: upper-case, braces dropped;
    None where there is none. Any case is found (``{3f2504e0-...}``), never part of a longer token."""
    if not columns:
        raise ValueError("find_uuids needs at least one column")
    found: list[str | None] = [None] * len(columns[0])
    search = _UUID.search
    for col in columns:
        for i, v in enumerate(col.tolist()):
            if found[i] is None and type(v) is str and len(v) >= 36 and "-" in v:
                m = search(v)
                if m is not None:
                    found[i] = m.group(1).upper()
    return pd.Series(found, index=columns[0].index, dtype=object)


def text(cells: pd.Series) -> pd.Series:
    """Cells as trimmed text: numbers as written (``105`` not ``105.0``), dates as ISO, empty as ""."""
    values = cells.tolist()
    return pd.Series([v.strip() if type(v) is str else _text_cell(v).strip() for v in values], index=cells.index,
                     dtype="str")


def _text_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        try:
            d = Decimal(repr(value))
        except InvalidOperation:  # pragma: no cover - repr of a finite float is always a decimal
            return repr(value)
        return format(d.normalize(), "f") if d != d.to_integral_value() else str(int(d))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)

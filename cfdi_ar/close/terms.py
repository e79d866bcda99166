"""Customer payment terms from a small CSV: ``rfc,days[,name]``.

Where CondicionesDePago says nothing usable ("Contado", blank), the aging takes each
customer's days of credit from this file, then ``--default-days``. The file:

- a header row naming the columns, in English or Spanish, any case, accents optional:
  RFC (``rfc``, ``rfc cliente``, ``customer rfc``), days (``days``, ``credit days``,
  ``dias``, ``días de crédito``, ``plazo``) and optionally the name (``name``,
  ``nombre``, ``razón social``, ``cliente``); other columns are ignored;
- comma, semicolon, tab or ``|`` separated (read from the header row); UTF-8 (with or
  without BOM), UTF-16 with BOM, or Windows-1252 as Excel saves it in Mexico;
- days: a whole number from 0 to 3650; an RFC listed twice must say the same days.

Every problem names the file, the row as a spreadsheet shows it (the header is row 1)
and the column; the whole file is refused when any row is wrong, so nothing is half-read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..xmltext import strip_accents

__all__ = ["Terms", "TermsError", "read_terms", "parse_terms", "MAX_DAYS"]

MAX_DAYS = 3650
_RFC = re.compile(r"[A-ZÑ&]{3,4}[0-9]{6}[A-Z0-9]{3}")
_DAYS = re.compile(r"[0-9]{1,4}")
_HEADERS = {
    "rfc": "rfc", "rfc cliente": "rfc", "rfc del cliente": "rfc", "customer rfc": "rfc", "tax id": "rfc",
    "days": "days", "credit days": "days", "terms days": "days", "net days": "days", "payment terms": "days",
    "dias": "days", "dias credito": "days", "dias de credito": "days", "plazo": "days", "plazo dias": "days",
    "plazo de credito": "days", "dias de pago": "days",
    "name": "name", "customer name": "name", "customer": "name", "nombre": "name", "razon social": "name",
    "cliente": "name", "nombre del cliente": "name",
}
_MAX_SHOWN = 10  # problems listed in the error message


@dataclass(frozen=True)
class Problem:
    """One problem of a terms file: row (header = 1), column and message."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        parts = (f"row {self.row}" if self.row else "", f"column {self.column}" if self.column else "")
        where = ", ".join(p for p in parts if p)
        return f"{where}: {self.message}" if where else self.message


class TermsError(ValueError):
    """The terms file cannot be used; ``problems`` lists each (row, column, message)."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:_MAX_SHOWN])
        more = f"; and {len(problems) - _MAX_SHOWN} more" if len(problems) > _MAX_SHOWN else ""
        super().__init__(f"terms file {source}: {shown}{more}")


@dataclass(frozen=True)
class Terms:
    """Days of credit by customer RFC (upper case), with the names the file gives."""

    days: Mapping[str, int]
    names: Mapping[str, str] = field(default_factory=dict)
    source: str = ""

    def days_for(self, rfc: str | None) -> int | None:
        """The customer's days of credit, or None when the file does not list it."""
        return self.days.get((rfc or "").strip().upper())


def read_terms(path: str | Path) -> Terms:
    """Read a terms file (see the module docstring); :class:`TermsError` when it is unusable."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TermsError(name, [Problem(None, None, f"cannot read it: {exc.strerror or exc}")]) from None
    return parse_terms(data, name)


def parse_terms(data: bytes, source: str = "terms") -> Terms:
    """A terms file's bytes → :class:`Terms` (pure)."""
    text = _decode(data)
    records = list(_records(text, source))
    if not any(any(c.strip() for c in r) for r in records):
        raise TermsError(source, [Problem(None, None, "the file is empty (expected a header such as rfc,days,name)")])
    header_row = next(i for i, r in enumerate(records) if any(c.strip() for c in r))
    header = records[header_row]
    keys = [_HEADERS.get(_norm(h)) for h in header]
    problems: list[Problem] = []
    for key in ("rfc", "days", "name"):
        if keys.count(key) > 1:
            problems.append(Problem(header_row + 1, None, f"more than one {key} column"))
    missing = [key for key in ("rfc", "days") if key not in keys]
    if missing:
        problems.append(Problem(header_row + 1, None, f"no {' or '.join(missing)} column in the header "
                                f"{','.join(header)!r} (expected rfc,days[,name] or rfc,dias[,nombre])"))
    if problems:
        raise TermsError(source, problems)
    col = {key: keys.index(key) for key in ("rfc", "days", "name") if key in keys}
    days: dict[str, int] = {}
    names: dict[str, str] = {}
    first_row: dict[str, int] = {}
    for index in range(header_row + 1, len(records)):
        cells = records[index]
        row = index + 1
        if not any(c.strip() for c in cells):
            continue
        cell = {key: (cells[i].strip() if i < len(cells) else "") for key, i in col.items()}
        rfc = cell["rfc"].upper()
        bad = len(problems)
        if not _RFC.fullmatch(rfc):
            problems.append(Problem(row, header[col["rfc"]], f"{cell['rfc']!r} is not an RFC"))
        if not _DAYS.fullmatch(cell["days"]) or int(cell["days"]) > MAX_DAYS:
            problems.append(Problem(row, header[col["days"]],
                                    f"{cell['days']!r} is not a whole number of days (0 to {MAX_DAYS})"))
        if len(problems) > bad:
            continue
        n = int(cell["days"])
        if rfc in days and days[rfc] != n:
            problems.append(Problem(row, header[col["days"]],
                                    f"{rfc} has {n} days here but {days[rfc]} in row {first_row[rfc]}"))
            continue
        days.setdefault(rfc, n)
        first_row.setdefault(rfc, row)
        if cell.get("name"):
            names.setdefault(rfc, cell["name"])
    if problems:
        raise TermsError(source, problems)
    return Terms(days, names, source)


def _norm(header: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", strip_accents(header.strip().lower())).split())


def _decode(data: bytes) -> str:
    """UTF-16 with a BOM, UTF-8 (BOM or not), else Windows-1252 (Excel's "CSV" in Mexico), else latin-1."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _records(text: str, source: str) -> list[list[str]]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t", "|"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter if first.count(delimiter) else ",")
    try:
        return list(reader)
    except csv.Error as exc:
        raise TermsError(source, [Problem(reader.line_num or None, None, f"not a readable CSV: {exc}")]) from None

"""Read a close pack back as Excel would compute it: a tiny evaluator for the formulas the pack writes.

The pack writes four forms only: ``=SUM(D11:D17)``, a reference (``='Conciliación'!B5``, ``=C6``), a sum over
another sheet's range (``=SUM('Antigüedad'!E8:I8)``) and differences or sums of those (``=B3-B4``). Anything
else is refused (:class:`UnknownFormula`), so a test that evaluates every formula also proves no other formula
reached the workbook. Numbers are read as exact decimals: openpyxl gives the float of the text the file holds,
and that text (at most 15 significant digits) round-trips through ``repr``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from openpyxl.utils import column_index_from_string
from openpyxl.workbook.workbook import Workbook

_REF = r"(?:'(?P<sheet{n}>[^']+)'!)?(?P<col{n}>[A-Z]{{1,3}})(?P<row{n}>\d+)"
_TERM = re.compile(r"(?P<sign>[+-]?)(?:SUM\(" + _REF.format(n=1) + ":" + r"(?P<col2>[A-Z]{1,3})(?P<row2>\d+)\)|" + _REF.format(n=3) + ")")


class UnknownFormula(ValueError):
    """A formula the close pack never writes."""


def number(value: Any) -> Decimal:
    """A cell's stored number as an exact Decimal (None and text count as 0, as SUM treats them)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return Decimal(0)
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(0)


def is_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def evaluate(wb: Workbook, sheet: str, cell: str, _depth: int = 0) -> Decimal:
    """The value of ``sheet!cell``, computing its formula (and the formulas it refers to)."""
    if _depth > 50:
        raise UnknownFormula("reference loop")
    value = wb[sheet][cell].value
    if not is_formula(value):
        return number(value)
    body = value[1:]
    total, at = Decimal(0), 0
    while at < len(body):
        m = _TERM.match(body, at)
        if m is None or (at > 0 and not m.group("sign")):
            raise UnknownFormula(f"{sheet}!{cell}: {value}")
        sign = -1 if m.group("sign") == "-" else 1
        if m.group("col1"):
            where = m.group("sheet1") or sheet
            c1, c2 = column_index_from_string(m.group("col1")), column_index_from_string(m.group("col2"))
            r1, r2 = int(m.group("row1")), int(m.group("row2"))
            part = sum((evaluate(wb, where, f"{_letter(c)}{r}", _depth + 1) for r in range(r1, r2 + 1)
                        for c in range(c1, c2 + 1)), Decimal(0))
        else:
            part = evaluate(wb, m.group("sheet3") or sheet, f"{m.group('col3')}{m.group('row3')}", _depth + 1)
        total += sign * part
        at = m.end()
    return total


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def formulas(wb: Workbook) -> list[tuple[str, str, str]]:
    """Every formula cell: (sheet, cell, formula)."""
    return [(ws.title, c.coordinate, c.value) for ws in wb for row in ws.iter_rows() for c in row if is_formula(c.value)]


def find(ws: Any, text: str, column: int = 1) -> int:
    """The row whose cell in ``column`` holds exactly ``text``."""
    for row in ws.iter_rows(min_col=column, max_col=column):
        if row[0].value == text:
            return row[0].row
    raise KeyError(f"{text!r} not in column {column} of {ws.title}")


def header_columns(ws: Any, header_row: int) -> dict[str, int]:
    """Header text -> column number."""
    return {c.value: c.column for c in ws[header_row] if c.value is not None}

"""Rows of data → table, JSON, CSV or an Excel workbook. Formatting only.

Every ledger command prints rows (dicts) through :func:`render_rows` with a
column list; the JSON keeps the full dicts (nested values included), the
other formats show the listed columns. Text that a spreadsheet would take for
a formula (``=``, ``+``, ``-``, ``@`` first) is written so it stays text.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from .report import safe_cell

__all__ = ["Column", "ROW_FORMATS", "render_rows", "write_xlsx", "to_jsonable"]

ROW_FORMATS = ("table", "json", "csv", "xlsx")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    align: str = "<"  # "<" text, ">" numbers
    width: int | None = None  # cap for the table view (longer text is cut with an ellipsis)


def to_jsonable(value: Any) -> Any:
    """Decimals as strings (exact), dates as ISO text; containers recursively."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ", ".join(value)  # a list of names or UUIDs reads as one ("" when empty)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(to_jsonable(value), ensure_ascii=False)
    return str(value)


def _csv_cell(value: Any) -> str:
    """A CSV cell: text guarded against formulas (:func:`safe_cell`); a number as its exact text, a
    negative one too (``-1.00`` is a number to a spreadsheet, not a formula: guarding it would make it text)."""
    kind = type(value)
    if kind is str:
        return safe_cell(value)
    if kind is Decimal or kind is int:
        return str(value)
    return safe_cell(_text(value))


def render_rows(rows: Sequence[dict[str, Any]], columns: Sequence[Column], fmt: str, out: IO[str], *, title: str = "") -> None:
    """Write ``rows`` to the text stream ``out`` as table, json or csv (xlsx: :func:`write_xlsx`)."""
    if fmt == "json":
        out.write(json.dumps([to_jsonable(r) for r in rows], ensure_ascii=False, indent=1))
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\r\n")  # CR/LF inside a value forces quoting: no row injection
        writer.writerow([c.header for c in columns])
        keys = [c.key for c in columns]
        for r in rows:
            writer.writerow([_csv_cell(r.get(k)) for k in keys])
    elif fmt == "table":
        _table(rows, columns, out, title)
    else:
        raise ValueError(f"format {fmt!r} writes a file: use write_xlsx")


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[Column], out: IO[str], title: str) -> None:
    cells = [[_cut(_text(r.get(c.key)), c.width) for c in columns] for r in rows]
    widths = [max([len(c.header)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    if title:
        out.write(f"{title}\n")
    out.write("  ".join(f"{c.header:{c.align}{w}}" for c, w in zip(columns, widths)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write("  ".join(f"{v:{c.align}{w}}" for v, c, w in zip(row, columns, widths)).rstrip() + "\n")


def _cut(text: str, width: int | None) -> str:
    text = " ".join(text.split()) if ("\n" in text or "\r" in text or "\t" in text) else text
    if width is not None and len(text) > width:
        return text[: width - 1] + "…"
    return text


def write_xlsx(path: str, sheets: Sequence[tuple[str, Sequence[dict[str, Any]], Sequence[Column]]]) -> None:
    """An Excel workbook, one sheet per (name, rows, columns): amounts are numeric cells holding the
    exact decimal text, headers bold and frozen, text never a live formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows, columns in sheets:
        ws = wb.create_sheet(title=name[:31])
        ws.append([c.header for c in columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for r in rows:
            ws.append([_xlsx_value(r.get(c.key)) for c in columns])
        for i, c in enumerate(columns, start=1):
            longest = max([len(c.header)] + [len(_text(r.get(c.key))) for r in rows[:500]])
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(60, max(8, longest + 2))
    wb.save(path)


def _xlsx_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return value  # openpyxl writes a Decimal's own text into the file: exact, never through a float
    if isinstance(value, (int, float, datetime, date)):
        return value
    return safe_cell(_text(value))

"""Reading GL and ERP exports: header detection, CSV and XLSX, encodings, size limits.

An export is a table with a header row somewhere near the top (title rows above it
are skipped). A **layout** (:mod:`.layouts`) says which header holds each field; it
comes from a preset (``cfdi_ar/close/presets/*.toml``) or from the user's mapping
file in the same TOML format (docs/close-gl.md). Without ``--gl-preset`` or a mapping, the
header row is the first of the first 50 rows where some preset finds every column
it requires; presets are tried in their ``priority`` order, the specific ERPs
before the generic Spanish and English layouts. Headers are compared without
accents, case, punctuation or extra spaces ("Póliza", "POLIZA", "póliza " match).

CSV: the separator is found with the header (``,`` ``;`` tab ``|``); the encoding
is UTF-8 (with or without BOM), UTF-16 with a BOM, or Windows-1252/latin-1, which
Mexican ERPs write. It is detected over the whole file, never guessed: a file that
is neither, or that mixes UTF-8 with Windows-1252, is refused with the row and
column of the first offending byte. A mapping may declare ``encoding`` and
``delimiter``. The body is read in chunks (:data:`CHUNK_ROWS` rows), so memory
follows what is kept, not the file; files above ``max_mb`` (default
:data:`DEFAULT_MAX_MB`) are refused before reading.

XLSX: the first sheet, or the mapping's ``sheet``; values as Excel stored them
(a formula's last computed value); the uncompressed sheet size counts toward
``max_mb`` (a zip bomb is refused before it is opened).

What this module hands on is a :class:`Table`: the layout found, where each field
is, and the body as chunks of raw cells with their spreadsheet row numbers. The
readers (:mod:`.gl`, :mod:`.erp`) turn cells into values with :mod:`.cells`.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .cells import GLFormatError
from .layouts import FIELDS, Layout, load_mapping, normalize_header, preset, presets

__all__ = ["Layout", "Table", "GLFormatError", "FIELDS", "DEFAULT_MAX_MB", "CHUNK_ROWS", "normalize_header", "load_mapping",
           "presets", "preset", "open_table"]

DEFAULT_MAX_MB = 2048
CHUNK_ROWS = 200_000
HEADER_SEARCH_ROWS = 50
_HEAD_BYTES = 256 * 1024
_BLOCK = 16 * 1024 * 1024
_CHUNK_CELLS = 4_000_000  # a CSV chunk holds at most about this many cells, however wide the export

_DELIMITERS = (",", ";", "\t", "|")


@dataclass
class Table:
    """An export opened: the layout recognised, each field's columns, and the body in chunks.

    ``chunks`` yields DataFrames whose columns are the column positions (ints) of the fields
    and search columns, plus ``row``: the row as a spreadsheet shows it."""

    source: str
    layout: Layout
    fields: dict[str, list[int]]
    headers: dict[str, str]  # field -> the header as written (several joined by " + ")
    search: list[int]
    header_row: int
    encoding: str | None
    delimiter: str | None
    chunks: Iterator[pd.DataFrame]

    def header_of(self, name: str) -> str:
        return self.headers.get(name, name)


# --------------------------------------------------------------------------- opening a table


def open_table(path: str | os.PathLike[str], kind: str, *, mapping: str | os.PathLike[str] | Layout | None = None,
               preset_name: str | None = None, max_mb: float = DEFAULT_MAX_MB, chunk_rows: int = CHUNK_ROWS) -> Table:
    """Open an export (CSV or XLSX by its content): find its layout and header row; the body is read lazily.

    Raises GLFormatError (missing file, too big, not a table, no layout recognised, encoding)."""
    source = str(path)
    if isinstance(mapping, Layout):
        candidates: Sequence[Layout] = (mapping,)
    elif mapping is not None:
        candidates = (load_mapping(mapping, kind),)
    elif preset_name is not None:
        candidates = (preset(preset_name, kind),)
    else:
        candidates = presets(kind)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise GLFormatError(f"cannot read: {exc.strerror or exc}", source=source) from None
    limit = int(max_mb * 1024 * 1024)
    if size > limit:
        raise GLFormatError(f"{size / 1048576:,.0f} MB is above the {max_mb:,.0f} MB limit for an export "
                            "(raise it with --max-export-mb, or export only the accounts and dates needed)", source=source)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise GLFormatError("the file is empty", source=source)
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, source, candidates, limit, chunk_rows)
    return _open_csv(path, source, head, candidates, chunk_rows)


def _detect_header(records: Sequence[Sequence[Any]], candidates: Sequence[Layout]
                   ) -> tuple[int, Layout, dict[str, list[int]]] | None:
    for i, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        headers: dict[str, int] = {}
        for pos, cell in enumerate(record):
            key = normalize_header(cell)
            if key and key not in headers:  # a repeated header: the first one counts
                headers[key] = pos
        if len(headers) < 2:
            continue
        for layout in candidates:
            found, missing = layout.resolve(headers)
            if not missing:
                return i, layout, found
    return None


def _no_layout(records: Sequence[Sequence[Any]], candidates: Sequence[Layout], source: str, offset: int = 1) -> GLFormatError:
    """The error for an export no candidate layout recognises: the headers found, and what is missing."""
    best: tuple[tuple[int, int, int], Layout, list[str]] | None = None  # ((missing, -found, row), layout, missing)
    for i, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        headers = {normalize_header(c): p for p, c in reversed(list(enumerate(record))) if normalize_header(c)}
        for layout in candidates:
            found, missing = layout.resolve(headers)
            score = (len(missing), -len(found), i)
            if (found or len(candidates) == 1) and sum(1 for c in record if normalize_header(c)) >= 2 \
                    and (best is None or score < best[0]):
                best = (score, layout, missing)
    kind = candidates[0].kind if candidates else "gl"
    how = f"Use --{kind}-preset NAME, or a mapping file (--{kind}-map) naming the columns"
    if best is None:
        shown = next((r for r in records[:HEADER_SEARCH_ROWS] if sum(1 for c in r if normalize_header(c)) >= 2), None)
        where = f"; the first row with text has: {_list(shown)}" if shown else ""
        return GLFormatError(f"no {kind.upper()} layout recognised in the first {HEADER_SEARCH_ROWS} rows{where}. "
                             f"Presets: {', '.join(c.name for c in candidates)}. {how}", source=source)
    (_, _, row), layout, missing = best
    return GLFormatError(
        f"no {kind.upper()} layout recognised: the headers found (row {row + offset}) are {_list(records[row])}; "
        f"the closest layout, {layout.name}, is missing {'; '.join(missing)}. {how}", row=row + offset, source=source)


def _list(record: Sequence[Any] | None) -> str:
    cells = [str(c).strip() for c in record or () if c is not None and str(c).strip()]
    shown = ", ".join(repr(c) for c in cells[:20])
    return shown + (f" (and {len(cells) - 20} more)" if len(cells) > 20 else "")


def _names(found: Mapping[str, list[int]], record: Sequence[Any]) -> dict[str, str]:
    return {k: " + ".join(str(record[p]).strip() for p in v) for k, v in found.items()}


def _search(layout: Layout, record: Sequence[Any], used: set[int]) -> list[int]:
    wanted = {normalize_header(h) for h in layout.search}
    return [p for p, c in enumerate(record) if normalize_header(c) in wanted and p not in used]


# --------------------------------------------------------------------------- CSV


def _open_csv(path: str | os.PathLike[str], source: str, head: bytes, candidates: Sequence[Layout], chunk_rows: int) -> Table:
    declared = candidates[0].encoding if len(candidates) == 1 else None
    encoding, bom = _bom_encoding(head)
    if encoding is None and b"\x00" in head:
        raise GLFormatError("binary content (NUL bytes): not a CSV text file (UTF-16 needs its BOM)", source=source)
    tentative = declared or encoding or ("utf-8" if _valid_prefix(head, "utf-8") else "cp1252")
    text = head.decode(tentative, errors="replace")
    if len(head) == _HEAD_BYTES:
        text = text[: text.rfind("\n") + 1] or text
    if bom and text.startswith("\ufeff"):
        text = text[1:]
    delimiters = (candidates[0].delimiter,) if len(candidates) == 1 and candidates[0].delimiter else _DELIMITERS
    hit = None
    parsed: dict[str, list[list[str]]] = {}
    for delimiter in delimiters:
        records, lines = _records(text, delimiter)
        parsed[delimiter] = records
        detected = _detect_header(records, candidates)
        if detected is not None and (hit is None or detected[0] < hit[0]):
            hit = (detected[0], detected[1], detected[2], delimiter, lines[detected[0]])
    if hit is None:
        widest = max(parsed, key=lambda d: max((len(r) for r in parsed[d][:HEADER_SEARCH_ROWS]), default=0))
        raise _no_layout(parsed[widest], candidates, source)
    index, layout, found, delimiter, lines_through_header = hit
    record = parsed[delimiter][index]
    if encoding is None:
        encoding = declared or _sniff_encoding(path, source, delimiter, record, index + 1)
    elif declared:
        encoding = declared
    if declared:
        _check_declared(path, source, declared, delimiter, record, index + 1)
    used = {p for ps in found.values() for p in ps}
    search = _search(layout, record, used)
    positions = sorted(used | set(search))
    width = len(record)
    header_row = index + 1

    def chunks() -> Iterator[pd.DataFrame]:
        # Every column is read (not usecols): pandas would silently drop the extra fields of a row longer than the
        # header (an unquoted "1,234.56" under a comma separator), shifting its values; this way it is an error.
        reader = pd.read_csv(
            path, sep=delimiter, header=None, names=list(range(width)), skiprows=lines_through_header,
            dtype=str, na_filter=False, keep_default_na=False, skip_blank_lines=False, encoding=encoding,
            chunksize=max(1, min(chunk_rows, max(10_000, _CHUNK_CELLS // max(width, 1)))), engine="c", quotechar='"',
            doublequote=True)
        start = header_row + 1
        try:
            for chunk in reader:
                chunk = chunk[positions].fillna("")
                chunk["row"] = range(start, start + len(chunk))
                start += len(chunk)
                yield chunk.reset_index(drop=True)
        except pd.errors.ParserError as exc:
            m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
            if m:
                raise GLFormatError(f"{m.group(3)} fields where the header has {m.group(1)} (a separator inside an "
                                    "unquoted value?)", row=int(m.group(2)), source=source) from None
            m = re.search(r"EOF inside string starting at row (\d+)", str(exc))
            if m:  # pandas counts the file's lines from 0
                raise GLFormatError('a quoted value opened here is never closed (a " runs to the end of the file)',
                                    row=int(m.group(1)) + 1, source=source) from None
            raise GLFormatError(f"not a well-formed CSV: {exc}", source=source) from None
        except UnicodeDecodeError as exc:  # pragma: no cover - the encoding was checked over the whole file
            raise GLFormatError(f"bytes not valid in {encoding}: {exc.reason}", source=source) from None

    return Table(source, layout, found, _names(found, record), search, header_row, encoding, delimiter, chunks())


def _records(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """The first records of the head, and how many physical lines each ends after."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records: list[list[str]] = []
    lines: list[int] = []
    try:
        for record in reader:
            records.append(record)
            lines.append(reader.line_num)
            if len(records) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass  # a malformed line in the head: detection works with what came before it
    return records, lines


def _bom_encoding(head: bytes) -> tuple[str | None, bool]:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True
    return None, False


def _valid_prefix(data: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        decoder.decode(data, final=False)
        return True
    except UnicodeDecodeError:
        return False


# Spanish letters in UTF-8 are C2 xx or C3 xx: read as Windows-1252 they are "Ã³", "Ã±", "Â¿" ...
_UTF8_PAIR = re.compile(rb"[\xc2\xc3][\x80-\xbf]")
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def _sniff_encoding(path: str | os.PathLike[str], source: str, delimiter: str, header: Sequence[str], header_row: int) -> str:
    """UTF-8 if the whole file is; else Windows-1252 if the whole file is and shows no UTF-8; else an error
    naming the row and column of the first byte that decides it."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    offset = 0
    non_ascii_utf8 = False
    with open(path, "rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            try:
                decoded = decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                bad = offset + exc.start
                if non_ascii_utf8 or _UTF8_PAIR.search(block[: exc.start]):
                    why = "mixes UTF-8 with another encoding (Windows-1252?): re-export it in one encoding"
                    raise _encoding_error(path, source, bad, delimiter, header, header_row, why) from None
                break
            non_ascii_utf8 = non_ascii_utf8 or not decoded.isascii()
            if not block:
                return "utf-8"
            offset += len(block)
    # Not UTF-8: Windows-1252 (a superset of latin-1's letters) if every byte is defined there and no UTF-8 shows up.
    offset = 0
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            for pattern, why in ((_UTF8_PAIR, "mixes Windows-1252 with UTF-8 (Ã³ for ó): re-export it in one encoding"),
                                 (_CP1252_UNDEFINED, "is neither UTF-8 nor Windows-1252/latin-1 text")):
                m = pattern.search(block)
                if m:
                    raise _encoding_error(path, source, offset + m.start(), delimiter, header, header_row, why)
            offset += len(block)
    return "cp1252"


def _check_declared(path: str | os.PathLike[str], source: str, encoding: str, delimiter: str, header: Sequence[str],
                    header_row: int) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                raise _encoding_error(path, source, offset + exc.start, delimiter, header, header_row,
                                      f"is not {encoding} text, as the mapping declares") from None
            if not block:
                return
            offset += len(block)


def _encoding_error(path: str | os.PathLike[str], source: str, offset: int, delimiter: str, header: Sequence[str],
                    header_row: int, why: str) -> GLFormatError:
    """Where byte ``offset`` is: its line (as the row) and the header of its field."""
    with open(path, "rb") as fh:
        before = fh.read(offset)
    row = before.count(b"\n") + 1
    line = before[before.rfind(b"\n") + 1:]
    field = line.count(delimiter.encode("ascii", "replace"))
    column = str(header[field]).strip() if row > header_row and field < len(header) else None
    with open(path, "rb") as fh:
        fh.seek(offset)
        sample = fh.read(4)
    return GLFormatError(f"the byte(s) {sample[:2].hex(' ')} {why}", row=row, column=column, source=source)


# --------------------------------------------------------------------------- XLSX


def _open_xlsx(path: str | os.PathLike[str], source: str, candidates: Sequence[Layout], limit: int, chunk_rows: int) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise GLFormatError(f"not a readable XLSX workbook: {exc}", source=source) from None
    if unpacked > limit:
        raise GLFormatError(f"the workbook unpacks to {unpacked / 1048576:,.0f} MB, above the {limit / 1048576:,.0f} MB "
                            "limit for an export (--max-export-mb)", source=source)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise GLFormatError(f"not a readable XLSX workbook: {exc}", source=source) from None
    wanted = candidates[0].sheet if len(candidates) == 1 else None
    if wanted is not None and wanted not in wb.sheetnames:
        raise GLFormatError(f"no sheet {wanted!r}; the workbook has {', '.join(map(repr, wb.sheetnames))}", source=source)
    if not wb.sheetnames:
        raise GLFormatError("the workbook has no sheets", source=source)
    ws = wb[wanted] if wanted is not None else wb.worksheets[0]
    ws.reset_dimensions()  # some writers record a wrong size: read every row and column there is
    rows = ws.iter_rows(values_only=True)
    buffered: list[tuple[Any, ...]] = []
    for row in rows:
        buffered.append(row)
        if len(buffered) >= HEADER_SEARCH_ROWS:
            break
    if not any(any(c is not None and str(c).strip() for c in r) for r in buffered):
        wb.close()
        raise GLFormatError(f"the sheet {ws.title!r} is empty", source=source)
    detected = _detect_header(buffered, candidates)
    if detected is None:
        wb.close()
        raise _no_layout(buffered, candidates, f"{source} (sheet {ws.title!r})")
    index, layout, found = detected
    record = buffered[index]
    used = {p for ps in found.values() for p in ps}
    search = _search(layout, record, used)
    positions = sorted(used | set(search))
    header_row = index + 1

    def chunks() -> Iterator[pd.DataFrame]:
        number = header_row
        batch: list[list[Any]] = []
        numbers: list[int] = []

        def frame() -> pd.DataFrame:
            df = pd.DataFrame(batch, columns=positions, dtype=object)
            df["row"] = numbers
            return df

        try:
            for row in _chain(buffered[index + 1:], rows):
                number += 1
                batch.append([row[p] if p < len(row) else None for p in positions])
                numbers.append(number)
                if len(batch) >= chunk_rows:
                    yield frame()
                    batch, numbers = [], []
            if batch:
                yield frame()
        finally:
            wb.close()

    return Table(f"{source}", layout, found, _names(found, record), search, header_row, None, None, chunks())


def _chain(first: Sequence[tuple[Any, ...]], rest: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    yield from first
    yield from rest

"""Optional data from outside the document: SAT's list of registered RFCs (LRFC).

Some of SAT's rules look a value up in a list only SAT and the PACs hold:
CFDI40143 (the receiver's RFC is registered and not cancelled) and CRP20222
(the RFC of the payer's bank). cfdi-ar never needs that data, but a team that
has it (SAT's LRFC download, or just the RFCs of its own customers) can plug
it in with ``--lrfc FILE`` or ``lrfc = "FILE"`` in ``cfdi-ar.toml``; the
rules then run, and without it they check nothing.

Accepted files (UTF-8 or Latin-1, optionally gzip-compressed, ``.gz``):

* one RFC per line;
* a delimited file (``,``, ``|``, ``;`` or tab) whose header row has a column
  named ``RFC`` (SAT's ``RFC|SNCF|SUBCONTRATACION`` layout), or without a
  header, the RFC in the first column.

Blank lines and lines starting with ``#`` are ignored. The file is read once
per process into a frozenset (about 100 bytes per RFC: a list of a few
million RFCs fits comfortably; SAT's complete list is far larger, so filter
it to the RFCs you deal with).
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import os
import re
from pathlib import Path
from typing import Iterator

__all__ = ["ExternalDataError", "load_lrfc"]

_DELIMITERS = ",|;\t"
_RFC = re.compile(r"^[A-ZÑ&]{3,4}[0-9]{6}[A-Z0-9]{3}$")
_RFC_HEADER = re.compile(r"^rfc(?:$|[\s_-])")


class ExternalDataError(ValueError):
    """An external data file that cannot be used."""


def load_lrfc(path: str | os.PathLike[str]) -> frozenset[str]:
    """The RFCs listed in ``path`` (upper-cased), read once per process and file version."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise ExternalDataError(f"LRFC file {p}: {exc.strerror or exc}") from None
    if not p.is_file():
        raise ExternalDataError(f"LRFC file {p} is not a file")
    return _load(str(p.resolve()), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4)
def _load(path: str, _mtime_ns: int, _size: int) -> frozenset[str]:
    try:
        raw = Path(path).read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ExternalDataError(f"LRFC file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # SAT's older text downloads
    try:
        rfcs = frozenset(_rfcs(text))
    except ExternalDataError as exc:
        raise ExternalDataError(f"LRFC file {path}: {exc}") from None
    except csv.Error as exc:
        raise ExternalDataError(f"LRFC file {path}: not a readable delimited file ({exc})") from None
    if not rfcs:
        raise ExternalDataError(f"LRFC file {path} lists no RFC")
    return rfcs


def _rfcs(text: str) -> Iterator[str]:
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return
    first = lines[0]
    delimiter = next((d for d in _DELIMITERS if d in first), None)
    if delimiter is None:  # one RFC per line, perhaps under a title "RFC"
        start = 1 if _RFC_HEADER.match(first.strip().strip('"').lower()) else 0
        for line in lines[start:]:
            yield line.strip().strip('"').upper()
        return
    rows = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header = [cell.strip().lower() for cell in next(rows)]
    column = next((i for i, cell in enumerate(header) if _RFC_HEADER.match(cell)), None)
    if column is None:  # no header: the RFC is the first column, and the first line is data
        if not _RFC.match(header[0].upper()):
            raise ExternalDataError(f"no RFC column: the first line has no column named RFC and {header[0]!r} is not an RFC")
        column = 0
        rows = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    for row in rows:
        if len(row) > column:
            value = row[column].strip().upper()
            if value:
                yield value

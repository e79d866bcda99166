"""Cancellation evidence for the AR ledger: four sources in, frozen records out. Pure: bytes in, records out.

* ``metadata``: SAT's Descarga Masiva "Metadata" TXT (``~``-separated) → :class:`MetadataRow`;
* ``csv``: a user's list of cancellations (uuid, status, date) → :class:`Cancellation`;
* ``request``: the emisor's signed ``Cancelacion`` (XMLDSig, CSD) → verified :class:`Cancellation`
  (in :mod:`.cancel_request`);
* ``acuse``: SAT's acuse de cancelación → :class:`Cancellation` marked ``verified=False``: SAT seals
  it with a key only SAT can check, so it is evidence, not proof.

Every reader returns ``(records, problems)`` and never raises on bad input: a bad row or
document is a :class:`SourceProblem` naming the line and column, and the other rows still count.
Dates are naive ``datetime`` in SAT's local (central Mexico) time, as written; a CSV date
without a time is midnight. No database, no file system: the ledger's ingest does that.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from lxml import etree

from ..io.xml import XmlRefused, parse_untrusted
from ..namespaces import localname
from ..xmltext import strip_accents
from .records import canonical_uuid

__all__ = [
    "MetadataRow", "Cancellation", "SourceProblem", "TrustPolicy", "read_metadata", "read_csv",
    "read_acuse", "read_source", "sniff", "CANCELA_NS",
]

CANCELA_NS = "http://cancelacfd.sat.gob.mx"
_DS = "{http://www.w3.org/2000/09/xmldsig#}"
# The only (SignatureMethod, DigestMethod) pairs accepted: SAT's rsa-sha1/sha1, and rsa-sha256/sha256.
_ALGORITHM_PAIRS = {
    ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1"),
    ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmlenc#sha256"),
}

TrustPolicy = Callable[[bytes], "str | None"]
"""The caller's trust policy: certificate DER → None when acceptable, else the reason it is not."""

Status = Literal["cancelled", "active"]
DateKind = Literal["cancelled_at", "requested_at"]
Source = Literal["metadata", "csv", "request", "acuse"]
Result = tuple[list["Cancellation"], list["SourceProblem"]]


@dataclass(frozen=True, slots=True)
class SourceProblem:
    """Why a row or document gave no record. ``line`` is 1-based; ``column`` a header or attribute name."""

    name: str
    line: int | None
    column: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Cancellation:
    """What one source says about one UUID. ``date_kind`` "requested_at": the emisor's request date
    (from a signed request), not when SAT cancelled it. ``verified``: a signature was checked."""

    uuid: str
    status: Status
    date: dt.datetime | None
    date_kind: DateKind
    source: Source
    verified: bool
    motivo: str | None = None
    folio_sustitucion: str | None = None
    rfc_emisor: str | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class MetadataRow:
    """One row of SAT's Metadata TXT. ``estatus`` as SAT writes it: "1" vigente, "0" cancelado."""

    uuid: str
    rfc_emisor: str
    nombre_emisor: str
    rfc_receptor: str
    nombre_receptor: str
    rfc_pac: str
    fecha_emision: dt.datetime
    fecha_certificacion_sat: dt.datetime
    monto: Decimal
    efecto_comprobante: str
    estatus: str
    fecha_cancelacion: dt.datetime | None
    name: str = ""
    line: int = 0

    @property
    def cancelled(self) -> bool:
        return self.estatus == "0"

    def cancellation(self) -> Cancellation:
        return Cancellation(self.uuid, "cancelled" if self.cancelled else "active", self.fecha_cancelacion,
                            "cancelled_at", "metadata", False, rfc_emisor=self.rfc_emisor, name=self.name)


# ---------------------------------------------------------------- shared text helpers

_DT_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?)?")
_RFC_RE = re.compile(r"[A-ZÑ&]{3,4}[0-9]{6}[A-Z0-9]{3}")
_AMOUNT_RE = re.compile(r"[0-9]{1,20}(?:\.[0-9]{1,10})?")  # no sign, exponent, NaN or Infinity


def _decode(data: bytes) -> str:
    """SAT's files come in several encodings: UTF-8 (BOM or not), else Windows-1252, else latin-1."""
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
    return data.decode("latin-1")  # every byte is a character: never fails


def _lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) for non-blank lines; LF or CRLF only (str.splitlines would split on NEL, FS...)."""
    return [(n, line.rstrip("\r")) for n, line in enumerate(text.split("\n"), 1) if line.strip()]


def _datetime(text: str, *, need_time: bool = True) -> dt.datetime:
    m = _DT_RE.fullmatch(text.strip())
    if m is None or (need_time and m[6] is None):
        shape = "YYYY-MM-DD HH:MM:SS" if need_time else "YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS]"
        raise ValueError(f"{text!r} is not a date-time ({shape})")
    fields = [int(g or 0) for g in m.groups()[:6]]
    micro = int((m[7] or "0")[:6].ljust(6, "0"))
    try:
        return dt.datetime(*fields, micro)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date: {exc}") from None


def _uuid(text: str) -> str:
    value = canonical_uuid(text)
    if value is None:
        raise ValueError(f"{text!r} is not a UUID")
    return value


def _rfc(text: str) -> str:
    value = text.strip().upper()
    if not _RFC_RE.fullmatch(value):
        raise ValueError(f"{text!r} is not an RFC")
    return value


def _one_of(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text.upper() not in allowed:
            raise ValueError(f"{text!r} is not one of {', '.join(allowed)}")
        return text.upper()
    return parse


def _amount(text: str) -> Decimal:
    if not _AMOUNT_RE.fullmatch(text):
        raise ValueError(f"{text!r} is not an amount (digits, optional decimals)")
    return Decimal(text)


# ---------------------------------------------------------------- 1. SAT metadata TXT

_METADATA: tuple[tuple[str, str, Callable[[str], Any]], ...] = (  # SAT header (any case in the file), field, parser
    ("Uuid", "uuid", _uuid),
    ("RfcEmisor", "rfc_emisor", _rfc),
    ("NombreEmisor", "nombre_emisor", str),
    ("RfcReceptor", "rfc_receptor", _rfc),
    ("NombreReceptor", "nombre_receptor", str),
    ("RfcPac", "rfc_pac", _rfc),
    ("FechaEmision", "fecha_emision", _datetime),
    ("FechaCertificacionSat", "fecha_certificacion_sat", _datetime),
    ("Monto", "monto", _amount),
    ("EfectoComprobante", "efecto_comprobante", _one_of("I", "E", "P", "N", "T")),
    ("Estatus", "estatus", _one_of("0", "1")),
    ("FechaCancelacion", "fecha_cancelacion", lambda text: _datetime(text) if text else None),
)


def read_metadata(name: str, data: bytes) -> tuple[list[MetadataRow], list[SourceProblem]]:
    """SAT's Metadata TXT → rows. Column order comes from the header; extra columns are ignored."""
    lines = _lines(_decode(data))
    if not lines:
        return [], [SourceProblem(name, None, None, "the file is empty")]
    header_line, header_text = lines[0]
    columns = [h.strip().lower() for h in header_text.split("~")]
    missing = [header for header, _, _ in _METADATA if header.lower() not in columns]
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if missing or duplicated:
        why = f"missing column(s) {', '.join(missing)}" if missing else f"duplicated column(s) {', '.join(duplicated)}"
        return [], [SourceProblem(name, header_line, None, f"not a SAT metadata header: {why}")]
    index = {header: columns.index(header.lower()) for header, _, _ in _METADATA}
    rows: list[MetadataRow] = []
    problems: list[SourceProblem] = []
    for number, line in lines[1:]:
        cells = [c.strip() for c in line.split("~")]
        if len(cells) != len(columns):
            problems.append(SourceProblem(name, number, None, f"expected {len(columns)} fields, found {len(cells)}"))
            continue
        values: dict[str, Any] = {}
        bad: list[SourceProblem] = []
        for header, field, parse in _METADATA:
            try:
                values[field] = parse(cells[index[header]])
            except ValueError as exc:
                bad.append(SourceProblem(name, number, header, str(exc)))
        if not bad and (values["estatus"] == "0") != (values["fecha_cancelacion"] is not None):
            state = "cancelado (0) without" if values["estatus"] == "0" else "vigente (1) with"
            bad.append(SourceProblem(name, number, "FechaCancelacion", f"Estatus {state} a FechaCancelacion"))
        if bad:
            problems.extend(bad)
        else:
            rows.append(MetadataRow(**values, name=name, line=number))
    return rows, problems


# ---------------------------------------------------------------- 2. the user's CSV

_CSV_HEADERS = {
    "uuid": "uuid", "folio fiscal": "uuid", "estatus": "status", "status": "status",
    "fecha": "date", "fecha cancelacion": "date", "fecha de cancelacion": "date", "date": "date",
}
_CSV_STATUS: dict[str, Status] = {
    "cancelled": "cancelled", "cancelado": "cancelled", "0": "cancelled",
    "active": "active", "vigente": "active", "1": "active",
}


def _csv_key(header: str) -> str | None:
    return _CSV_HEADERS.get(re.sub(r"[\s_]+", " ", strip_accents(header).strip().lower()))


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_csv(name: str, data: bytes) -> Result:
    """uuid,status[,date] (English or Spanish headers, ``,`` or ``;``) → records; ``verified=False``."""
    text = _decode(data)
    lines = _lines(text)
    if not lines:
        return [], [SourceProblem(name, None, None, "the file is empty")]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(lines[0][1]))
    try:
        rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except csv.Error as exc:  # e.g. a field over csv's size limit
        return [], [SourceProblem(name, reader.line_num, None, f"not a readable CSV: {exc}")]
    if not rows:
        return [], [SourceProblem(name, None, None, "the file has no header")]
    (header_line, header), rows = rows[0], rows[1:]
    keys = [_csv_key(h) for h in header]
    for key in ("uuid", "status", "date"):
        if keys.count(key) > 1:
            return [], [SourceProblem(name, header_line, None, f"more than one {key} column")]
    missing = [key for key in ("uuid", "status") if key not in keys]
    if missing:
        return [], [SourceProblem(name, header_line, None, f"no {' or '.join(missing)} column in the header")]
    out: list[Cancellation] = []
    problems: list[SourceProblem] = []
    for number, row in rows:
        cell = {key: row[i].strip() for i, key in enumerate(keys) if key and i < len(row)}
        bad: list[SourceProblem] = []
        uuid = canonical_uuid(cell.get("uuid"))
        if uuid is None:
            bad.append(SourceProblem(name, number, header[keys.index("uuid")], f"{cell.get('uuid', '')!r} is not a UUID"))
        status = _CSV_STATUS.get(cell.get("status", "").lower())
        if status is None:
            bad.append(SourceProblem(name, number, header[keys.index("status")],
                                     f"{cell.get('status', '')!r} is not a status (cancelled/cancelado/0, active/vigente/1)"))
        date = None
        if cell.get("date"):
            try:
                date = _datetime(cell["date"], need_time=False)
            except ValueError as exc:
                bad.append(SourceProblem(name, number, header[keys.index("date")], str(exc)))
        if bad or uuid is None or status is None:
            problems.extend(bad)
        else:
            out.append(Cancellation(uuid, status, date, "cancelled_at", "csv", False, name=name))
    return out, problems


# ---------------------------------------------------------------- 4. SAT's acuse (unverified)

_ACUSE_STATUS = {
    "203": "the UUID does not belong to the RfcEmisor", "204": "the UUID cannot be cancelled",
    "205": "SAT does not know the UUID",
}


def _value(el: etree._Element, field: str) -> str | None:
    child = next((c for c in el if localname(c) == field), None)
    text = child.text if child is not None else el.get(field)
    return text.strip() if text is not None else None


def read_acuse(name: str, data: bytes) -> Result:
    """SAT's acuse → records for EstatusUUID 201 (cancelled) and 202 (cancelled before), ``verified=False``.

    The date of a 201 is the acuse's ``Fecha``; a 202 says it was cancelled earlier, on a date the acuse
    does not give, so its date is None. Elements are matched by local name: SAT's services vary.
    """
    try:
        root = parse_untrusted(data)
    except XmlRefused as exc:
        return [], [SourceProblem(name, exc.line, None, exc.message)]
    if localname(root) != "Acuse":
        return [], [SourceProblem(name, root.sourceline, None, f"the root is {root.tag}, not Acuse")]
    problems: list[SourceProblem] = []
    fecha = None
    try:
        fecha = _datetime(root.get("Fecha") or "")
    except ValueError as exc:
        problems.append(SourceProblem(name, root.sourceline, "Fecha", str(exc)))
    rfc = (root.get("RfcEmisor") or "").strip().upper() or None
    out: list[Cancellation] = []
    for folios in (el for el in root.iter() if localname(el) == "Folios"):
        uuid, estatus = canonical_uuid(_value(folios, "UUID")), _value(folios, "EstatusUUID")
        if uuid is None:
            problems.append(SourceProblem(name, folios.sourceline, "UUID", f"{_value(folios, 'UUID')!r} is not a UUID"))
        elif estatus in ("201", "202"):
            out.append(Cancellation(uuid, "cancelled", fecha if estatus == "201" else None, "cancelled_at", "acuse",
                                    False, rfc_emisor=rfc, name=name))
        else:
            meaning = _ACUSE_STATUS.get(estatus or "", "not cancelled")
            problems.append(SourceProblem(name, folios.sourceline, "EstatusUUID",
                                          f"{uuid}: EstatusUUID {estatus}: {meaning}"))
    if not out and not problems:  # SAT refused the whole request (CodEstatus 301-310: bad seal, bad certificate...)
        code = f" (CodEstatus {root.get('CodEstatus')})" if root.get("CodEstatus") else ""
        problems.append(SourceProblem(name, root.sourceline, None, f"the acuse has no Folios{code}"))
    return out, problems


# ---------------------------------------------------------------- which source is it?


def sniff(name: str, data: bytes) -> str | None:
    """"metadata", "csv", "request", "acuse", or None (CFDIs and anything else)."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        try:
            root = parse_untrusted(data)
        except XmlRefused:
            return None
        return {"Cancelacion": "request", "Acuse": "acuse"}.get(localname(root))
    lines = _lines(_decode(data[:8192]))
    first = lines[0][1] if lines else ""
    if "uuid~rfcemisor" in first.lower().replace(" ", ""):
        return "metadata"
    header = next(csv.reader([first], delimiter=_delimiter(first)), [])
    if name.lower().endswith(".csv") and "uuid" in (_csv_key(c) for c in header):
        return "csv"
    return None


def read_source(name: str, data: bytes, *, trust: TrustPolicy | None = None, at: dt.datetime | None = None) -> Result:
    """Sniff, then read: any of the four sources → cancellation records (metadata rows converted)."""
    kind = sniff(name, data)
    if kind == "metadata":
        rows, problems = read_metadata(name, data)
        return [row.cancellation() for row in rows], problems
    if kind == "csv":
        return read_csv(name, data)
    if kind == "acuse":
        return read_acuse(name, data)
    if kind == "request":
        if trust is None:
            return [], [SourceProblem(name, None, None, "a signed request needs a trust policy; none was given")]
        from .cancel_request import read_request

        return read_request(name, data, trust, at=at)
    return [], [SourceProblem(name, None, None, "not a cancellation source (metadata TXT, CSV, request or acuse)")]

"""Layouts of GL and ERP exports: which header holds each field. Presets and mapping files (TOML).

A layout is a preset (``cfdi_ar/close/presets/*.toml``, package data) or a user's
mapping file in the same format (docs/close-gl.md):

.. code-block:: toml

    kind = "gl"                    # or "ar": the ERP's open items
    name = "mi-erp"                # how reports name it (default: mapping:<file>)
    decimal = ","                  # "1.234,56" (default ".")
    date_format = "DD/MM/YYYY"     # or "MM/DD/YYYY", for dates written with slashes
    amount_sign = "debit"          # a signed amount column: positive is a debit (or "credit")
    sheet = "Movimientos"          # XLSX: the sheet (default: the first)
    encoding = "cp1252"            # CSV (default: detected)
    delimiter = ";"                # CSV (default: detected)
    optional = ["reference"]       # columns that may be absent (the others are required)
    search = ["Asignación"]        # more columns searched for CFDI UUIDs, when present

    [columns]                      # field = header, or [headers]: the first present wins
    date = "Fecha"
    account = ["Cuenta", "Cuenta contable"]

    [join]                         # field = [headers] whose cells are joined by a space
    entry = ["Tipo", "Número"]

Headers are compared by :func:`normalize_header`: no accents, case, punctuation or
extra spaces.
"""

from __future__ import annotations

import codecs
import os
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .cells import GLFormatError

__all__ = ["Layout", "FIELDS", "normalize_header", "load_mapping", "presets", "preset"]

FIELDS: Mapping[str, tuple[str, ...]] = {
    "gl": ("date", "account", "entry", "reference", "description", "debit", "credit", "amount", "uuid"),
    "ar": ("customer_rfc", "customer_name", "customer", "document", "reference", "description", "uuid", "posting_date",
           "due_date", "currency", "amount", "amount_mxn", "exchange_rate"),
}
_KEYS = {"kind", "name", "description", "priority", "decimal", "date_format", "amount_sign", "sheet", "encoding", "delimiter",
         "optional", "search", "columns", "join"}


@dataclass(frozen=True)
class Layout:
    """Where each field of an export is: a preset, or a user's mapping file (same TOML format)."""

    name: str
    kind: str  # "gl" | "ar"
    columns: Mapping[str, tuple[str, ...]]  # field -> accepted headers, the first present wins
    join: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # field -> headers whose cells are joined by a space
    optional: frozenset[str] = frozenset()
    search: tuple[str, ...] = ()  # more headers searched for CFDI UUIDs when present
    decimal: str = "."
    date_format: str = "DD/MM/YYYY"
    amount_sign: str = "debit"  # a signed amount column: "debit" (positive = debit) or "credit"
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    description: str = ""
    priority: int = 100
    origin: str = ""  # the TOML file

    def fields(self) -> tuple[str, ...]:
        return tuple(self.columns) + tuple(self.join)

    def resolve(self, headers: Mapping[str, int]) -> tuple[dict[str, list[int]], list[str]]:
        """Each field's column positions, given the normalized headers → position; and the required
        fields that are missing, each as the headers that would do (``"cargo|cargos|debe"``)."""
        found: dict[str, list[int]] = {}
        missing: list[str] = []
        for name, accepted in self.columns.items():
            pos = next((headers[h] for h in map(normalize_header, accepted) if h in headers), None)
            if pos is not None:
                found[name] = [pos]
            elif name not in self.optional:
                missing.append(" | ".join(accepted))
        for name, parts in self.join.items():
            positions = [headers.get(normalize_header(h)) for h in parts]
            if all(p is not None for p in positions):
                found[name] = [p for p in positions if p is not None]
            elif name not in self.optional:
                missing.append(" + ".join(h for h, p in zip(parts, positions) if p is None))
        if self.kind == "ar":  # an open item needs something to match it by, and an amount
            for group in (("uuid", "document", "reference"), ("amount_mxn", "amount")):
                if not any(g in found for g in group) and all(g in self.optional for g in group if g in self.fields()):
                    missing.append(" | ".join(h for g in group for h in (self.columns.get(g) or self.join.get(g) or ())))
        return found, missing


def normalize_header(text: Any) -> str:
    """A header as compared: no accents, lower case, punctuation and runs of spaces as one space."""
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text).replace("º", "o").replace("°", "o"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def _as_tuple(value: Any, what: str, origin: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(value)
    raise GLFormatError(f"{what} must be a header or a list of headers", source=origin)


def _layout(data: dict[str, Any], origin: str, kind: str | None, default_name: str) -> Layout:
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise GLFormatError(f"unknown key(s) {', '.join(unknown)}; expected some of {', '.join(sorted(_KEYS))}", source=origin)
    declared = data.get("kind", kind)
    if declared not in FIELDS or (kind is not None and declared != kind):
        raise GLFormatError(f'kind must be "{kind or "gl"}"' if kind else 'kind must be "gl" or "ar"', source=origin)
    allowed = FIELDS[declared]
    columns_raw = data.get("columns", {})
    join_raw = data.get("join", {})
    if not isinstance(columns_raw, dict) or not isinstance(join_raw, dict):
        raise GLFormatError("[columns] and [join] must be tables of field = header(s)", source=origin)
    bad = sorted((set(columns_raw) | set(join_raw)) - set(allowed))
    if bad:
        raise GLFormatError(f"unknown field(s) {', '.join(bad)}; a {declared} export has {', '.join(allowed)}", source=origin)
    both = sorted(set(columns_raw) & set(join_raw))
    if both:
        raise GLFormatError(f"{', '.join(both)} in both [columns] and [join]", source=origin)
    columns = {k: _as_tuple(v, f"columns.{k}", origin) for k, v in columns_raw.items()}
    join = {k: _as_tuple(v, f"join.{k}", origin) for k, v in join_raw.items()}
    optional = frozenset(_as_tuple(data["optional"], "optional", origin)) if data.get("optional") else frozenset()
    layout = Layout(
        name=str(data.get("name") or default_name), kind=declared, columns=columns, join=join, optional=optional,
        search=_as_tuple(data["search"], "search", origin) if data.get("search") else (),
        decimal=data.get("decimal", "."), date_format=data.get("date_format", "DD/MM/YYYY"),
        amount_sign=data.get("amount_sign", "debit"), sheet=data.get("sheet"), encoding=data.get("encoding"),
        delimiter=data.get("delimiter"), description=str(data.get("description", "")), priority=int(data.get("priority", 100)),
        origin=origin,
    )
    _check(layout)
    return layout


def _check(layout: Layout) -> None:
    """A layout must say where the fields its kind cannot do without are."""
    origin, have = layout.origin, set(layout.fields())
    required = have - layout.optional
    if layout.decimal not in (".", ","):
        raise GLFormatError(f'decimal must be "." or ",", not {layout.decimal!r}', source=origin)
    if layout.date_format not in ("DD/MM/YYYY", "MM/DD/YYYY"):
        raise GLFormatError(f'date_format must be "DD/MM/YYYY" or "MM/DD/YYYY", not {layout.date_format!r}', source=origin)
    if layout.amount_sign not in ("debit", "credit"):
        raise GLFormatError(f'amount_sign must be "debit" or "credit", not {layout.amount_sign!r}', source=origin)
    if layout.delimiter is not None and (len(layout.delimiter) != 1 or layout.delimiter in '"\r\n'):
        raise GLFormatError(f"delimiter must be one character, not {layout.delimiter!r}", source=origin)
    if layout.encoding is not None:
        try:
            codecs.lookup(layout.encoding)
        except LookupError:
            raise GLFormatError(f"unknown encoding {layout.encoding!r}", source=origin) from None
    if layout.kind == "gl":
        if not {"date", "account"} <= required:
            raise GLFormatError("a GL layout needs the columns date and account", source=origin)
        signed, split = "amount" in have, bool({"debit", "credit"} & have)
        if signed == split or (not signed and not {"debit", "credit"} <= required):
            raise GLFormatError("a GL layout needs either debit and credit columns, or one signed amount column", source=origin)
        if "amount" in have and "amount" not in required:
            raise GLFormatError("the amount column cannot be optional", source=origin)
    else:
        if not {"uuid", "document", "reference"} & have:
            raise GLFormatError("an AR layout needs a uuid, document or reference column", source=origin)
        if not {"amount", "amount_mxn"} & have:
            raise GLFormatError("an AR layout needs an amount or amount_mxn column", source=origin)


def load_mapping(path: str | os.PathLike[str], kind: str) -> Layout:
    """A user's mapping file (TOML, the presets' format) for an export of ``kind`` ("gl" or "ar")."""
    origin = str(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise GLFormatError(f"cannot read the mapping file: {exc.strerror or exc}", source=origin) from None
    except tomllib.TOMLDecodeError as exc:
        raise GLFormatError(f"not a valid TOML mapping: {exc}", source=origin) from None
    return _layout(data, origin, kind, f"mapping:{Path(path).name}")


@lru_cache(maxsize=None)
def _all_presets() -> tuple[Layout, ...]:
    folder = resources.files("cfdi_ar.close") / "presets"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            found.append(_layout(data, f"preset {entry.name}", None, entry.name[:-5]))
    return tuple(sorted(found, key=lambda p: (p.kind, p.priority, p.name)))


def presets(kind: str) -> tuple[Layout, ...]:
    """The presets for ``kind`` ("gl" or "ar"), in the order header detection tries them."""
    return tuple(p for p in _all_presets() if p.kind == kind)


def preset(name: str, kind: str) -> Layout:
    """The preset called ``name``, or GLFormatError listing those that exist."""
    for p in presets(kind):
        if p.name == name:
            return p
    raise GLFormatError(f"no {kind.upper()} preset {name!r}; presets: {', '.join(p.name for p in presets(kind))}")

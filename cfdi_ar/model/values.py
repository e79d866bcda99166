"""Parsing attribute text into typed values, without ever guessing.

A value that is absent *or* unparseable becomes ``None``; the raw text stays
on the element for evidence and for rules that care how a number was
written (SAT's limits depend on the number of decimals written). Money is
always :class:`decimal.Decimal` built from the text, never from a float.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from ..xmltext import collapse

__all__ = ["text", "decimal", "integer", "fecha", "decimals_written", "UUID_RE", "canonical_uuid"]

_WS = " \t\r\n"
# xs:decimal's lexical space: optional sign, digits, optional fraction. No exponents,
# no NaN/Infinity, no thousands separators, ASCII digits only.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_FECHA = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})")


def text(raw: str | None) -> str | None:
    """Whitespace-collapsed text (what the XSD's ``whiteSpace collapse`` and the cadena's
    ``normalize-space()`` see), None if absent. Only XML whitespace is collapsed, never NBSP."""
    return None if raw is None else collapse(raw)


_DECIMALS: dict[str, Decimal | None] = {}  # amounts repeat a lot across a batch (rates, quantities, "0")
_MISSING = object()
_CACHED_LENGTH = 80  # a decimal of up to 64 characters, with room for whitespace around it


def decimal(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    found = _DECIMALS.get(raw, _MISSING)
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    result = _decimal(raw)
    # Only texts that can be numbers are kept (_decimal() refuses anything longer): a batch of documents
    # each carrying a distinct multi-megabyte "amount" must not pin every one of them in memory.
    if len(raw) <= _CACHED_LENGTH and len(_DECIMALS) < 100_000:
        _DECIMALS[raw] = result
    return result


def _decimal(raw: str) -> Decimal | None:
    value = raw.strip(_WS)
    if len(value) > 64:
        return None
    # Fast path for plain ASCII "123" / "123.45" (isdigit alone would accept other scripts' digits).
    if not (value.isascii() and value.replace(".", "", 1).isdigit()) and not _DECIMAL.fullmatch(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        return None


def integer(raw: str | None) -> int | None:
    if raw is None:
        return None
    value = raw.strip(_WS)
    if len(value) > 20 or not _INTEGER.fullmatch(value):
        return None
    return int(value)


def fecha(raw: str | None) -> datetime | None:
    """``AAAA-MM-DDThh:mm:ss`` (no offset, no fraction) → naive datetime; else None."""
    if raw is None:
        return None
    value = raw.strip(_WS)
    if not _FECHA.fullmatch(value) or value[11:13] == "24":  # 24:00:00: newer Pythons read it as the next day
        return None
    try:  # the pattern admits exactly this shape; fromisoformat() then reads it in C
        return datetime.fromisoformat(value)
    except ValueError:  # 2023-02-29, 25:00:00 ...
        return None


def decimals_written(raw: str | None) -> int | None:
    """How many decimals the text carries (``"1.50"`` → 2, ``"3"`` → 0)."""
    if raw is None:
        return None
    value = raw.strip(_WS)
    if not _DECIMAL.fullmatch(value):
        return None
    _, dot, frac = value.partition(".")
    return len(frac) if dot else 0


UUID_RE = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")


def canonical_uuid(text: str | None) -> str | None:
    """A UUID as the ledger and the reports key it: upper case, SAT's 8-4-4-4-12 shape (surrounding
    whitespace and braces dropped); None when the text is not one."""
    if not text:
        return None
    value = text.strip().strip("{}").upper()
    return value if UUID_RE.fullmatch(value) else None

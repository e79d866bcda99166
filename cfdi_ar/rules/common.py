"""Small helpers SAT's business rules share: sources, currency decimals, RFC kinds, formatting.

Business rules read the parsed model (``ctx.model``) and the catalogs loaded once per process
(``ctx.runtime.catalogs``); they never re-parse. Amounts are :class:`~decimal.Decimal` built from
the document's text, so ``places_of`` gives the decimals as written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from ..context import DocContext
from ..sat.arith import places_of
from ..sat.catalogs import Catalogs

__all__ = [
    "M40",
    "MP",
    "RFC_GENERICO_NACIONAL",
    "RFC_GENERICO_EXTRANJERO",
    "GENERICOS",
    "IVA",
    "ISR",
    "IEPS",
    "COMERCIO_EXTERIOR",
    "has_comercio_exterior",
    "catalogs",
    "moneda_places",
    "is_moral",
    "is_fisica",
    "show",
    "show_range",
    "too_many_decimals",
    "total",
]

M40 = "Matriz de errores CFDI 4.0"
MP = "Matriz de errores Pagos 2.0 (Rev. B)"
RFC_GENERICO_NACIONAL = "XAXX010101000"
RFC_GENERICO_EXTRANJERO = "XEXX010101000"
GENERICOS = frozenset({RFC_GENERICO_NACIONAL, RFC_GENERICO_EXTRANJERO})
ISR, IVA, IEPS = "001", "002", "003"
ZERO = Decimal("0")
# Comercio Exterior 2.0, and 1.1 (accepted with CFDI 4.0 until January 2024).
COMERCIO_EXTERIOR = frozenset({"http://www.sat.gob.mx/ComercioExterior20", "http://www.sat.gob.mx/ComercioExterior11"})


def has_comercio_exterior(ctx: DocContext) -> bool:
    """The document carries the Comercio Exterior complement."""
    return any(ns in COMERCIO_EXTERIOR for ns in ctx.model.complementos)


def catalogs(ctx: DocContext) -> Catalogs:
    return ctx.runtime.catalogs  # type: ignore[no-any-return]


def moneda_places(ctx: DocContext, moneda: str | None = None) -> int | None:
    """Decimals of a currency in c_Moneda (the document's Moneda by default); None if unknown."""
    return ctx.runtime.catalogs.decimals(moneda if moneda is not None else ctx.model.moneda)  # type: ignore[no-any-return]


def is_moral(rfc: str | None) -> bool:
    """A persona moral's RFC has 12 characters (3 letters + date + homoclave)."""
    return rfc is not None and len(rfc) == 12


def is_fisica(rfc: str | None) -> bool:
    """A persona física's RFC has 13 characters (4 letters + date + homoclave)."""
    return rfc is not None and len(rfc) == 13


def show(value: Decimal | None) -> str:
    """A Decimal as plain text, never in exponent form."""
    return "" if value is None else f"{value:f}"


def show_range(low: Decimal, high: Decimal) -> str:
    return f"[{show(low)}, {show(high)}]"


def too_many_decimals(value: Decimal | None, places: int | None) -> bool:
    """More decimals written than ``places`` allows (False when either is unknown)."""
    return value is not None and places is not None and places_of(value) > places


def total(values: Iterable[Decimal | None]) -> Decimal:
    """Sum of the known values (an absent amount adds nothing)."""
    out = ZERO
    for v in values:
        if v is not None:
            out += v
    return out

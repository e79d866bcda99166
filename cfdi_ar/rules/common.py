"""Small helpers SAT's business rules share: sources, currency decimals, RFC kinds, formatting,
and fast paths of SAT's arithmetic.

Business rules read the parsed model (``ctx.model``) and the catalogs loaded once per process
(``ctx.runtime.catalogs``); they never re-parse. Amounts are :class:`~decimal.Decimal` built from
the document's text, so ``places_of`` gives the decimals as written.

:mod:`cfdi_ar.sat.arith` states SAT's arithmetic; the helpers at the end of this module give the
same results for less: they run for every amount of every document (``decimals_of`` and
``redondeo`` are exact equivalents; ``is_rounded_product`` and ``surely_within_tax_limits``
spare computing SAT's limits where they certainly hold).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Iterable

from ..context import DocContext
from ..sat.arith import places_of
from ..sat.arith import redondeo as _redondeo_sat
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
    "decimals_of",
    "redondeo",
    "rounded_sum_differs",
    "is_rounded_product",
    "surely_within_tax_limits",
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
_UNITS = tuple(Decimal(1).scaleb(-n) for n in range(0, 40))  # 10^-n, as sat.arith builds them
_WIDE = Context(prec=60)  # sat.arith.WIDE: wide enough that nothing but SAT's own roundings rounds
_EXACT = Context(prec=60, rounding=ROUND_HALF_UP)


def has_comercio_exterior(ctx: DocContext) -> bool:
    """The document carries the Comercio Exterior complement."""
    return not COMERCIO_EXTERIOR.isdisjoint(ctx.model.complementos)


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
    if value is None or places is None:
        return False
    if 0 <= places < len(_UNITS) and value.same_quantum(_UNITS[places]):
        return False  # written with exactly ``places`` decimals, the usual case (no need to count them)
    return decimals_of(value) > places


def total(values: Iterable[Decimal | None]) -> Decimal:
    """Sum of the known values (an absent amount adds nothing)."""
    out = ZERO
    for v in values:
        if v is not None:
            out += v
    return out


# --------------------------------------------------------------------------- SAT's arithmetic, faster


def decimals_of(value: Decimal) -> int:
    """:func:`~cfdi_ar.sat.arith.places_of` (decimals carried: "1.50" → 2, "3" → 0), read from the
    Decimal's text, which costs a third of unpacking its digits."""
    text = str(value)
    if "E" in text or "e" in text:  # exponent notation ("e" if the context says so): let places_of unpack it
        return places_of(value)
    dot = text.find(".")
    return 0 if dot < 0 else len(text) - dot - 1


def redondeo(value: Decimal, places: int) -> Decimal:
    """SAT's rounding, :func:`cfdi_ar.sat.arith.redondeo` (half up, away from zero, to ``places``
    decimals, no other rounding), with its 60-digit context passed to ``quantize`` instead of
    entered: the same result for a tenth of the cost."""
    if 0 <= places < len(_UNITS):
        try:
            return value.quantize(_UNITS[places], ROUND_HALF_UP, _WIDE)
        except InvalidOperation:  # a result of more than 60 digits (an absurd amount): sat.arith widens
            pass
    return _redondeo_sat(value, places)


def rounded_sum_differs(written: Decimal, total: Decimal, places: int) -> Decimal | None:
    """The redondeo of ``total`` when ``written`` is not it, else None."""
    if written == total and not too_many_decimals(written, places):
        return None  # already at the currency's decimals: redondeo(total) == total
    expected = redondeo(total, places)
    return None if written == expected else expected


def is_rounded_product(value: Decimal, a: Decimal, b: Decimal) -> bool:
    """``value`` is a × b rounded half up to the decimals ``value`` is written with.

    A fast path only: such a value always lies within SAT's limits (the exact product does, both
    factors carrying at most six decimals so that half a unit exceeds SAT's 10^-12, and truncating
    the lower / rounding up the upper limit only widens them), so the limits need computing only
    when this fails.
    """
    try:
        return _EXACT.quantize(_EXACT.multiply(a, b), value) == value
    except ArithmeticError:  # absurdly long amounts (the schema rejects them): let the limits decide
        return False


def surely_within_tax_limits(importe: Decimal, base: Decimal, tasa: Decimal) -> bool:
    """True only when SAT's limits of a tax Importe (:func:`~cfdi_ar.sat.arith.impuesto_limits`)
    certainly admit ``importe``, so they need not be computed; False means "compute them".

    It holds when ``importe`` is base × tasa rounded half up to its own decimals
    (:func:`is_rounded_product`) and none of the three is negative, Base carries at most 11
    decimals (half its last unit is then at least SAT's 10^-12, so the exact product lies within
    the unrounded limits, which truncating / rounding up only widens), and each is written in at
    most 23 characters without an exponent (the limits' 60 digits then hold every intermediate
    result exactly).
    """
    if base < ZERO or tasa < ZERO or importe < ZERO:
        return False
    b, t, i = str(base), str(tasa), str(importe)
    if len(b) > 23 or len(t) > 23 or len(i) > 23 or not (b + t + i).replace(".", "").replace("-", "").isdigit():
        return False  # long, or in exponent notation
    dot = b.find(".")
    if dot >= 0 and len(b) - dot - 1 > 11:
        return False
    return is_rounded_product(importe, base, tasa)

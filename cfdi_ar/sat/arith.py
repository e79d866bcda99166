"""SAT's arithmetic, exactly as SAT states it (``RULES.md`` §2).

Every function takes and returns :class:`~decimal.Decimal` and runs in a
context wide enough that no intermediate result is rounded by Python: the only
roundings are the ones SAT prescribes, done explicitly. Products are exact for
any amount the model reads (at most 64 characters: :func:`cfdi_ar.model.values.decimal`);
a quotient carries 60 significant digits; a rounding keeps as many digits as its
result needs, so even an absurd amount (which SAT's schema would refuse, but
``--skip`` can let through) gets an answer, never an exception.

* *redondeo* (SubTotal, global taxes, Pagos Totales): half up, away from zero,
  to the currency's decimals (Anexo 20, "Reglas de redondeo").
* lower limits are *truncated*, upper limits *rounded up*, to a number of
  decimals the rule names.
* ``NumDecimalesX`` is the number of decimals *as written* in attribute X:
  "1.50" has two, "1.5" one. A half unit of the last written digit is the
  tolerance SAT grants a value for having been rounded to that many decimals.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Context, Decimal, InvalidOperation, localcontext

__all__ = [
    "EPSILON",
    "PAGOS_EPSILON",
    "half_unit",
    "redondeo",
    "truncate",
    "round_up",
    "importe_limits",
    "impuesto_limits",
    "imp_pagado_limits",
    "places_of",
]

WIDE = Context(prec=60)
# Two factors of at most 64 digits, each shifted by a half unit and SAT's 10^-12: under 160 digits, exact.
EXACT = Context(prec=200)
EPSILON = Decimal("1E-12")  # Anexo 20's "− 0.000000000001" in the upper limits of Importe and tax Importe
PAGOS_EPSILON = Decimal("1E-10")  # Pagos guide's "− 0.0000000001" in the ImpPagado limits
_UNITS = [Decimal(1).scaleb(-n) for n in range(0, 40)]


def half_unit(decimals: int) -> Decimal:
    """Half a unit of the last of ``decimals`` decimals: 10^-d / 2."""
    return (_UNITS[decimals] if 0 <= decimals < len(_UNITS) else Decimal(1).scaleb(-decimals)) / 2


def _q(places: int) -> Decimal:
    return _UNITS[places] if 0 <= places < len(_UNITS) else Decimal(1).scaleb(-places)


def quantize(value: Decimal, places: int, rounding: str) -> Decimal:
    """``value`` rounded as ``rounding`` says to ``places`` decimals, and in no other way: with as many
    digits as the result needs (60 cover every real amount; more only for absurd ones)."""
    q = _q(places)
    try:
        return value.quantize(q, rounding=rounding, context=WIDE)
    except InvalidOperation:  # the result needs more than 60 digits
        if not value.is_finite():
            raise
        return value.quantize(q, rounding=rounding, context=Context(prec=max(1, value.adjusted() + places + 2)))


def redondeo(value: Decimal, places: int) -> Decimal:
    """SAT's rounding: half up (away from zero) to ``places`` decimals."""
    return quantize(value, places, ROUND_HALF_UP)


def truncate(value: Decimal, places: int) -> Decimal:
    """Cut to ``places`` decimals (toward zero)."""
    return quantize(value, places, ROUND_DOWN)


def round_up(value: Decimal, places: int) -> Decimal:
    """Round away from zero to ``places`` decimals (SAT's "redondear hacia arriba" for upper limits)."""
    return quantize(value, places, ROUND_UP)


def places_of(value: Decimal) -> int:
    """Decimals carried by a Decimal built from text ("1.50" → 2, "3" → 0)."""
    exp = value.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def importe_limits(cantidad: Decimal, valor_unitario: Decimal, places: int) -> tuple[Decimal, Decimal]:
    """Limits of Concepto@Importe (CFDI40167) and Parte@Importe (CFDI40198).

    LímiteInferior = (Cantidad − 10^-NumDecimalesCantidad/2) × (ValorUnitario − 10^-NumDecimalesValorUnitario/2), truncated;
    LímiteSuperior = (Cantidad + 10^-NumDecimalesCantidad/2 − 10^-12) × (ValorUnitario + 10^-NumDecimalesValorUnitario/2 − 10^-12),
    rounded up; both to ``places`` decimals.
    """
    hc, hv = half_unit(places_of(cantidad)), half_unit(places_of(valor_unitario))
    with localcontext(EXACT):
        lower = (cantidad - hc) * (valor_unitario - hv)
        upper = (cantidad + hc - EPSILON) * (valor_unitario + hv - EPSILON)
    return truncate(lower, places), round_up(upper, places)


def impuesto_limits(base: Decimal, tasa_o_cuota: Decimal, places: int) -> tuple[Decimal, Decimal]:
    """Limits of a tax Importe: concept Traslado/Retencion (CFDI40180, CFDI40186) and ImporteDR (CRP20254, CRP20261).

    LímiteInferior = (Base − 10^-NumDecimalesBase/2) × TasaOCuota, truncated;
    LímiteSuperior = (Base + 10^-NumDecimalesBase/2 − 10^-12) × TasaOCuota, rounded up; to ``places`` decimals.
    """
    hb = half_unit(places_of(base))
    with localcontext(EXACT):
        lower = (base - hb) * tasa_o_cuota
        upper = (base + hb - EPSILON) * tasa_o_cuota
    return truncate(lower, places), round_up(upper, places)


def imp_pagado_limits(imp_pagado: Decimal, equivalencia: Decimal, places: int, *,
                      equivalencia_decimals: int | None = None) -> tuple[Decimal, Decimal]:
    """Limits, in the payment's currency, of an ImpPagado made in another currency (CRP20275, CRP20276).

    Pagos guide: lower = (ImpPagado − 10^-NumDecimalesImpPagado/2) / (EquivalenciaDR + 10^-NumDecimalesEquivalenciaDR/2 − 0.0000000001),
    truncated; upper = (ImpPagado + 10^-NumDecimalesImpPagado/2 − 0.0000000001) / (EquivalenciaDR − 10^-NumDecimalesEquivalenciaDR/2),
    rounded up; both to ``places`` (the decimals of MonedaP). ``equivalencia_decimals`` overrides the
    decimals written in EquivalenciaDR (CRP20277: an EquivalenciaDR of "1" counts as "1.0000000000").

    Where SAT's parentheses are ambiguous we read them as CfdiUtils does: half a unit of the last
    written digit on each operand, the epsilon on the side that makes each limit strict.
    """
    hi_ = half_unit(places_of(imp_pagado))
    he = half_unit(equivalencia_decimals if equivalencia_decimals is not None else places_of(equivalencia))
    with localcontext(WIDE):
        lower = (imp_pagado - hi_) / (equivalencia + he - PAGOS_EPSILON)
        denominator = equivalencia - he
        upper = (imp_pagado + hi_ - PAGOS_EPSILON) / denominator if denominator > 0 else None
    lo = truncate(lower, places)
    up = round_up(upper, places) if upper is not None else Decimal("Infinity")
    return lo, up

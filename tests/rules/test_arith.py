"""SAT's arithmetic (cfdi_ar/sat/arith.py) at the edges of what the model reads: amounts of up to 64
characters, which SAT's schema refuses but `--skip` lets through to the business rules."""

from __future__ import annotations

from decimal import Context, localcontext
from decimal import Decimal as D

import pytest

from cfdi_ar.rules.common import redondeo as redondeo_fast
from cfdi_ar.sat.arith import imp_pagado_limits, importe_limits, impuesto_limits, redondeo, round_up, truncate

HUGE = D("9" * 40)
EXACT = Context(prec=400)  # the expectations, computed with no rounding at all


def test_importe_limits_of_a_40_digit_price_at_31_decimals_are_exact_not_an_exception():
    # fuzz_model: Cantidad 1, ValorUnitario 40 nines, Importe 1E-31: the limits need 71 digits, the
    # 60-digit context raised InvalidOperation (CFDIAR-INTERNAL on CFDI40167).
    lower, upper = importe_limits(D("1"), HUGE, 31)
    with localcontext(EXACT):
        assert lower == D("0.5") * (HUGE - D("0.5"))  # exact: truncating changes nothing at 31 decimals
        assert upper == (D("1.5") - D("1E-12")) * (HUGE + D("0.5") - D("1E-12"))
    assert -lower.as_tuple().exponent == 31 == -upper.as_tuple().exponent


def test_products_of_64_digit_amounts_are_exact():
    base = D("9" * 58 + ".12345")  # 64 characters
    lower, upper = impuesto_limits(base, D("0.160000"), 6)
    with localcontext(EXACT):
        exact_lower = (base - D("0.000005")) * D("0.160000")  # Python's default 28 digits would round this
    assert len(exact_lower.as_tuple().digits) > 60
    assert lower == truncate(exact_lower, 6)
    assert upper > lower


def test_a_quotient_of_absurd_amounts_gets_limits_not_an_exception():
    lower, upper = imp_pagado_limits(D("9" * 64), D("0.0000000001"), 6)
    assert lower <= upper and lower > D("1E+73")


@pytest.mark.parametrize("places", [0, 2, 6, 31, 63])
def test_roundings_of_64_digit_values_keep_every_digit(places):
    value = D("1" * 40 + "." + "5" * 23)
    assert truncate(value, places) <= value <= round_up(value, places)
    assert redondeo(value, places) == redondeo_fast(value, places)
    assert str(redondeo(value, places)).startswith("1" * 39)
    assert redondeo(value, places).as_tuple().exponent == -places


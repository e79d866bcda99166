"""Pagos 2.0 DoctoRelacionado rules: currencies, equivalences, balances and Monto (CRP20217, CRP20236–CRP20244, CRP20275–CRP20277)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from cfdi_ar.findings import Severity

from .conftest import UUID_A, UUID_B, Payment, one, paid, run_rule, set_attr

CODES = ("CRP20217", "CRP20236", "CRP20237", "CRP20238", "CRP20239", "CRP20240", "CRP20241", "CRP20242", "CRP20243",
         "CRP20244", "CRP20275", "CRP20276", "CRP20277")
PAGO = "//pago20:Pago"
DR = "//pago20:DoctoRelacionado"
PAGO_PATH = "/cfdi:Comprobante/cfdi:Complemento/pago20:Pagos/pago20:Pago"
DR_PATH = PAGO_PATH + "/pago20:DoctoRelacionado"
WHEN = dt.datetime(2026, 10, 20, 12, 0, 0)
EQ = D("17.5")  # MXN per USD: an MXN invoice paid in USD


def usd(rep, *documents):  # type: ignore[no-untyped-def]
    """A payment in USD (TipoCambioP 17.5) of ``documents``."""
    return rep(payments=[Payment(WHEN, "03", "USD", tuple(documents), tipo_cambio=EQ)])


def mxn_in_usd(uuid: str = UUID_A, pagado: D = D("580.00")):  # type: ignore[no-untyped-def]
    """An MXN invoice of 1,160.00 paid in USD at EquivalenciaDR 17.5: its limits in USD are [33.04, 33.24] for 580.00."""
    return paid(uuid, pagado=pagado, equivalencia=EQ)


def usd_doc(uuid: str = UUID_B, pagado: D = D("10.00")):  # type: ignore[no-untyped-def]
    """A USD invoice (no taxes) paid in USD: EquivalenciaDR "1"."""
    return paid(uuid, moneda="USD", total=D("100.00"), pagado=pagado, taxes=())


# --------------------------------------------------------------------------- valid documents


def test_valid_receipts_raise_none_of_these_codes(rep) -> None:  # type: ignore[no-untyped-def]
    documents = [
        rep(),
        rep(documents=(paid(), paid(UUID_B, pagado=D("1160.00")))),
        usd(rep, mxn_in_usd()),
        usd(rep, mxn_in_usd(), mxn_in_usd(UUID_B, D("1000.01"))),
        usd(rep, mxn_in_usd(), usd_doc()),
        rep(documents=(paid(taxes=(("Exento", None, D("1160.00")),)),)),
    ]
    for root in documents:
        for code in CODES:
            assert run_rule(code, root) == [], code


# --------------------------------------------------------------------------- CRP20217


def test_CRP20217_sum_above_monto_fires(rep) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(rep(), PAGO, Monto="579.99")
    [f] = run_rule("CRP20217", root)
    assert f.path == PAGO_PATH + "/@Monto"
    assert (f.expected, f.found) == (">= 580.00", "579.99")


def test_CRP20217_sum_equal_to_monto_passes(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep(documents=(paid(), paid(UUID_B, pagado=D("0.01"))))
    assert one(PAGO, root).get("Monto") == "580.01"
    assert run_rule("CRP20217", root) == []
    assert run_rule("CRP20217", set_attr(root, PAGO, Monto="580.00"))


def test_CRP20217_monto_above_sum_passes(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20217", set_attr(rep(), PAGO, Monto="1000.00")) == []


def test_CRP20217_leaves_other_currencies_to_CRP20276(rep) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(usd(rep, mxn_in_usd()), PAGO, Monto="1.00")
    assert run_rule("CRP20217", root) == []
    assert run_rule("CRP20276", root)


# --------------------------------------------------------------------------- CRP20236–CRP20238


def test_CRP20236_moneda_dr_xxx_fires(rep) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule("CRP20236", set_attr(rep(), DR, MonedaDR="XXX"))
    assert f.path == DR_PATH + "/@MonedaDR"
    assert f.found == "XXX"


def test_CRP20236_real_currency_passes(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20236", set_attr(rep(), DR, MonedaDR="USD")) == []


def test_CRP20237_missing_equivalencia_fires(rep) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(usd(rep, mxn_in_usd()), DR, EquivalenciaDR=None)
    [f] = run_rule("CRP20237", root)
    assert f.path == DR_PATH + "/@EquivalenciaDR"
    assert (f.expected, f.found) == ("present", "<absent>")


def test_CRP20237_equivalencia_present_or_same_currency_passes(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20237", usd(rep, mxn_in_usd())) == []
    assert run_rule("CRP20237", set_attr(rep(), DR, EquivalenciaDR=None)) == []


def test_CRP20238_same_currency_not_one_fires(rep) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule("CRP20238", set_attr(rep(), DR, EquivalenciaDR="1.000001"))
    assert f.path == DR_PATH + "/@EquivalenciaDR"
    assert (f.expected, f.found) == ("1", "1.000001")


@pytest.mark.parametrize("value", ["1", "1.0000000000", None])
def test_CRP20238_one_in_any_spelling_or_absent_passes(rep, value) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20238", set_attr(rep(), DR, EquivalenciaDR=value)) == []


def test_CRP20238_other_currency_is_not_concerned(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20238", usd(rep, mxn_in_usd())) == []


# --------------------------------------------------------------------------- CRP20239–CRP20244


@pytest.mark.parametrize(("code", "attr"), [("CRP20239", "ImpSaldoAnt"), ("CRP20241", "ImpPagado")])
def test_CRP20239_CRP20241_zero_fires(rep, code, attr) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule(code, set_attr(rep(), DR, **{attr: "0.00"}))
    assert f.path == f"{DR_PATH}/@{attr}"
    assert (f.expected, f.found) == ("> 0", "0.00")


@pytest.mark.parametrize(("code", "attr"), [("CRP20239", "ImpSaldoAnt"), ("CRP20241", "ImpPagado")])
def test_CRP20239_CRP20241_one_cent_passes(rep, code, attr) -> None:  # type: ignore[no-untyped-def]
    assert run_rule(code, set_attr(rep(), DR, **{attr: "0.01"})) == []


@pytest.mark.parametrize(("code", "attr"), [("CRP20240", "ImpSaldoAnt"), ("CRP20242", "ImpPagado"), ("CRP20243", "ImpSaldoInsoluto")])
def test_CRP20240_CRP20242_CRP20243_too_many_decimals_fires(rep, code, attr) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule(code, set_attr(rep(), DR, **{attr: "580.001"}))
    assert f.path == f"{DR_PATH}/@{attr}"
    assert (f.expected, f.found) == ("<= 2 decimals", "580.001")


@pytest.mark.parametrize(("code", "attr"), [("CRP20240", "ImpSaldoAnt"), ("CRP20242", "ImpPagado"), ("CRP20243", "ImpSaldoInsoluto")])
def test_CRP20240_CRP20242_CRP20243_currency_decimals_pass(rep, code, attr) -> None:  # type: ignore[no-untyped-def]
    assert run_rule(code, set_attr(rep(), DR, **{attr: "580.10"})) == []
    assert run_rule(code, set_attr(rep(), DR, **{attr: "580"})) == []


def test_CRP20240_zero_decimal_currency_fires_on_cents(rep) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(rep(), DR, MonedaDR="JPY", ImpSaldoAnt="1160.00")
    [f] = run_rule("CRP20240", root)
    assert (f.expected, f.found) == ("<= 0 decimals", "1160.00")
    assert run_rule("CRP20240", set_attr(root, DR, ImpSaldoAnt="1160")) == []


def test_CRP20244_insoluto_not_difference_fires(rep) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule("CRP20244", set_attr(rep(), DR, ImpSaldoInsoluto="580.01"))
    assert f.path == DR_PATH + "/@ImpSaldoInsoluto"
    assert (f.expected, f.found) == ("580.00", "580.01")


def test_CRP20244_negative_insoluto_fires(rep) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(rep(), DR, ImpSaldoAnt="500.00", ImpPagado="580.00", ImpSaldoInsoluto="-80.00")
    [f] = run_rule("CRP20244", root)
    assert (f.expected, f.found) == (">= 0", "-80.00")


def test_CRP20244_zero_insoluto_and_exact_difference_pass(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20244", set_attr(rep(), DR, ImpPagado="1160.00", ImpSaldoInsoluto="0")) == []
    assert run_rule("CRP20244", set_attr(rep(), DR, ImpSaldoInsoluto="580")) == []


# --------------------------------------------------------------------------- CRP20275–CRP20277 (other currencies)


def test_CRP20275_docto_lower_limit_above_monto_fires(rep) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(usd(rep, mxn_in_usd()), PAGO, Monto="33.03")
    [f] = run_rule("CRP20275", root)
    assert f.path == DR_PATH + "/@ImpPagado"
    assert (f.expected, f.found) == ("lower limit <= 33.03", "[33.04, 33.24]")


def test_CRP20275_lower_limit_equal_to_monto_passes(rep) -> None:  # type: ignore[no-untyped-def]
    root = usd(rep, mxn_in_usd())
    assert one(PAGO, root).get("Monto") == "33.14"
    assert run_rule("CRP20275", set_attr(root, PAGO, Monto="33.04")) == []


def test_CRP20275_names_only_the_overflowing_docto(rep) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(usd(rep, mxn_in_usd(), mxn_in_usd(UUID_B, D("1160.00"))), PAGO, Monto="50.00")
    [f] = run_rule("CRP20275", root)  # 1,160.00 MXN is at least 66.09 USD; 580.00 MXN (33.04) fits in 50.00
    assert f.path == DR_PATH + "[2]/@ImpPagado"


def test_CRP20275_same_currency_docto_is_not_concerned(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20275", set_attr(rep(), PAGO, Monto="1.00")) == []


def test_CRP20276_monto_below_sum_of_lower_limits_fires(rep) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(usd(rep, mxn_in_usd(), mxn_in_usd(UUID_B)), PAGO, Monto="66.07")
    [f] = run_rule("CRP20276", root)
    assert f.path == PAGO_PATH + "/@Monto"
    assert (f.expected, f.found) == ("[66.08, 66.48]", "66.07")
    assert run_rule("CRP20275", root) == []  # each document alone (33.04) fits


def test_CRP20276_monto_at_sum_of_lower_limits_passes(rep) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(usd(rep, mxn_in_usd(), mxn_in_usd(UUID_B)), PAGO, Monto="66.08")
    assert run_rule("CRP20276", root) == []


def test_CRP20276_monto_covering_the_converted_sum_passes(rep) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(usd(rep, mxn_in_usd()), PAGO, Monto="5000.00")
    assert run_rule("CRP20276", root) == []


def test_CRP20276_single_docto_edges(rep) -> None:  # type: ignore[no-untyped-def]
    root = usd(rep, mxn_in_usd())
    assert run_rule("CRP20276", set_attr(root, PAGO, Monto="33.04")) == []
    [f] = run_rule("CRP20276", set_attr(root, PAGO, Monto="33.03"))
    assert f.expected == "[33.04, 33.24]"


def test_CRP20276_reads_equivalencia_one_with_ten_decimals(rep) -> None:  # type: ignore[no-untyped-def]
    # 580.00 MXN → [33.04, 33.24]; 10.00 USD at EquivalenciaDR "1" → [9.99, 10.01] with 10 decimals
    # (it would be [6.66, 20.01] with the written 0 decimals, and 43.02 would pass).
    root = usd(rep, mxn_in_usd(), usd_doc())
    assert one(f"{DR}[2]", root).get("EquivalenciaDR") == "1"
    assert run_rule("CRP20276", set_attr(root, PAGO, Monto="43.03")) == []
    [f] = run_rule("CRP20276", set_attr(root, PAGO, Monto="43.02"))
    assert f.expected == "[43.03, 43.25]"


def test_CRP20277_one_written_with_other_decimals_warns(rep) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(usd(rep, mxn_in_usd(), usd_doc()), f"{DR}[2]", EquivalenciaDR="1.00")
    [f] = run_rule("CRP20277", root)
    assert f.severity is Severity.WARNING
    assert f.path == DR_PATH + "[2]/@EquivalenciaDR"
    assert (f.expected, f.found) == ('"1" or "1.0000000000"', "1.00")


@pytest.mark.parametrize("value", ["1", "1.0000000000"])
def test_CRP20277_sat_spellings_pass(rep, value) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(usd(rep, mxn_in_usd(), usd_doc()), f"{DR}[2]", EquivalenciaDR=value)
    assert run_rule("CRP20277", root) == []


def test_CRP20277_needs_more_than_one_docto(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20277", set_attr(rep(), DR, EquivalenciaDR="1.00")) == []

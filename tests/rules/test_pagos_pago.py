"""CRP20201–CRP20235: Pagos 2.0 Totales and the Pago node."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cfdi_ar.findings import Finding
from cfdi_ar.rules import get
from cfdi_ar.rules.registry import Kind

from .conftest import NSMAP, Payment, add, one, paid, run_rule, set_attr

D = Decimal
IMPLEMENTED = [f"CRP202{n:02d}" for n in range(1, 36) if n not in (16, 17, 20, 22)]
PAGOS = "/cfdi:Comprobante/cfdi:Complemento/pago20:Pagos"
TOTALES = f"{PAGOS}/pago20:Totales"
PAGO = f"{PAGOS}/pago20:Pago"
WHEN = dt.datetime(2026, 10, 20, 12, 0, 0)


def only(code: str, root) -> Finding:  # type: ignore[no-untyped-def]
    found = run_rule(code, root)
    assert len(found) == 1, found
    return found[0]


def usd(tc: str = "17.12345", pagado: str = "100.00", **kw) -> Payment:  # type: ignore[no-untyped-def]
    """A USD payment of a USD invoice (Monto = pagado); Monto × TC rounds half up at 100.00 × 17.12345 = 1712.345."""
    doc = paid(moneda="USD", total=D("116.00"), pagado=D(pagado), **kw)
    return Payment(WHEN, "03", "USD", (doc,), tipo_cambio=D(tc))


def mxn(forma: str = "03", extra: dict[str, str] | None = None, **kw) -> Payment:  # type: ignore[no-untyped-def]
    return Payment(WHEN, forma, "MXN", (paid(**kw),), extra=extra or {})


def retencion(root, impuesto: str, importe: str, pago: str = PAGO):  # type: ignore[no-untyped-def]
    """Add a RetencionP to the (single) ImpuestosP of the Pago at ``pago``."""
    holder = root.xpath(f"{pago}/pago20:ImpuestosP/pago20:RetencionesP", namespaces=NSMAP)
    if not holder:
        retenciones = add(root, f"{pago}/pago20:ImpuestosP", "pago20:RetencionesP")
        retenciones.getparent().insert(0, retenciones)
    add(root, f"{pago}/pago20:ImpuestosP/pago20:RetencionesP", "pago20:RetencionP", ImpuestoP=impuesto, ImporteP=importe)
    return root


# --------------------------------------------------------------------------- valid documents and registration


@pytest.mark.parametrize("code", IMPLEMENTED)
def test_valid_receipts_raise_no_CRP202xx(code, rep):  # type: ignore[no-untyped-def]
    iva8 = mxn(total=D("1080.00"), pagado=D("540.00"), taxes=(("Tasa", "0.080000", D("1000.00")),))
    iva0 = mxn(total=D("1000.00"), pagado=D("333.33"), taxes=(("Tasa", "0.000000", D("1000.00")),))
    exento = mxn(total=D("1000.00"), pagado=D("1000.00"), taxes=(("Exento", None, D("1000.00")),))
    for root in (rep(), rep(payments=[mxn(), usd(), iva8, iva0, exento]), rep(forma="01"),
                 rep(payments=[Payment(WHEN, "04", "EUR", (paid(moneda="EUR"),), tipo_cambio=D("20.1177"))])):
        assert run_rule(code, root) == []


@pytest.mark.parametrize("code", ["CRP20216", "CRP20220"])
def test_CRP20216_CRP20220_registered_as_external(code):  # type: ignore[no-untyped-def]
    r = get(code)
    assert r.kind is Kind.EXTERNAL and r.check is None


# --------------------------------------------------------------------------- Totales


def test_CRP20201_total_retenciones_iva_wrong_fires(rep):  # type: ignore[no-untyped-def]
    root = set_attr(retencion(rep(payments=[usd()]), "002", "10.00"), TOTALES, TotalRetencionesIVA="171.24")
    f = only("CRP20201", root)  # 10.00 × 17.12345 = 171.2345 → 171.23
    assert f.path == f"{TOTALES}/@TotalRetencionesIVA"
    assert (f.expected, f.found) == ("171.23", "171.24")


def test_CRP20201_total_retenciones_iva_rounded_sum_passes(rep):  # type: ignore[no-untyped-def]
    root = set_attr(retencion(rep(payments=[usd()]), "002", "10.00"), TOTALES, TotalRetencionesIVA="171.23")
    assert run_rule("CRP20201", root) == []


def test_CRP20201_absent_total_with_retentions_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20201", retencion(rep(), "002", "10.00"))
    assert (f.expected, f.found) == ("10.00", "<absent>")


def test_CRP20201_present_total_without_retentions_must_be_zero(rep):  # type: ignore[no-untyped-def]
    assert only("CRP20201", set_attr(rep(), TOTALES, TotalRetencionesIVA="1.00")).expected == "0.00"
    assert run_rule("CRP20201", set_attr(rep(), TOTALES, TotalRetencionesIVA="0.00")) == []


def test_CRP20201_sums_over_every_pago(rep):  # type: ignore[no-untyped-def]
    root = rep(payments=[mxn(), usd()])
    retencion(root, "002", "10.00", f"{PAGO}[1]")
    retencion(root, "002", "1.00", f"{PAGO}[2]")  # 10.00 × 1 + 1.00 × 17.12345 = 27.12345 → 27.12
    assert run_rule("CRP20201", set_attr(root, TOTALES, TotalRetencionesIVA="27.12")) == []
    assert only("CRP20201", set_attr(root, TOTALES, TotalRetencionesIVA="10.00")).expected == "27.12"


@pytest.mark.parametrize(("code", "impuesto", "attribute"), [
    ("CRP20202", "001", "TotalRetencionesISR"), ("CRP20203", "003", "TotalRetencionesIEPS"),
])
def test_CRP20202_CRP20203_total_retenciones(rep, code, impuesto, attribute):  # type: ignore[no-untyped-def]
    root = retencion(retencion(rep(), impuesto, "6.25"), impuesto, "0.01")
    f = only(code, set_attr(root, TOTALES, **{attribute: "6.25"}))
    assert f.path == f"{TOTALES}/@{attribute}"
    assert (f.expected, f.found) == ("6.26", "6.25")
    assert run_rule(code, set_attr(root, TOTALES, **{attribute: "6.26"})) == []
    assert run_rule("CRP20201", set_attr(root, TOTALES, **{attribute: "6.26"})) == []  # not IVA


def test_CRP20204_base_iva16_wrong_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20204", set_attr(rep(), TOTALES, TotalTrasladosBaseIVA16="500.01"))
    assert f.path == f"{TOTALES}/@TotalTrasladosBaseIVA16"
    assert (f.expected, f.found) == ("500.00", "500.01")


def test_CRP20204_base_iva16_equal_value_other_decimals_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20204", set_attr(rep(), TOTALES, TotalTrasladosBaseIVA16="500")) == []


def test_CRP20204_half_cent_rounds_up(rep):  # type: ignore[no-untyped-def]
    # BaseP 100.00 × 17.12345 = 1712.345: SAT's redondeo (half up) gives 1712.35, banker's would give 1712.34.
    root = rep(payments=[usd()])
    set_attr(root, f"{PAGO}/pago20:ImpuestosP/pago20:TrasladosP/pago20:TrasladoP", BaseP="100.00")
    assert run_rule("CRP20204", set_attr(root, TOTALES, TotalTrasladosBaseIVA16="1712.35")) == []
    assert only("CRP20204", set_attr(root, TOTALES, TotalTrasladosBaseIVA16="1712.34")).expected == "1712.35"


def test_CRP20205_impuesto_iva16_wrong_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20205", set_attr(rep(), TOTALES, TotalTrasladosImpuestoIVA16="80.01"))
    assert f.path == f"{TOTALES}/@TotalTrasladosImpuestoIVA16"
    assert (f.expected, f.found) == ("80.00", "80.01")


def test_CRP20205_impuesto_iva16_absent_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20205", set_attr(rep(), TOTALES, TotalTrasladosImpuestoIVA16=None))
    assert (f.expected, f.found) == ("80.00", "<absent>")


def test_CRP20205_impuesto_iva16_exact_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20205", rep()) == []


@pytest.mark.parametrize(("code", "attribute", "good", "bad"), [
    ("CRP20206", "TotalTrasladosBaseIVA8", "500.00", "499.99"),
    ("CRP20207", "TotalTrasladosImpuestoIVA8", "40.00", "40.01"),
])
def test_CRP20206_CRP20207_iva8(rep, code, attribute, good, bad):  # type: ignore[no-untyped-def]
    payment = mxn(total=D("1080.00"), pagado=D("540.00"), taxes=(("Tasa", "0.080000", D("1000.00")),))
    assert run_rule(code, rep(payments=[payment])) == []
    assert one(TOTALES, rep(payments=[payment])).get(attribute) == good
    f = only(code, set_attr(rep(payments=[payment]), TOTALES, **{attribute: bad}))
    assert f.path == f"{TOTALES}/@{attribute}"
    assert (f.expected, f.found) == (good, bad)


def _iva0(rep):  # type: ignore[no-untyped-def]
    return rep(payments=[mxn(total=D("1000.00"), pagado=D("500.00"), taxes=(("Tasa", "0.000000", D("1000.00")),))])


def test_CRP20208_base_iva0_wrong_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20208", set_attr(_iva0(rep), TOTALES, TotalTrasladosBaseIVA0="50.00"))
    assert f.path == f"{TOTALES}/@TotalTrasladosBaseIVA0"
    assert (f.expected, f.found) == ("500.00", "50.00")


def test_CRP20208_base_iva0_absent_fires(rep):  # type: ignore[no-untyped-def]
    assert only("CRP20208", set_attr(_iva0(rep), TOTALES, TotalTrasladosBaseIVA0=None)).found == "<absent>"


def test_CRP20208_base_iva0_exact_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20208", _iva0(rep)) == []


def test_CRP20209_impuesto_iva0_not_zero_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20209", set_attr(_iva0(rep), TOTALES, TotalTrasladosImpuestoIVA0="0.01"))
    assert f.path == f"{TOTALES}/@TotalTrasladosImpuestoIVA0"
    assert (f.expected, f.found) == ("0.00", "0.01")


def test_CRP20209_impuesto_iva0_zero_or_absent_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20209", set_attr(_iva0(rep), TOTALES, TotalTrasladosImpuestoIVA0="0")) == []
    assert run_rule("CRP20209", set_attr(_iva0(rep), TOTALES, TotalTrasladosImpuestoIVA0=None)) == []


def test_CRP20210_base_exento_wrong_fires(rep):  # type: ignore[no-untyped-def]
    root = rep(payments=[mxn(total=D("1000.00"), pagado=D("1000.00"), taxes=(("Exento", None, D("1000.00")),))])
    assert run_rule("CRP20210", root) == []
    f = only("CRP20210", set_attr(root, TOTALES, TotalTrasladosBaseIVAExento="100.00"))
    assert f.path == f"{TOTALES}/@TotalTrasladosBaseIVAExento"
    assert (f.expected, f.found) == ("1000.00", "100.00")


def test_CRP20210_exento_total_without_exento_taxes_must_be_zero(rep):  # type: ignore[no-untyped-def]
    assert only("CRP20210", set_attr(rep(), TOTALES, TotalTrasladosBaseIVAExento="500.00")).expected == "0.00"


def test_CRP20211_monto_total_wrong_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20211", set_attr(rep(payments=[usd()]), TOTALES, MontoTotalPagos="1712.34"))
    assert f.path == f"{TOTALES}/@MontoTotalPagos"
    assert (f.expected, f.found) == ("1712.35", "1712.34")


def test_CRP20211_monto_total_half_up_passes(rep):  # type: ignore[no-untyped-def]
    root = rep(payments=[usd()])
    assert one(TOTALES, root).get("MontoTotalPagos") == "1712.35"
    assert run_rule("CRP20211", root) == []


def test_CRP20211_several_payments(rep):  # type: ignore[no-untyped-def]
    root = rep(payments=[mxn(), usd()])  # 580.00 + 1712.345 = 2292.345 → 2292.35
    assert run_rule("CRP20211", root) == []
    assert only("CRP20211", set_attr(root, TOTALES, MontoTotalPagos="2292.34")).expected == "2292.35"


def test_CRP20211_mxn_without_tipo_cambio_counts_one(rep):  # type: ignore[no-untyped-def]
    root = set_attr(rep(), PAGO, TipoCambioP=None)
    assert run_rule("CRP20211", root) == []
    assert only("CRP20211", set_attr(root, TOTALES, MontoTotalPagos="1.00")).expected == "580.00"


def test_CRP20211_unknown_tipo_cambio_is_not_checked(rep):  # type: ignore[no-untyped-def]
    root = set_attr(rep(payments=[usd()]), PAGO, TipoCambioP=None)  # CRP20214's
    assert run_rule("CRP20211", set_attr(root, TOTALES, MontoTotalPagos="1.00")) == []


# --------------------------------------------------------------------------- Pago: FormaDePagoP, MonedaP, TipoCambioP, Monto


def test_CRP20212_forma_99_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20212", rep(forma="99"))
    assert f.path == f"{PAGO}/@FormaDePagoP"
    assert f.found == "99"


def test_CRP20212_forma_known_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20212", rep(forma="31")) == []


def test_CRP20213_moneda_xxx_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20213", set_attr(rep(), PAGO, MonedaP="XXX"))
    assert f.path == f"{PAGO}/@MonedaP"
    assert f.found == "XXX"


def test_CRP20213_real_currency_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20213", rep(payments=[usd()])) == []


def test_CRP20214_foreign_currency_without_tipo_cambio_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20214", set_attr(rep(payments=[usd()]), PAGO, TipoCambioP=None))
    assert f.path == f"{PAGO}/@TipoCambioP"
    assert (f.expected, f.found) == ("<present>", "<absent>")


def test_CRP20214_mxn_without_tipo_cambio_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20214", set_attr(rep(), PAGO, TipoCambioP=None)) == []
    assert run_rule("CRP20214", rep(payments=[usd()])) == []


def test_CRP20215_mxn_tipo_cambio_not_one_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20215", set_attr(rep(), PAGO, TipoCambioP="1.000001"))
    assert f.path == f"{PAGO}/@TipoCambioP"
    assert (f.expected, f.found) == ("1", "1.000001")


def test_CRP20215_mxn_tipo_cambio_one_or_absent_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20215", set_attr(rep(), PAGO, TipoCambioP="1.000000")) == []
    assert run_rule("CRP20215", set_attr(rep(), PAGO, TipoCambioP=None)) == []


def test_CRP20218_monto_zero_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20218", set_attr(rep(), PAGO, Monto="0.00"))
    assert f.path == f"{PAGO}/@Monto"
    assert (f.expected, f.found) == ("> 0", "0.00")


def test_CRP20218_smallest_monto_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20218", set_attr(rep(), PAGO, Monto="0.01")) == []


def test_CRP20219_monto_too_many_decimals_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20219", set_attr(rep(), PAGO, Monto="580.001"))
    assert f.path == f"{PAGO}/@Monto"
    assert f.found == "580.001"


def test_CRP20219_currency_without_decimals(rep):  # type: ignore[no-untyped-def]
    root = set_attr(rep(payments=[usd()]), PAGO, MonedaP="JPY", Monto="100.0")
    assert only("CRP20219", root).expected == "<= 0 decimals"
    assert run_rule("CRP20219", set_attr(root, PAGO, Monto="100")) == []


def test_CRP20219_monto_with_the_currency_decimals_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20219", set_attr(rep(), PAGO, Monto="580.10")) == []


# --------------------------------------------------------------------------- Pago: accounts


@pytest.mark.parametrize(("code", "attribute", "value"), [
    ("CRP20221", "RfcEmisorCtaOrd", "BMI9704113PA"),
    ("CRP20224", "CtaOrdenante", "1234567890"),
    ("CRP20227", "RfcEmisorCtaBen", "BBA830831LJ2"),
    ("CRP20228", "CtaBeneficiario", "1234567890"),
])
def test_CRP20221_CRP20224_CRP20227_CRP20228_cash_payment_with_account_fires(rep, code, attribute, value):  # type: ignore[no-untyped-def]
    f = only(code, rep(payments=[mxn("01", {attribute: value})]))
    assert f.path == f"{PAGO}/@{attribute}"
    assert (f.expected, f.found) == ("<absent>", value)


@pytest.mark.parametrize(("code", "attribute", "value"), [
    ("CRP20221", "RfcEmisorCtaOrd", "BMI9704113PA"),
    ("CRP20224", "CtaOrdenante", "1234567890"),
    ("CRP20227", "RfcEmisorCtaBen", "BBA830831LJ2"),
    ("CRP20228", "CtaBeneficiario", "1234567890"),
])
def test_CRP20221_CRP20224_CRP20227_CRP20228_transfer_with_account_passes(rep, code, attribute, value):  # type: ignore[no-untyped-def]
    assert run_rule(code, rep(payments=[mxn("03", {attribute: value})])) == []


def test_CRP20228_monedero_electronico_admits_no_beneficiary_account(rep):  # type: ignore[no-untyped-def]
    assert only("CRP20228", rep(payments=[mxn("06", {"CtaBeneficiario": "1234567890"})])).found == "1234567890"
    assert run_rule("CRP20224", rep(payments=[mxn("06", {"CtaOrdenante": "1234567890"})])) == []


def test_CRP20223_foreign_rfc_without_bank_name_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20223", rep(payments=[mxn("03", {"RfcEmisorCtaOrd": "XEXX010101000"})]))
    assert f.path == f"{PAGO}/@NomBancoOrdExt"
    assert (f.expected, f.found) == ("<present>", "<absent>")


def test_CRP20223_foreign_rfc_with_bank_name_passes(rep):  # type: ignore[no-untyped-def]
    extra = {"RfcEmisorCtaOrd": "XEXX010101000", "NomBancoOrdExt": "BANK OF AMERICA"}
    assert run_rule("CRP20223", rep(payments=[mxn("03", extra)])) == []
    assert run_rule("CRP20223", rep(payments=[mxn("03", {"RfcEmisorCtaOrd": "BMI9704113PA"})])) == []


@pytest.mark.parametrize("bad", ["123456789", "12345678901", "12345678901234567"])
def test_CRP20225_cta_ordenante_off_pattern_fires(rep, bad):  # type: ignore[no-untyped-def]
    f = only("CRP20225", rep(payments=[mxn("03", {"CtaOrdenante": bad})]))
    assert f.path == f"{PAGO}/@CtaOrdenante"
    assert f.found == bad
    assert "[0-9]{10}" in (f.expected or "")


@pytest.mark.parametrize("good", ["1234567890", "1234567890123456", "123456789012345678"])
def test_CRP20225_cta_ordenante_whole_pattern_passes(rep, good):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20225", rep(payments=[mxn("03", {"CtaOrdenante": good})])) == []


def test_CRP20225_forbidden_account_left_to_CRP20224(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20225", rep(payments=[mxn("01", {"CtaOrdenante": "x"})])) == []


def test_CRP20226_cta_beneficiario_off_pattern_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20226", rep(payments=[mxn("03", {"CtaBeneficiario": "12345678901"})]))
    assert f.path == f"{PAGO}/@CtaBeneficiario"
    assert f.found == "12345678901"


def test_CRP20226_cta_beneficiario_on_pattern_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20226", rep(payments=[mxn("03", {"CtaBeneficiario": "123456789012345678"})])) == []
    assert run_rule("CRP20226", rep(payments=[mxn("02", {"CtaBeneficiario": "ABC_1234567"})])) == []


# --------------------------------------------------------------------------- Pago: SPEI chain


SPEI = {"TipoCadPago": "01", "CertPago": "MIIB", "CadPago": "||1|2||", "SelloPago": "AAAA"}


def test_CRP20229_tipo_cad_pago_outside_transfer_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20229", rep(payments=[mxn("02", SPEI)]))
    assert f.path == f"{PAGO}/@TipoCadPago"
    assert (f.expected, f.found) == ("<absent>", "01")


def test_CRP20229_tipo_cad_pago_with_transfer_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20229", rep(payments=[mxn("03", SPEI)])) == []


@pytest.mark.parametrize(("code", "attribute"), [
    ("CRP20230", "CertPago"), ("CRP20232", "CadPago"), ("CRP20234", "SelloPago"),
])
def test_CRP20230_CRP20232_CRP20234_spei_part_missing_fires(rep, code, attribute):  # type: ignore[no-untyped-def]
    extra = {k: v for k, v in SPEI.items() if k != attribute}
    f = only(code, rep(payments=[mxn("03", extra)]))
    assert f.path == f"{PAGO}/@{attribute}"
    assert (f.expected, f.found) == ("<present>", "<absent>")
    assert only(code, rep(payments=[mxn("03", {**extra, attribute: ""})])).found == "<absent>"


@pytest.mark.parametrize("code", ["CRP20230", "CRP20232", "CRP20234"])
def test_CRP20230_CRP20232_CRP20234_complete_spei_passes(rep, code):  # type: ignore[no-untyped-def]
    assert run_rule(code, rep(payments=[mxn("03", SPEI)])) == []


@pytest.mark.parametrize(("code", "attribute"), [
    ("CRP20231", "CertPago"), ("CRP20233", "CadPago"), ("CRP20235", "SelloPago"),
])
def test_CRP20231_CRP20233_CRP20235_spei_part_without_tipo_cad_pago_fires(rep, code, attribute):  # type: ignore[no-untyped-def]
    f = only(code, rep(payments=[mxn("03", {attribute: SPEI[attribute]})]))
    assert f.path == f"{PAGO}/@{attribute}"
    assert (f.expected, f.found) == ("<absent>", "<present>")


@pytest.mark.parametrize("code", ["CRP20231", "CRP20233", "CRP20235"])
def test_CRP20231_CRP20233_CRP20235_no_spei_parts_passes(rep, code):  # type: ignore[no-untyped-def]
    assert run_rule(code, rep()) == []
    assert run_rule(code, rep(payments=[mxn("03", SPEI)])) == []


def test_every_pago_is_checked(rep):  # type: ignore[no-untyped-def]
    root = rep(payments=[mxn("03"), mxn("99")])
    assert only("CRP20212", root).path == f"{PAGO}[2]/@FormaDePagoP"

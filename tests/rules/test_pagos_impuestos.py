"""Pagos 2.0 tax rules: ImpuestosDR, ImpuestosP and the Totales they require (CRP20246–CRP20274, CRP20278, CRP20279)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from cfdi_ar.rules.pagos_impuestos import show_sum, sum_tolerance

from .conftest import UUID_B, Payment, add, one, paid, remove, run_rule, set_attr

CODES = ("CRP20246", "CRP20247", "CRP20248", "CRP20252", "CRP20253", "CRP20254", "CRP20258", "CRP20259", "CRP20260",
         "CRP20261", "CRP20263", "CRP20264", "CRP20265", "CRP20266", "CRP20267", "CRP20268", "CRP20269", "CRP20271",
         "CRP20272", "CRP20273", "CRP20274", "CRP20278", "CRP20279")
DR = "//pago20:DoctoRelacionado"
IMPDR = "//pago20:ImpuestosDR"
TDR = "//pago20:TrasladoDR"
TP = "//pago20:TrasladoP"
TOTALES = "//pago20:Totales"
PAGO_PATH = "/cfdi:Comprobante/cfdi:Complemento/pago20:Pagos/pago20:Pago"
DR_PATH = PAGO_PATH + "/pago20:DoctoRelacionado"
TDR_PATH = DR_PATH + "/pago20:ImpuestosDR/pago20:TrasladosDR/pago20:TrasladoDR"
RDR_PATH = DR_PATH + "/pago20:ImpuestosDR/pago20:RetencionesDR/pago20:RetencionDR"
TP_PATH = PAGO_PATH + "/pago20:ImpuestosP/pago20:TrasladosP/pago20:TrasladoP"
RP_PATH = PAGO_PATH + "/pago20:ImpuestosP/pago20:RetencionesP/pago20:RetencionP"
TOTALES_PATH = "/cfdi:Comprobante/cfdi:Complemento/pago20:Pagos/pago20:Totales"
EXENTO = (("Exento", None, D("1160.00")),)


def usd(rep, *documents):  # type: ignore[no-untyped-def]
    return rep(payments=[Payment(dt.datetime(2026, 10, 20, 12), "03", "USD", tuple(documents), tipo_cambio=D("17.5"))])


def with_retencion(root, *, importe_dr: str = "50.00", rate: str = "0.100000", impuesto: str = "001",  # type: ignore[no-untyped-def]
                   importe_p: str | None = "50.00", factor: str = "Tasa", docto: str = DR):
    """Add a RetencionDR (BaseDR 500.00) to ``docto`` and, when ``importe_p`` is given, a RetencionP to the Pago."""
    impuestos = one(f"{docto}/pago20:ImpuestosDR", root)
    retenciones = impuestos.find("{http://www.sat.gob.mx/Pagos20}RetencionesDR")
    if retenciones is None:
        retenciones = add(root, f"{docto}/pago20:ImpuestosDR", "pago20:RetencionesDR")
        impuestos.insert(0, retenciones)
    ret = add(root, f"{docto}/pago20:ImpuestosDR/pago20:RetencionesDR", "pago20:RetencionDR", BaseDR="500.00",
              ImpuestoDR=impuesto, TipoFactorDR=factor, TasaOCuotaDR=rate, ImporteDR=importe_dr)
    if importe_p is not None:
        if not root.xpath("//pago20:RetencionesP", namespaces={"pago20": "http://www.sat.gob.mx/Pagos20"}):
            parent = add(root, "//pago20:ImpuestosP", "pago20:RetencionesP")
            parent.getparent().insert(0, parent)
        add(root, "//pago20:RetencionesP", "pago20:RetencionP", ImpuestoP=impuesto, ImporteP=importe_p)
        if one(TOTALES, root).get("TotalRetencionesISR") is None:
            set_attr(root, TOTALES, TotalRetencionesISR=importe_p)
    return ret


# --------------------------------------------------------------------------- valid documents


def test_valid_receipts_raise_none_of_these_codes(rep) -> None:  # type: ignore[no-untyped-def]
    two = rep(documents=(paid(), paid(UUID_B, pagado=D("1160.00"))))
    withheld = rep()
    with_retencion(withheld)
    documents = [
        rep(),
        two,
        withheld,
        usd(rep, paid(equivalencia=D("17.5"))),
        usd(rep, paid(equivalencia=D("17.5")), paid(UUID_B, pagado=D("333.33"), equivalencia=D("17.4321"))),
        rep(documents=(paid(taxes=EXENTO),)),
        rep(documents=(paid(taxes=(("Tasa", "0.080000", D("1000.00")), ("Tasa", "0.000000", D("100.00")))),)),
    ]
    for root in documents:
        for code in CODES:
            assert run_rule(code, root) == [], code


# --------------------------------------------------------------------------- ObjetoImpDR and ImpuestosDR


def test_CRP20246_objeto_02_without_impuestos_fires(rep) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule("CRP20246", remove(rep(), IMPDR))
    assert f.path == DR_PATH + "/@ObjetoImpDR"
    assert f.found == "<absent>"


def test_CRP20246_objeto_01_without_impuestos_passes(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20246", set_attr(remove(rep(), IMPDR), DR, ObjetoImpDR="01")) == []


@pytest.mark.parametrize("objeto", ["01", "03", "04", "05"])
def test_CRP20247_impuestos_with_objeto_not_02_fires(rep, objeto) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule("CRP20247", set_attr(rep(), DR, ObjetoImpDR=objeto))
    assert f.path == DR_PATH + "/pago20:ImpuestosDR"


@pytest.mark.parametrize("objeto", ["02", "06", "07", "08"])
def test_CRP20247_objetos_admitting_impuestos_pass(rep, objeto) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20247", set_attr(rep(), DR, ObjetoImpDR=objeto)) == []


def test_CRP20248_empty_impuestos_dr_fires(rep) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule("CRP20248", remove(rep(), "//pago20:TrasladosDR"))
    assert f.path == DR_PATH + "/pago20:ImpuestosDR"
    assert f.found == "<empty>"


def test_CRP20248_retenciones_only_passes(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    with_retencion(root, importe_p=None)
    assert run_rule("CRP20248", remove(root, "//pago20:TrasladosDR")) == []


@pytest.mark.parametrize("objeto", ["06", "08"])
def test_CRP20278_iva_with_objeto_06_08_fires(rep, objeto) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule("CRP20278", set_attr(rep(), DR, ObjetoImpDR=objeto))
    assert f.path == TDR_PATH + "/@ImpuestoDR"
    assert f.found == "002"


def test_CRP20278_ieps_withholding_fires_isr_withholding_passes(rep) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(remove(rep(), "//pago20:TrasladosDR"), DR, ObjetoImpDR="06")
    with_retencion(root, importe_p=None)
    assert run_rule("CRP20278", root) == []
    with_retencion(root, impuesto="003", rate="0.300000", importe_dr="150.00", importe_p=None)
    [f] = run_rule("CRP20278", root)
    assert f.path == RDR_PATH + "[2]/@ImpuestoDR"


def test_CRP20279_iva_and_no_ieps_with_objeto_07_fires(rep) -> None:  # type: ignore[no-untyped-def]
    found = run_rule("CRP20279", set_attr(rep(), DR, ObjetoImpDR="07"))
    assert {(f.path, f.found) for f in found} == {(TDR_PATH + "/@ImpuestoDR", "002"), (DR_PATH + "/@ObjetoImpDR", "<absent>")}


def test_CRP20279_ieps_transfer_and_withholdings_pass(rep) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(rep(), DR, ObjetoImpDR="07")
    set_attr(root, TDR, ImpuestoDR="003", TasaOCuotaDR="0.080000", ImporteDR="40.00")
    with_retencion(root, importe_p=None)
    with_retencion(root, impuesto="003", rate="0.080000", importe_dr="40.00", importe_p=None)
    assert run_rule("CRP20279", root) == []


# --------------------------------------------------------------------------- RetencionDR


def test_CRP20252_exento_retencion_fires(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    with_retencion(root, factor="Exento", importe_p=None)
    [f] = run_rule("CRP20252", root)
    assert f.path == RDR_PATH + "/@TipoFactorDR"
    assert f.found == "Exento"


def test_CRP20252_tasa_retencion_passes(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    with_retencion(root, importe_p=None)
    assert run_rule("CRP20252", root) == []


def test_CRP20253_rate_above_range_fires(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    with_retencion(root, impuesto="002", rate="0.160001", importe_dr="80.00", importe_p=None)
    [f] = run_rule("CRP20253", root)
    assert f.path == RDR_PATH + "/@TasaOCuotaDR"
    assert f.found == "0.160001"


@pytest.mark.parametrize(("impuesto", "rate"), [("002", "0.160000"), ("002", "0.106667"), ("001", "0.350000"), ("003", "0.300000")])
def test_CRP20253_rates_in_catalog_pass(rep, impuesto, rate) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    with_retencion(root, impuesto=impuesto, rate=rate, importe_p=None)
    assert run_rule("CRP20253", root) == []


def test_CRP20253_transfer_only_rate_fires(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    with_retencion(root, impuesto="003", rate="0.030000", importe_dr="15.00", importe_p=None)  # IEPS 3%: transfer only
    assert run_rule("CRP20253", root)


@pytest.mark.parametrize(("importe", "fires"), [("53.32", True), ("53.33", False), ("53.34", False), ("53.35", True)])
def test_CRP20254_importe_limits(rep, importe, fires) -> None:  # type: ignore[no-untyped-def]
    # 500.00 × 0.106667 = 53.3335; limits [53.33, 53.34]
    root = rep()
    with_retencion(root, impuesto="002", rate="0.106667", importe_dr=importe, importe_p=None)
    found = run_rule("CRP20254", root)
    assert bool(found) is fires
    if fires:
        assert found[0].path == RDR_PATH + "/@ImporteDR"
        assert (found[0].expected, found[0].found) == ("[53.33, 53.34]", importe)


# --------------------------------------------------------------------------- TrasladoDR


@pytest.mark.parametrize("attr", ["TasaOCuotaDR", "ImporteDR"])
def test_CRP20258_exento_with_rate_or_amount_fires(rep, attr) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(rep(documents=(paid(taxes=EXENTO),)), TDR, **{attr: "0.00"})
    [f] = run_rule("CRP20258", root)
    assert f.path == f"{TDR_PATH}/@{attr}"
    assert (f.expected, f.found) == ("<absent>", "0.00")


def test_CRP20258_bare_exento_passes(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20258", rep(documents=(paid(taxes=EXENTO),))) == []


@pytest.mark.parametrize("attr", ["TasaOCuotaDR", "ImporteDR"])
def test_CRP20259_tasa_without_rate_or_amount_fires(rep, attr) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule("CRP20259", set_attr(rep(), TDR, **{attr: None}))
    assert f.path == f"{TDR_PATH}/@{attr}"
    assert f.found == "<absent>"


def test_CRP20259_complete_tasa_passes(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20259", rep()) == []


def test_CRP20260_rate_not_in_catalog_fires(rep) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule("CRP20260", set_attr(rep(), TDR, TasaOCuotaDR="0.150000"))
    assert f.path == TDR_PATH + "/@TasaOCuotaDR"
    assert f.found == "0.150000"


@pytest.mark.parametrize(("impuesto", "factor", "rate"), [("002", "Tasa", "0.080000"), ("003", "Cuota", "59.144900")])
def test_CRP20260_catalog_rates_pass(rep, impuesto, factor, rate) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(rep(), TDR, ImpuestoDR=impuesto, TipoFactorDR=factor, TasaOCuotaDR=rate)
    assert run_rule("CRP20260", root) == []


def test_CRP20260_withholding_only_rate_fires(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20260", set_attr(rep(), TDR, TasaOCuotaDR="0.106667"))  # IVA 10.6667% is withholding only


@pytest.mark.parametrize(("importe", "fires"), [("79.98", True), ("79.99", False), ("80.01", False), ("80.02", True)])
def test_CRP20261_importe_limits(rep, importe, fires) -> None:  # type: ignore[no-untyped-def]
    # 500.00 × 0.16 = 80.00; limits [79.99, 80.01]
    found = run_rule("CRP20261", set_attr(rep(), TDR, ImporteDR=importe))
    assert bool(found) is fires
    if fires:
        assert found[0].path == TDR_PATH + "/@ImporteDR"
        assert (found[0].expected, found[0].found) == ("[79.99, 80.01]", importe)


def test_CRP20261_limits_follow_the_decimals_written(rep) -> None:  # type: ignore[no-untyped-def]
    # 500.00 × 0.16 to 6 decimals: [79.999200, 80.000800]
    assert run_rule("CRP20261", set_attr(rep(), TDR, ImporteDR="80.000800")) == []
    assert run_rule("CRP20261", set_attr(rep(), TDR, ImporteDR="80.000801"))


# --------------------------------------------------------------------------- ImpuestosP sums


def test_sum_tolerance_is_one_unit_per_term() -> None:
    assert sum_tolerance(2, 0) == D("0.01")
    assert sum_tolerance(2, 3) == D("0.03")
    assert sum_tolerance(0, 1) == D("1")


def test_show_sum_keeps_currency_decimals_and_up_to_four_more() -> None:
    assert show_sum(D("50"), 2) == "50.00"
    assert show_sum(D("500") / D("17.5"), 2) == "28.571429"
    assert show_sum(D("0"), 0) == "0"


@pytest.mark.parametrize(("importe", "fires"), [("49.99", True), ("49.995", False), ("50.00", False), ("50.009999", False), ("50.01", True)])
def test_CRP20265_retencion_p_sum(rep, importe, fires) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    with_retencion(root, importe_p=importe)
    found = run_rule("CRP20265", root)
    assert bool(found) is fires
    if fires:
        assert found[0].path == RP_PATH + "/@ImporteP"
        assert (found[0].expected, found[0].found) == ("50.00", importe)


def test_CRP20265_sums_every_docto_with_its_tolerance(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep(documents=(paid(), paid(UUID_B, pagado=D("1160.00"))))
    with_retencion(root, docto=f"{DR}[1]", importe_p="100.01")
    with_retencion(root, docto=f"{DR}[2]", importe_p=None)
    assert run_rule("CRP20265", root) == []  # Σ 100.00, two terms: |diff| < 0.02
    set_attr(root, "//pago20:RetencionP", ImporteP="100.02")
    assert run_rule("CRP20265", root)


def test_CRP20265_retencion_p_without_matching_dr_fires(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    with_retencion(root, importe_p="50.00")
    set_attr(root, "//pago20:RetencionP", ImpuestoP="002")
    [f] = run_rule("CRP20265", root)
    assert f.expected == "0.00"


@pytest.mark.parametrize(("base", "fires"), [("499.99", True), ("500.00", False), ("500.009", False), ("500.01", True)])
def test_CRP20268_base_p_sum(rep, base, fires) -> None:  # type: ignore[no-untyped-def]
    found = run_rule("CRP20268", set_attr(rep(), TP, BaseP=base))
    assert bool(found) is fires
    if fires:
        assert found[0].path == TP_PATH + "/@BaseP"
        assert (found[0].expected, found[0].found) == ("500.00", base)


def test_CRP20268_two_doctos_get_two_units(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep(documents=(paid(), paid(UUID_B, pagado=D("1160.00"))))
    assert one(TP, root).get("BaseP") == "1500.00"
    assert run_rule("CRP20268", set_attr(root, TP, BaseP="1500.01")) == []
    assert run_rule("CRP20268", set_attr(root, TP, BaseP="1499.99")) == []
    assert run_rule("CRP20268", set_attr(root, TP, BaseP="1500.02"))


@pytest.mark.parametrize(("base", "fires"), [("28.56", True), ("28.57", False), ("28.58", False), ("28.59", True)])
def test_CRP20268_divides_by_equivalencia(rep, base, fires) -> None:  # type: ignore[no-untyped-def]
    # BaseDR 500.00 MXN / 17.5 = 28.571428... USD
    root = usd(rep, paid(equivalencia=D("17.5")))
    assert bool(run_rule("CRP20268", set_attr(root, TP, BaseP=base))) is fires


@pytest.mark.parametrize(("base", "fires"), [("579.99", True), ("580.00", False), ("580.01", True)])
def test_CRP20269_exento_base_p_sum(rep, base, fires) -> None:  # type: ignore[no-untyped-def]
    root = rep(documents=(paid(taxes=EXENTO),))
    assert one(TP, root).get("BaseP") == "580.00"
    found = run_rule("CRP20269", set_attr(root, TP, BaseP=base))
    assert bool(found) is fires
    if fires:
        assert found[0].path == TP_PATH + "/@BaseP"


def test_CRP20268_and_CRP20269_keep_to_their_factor(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20269", set_attr(rep(), TP, BaseP="1.00")) == []
    assert run_rule("CRP20268", set_attr(rep(documents=(paid(taxes=EXENTO),)), TP, BaseP="1.00")) == []


@pytest.mark.parametrize(("importe", "fires"), [("79.99", True), ("80.00", False), ("80.0099", False), ("80.01", True)])
def test_CRP20274_importe_p_sum(rep, importe, fires) -> None:  # type: ignore[no-untyped-def]
    found = run_rule("CRP20274", set_attr(rep(), TP, ImporteP=importe))
    assert bool(found) is fires
    if fires:
        assert found[0].path == TP_PATH + "/@ImporteP"
        assert (found[0].expected, found[0].found) == ("80.00", importe)


def test_CRP20274_matches_by_rate(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep(documents=(paid(taxes=(("Tasa", "0.080000", D("1000.00")), ("Tasa", "0.160000", D("100.00")))),))
    assert run_rule("CRP20274", root) == []
    set_attr(root, f"{TP}[1]", TasaOCuotaP="0.160000")
    set_attr(root, f"{TP}[2]", TasaOCuotaP="0.080000")
    assert len(run_rule("CRP20274", root)) == 2


# --------------------------------------------------------------------------- ImpuestosP shape


def test_CRP20263_two_retencion_p_same_tax_fires(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    with_retencion(root)
    add(root, "//pago20:RetencionesP", "pago20:RetencionP", ImpuestoP="001", ImporteP="0.00")
    [f] = run_rule("CRP20263", root)
    assert f.path == RP_PATH + "[2]/@ImpuestoP"


def test_CRP20263_one_retencion_p_per_tax_passes(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    with_retencion(root)
    add(root, "//pago20:RetencionesP", "pago20:RetencionP", ImpuestoP="002", ImporteP="0.00")
    assert run_rule("CRP20263", root) == []


def test_CRP20271_two_traslado_p_same_combination_fires(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    add(root, "//pago20:TrasladosP", "pago20:TrasladoP", BaseP="0.01", ImpuestoP="002", TipoFactorP="Tasa",
        TasaOCuotaP="0.16", ImporteP="0.00")  # 0.16 is 0.160000
    [f] = run_rule("CRP20271", root)
    assert f.path == TP_PATH + "[2]"
    assert f.found == "002, Tasa, 0.16"


def test_CRP20271_different_rates_pass(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    add(root, "//pago20:TrasladosP", "pago20:TrasladoP", BaseP="0.01", ImpuestoP="002", TipoFactorP="Tasa",
        TasaOCuotaP="0.080000", ImporteP="0.00")
    assert run_rule("CRP20271", root) == []


@pytest.mark.parametrize("attr", ["TasaOCuotaP", "ImporteP"])
def test_CRP20266_exento_traslado_p_with_rate_or_amount_fires(rep, attr) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule("CRP20266", set_attr(rep(documents=(paid(taxes=EXENTO),)), TP, **{attr: "0.00"}))
    assert f.path == f"{TP_PATH}/@{attr}"
    assert f.expected == "<absent>"


def test_CRP20266_bare_exento_passes(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20266", rep(documents=(paid(taxes=EXENTO),))) == []


def test_CRP20272_rate_not_in_catalog_fires(rep) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule("CRP20272", set_attr(rep(), TP, TasaOCuotaP="0.170000"))
    assert f.path == TP_PATH + "/@TasaOCuotaP"
    assert f.found == "0.170000"


@pytest.mark.parametrize("rate", ["0.160000", "0.080000", "0.000000"])
def test_CRP20272_catalog_rates_pass(rep, rate) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CRP20272", set_attr(rep(), TP, TasaOCuotaP=rate)) == []


# --------------------------------------------------------------------------- Totales required by the Pago's taxes


def test_CRP20264_retenciones_p_without_totales_fires(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    with_retencion(root)
    [f] = run_rule("CRP20264", set_attr(root, TOTALES, TotalRetencionesISR=None))
    assert f.path == TOTALES_PATH
    assert f.found == "<absent>"


def test_CRP20264_any_one_total_passes(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    with_retencion(root)
    assert run_rule("CRP20264", set_attr(root, TOTALES, TotalRetencionesISR=None, TotalRetencionesIEPS="0.00")) == []
    assert run_rule("CRP20264", rep()) == []  # no RetencionesP, no totals needed


def test_CRP20267_iva_without_base_totals_fires(rep) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule("CRP20267", set_attr(rep(), TOTALES, TotalTrasladosBaseIVA16=None))
    assert f.path == TOTALES_PATH


def test_CRP20267_any_base_total_passes(rep) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(rep(), TOTALES, TotalTrasladosBaseIVA16=None, TotalTrasladosBaseIVAExento="0.00")
    assert run_rule("CRP20267", root) == []


def test_CRP20273_non_exempt_iva_without_impuesto_totals_fires(rep) -> None:  # type: ignore[no-untyped-def]
    [f] = run_rule("CRP20273", set_attr(rep(), TOTALES, TotalTrasladosImpuestoIVA16=None))
    assert f.path == TOTALES_PATH


def test_CRP20273_exempt_iva_needs_no_impuesto_total(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep(documents=(paid(taxes=EXENTO),))
    assert one(TOTALES, root).get("TotalTrasladosImpuestoIVA16") is None
    assert run_rule("CRP20273", root) == []
    assert run_rule("CRP20267", root) == []

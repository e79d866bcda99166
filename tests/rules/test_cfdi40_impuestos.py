"""CFDI40201–CFDI40221: the document's tax summary (cfdi_ar.rules.cfdi40_impuestos).

``inv()`` transfers IVA 16% on 355.00 (56.80) and IVA 0% on 54.00; ``withheld(inv)`` is one
1,000.00 service with IVA 16% (160.00) and ISR 10% (100.00) and IVA 10.6667% (106.67) withheld.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from cfdi_ar.findings import Finding

from .conftest import Line, add, remove, run_rule, set_attr

D = Decimal
G = "/cfdi:Comprobante/cfdi:Impuestos"
GT = G + "/cfdi:Traslados/cfdi:Traslado"
GR = G + "/cfdi:Retenciones/cfdi:Retencion"
C1 = "/cfdi:Comprobante/cfdi:Conceptos/cfdi:Concepto[1]"
SOLE = "/cfdi:Comprobante/cfdi:Conceptos/cfdi:Concepto"
CODES = ("CFDI40201", "CFDI40202", "CFDI40203", "CFDI40204", "CFDI40205", "CFDI40206", "CFDI40208", "CFDI40209",
         "CFDI40210", "CFDI40211", "CFDI40212", "CFDI40213", "CFDI40214", "CFDI40215", "CFDI40216", "CFDI40218",
         "CFDI40219", "CFDI40220", "CFDI40221")


def only(code: str, root: etree._Element) -> Finding:
    found = run_rule(code, root)
    assert len(found) == 1, found
    return found[0]


def withheld(inv):  # type: ignore[no-untyped-def]
    return inv(lines=[Line("84111506", D("1"), "E48", "Servicio", D("1000.00"),
                           retenciones=(("001", D("0.10")), ("002", D("0.106667"))))])


def exento(inv):  # type: ignore[no-untyped-def]
    return inv(lines=[Line("85121800", D("1"), "E48", "Consulta", D("800.00"), iva="exento")])


# --------------------------------------------------------------------------- valid documents


@pytest.mark.parametrize("code", CODES)
def test_valid_default_documents_raise_none_of_these_codes(code: str, inv, rep) -> None:  # type: ignore[no-untyped-def]
    docs = [
        inv(), rep(), inv(tipo="E"), withheld(inv), exento(inv),
        inv(moneda="USD", tipo_cambio=D("18.4523")), inv(moneda="JPY", tipo_cambio=D("0.1203"), places=0),
        inv(moneda="KWD", tipo_cambio=D("60.0172"), places=3),
        inv(lines=[Line("50202306", D("2.5"), "H87", "Refresco", D("19.99"), ieps=D("0.080000"), descuento=D("1.50")),
                   Line("50202306", D("7"), "H87", "Refresco", D("21.33"), ieps=D("0.080000")),
                   Line("85121800", D("1"), "E48", "Consulta", D("800.00"), iva="exento"),
                   Line("01010101", D("1"), "H87", "Otro", D("10.00"), iva=None)]),
    ]
    for doc in docs:
        assert run_rule(code, doc) == [], code


# --------------------------------------------------------------------------- CFDI40201


def test_CFDI40201_impuestos_on_a_payment_fires(rep) -> None:  # type: ignore[no-untyped-def]
    root = rep()
    add(root, "/cfdi:Comprobante", "cfdi:Impuestos", TotalImpuestosTrasladados="0.00")
    f = only("CFDI40201", root)
    assert f.path == G and f.found == "cfdi:Impuestos"


def test_CFDI40201_payment_without_impuestos_passes(rep, inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40201", rep()) == []
    assert run_rule("CFDI40201", inv()) == []  # an income invoice carries them


# --------------------------------------------------------------------------- decimals (CFDI40202, 40204, 40210, 40214, 40220)


@pytest.mark.parametrize(("code", "xpath", "attribute", "value"), [
    ("CFDI40202", G, "TotalImpuestosRetenidos", "206.670"),
    ("CFDI40204", G, "TotalImpuestosTrasladados", "160.001"),
    ("CFDI40210", GR + "[1]", "Importe", "100.001"),
    ("CFDI40214", GT, "Base", "1000.001"),
    ("CFDI40220", GT, "Importe", "160.000"),
])
def test_decimals_beyond_the_currency_fire(code: str, xpath: str, attribute: str, value: str, inv) -> None:  # type: ignore[no-untyped-def]
    f = only(code, set_attr(withheld(inv), xpath, **{attribute: value}))
    assert f.path == f"{xpath}/@{attribute}" and f.expected == "<= 2 decimals" and f.found == "3"


@pytest.mark.parametrize(("code", "xpath", "attribute", "value"), [
    ("CFDI40202", G, "TotalImpuestosRetenidos", "206.67"),
    ("CFDI40204", G, "TotalImpuestosTrasladados", "160.0"),
    ("CFDI40210", GR + "[1]", "Importe", "100"),
    ("CFDI40214", GT, "Base", "1000.00"),
    ("CFDI40220", GT, "Importe", "160.00"),
])
def test_decimals_of_the_currency_pass(code: str, xpath: str, attribute: str, value: str, inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule(code, set_attr(withheld(inv), xpath, **{attribute: value})) == []


def test_CFDI40214_currency_without_decimals(inv) -> None:  # type: ignore[no-untyped-def]
    root = inv(moneda="JPY", tipo_cambio=D("0.1203"), places=0)
    assert run_rule("CFDI40214", root) == []
    f = only("CFDI40214", set_attr(root, GT + "[1]", Base="355.0"))
    assert f.expected == "<= 0 decimals" and f.found == "1"


def test_CFDI40204_currency_with_three_decimals_passes(inv) -> None:  # type: ignore[no-untyped-def]
    root = inv(moneda="KWD", tipo_cambio=D("60.0172"), places=3)
    assert run_rule("CFDI40204", set_attr(root, G, TotalImpuestosTrasladados="56.800")) == []
    assert only("CFDI40204", set_attr(root, G, TotalImpuestosTrasladados="56.8000")).expected == "<= 3 decimals"


# --------------------------------------------------------------------------- totals (CFDI40203, CFDI40205)


def test_CFDI40203_total_retenidos_not_the_sum_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40203", set_attr(withheld(inv), G, TotalImpuestosRetenidos="206.68"))
    assert f.path == G + "/@TotalImpuestosRetenidos" and f.expected == "206.67" and f.found == "206.68"


def test_CFDI40203_total_retenidos_equal_to_the_sum_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40203", set_attr(withheld(inv), G, TotalImpuestosRetenidos="206.670")) == []


def test_CFDI40205_total_trasladados_not_the_sum_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40205", set_attr(inv(), G, TotalImpuestosTrasladados="56.81"))
    assert f.path == G + "/@TotalImpuestosTrasladados" and f.expected == "56.80" and f.found == "56.81"


def test_CFDI40205_exempt_traslados_add_nothing(inv) -> None:  # type: ignore[no-untyped-def]
    root = inv(lines=[Line("50161813", D("10"), "H87", "Chocolate", D("35.50")),
                      Line("85121800", D("1"), "E48", "Consulta", D("800.00"), iva="exento")])
    assert run_rule("CFDI40205", root) == []


# --------------------------------------------------------------------------- presence of the totals (CFDI40206, 40209, 40212)


def test_CFDI40206_retenciones_without_total_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40206", set_attr(withheld(inv), G, TotalImpuestosRetenidos=None))
    assert f.path == G + "/@TotalImpuestosRetenidos" and f.found == "<absent>"


def test_CFDI40206_retenciones_with_total_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40206", withheld(inv)) == []


def test_CFDI40209_concept_retentions_without_total_fires(inv) -> None:  # type: ignore[no-untyped-def]
    root = remove(set_attr(withheld(inv), G, TotalImpuestosRetenidos=None), G + "/cfdi:Retenciones")
    f = only("CFDI40209", root)
    assert f.path == G + "/@TotalImpuestosRetenidos"
    assert run_rule("CFDI40206", root) == []  # no summary Retenciones node left


def test_CFDI40209_without_any_summary_fires_on_the_root(inv) -> None:  # type: ignore[no-untyped-def]
    assert only("CFDI40209", remove(withheld(inv), G)).path == "/cfdi:Comprobante"


def test_CFDI40209_no_concept_retentions_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40209", inv()) == []
    assert run_rule("CFDI40209", withheld(inv)) == []


def test_CFDI40212_tasa_traslados_without_total_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40212", set_attr(inv(), G, TotalImpuestosTrasladados=None))
    assert f.path == G + "/@TotalImpuestosTrasladados" and f.found == "<absent>"
    assert only("CFDI40212", remove(inv(), G)).path == "/cfdi:Comprobante"


def test_CFDI40212_only_exempt_traslados_need_no_total(inv) -> None:  # type: ignore[no-untyped-def]
    root = exento(inv)
    assert root.find("{http://www.sat.gob.mx/cfd/4}Impuestos").get("TotalImpuestosTrasladados") is None
    assert run_rule("CFDI40212", root) == []


# --------------------------------------------------------------------------- uniqueness (CFDI40208, CFDI40218)


def test_CFDI40208_two_retenciones_of_one_tax_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40208", set_attr(withheld(inv), GR + "[2]", Impuesto="001"))
    assert f.path == GR + "[2]/@Impuesto"


def test_CFDI40208_one_retencion_per_tax_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40208", withheld(inv)) == []


@pytest.mark.parametrize("tasa", ["0.160000", "0.16"])
def test_CFDI40218_two_traslados_of_one_combination_fires(tasa: str, inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40218", set_attr(inv(), GT + "[2]", TasaOCuota=tasa))
    assert f.path == GT + "[2]/@Impuesto"


def test_CFDI40218_same_rate_other_factor_passes(inv) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(inv(), GT + "[2]", Impuesto="003", TasaOCuota="0.160000")
    assert run_rule("CFDI40218", root) == []
    assert run_rule("CFDI40218", set_attr(inv(), GT + "[2]", TipoFactor="Cuota", TasaOCuota="0.160000")) == []


# --------------------------------------------------------------------------- CFDI40213, CFDI40219


@pytest.mark.parametrize("attrs", [{"TasaOCuota": "0.000000"}, {"Importe": "0.00"}])
def test_CFDI40213_exempt_summary_with_rate_or_amount_fires(attrs: dict[str, str], inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40213", set_attr(exento(inv), GT, **attrs))
    assert f.path == GT + "/@TipoFactor"


def test_CFDI40213_exempt_summary_with_base_impuesto_factor_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40213", exento(inv)) == []


@pytest.mark.parametrize(("impuesto", "factor", "tasa"), [("002", "Tasa", "0.170000"), ("002", "Tasa", "0.106667"),
                                                           ("001", "Tasa", "0.100000"), ("003", "Cuota", "59.144901")])
def test_CFDI40219_summary_rate_outside_catalog_fires(impuesto: str, factor: str, tasa: str, inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40219", set_attr(inv(), GT + "[1]", Impuesto=impuesto, TipoFactor=factor, TasaOCuota=tasa))
    assert f.path == GT + "[1]/@TasaOCuota" and f.found == tasa


@pytest.mark.parametrize(("impuesto", "factor", "tasa"), [("002", "Tasa", "0.080000"), ("003", "Cuota", "59.144900"),
                                                           ("003", "Tasa", "0.530000")])
def test_CFDI40219_summary_rate_in_catalog_passes(impuesto: str, factor: str, tasa: str, inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40219", set_attr(inv(), GT + "[1]", Impuesto=impuesto, TipoFactor=factor, TasaOCuota=tasa)) == []


# --------------------------------------------------------------------------- sums (CFDI40211, 40215, 40216, 40221)

CT1 = C1 + "/cfdi:Impuestos/cfdi:Traslados/cfdi:Traslado"


@pytest.mark.parametrize(("written", "fires"), [("100.01", False), ("100.00", True), ("100.02", True)])
def test_CFDI40211_retencion_is_the_rounded_sum(written: str, fires: bool, inv) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(withheld(inv), SOLE + "/cfdi:Impuestos/cfdi:Retenciones/cfdi:Retencion[1]", Importe="100.005")
    found = run_rule("CFDI40211", set_attr(root, GR + "[1]", Importe=written))
    assert bool(found) is fires
    if fires:
        assert found[0].path == GR + "[1]/@Importe" and found[0].expected == "100.01" and found[0].found == written


@pytest.mark.parametrize(("written", "fires"), [("355.01", False), ("355.00", True)])
def test_CFDI40215_base_is_the_rounded_sum(written: str, fires: bool, inv) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(inv(), CT1, Base="355.005")
    found = run_rule("CFDI40215", set_attr(root, GT + "[1]", Base=written))
    assert bool(found) is fires
    if fires:
        assert found[0].path == GT + "[1]/@Base" and found[0].expected == "355.01" and found[0].found == written


def test_CFDI40215_summary_without_matching_concepts_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40215", set_attr(inv(), GT + "[2]", TasaOCuota="0.080000"))
    assert f.expected == "0.00" and f.found == "54.00"


def test_CFDI40215_sums_several_concepts(inv) -> None:  # type: ignore[no-untyped-def]
    root = inv(lines=[Line("50161813", D("10"), "H87", "Chocolate", D("35.50")),
                      Line("50161813", D("3"), "H87", "Chocolate", D("18.00"))])
    assert run_rule("CFDI40215", root) == [] and run_rule("CFDI40221", root) == []
    f = only("CFDI40215", set_attr(root, GT, Base="355.00"))
    assert f.expected == "409.00"


@pytest.mark.parametrize(("written", "fires"), [("800.01", False), ("800.00", True)])
def test_CFDI40216_exempt_base_is_the_rounded_sum(written: str, fires: bool, inv) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(exento(inv), SOLE + "/cfdi:Impuestos/cfdi:Traslados/cfdi:Traslado", Base="800.005")
    root = set_attr(root, GT, Base=written)
    found = run_rule("CFDI40216", root)
    assert bool(found) is fires
    assert run_rule("CFDI40215", root) == []  # the exempt case is 40216's
    if fires:
        assert found[0].path == GT + "/@Base" and found[0].expected == "800.01"


def test_CFDI40216_tasa_mismatch_is_not_this_code(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40216", set_attr(inv(), GT + "[1]", Base="355.01")) == []


@pytest.mark.parametrize(("written", "fires"), [("56.81", False), ("56.80", True), ("56.82", True)])
def test_CFDI40221_importe_is_the_rounded_sum(written: str, fires: bool, inv) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(inv(), CT1, Importe="56.805")
    found = run_rule("CFDI40221", set_attr(root, GT + "[1]", Importe=written))
    assert bool(found) is fires
    if fires:
        assert found[0].path == GT + "[1]/@Importe" and found[0].expected == "56.81" and found[0].found == written


def test_CFDI40221_matches_the_factor_too(inv) -> None:  # type: ignore[no-untyped-def]
    # A concept IEPS Cuota 0.08 is not summed into a summary IEPS Tasa 0.08.
    root = inv(lines=[Line("50202306", D("10"), "H87", "Refresco", D("10.00"), ieps=D("0.080000"))])
    assert run_rule("CFDI40221", root) == []
    ieps = SOLE + "/cfdi:Impuestos/cfdi:Traslados/cfdi:Traslado[2]"
    f = only("CFDI40221", set_attr(root, ieps, TipoFactor="Cuota"))
    assert f.expected == "0.00" and f.found == "8.00"

"""CFDI40111, CFDI40163–CFDI40200: the concepts (cfdi_ar.rules.cfdi40_conceptos).

The default invoice ``inv()`` is 10 × 35.50 (IVA 16%) + 3 × 18.00 (IVA 0%) in MXN. Concept taxes
beyond IVA come from ``Line(ieps=..., retenciones=...)`` or from editing the tree.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from cfdi_ar.context import Settings
from cfdi_ar.demo.seal import to_bytes
from cfdi_ar.findings import Finding
from cfdi_ar.namespaces import CFDI40, IMPLOCAL
from cfdi_ar.rules import get
from cfdi_ar.rules.registry import Status
from cfdi_ar.validate import validate_bytes

from .conftest import Line, add, one, run_rule, set_attr

D = Decimal
C1 = "/cfdi:Comprobante/cfdi:Conceptos/cfdi:Concepto[1]"
C2 = "/cfdi:Comprobante/cfdi:Conceptos/cfdi:Concepto[2]"
T1 = C1 + "/cfdi:Impuestos/cfdi:Traslados/cfdi:Traslado"
SOLE = "/cfdi:Comprobante/cfdi:Conceptos/cfdi:Concepto"  # the only concept (no position in reported paths)
ST = SOLE + "/cfdi:Impuestos/cfdi:Traslados/cfdi:Traslado"
SR = SOLE + "/cfdi:Impuestos/cfdi:Retenciones/cfdi:Retencion"
CCE20 = "http://www.sat.gob.mx/ComercioExterior20"
CCE11 = "http://www.sat.gob.mx/ComercioExterior11"

CODES = ("CFDI40111", "CFDI40163", "CFDI40164", "CFDI40166", "CFDI40167", "CFDI40168", "CFDI40169", "CFDI40171",
         "CFDI40172", "CFDI40173", "CFDI40177", "CFDI40178", "CFDI40179", "CFDI40180", "CFDI40184", "CFDI40185",
         "CFDI40186", "CFDI40188", "CFDI40195", "CFDI40197", "CFDI40198", "CFDI40200")
EXTERNAL = ("CFDI40187", "CFDI40189", "CFDI40190", "CFDI40192", "CFDI40193")


def only(code: str, root: etree._Element) -> Finding:
    found = run_rule(code, root)
    assert len(found) == 1, found
    return found[0]


def complemento(root: etree._Element, ns: str, local: str) -> etree._Element:
    holder = root.find(f"{{{CFDI40}}}Complemento")
    if holder is None:
        holder = etree.SubElement(root, f"{{{CFDI40}}}Complemento")
    return etree.SubElement(holder, f"{{{ns}}}{local}")


def with_catalog(tmp_path: Path, rows: dict[str, dict[str, str]]) -> Settings:
    (tmp_path / "c_ClaveProdServ.json").write_text(json.dumps(
        {"catalog": "c_ClaveProdServ", "version": "test", "reflects": "test", "source": "test", "rows": rows}), encoding="utf-8")
    return Settings(catalogs_dir=str(tmp_path))


def run_with(code: str, root: etree._Element, settings: Settings) -> list[Finding]:
    s = Settings(include_rules=(code,), catalogs_dir=settings.catalogs_dir)
    result = validate_bytes("doc.xml", to_bytes(root), s)
    assert not [f for f in result.findings if f.code == "CFDIAR-INTERNAL"], result.findings
    return [f for f in result.findings if f.code == code]


def retention_line(*rates: tuple[str, Decimal]) -> Line:
    return Line("84111506", D("1"), "E48", "Servicio", D("1000.00"), retenciones=rates)


# --------------------------------------------------------------------------- valid documents


@pytest.mark.parametrize("code", CODES)
def test_valid_default_documents_raise_none_of_these_codes(code: str, inv, rep) -> None:  # type: ignore[no-untyped-def]
    docs = [
        inv(), rep(), inv(tipo="E"), inv(moneda="USD", tipo_cambio=D("18.4523")),
        inv(moneda="JPY", tipo_cambio=D("0.1203"), places=0), inv(moneda="KWD", tipo_cambio=D("60.0172"), places=3),
        inv(lines=[retention_line(("001", D("0.10")), ("002", D("0.106667")))]),
        inv(lines=[Line("50202306", D("2.5"), "H87", "Refresco", D("19.99"), ieps=D("0.080000"), descuento=D("1.50")),
                   Line("85121800", D("1"), "E48", "Consulta", D("800.00"), iva="exento"),
                   Line("01010101", D("1"), "H87", "Otro", D("10.00"), iva=None)]),
    ]
    for doc in docs:
        assert run_rule(code, doc) == [], code


@pytest.mark.parametrize("code", EXTERNAL)
def test_external_codes_are_registered_as_needing_external_data(code: str) -> None:
    assert get(code).status is Status.EXTERNAL


# --------------------------------------------------------------------------- CFDI40111


def test_CFDI40111_descuento_on_a_payment_concept_fires(rep) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40111", set_attr(rep(), C1, Descuento="0"))
    assert f.path == SOLE + "/@Descuento" and f.expected == "<absent>" and f.found == "0"


def test_CFDI40111_descuento_on_an_income_concept_passes(inv, rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40111", set_attr(inv(), C1, Descuento="1.00")) == []
    assert run_rule("CFDI40111", rep()) == []


# --------------------------------------------------------------------------- CFDI40163 / CFDI40164 (c_ClaveProdServ)


def test_CFDI40163_required_complement_missing_fires(inv, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = with_catalog(tmp_path, {"50161813": {"iva": "Opcional", "ieps": "Opcional", "complemento": "Comercio Exterior 2.0"}})
    root = inv()
    complemento(root, IMPLOCAL, "ImpuestosLocales")  # some complement, but not the one the key names
    found = run_with("CFDI40163", root, s)
    assert len(found) == 1 and found[0].path == C1 + "/@ClaveProdServ" and found[0].expected == "Comercio Exterior 2.0"


def test_CFDI40163_required_complement_present_passes(inv, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = with_catalog(tmp_path, {"50161813": {"iva": "Opcional", "ieps": "Opcional", "complemento": "Comercio Exterior 2.0"}})
    root = inv()
    complemento(root, CCE20, "ComercioExterior")
    assert run_with("CFDI40163", root, s) == []


def test_CFDI40163_unmapped_complement_needs_some_complement(inv, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = with_catalog(tmp_path, {"50161813": {"iva": "Opcional", "ieps": "Opcional", "complemento": "Complemento especial"}})
    root = inv()
    assert len(run_with("CFDI40163", root, s)) == 1
    holder = add(root, C1, "cfdi:ComplementoConcepto")
    etree.SubElement(holder, "{http://www.sat.gob.mx/iedu}instEducativas")
    assert run_with("CFDI40163", root, s) == []


def test_CFDI40163_the_stamp_is_not_a_complement(inv, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = with_catalog(tmp_path, {"50161813": {"iva": "Opcional", "ieps": "Opcional", "complemento": "Complemento especial"}})
    root = inv()
    complemento(root, "http://www.sat.gob.mx/TimbreFiscalDigital", "TimbreFiscalDigital")
    assert len(run_with("CFDI40163", root, s)) == 1
    complemento(root, "http://www.sat.gob.mx/leyendasFiscales", "LeyendasFiscales")
    assert run_with("CFDI40163", root, s) == []


def test_CFDI40163_built_in_catalog_is_silent(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40163", inv()) == []


def test_CFDI40164_required_ieps_missing_fires(inv, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = with_catalog(tmp_path, {"50161813": {"iva": "Sí", "ieps": "Sí", "complemento": ""}})
    found = run_with("CFDI40164", inv(), s)  # the chocolate carries IVA, not IEPS
    assert len(found) == 1 and found[0].path == C1 + "/@ClaveProdServ" and found[0].expected == "Traslado 003"


def test_CFDI40164_required_taxes_present_passes(inv, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = with_catalog(tmp_path, {"50161813": {"iva": "Sí", "ieps": "Sí", "complemento": ""}})
    root = inv(lines=[Line("50161813", D("10"), "H87", "Chocolate", D("35.50"), ieps=D("0.080000"))])
    assert run_with("CFDI40164", root, s) == []


def test_CFDI40164_required_iva_missing_fires_and_exento_counts(inv, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = with_catalog(tmp_path, {"85121800": {"iva": "Sí", "ieps": "Opcional", "complemento": ""}})
    found = run_with("CFDI40164", inv(lines=[Line("85121800", D("1"), "E48", "Consulta", D("800.00"), iva=None)]), s)
    assert len(found) == 1 and found[0].expected == "Traslado 002"
    assert run_with("CFDI40164", inv(lines=[Line("85121800", D("1"), "E48", "Consulta", D("800.00"), iva="exento")]), s) == []


def test_CFDI40164_opcional_and_no_do_not_oblige(inv, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = with_catalog(tmp_path, {"85121800": {"iva": "Opcional", "ieps": "No", "complemento": ""}})
    assert run_with("CFDI40164", inv(lines=[Line("85121800", D("1"), "E48", "Consulta", D("800.00"), iva=None)]), s) == []


# --------------------------------------------------------------------------- CFDI40166


def test_CFDI40166_zero_valor_unitario_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40166", set_attr(inv(), C2, ValorUnitario="0"))
    assert f.path == C2 + "/@ValorUnitario" and f.found == "0" and f.expected == "> 0"


def test_CFDI40166_smallest_positive_valor_unitario_passes(inv, rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40166", set_attr(inv(), C2, ValorUnitario="0.000001")) == []
    assert run_rule("CFDI40166", rep()) == []  # a payment's concept is 0 and P is not I, E or N


# --------------------------------------------------------------------------- CFDI40167 (limits)

# Cantidad 2.5 × ValorUnitario 4.00: lower (2.45 × 3.995 = 9.78775) truncated, upper (2.55 × 4.005 − ε ≈ 10.21275) rounded up.


@pytest.mark.parametrize("importe", ["9.78", "10.22", "10.00", "10", "9.7877", "10.2128"])
def test_CFDI40167_importe_at_the_limits_passes(importe: str, inv) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(inv(), C1, Cantidad="2.5", ValorUnitario="4.00", Importe=importe)
    assert run_rule("CFDI40167", root) == []


@pytest.mark.parametrize(("importe", "limits"), [("9.77", "[9.78, 10.22]"), ("10.23", "[9.78, 10.22]"),
                                                 ("9.7876", "[9.7877, 10.2128]"), ("10.2129", "[9.7877, 10.2128]"),
                                                 ("12", "[9, 11]")])
def test_CFDI40167_importe_one_unit_beyond_fires(importe: str, limits: str, inv) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(inv(), C1, Cantidad="2.5", ValorUnitario="4.00", Importe=importe)
    f = only("CFDI40167", root)
    assert f.path == C1 + "/@Importe" and f.expected == limits and f.found == importe


def test_CFDI40167_limits_follow_the_decimals_of_importe_not_the_currency(inv) -> None:  # type: ignore[no-untyped-def]
    # 9.7876 lies inside the currency-rounded interval [9.78, 10.22] but not within four decimals.
    assert len(run_rule("CFDI40167", set_attr(inv(), C1, Cantidad="2.5", ValorUnitario="4.00", Importe="9.7876"))) == 1


# --------------------------------------------------------------------------- CFDI40168 / CFDI40169 (concept Descuento)


def test_CFDI40168_descuento_with_more_decimals_than_importe_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40168", set_attr(inv(), C1, Descuento="1.005"))
    assert f.path == C1 + "/@Descuento" and f.expected == "<= 2 decimals" and f.found == "3"


def test_CFDI40168_descuento_with_as_many_decimals_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40168", set_attr(inv(), C1, Descuento="1.05")) == []
    assert run_rule("CFDI40168", set_attr(inv(), C1, Descuento="1.005", Importe="355.000")) == []


def test_CFDI40169_descuento_above_importe_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40169", set_attr(inv(), C1, Descuento="355.01"))
    assert f.path == C1 + "/@Descuento" and f.expected == "<= 355.00" and f.found == "355.01"


def test_CFDI40169_descuento_equal_to_importe_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40169", set_attr(inv(), C1, Descuento="355.00")) == []


# --------------------------------------------------------------------------- CFDI40171–CFDI40173 (ObjetoImp)


def test_CFDI40171_objeto_02_without_impuestos_fires(inv) -> None:  # type: ignore[no-untyped-def]
    root = inv(lines=[Line("01010101", D("1"), "H87", "Otro", D("10.00"), iva=None)])
    f = only("CFDI40171", set_attr(root, C1, ObjetoImp="02"))
    assert f.path == SOLE + "/@ObjetoImp" and f.found == "<absent>"


def test_CFDI40171_objeto_01_without_impuestos_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40171", inv(lines=[Line("01010101", D("1"), "H87", "Otro", D("10.00"), iva=None)])) == []


@pytest.mark.parametrize("objeto", ["01", "03", "04", "05"])
def test_CFDI40172_impuestos_on_a_concept_not_subject_fires(objeto: str, inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40172", set_attr(inv(), C1, ObjetoImp=objeto))
    assert f.path == C1 + "/@ObjetoImp" and f.found == "cfdi:Impuestos"


@pytest.mark.parametrize("objeto", ["02", "06", "07", "08"])
def test_CFDI40172_impuestos_with_objeto_02_passes(objeto: str, inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40172", set_attr(inv(), C1, ObjetoImp=objeto)) == []


def test_CFDI40173_empty_concept_impuestos_fires(inv) -> None:  # type: ignore[no-untyped-def]
    root = inv()
    impuestos = one(C1 + "/cfdi:Impuestos", root)
    impuestos.remove(one(C1 + "/cfdi:Impuestos/cfdi:Traslados", root))
    f = only("CFDI40173", root)
    assert f.path == C1 and f.found == "<empty>"


def test_CFDI40173_retenciones_only_passes(inv) -> None:  # type: ignore[no-untyped-def]
    root = inv(lines=[Line("84111506", D("1"), "E48", "Servicio", D("1000.00"), iva=None, retenciones=(("001", D("0.10")),))])
    assert run_rule("CFDI40173", root) == []


# --------------------------------------------------------------------------- CFDI40177 / CFDI40178 (TipoFactor)


def exento_invoice(inv):  # type: ignore[no-untyped-def]
    return inv(lines=[Line("85121800", D("1"), "E48", "Consulta", D("800.00"), iva="exento")])


def test_CFDI40177_exento_with_tasa_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40177", set_attr(exento_invoice(inv), T1, TasaOCuota="0.000000"))
    assert f.path == ST + "/@TipoFactor" and f.found == "TasaOCuota=0.000000"


def test_CFDI40177_exento_with_importe_fires(inv) -> None:  # type: ignore[no-untyped-def]
    assert only("CFDI40177", set_attr(exento_invoice(inv), T1, Importe="0.00")).found == "Importe=0.00"


def test_CFDI40177_exento_with_base_impuesto_factor_only_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40177", exento_invoice(inv)) == []


@pytest.mark.parametrize("missing", ["TasaOCuota", "Importe"])
def test_CFDI40178_tasa_without_rate_or_amount_fires(missing: str, inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40178", set_attr(inv(), T1, **{missing: None}))
    assert f.path == T1 + "/@TipoFactor" and f.found == f"no {missing}"


def test_CFDI40178_cuota_with_rate_and_amount_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40178", set_attr(inv(), T1, Impuesto="003", TipoFactor="Cuota", TasaOCuota="1.000000",
                                          Importe="355.00")) == []


# --------------------------------------------------------------------------- CFDI40179 / CFDI40185 (c_TasaOCuota)


@pytest.mark.parametrize(("impuesto", "factor", "tasa"), [("002", "Tasa", "0.170000"), ("002", "Tasa", "0.106667"),
                                                           ("003", "Cuota", "59.144901"), ("001", "Tasa", "0.100000")])
def test_CFDI40179_traslado_rate_outside_catalog_fires(impuesto: str, factor: str, tasa: str, inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40179", set_attr(inv(), T1, Impuesto=impuesto, TipoFactor=factor, TasaOCuota=tasa))
    assert f.path == T1 + "/@TasaOCuota" and f.found == tasa and f.expected == f"c_TasaOCuota ({impuesto}, {factor})"


@pytest.mark.parametrize(("impuesto", "factor", "tasa"), [("002", "Tasa", "0.160000"), ("002", "Tasa", "0.080000"),
                                                           ("003", "Cuota", "59.144900"), ("003", "Cuota", "0.000000"),
                                                           ("003", "Tasa", "0.265000")])
def test_CFDI40179_traslado_rate_in_catalog_passes(impuesto: str, factor: str, tasa: str, inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40179", set_attr(inv(), T1, Impuesto=impuesto, TipoFactor=factor, TasaOCuota=tasa)) == []


@pytest.mark.parametrize(("impuesto", "tasa"), [("001", "0.350001"), ("002", "0.160001"), ("002", "0.170000")])
def test_CFDI40185_retencion_rate_outside_catalog_fires(impuesto: str, tasa: str, inv) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(inv(lines=[retention_line(("001", D("0.10")))]), SR, Impuesto=impuesto, TasaOCuota=tasa)
    f = only("CFDI40185", root)
    assert f.path == SR + "/@TasaOCuota" and f.found == tasa


@pytest.mark.parametrize(("impuesto", "tasa"), [("001", "0.350000"), ("001", "0.000000"), ("002", "0.160000"),
                                                ("002", "0.106667"), ("003", "0.265000")])
def test_CFDI40185_retencion_rate_at_catalog_edge_passes(impuesto: str, tasa: str, inv) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(inv(lines=[retention_line(("001", D("0.10")))]), SR, Impuesto=impuesto, TasaOCuota=tasa)
    assert run_rule("CFDI40185", root) == []


# --------------------------------------------------------------------------- CFDI40180 / CFDI40186 (tax limits)

# Base 100.00 × 0.16: lower 99.995 × 0.16 = 15.9992 → 15.99; upper (100.005 − ε) × 0.16 ≈ 16.0008 → 16.01.


@pytest.mark.parametrize("importe", ["15.99", "16.01", "15.999200", "16.000800"])
def test_CFDI40180_traslado_importe_at_the_limits_passes(importe: str, inv) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(inv(), T1, Base="100.00", TasaOCuota="0.160000", Importe=importe)
    assert run_rule("CFDI40180", root) == []


@pytest.mark.parametrize(("importe", "limits"), [("15.98", "[15.99, 16.01]"), ("16.02", "[15.99, 16.01]"),
                                                 ("15.999199", "[15.999200, 16.000800]"), ("16.000801", "[15.999200, 16.000800]")])
def test_CFDI40180_traslado_importe_one_unit_beyond_fires(importe: str, limits: str, inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40180", set_attr(inv(), T1, Base="100.00", TasaOCuota="0.160000", Importe=importe))
    assert f.path == T1 + "/@Importe" and f.expected == limits and f.found == importe


def test_CFDI40180_exento_is_not_checked(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40180", exento_invoice(inv)) == []


@pytest.mark.parametrize(("importe", "fires"), [("99.99", False), ("100.01", False), ("99.98", True), ("100.02", True)])
def test_CFDI40186_retencion_importe_limits(importe: str, fires: bool, inv) -> None:  # type: ignore[no-untyped-def]
    # Base 1000.00 × 0.10: lower 999.995 × 0.1 = 99.9995 → 99.99; upper (1000.005 − ε) × 0.1 ≈ 100.0005 → 100.01.
    root = set_attr(inv(lines=[retention_line(("001", D("0.10")))]), SR, Importe=importe)
    found = run_rule("CFDI40186", root)
    assert bool(found) is fires
    if fires:
        assert found[0].path == SR + "/@Importe" and found[0].expected == "[99.99, 100.01]"


def test_CFDI40184_exento_retencion_fires(inv) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(inv(lines=[retention_line(("001", D("0.10")))]), SR, TipoFactor="Exento")
    f = only("CFDI40184", root)
    assert f.path == SR + "/@TipoFactor" and f.found == "Exento"


def test_CFDI40184_tasa_retencion_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40184", inv(lines=[retention_line(("001", D("0.10")))])) == []


# --------------------------------------------------------------------------- CFDI40188 (ACuentaTerceros)


def terceros(root: etree._Element, rfc: str) -> etree._Element:
    add(root, C1, "cfdi:ACuentaTerceros", RfcACuentaTerceros=rfc, NombreACuentaTerceros="TERCERO",
        RegimenFiscalACuentaTerceros="601", DomicilioFiscalACuentaTerceros="76000")
    return root


@pytest.mark.parametrize("rfc", ["CDB200115AB7", "ALE1503107H2"])
def test_CFDI40188_tercero_is_emisor_or_receptor_fires(rfc: str, inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40188", terceros(inv(), rfc))
    assert f.path == C1 + "/cfdi:ACuentaTerceros/@RfcACuentaTerceros" and f.found == rfc


def test_CFDI40188_other_tercero_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40188", terceros(inv(), "OTR010101AB1")) == []


# --------------------------------------------------------------------------- CFDI40195 / CFDI40200 (pedimentos)

PEDIMENTO = "23  47  3807  8003832"


@pytest.mark.parametrize("ns", [CCE20, CCE11])
def test_CFDI40195_pedimento_with_comercio_exterior_fires(ns: str, inv) -> None:  # type: ignore[no-untyped-def]
    root = inv()
    add(root, C1, "cfdi:InformacionAduanera", NumeroPedimento=PEDIMENTO)
    complemento(root, ns, "ComercioExterior")
    f = only("CFDI40195", root)
    assert f.path == C1 + "/cfdi:InformacionAduanera/@NumeroPedimento" and f.found == PEDIMENTO


def test_CFDI40195_pedimento_without_comercio_exterior_passes(inv) -> None:  # type: ignore[no-untyped-def]
    root = inv()
    add(root, C1, "cfdi:InformacionAduanera", NumeroPedimento=PEDIMENTO)
    complemento(root, IMPLOCAL, "ImpuestosLocales")
    assert run_rule("CFDI40195", root) == []


def parte(root: etree._Element, **attrs: str) -> etree._Element:
    values = {"ClaveProdServ": "50161813", "Cantidad": "2", "Descripcion": "Pieza", "ValorUnitario": "5.00", "Importe": "10.00"}
    values.update(attrs)
    return add(root, C1, "cfdi:Parte", **values)


def test_CFDI40200_parte_pedimento_with_comercio_exterior_fires(inv) -> None:  # type: ignore[no-untyped-def]
    root = inv()
    p = parte(root)
    etree.SubElement(p, f"{{{CFDI40}}}InformacionAduanera").set("NumeroPedimento", PEDIMENTO)
    complemento(root, CCE20, "ComercioExterior")
    f = only("CFDI40200", root)
    assert f.path == C1 + "/cfdi:Parte/cfdi:InformacionAduanera/@NumeroPedimento"
    assert run_rule("CFDI40195", root) == []  # the concept itself carries no pedimento


def test_CFDI40200_parte_pedimento_without_comercio_exterior_passes(inv) -> None:  # type: ignore[no-untyped-def]
    root = inv()
    etree.SubElement(parte(root), f"{{{CFDI40}}}InformacionAduanera").set("NumeroPedimento", PEDIMENTO)
    assert run_rule("CFDI40200", root) == []


# --------------------------------------------------------------------------- CFDI40197 / CFDI40198 (Parte)


def test_CFDI40197_parte_zero_valor_unitario_fires(inv) -> None:  # type: ignore[no-untyped-def]
    root = inv()
    parte(root, ValorUnitario="0", Importe="0")
    f = only("CFDI40197", root)
    assert f.path == C1 + "/cfdi:Parte/@ValorUnitario" and f.found == "0"


def test_CFDI40197_parte_smallest_positive_valor_unitario_passes(inv) -> None:  # type: ignore[no-untyped-def]
    root = inv()
    parte(root, ValorUnitario="0.000001", Importe="0.000002")
    assert run_rule("CFDI40197", root) == []


@pytest.mark.parametrize(("importe", "fires"), [("9.78", False), ("10.22", False), ("9.77", True), ("10.23", True)])
def test_CFDI40198_parte_importe_limits(importe: str, fires: bool, inv) -> None:  # type: ignore[no-untyped-def]
    root = inv()
    parte(root, Cantidad="2.5", ValorUnitario="4.00", Importe=importe)
    found = run_rule("CFDI40198", root)
    assert bool(found) is fires
    if fires:
        assert found[0].path == C1 + "/cfdi:Parte/@Importe" and found[0].expected == "[9.78, 10.22]"

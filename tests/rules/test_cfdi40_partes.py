"""CFDI40130–CFDI40161: InformacionGlobal, Emisor and Receptor (cfdi_ar.rules.cfdi40_partes).

The default invoice is from CDB200115AB7 (persona moral, 601, CP 76000) to ALE1503107H2
(persona moral, 601, CP 76100, G01), dated 2026-10-05.
"""

from __future__ import annotations

import pytest
from lxml import etree

from cfdi_ar.demo.documents import Party
from cfdi_ar.namespaces import CFDI40
from cfdi_ar.rules import get
from cfdi_ar.rules.registry import Kind

from .conftest import EMISOR, run_rule, set_attr

ROOT = "/cfdi:Comprobante"
REC = "/cfdi:Comprobante/cfdi:Receptor"
EMI = "/cfdi:Comprobante/cfdi:Emisor"
INFO = "/cfdi:Comprobante/cfdi:InformacionGlobal"
CCE20 = "http://www.sat.gob.mx/ComercioExterior20"
XAXX, XEXX = "XAXX010101000", "XEXX010101000"
PUBLICO = Party(XAXX, "PUBLICO EN GENERAL", "616", EMISOR.codigo_postal, "S01")
EXTRANJERO = Party(XEXX, "FOREIGN COMPANY INC", "616", EMISOR.codigo_postal, "S01")
FISICA = Party("GOMA800101AB1", "MARIA GOMEZ", "612", "76100", "D01")
EMISOR_FISICA = Party("RIPE7001016Q4", "PEDRO RIOS", "621", "76000")

CODES = ("CFDI40130", "CFDI40132", "CFDI40134", "CFDI40135", "CFDI40136", "CFDI40141", "CFDI40146", "CFDI40149",
         "CFDI40151", "CFDI40152", "CFDI40153", "CFDI40154", "CFDI40155", "CFDI40158", "CFDI40159", "CFDI40161")
EXTERNAL = ("CFDI40138", "CFDI40139", "CFDI40142", "CFDI40144", "CFDI40145", "CFDI40147", "CFDI40148", "CFDI40156")


def only(code: str, root: etree._Element):  # type: ignore[no-untyped-def]
    found = run_rule(code, root)
    assert len(found) == 1, found
    return found[0]


def global_info(root: etree._Element, periodicidad: str = "04", meses: str = "09", anio: str = "2026") -> etree._Element:
    el = etree.Element(f"{{{CFDI40}}}InformacionGlobal", Periodicidad=periodicidad, Meses=meses)
    el.set("Año", anio)
    root.insert(0, el)
    return root


def comercio_exterior(root: etree._Element) -> etree._Element:
    holder = etree.SubElement(root, f"{{{CFDI40}}}Complemento")
    etree.SubElement(holder, f"{{{CCE20}}}ComercioExterior", Version="2.0")
    return root


@pytest.fixture
def glob(inv):  # type: ignore[no-untyped-def]
    """A monthly global invoice (September 2026) to the público en general."""

    def build(**kw):  # type: ignore[no-untyped-def]
        info = {k: kw.pop(k) for k in ("periodicidad", "meses", "anio") if k in kw}
        return global_info(inv(receptor=PUBLICO, metodo_pago="PUE", forma_pago="01", **kw), **info)

    return build


# --------------------------------------------------------------------------- valid documents


@pytest.mark.parametrize("code", CODES)
def test_valid_default_documents_raise_none_of_these_codes(code: str, inv, rep, glob) -> None:  # type: ignore[no-untyped-def]
    foreign = set_attr(inv(receptor=EXTRANJERO), REC, ResidenciaFiscal="USA", NumRegIdTrib="123456789")
    docs = [inv(), rep(), inv(tipo="E"), glob(), glob(periodicidad="05", meses="13", emisor=EMISOR_FISICA),
            inv(receptor=FISICA), foreign, comercio_exterior(set_attr(inv(receptor=EXTRANJERO), REC, ResidenciaFiscal="USA",
                                                                      NumRegIdTrib="123456789"))]
    for doc in docs:
        assert run_rule(code, doc) == [], code


def test_external_codes_are_registered_as_needing_external_data() -> None:
    for code in EXTERNAL:
        r = get(code)
        assert r.kind is Kind.EXTERNAL and r.check is None, code


# --------------------------------------------------------------------------- CFDI40130 InformacionGlobal


def test_CFDI40130_global_node_with_a_named_receptor_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40130", global_info(inv()))
    assert f.path == f"{REC}/@Rfc" and f.expected == XAXX and f.found == "ALE1503107H2"


def test_CFDI40130_global_node_with_another_name_fires(glob) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40130", set_attr(glob(), REC, Nombre="PUBLICO GENERAL"))
    assert f.path == f"{REC}/@Nombre" and f.expected == "PUBLICO EN GENERAL" and f.found == "PUBLICO GENERAL"


def test_CFDI40130_income_to_publico_en_general_without_global_node_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40130", inv(receptor=PUBLICO, metodo_pago="PUE", forma_pago="01"))
    assert f.path == ROOT and f.expected == "cfdi:InformacionGlobal" and f.found == "<absent>"


def test_CFDI40130_edges_pass(inv, glob) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40130", glob()) == []
    assert run_rule("CFDI40130", inv(receptor=PUBLICO, tipo="E")) == []  # a credit note has no global period
    named = Party(XAXX, "JUAN PEREZ", "616", EMISOR.codigo_postal, "S01")  # generic RFC, a single sale to a person
    assert run_rule("CFDI40130", inv(receptor=named)) == []


# --------------------------------------------------------------------------- CFDI40132, 40134, 40135, 40136


def test_CFDI40132_bimonthly_global_from_regime_601_fires(glob) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40132", glob(periodicidad="05", meses="13"))
    assert f.path == f"{EMI}/@RegimenFiscal" and f.expected == "621" and f.found == "601"


def test_CFDI40132_bimonthly_from_621_and_monthly_from_601_pass(glob) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40132", glob(periodicidad="05", meses="13", emisor=EMISOR_FISICA)) == []
    assert run_rule("CFDI40132", glob(periodicidad="04", meses="12")) == []


def test_CFDI40134_monthly_global_with_two_month_period_fires(glob) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40134", glob(periodicidad="04", meses="13"))
    assert f.path == f"{INFO}/@Meses" and f.expected == "01-12" and f.found == "13"


@pytest.mark.parametrize("periodicidad", ["01", "02", "03", "04"])
def test_CFDI40134_single_months_pass(periodicidad: str, glob) -> None:  # type: ignore[no-untyped-def]
    for meses in ("01", "12"):
        assert run_rule("CFDI40134", glob(periodicidad=periodicidad, meses=meses)) == []
    assert run_rule("CFDI40134", glob(periodicidad=periodicidad, meses="18"))


def test_CFDI40135_bimonthly_global_with_single_month_fires(glob) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40135", glob(periodicidad="05", meses="12", emisor=EMISOR_FISICA))
    assert f.path == f"{INFO}/@Meses" and f.expected == "13-18" and f.found == "12"


def test_CFDI40135_two_month_periods_pass(glob) -> None:  # type: ignore[no-untyped-def]
    for meses in ("13", "18"):
        assert run_rule("CFDI40135", glob(periodicidad="05", meses=meses, emisor=EMISOR_FISICA)) == []
    assert run_rule("CFDI40135", glob(periodicidad="04", meses="12")) == []


def test_CFDI40136_year_two_before_fecha_fires(glob) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40136", glob(anio="2024"))  # Fecha 2026-10-05
    assert f.path == f"{INFO}/@Año" and f.expected == "2025 or 2026" and f.found == "2024"


def test_CFDI40136_year_after_fecha_fires(glob) -> None:  # type: ignore[no-untyped-def]
    assert only("CFDI40136", glob(anio="2027")).found == "2027"


def test_CFDI40136_current_and_previous_year_pass(glob) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40136", glob(anio="2026")) == []
    assert run_rule("CFDI40136", glob(anio="2025")) == []


# --------------------------------------------------------------------------- CFDI40141 issuer regime


def test_CFDI40141_moral_issuer_with_fisica_regime_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40141", set_attr(inv(), EMI, RegimenFiscal="612"))
    assert f.path == f"{EMI}/@RegimenFiscal" and f.found == "612" and "moral" in f.expected


def test_CFDI40141_fisica_issuer_with_moral_regime_fires(inv) -> None:  # type: ignore[no-untyped-def]
    assert "física" in only("CFDI40141", inv(emisor=Party("RIPE7001016Q4", "PEDRO RIOS", "601", "76000"))).expected


def test_CFDI40141_regimes_of_each_kind_pass(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40141", set_attr(inv(), EMI, RegimenFiscal="626")) == []  # RESICO: both kinds
    assert run_rule("CFDI40141", set_attr(inv(), EMI, RegimenFiscal="603")) == []
    assert run_rule("CFDI40141", inv(emisor=EMISOR_FISICA)) == []


# --------------------------------------------------------------------------- CFDI40146 PUBLICO EN GENERAL => XAXX


def test_CFDI40146_publico_en_general_with_foreign_generic_rfc_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40146", set_attr(inv(receptor=PUBLICO), REC, Rfc=XEXX))
    assert f.path == f"{REC}/@Rfc" and f.expected == XAXX and f.found == XEXX


def test_CFDI40146_edges_pass(inv, glob) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40146", inv(receptor=PUBLICO)) == []
    assert run_rule("CFDI40146", set_attr(inv(), REC, Nombre="PUBLICO EN GENERAL S.A.")) == []
    # with InformacionGlobal the same mismatch is CFDI40130's
    assert run_rule("CFDI40146", set_attr(glob(), REC, Rfc=XEXX)) == []
    assert run_rule("CFDI40130", set_attr(glob(), REC, Rfc=XEXX))


# --------------------------------------------------------------------------- CFDI40149 generic => LugarExpedicion


@pytest.mark.parametrize("rfc", [XAXX, XEXX])
def test_CFDI40149_generic_receptor_with_other_postal_code_fires(rfc: str, inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40149", set_attr(inv(receptor=PUBLICO), REC, Rfc=rfc, DomicilioFiscalReceptor="76100"))
    assert f.path == f"{REC}/@DomicilioFiscalReceptor" and f.expected == "76000" and f.found == "76100"


def test_CFDI40149_lugar_expedicion_or_named_receptor_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40149", inv(receptor=PUBLICO)) == []
    assert run_rule("CFDI40149", inv(receptor=EXTRANJERO)) == []
    assert run_rule("CFDI40149", inv()) == []  # 76100 != 76000, but a registered RFC


# --------------------------------------------------------------------------- CFDI40151-40155 foreign receptor


@pytest.mark.parametrize("rfc", ["ALE1503107H2", XAXX])
def test_CFDI40151_residencia_fiscal_for_national_receptor_fires(rfc: str, inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40151", set_attr(inv(), REC, Rfc=rfc, ResidenciaFiscal="USA"))
    assert f.path == f"{REC}/@ResidenciaFiscal" and f.expected == "<absent>" and f.found == "USA"


def test_CFDI40151_residencia_fiscal_for_foreign_generic_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40151", set_attr(inv(receptor=EXTRANJERO), REC, ResidenciaFiscal="USA")) == []
    assert run_rule("CFDI40151", inv()) == []


def test_CFDI40152_residencia_fiscal_mex_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40152", set_attr(inv(receptor=EXTRANJERO), REC, ResidenciaFiscal="MEX"))
    assert f.path == f"{REC}/@ResidenciaFiscal" and f.found == "MEX"


def test_CFDI40152_foreign_country_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40152", set_attr(inv(receptor=EXTRANJERO), REC, ResidenciaFiscal="MEY")) == []
    assert run_rule("CFDI40152", set_attr(inv(receptor=EXTRANJERO), REC, ResidenciaFiscal="USA")) == []


def test_CFDI40153_num_reg_id_trib_without_residencia_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40153", set_attr(inv(receptor=EXTRANJERO), REC, NumRegIdTrib="123456789"))
    assert f.path == f"{REC}/@ResidenciaFiscal" and f.expected == "<present>" and f.found == "<absent>"


def test_CFDI40153_num_reg_id_trib_with_residencia_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40153", set_attr(inv(receptor=EXTRANJERO), REC, NumRegIdTrib="1", ResidenciaFiscal="USA")) == []
    assert run_rule("CFDI40153", set_attr(inv(receptor=EXTRANJERO), REC, ResidenciaFiscal="USA")) == []


@pytest.mark.parametrize("rfc", ["ALE1503107H2", XAXX])
def test_CFDI40154_num_reg_id_trib_for_national_receptor_fires(rfc: str, inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40154", set_attr(inv(), REC, Rfc=rfc, NumRegIdTrib="123456789", ResidenciaFiscal="USA"))
    assert f.path == f"{REC}/@NumRegIdTrib" and f.expected == "<absent>" and f.found == "123456789"


def test_CFDI40154_num_reg_id_trib_for_foreign_generic_passes(inv) -> None:  # type: ignore[no-untyped-def]
    doc = set_attr(inv(receptor=EXTRANJERO), REC, NumRegIdTrib="123456789", ResidenciaFiscal="USA")
    assert run_rule("CFDI40154", doc) == []


def test_CFDI40155_foreign_generic_on_comercio_exterior_without_tax_id_fires(inv) -> None:  # type: ignore[no-untyped-def]
    doc = comercio_exterior(set_attr(inv(receptor=EXTRANJERO), ROOT, Exportacion="02"))
    f = only("CFDI40155", doc)
    assert f.path == f"{REC}/@NumRegIdTrib" and f.expected == "<present>" and f.found == "<absent>"


def test_CFDI40155_with_tax_id_or_without_complement_passes(inv) -> None:  # type: ignore[no-untyped-def]
    with_id = set_attr(inv(receptor=EXTRANJERO), REC, NumRegIdTrib="123456789", ResidenciaFiscal="USA")
    assert run_rule("CFDI40155", comercio_exterior(with_id)) == []
    assert run_rule("CFDI40155", inv(receptor=EXTRANJERO)) == []  # no complement: a foreign sale without CCE
    assert run_rule("CFDI40155", comercio_exterior(inv())) == []  # a registered receptor


# --------------------------------------------------------------------------- CFDI40158, 40159 receptor regime


def test_CFDI40158_moral_receptor_with_fisica_regime_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40158", set_attr(inv(), REC, RegimenFiscalReceptor="605"))
    assert f.path == f"{REC}/@RegimenFiscalReceptor" and f.found == "605" and "moral" in f.expected


def test_CFDI40158_fisica_receptor_with_moral_regime_fires(inv) -> None:  # type: ignore[no-untyped-def]
    assert "física" in only("CFDI40158", set_attr(inv(receptor=FISICA), REC, RegimenFiscalReceptor="601")).expected


def test_CFDI40158_regimes_of_each_kind_pass(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40158", inv()) == []
    assert run_rule("CFDI40158", inv(receptor=FISICA)) == []
    assert run_rule("CFDI40158", set_attr(inv(receptor=FISICA), REC, RegimenFiscalReceptor="626")) == []
    assert run_rule("CFDI40158", inv(receptor=PUBLICO)) == []  # 13 characters: física, and 616 is física


@pytest.mark.parametrize("rfc", [XAXX, XEXX])
def test_CFDI40159_generic_receptor_with_a_regime_fires(rfc: str, inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40159", set_attr(inv(receptor=PUBLICO), REC, Rfc=rfc, RegimenFiscalReceptor="605"))
    assert f.path == f"{REC}/@RegimenFiscalReceptor" and f.expected == "616" and f.found == "605"


def test_CFDI40159_generic_with_616_and_registered_with_any_regime_pass(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40159", inv(receptor=PUBLICO)) == []
    assert run_rule("CFDI40159", inv(receptor=EXTRANJERO)) == []
    assert run_rule("CFDI40159", inv()) == []  # the registered regime of ALE1503107H2 is external data


# --------------------------------------------------------------------------- CFDI40161 UsoCFDI


def test_CFDI40161_payment_receipt_without_cp01_fires(rep) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40161", set_attr(rep(), REC, UsoCFDI="G03"))
    assert f.path == f"{REC}/@UsoCFDI" and f.expected == "CP01" and f.found == "G03"


def test_CFDI40161_moral_receptor_with_personal_deduction_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40161", set_attr(inv(), REC, UsoCFDI="D01"))
    assert f.path == f"{REC}/@UsoCFDI" and f.found == "D01" and "moral" in f.expected


def test_CFDI40161_use_not_admitted_for_the_regime_fires(inv) -> None:  # type: ignore[no-untyped-def]
    # G01 is for persona física too, but not for regime 605 (sueldos y salarios)
    f = only("CFDI40161", set_attr(inv(receptor=FISICA), REC, UsoCFDI="G01", RegimenFiscalReceptor="605"))
    assert f.found == "G01" and "605" in f.expected
    # the generic receptor (616) has no use but S01 and CP01
    assert run_rule("CFDI40161", set_attr(inv(receptor=PUBLICO), REC, UsoCFDI="G03"))


def test_CFDI40161_admitted_uses_pass(inv, rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40161", rep()) == []
    assert run_rule("CFDI40161", inv()) == []  # G01, moral, 601
    assert run_rule("CFDI40161", inv(receptor=FISICA)) == []  # D01, física, 612
    assert run_rule("CFDI40161", set_attr(inv(receptor=FISICA), REC, UsoCFDI="G01", RegimenFiscalReceptor="612")) == []
    assert run_rule("CFDI40161", inv(receptor=PUBLICO)) == []  # S01, 616
    assert run_rule("CFDI40161", set_attr(inv(), REC, UsoCFDI="CP01")) == []

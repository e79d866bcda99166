"""CFDI40103–CFDI40129: the attributes of cfdi:Comprobante (cfdi_ar.rules.cfdi40_comprobante).

The default invoice ``inv()`` is 10 × 35.50 (IVA 16%) + 3 × 18.00 (IVA 0%): SubTotal 409.00,
IVA 56.80, Total 465.80, in MXN, PPD with FormaPago 99.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from cfdi_ar.namespaces import CFDI40, IMPLOCAL
from cfdi_ar.rules import get
from cfdi_ar.rules.registry import Kind

from .conftest import Line, run_rule, set_attr

D = Decimal
ROOT = "/cfdi:Comprobante"
CCE20 = "http://www.sat.gob.mx/ComercioExterior20"
CCE11 = "http://www.sat.gob.mx/ComercioExterior11"

CODES = ("CFDI40103", "CFDI40105", "CFDI40107", "CFDI40108", "CFDI40109", "CFDI40110", "CFDI40112", "CFDI40114",
         "CFDI40115", "CFDI40116", "CFDI40119", "CFDI40122", "CFDI40125")
EXTERNAL = ("CFDI40118", "CFDI40120", "CFDI40127", "CFDI40128", "CFDI40129")


def only(code: str, root: etree._Element):  # type: ignore[no-untyped-def]
    found = run_rule(code, root)
    assert len(found) == 1, found
    return found[0]


def complemento(root: etree._Element, ns: str, local: str, **attrs: str) -> etree._Element:
    holder = root.find(f"{{{CFDI40}}}Complemento")
    if holder is None:
        holder = etree.SubElement(root, f"{{{CFDI40}}}Complemento")
    el = etree.SubElement(holder, f"{{{ns}}}{local}")
    for k, v in attrs.items():
        el.set(k, v)
    return el


# --------------------------------------------------------------------------- valid documents


@pytest.mark.parametrize("code", CODES)
def test_valid_default_documents_raise_none_of_these_codes(code: str, inv, rep) -> None:  # type: ignore[no-untyped-def]
    docs = [
        inv(), rep(), inv(tipo="E"), inv(metodo_pago="PUE", forma_pago="03"),
        inv(moneda="USD", tipo_cambio=D("18.4523")), inv(moneda="JPY", tipo_cambio=D("0.1203"), places=0),
        inv(moneda="KWD", tipo_cambio=D("60.0172"), places=3),
        inv(lines=[Line("84111506", D("1"), "E48", "Servicio", D("1000.00"), descuento=D("100.00"),
                        retenciones=(("001", D("0.10")), ("002", D("0.106667"))))]),
    ]
    for doc in docs:
        assert run_rule(code, doc) == [], code


def test_external_codes_are_registered_as_needing_external_data() -> None:
    for code in EXTERNAL:
        r = get(code)
        assert r.kind is Kind.EXTERNAL and r.check is None, code


# --------------------------------------------------------------------------- CFDI40103 FormaPago in T, N, P


def test_CFDI40103_forma_pago_on_payment_receipt_fires(rep) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40103", set_attr(rep(), ROOT, FormaPago="03"))
    assert f.path == "/cfdi:Comprobante/@FormaPago" and f.expected == "<absent>" and f.found == "03"


def test_CFDI40103_forma_pago_on_payroll_fires(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40103", inv(tipo="N", forma_pago="99"))


def test_CFDI40103_without_forma_pago_passes_and_income_may_have_it(inv, rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40103", rep()) == []
    assert run_rule("CFDI40103", inv(forma_pago="03", metodo_pago="PUE")) == []


# --------------------------------------------------------------------------- CFDI40105 PPD => 99


def test_CFDI40105_ppd_with_transfer_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40105", inv(metodo_pago="PPD", forma_pago="03"))
    assert f.path == "/cfdi:Comprobante/@FormaPago" and f.expected == "99" and f.found == "03"


def test_CFDI40105_ppd_with_99_and_pue_with_transfer_pass(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40105", inv(metodo_pago="PPD", forma_pago="99")) == []
    assert run_rule("CFDI40105", inv(metodo_pago="PUE", forma_pago="03")) == []
    assert run_rule("CFDI40105", set_attr(inv(), ROOT, FormaPago=None)) == []  # absence is not this rule's


# --------------------------------------------------------------------------- CFDI40107 SubTotal decimals


def test_CFDI40107_subtotal_with_three_decimals_in_mxn_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40107", set_attr(inv(), ROOT, SubTotal="409.000"))
    assert f.path == "/cfdi:Comprobante/@SubTotal" and f.expected == "<= 2 decimals" and f.found == "409.000"


def test_CFDI40107_subtotal_at_currency_decimals_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40107", set_attr(inv(), ROOT, SubTotal="409.00")) == []
    jpy = inv(moneda="JPY", tipo_cambio=D("0.1203"), places=0)
    assert run_rule("CFDI40107", jpy) == []
    assert run_rule("CFDI40107", set_attr(jpy, ROOT, SubTotal=jpy.get("SubTotal") + ".0"))


def test_CFDI40107_zero_with_decimals_on_payment_receipt_passes(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40107", set_attr(rep(), ROOT, SubTotal="0.00")) == []


# --------------------------------------------------------------------------- CFDI40108 SubTotal = round(sum)


def _importes(root: etree._Element, *values: str) -> etree._Element:
    for el, value in zip(root.iter(f"{{{CFDI40}}}Concepto"), values):
        el.set("Importe", value)
    return root


def test_CFDI40108_subtotal_not_rounded_sum_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40108", set_attr(inv(), ROOT, SubTotal="409.01"))
    assert f.path == "/cfdi:Comprobante/@SubTotal" and f.expected == "409.00" and f.found == "409.01"


def test_CFDI40108_subtotal_at_rounding_edge_passes(inv) -> None:  # type: ignore[no-untyped-def]
    # 355.005 + 54.00 = 409.005, rounded half up to 409.01
    assert run_rule("CFDI40108", set_attr(_importes(inv(), "355.005", "54.00"), ROOT, SubTotal="409.01")) == []
    f = only("CFDI40108", set_attr(_importes(inv(), "355.005", "54.00"), ROOT, SubTotal="409.00"))
    assert f.expected == "409.01"
    # 355.0049 + 54.00 rounds down to 409.00
    assert run_rule("CFDI40108", set_attr(_importes(inv(), "355.0049", "54.00"), ROOT, SubTotal="409.00")) == []


def test_CFDI40108_does_not_apply_to_payment_receipts(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40108", set_attr(rep(), "//cfdi:Concepto", Importe="5")) == []


# --------------------------------------------------------------------------- CFDI40109 SubTotal 0 on T, P


def test_CFDI40109_payment_receipt_with_subtotal_fires(rep) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40109", set_attr(rep(), ROOT, SubTotal="0.01"))
    assert f.path == "/cfdi:Comprobante/@SubTotal" and f.expected == "0" and f.found == "0.01"


def test_CFDI40109_zero_with_decimals_passes(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40109", set_attr(rep(), ROOT, SubTotal="0.00")) == []
    assert run_rule("CFDI40109", rep()) == []


# --------------------------------------------------------------------------- CFDI40110 Descuento <= SubTotal


def test_CFDI40110_descuento_above_subtotal_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40110", set_attr(inv(), ROOT, Descuento="409.01"))
    assert f.path == "/cfdi:Comprobante/@Descuento" and f.found == "409.01" and f.expected == "<= 409.00"


def test_CFDI40110_descuento_equal_to_subtotal_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40110", set_attr(inv(), ROOT, Descuento="409.00")) == []


# --------------------------------------------------------------------------- CFDI40112 Descuento decimals


def test_CFDI40112_descuento_with_three_decimals_in_mxn_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40112", set_attr(inv(), ROOT, Descuento="1.001"))
    assert f.path == "/cfdi:Comprobante/@Descuento" and f.expected == "<= 2 decimals" and f.found == "1.001"


def test_CFDI40112_descuento_at_currency_decimals_passes(inv) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40112", set_attr(inv(), ROOT, Descuento="1.00")) == []
    kwd = inv(moneda="KWD", tipo_cambio=D("60.0172"), places=3)
    assert run_rule("CFDI40112", set_attr(kwd, ROOT, Descuento="1.001")) == []
    assert run_rule("CFDI40112", set_attr(kwd, ROOT, Descuento="1.0001"))


# --------------------------------------------------------------------------- CFDI40114-40116 TipoCambio


def test_CFDI40114_mxn_with_exchange_rate_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40114", set_attr(inv(), ROOT, TipoCambio="1.000001"))
    assert f.path == "/cfdi:Comprobante/@TipoCambio" and f.expected == "1" and f.found == "1.000001"


def test_CFDI40114_mxn_with_one_written_any_way_passes(inv) -> None:  # type: ignore[no-untyped-def]
    for value in ("1", "1.0", "1.000000"):
        assert run_rule("CFDI40114", set_attr(inv(), ROOT, TipoCambio=value)) == [], value
    assert run_rule("CFDI40114", inv()) == []  # omitted


def test_CFDI40115_foreign_currency_without_exchange_rate_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40115", set_attr(inv(moneda="USD", tipo_cambio=D("18.4523")), ROOT, TipoCambio=None))
    assert f.path == "/cfdi:Comprobante/@TipoCambio" and f.expected == "<present>" and f.found == "<absent>"


def test_CFDI40115_foreign_currency_with_rate_and_xxx_without_pass(inv, rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40115", inv(moneda="USD", tipo_cambio=D("18.4523"))) == []
    assert run_rule("CFDI40115", rep()) == []  # XXX
    assert run_rule("CFDI40115", inv()) == []  # MXN


def test_CFDI40116_xxx_with_exchange_rate_fires(rep) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40116", set_attr(rep(), ROOT, TipoCambio="1"))
    assert f.path == "/cfdi:Comprobante/@TipoCambio" and f.expected == "<absent>" and f.found == "1"


def test_CFDI40116_xxx_without_exchange_rate_passes(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40116", rep()) == []


# --------------------------------------------------------------------------- CFDI40119 Total


def test_CFDI40119_total_off_by_a_cent_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40119", set_attr(inv(), ROOT, Total="465.81"))
    assert f.path == "/cfdi:Comprobante/@Total" and f.expected == "465.80" and f.found == "465.81"


def test_CFDI40119_discount_and_withholdings_enter_the_total(inv) -> None:  # type: ignore[no-untyped-def]
    root = inv(lines=[Line("84111506", D("1"), "E48", "Servicio", D("1000.00"), descuento=D("100.00"),
                           retenciones=(("001", D("0.10")),))])
    assert root.get("Total") == "954.00"  # 1000 − 100 + 144 − 90
    assert run_rule("CFDI40119", root) == []
    assert run_rule("CFDI40119", set_attr(root, ROOT, Total="1044.00"))


def test_CFDI40119_local_taxes_at_rounding_edge(inv) -> None:  # type: ignore[no-untyped-def]
    def with_local(total: str, traslados: str, retenciones: str = "0") -> etree._Element:
        root = set_attr(inv(), ROOT, Total=total)
        complemento(root, IMPLOCAL, "ImpuestosLocales", version="1.0", TotaldeRetenciones=retenciones,
                    TotaldeTraslados=traslados)
        return root

    assert run_rule("CFDI40119", with_local("465.81", "0.005")) == []  # 465.805 rounds half up
    f = only("CFDI40119", with_local("465.80", "0.005"))
    assert f.expected == "465.81"
    assert run_rule("CFDI40119", with_local("469.80", "8.00", "4.00")) == []
    assert run_rule("CFDI40119", with_local("465.80", "8.00", "4.00"))


def test_CFDI40119_payment_receipt_total_must_be_zero(rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40119", rep()) == []
    assert run_rule("CFDI40119", set_attr(rep(), ROOT, Total="0.00")) == []
    assert only("CFDI40119", set_attr(rep(), ROOT, Total="1")).expected == "0"


# --------------------------------------------------------------------------- CFDI40122 Exportacion 02


def test_CFDI40122_export_without_comercio_exterior_fires(inv) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40122", set_attr(inv(), ROOT, Exportacion="02"))
    assert f.path == "/cfdi:Comprobante/@Exportacion" and f.found == "<absent>"


@pytest.mark.parametrize("ns", [CCE20, CCE11])
def test_CFDI40122_export_with_comercio_exterior_passes(ns: str, inv) -> None:  # type: ignore[no-untyped-def]
    root = set_attr(inv(), ROOT, Exportacion="02")
    complemento(root, ns, "ComercioExterior", Version="2.0")
    assert run_rule("CFDI40122", root) == []


def test_CFDI40122_other_exportacion_values_need_no_complement(inv) -> None:  # type: ignore[no-untyped-def]
    for value in ("01", "03", "04"):
        assert run_rule("CFDI40122", set_attr(inv(), ROOT, Exportacion=value)) == [], value


# --------------------------------------------------------------------------- CFDI40125 MetodoPago on T, P


def test_CFDI40125_payment_receipt_with_metodo_pago_fires(rep) -> None:  # type: ignore[no-untyped-def]
    f = only("CFDI40125", set_attr(rep(), ROOT, MetodoPago="PUE"))
    assert f.path == "/cfdi:Comprobante/@MetodoPago" and f.expected == "<absent>" and f.found == "PUE"


def test_CFDI40125_transfer_with_metodo_pago_fires_and_without_passes(inv, rep) -> None:  # type: ignore[no-untyped-def]
    assert run_rule("CFDI40125", inv(tipo="T"))
    assert run_rule("CFDI40125", set_attr(inv(tipo="T"), ROOT, MetodoPago=None)) == []
    assert run_rule("CFDI40125", rep()) == []


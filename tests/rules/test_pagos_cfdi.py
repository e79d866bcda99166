"""CRP20101–CRP20123: the CFDI base of a payment receipt (type P with Pagos 2.0)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cfdi_ar.findings import Finding

from .conftest import Payment, add, paid, remove, run_rule, set_attr

CODES = [f"CRP201{n:02d}" for n in range(1, 24)]
ROOT = "/cfdi:Comprobante"
CONCEPTO = "/cfdi:Comprobante/cfdi:Conceptos/cfdi:Concepto"


def only(code: str, root) -> Finding:  # type: ignore[no-untyped-def]
    found = run_rule(code, root)
    assert len(found) == 1, found
    return found[0]


def usd_payment() -> Payment:
    return Payment(dt.datetime(2026, 10, 20, 12, 0, 0), "03", "USD",
                   (paid(moneda="USD", total=Decimal("116.00"), pagado=Decimal("116.00")),), tipo_cambio=Decimal("18.4523"))


# --------------------------------------------------------------------------- valid documents


@pytest.mark.parametrize("code", CODES)
def test_valid_documents_raise_no_CRP201xx(code, rep, inv):  # type: ignore[no-untyped-def]
    mxn = Payment(dt.datetime(2026, 10, 20, 12, 0, 0), "03", "MXN", (paid(),))
    for root in (rep(), rep(payments=[mxn, usd_payment()]), inv()):
        assert run_rule(code, root) == []


def test_CRP201xx_ignore_invoices(inv):  # type: ignore[no-untyped-def]
    root = inv()  # SubTotal, Total, Moneda MXN, FormaPago, MetodoPago, Concepto taxes: all fine for type I
    for code in ("CRP20103", "CRP20104", "CRP20105", "CRP20106", "CRP20110", "CRP20113", "CRP20122", "CRP20123"):
        assert run_rule(code, root) == [], code


@pytest.mark.parametrize("code", CODES)
def test_CRP201xx_need_the_pagos_complement(code, rep):  # type: ignore[no-untyped-def]
    """A type P without Pagos 2.0 breaks no rule of the complement's matrix (its absence is another matter)."""
    root = set_attr(rep(), ROOT, SubTotal="1000", Total="1160", Moneda="MXN", FormaPago="03", Exportacion="02")
    set_attr(root, CONCEPTO, ClaveProdServ="01010101", Unidad="Pieza", ObjetoImp="02")
    add(root, CONCEPTO, "cfdi:Impuestos")
    remove(root, "/cfdi:Comprobante/cfdi:Complemento")
    assert run_rule(code, root) == []


# --------------------------------------------------------------------------- Comprobante


def test_CRP20101_pagos_complement_on_an_invoice_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20101", set_attr(rep(), ROOT, TipoDeComprobante="I"))
    assert f.path == f"{ROOT}/@TipoDeComprobante"
    assert (f.expected, f.found) == ("P", "I")


def test_CRP20101_invoice_without_pagos_complement_passes(inv, rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20101", inv()) == []
    assert run_rule("CRP20101", rep()) == []
    assert run_rule("CRP20101", remove(set_attr(rep(), ROOT, TipoDeComprobante="I"), "//pago20:Pagos")) == []


def test_CRP20102_exportacion_not_01_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20102", set_attr(rep(), ROOT, Exportacion="02"))
    assert f.path == f"{ROOT}/@Exportacion"
    assert (f.expected, f.found) == ("01", "02")


def test_CRP20102_exportacion_01_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20102", set_attr(rep(), ROOT, Exportacion="01")) == []


def test_CRP20103_subtotal_not_zero_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20103", set_attr(rep(), ROOT, SubTotal="0.01"))
    assert f.path == f"{ROOT}/@SubTotal"
    assert (f.expected, f.found) == ("0", "0.01")


def test_CRP20103_subtotal_zero_with_decimals_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20103", set_attr(rep(), ROOT, SubTotal="0.00")) == []


def test_CRP20104_moneda_not_xxx_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20104", set_attr(rep(), ROOT, Moneda="MXN"))
    assert f.path == f"{ROOT}/@Moneda"
    assert (f.expected, f.found) == ("XXX", "MXN")


def test_CRP20104_moneda_xxx_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20104", rep()) == []


@pytest.mark.parametrize(("code", "attribute", "value"), [
    ("CRP20105", "FormaPago", "03"),
    ("CRP20106", "MetodoPago", "PUE"),
    ("CRP20107", "CondicionesDePago", "contado"),
    ("CRP20108", "Descuento", "0.00"),
    ("CRP20109", "TipoCambio", "1"),
])
def test_CRP20105_to_CRP20109_registered_attribute_fires(rep, code, attribute, value):  # type: ignore[no-untyped-def]
    f = only(code, set_attr(rep(), ROOT, **{attribute: value}))
    assert f.path == f"{ROOT}/@{attribute}"
    assert (f.expected, f.found) == ("<absent>", value)


@pytest.mark.parametrize(("code", "attribute"), [
    ("CRP20105", "FormaPago"), ("CRP20106", "MetodoPago"), ("CRP20107", "CondicionesDePago"),
    ("CRP20108", "Descuento"), ("CRP20109", "TipoCambio"),
])
def test_CRP20105_to_CRP20109_empty_attribute_is_registered_and_fires(rep, code, attribute):  # type: ignore[no-untyped-def]
    assert only(code, set_attr(rep(), ROOT, **{attribute: ""})).found == ""


@pytest.mark.parametrize("code", ["CRP20105", "CRP20106", "CRP20107", "CRP20108", "CRP20109"])
def test_CRP20105_to_CRP20109_absent_attribute_passes(rep, code):  # type: ignore[no-untyped-def]
    assert run_rule(code, rep()) == []


def test_CRP20110_total_not_zero_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20110", set_attr(rep(), ROOT, Total="580.00"))
    assert f.path == f"{ROOT}/@Total"
    assert (f.expected, f.found) == ("0", "580.00")


def test_CRP20110_total_zero_with_decimals_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20110", set_attr(rep(), ROOT, Total="0.00")) == []


# --------------------------------------------------------------------------- Conceptos


def _second_concepto(root):  # type: ignore[no-untyped-def]
    add(root, "/cfdi:Comprobante/cfdi:Conceptos", "cfdi:Concepto", ClaveProdServ="84111506", Cantidad="1",
        ClaveUnidad="ACT", Descripcion="Pago", ValorUnitario="0", Importe="0", ObjetoImp="01")
    return root


def test_CRP20111_two_conceptos_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20111", _second_concepto(rep()))
    assert f.path == "/cfdi:Comprobante/cfdi:Conceptos/cfdi:Concepto[2]"
    assert (f.expected, f.found) == ("1", "2")


def test_CRP20111_one_concepto_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20111", rep()) == []


def test_CRP20112_concepto_child_fires(rep):  # type: ignore[no-untyped-def]
    root = rep()
    add(root, CONCEPTO, "cfdi:InformacionAduanera", NumeroPedimento="23  47  3807  3001234")
    f = only("CRP20112", root)
    assert f.path == f"{CONCEPTO}/cfdi:InformacionAduanera"
    assert f.found == "InformacionAduanera"


def test_CRP20112_child_fires_even_with_acuentaterceros(rep):  # type: ignore[no-untyped-def]
    root = rep()
    add(root, CONCEPTO, "cfdi:ACuentaTerceros", RfcACuentaTerceros="ALE1503107H2", NombreACuentaTerceros="X",
        RegimenFiscalACuentaTerceros="601", DomicilioFiscalACuentaTerceros="76100")
    add(root, CONCEPTO, "cfdi:CuentaPredial", Numero="123")
    assert only("CRP20112", root).found == "CuentaPredial"


def test_CRP20112_acuentaterceros_alone_passes(rep):  # type: ignore[no-untyped-def]
    root = rep()
    add(root, CONCEPTO, "cfdi:ACuentaTerceros", RfcACuentaTerceros="ALE1503107H2", NombreACuentaTerceros="X",
        RegimenFiscalACuentaTerceros="601", DomicilioFiscalACuentaTerceros="76100")
    assert run_rule("CRP20112", root) == []


def test_CRP20112_leaves_concepto_impuestos_to_CRP20123(rep):  # type: ignore[no-untyped-def]
    root = rep()
    add(root, CONCEPTO, "cfdi:Impuestos")
    assert run_rule("CRP20112", root) == []
    assert only("CRP20123", root).path == f"{CONCEPTO}/cfdi:Impuestos"


@pytest.mark.parametrize(("code", "attribute", "bad", "good"), [
    ("CRP20113", "ClaveProdServ", "84111505", "84111506"),
    ("CRP20116", "ClaveUnidad", "E48", "ACT"),
    ("CRP20118", "Descripcion", "pago", "Pago"),
    ("CRP20122", "ObjetoImp", "02", "01"),
])
def test_CRP20113_CRP20116_CRP20118_CRP20122_fixed_code(rep, code, attribute, bad, good):  # type: ignore[no-untyped-def]
    f = only(code, set_attr(rep(), CONCEPTO, **{attribute: bad}))
    assert f.path == f"{CONCEPTO}/@{attribute}"
    assert (f.expected, f.found) == (good, bad)
    assert run_rule(code, set_attr(rep(), CONCEPTO, **{attribute: good})) == []


def test_CRP20118_descripcion_whitespace_collapsed_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20118", set_attr(rep(), CONCEPTO, Descripcion=" Pago ")) == []


@pytest.mark.parametrize(("code", "attribute"), [
    ("CRP20114", "NoIdentificacion"), ("CRP20117", "Unidad"), ("CRP20121", "Descuento"),
])
def test_CRP20114_CRP20117_CRP20121_concepto_attribute_registered_fires(rep, code, attribute):  # type: ignore[no-untyped-def]
    f = only(code, set_attr(rep(), CONCEPTO, **{attribute: "0"}))
    assert f.path == f"{CONCEPTO}/@{attribute}"
    assert (f.expected, f.found) == ("<absent>", "0")
    assert run_rule(code, rep()) == []


def test_CRP20115_cantidad_not_one_fires(rep):  # type: ignore[no-untyped-def]
    f = only("CRP20115", set_attr(rep(), CONCEPTO, Cantidad="1.000001"))
    assert f.path == f"{CONCEPTO}/@Cantidad"
    assert (f.expected, f.found) == ("1", "1.000001")


def test_CRP20115_cantidad_one_with_decimals_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20115", set_attr(rep(), CONCEPTO, Cantidad="1.000000")) == []


@pytest.mark.parametrize(("code", "attribute"), [("CRP20119", "ValorUnitario"), ("CRP20120", "Importe")])
def test_CRP20119_CRP20120_amount_not_zero_fires(rep, code, attribute):  # type: ignore[no-untyped-def]
    f = only(code, set_attr(rep(), CONCEPTO, **{attribute: "0.000001"}))
    assert f.path == f"{CONCEPTO}/@{attribute}"
    assert (f.expected, f.found) == ("0", "0.000001")


@pytest.mark.parametrize(("code", "attribute"), [("CRP20119", "ValorUnitario"), ("CRP20120", "Importe")])
def test_CRP20119_CRP20120_zero_with_decimals_passes(rep, code, attribute):  # type: ignore[no-untyped-def]
    assert run_rule(code, set_attr(rep(), CONCEPTO, **{attribute: "0.000000"})) == []


def test_CRP20113_checks_every_concepto(rep):  # type: ignore[no-untyped-def]
    root = _second_concepto(rep())
    set_attr(root, "/cfdi:Comprobante/cfdi:Conceptos/cfdi:Concepto[2]", ClaveProdServ="01010101")
    assert only("CRP20113", root).path == "/cfdi:Comprobante/cfdi:Conceptos/cfdi:Concepto[2]/@ClaveProdServ"


def test_CRP20123_comprobante_impuestos_fires(rep):  # type: ignore[no-untyped-def]
    root = rep()
    impuestos = add(root, ROOT, "cfdi:Impuestos", TotalImpuestosTrasladados="0.00")
    impuestos.getparent().remove(impuestos)
    root.insert(3, impuestos)  # after Conceptos, as the schema orders it
    f = only("CRP20123", root)
    assert f.path == "/cfdi:Comprobante/cfdi:Impuestos"
    assert (f.expected, f.found) == ("<absent>", "Impuestos")


def test_CRP20123_no_impuestos_passes(rep):  # type: ignore[no-untyped-def]
    assert run_rule("CRP20123", rep()) == []

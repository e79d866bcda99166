"""Structure games on a sealed, stamped invoice: Addenda, foreign complements, prefixes, CDATA, attributes.

Each document is otherwise valid, so the finding is about the one thing changed.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
from lxml import etree

from cfdi_ar.demo.documents import Payment, paid_document, payment_receipt
from cfdi_ar.demo.seal import seal, stamp, to_bytes
from cfdi_ar.model import build_comprobante
from cfdi_ar.namespaces import CFDI40, PAGOS20, q

from ..conftest import EMISOR, RECEPTOR
from ._hostile import append_to_root, assert_clean, assert_refused, assert_valid, cli, problems

FOREIGN = b'<x:Otro A="1"><x:Dato Orden="PO-77"/></x:Otro>'  # no text: SAT's cadena stylesheet would copy it


def _write(tmp_path, name: str, data: bytes):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_addenda_is_not_validated_and_never_an_internal_error(tmp_path, good_xml, trust):
    data = append_to_root(good_xml, b'<cfdi:Addenda><po xmlns="urn:erp">PO-77</po><x:y xmlns:x="urn:x"/></cfdi:Addenda>')
    run = cli(*trust, _write(tmp_path, "addenda.xml", data))
    assert_valid(run, "addenda.xml")
    assert run.exit_code == 0


@pytest.mark.parametrize("where", ["on-the-root", "on-the-element"])
def test_unknown_complement_is_a_warning_wherever_its_namespace_is_declared(tmp_path, good_xml, trust, where):
    if where == "on-the-root":
        data = good_xml.replace(b"<cfdi:Comprobante ", b'<cfdi:Comprobante xmlns:x="urn:example:otro" ', 1)
        data = data.replace(b"<cfdi:Complemento>", b"<cfdi:Complemento>" + FOREIGN, 1)
    else:
        data = good_xml.replace(b"<cfdi:Complemento>", b"<cfdi:Complemento>" + FOREIGN.replace(b"<x:Otro ", b'<x:Otro xmlns:x="urn:example:otro" ', 1), 1)
    run = cli(*trust, _write(tmp_path, "unknown.xml", data))
    assert_clean(run)
    assert run.exit_code == 0
    result = run.result("unknown.xml")
    assert result["valid"] is True
    assert problems(result) == ["CFDIAR-XSD-002"]
    assert "urn:example:otro" in result["findings"][0]["message"]


def test_pagos_10_declared_on_its_own_element_is_an_unsupported_complement(tmp_path, good_xml, trust):
    old = b'<pago10:Pagos xmlns:pago10="http://www.sat.gob.mx/Pagos" Version="1.0"/>'
    data = good_xml.replace(b"<cfdi:Complemento>", b"<cfdi:Complemento>" + old, 1)
    result = assert_refused(cli(*trust, _write(tmp_path, "pagos10.xml", data)), "pagos10.xml", "CFDIAR-DOC-002")
    assert "Pagos 1.0" in result["findings"][0]["message"]


def test_pagos_20_complement_on_an_income_invoice_is_crp20101(tmp_path, make_invoice, sealed_invoice, pki, trust):
    invoice = build_comprobante(sealed_invoice())
    rep = payment_receipt(EMISOR, RECEPTOR, [Payment(dt.datetime(2026, 10, 20, 12), "03", "MXN",
                                                     (paid_document(invoice, pagado=Decimal("200.00")),))],
                          fecha=dt.datetime(2026, 10, 21, 9), folio="2001")
    root = make_invoice()  # TipoDeComprobante="I"
    etree.SubElement(root, q(CFDI40, "Complemento")).append(copy.deepcopy(rep.find(f".//{q(PAGOS20, 'Pagos')}")))
    data = to_bytes(stamp(seal(root, pki.csd), pki.stamp_cert))
    result = assert_refused(cli(*trust, _write(tmp_path, "pagos-on-i.xml", data)), "pagos-on-i.xml", "CRP20101")
    assert result["type"] == "I"


def test_cfdi_prefix_rebound_to_another_namespace_is_not_read_as_sat(tmp_path, good_xml, trust):
    # <cfdi:Emisor xmlns:cfdi="urn:evil" ...>: same prefix, another element. It is not SAT's Emisor:
    # the schema says an element is out of place, and the seal (whose cadena lacks Emisor) fails.
    data = good_xml.replace(b"<cfdi:Emisor ", b'<cfdi:Emisor xmlns:cfdi="urn:evil" ', 1)
    run = cli(*trust, _write(tmp_path, "rebound.xml", data))
    assert_clean(run)
    assert run.exit_code == 1
    result = run.result("rebound.xml")
    assert result["valid"] is False
    assert problems(result) == ["CFDIAR-XSD-001", "CFDI40102"]
    assert "Emisor: This element is not expected" in [f for f in result["findings"] if f["code"] == "CFDIAR-XSD-001"][0]["message"]


def test_cdata_where_attributes_belong_is_schema_invalid(tmp_path, good_xml, trust):
    start = good_xml.index(b"<cfdi:Emisor ")
    end = good_xml.index(b"/>", start)
    data = good_xml[:end] + b'><![CDATA[Rfc="XAXX010101000" Nombre="OTRO"]]></cfdi:Emisor>' + good_xml[end + 2:]
    result = assert_refused(cli(*trust, _write(tmp_path, "cdata.xml", data)), "cdata.xml", "CFDI40999")
    assert "Character content is not allowed" in result["findings"][0]["message"]


def test_duplicate_attribute_is_not_well_formed(tmp_path, good_xml):
    data = good_xml.replace(b'Total="', b'Total="1.00" Total="', 1)
    result = assert_refused(cli(_write(tmp_path, "dup-attr.xml", data)), "dup-attr.xml", "CFDIAR-XML-001")
    assert "Attribute Total redefined" in result["findings"][0]["message"]


def test_second_total_under_the_sat_namespace_is_schema_invalid_not_read(tmp_path, good_xml, trust):
    # cfdi:Total="1.00" next to Total: well-formed (another attribute name), but not SAT's Total.
    data = good_xml.replace(b"<cfdi:Comprobante ", b'<cfdi:Comprobante cfdi:Total="1.00" ', 1)
    run = cli(*trust, _write(tmp_path, "qualified-total.xml", data))
    result = assert_refused(run, "qualified-total.xml", "CFDI40999")
    assert "{http://www.sat.gob.mx/cfd/4}Total" in result["findings"][0]["message"]


def test_unknown_complement_with_text_changes_the_cadena_and_says_so(tmp_path, good_xml, trust):
    # SAT's cadena stylesheet copies the text of elements it has no template for: the seal computed
    # without the complement no longer verifies, and the finding says why (not a bare CFDI40102).
    data = good_xml.replace(b"<cfdi:Complemento>", b'<cfdi:Complemento><x:Otro xmlns:x="urn:example:otro">PO-77</x:Otro>', 1)
    run = cli(*trust, _write(tmp_path, "unknown-text.xml", data))
    assert_clean(run)
    assert run.exit_code == 1
    result = run.result("unknown-text.xml")
    assert problems(result) == ["CFDIAR-SELLO-001", "CFDIAR-XSD-002"]
    assert "urn:example:otro" in result["findings"][0]["message"]

"""Structure games on a sealed, stamped invoice: Addenda, foreign complements, prefixes, CDATA, attributes.

Each document is otherwise valid, so the finding is about the one thing changed.
"""

from __future__ import annotations

import pytest

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

"""Bytes and encodings: well-formedness is never repaired; honest encodings parse."""

from __future__ import annotations

import pytest

from ._hostile import assert_refused, assert_valid, cli

MINIMAL = '<?xml version="1.0" encoding="UTF-8"?>\n<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" Version="4.0" Nombre="{}"/>'


def _write(tmp_path, name: str, data: bytes):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_invalid_utf8_bytes_are_refused(tmp_path):
    doc = _write(tmp_path, "bad-utf8.xml", MINIMAL.format("X").encode().replace(b'"X"', b'"\xff\xfe\xc3"'))
    result = assert_refused(cli(doc), "bad-utf8.xml", "CFDIAR-XML-001")
    assert "encoding" in result["findings"][0]["message"]


def test_latin1_bytes_declared_utf8_are_refused(tmp_path):
    doc = _write(tmp_path, "lying-encoding.xml", MINIMAL.format("Razón Social Año").encode("latin-1"))
    result = assert_refused(cli(doc), "lying-encoding.xml", "CFDIAR-XML-001")
    assert "encoding" in result["findings"][0]["message"]


def test_utf16_with_bom_parses_and_stays_valid(tmp_path, good_xml, trust):
    text = good_xml.decode("utf-8").replace("encoding='UTF-8'", "encoding='UTF-16'")
    data = text.encode("utf-16")  # BOM + native (little-endian here) order
    assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
    doc = _write(tmp_path, "utf16-bom.xml", data)
    run = cli(*trust, doc)
    assert_valid(run, "utf16-bom.xml")
    assert run.exit_code == 0


def test_utf16le_without_bom_but_declared_parses_and_stays_valid(tmp_path, good_xml, trust):
    text = good_xml.decode("utf-8").replace("encoding='UTF-8'", "encoding='UTF-16LE'")
    data = text.encode("utf-16-le")
    assert data[:4] == b"<\x00?\x00"
    doc = _write(tmp_path, "utf16le.xml", data)
    run = cli(*trust, doc)
    assert_valid(run, "utf16le.xml")
    assert run.exit_code == 0


def test_nul_byte_is_refused(tmp_path):
    doc = _write(tmp_path, "nul.xml", MINIMAL.format("A\x00B").encode())
    assert_refused(cli(doc), "nul.xml", "CFDIAR-XML-001")


def test_control_character_reference_is_refused(tmp_path):
    doc = _write(tmp_path, "charref.xml", MINIMAL.format("A&#1;B").encode())
    assert_refused(cli(doc), "charref.xml", "CFDIAR-XML-001")


def test_two_root_elements_are_refused(tmp_path, good_xml):
    doc = _write(tmp_path, "two-roots.xml", good_xml + b"<cfdi:Comprobante/>")
    result = assert_refused(cli(doc), "two-roots.xml", "CFDIAR-XML-001")
    assert "Extra content" in result["findings"][0]["message"]


def test_whitespace_before_xml_declaration_is_refused(tmp_path, good_xml):
    doc = _write(tmp_path, "leading-space.xml", b" \n" + good_xml)
    result = assert_refused(cli(doc), "leading-space.xml", "CFDIAR-XML-001")
    assert "XML declaration" in result["findings"][0]["message"]


def test_empty_file_is_refused(tmp_path):
    doc = _write(tmp_path, "empty.xml", b"")
    result = assert_refused(cli(doc), "empty.xml", "CFDIAR-XML-001")
    assert result["findings"][0]["message"] == "the file is empty"


def test_pdf_bytes_named_xml_are_refused(tmp_path):
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    doc = _write(tmp_path, "factura.xml", pdf)
    assert_refused(cli(doc), "factura.xml", "CFDIAR-XML-001")


def test_pdf_file_given_directly_is_refused(tmp_path):
    doc = _write(tmp_path, "factura.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    assert_refused(cli(doc), "factura.pdf", "CFDIAR-XML-001")



def test_utf8_bytes_declared_latin1_are_read_as_mojibake_and_fail_the_seal(tmp_path, make_invoice, pki, trust):
    from cfdi_ar.demo.seal import seal, stamp, to_bytes

    root = make_invoice()
    root.find("{*}Receptor").set("Nombre", "ABARROTES LA ESPAÑOLA")
    data = to_bytes(stamp(seal(root, pki.csd), pki.stamp_cert))
    honest = _write(tmp_path, "honest.xml", data)
    lying = _write(tmp_path, "lying-latin1.xml", data.replace(b"encoding='UTF-8'", b"encoding='ISO-8859-1'", 1))
    assert b"ESPA\xc3\x91OLA" in data and lying.read_bytes() != data
    run = cli(*trust, honest, lying)
    assert_valid(run, "honest.xml")
    assert_refused(run, "lying-latin1.xml", "CFDI40102")  # Ñ read as two Latin-1 characters: another cadena


def test_the_python_api_refuses_a_str_with_a_clear_type_error():
    # RELIABILITY.md §4 case 11: XML as a Python str has lost its bytes; its encoding declaration would lie.
    from cfdi_ar import validate_bytes
    from cfdi_ar.io.xml import parse_untrusted

    text = '<?xml version="1.0" encoding="ISO-8859-1"?><cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4"/>'
    for call in (lambda: parse_untrusted(text), lambda: validate_bytes("a.xml", text)):  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"takes bytes, not str: the encoding declaration must be honoured"):
            call()

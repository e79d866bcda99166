"""What is inside a well-formed document: PIs, XInclude, schema locations, prefixes, other roots.

Nothing a document points at (stylesheet, XInclude target, schema location)
is ever fetched or read: cfdi-ar validates with the schemas and stylesheets
shipped in satcfdi.
"""

from __future__ import annotations

import pytest

from ._hostile import (
    FifoCanary,
    append_to_root,
    assert_clean,
    assert_refused,
    assert_valid,
    cli,
    cli_subprocess,
    insert_prolog,
    needs_fifo,
)

SAT_CFDI_XSD = b"http://www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd"
SAT_TFD_XSD = b"http://www.sat.gob.mx/sitio_internet/cfd/TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd"


def test_processing_instruction_before_the_root_is_fine(tmp_path, good_xml, trust):
    doc = tmp_path / "pi.xml"
    doc.write_bytes(insert_prolog(good_xml, b'<?erp-export batch="42"?>'))
    run = cli(*trust, doc)
    assert_valid(run, "pi.xml")
    assert run.exit_code == 0


def test_xml_stylesheet_pi_is_never_applied(tmp_path, good_xml, trust):
    missing = tmp_path / "never-read-canary.xsl"  # does not exist: any attempt would be an error about it
    doc = tmp_path / "stylesheet.xml"
    pi = f'<?xml-stylesheet type="text/xsl" href="{missing.name}"?><?xml-stylesheet type="text/xsl" href="{missing.as_uri()}"?>'
    doc.write_bytes(insert_prolog(good_xml, pi.encode()))
    run = cli(*trust, doc)
    assert_valid(run, "stylesheet.xml")
    assert run.exit_code == 0
    assert not missing.exists()
    assert "never-read-canary" not in run.text()


@needs_fifo
def test_xml_stylesheet_target_is_never_opened(tmp_path, good_xml, trust):
    doc = tmp_path / "stylesheet-fifo.xml"
    with FifoCanary(tmp_path / "never-open.xsl") as xsl:
        doc.write_bytes(insert_prolog(good_xml, f'<?xml-stylesheet type="text/xsl" href="{xsl.uri}"?>'.encode()))
        run = cli_subprocess(*trust, doc)
    assert_valid(run, "stylesheet-fifo.xml")
    assert run.exit_code == 0
    assert xsl.opened == 0


@needs_fifo
def test_xinclude_is_never_processed_and_is_schema_invalid(tmp_path, good_xml, trust, canary_server):
    secret = tmp_path / "secret.txt"
    secret.write_text("CANARY-XINCLUDE-SECRET")
    doc = tmp_path / "xinclude.xml"
    with FifoCanary(tmp_path / "never-open.xml") as fifo:
        includes = "".join(
            f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{href}" parse="{parse}"/>'
            for href, parse in ((secret.as_uri(), "text"), (fifo.uri, "xml"), (canary_server.url("x.xml"), "xml"))
        )
        doc.write_bytes(good_xml.replace(b"<cfdi:Complemento>", includes.encode() + b"<cfdi:Complemento>", 1))
        run = cli_subprocess(*trust, doc)
    assert_clean(run)
    assert run.exit_code == 1
    result = run.result("xinclude.xml")
    assert result["valid"] is False
    assert set(f["code"] for f in result["findings"] if f["severity"] == "error") == {"CFDIAR-XSD-001"}
    assert "include" in result["findings"][0]["message"]
    assert "CANARY-XINCLUDE-SECRET" not in run.text()
    assert fifo.opened == 0
    assert canary_server.hits == 0


def test_xml_that_is_not_a_cfdi_is_reported(tmp_path):
    doc = tmp_path / "not-cfdi.xml"
    doc.write_bytes(b'<?xml version="1.0"?><factura xmlns="urn:example"><total>100.00</total></factura>')
    result = assert_refused(cli(doc), "not-cfdi.xml", "CFDIAR-XML-003")
    assert "urn:example" in result["findings"][0]["message"]


def test_cfdi_33_is_recognised_as_unsupported(tmp_path):
    doc = tmp_path / "cfdi33.xml"
    doc.write_bytes(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/3" '
        b'Version="3.3" TipoDeComprobante="I" Fecha="2021-05-01T10:00:00" Total="116.00"/>'
    )
    run = cli(doc)
    result = assert_refused(run, "cfdi33.xml", "CFDIAR-XML-004")
    assert result["version"] == "3.3" and result["type"] == "I"


def test_schema_location_over_http_is_never_fetched(tmp_path, good_xml, trust, canary_server):
    evil = canary_server.url("evil.xsd").encode()
    assert SAT_CFDI_XSD in good_xml and SAT_TFD_XSD in good_xml
    data = good_xml.replace(SAT_CFDI_XSD, evil).replace(SAT_TFD_XSD, evil)
    data = data.replace(b"<cfdi:Comprobante ", b'<cfdi:Comprobante xsi:noNamespaceSchemaLocation="' + evil + b'" ', 1)
    doc = tmp_path / "schemaloc-http.xml"
    doc.write_bytes(data)
    run = cli(*trust, doc)
    assert_valid(run, "schemaloc-http.xml")
    assert run.exit_code == 0
    assert canary_server.hits == 0


@needs_fifo
def test_schema_location_to_a_local_file_is_never_read(tmp_path, good_xml, trust):
    doc = tmp_path / "schemaloc-file.xml"
    with FifoCanary(tmp_path / "never-open.xsd") as xsd:
        doc.write_bytes(good_xml.replace(SAT_CFDI_XSD, xsd.uri.encode()).replace(SAT_TFD_XSD, b"never-open.xsd"))
        run = cli_subprocess(*trust, doc)
    assert_valid(run, "schemaloc-file.xml")
    assert run.exit_code == 0
    assert xsd.opened == 0


def _prefix_x(xml: bytes) -> bytes:
    return xml.replace(b"xmlns:cfdi=", b"xmlns:x=").replace(b"<cfdi:", b"<x:").replace(b"</cfdi:", b"</x:")


def _default_namespace(xml: bytes) -> bytes:
    return xml.replace(b"xmlns:cfdi=", b"xmlns=").replace(b"<cfdi:", b"<").replace(b"</cfdi:", b"</")


def _comments(xml: bytes) -> bytes:
    return append_to_root(xml.replace(b"<cfdi:Emisor", b"<!-- inserted --><cfdi:Emisor", 1), b"<!-- tail -->")


@pytest.mark.parametrize("rewrite", [_prefix_x, _default_namespace, _comments], ids=["prefix-x", "default-namespace", "comments"])
def test_namespace_prefix_games_on_a_sealed_document_stay_valid(tmp_path, good_xml, trust, rewrite):
    data = rewrite(good_xml)
    assert data != good_xml
    if rewrite is not _comments:
        assert b"<cfdi:" not in data and b"xmlns:cfdi=" not in data
    doc = tmp_path / "prefix.xml"
    doc.write_bytes(data)
    run = cli(*trust, doc)
    assert_valid(run, "prefix.xml")
    assert run.exit_code == 0

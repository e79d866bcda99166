"""Resource limits: deep nesting, a huge file, a huge attribute. Refused fast, never crash."""

from __future__ import annotations

from ._hostile import MIB, assert_refused, cli, cli_memory


def test_deep_nesting_100k_levels_is_refused_without_recursion_error(tmp_path):
    doc = tmp_path / "deep.xml"
    doc.write_bytes(b'<?xml version="1.0"?>' + b"<a>" * 100_000 + b"</a>" * 100_000)
    run = cli(doc)
    result = assert_refused(run, "deep.xml", "CFDIAR-XML-001")
    assert "depth" in result["findings"][0]["message"].lower()
    assert run.seconds < 2


def test_200mb_document_is_refused_before_parsing_with_bounded_memory(tmp_path):
    doc = tmp_path / "huge.xml"
    with open(doc, "wb") as fh:  # sparse: a real header, then 200 MB of (unallocated) zero bytes
        fh.write(b'<?xml version="1.0"?><cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" Version="4.0">')
        fh.truncate(200 * MIB)
    run = cli_memory(doc)
    result = assert_refused(run, "huge.xml", "CFDIAR-IO-002")
    assert "209,715,200 bytes" in result["findings"][0]["message"]
    assert run.extra["rss_mib"] < 200, run.extra  # observed: ~1 MiB, the file is never read


def test_50mb_single_attribute_is_refused_by_libxml2_text_limit(tmp_path):
    doc = tmp_path / "fat-attribute.xml"
    doc.write_bytes(
        b'<?xml version="1.0"?><cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" Version="4.0" Sello="'
        + b"A" * (50 * MIB)
        + b'"/>'
    )
    run = cli("--max-size", "100", doc)  # under the raised byte cap, so the parser's own limit must hold
    result = assert_refused(run, "fat-attribute.xml", "CFDIAR-XML-001")
    assert "limit" in result["findings"][0]["message"].lower()


def test_50mb_single_text_node_is_refused_by_libxml2_text_limit(tmp_path):
    doc = tmp_path / "fat-text.xml"
    doc.write_bytes(b'<?xml version="1.0"?><r>' + b"A" * (50 * MIB) + b"</r>")
    result = assert_refused(cli("--max-size", "100", doc), "fat-text.xml", "CFDIAR-XML-001")
    assert "too long" in result["findings"][0]["message"].lower()


def test_20mb_of_nul_bytes_is_refused_in_well_under_a_second(tmp_path):
    # Classifying the parse error (a DOCTYPE behind it, or not) searched the UTF-16/32 big-endian markers,
    # which begin with NUL, through the whole document: ~1 s for 20 MB of NULs, for every such document.
    doc = tmp_path / "nuls.xml"
    doc.write_bytes(b"\0" * (20 * MIB - 1))
    run = cli(doc)
    result = assert_refused(run, "nuls.xml", "CFDIAR-XML-001")
    assert "Document is empty" in result["findings"][0]["message"]
    assert run.seconds < 0.4, run.seconds  # observed ~0.06 s; 1.0 s before

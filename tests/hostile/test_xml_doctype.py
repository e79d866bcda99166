"""DOCTYPEs and entities: every one is refused with CFDIAR-XML-002 and nothing is fetched or read.

A sealed, otherwise valid invoice carries each DOCTYPE, so the refusal is
about the DTD and nothing else.
"""

from __future__ import annotations

import pytest

from ._hostile import (
    assert_refused,
    billion_laughs,
    FifoCanary,
    cli,
    cli_memory,
    cli_subprocess,
    needs_fifo,
    with_doctype,
)

SECRET = "CANARY-SECRET-5f1d0c7e"



def test_xxe_file_entity_is_refused_and_the_secret_never_appears(tmp_path, good_xml, trust):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    doc = tmp_path / "xxe-file.xml"
    doc.write_bytes(with_doctype(good_xml, f'<!DOCTYPE cfdi:Comprobante [<!ENTITY x SYSTEM "{secret.as_uri()}">]>', "&x;"))
    run = cli(*trust, doc)
    assert_refused(run, "xxe-file.xml", "CFDIAR-XML-002")
    assert SECRET not in run.stdout and SECRET not in run.stderr
    assert SECRET not in str(run.results)


@needs_fifo
def test_xxe_file_entity_target_is_never_opened(tmp_path, good_xml, trust):
    doc = tmp_path / "xxe-fifo.xml"
    with FifoCanary(tmp_path / "never-open.txt") as target:
        doc.write_bytes(with_doctype(good_xml, f'<!DOCTYPE cfdi:Comprobante [<!ENTITY x SYSTEM "{target.uri}">]>', "&x;"))
        run = cli_subprocess(*trust, doc)
    assert_refused(run, "xxe-fifo.xml", "CFDIAR-XML-002")
    assert target.opened == 0


def test_xxe_http_entity_makes_no_request(tmp_path, good_xml, trust, canary_server):
    doc = tmp_path / "xxe-http.xml"
    doc.write_bytes(with_doctype(good_xml, f'<!DOCTYPE cfdi:Comprobante [<!ENTITY x SYSTEM "{canary_server.url("x.txt")}">]>', "&x;"))
    run = cli(*trust, doc)
    assert_refused(run, "xxe-http.xml", "CFDIAR-XML-002")
    assert canary_server.hits == 0
    assert "CANARY-FROM-HTTP" not in run.text()


@needs_fifo
def test_external_parameter_entity_from_a_file_is_never_loaded(tmp_path, good_xml, trust):
    doc = tmp_path / "param-file.xml"
    with FifoCanary(tmp_path / "never-open.dtd") as dtd:
        doc.write_bytes(with_doctype(good_xml, f'<!DOCTYPE cfdi:Comprobante [<!ENTITY % p SYSTEM "{dtd.uri}"> %p;]>', "&leak;"))
        run = cli_subprocess(*trust, doc)
    assert_refused(run, "param-file.xml", "CFDIAR-XML-002")
    assert dtd.opened == 0, f"the parser opened the external parameter entity {dtd.opened} time(s)"


def test_external_parameter_entity_over_http_makes_no_request(tmp_path, good_xml, trust, canary_server):
    doc = tmp_path / "param-http.xml"
    doc.write_bytes(with_doctype(good_xml, f'<!DOCTYPE cfdi:Comprobante [<!ENTITY % p SYSTEM "{canary_server.url("p.dtd")}"> %p;]>', "&leak;"))
    run = cli(*trust, doc)
    assert_refused(run, "param-http.xml", "CFDIAR-XML-002")
    assert canary_server.hits == 0


def test_internal_parameter_entity_is_refused(tmp_path, good_xml, trust):
    doc = tmp_path / "param-internal.xml"
    doc.write_bytes(with_doctype(good_xml, '<!DOCTYPE cfdi:Comprobante [<!ENTITY % p "<!ENTITY leak \'x\'>"> %p;]>', "&leak;"))
    assert_refused(cli(*trust, doc), "param-internal.xml", "CFDIAR-XML-002")


@needs_fifo
def test_external_dtd_system_file_is_never_loaded(tmp_path, good_xml, trust):
    doc = tmp_path / "dtd-file.xml"
    with FifoCanary(tmp_path / "never-open-external.dtd") as dtd:
        doc.write_bytes(with_doctype(good_xml, f'<!DOCTYPE cfdi:Comprobante SYSTEM "{dtd.uri}">'))
        run = cli_subprocess(*trust, doc)
    assert_refused(run, "dtd-file.xml", "CFDIAR-XML-002")  # passes today: refused after the read
    assert dtd.opened == 0, f"the parser opened the external DTD {dtd.opened} time(s)"


def test_external_dtd_with_a_relative_system_id_is_refused(tmp_path, good_xml, trust):
    (tmp_path / "sibling.dtd").write_text('<!ENTITY leak "CANARY-FROM-SIBLING-DTD">')
    doc = tmp_path / "dtd-relative.xml"
    doc.write_bytes(with_doctype(good_xml, '<!DOCTYPE cfdi:Comprobante SYSTEM "sibling.dtd">', "&leak;"))
    run = cli(*trust, doc)
    assert_refused(run, "dtd-relative.xml", "CFDIAR-XML-002")
    assert "CANARY-FROM-SIBLING-DTD" not in run.text()


def test_external_dtd_system_over_http_makes_no_request(tmp_path, good_xml, trust, canary_server):
    doc = tmp_path / "dtd-http.xml"
    doc.write_bytes(with_doctype(good_xml, f'<!DOCTYPE cfdi:Comprobante PUBLIC "-//EVIL//DTD//EN" "{canary_server.url("evil.dtd")}">'))
    assert_refused(cli(*trust, doc), "dtd-http.xml", "CFDIAR-XML-002")
    assert canary_server.hits == 0


def test_internal_entity_only_is_refused(tmp_path, good_xml, trust):
    doc = tmp_path / "internal-entity.xml"
    doc.write_bytes(with_doctype(good_xml, '<!DOCTYPE cfdi:Comprobante [<!ENTITY a "harmless">]>', "&a;"))
    assert_refused(cli(*trust, doc), "internal-entity.xml", "CFDIAR-XML-002")


def test_doctype_without_entities_is_refused(tmp_path, good_xml, trust):
    doc = tmp_path / "bare-doctype.xml"
    doc.write_bytes(with_doctype(good_xml, "<!DOCTYPE cfdi:Comprobante>"))
    assert_refused(cli(*trust, doc), "bare-doctype.xml", "CFDIAR-XML-002")


def test_billion_laughs_is_refused_fast_with_bounded_memory(tmp_path):
    doc = tmp_path / "lol.xml"
    doc.write_text('<?xml version="1.0"?>' + billion_laughs())
    run = cli_memory(doc)
    assert_refused(run, "lol.xml", "CFDIAR-XML-002")
    assert run.extra["rss_mib"] < 100, run.extra


def test_quadratic_blowup_is_refused_fast(tmp_path):
    doc = tmp_path / "quadratic.xml"
    big = "A" * 100_000
    doc.write_text(f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "{big}">]><r>{"&a;" * 20_000}</r>')
    run = cli_memory(doc)
    assert_refused(run, "quadratic.xml", "CFDIAR-XML-002")
    assert run.extra["rss_mib"] < 100, run.extra


@pytest.mark.parametrize("variant", ["utf-32", "after-64KiB-comment"])
def test_billion_laughs_is_reported_as_doctype_wherever_the_doctype_is(tmp_path, variant):
    doc = tmp_path / f"lol-{variant}.xml"
    if variant == "utf-32":
        doc.write_bytes(('<?xml version="1.0" encoding="UTF-32"?>' + billion_laughs()).encode("utf-32"))
    else:  # comments are allowed in the prolog, before the DOCTYPE
        doc.write_bytes(('<?xml version="1.0"?><!--' + "x" * 70_000 + "-->" + billion_laughs()).encode())
    assert_refused(cli(doc), doc.name, "CFDIAR-XML-002")

"""SAT's files come from the installed satcfdi; nothing is ever fetched."""

from __future__ import annotations

import pytest
from lxml import etree

from cfdi_ar.sat.complements import BASE_XSD, COMPLEMENT_XSD
from cfdi_ar.sat.files import LocalOnlyResolver, RemoteFetchRefused, sat_file


@pytest.mark.parametrize("namespace", sorted(COMPLEMENT_XSD))
def test_every_known_complement_has_its_xsd_in_satcfdi(namespace):
    path = sat_file(COMPLEMENT_XSD[namespace])
    root = etree.parse(str(path)).getroot()
    assert root.get("targetNamespace") == namespace


def test_base_schema_is_cfdi40():
    assert etree.parse(str(sat_file(BASE_XSD))).getroot().get("targetNamespace") == "http://www.sat.gob.mx/cfd/4"


def test_resolver_refuses_non_sat_urls():
    with pytest.raises(RemoteFetchRefused):
        LocalOnlyResolver().resolve("http://evil.example/x.xsd", None, None)


def test_a_schema_importing_a_non_sat_url_does_not_compile():
    xsd = b"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
      <xs:import namespace="urn:x" schemaLocation="http://evil.example/x.xsd"/></xs:schema>"""
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(LocalOnlyResolver())
    with pytest.raises(etree.XMLSchemaParseError):
        etree.XMLSchema(etree.fromstring(xsd, parser))


def test_resolver_serves_sat_urls_from_the_local_copy():
    xsd = b"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
      <xs:import namespace="http://www.sat.gob.mx/TimbreFiscalDigital"
        schemaLocation="http://www.sat.gob.mx/sitio_internet/cfd/TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd"/>
    </xs:schema>"""
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(LocalOnlyResolver())
    schema = etree.XMLSchema(etree.fromstring(xsd, parser))
    doc = etree.fromstring(b'<tfd:TimbreFiscalDigital xmlns:tfd="http://www.sat.gob.mx/TimbreFiscalDigital"/>')
    assert not schema.validate(doc)  # compiled from the local copy: required attributes are enforced

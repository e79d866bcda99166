"""The cadena original: SAT's stylesheet for CFDI 4.0; our TFD 1.1 builder proven identical to SAT's."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from cfdi_ar.io.xml import parse_untrusted
from cfdi_ar.namespaces import TFD, q
from cfdi_ar.sat.cadena import TFD11_XSLT, cadena_cfdi40, cadena_tfd11, xslt_transform

TFD_TAG = q(TFD, "TimbreFiscalDigital")


def _xslt_tfd(el: etree._Element) -> bytes:
    return bytes(xslt_transform(TFD11_XSLT)(etree.ElementTree(_standalone(el))))


def _standalone(el: etree._Element) -> etree._Element:
    copy = etree.fromstring(etree.tostring(el))
    return copy


def test_tfd_cadena_equals_sats_stylesheet_on_every_corpus_stamp(shared):
    stamps = []
    for path in sorted((shared / "corpus").rglob("*.xml")):
        try:
            root = parse_untrusted(path.read_bytes())
        except Exception:  # noqa: BLE001 - hostile/broken files are other tests' business
            continue
        stamps.extend(root.iter(TFD_TAG))
    stamps = [t for t in stamps if t.get("Version") == "1.1"]
    assert len(stamps) >= 20
    for t in stamps:
        assert cadena_tfd11(t) == _xslt_tfd(t)


def test_tfd_cadena_equals_sats_stylesheet_on_our_stamps(sealed_invoice):
    [t] = list(sealed_invoice().iter(TFD_TAG))
    assert cadena_tfd11(t) == _xslt_tfd(t)


_values = st.text(alphabet=st.sampled_from(list("AZaz09 -|\t\nñÑ&<>\"'\u00a0")), max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    uuid=_values, fecha=_values, rfc=_values, sello=_values, nocert=_values,
    leyenda=st.one_of(st.none(), _values),
)
def test_tfd_cadena_matches_the_stylesheet_for_any_text(uuid, fecha, rfc, sello, nocert, leyenda):
    el = etree.Element(TFD_TAG)
    el.set("Version", "1.1")
    el.set("UUID", uuid)
    el.set("FechaTimbrado", fecha)
    el.set("RfcProvCertif", rfc)
    if leyenda is not None:
        el.set("Leyenda", leyenda)
    el.set("SelloCFD", sello)
    el.set("NoCertificadoSAT", nocert)
    assert cadena_tfd11(el) == _xslt_tfd(el)


def test_cfdi_cadena_normalises_attribute_whitespace(make_invoice):
    root = make_invoice(folio="  77   ")
    assert b"|77|" in cadena_cfdi40(root)


def test_cfdi_cadena_ignores_the_addenda_and_the_stamp(sealed_invoice):
    root = sealed_invoice()
    before = cadena_cfdi40(root)
    addenda = etree.SubElement(root, q("http://www.sat.gob.mx/cfd/4", "Addenda"))
    etree.SubElement(addenda, "OrdenDeCompra", Numero="PO-1")
    assert cadena_cfdi40(root) == before


def test_stylesheets_come_from_the_installed_satcfdi():
    from cfdi_ar.sat.files import sat_file

    assert sat_file(TFD11_XSLT).is_file()
    assert Path(sat_file(TFD11_XSLT)).name == "cadenaoriginal_TFD_1_1.xslt"

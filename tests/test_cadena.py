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


# --------------------------------------------------------------------------- the Python port of SAT's stylesheet

from cfdi_ar.namespaces import CFDI40, IMPLOCAL, PAGOS20  # noqa: E402
from cfdi_ar.sat.cadena import PORTED_COMPLEMENTS, cadena_cfdi40_python, cadena_cfdi40_xslt, fast_path_applies  # noqa: E402
from cfdi_ar.sat.xsd import census  # noqa: E402


def _cfdi40_roots(paths):
    for path in paths:
        try:
            root = parse_untrusted(path.read_bytes())
        except Exception:  # noqa: BLE001
            continue
        if root.tag == q(CFDI40, "Comprobante"):
            yield path, root


def test_python_cadena_equals_sats_stylesheet_on_the_corpus(shared):
    checked = 0
    for path, root in _cfdi40_roots(sorted((shared / "corpus").rglob("*.xml"))):
        if fast_path_applies(root):
            assert cadena_cfdi40_python(root) == cadena_cfdi40_xslt(root), path
            checked += 1
        else:  # other complements: the dispatcher uses the stylesheet itself
            assert cadena_cfdi40(root) == cadena_cfdi40_xslt(root), path
        assert cadena_cfdi40(root, python_port=census(root).only(PORTED_COMPLEMENTS)) == cadena_cfdi40_xslt(root), path
    assert checked >= 40


def test_python_cadena_equals_sats_stylesheet_on_the_samples():
    samples = Path(__file__).resolve().parents[1] / "samples"
    roots = list(_cfdi40_roots(sorted(samples.rglob("*.xml"))))
    assert len(roots) >= 10
    for path, root in roots:
        assert fast_path_applies(root)
        assert cadena_cfdi40_python(root) == cadena_cfdi40_xslt(root), path


def test_documents_with_other_complements_use_the_stylesheet(make_invoice):
    root = make_invoice()
    comp = etree.SubElement(root, q(CFDI40, "Complemento"))
    etree.SubElement(comp, "{http://www.sat.gob.mx/leyendasFiscales}LeyendasFiscales", version="1.0")
    assert not fast_path_applies(root)


# Random trees: every element the stylesheet knows, in any number and order, with attributes that
# may be absent, empty or full of XML whitespace, plus comments, text and unknown elements.
_C = lambda local: q(CFDI40, local)  # noqa: E731
_P = lambda local: q(PAGOS20, local)  # noqa: E731

_ATTRS = {
    _C("Comprobante"): ["Version", "Serie", "Folio", "Fecha", "FormaPago", "NoCertificado", "CondicionesDePago", "SubTotal",
                        "Descuento", "Moneda", "TipoCambio", "Total", "TipoDeComprobante", "Exportacion", "MetodoPago",
                        "LugarExpedicion", "Confirmacion", "Sello", "Certificado"],
    _C("InformacionGlobal"): ["Periodicidad", "Meses", "Año"],
    _C("CfdiRelacionados"): ["TipoRelacion"],
    _C("CfdiRelacionado"): ["UUID"],
    _C("Emisor"): ["Rfc", "Nombre", "RegimenFiscal", "FacAtrAdquirente"],
    _C("Receptor"): ["Rfc", "Nombre", "DomicilioFiscalReceptor", "ResidenciaFiscal", "NumRegIdTrib", "RegimenFiscalReceptor", "UsoCFDI"],
    _C("Concepto"): ["ClaveProdServ", "NoIdentificacion", "Cantidad", "ClaveUnidad", "Unidad", "Descripcion", "ValorUnitario",
                     "Importe", "Descuento", "ObjetoImp"],
    _C("Traslado"): ["Base", "Impuesto", "TipoFactor", "TasaOCuota", "Importe"],
    _C("Retencion"): ["Base", "Impuesto", "TipoFactor", "TasaOCuota", "Importe"],
    _C("ACuentaTerceros"): ["RfcACuentaTerceros", "NombreACuentaTerceros", "RegimenFiscalACuentaTerceros", "DomicilioFiscalACuentaTerceros"],
    _C("InformacionAduanera"): ["NumeroPedimento"],
    _C("CuentaPredial"): ["Numero"],
    _C("Parte"): ["ClaveProdServ", "NoIdentificacion", "Cantidad", "Unidad", "Descripcion", "ValorUnitario", "Importe"],
    _C("Impuestos"): ["TotalImpuestosRetenidos", "TotalImpuestosTrasladados"],
    _P("Pagos"): ["Version"],
    _P("Totales"): ["TotalRetencionesIVA", "TotalTrasladosBaseIVA16", "TotalTrasladosImpuestoIVA16", "MontoTotalPagos"],
    _P("Pago"): ["FechaPago", "FormaDePagoP", "MonedaP", "TipoCambioP", "Monto", "NumOperacion", "CtaOrdenante", "SelloPago"],
    _P("DoctoRelacionado"): ["IdDocumento", "Serie", "Folio", "MonedaDR", "EquivalenciaDR", "NumParcialidad", "ImpSaldoAnt",
                             "ImpPagado", "ImpSaldoInsoluto", "ObjetoImpDR"],
    _P("TrasladoDR"): ["BaseDR", "ImpuestoDR", "TipoFactorDR", "TasaOCuotaDR", "ImporteDR"],
    _P("RetencionDR"): ["BaseDR", "ImpuestoDR", "TipoFactorDR", "TasaOCuotaDR", "ImporteDR"],
    _P("TrasladoP"): ["BaseP", "ImpuestoP", "TipoFactorP", "TasaOCuotaP", "ImporteP"],
    _P("RetencionP"): ["ImpuestoP", "ImporteP"],
    q(IMPLOCAL, "ImpuestosLocales"): ["version", "TotaldeRetenciones", "TotaldeTraslados"],
    q(IMPLOCAL, "RetencionesLocales"): ["ImpLocRetenido", "TasadeRetencion", "Importe"],
    q(IMPLOCAL, "TrasladosLocales"): ["ImpLocTrasladado", "TasadeTraslado", "Importe"],
}
# parent -> children the stylesheet may visit
_CHILDREN = {
    _C("Comprobante"): [_C("InformacionGlobal"), _C("CfdiRelacionados"), _C("Emisor"), _C("Receptor"), _C("Conceptos"),
                        _C("Impuestos"), _C("Complemento"), _C("Addenda")],
    _C("CfdiRelacionados"): [_C("CfdiRelacionado")],
    _C("Conceptos"): [_C("Concepto")],
    _C("Concepto"): [_C("Impuestos"), _C("ACuentaTerceros"), _C("InformacionAduanera"), _C("CuentaPredial"), _C("Parte")],
    _C("Impuestos"): [_C("Traslados"), _C("Retenciones")],
    _C("Traslados"): [_C("Traslado")],
    _C("Retenciones"): [_C("Retencion")],
    _C("Parte"): [_C("InformacionAduanera"), _C("Parte")],
    _C("Complemento"): [_P("Pagos"), "{http://www.sat.gob.mx/TimbreFiscalDigital}TimbreFiscalDigital", q(IMPLOCAL, "ImpuestosLocales")],
    _P("Pagos"): [_P("Totales"), _P("Pago")],
    _P("Pago"): [_P("DoctoRelacionado"), _P("ImpuestosP")],
    _P("DoctoRelacionado"): [_P("ImpuestosDR")],
    _P("ImpuestosDR"): [_P("TrasladosDR"), _P("RetencionesDR")],
    _P("TrasladosDR"): [_P("TrasladoDR")],
    _P("RetencionesDR"): [_P("RetencionDR")],
    _P("ImpuestosP"): [_P("TrasladosP"), _P("RetencionesP")],
    _P("TrasladosP"): [_P("TrasladoP")],
    _P("RetencionesP"): [_P("RetencionP")],
    q(IMPLOCAL, "ImpuestosLocales"): [q(IMPLOCAL, "RetencionesLocales"), q(IMPLOCAL, "TrasladosLocales")],
    "{http://www.sat.gob.mx/TimbreFiscalDigital}TimbreFiscalDigital": ["{urn:x}Inner"],
    _C("Addenda"): ["{urn:x}Inner"],
    "{urn:x}Inner": ["{urn:x}Inner"],
}
_value = st.one_of(st.none(), st.text(alphabet=st.sampled_from(list("A1.|  \t\n\rñ-&")), max_size=8))


@st.composite
def _tree(draw, tag=_C("Comprobante"), depth=0):
    el = etree.Element(tag)
    for name in _ATTRS.get(tag, []):
        value = draw(_value)
        if value is not None:
            el.set(name, value)
    if tag.startswith("{urn:x}") or tag.endswith("TimbreFiscalDigital"):
        el.text = draw(st.one_of(st.none(), st.sampled_from(["", " ", "\n  ", "x y"])))
    if depth < 6:
        for child_tag in draw(st.lists(st.sampled_from(_CHILDREN.get(tag, ["{urn:x}Inner"])), max_size=3)):
            child = draw(_tree(child_tag, depth + 1))
            child.tail = draw(st.one_of(st.none(), st.sampled_from([" ", "\n", "t"])))
            el.append(child)
        if draw(st.booleans()):
            el.append(etree.Comment("c"))
    return el


@settings(max_examples=300, deadline=None)
@given(_tree())
def test_python_cadena_equals_sats_stylesheet_on_random_trees(root):
    assert fast_path_applies(root)
    assert cadena_cfdi40_python(root) == cadena_cfdi40_xslt(root)
    # The validator decides from the complement census instead: same bytes either way.
    assert cadena_cfdi40(root, python_port=census(root).only(PORTED_COMPLEMENTS)) == cadena_cfdi40_xslt(root)

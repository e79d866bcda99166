"""The cadena original: what the seal (Sello) and the stamp (SelloSAT) sign.

The CFDI 4.0 cadena comes from SAT's own ``cadenaoriginal_4_0.xslt`` (as
shipped by satcfdi), compiled once per thread, run on the *parsed original
tree* (never a re-serialised model: ``1.0`` must stay ``1.0``) under
``XSLTAccessControl.DENY_ALL``, with includes served only from the local
copy. No XSLT is ever taken from input, and no extension functions are
registered. For documents whose complements are only Pagos 2.0, implocal and
the stamp, a Python port of the same stylesheet (below) is used instead: it
is proven byte-identical by ``tests/test_cadena.py`` and is about twice as
fast.

The TFD 1.1 cadena is seven fields; :func:`cadena_tfd11` builds it directly
and ``tests/test_cadena.py`` proves it byte-identical to SAT's
``cadenaoriginal_TFD_1_1.xslt``.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Callable

from lxml import etree

from ..xmltext import collapse
from .files import LocalOnlyResolver, sat_file

__all__ = [
    "cadena_cfdi40",
    "cadena_cfdi40_xslt",
    "cadena_cfdi40_python",
    "fast_path_applies",
    "cadena_tfd11",
    "normalize_space",
    "xslt_transform",
]

CFDI40_XSLT = "www.sat.gob.mx/sitio_internet/cfd/4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt"
TFD11_XSLT = "www.sat.gob.mx/sitio_internet/cfd/TimbreFiscalDigital/cadenaoriginal_TFD_1_1.xslt"

_local = threading.local()


def xslt_transform(relative: str) -> etree.XSLT:
    """SAT's stylesheet ``relative`` compiled once per thread, under DENY_ALL."""
    cache: dict[str, etree.XSLT] | None = getattr(_local, "xslt", None)
    if cache is None:
        cache = _local.xslt = {}
    found = cache.get(relative)
    if found is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        parser.resolvers.add(LocalOnlyResolver())
        doc = etree.parse(os.fspath(sat_file(relative)), parser)
        found = cache[relative] = etree.XSLT(doc, access_control=etree.XSLTAccessControl.DENY_ALL)
    return found


def cadena_cfdi40(root: etree._Element, *, python_port: bool | None = None) -> bytes:
    """UTF-8 bytes of the CFDI 4.0 cadena original of the document ``root``.

    SAT's stylesheet, or its byte-identical Python port when the document only
    carries complements the port covers (see :func:`cadena_cfdi40_python`).
    ``python_port`` is that decision when the caller already knows it.
    """
    if python_port if python_port is not None else fast_path_applies(root):
        return cadena_cfdi40_python(root)
    return cadena_cfdi40_xslt(root)


def cadena_cfdi40_xslt(root: etree._Element) -> bytes:
    """The cadena computed by SAT's ``cadenaoriginal_4_0.xslt`` itself."""
    result = xslt_transform(CFDI40_XSLT)(root.getroottree())
    return bytes(result)


# XPath normalize-space(): only #x20, #x9, #xD, #xA are whitespace (not NBSP etc.).
normalize_space = collapse


_TFD_REQUIRED = ("Version", "UUID", "FechaTimbrado", "RfcProvCertif")


def cadena_tfd11(tfd: etree._Element) -> bytes:
    """``||Version|UUID|FechaTimbrado|RfcProvCertif[|Leyenda]|SelloCFD|NoCertificadoSAT||``."""
    get = tfd.get
    parts = [normalize_space(get(name) or "") for name in _TFD_REQUIRED]
    leyenda = get("Leyenda")
    if leyenda is not None:
        parts.append(normalize_space(leyenda))
    parts.append(normalize_space(get("SelloCFD") or ""))
    parts.append(normalize_space(get("NoCertificadoSAT") or ""))
    return ("||" + "|".join(parts) + "||").encode("utf-8")


# --------------------------------------------------------------------------- a faster, equivalent cadena
#
# libxslt takes ~80 µs per document, the largest single cost of validation. For the documents AR
# handles (CFDI 4.0 with only Pagos 2.0, implocal and the stamp as complements, no ComplementoConcepto)
# cadena-original() below walks the tree the way SAT's stylesheet does and produces the same bytes in a
# fraction of the time. Anything else falls back to the stylesheet. tests/test_cadena.py proves the two
# byte-identical on the corpus and on generated trees (including schema-invalid ones: repeated or
# missing elements, absent attributes, odd whitespace, text inside the stamp).

from ..namespaces import CFDI40, IMPLOCAL, PAGOS20, TFD  # noqa: E402


def _cq(local: str) -> str:
    return f"{{{CFDI40}}}{local}"


def _pq(local: str) -> str:
    return f"{{{PAGOS20}}}{local}"


_R, _O = True, False  # Requerido / Opcional

_COMPROBANTE = tuple(
    (name, req)
    for name, req in (
        ("Version", _R), ("Serie", _O), ("Folio", _O), ("Fecha", _R), ("FormaPago", _O), ("NoCertificado", _R),
        ("CondicionesDePago", _O), ("SubTotal", _R), ("Descuento", _O), ("Moneda", _R), ("TipoCambio", _O),
        ("Total", _R), ("TipoDeComprobante", _R), ("Exportacion", _R), ("MetodoPago", _O),
        ("LugarExpedicion", _R), ("Confirmacion", _O),
    )
)
_INFO_GLOBAL = (("Periodicidad", _R), ("Meses", _R), ("Año", _R))
_EMISOR = (("Rfc", _R), ("Nombre", _R), ("RegimenFiscal", _R), ("FacAtrAdquirente", _O))
_RECEPTOR = (
    ("Rfc", _R), ("Nombre", _R), ("DomicilioFiscalReceptor", _R), ("ResidenciaFiscal", _O),
    ("NumRegIdTrib", _O), ("RegimenFiscalReceptor", _R), ("UsoCFDI", _R),
)
_CONCEPTO = (
    ("ClaveProdServ", _R), ("NoIdentificacion", _O), ("Cantidad", _R), ("ClaveUnidad", _R), ("Unidad", _O),
    ("Descripcion", _R), ("ValorUnitario", _R), ("Importe", _R), ("Descuento", _O), ("ObjetoImp", _R),
)
_TRASLADO_C = (("Base", _R), ("Impuesto", _R), ("TipoFactor", _R), ("TasaOCuota", _O), ("Importe", _O))
_RETENCION_C = (("Base", _R), ("Impuesto", _R), ("TipoFactor", _R), ("TasaOCuota", _R), ("Importe", _R))
_TERCEROS = (
    ("RfcACuentaTerceros", _R), ("NombreACuentaTerceros", _R), ("RegimenFiscalACuentaTerceros", _R),
    ("DomicilioFiscalACuentaTerceros", _R),
)
_PARTE = (
    ("ClaveProdServ", _R), ("NoIdentificacion", _O), ("Cantidad", _R), ("Unidad", _O), ("Descripcion", _R),
    ("ValorUnitario", _O), ("Importe", _O),
)
_RETENCION_G = (("Impuesto", _R), ("Importe", _R))
_TRASLADO_G = (("Base", _R), ("Impuesto", _R), ("TipoFactor", _R), ("TasaOCuota", _O), ("Importe", _O))
_PAGOS = (("Version", _R),)
_TOTALES = tuple(
    (n, _O)
    for n in (
        "TotalRetencionesIVA", "TotalRetencionesISR", "TotalRetencionesIEPS", "TotalTrasladosBaseIVA16",
        "TotalTrasladosImpuestoIVA16", "TotalTrasladosBaseIVA8", "TotalTrasladosImpuestoIVA8",
        "TotalTrasladosBaseIVA0", "TotalTrasladosImpuestoIVA0", "TotalTrasladosBaseIVAExento",
    )
) + (("MontoTotalPagos", _R),)
_PAGO = (
    ("FechaPago", _R), ("FormaDePagoP", _R), ("MonedaP", _R), ("TipoCambioP", _O), ("Monto", _R),
    ("NumOperacion", _O), ("RfcEmisorCtaOrd", _O), ("NomBancoOrdExt", _O), ("CtaOrdenante", _O),
    ("RfcEmisorCtaBen", _O), ("CtaBeneficiario", _O), ("TipoCadPago", _O), ("CertPago", _O), ("CadPago", _O),
    ("SelloPago", _O),
)
_DOCTO = (
    ("IdDocumento", _R), ("Serie", _O), ("Folio", _O), ("MonedaDR", _R), ("EquivalenciaDR", _O),
    ("NumParcialidad", _R), ("ImpSaldoAnt", _R), ("ImpPagado", _R), ("ImpSaldoInsoluto", _R), ("ObjetoImpDR", _R),
)
_RETENCION_DR = (("BaseDR", _R), ("ImpuestoDR", _R), ("TipoFactorDR", _R), ("TasaOCuotaDR", _R), ("ImporteDR", _R))
_TRASLADO_DR = (("BaseDR", _R), ("ImpuestoDR", _R), ("TipoFactorDR", _R), ("TasaOCuotaDR", _O), ("ImporteDR", _O))
_RETENCION_P = (("ImpuestoP", _R), ("ImporteP", _R))
_TRASLADO_P = (("BaseP", _R), ("ImpuestoP", _R), ("TipoFactorP", _R), ("TasaOCuotaP", _O), ("ImporteP", _O))
_IMPLOCAL_ATTRS = (("version", _R), ("TotaldeRetenciones", _R), ("TotaldeTraslados", _R))
_RET_LOCAL = (("ImpLocRetenido", _R), ("TasadeRetencion", _R), ("Importe", _R))
_TRAS_LOCAL = (("ImpLocTrasladado", _R), ("TasadeTraslado", _R), ("Importe", _R))

_T_COMPLEMENTO, _T_COMPLEMENTO_CONCEPTO = _cq("Complemento"), _cq("ComplementoConcepto")
_T_PAGOS, _T_TFD = _pq("Pagos"), f"{{{TFD}}}TimbreFiscalDigital"
_T_IMPLOCAL = f"{{{IMPLOCAL}}}ImpuestosLocales"
_FAST_COMPLEMENTS = frozenset({_T_PAGOS, _T_TFD, _T_IMPLOCAL})
PORTED_COMPLEMENTS = frozenset({PAGOS20, TFD, IMPLOCAL})  # namespaces of _FAST_COMPLEMENTS


Fields = Callable[[list[str], etree._Element, tuple[tuple[str, bool], ...]], None]


def _fields_as_written(out: list[str], el: etree._Element, spec: tuple[tuple[str, bool], ...]) -> None:
    get = el.get
    for name, required in spec:
        value = get(name)
        if value is not None:
            out.append("|" + value)
        elif required:
            out.append("|")


def _fields_normalized(out: list[str], el: etree._Element, spec: tuple[tuple[str, bool], ...]) -> None:
    get = el.get
    for name, required in spec:
        value = get(name)
        if value is not None:
            out.append("|" + normalize_space(value))
        elif required:
            out.append("|")


# In a cadena built from values as written, a value normalize-space() would change shows up as a
# tab, CR, LF or double space anywhere, or a space next to a separator (leading or trailing).
_MAY_NEED_NORMALIZING = re.compile(r"[\t\n\r]|  |\| | \|")


def _kids(el: etree._Element, *path: str) -> list[etree._Element]:
    level = [el]
    for tag in path:
        level = [child for parent in level for child in parent if child.tag == tag]
    return level


def _by_tag(el: etree._Element) -> dict[object, list[etree._Element]]:
    out: dict[object, list[etree._Element]] = {}
    for child in el:
        out.setdefault(child.tag, []).append(child)
    return out


_NONE: list[etree._Element] = []


def _text_only(out: list[str], el: etree._Element) -> None:
    """XSLT's built-in rules for an element no template matches: its descendant text, in order."""
    if el.text:
        out.append(el.text)
    for child in el:
        if isinstance(child.tag, str):
            _text_only(out, child)
        if child.tail:
            out.append(child.tail)


def fast_path_applies(root: etree._Element) -> bool:
    """True when every complement has a port below and no concept carries a ComplementoConcepto."""
    for comp in root.iterchildren(_T_COMPLEMENTO):
        for child in comp:
            if isinstance(child.tag, str) and child.tag not in _FAST_COMPLEMENTS:
                return False
    return next(root.iter(_T_COMPLEMENTO_CONCEPTO), None) is None


def cadena_cfdi40_python(root: etree._Element) -> bytes:
    """SAT's cadenaoriginal_4_0.xslt, ported for :func:`fast_path_applies` documents.

    Built first from the values as written (almost every document); only when the result shows
    a value that normalize-space() would change is it built again, normalising each value.
    """
    text = _walk(root, _fields_as_written)
    if _MAY_NEED_NORMALIZING.search(text):
        text = _walk(root, _fields_normalized)
    return text.encode("utf-8")


def _walk(root: etree._Element, f: Fields) -> str:
    out: list[str] = ["|"]
    f(out, root, _COMPROBANTE)
    top = _by_tag(root)
    for info in top.get(_T_INFO, _NONE):
        f(out, info, _INFO_GLOBAL)
    for rels in top.get(_T_RELS, _NONE):
        f(out, rels, (("TipoRelacion", _R),))
        for rel in rels.iterchildren(_cq("CfdiRelacionado")):
            f(out, rel, (("UUID", _R),))
    for el in top.get(_T_EMISOR, _NONE):
        f(out, el, _EMISOR)
    for el in top.get(_T_RECEPTOR, _NONE):
        f(out, el, _RECEPTOR)
    for conceptos in top.get(_T_CONCEPTOS, _NONE):
        for concepto in conceptos:
            if concepto.tag == _T_CONCEPTO:
                _concepto(out, concepto, f)
    for imp in top.get(_T_IMPUESTOS, _NONE):
        for r in _kids(imp, _cq("Retenciones"), _cq("Retencion")):
            f(out, r, _RETENCION_G)
        f(out, imp, (("TotalImpuestosRetenidos", _O),))
        for t in _kids(imp, _cq("Traslados"), _cq("Traslado")):
            f(out, t, _TRASLADO_G)
        f(out, imp, (("TotalImpuestosTrasladados", _O),))
    for comp in root.iterchildren(_T_COMPLEMENTO):
        for child in comp:
            tag = child.tag
            if tag == _T_PAGOS:
                _pagos20(out, child, f)
            elif tag == _T_IMPLOCAL:
                _implocal(out, child, f)
            elif isinstance(tag, str):
                _text_only(out, child)  # the stamp: no template in SAT's stylesheet
    out.append("||")
    return "".join(out)


_T_INFO, _T_RELS = _cq("InformacionGlobal"), _cq("CfdiRelacionados")
_T_EMISOR, _T_RECEPTOR, _T_CONCEPTOS, _T_CONCEPTO = _cq("Emisor"), _cq("Receptor"), _cq("Conceptos"), _cq("Concepto")
_T_IMPUESTOS, _T_PARTE = _cq("Impuestos"), _cq("Parte")


def _concepto(out: list[str], concepto: etree._Element, f: Fields) -> None:
    f(out, concepto, _CONCEPTO)
    kids = _by_tag(concepto)
    impuestos = kids.get(_T_IMPUESTOS, _NONE)
    for imp in impuestos:
        for t in _kids(imp, _cq("Traslados"), _cq("Traslado")):
            f(out, t, _TRASLADO_C)
    for imp in impuestos:
        for r in _kids(imp, _cq("Retenciones"), _cq("Retencion")):
            f(out, r, _RETENCION_C)
    for t in kids.get(_cq("ACuentaTerceros"), _NONE):
        f(out, t, _TERCEROS)
    for ia in kids.get(_cq("InformacionAduanera"), _NONE):
        f(out, ia, (("NumeroPedimento", _R),))
    for cp in kids.get(_cq("CuentaPredial"), _NONE):
        f(out, cp, (("Numero", _R),))
    for parte in concepto.iterdescendants(_T_PARTE):  # ".//cfdi:Parte": any descendant
        f(out, parte, _PARTE)
        for ia in parte.iterdescendants(_cq("InformacionAduanera")):
            f(out, ia, (("NumeroPedimento", _R),))


def _pagos20(out: list[str], pagos: etree._Element, f: Fields) -> None:
    f(out, pagos, _PAGOS)
    for totales in pagos.iterchildren(_pq("Totales")):
        f(out, totales, _TOTALES)
    for pago in pagos.iterchildren(_pq("Pago")):
        f(out, pago, _PAGO)
        for docto in pago.iterchildren(_pq("DoctoRelacionado")):
            f(out, docto, _DOCTO)
            for r in _kids(docto, _pq("ImpuestosDR"), _pq("RetencionesDR"), _pq("RetencionDR")):
                f(out, r, _RETENCION_DR)
            for t in _kids(docto, _pq("ImpuestosDR"), _pq("TrasladosDR"), _pq("TrasladoDR")):
                f(out, t, _TRASLADO_DR)
        for imp in pago.iterchildren(_pq("ImpuestosP")):
            for r in _kids(imp, _pq("RetencionesP"), _pq("RetencionP")):
                f(out, r, _RETENCION_P)
            for t in _kids(imp, _pq("TrasladosP"), _pq("TrasladoP")):
                f(out, t, _TRASLADO_P)


def _implocal(out: list[str], el: etree._Element, f: Fields) -> None:
    f(out, el, _IMPLOCAL_ATTRS)
    for r in el.iterchildren(f"{{{IMPLOCAL}}}RetencionesLocales"):
        f(out, r, _RET_LOCAL)
    for t in el.iterchildren(f"{{{IMPLOCAL}}}TrasladosLocales"):
        f(out, t, _TRAS_LOCAL)

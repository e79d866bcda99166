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


# Clark tags of the elements the walk visits, computed once.
_C_ACuentaTerceros = _cq("ACuentaTerceros")
_C_CfdiRelacionado = _cq("CfdiRelacionado")
_C_CfdiRelacionados = _cq("CfdiRelacionados")
_C_Complemento = _cq("Complemento")
_C_ComplementoConcepto = _cq("ComplementoConcepto")
_C_Concepto = _cq("Concepto")
_C_Conceptos = _cq("Conceptos")
_C_CuentaPredial = _cq("CuentaPredial")
_C_Emisor = _cq("Emisor")
_C_Impuestos = _cq("Impuestos")
_C_InformacionAduanera = _cq("InformacionAduanera")
_C_InformacionGlobal = _cq("InformacionGlobal")
_C_Parte = _cq("Parte")
_C_Receptor = _cq("Receptor")
_C_Retencion = _cq("Retencion")
_C_Retenciones = _cq("Retenciones")
_C_Traslado = _cq("Traslado")
_C_Traslados = _cq("Traslados")
_P_DoctoRelacionado = _pq("DoctoRelacionado")
_P_ImpuestosDR = _pq("ImpuestosDR")
_P_ImpuestosP = _pq("ImpuestosP")
_P_Pago = _pq("Pago")
_P_Pagos = _pq("Pagos")
_P_RetencionDR = _pq("RetencionDR")
_P_RetencionP = _pq("RetencionP")
_P_RetencionesDR = _pq("RetencionesDR")
_P_RetencionesP = _pq("RetencionesP")
_P_Totales = _pq("Totales")
_P_TrasladoDR = _pq("TrasladoDR")
_P_TrasladoP = _pq("TrasladoP")
_P_TrasladosDR = _pq("TrasladosDR")
_P_TrasladosP = _pq("TrasladosP")
_L_RetencionesLocales = f"{{{IMPLOCAL}}}RetencionesLocales"
_L_TrasladosLocales = f"{{{IMPLOCAL}}}TrasladosLocales"


_R, _O = True, False  # Requerido / Opcional

Writer = Callable[[list[str], etree._Element], None]


def _spec(fields: tuple[tuple[str, bool], ...]) -> tuple[Writer, Writer]:
    """The two writers of one element's fields, in SAT's order: ``[AS_WRITTEN]`` appends ``|value``
    as written, ``[NORMALIZED]`` after normalize-space(). A required attribute that is absent still
    writes its ``|`` (SAT's Requerido template); an absent optional one writes nothing (Opcional).

    Each writer is compiled from ``fields`` (one ``el.get`` per attribute, no loop): this runs for
    every attribute of every document.
    """
    writers = []
    for wrap in ("v", "_ns(v)"):
        lines = ["def write(out, el):", "    get = el.get", "    add = out.append"]
        for name, required in fields:
            lines.append(f"    v = get({name!r})")
            if required:
                lines.append(f"    add('|' if v is None else '|' + {wrap})")
            else:
                lines.append("    if v is not None:")
                lines.append(f"        add('|' + {wrap})")
        env: dict[str, object] = {"_ns": normalize_space}
        exec("\n".join(lines) + "\n", env)  # noqa: S102 - built above from fixed attribute names
        writers.append(env["write"])
    return writers[0], writers[1]  # type: ignore[return-value]

# SAT's fields of each element, in the stylesheet's order: (attribute, required). The model's readers
# (cfdi_ar.model.build) read the same tables to keep each element's cadena fragment as written.
FIELDS_COMPROBANTE = (
    ("Version", _R), ("Serie", _O), ("Folio", _O), ("Fecha", _R), ("FormaPago", _O), ("NoCertificado", _R),
    ("CondicionesDePago", _O), ("SubTotal", _R), ("Descuento", _O), ("Moneda", _R), ("TipoCambio", _O),
    ("Total", _R), ("TipoDeComprobante", _R), ("Exportacion", _R), ("MetodoPago", _O),
    ("LugarExpedicion", _R), ("Confirmacion", _O),
)
FIELDS_INFO_GLOBAL = (("Periodicidad", _R), ("Meses", _R), ("Año", _R))
FIELDS_EMISOR = (("Rfc", _R), ("Nombre", _R), ("RegimenFiscal", _R), ("FacAtrAdquirente", _O))
FIELDS_RECEPTOR = (
    ("Rfc", _R), ("Nombre", _R), ("DomicilioFiscalReceptor", _R), ("ResidenciaFiscal", _O),
    ("NumRegIdTrib", _O), ("RegimenFiscalReceptor", _R), ("UsoCFDI", _R),
)
FIELDS_CONCEPTO = (
    ("ClaveProdServ", _R), ("NoIdentificacion", _O), ("Cantidad", _R), ("ClaveUnidad", _R), ("Unidad", _O),
    ("Descripcion", _R), ("ValorUnitario", _R), ("Importe", _R), ("Descuento", _O), ("ObjetoImp", _R),
)
FIELDS_TRASLADO_C = (("Base", _R), ("Impuesto", _R), ("TipoFactor", _R), ("TasaOCuota", _O), ("Importe", _O))
FIELDS_RETENCION_C = (("Base", _R), ("Impuesto", _R), ("TipoFactor", _R), ("TasaOCuota", _R), ("Importe", _R))
FIELDS_TERCEROS = (
    ("RfcACuentaTerceros", _R), ("NombreACuentaTerceros", _R), ("RegimenFiscalACuentaTerceros", _R),
    ("DomicilioFiscalACuentaTerceros", _R),
)
FIELDS_PARTE = (
    ("ClaveProdServ", _R), ("NoIdentificacion", _O), ("Cantidad", _R), ("Unidad", _O), ("Descripcion", _R),
    ("ValorUnitario", _O), ("Importe", _O),
)
FIELDS_RETENCION_G = (("Impuesto", _R), ("Importe", _R))
FIELDS_TRASLADO_G = (("Base", _R), ("Impuesto", _R), ("TipoFactor", _R), ("TasaOCuota", _O), ("Importe", _O))
FIELDS_PAGOS = (("Version", _R),)
FIELDS_TOTALES = tuple(
    (n, _O)
    for n in (
        "TotalRetencionesIVA", "TotalRetencionesISR", "TotalRetencionesIEPS", "TotalTrasladosBaseIVA16",
        "TotalTrasladosImpuestoIVA16", "TotalTrasladosBaseIVA8", "TotalTrasladosImpuestoIVA8",
        "TotalTrasladosBaseIVA0", "TotalTrasladosImpuestoIVA0", "TotalTrasladosBaseIVAExento",
    )
) + (("MontoTotalPagos", _R),)
FIELDS_PAGO = (
    ("FechaPago", _R), ("FormaDePagoP", _R), ("MonedaP", _R), ("TipoCambioP", _O), ("Monto", _R),
    ("NumOperacion", _O), ("RfcEmisorCtaOrd", _O), ("NomBancoOrdExt", _O), ("CtaOrdenante", _O),
    ("RfcEmisorCtaBen", _O), ("CtaBeneficiario", _O), ("TipoCadPago", _O), ("CertPago", _O), ("CadPago", _O),
    ("SelloPago", _O),
)
FIELDS_DOCTO = (
    ("IdDocumento", _R), ("Serie", _O), ("Folio", _O), ("MonedaDR", _R), ("EquivalenciaDR", _O),
    ("NumParcialidad", _R), ("ImpSaldoAnt", _R), ("ImpPagado", _R), ("ImpSaldoInsoluto", _R), ("ObjetoImpDR", _R),
)
FIELDS_RETENCION_DR = (("BaseDR", _R), ("ImpuestoDR", _R), ("TipoFactorDR", _R), ("TasaOCuotaDR", _R), ("ImporteDR", _R))
FIELDS_TRASLADO_DR = (("BaseDR", _R), ("ImpuestoDR", _R), ("TipoFactorDR", _R), ("TasaOCuotaDR", _O), ("ImporteDR", _O))
FIELDS_RETENCION_P = (("ImpuestoP", _R), ("ImporteP", _R))
FIELDS_TRASLADO_P = (("BaseP", _R), ("ImpuestoP", _R), ("TipoFactorP", _R), ("TasaOCuotaP", _O), ("ImporteP", _O))
FIELDS_IMPLOCAL_ATTRS = (("version", _R), ("TotaldeRetenciones", _R), ("TotaldeTraslados", _R))
FIELDS_RET_LOCAL = (("ImpLocRetenido", _R), ("TasadeRetencion", _R), ("Importe", _R))
FIELDS_TRAS_LOCAL = (("ImpLocTrasladado", _R), ("TasadeTraslado", _R), ("Importe", _R))
FIELDS_TIPO_RELACION = (("TipoRelacion", _R),)
FIELDS_UUID = (("UUID", _R),)
FIELDS_TOTAL_RETENIDOS = (("TotalImpuestosRetenidos", _O),)
FIELDS_TOTAL_TRASLADADOS = (("TotalImpuestosTrasladados", _O),)
FIELDS_PEDIMENTO = (("NumeroPedimento", _R),)
FIELDS_PREDIAL = (("Numero", _R),)
FIELDS_TFD = (("Version", _R), ("UUID", _R), ("FechaTimbrado", _R), ("RfcProvCertif", _R), ("Leyenda", _O), ("SelloCFD", _R),
              ("NoCertificadoSAT", _R))  # cadenaoriginal_TFD_1_1.xslt, as cadena_tfd11 writes it

# The writers, compiled once from the tables above.
_COMPROBANTE = _spec(FIELDS_COMPROBANTE)
_INFO_GLOBAL = _spec(FIELDS_INFO_GLOBAL)
_EMISOR = _spec(FIELDS_EMISOR)
_RECEPTOR = _spec(FIELDS_RECEPTOR)
_CONCEPTO = _spec(FIELDS_CONCEPTO)
_TRASLADO_C = _spec(FIELDS_TRASLADO_C)
_RETENCION_C = _spec(FIELDS_RETENCION_C)
_TERCEROS = _spec(FIELDS_TERCEROS)
_PARTE = _spec(FIELDS_PARTE)
_RETENCION_G = _spec(FIELDS_RETENCION_G)
_TRASLADO_G = _spec(FIELDS_TRASLADO_G)
_PAGOS = _spec(FIELDS_PAGOS)
_TOTALES = _spec(FIELDS_TOTALES)
_PAGO = _spec(FIELDS_PAGO)
_DOCTO = _spec(FIELDS_DOCTO)
_RETENCION_DR = _spec(FIELDS_RETENCION_DR)
_TRASLADO_DR = _spec(FIELDS_TRASLADO_DR)
_RETENCION_P = _spec(FIELDS_RETENCION_P)
_TRASLADO_P = _spec(FIELDS_TRASLADO_P)
_IMPLOCAL_ATTRS = _spec(FIELDS_IMPLOCAL_ATTRS)
_RET_LOCAL = _spec(FIELDS_RET_LOCAL)
_TRAS_LOCAL = _spec(FIELDS_TRAS_LOCAL)
_TIPO_RELACION = _spec(FIELDS_TIPO_RELACION)
_UUID = _spec(FIELDS_UUID)
_TOTAL_RETENIDOS = _spec(FIELDS_TOTAL_RETENIDOS)
_TOTAL_TRASLADADOS = _spec(FIELDS_TOTAL_TRASLADADOS)
_PEDIMENTO = _spec(FIELDS_PEDIMENTO)
_PREDIAL = _spec(FIELDS_PREDIAL)

_T_COMPLEMENTO, _T_COMPLEMENTO_CONCEPTO = _C_Complemento, _C_ComplementoConcepto
_T_PAGOS, _T_TFD = _P_Pagos, f"{{{TFD}}}TimbreFiscalDigital"
_T_IMPLOCAL = f"{{{IMPLOCAL}}}ImpuestosLocales"
_FAST_COMPLEMENTS = frozenset({_T_PAGOS, _T_TFD, _T_IMPLOCAL})
PORTED_COMPLEMENTS = frozenset({PAGOS20, TFD, IMPLOCAL})  # namespaces of _FAST_COMPLEMENTS


AS_WRITTEN, NORMALIZED = 0, 1  # which of a spec's two writers a walk uses
Fields = int


# In a cadena built from values as written, a value normalize-space() would change shows up as a
# tab, CR, LF or double space anywhere, or a space next to a separator (leading or trailing).
# Six substring tests: each a C-level scan, together ~6x faster than one regex with alternatives.
def may_need_normalizing(text: str) -> bool:
    return "  " in text or "| " in text or " |" in text or "\n" in text or "\t" in text or "\r" in text


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


def write_text_only(out: list[str], el: etree._Element) -> None:
    """XSLT's built-in rules for an element no template matches: its descendant text, in order."""
    if el.text:
        out.append(el.text)
    for child in el:
        if isinstance(child.tag, str):
            write_text_only(out, child)
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
    text = walk_cadena(root, AS_WRITTEN)
    if may_need_normalizing(text):
        text = walk_cadena(root, NORMALIZED)
    return text.encode("utf-8")


def walk_cadena(root: etree._Element, f: Fields) -> str:
    """The cadena text of ``root`` with the values as written (``AS_WRITTEN``) or normalised (``NORMALIZED``)."""
    out: list[str] = ["|"]
    _COMPROBANTE[f](out, root)
    top = _by_tag(root)
    for info in top.get(_T_INFO, _NONE):
        _INFO_GLOBAL[f](out, info)
    for rels in top.get(_T_RELS, _NONE):
        _TIPO_RELACION[f](out, rels)
        for rel in rels.iterchildren(_C_CfdiRelacionado):
            _UUID[f](out, rel)
    for el in top.get(_T_EMISOR, _NONE):
        _EMISOR[f](out, el)
    for el in top.get(_T_RECEPTOR, _NONE):
        _RECEPTOR[f](out, el)
    for conceptos in top.get(_T_CONCEPTOS, _NONE):
        for concepto in conceptos:
            if concepto.tag == _T_CONCEPTO:
                _concepto(out, concepto, f)
    for imp in top.get(_T_IMPUESTOS, _NONE):
        for r in _kids(imp, _C_Retenciones, _C_Retencion):
            _RETENCION_G[f](out, r)
        _TOTAL_RETENIDOS[f](out, imp)
        for t in _kids(imp, _C_Traslados, _C_Traslado):
            _TRASLADO_G[f](out, t)
        _TOTAL_TRASLADADOS[f](out, imp)
    for comp in root.iterchildren(_T_COMPLEMENTO):
        for child in comp:
            tag = child.tag
            if tag == _T_PAGOS:
                _pagos20(out, child, f)
            elif tag == _T_IMPLOCAL:
                write_implocal(out, child, f)
            elif isinstance(tag, str):
                write_text_only(out, child)  # the stamp: no template in SAT's stylesheet
    out.append("||")
    return "".join(out)


_T_INFO, _T_RELS = _C_InformacionGlobal, _C_CfdiRelacionados
_T_EMISOR, _T_RECEPTOR, _T_CONCEPTOS, _T_CONCEPTO = _C_Emisor, _C_Receptor, _C_Conceptos, _C_Concepto
_T_IMPUESTOS, _T_PARTE = _C_Impuestos, _C_Parte


def _concepto(out: list[str], concepto: etree._Element, f: Fields) -> None:
    _CONCEPTO[f](out, concepto)
    impuestos: list[etree._Element] = []
    others = False  # any child besides cfdi:Impuestos (ACuentaTerceros, InformacionAduanera...)
    for child in concepto:
        if child.tag == _T_IMPUESTOS:
            impuestos.append(child)
        else:
            others = True
    if impuestos:
        traslado = _TRASLADO_C[f]
        for imp in impuestos:
            for holder in imp:
                if holder.tag == _C_Traslados:
                    for t in holder:
                        if t.tag == _C_Traslado:
                            traslado(out, t)
        retencion = _RETENCION_C[f]
        for imp in impuestos:
            for holder in imp:
                if holder.tag == _C_Retenciones:
                    for r in holder:
                        if r.tag == _C_Retencion:
                            retencion(out, r)
    if others:
        kids = _by_tag(concepto)
        for t in kids.get(_C_ACuentaTerceros, _NONE):
            _TERCEROS[f](out, t)
        for ia in kids.get(_C_InformacionAduanera, _NONE):
            _PEDIMENTO[f](out, ia)
        for cp in kids.get(_C_CuentaPredial, _NONE):
            _PREDIAL[f](out, cp)
    for parte in concepto.iterdescendants(_T_PARTE):  # ".//cfdi:Parte": any descendant
        _PARTE[f](out, parte)
        for ia in parte.iterdescendants(_C_InformacionAduanera):
            _PEDIMENTO[f](out, ia)


def _pagos20(out: list[str], pagos: etree._Element, f: Fields) -> None:
    _PAGOS[f](out, pagos)
    for totales in pagos.iterchildren(_P_Totales):
        _TOTALES[f](out, totales)
    for pago in pagos.iterchildren(_P_Pago):
        _PAGO[f](out, pago)
        for docto in pago.iterchildren(_P_DoctoRelacionado):
            _DOCTO[f](out, docto)
            for r in _kids(docto, _P_ImpuestosDR, _P_RetencionesDR, _P_RetencionDR):
                _RETENCION_DR[f](out, r)
            for t in _kids(docto, _P_ImpuestosDR, _P_TrasladosDR, _P_TrasladoDR):
                _TRASLADO_DR[f](out, t)
        for imp in pago.iterchildren(_P_ImpuestosP):
            for r in _kids(imp, _P_RetencionesP, _P_RetencionP):
                _RETENCION_P[f](out, r)
            for t in _kids(imp, _P_TrasladosP, _P_TrasladoP):
                _TRASLADO_P[f](out, t)


def write_implocal(out: list[str], el: etree._Element, f: Fields) -> None:
    _IMPLOCAL_ATTRS[f](out, el)
    for r in el.iterchildren(_L_RetencionesLocales):
        _RET_LOCAL[f](out, r)
    for t in el.iterchildren(_L_TrasladosLocales):
        _TRAS_LOCAL[f](out, t)

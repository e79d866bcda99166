"""SAT's schema (XSD class rules): which SAT code a schema violation carries.

SAT's matrices give codes to many conditions the XSD already enforces
(CFDI40101 "Fecha no cumple con el patrón", CFDI40126 "LugarExpedicion no
contiene un valor del catálogo c_CodigoPostal", CRP20245 …). A schema
violation on one of those attributes carries SAT's code; any other carries
SAT's catch-all (CFDI40999, CRP20999) or, outside SAT's CFDI and Pagos
namespaces (the stamp, other complements), ``CFDIAR-XSD-001``.
"""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from ..context import DocContext
from ..namespaces import CFDI40, PAGOS20, q, split_tag
from ..sat.xsd import SchemaIssue
from .registry import Kind, Violation, register_code

__all__ = ["schema_code", "schema_violations"]

_X = Kind.SCHEMA
_M40 = "Matriz de errores CFDI 4.0"
_MP = "Matriz de errores Pagos 2.0"

# (code, SAT title, namespace, element, attribute, context): context "concepto" = under cfdi:Concepto,
# "global" = not under cfdi:Concepto, None = anywhere.
_TABLE: list[tuple[str, str, str, str, str, str | None]] = [
    ("CFDI40101", "El campo Fecha no cumple con el patrón requerido.", CFDI40, "Comprobante", "Fecha", None),
    ("CFDI40104", "El campo FormaPago no contiene un valor del catálogo c_FormaPago.", CFDI40, "Comprobante", "FormaPago", None),
    ("CFDI40113", "El campo Moneda no contiene un valor del catálogo c_Moneda.", CFDI40, "Comprobante", "Moneda", None),
    ("CFDI40117", "El campo TipoCambio no cumple con el patrón requerido.", CFDI40, "Comprobante", "TipoCambio", None),
    ("CFDI40121", "El campo TipoDeComprobante no contiene un valor del catálogo c_TipoDeComprobante.", CFDI40, "Comprobante", "TipoDeComprobante", None),
    ("CFDI40123", "El campo Exportacion no contiene un valor del catálogo c_Exportacion.", CFDI40, "Comprobante", "Exportacion", None),
    ("CFDI40124", "El campo MetodoPago no contiene un valor del catálogo c_MetodoPago.", CFDI40, "Comprobante", "MetodoPago", None),
    ("CFDI40126", "El campo LugarExpedicion no contiene un valor del catálogo c_CodigoPostal.", CFDI40, "Comprobante", "LugarExpedicion", None),
    ("CFDI40131", "El campo Periodicidad no contiene un valor del catálogo c_Periodicidad.", CFDI40, "InformacionGlobal", "Periodicidad", None),
    ("CFDI40133", "El campo Meses no contiene un valor del catálogo c_Meses.", CFDI40, "InformacionGlobal", "Meses", None),
    ("CFDI40137", "El campo TipoRelacion no contiene un valor del catálogo c_TipoRelacion.", CFDI40, "CfdiRelacionados", "TipoRelacion", None),
    ("CFDI40140", "El campo RegimenFiscal no contiene un valor del catálogo c_RegimenFiscal.", CFDI40, "Emisor", "RegimenFiscal", None),
    ("CFDI40150", "El campo ResidenciaFiscal no contiene un valor del catálogo c_Pais.", CFDI40, "Receptor", "ResidenciaFiscal", None),
    ("CFDI40157", "El campo RegimenFiscalReceptor no contiene un valor del catálogo c_RegimenFiscal.", CFDI40, "Receptor", "RegimenFiscalReceptor", None),
    ("CFDI40160", "El campo UsoCFDI no contiene un valor del catálogo c_UsoCFDI.", CFDI40, "Receptor", "UsoCFDI", None),
    ("CFDI40162", "El campo ClaveProdServ no contiene un valor del catálogo c_ClaveProdServ.", CFDI40, "Concepto", "ClaveProdServ", None),
    ("CFDI40165", "El campo ClaveUnidad no contiene un valor del catálogo c_ClaveUnidad.", CFDI40, "Concepto", "ClaveUnidad", None),
    ("CFDI40170", "El campo ObjetoImp no contiene un valor del catálogo c_ObjetoImp.", CFDI40, "Concepto", "ObjetoImp", None),
    ("CFDI40174", "El valor del campo Base que corresponde a Traslado debe ser mayor que cero.", CFDI40, "Traslado", "Base", "concepto"),
    ("CFDI40175", "El valor del campo Impuesto que corresponde a Traslado no contiene un valor del catálogo c_Impuesto.", CFDI40, "Traslado", "Impuesto", "concepto"),
    ("CFDI40176", "El valor del campo TipoFactor que corresponde a Traslado no contiene un valor del catálogo c_TipoFactor.", CFDI40, "Traslado", "TipoFactor", "concepto"),
    ("CFDI40181", "El valor del campo Base que corresponde a Retención debe ser mayor que cero.", CFDI40, "Retencion", "Base", "concepto"),
    ("CFDI40182", "El valor del campo Impuesto que corresponde a Retención no contiene un valor del catálogo c_Impuesto.", CFDI40, "Retencion", "Impuesto", "concepto"),
    ("CFDI40183", "El valor del campo TipoFactor que corresponde a Retención no contiene un valor del catálogo c_TipoFactor.", CFDI40, "Retencion", "TipoFactor", "concepto"),
    ("CFDI40191", "El campo RegimenFiscalACuentaTerceros no contiene un valor del catálogo c_RegimenFiscal.", CFDI40, "ACuentaTerceros", "RegimenFiscalACuentaTerceros", None),
    ("CFDI40194", "El campo NumeroPedimento no cumple con el patrón requerido.", CFDI40, "InformacionAduanera", "NumeroPedimento", "concepto-direct"),
    ("CFDI40196", "El campo ClaveProdServ del nodo Parte no contiene un valor del catálogo c_ClaveProdServ.", CFDI40, "Parte", "ClaveProdServ", None),
    ("CFDI40199", "El campo NumeroPedimento del nodo Parte no cumple con el patrón requerido.", CFDI40, "InformacionAduanera", "NumeroPedimento", "parte"),
    ("CFDI40207", "El campo Impuesto de Retenciones no contiene un valor del catálogo c_Impuesto.", CFDI40, "Retencion", "Impuesto", "global"),
    ("CFDI40217", "El campo Impuesto de Traslados no contiene un valor del catálogo c_Impuesto.", CFDI40, "Traslado", "Impuesto", "global"),
    ("CRP20245", "El campo ObjetoImpDR no contiene un valor del catálogo c_ObjetoImp.", PAGOS20, "DoctoRelacionado", "ObjetoImpDR", None),
    ("CRP20249", "El campo BaseDR de RetencionDR debe ser mayor a cero.", PAGOS20, "RetencionDR", "BaseDR", None),
    ("CRP20250", "El campo ImpuestoDR de RetencionDR no contiene un valor del catálogo c_Impuesto.", PAGOS20, "RetencionDR", "ImpuestoDR", None),
    ("CRP20251", "El campo TipoFactorDR de RetencionDR no contiene un valor del catálogo c_TipoFactor.", PAGOS20, "RetencionDR", "TipoFactorDR", None),
    ("CRP20255", "El campo BaseDR de TrasladoDR debe ser mayor a cero.", PAGOS20, "TrasladoDR", "BaseDR", None),
    ("CRP20256", "El campo ImpuestoDR de TrasladoDR no contiene un valor del catálogo c_Impuesto.", PAGOS20, "TrasladoDR", "ImpuestoDR", None),
    ("CRP20257", "El campo TipoFactorDR de TrasladoDR no contiene un valor del catálogo c_TipoFactor.", PAGOS20, "TrasladoDR", "TipoFactorDR", None),
    ("CRP20262", "El campo ImpuestoP de RetencionP no contiene un valor del catálogo c_Impuesto.", PAGOS20, "RetencionP", "ImpuestoP", None),
    ("CRP20270", "El campo ImpuestoP de TrasladoP no contiene un valor del catálogo c_Impuesto.", PAGOS20, "TrasladoP", "ImpuestoP", None),
]

for _code, _title, _ns, _el, _attr, _ctx in _TABLE:
    register_code(_code, _title, kind=_X, gloss=f"{_el}@{_attr} fails SAT's schema", source=_M40 if _ns == CFDI40 else _MP)
register_code("CFDI40999", "Error no clasificado (esquema del CFDI 4.0)", kind=_X, gloss="Any other CFDI 4.0 schema violation (structure, required attribute, pattern).", source=_M40)
register_code("CRP20999", "Error no clasificado (esquema del complemento de pagos 2.0)", kind=_X, gloss="Any other Pagos 2.0 schema violation.", source=_MP)
register_code("CFDIAR-XSD-001", "Complement schema violation", kind=_X, gloss="A violation of SAT's schema for the stamp (TFD 1.1) or another complement.")

_LOOKUP: dict[tuple[str, str, str], list[tuple[str | None, str]]] = {}
for _code, _title, _ns, _el, _attr, _ctx in _TABLE:
    _LOOKUP.setdefault((_ns, _el, _attr), []).append((_ctx, _code))

_CONCEPTO = q(CFDI40, "Concepto")
_PARTE = q(CFDI40, "Parte")


def _context_of(element: etree._Element | None) -> set[str]:
    if element is None:
        return set()
    parent = element.getparent()
    found = {"global"}
    node = parent
    while node is not None:
        if node.tag == _CONCEPTO:
            found = {"concepto"}
            if parent is not None and parent.tag == _CONCEPTO:
                found.add("concepto-direct")
            break
        if node.tag == _PARTE:
            found = {"parte"}
            break
        node = node.getparent()
    return found


def schema_code(issue: SchemaIssue) -> str:
    tag = issue.element_tag
    ns, local = split_tag(tag) if tag else (None, "")
    fallback = "CFDI40999" if ns == CFDI40 else "CRP20999" if ns == PAGOS20 else "CFDIAR-XSD-001"
    if ns is None or issue.attribute is None:
        return fallback
    options = _LOOKUP.get((ns, local, issue.attribute))
    if not options:
        return fallback
    where = _context_of(issue.element)
    for ctx, code in options:
        if ctx is None or ctx in where:
            return code
    return fallback


def schema_violations(ctx: DocContext) -> Iterator[tuple[str, Violation]]:
    """(code, violation) for every schema issue of the document."""
    for issue in ctx.schema_issues:
        yield schema_code(issue), Violation(issue.message, issue.element, issue.attribute)

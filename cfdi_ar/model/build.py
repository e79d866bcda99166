"""lxml tree → model. Pure: no IO, no validation verdicts, never raises on odd input.

Elements are found by namespace URI (never by prefix). Anything malformed
simply yields ``None`` fields; the XSD and rule checks report it.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any, Callable, TypeVar

from lxml import etree

from ..namespaces import CFDI40, IMPLOCAL, PAGOS20, TFD, q
from ..xmltext import collapse
from . import values as v
from .comprobante import (
    ACuentaTerceros,
    Body,
    CfdiRelacionados,
    Comprobante,
    Concepto,
    Emisor,
    ImpuestoConcepto,
    Impuestos,
    ImpuestosLocales,
    InformacionGlobal,
    Parte,
    Receptor,
    RetencionGlobal,
    Timbre,
    TrasladoGlobal,
)
from .pagos import DoctoRelacionado, ImpuestoDR, Pago, Pagos, RetencionP, Totales, TrasladoP

__all__ = ["build_comprobante"]

T = TypeVar("T")


_C_TAGS: dict[str, str] = {}
_P_TAGS: dict[str, str] = {}


def _c(local: str) -> str:
    tag = _C_TAGS.get(local)
    if tag is None:
        tag = _C_TAGS[local] = q(CFDI40, local)
    return tag


def _p(local: str) -> str:
    tag = _P_TAGS.get(local)
    if tag is None:
        tag = _P_TAGS[local] = q(PAGOS20, local)
    return tag


_NONE: list[etree._Element] = []


def _kids(el: etree._Element | None) -> dict[object, list[etree._Element]]:
    """Children grouped by tag, in one pass (cheaper than one iterchildren() per tag)."""
    out: dict[object, list[etree._Element]] = {}
    if el is not None:
        for child in el:
            group = out.get(child.tag)
            if group is None:
                out[child.tag] = [child]
            else:
                group.append(child)
    return out


def _children(el: etree._Element | None, *path: str) -> list[etree._Element]:
    """Elements at ``path`` below ``el`` (each step a Clark tag)."""
    if el is None:
        return []
    level = [el]
    for tag in path:
        level = [child for parent in level for child in parent.iterchildren(tag)]
    return level


def _first(el: etree._Element | None, tag: str) -> etree._Element | None:
    return None if el is None else el.find(tag)


def _one(kids: dict[object, list[etree._Element]], tag: str) -> etree._Element | None:
    found = kids.get(tag)
    return found[0] if found else None



def _constructor(cls: type[T]) -> Callable[..., T]:
    """A faster way to build an instance of a frozen, slotted model dataclass.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (~0.1 us
    per field); building thousands of concepts and taxes per second, that is the model's main
    cost. This builds the same object (same fields, same equality, still frozen) by calling
    each slot's setter directly, about twice as fast. Arguments and defaults are the class's.
    """
    env: dict[str, Any] = {"_new": object.__new__, "_cls": cls, "_MISSING": MISSING}
    params, body = [], []
    for f in fields(cls):
        env[f"_s_{f.name}"] = getattr(cls, f.name).__set__
        if f.default is not MISSING:
            env[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
        elif f.default_factory is not MISSING:
            env[f"_f_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            body.append(f"    if {f.name} is _MISSING: {f.name} = _f_{f.name}()")
        else:
            params.append(f.name)
        body.append(f"    _s_{f.name}(o, {f.name})")
    src = f"def build({', '.join(params)}):\n    o = _new(_cls)\n" + "\n".join(body) + "\n    return o\n"
    exec(src, env)  # noqa: S102 - source built above from the class's own field names
    return env["build"]  # type: ignore[no-any-return]


# Inside this module the model's classes are built through their fast constructors.
(ACuentaTerceros, CfdiRelacionados, Concepto, Emisor, ImpuestoConcepto, Impuestos, ImpuestosLocales, InformacionGlobal,  # noqa: F811
 Parte, Receptor, RetencionGlobal, Timbre, TrasladoGlobal, DoctoRelacionado, ImpuestoDR, Pago, Pagos, RetencionP, Totales,
 TrasladoP) = (_constructor(c) for c in (  # type: ignore[misc]
    ACuentaTerceros, CfdiRelacionados, Concepto, Emisor, ImpuestoConcepto, Impuestos, ImpuestosLocales, InformacionGlobal,
    Parte, Receptor, RetencionGlobal, Timbre, TrasladoGlobal, DoctoRelacionado, ImpuestoDR, Pago, Pagos, RetencionP, Totales,
    TrasladoP))


_MISSING = object()


def _t(el: etree._Element, name: str, _collapse=collapse) -> str | None:  # type: ignore[no-untyped-def]
    """``values.text`` without its call layer: this runs for most attributes of every document."""
    raw = el.get(name)
    return None if raw is None else _collapse(raw)


def _d(el: etree._Element, name: str, _cache=v._DECIMALS, _decimal=v.decimal):  # type: ignore[no-untyped-def]
    """``values.decimal`` with its cache looked up first (amounts repeat across a batch)."""
    raw = el.get(name)
    if raw is None:
        return None
    found = _cache.get(raw, _MISSING)
    return _decimal(raw) if found is _MISSING else found


def build_comprobante(root: etree._Element) -> Comprobante:
    """Build the model of a ``cfdi:Comprobante`` (CFDI 4.0 namespace) element.

    The header is read now; the body parts are read the first time a caller asks for them.
    """
    get = root.get
    kids = _kids(root)
    complemento_children = [ch for comp in kids.get(_c("Complemento"), _NONE) for ch in comp if isinstance(ch.tag, str)]
    tfds = [ch for ch in complemento_children if ch.tag == _TFD]

    def first_complement(tag: str) -> etree._Element | None:
        return next((ch for ch in complemento_children if ch.tag == tag), None)

    def informacion_global() -> InformacionGlobal | None:
        info = _one(kids, _c("InformacionGlobal"))
        if info is None:
            return None
        return InformacionGlobal(info, _t(info, "Periodicidad"), _t(info, "Meses"), v.integer(info.get("Año")))

    def cfdi_relacionados() -> tuple[CfdiRelacionados, ...]:
        return tuple(
            CfdiRelacionados(
                rel,
                _t(rel, "TipoRelacion"),
                tuple((_t(r, "UUID") or "").upper() for r in rel.iterchildren(_c("CfdiRelacionado"))),
            )
            for rel in kids.get(_c("CfdiRelacionados"), _NONE)
        )

    def conceptos() -> tuple[Concepto, ...]:
        return tuple(_concepto(c) for holder in kids.get(_c("Conceptos"), _NONE) for c in holder.iterchildren(_c("Concepto")))

    def pagos() -> Pagos | None:
        el = first_complement(_PAGOS)
        return None if el is None else _pagos(el)

    def impuestos_locales() -> ImpuestosLocales | None:
        el = first_complement(_IMPLOCAL)
        if el is None:
            return None
        return ImpuestosLocales(el, _d(el, "TotaldeRetenciones"), _d(el, "TotaldeTraslados"))

    body = Body(
        {
            "informacion_global": informacion_global,
            "cfdi_relacionados": cfdi_relacionados,
            "conceptos": conceptos,
            "impuestos": lambda: _impuestos(_one(kids, _c("Impuestos"))),
            "pagos": pagos,
            "impuestos_locales": impuestos_locales,
        }
    )
    return Comprobante(
        el=root,
        version=_t(root, "Version"),
        serie=_t(root, "Serie"),
        folio=_t(root, "Folio"),
        fecha=v.fecha(get("Fecha")),
        sello=get("Sello"),
        forma_pago=_t(root, "FormaPago"),
        no_certificado=_t(root, "NoCertificado"),
        certificado=get("Certificado"),
        condiciones_de_pago=_t(root, "CondicionesDePago"),
        subtotal=_d(root, "SubTotal"),
        descuento=_d(root, "Descuento"),
        moneda=_t(root, "Moneda"),
        tipo_cambio=_d(root, "TipoCambio"),
        total=_d(root, "Total"),
        tipo_de_comprobante=_t(root, "TipoDeComprobante"),
        exportacion=_t(root, "Exportacion"),
        metodo_pago=_t(root, "MetodoPago"),
        lugar_expedicion=_t(root, "LugarExpedicion"),
        confirmacion=_t(root, "Confirmacion"),
        emisor=_emisor(_one(kids, _c("Emisor"))),
        receptor=_receptor(_one(kids, _c("Receptor"))),
        timbres=tuple(_timbre(el) for el in tfds),
        complementos=tuple(etree.QName(ch).namespace or "" for ch in complemento_children),
        has_addenda=_c("Addenda") in kids,
        body=body,
    )


_PAGOS = q(PAGOS20, "Pagos")
_TFD = q(TFD, "TimbreFiscalDigital")
_IMPLOCAL = q(IMPLOCAL, "ImpuestosLocales")


def _emisor(el: etree._Element | None) -> Emisor | None:
    if el is None:
        return None
    return Emisor(el, _t(el, "Rfc"), _t(el, "Nombre"), _t(el, "RegimenFiscal"), _t(el, "FacAtrAdquirente"))


def _receptor(el: etree._Element | None) -> Receptor | None:
    if el is None:
        return None
    return Receptor(
        el,
        _t(el, "Rfc"),
        _t(el, "Nombre"),
        _t(el, "DomicilioFiscalReceptor"),
        _t(el, "ResidenciaFiscal"),
        _t(el, "NumRegIdTrib"),
        _t(el, "RegimenFiscalReceptor"),
        _t(el, "UsoCFDI"),
    )


def _impuesto_concepto(el: etree._Element) -> ImpuestoConcepto:
    return ImpuestoConcepto(el, _d(el, "Base"), _t(el, "Impuesto"), _t(el, "TipoFactor"), _d(el, "TasaOCuota"), _d(el, "Importe"))


def _concepto(el: etree._Element) -> Concepto:
    kids = _kids(el)
    impuestos = _one(kids, _c("Impuestos"))
    terceros = _one(kids, _c("ACuentaTerceros"))
    imp_kids = _kids(impuestos)
    return Concepto(
        el=el,
        clave_prod_serv=_t(el, "ClaveProdServ"),
        no_identificacion=_t(el, "NoIdentificacion"),
        cantidad=_d(el, "Cantidad"),
        clave_unidad=_t(el, "ClaveUnidad"),
        unidad=_t(el, "Unidad"),
        descripcion=_t(el, "Descripcion"),
        valor_unitario=_d(el, "ValorUnitario"),
        importe=_d(el, "Importe"),
        descuento=_d(el, "Descuento"),
        objeto_imp=_t(el, "ObjetoImp"),
        has_impuestos=impuestos is not None,
        traslados=tuple(
            _impuesto_concepto(t) for holder in imp_kids.get(_c("Traslados"), _NONE) for t in holder.iterchildren(_c("Traslado"))
        ),
        retenciones=tuple(
            _impuesto_concepto(r) for holder in imp_kids.get(_c("Retenciones"), _NONE) for r in holder.iterchildren(_c("Retencion"))
        ),
        a_cuenta_terceros=None
        if terceros is None
        else ACuentaTerceros(
            terceros,
            _t(terceros, "RfcACuentaTerceros"),
            _t(terceros, "NombreACuentaTerceros"),
            _t(terceros, "RegimenFiscalACuentaTerceros"),
            _t(terceros, "DomicilioFiscalACuentaTerceros"),
        ),
        informacion_aduanera=tuple(ia.get("NumeroPedimento") or "" for ia in kids.get(_c("InformacionAduanera"), _NONE)),
        cuenta_predial=tuple(_t(cp, "Numero") or "" for cp in kids.get(_c("CuentaPredial"), _NONE)),
        partes=tuple(_parte(p) for p in kids.get(_c("Parte"), _NONE)),
        child_tags=tuple(etree.QName(ch).localname for ch in el if isinstance(ch.tag, str)),
    )


def _parte(el: etree._Element) -> Parte:
    return Parte(
        el,
        _t(el, "ClaveProdServ"),
        _t(el, "NoIdentificacion"),
        _d(el, "Cantidad"),
        _t(el, "Unidad"),
        _t(el, "Descripcion"),
        _d(el, "ValorUnitario"),
        _d(el, "Importe"),
        tuple(ia.get("NumeroPedimento") or "" for ia in el.iterchildren(_c("InformacionAduanera"))),
    )


def _impuestos(el: etree._Element | None) -> Impuestos | None:
    if el is None:
        return None
    return Impuestos(
        el,
        _d(el, "TotalImpuestosRetenidos"),
        _d(el, "TotalImpuestosTrasladados"),
        tuple(RetencionGlobal(r, _t(r, "Impuesto"), _d(r, "Importe")) for r in _children(el, _c("Retenciones"), _c("Retencion"))),
        tuple(
            TrasladoGlobal(t, _d(t, "Base"), _t(t, "Impuesto"), _t(t, "TipoFactor"), _d(t, "TasaOCuota"), _d(t, "Importe"))
            for t in _children(el, _c("Traslados"), _c("Traslado"))
        ),
    )


def _timbre(el: etree._Element) -> Timbre:
    return Timbre(
        el,
        _t(el, "Version"),
        _t(el, "UUID"),
        v.fecha(el.get("FechaTimbrado")),
        _t(el, "RfcProvCertif"),
        _t(el, "Leyenda"),
        el.get("SelloCFD"),
        _t(el, "NoCertificadoSAT"),
        el.get("SelloSAT"),
    )


# --------------------------------------------------------------------------- Pagos 2.0


def _impuesto_dr(el: etree._Element) -> ImpuestoDR:
    return ImpuestoDR(el, _d(el, "BaseDR"), _t(el, "ImpuestoDR"), _t(el, "TipoFactorDR"), _d(el, "TasaOCuotaDR"), _d(el, "ImporteDR"))


def _docto(el: etree._Element) -> DoctoRelacionado:
    impuestos = _first(el, _p("ImpuestosDR"))
    return DoctoRelacionado(
        el=el,
        id_documento=_t(el, "IdDocumento"),
        serie=_t(el, "Serie"),
        folio=_t(el, "Folio"),
        moneda_dr=_t(el, "MonedaDR"),
        equivalencia_dr=_d(el, "EquivalenciaDR"),
        num_parcialidad=v.integer(el.get("NumParcialidad")),
        imp_saldo_ant=_d(el, "ImpSaldoAnt"),
        imp_pagado=_d(el, "ImpPagado"),
        imp_saldo_insoluto=_d(el, "ImpSaldoInsoluto"),
        objeto_imp_dr=_t(el, "ObjetoImpDR"),
        has_impuestos_dr=impuestos is not None,
        traslados_dr=tuple(_impuesto_dr(t) for t in _children(impuestos, _p("TrasladosDR"), _p("TrasladoDR"))),
        retenciones_dr=tuple(_impuesto_dr(r) for r in _children(impuestos, _p("RetencionesDR"), _p("RetencionDR"))),
    )


def _pago(el: etree._Element) -> Pago:
    impuestos = _first(el, _p("ImpuestosP"))
    return Pago(
        el=el,
        fecha_pago=v.fecha(el.get("FechaPago")),
        forma_de_pago_p=_t(el, "FormaDePagoP"),
        moneda_p=_t(el, "MonedaP"),
        tipo_cambio_p=_d(el, "TipoCambioP"),
        monto=_d(el, "Monto"),
        num_operacion=_t(el, "NumOperacion"),
        rfc_emisor_cta_ord=_t(el, "RfcEmisorCtaOrd"),
        nom_banco_ord_ext=_t(el, "NomBancoOrdExt"),
        cta_ordenante=_t(el, "CtaOrdenante"),
        rfc_emisor_cta_ben=_t(el, "RfcEmisorCtaBen"),
        cta_beneficiario=_t(el, "CtaBeneficiario"),
        tipo_cad_pago=_t(el, "TipoCadPago"),
        cert_pago=el.get("CertPago"),
        cad_pago=el.get("CadPago"),
        sello_pago=el.get("SelloPago"),
        doctos=tuple(_docto(d) for d in el.iterchildren(_p("DoctoRelacionado"))),
        has_impuestos_p=impuestos is not None,
        traslados_p=tuple(
            TrasladoP(t, _d(t, "BaseP"), _t(t, "ImpuestoP"), _t(t, "TipoFactorP"), _d(t, "TasaOCuotaP"), _d(t, "ImporteP"))
            for t in _children(impuestos, _p("TrasladosP"), _p("TrasladoP"))
        ),
        retenciones_p=tuple(
            RetencionP(r, _t(r, "ImpuestoP"), _d(r, "ImporteP")) for r in _children(impuestos, _p("RetencionesP"), _p("RetencionP"))
        ),
    )


_TOTALES = (
    "TotalRetencionesIVA",
    "TotalRetencionesISR",
    "TotalRetencionesIEPS",
    "TotalTrasladosBaseIVA16",
    "TotalTrasladosImpuestoIVA16",
    "TotalTrasladosBaseIVA8",
    "TotalTrasladosImpuestoIVA8",
    "TotalTrasladosBaseIVA0",
    "TotalTrasladosImpuestoIVA0",
    "TotalTrasladosBaseIVAExento",
    "MontoTotalPagos",
)


def _pagos(el: etree._Element) -> Pagos:
    totales = _first(el, _p("Totales"))
    return Pagos(
        el=el,
        version=_t(el, "Version"),
        totales=None if totales is None else Totales(totales, *(_d(totales, name) for name in _TOTALES)),
        pagos=tuple(_pago(p) for p in el.iterchildren(_p("Pago"))),
    )

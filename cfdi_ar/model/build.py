"""lxml tree → model. Pure: no IO, no validation verdicts, never raises on odd input.

Elements are found by namespace URI (never by prefix). Anything malformed
simply yields ``None`` fields; the XSD and rule checks report it.

Each model class is read by a small function compiled once from a table of
(field, attribute, kind) below: the table is the mapping, and the compiled
reader does per attribute only what that kind needs (one ``el.get``, then a
whitespace collapse, a memoised ``Decimal``, an ``int`` or a date), setting the
frozen dataclass's slots directly. This runs for every attribute of every
document, so it is written for speed; its results equal the dataclass's own
constructor (tests/test_model.py compares them).
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any, Callable, TypeVar

from lxml import etree

from ..namespaces import CFDI40, IMPLOCAL, PAGOS20, TFD, namespace_of, q
from ..sat import cadena as sat
from ..twins import builder_twin
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

# Attribute kinds: how the text of an attribute becomes the field's value.
TEXT = "text"  # whitespace-collapsed text (values.text)
DEC = "dec"  # Decimal or None (values.decimal, memoised)
RAW = "raw"  # the text exactly as written (Sello, Certificado...)
INT = "int"  # values.integer
DATE = "date"  # values.fecha
UPPER = "upper"  # collapsed text, upper-cased ("" when absent): UUIDs


def _reader(cls: type[T], attrs: tuple[tuple[str, str, str], ...], rest: tuple[str, ...] = (),
            cadena: tuple[tuple[str, bool], ...] | None = None) -> Callable[..., T]:
    """Compile ``read(el, *rest) -> cls``: ``el`` and the fields in ``attrs`` read from the
    element's attributes, the fields named in ``rest`` passed in, every other field its default.

    With ``cadena`` (SAT's fields of the element, in the stylesheet's order: ``sat.cadena.FIELDS_*``)
    the reader also keeps the element's cadena-original fragment in ``cad``, from the values *as
    written* (``|value`` per field; ``|`` for an absent required one, nothing for an absent optional
    one), followed by the ``cad_tail`` argument when ``rest`` names it (the fragments of the
    element's children, built by the caller). Every cadena field must be one the reader reads.

    Speed: the object is filled as an instance of a *builder twin* (a plain class with the same
    ``__slots__``, so each field is one plain attribute store instead of a call to the frozen
    class's slot setter, ~10x dearer) and then becomes the frozen class by ``__class__``
    assignment, which CPython allows between classes of identical layout. Attribute names are
    passed to lxml as ASCII bytes, which it takes without encoding them again on every call.
    """
    names = {f.name for f in fields(cls)}
    given = {"el", *(f for f, _, _ in attrs), *rest} - {"cad_tail"}
    if cadena is not None:
        given.add("cad")
    if given - names:
        raise TypeError(f"{cls.__name__} has no field(s) {sorted(given - names)}")
    twin = builder_twin(cls)
    env: dict[str, Any] = {
        "_new": object.__new__, "_cls": cls, "_twin": twin, "_collapse": collapse, "_dcache": v._DECIMALS,
        "_decimal": v.decimal, "_integer": v.integer, "_fecha": v.fecha, "_MISSING": _MISSING,
    }
    body = ["    get = el.get", "    o = _new(_twin)", "    o.el = el"]
    raw_of: dict[str, str] = {}  # XML attribute -> the local holding its text as written
    for i, (name, attribute, kind) in enumerate(attrs):
        setter = f"o.{name}"
        raw = raw_of[attribute] = f"r{i}"
        key = attribute.encode("ascii") if attribute.isascii() else attribute  # lxml takes bytes keys only in ASCII ("Año")
        body.append(f"    {raw} = get({key!r})")
        if kind == RAW:
            body.append(f"    {setter} = {raw}")
        elif kind == TEXT:
            # collapse() only where it could change something: a space, or a tab/CR/LF (not printable)
            body.append(f"    x = {raw} if {raw} is None or not (' ' in {raw} or not {raw}.isprintable()) else _collapse({raw})")
            body.append(f"    {setter} = x")
        elif kind == UPPER:
            body.append(f"    {setter} = '' if {raw} is None else _collapse({raw}).upper()")
        elif kind == DEC:
            body.append(f"    if {raw} is None:")
            body.append("        x = None")
            body.append("    else:")
            body.append(f"        x = _dcache.get({raw}, _MISSING)")
            body.append("        if x is _MISSING:")
            body.append(f"            x = _decimal({raw})")
            body.append(f"    {setter} = x")
        elif kind == INT:
            body.append(f"    {setter} = _integer({raw})")
        elif kind == DATE:
            body.append(f"    {setter} = _fecha({raw})")
        else:
            raise ValueError(f"unknown attribute kind {kind!r}")
    if cadena is not None:
        parts = []
        for attribute, required in cadena:
            if attribute not in raw_of:
                raise TypeError(f"{cls.__name__}: cadena field {attribute} is not read")
            raw = raw_of[attribute]
            parts.append(f"('|' if {raw} is None else '|' + {raw})" if required else f"('' if {raw} is None else '|' + {raw})")
        if "cad_tail" in rest:
            parts.append("cad_tail")
        body.append(f"    o.cad = ''.join(({', '.join(parts)},))")
    for name in rest:
        if name != "cad_tail":
            body.append(f"    o.{name} = {name}")
    for f in fields(cls):
        if f.name in given:
            continue
        if f.default is not MISSING:
            env[f"_d_{f.name}"] = f.default
            body.append(f"    o.{f.name} = _d_{f.name}")
        elif f.default_factory is not MISSING:
            env[f"_f_{f.name}"] = f.default_factory
            body.append(f"    o.{f.name} = _f_{f.name}()")
        else:
            raise TypeError(f"{cls.__name__}.{f.name} has no default and is not read")
    body.append("    o.__class__ = _cls")
    src = f"def read({', '.join(('el',) + rest)}):\n" + "\n".join(body) + "\n    return o\n"
    exec(src, env)  # noqa: S102 - source built above from the class's own field names and fixed tables
    read = env["read"]
    read.spec = (cls, attrs, rest, cadena)  # for tests: what this reader was compiled from
    return read  # type: ignore[no-any-return]


_MISSING = object()
_NONE: list[etree._Element] = []

# Clark tags, computed once.
_C = {name: q(CFDI40, name) for name in (
    "InformacionGlobal", "CfdiRelacionados", "CfdiRelacionado", "Emisor", "Receptor", "Conceptos", "Concepto", "Impuestos",
    "Traslados", "Traslado", "Retenciones", "Retencion", "ACuentaTerceros", "InformacionAduanera", "CuentaPredial", "Parte",
    "Complemento", "Addenda")}
_P = {name: q(PAGOS20, name) for name in (
    "Pagos", "Totales", "Pago", "DoctoRelacionado", "ImpuestosDR", "TrasladosDR", "TrasladoDR", "RetencionesDR", "RetencionDR",
    "ImpuestosP", "TrasladosP", "TrasladoP", "RetencionesP", "RetencionP")}
_PAGOS = _P["Pagos"]
_TFD = q(TFD, "TimbreFiscalDigital")
_IMPLOCAL = q(IMPLOCAL, "ImpuestosLocales")


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


def _one(kids: dict[object, list[etree._Element]], tag: str) -> etree._Element | None:
    found = kids.get(tag)
    return found[0] if found else None


def _taxes(holder: etree._Element, traslados: str, traslado: str, retenciones: str, retencion: str
           ) -> tuple[list[etree._Element], list[etree._Element]]:
    """The ``traslados/traslado`` and ``retenciones/retencion`` grandchildren of a taxes element (a
    concept's cfdi:Impuestos, a docto's ImpuestosDR...), every holder in document order, in one pass over
    its children. (A comprehension: iterchildren(tag) costs more, parsing its tag argument each call.)"""
    found_t: list[etree._Element] = []
    found_r: list[etree._Element] = []
    for child in holder:
        tag = child.tag
        if tag == traslados:
            found_t += [el for el in child if el.tag == traslado]
        elif tag == retenciones:
            found_r += [el for el in child if el.tag == retencion]
    return found_t, found_r


_LOCAL_NAMES: dict[str, str] = {}


def _local_name(tag: str) -> str:
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2]
        if len(_LOCAL_NAMES) < 10_000:
            _LOCAL_NAMES[tag] = name
    return name


# --------------------------------------------------------------------------- CFDI 4.0

_read_informacion_global = _reader(InformacionGlobal, (("periodicidad", "Periodicidad", TEXT), ("meses", "Meses", TEXT), ("anio", "Año", INT)),
                                   cadena=sat.FIELDS_INFO_GLOBAL)
_read_cfdi_relacionados = _reader(CfdiRelacionados, (("tipo_relacion", "TipoRelacion", TEXT),), ("uuids", "cad_tail"),
                                  cadena=sat.FIELDS_TIPO_RELACION)
_read_emisor = _reader(Emisor, (
    ("rfc", "Rfc", TEXT), ("nombre", "Nombre", TEXT), ("regimen_fiscal", "RegimenFiscal", TEXT),
    ("fac_atr_adquirente", "FacAtrAdquirente", TEXT)), cadena=sat.FIELDS_EMISOR)
_read_receptor = _reader(Receptor, (
    ("rfc", "Rfc", TEXT), ("nombre", "Nombre", TEXT), ("domicilio_fiscal_receptor", "DomicilioFiscalReceptor", TEXT),
    ("residencia_fiscal", "ResidenciaFiscal", TEXT), ("num_reg_id_trib", "NumRegIdTrib", TEXT),
    ("regimen_fiscal_receptor", "RegimenFiscalReceptor", TEXT), ("uso_cfdi", "UsoCFDI", TEXT)), cadena=sat.FIELDS_RECEPTOR)
# A concept's Traslado and Retencion share a class, so the Traslado's fields (TasaOCuota and Importe
# optional) make the fragment: equal to the Retencion's wherever SAT's schema holds (both required there),
# the only documents whose cadena is assembled from the model.
_read_impuesto_concepto = _reader(ImpuestoConcepto, (
    ("base", "Base", DEC), ("impuesto", "Impuesto", TEXT), ("tipo_factor", "TipoFactor", TEXT),
    ("tasa_o_cuota", "TasaOCuota", DEC), ("importe", "Importe", DEC)), cadena=sat.FIELDS_TRASLADO_C)
_read_terceros = _reader(ACuentaTerceros, (
    ("rfc", "RfcACuentaTerceros", TEXT), ("nombre", "NombreACuentaTerceros", TEXT),
    ("regimen_fiscal", "RegimenFiscalACuentaTerceros", TEXT), ("domicilio_fiscal", "DomicilioFiscalACuentaTerceros", TEXT)),
    cadena=sat.FIELDS_TERCEROS)
_read_parte = _reader(Parte, (
    ("clave_prod_serv", "ClaveProdServ", TEXT), ("no_identificacion", "NoIdentificacion", TEXT), ("cantidad", "Cantidad", DEC),
    ("unidad", "Unidad", TEXT), ("descripcion", "Descripcion", TEXT), ("valor_unitario", "ValorUnitario", DEC),
    ("importe", "Importe", DEC)), ("informacion_aduanera", "cad_tail"), cadena=sat.FIELDS_PARTE)
_read_concepto = _reader(Concepto, (
    ("clave_prod_serv", "ClaveProdServ", TEXT), ("no_identificacion", "NoIdentificacion", TEXT), ("cantidad", "Cantidad", DEC),
    ("clave_unidad", "ClaveUnidad", TEXT), ("unidad", "Unidad", TEXT), ("descripcion", "Descripcion", TEXT),
    ("valor_unitario", "ValorUnitario", DEC), ("importe", "Importe", DEC), ("descuento", "Descuento", DEC),
    ("objeto_imp", "ObjetoImp", TEXT)),
    ("has_impuestos", "traslados", "retenciones", "a_cuenta_terceros", "informacion_aduanera", "cuenta_predial", "partes",
     "child_tags", "cad_tail"), cadena=sat.FIELDS_CONCEPTO)
_read_retencion_global = _reader(RetencionGlobal, (("impuesto", "Impuesto", TEXT), ("importe", "Importe", DEC)),
                                 cadena=sat.FIELDS_RETENCION_G)
_read_traslado_global = _reader(TrasladoGlobal, (
    ("base", "Base", DEC), ("impuesto", "Impuesto", TEXT), ("tipo_factor", "TipoFactor", TEXT),
    ("tasa_o_cuota", "TasaOCuota", DEC), ("importe", "Importe", DEC)), cadena=sat.FIELDS_TRASLADO_G)
_read_impuestos = _reader(Impuestos, (
    ("total_impuestos_retenidos", "TotalImpuestosRetenidos", DEC),
    ("total_impuestos_trasladados", "TotalImpuestosTrasladados", DEC)), ("retenciones", "traslados", "cad"))
_read_impuestos_locales = _reader(ImpuestosLocales, (
    ("total_de_retenciones", "TotaldeRetenciones", DEC), ("total_de_traslados", "TotaldeTraslados", DEC)))
_read_timbre = _reader(Timbre, (
    ("version", "Version", TEXT), ("uuid", "UUID", TEXT), ("fecha_timbrado", "FechaTimbrado", DATE),
    ("rfc_prov_certif", "RfcProvCertif", TEXT), ("leyenda", "Leyenda", TEXT), ("sello_cfd", "SelloCFD", RAW),
    ("no_certificado_sat", "NoCertificadoSAT", TEXT), ("sello_sat", "SelloSAT", RAW)), cadena=sat.FIELDS_TFD)
_read_comprobante = _reader(Comprobante, (
    ("version", "Version", TEXT), ("serie", "Serie", TEXT), ("folio", "Folio", TEXT), ("fecha", "Fecha", DATE),
    ("sello", "Sello", RAW), ("forma_pago", "FormaPago", TEXT), ("no_certificado", "NoCertificado", TEXT),
    ("certificado", "Certificado", RAW), ("condiciones_de_pago", "CondicionesDePago", TEXT), ("subtotal", "SubTotal", DEC),
    ("descuento", "Descuento", DEC), ("moneda", "Moneda", TEXT), ("tipo_cambio", "TipoCambio", DEC), ("total", "Total", DEC),
    ("tipo_de_comprobante", "TipoDeComprobante", TEXT), ("exportacion", "Exportacion", TEXT),
    ("metodo_pago", "MetodoPago", TEXT), ("lugar_expedicion", "LugarExpedicion", TEXT), ("confirmacion", "Confirmacion", TEXT)),
    ("emisor", "receptor", "timbres", "complementos", "has_addenda", "body"), cadena=sat.FIELDS_COMPROBANTE)


def build_comprobante(root: etree._Element) -> Comprobante:
    """Build the model of a ``cfdi:Comprobante`` (CFDI 4.0 namespace) element.

    The header is read now; the body parts are read the first time a caller asks for them.
    """
    kids = _kids(root)
    complemento_children = [ch for comp in kids.get(_C["Complemento"], _NONE) for ch in comp if isinstance(ch.tag, str)]
    emisor = _one(kids, _C["Emisor"])
    receptor = _one(kids, _C["Receptor"])
    return _read_comprobante(
        root,
        None if emisor is None else _read_emisor(emisor),
        None if receptor is None else _read_receptor(receptor),
        tuple(_read_timbre(ch) for ch in complemento_children if ch.tag == _TFD),
        tuple(namespace_of(ch.tag) for ch in complemento_children),
        _C["Addenda"] in kids,
        Body(_BodyParts(kids, complemento_children)),
    )


class _BodyParts:
    """The builders of a document's body parts, over the root's children read once."""

    __slots__ = ("kids", "complements")

    def __init__(self, kids: dict[object, list[etree._Element]], complements: list[etree._Element]) -> None:
        self.kids = kids
        self.complements = complements

    def _complement(self, tag: str) -> etree._Element | None:
        return next((ch for ch in self.complements if ch.tag == tag), None)

    def informacion_global(self) -> InformacionGlobal | None:
        info = _one(self.kids, _C["InformacionGlobal"])
        return None if info is None else _read_informacion_global(info)

    def cfdi_relacionados(self) -> tuple[CfdiRelacionados, ...]:
        return tuple(map(_cfdi_relacionados, self.kids.get(_C["CfdiRelacionados"], _NONE)))

    def conceptos(self) -> tuple[Concepto, ...]:
        tag = _C["Concepto"]
        return tuple(_concepto(c) for holder in self.kids.get(_C["Conceptos"], _NONE) for c in holder if c.tag == tag)

    def impuestos(self) -> Impuestos | None:
        return _impuestos(_one(self.kids, _C["Impuestos"]))

    def pagos(self) -> Pagos | None:
        el = self._complement(_PAGOS)
        return None if el is None else _pagos(el)

    def impuestos_locales(self) -> ImpuestosLocales | None:
        el = self._complement(_IMPLOCAL)
        return None if el is None else _read_impuestos_locales(el)


def _cfdi_relacionados(el: etree._Element) -> CfdiRelacionados:
    tag = _C["CfdiRelacionado"]
    written = [r.get("UUID") for r in el if r.tag == tag]
    return _read_cfdi_relacionados(
        el, tuple(collapse(u or "").upper() for u in written), "".join(["|" if u is None else "|" + u for u in written]))


_T_IMPUESTOS, _T_TERCEROS, _T_ADUANA, _T_PREDIAL, _T_PARTE = (
    _C["Impuestos"], _C["ACuentaTerceros"], _C["InformacionAduanera"], _C["CuentaPredial"], _C["Parte"])
_T_TRASLADOS, _T_TRASLADO, _T_RETENCIONES, _T_RETENCION = _C["Traslados"], _C["Traslado"], _C["Retenciones"], _C["Retencion"]


def _concepto(el: etree._Element) -> Concepto:
    # Written for speed (it runs for every concept): one pass over the concept's children reads each
    # child's tag once (lxml builds a new string at every .tag) and sorts them; nothing is built for
    # the parts a concept does not have.
    impuestos = terceros = None
    aduana: list[etree._Element] | None = None
    predial: list[etree._Element] | None = None
    partes: list[etree._Element] | None = None
    names = []
    for child in el:
        tag = child.tag
        if tag.__class__ is not str:  # a comment or processing instruction
            continue
        names.append(_local_name(tag))
        if tag == _T_IMPUESTOS:
            if impuestos is None:
                impuestos = child
        elif tag == _T_TERCEROS:
            if terceros is None:
                terceros = child
        elif tag == _T_ADUANA:
            if aduana is None:
                aduana = []
            aduana.append(child)
        elif tag == _T_PREDIAL:
            if predial is None:
                predial = []
            predial.append(child)
        elif tag == _T_PARTE:
            if partes is None:
                partes = []
            partes.append(child)
    traslados = retenciones = ()
    if impuestos is not None:
        found_t, found_r = _taxes(impuestos, _T_TRASLADOS, _T_TRASLADO, _T_RETENCIONES, _T_RETENCION)
        if found_t:
            traslados = tuple(map(_read_impuesto_concepto, found_t))
        if found_r:
            retenciones = tuple(map(_read_impuesto_concepto, found_r))
    # The fragments of the concept's children, in SAT's order: taxes, ACuentaTerceros, InformacionAduanera,
    # CuentaPredial, Parte (cfdi_ar.model.cadena).
    tail = [t.cad for t in traslados]
    if retenciones:
        tail += [r.cad for r in retenciones]
    if terceros is not None:
        a_cuenta_terceros = _read_terceros(terceros)
        tail.append(a_cuenta_terceros.cad)
    else:
        a_cuenta_terceros = None
    if aduana:
        pedimentos = tuple([ia.get("NumeroPedimento") or "" for ia in aduana])
        tail += ["|" + p for p in pedimentos]
    else:
        pedimentos = ()
    if predial:
        numeros = [cp.get("Numero") or "" for cp in predial]
        tail += ["|" + n for n in numeros]
        cuentas = tuple([collapse(n) for n in numeros])
    else:
        cuentas = ()
    if partes:
        read_partes = tuple(map(_parte, partes))
        tail += [p.cad for p in read_partes]
    else:
        read_partes = ()
    return _read_concepto(
        el,
        impuestos is not None,
        traslados,
        retenciones,
        a_cuenta_terceros,
        pedimentos,
        cuentas,
        read_partes,
        tuple(names),
        "".join(tail),
    )


def _parte(el: etree._Element) -> Parte:
    tag = _C["InformacionAduanera"]
    pedimentos = tuple([ia.get("NumeroPedimento") or "" for ia in el if ia.tag == tag])
    return _read_parte(el, pedimentos, "".join(["|" + p for p in pedimentos]))


def _impuestos(el: etree._Element | None) -> Impuestos | None:
    if el is None:
        return None
    found_t, found_r = _taxes(el, _T_TRASLADOS, _T_TRASLADO, _T_RETENCIONES, _T_RETENCION)
    retenciones = tuple(map(_read_retencion_global, found_r))
    traslados = tuple(map(_read_traslado_global, found_t))
    # SAT's order interleaves the children and the element's own two totals.
    retenidos, trasladados = el.get("TotalImpuestosRetenidos"), el.get("TotalImpuestosTrasladados")
    cad = "".join(
        [r.cad for r in retenciones] + ([] if retenidos is None else ["|" + retenidos]) + [t.cad for t in traslados]
        + ([] if trasladados is None else ["|" + trasladados]))
    return _read_impuestos(el, retenciones, traslados, cad)


# --------------------------------------------------------------------------- Pagos 2.0

_read_impuesto_dr = _reader(ImpuestoDR, (
    ("base_dr", "BaseDR", DEC), ("impuesto_dr", "ImpuestoDR", TEXT), ("tipo_factor_dr", "TipoFactorDR", TEXT),
    ("tasa_o_cuota_dr", "TasaOCuotaDR", DEC), ("importe_dr", "ImporteDR", DEC)), cadena=sat.FIELDS_TRASLADO_DR)  # as for concepts
_read_docto = _reader(DoctoRelacionado, (
    ("id_documento", "IdDocumento", TEXT), ("serie", "Serie", TEXT), ("folio", "Folio", TEXT), ("moneda_dr", "MonedaDR", TEXT),
    ("equivalencia_dr", "EquivalenciaDR", DEC), ("num_parcialidad", "NumParcialidad", INT),
    ("imp_saldo_ant", "ImpSaldoAnt", DEC), ("imp_pagado", "ImpPagado", DEC), ("imp_saldo_insoluto", "ImpSaldoInsoluto", DEC),
    ("objeto_imp_dr", "ObjetoImpDR", TEXT)),
    ("has_impuestos_dr", "traslados_dr", "retenciones_dr", "cad_tail"), cadena=sat.FIELDS_DOCTO)
_read_traslado_p = _reader(TrasladoP, (
    ("base_p", "BaseP", DEC), ("impuesto_p", "ImpuestoP", TEXT), ("tipo_factor_p", "TipoFactorP", TEXT),
    ("tasa_o_cuota_p", "TasaOCuotaP", DEC), ("importe_p", "ImporteP", DEC)), cadena=sat.FIELDS_TRASLADO_P)
_read_retencion_p = _reader(RetencionP, (("impuesto_p", "ImpuestoP", TEXT), ("importe_p", "ImporteP", DEC)), cadena=sat.FIELDS_RETENCION_P)
_read_pago = _reader(Pago, (
    ("fecha_pago", "FechaPago", DATE), ("forma_de_pago_p", "FormaDePagoP", TEXT), ("moneda_p", "MonedaP", TEXT),
    ("tipo_cambio_p", "TipoCambioP", DEC), ("monto", "Monto", DEC), ("num_operacion", "NumOperacion", TEXT),
    ("rfc_emisor_cta_ord", "RfcEmisorCtaOrd", TEXT), ("nom_banco_ord_ext", "NomBancoOrdExt", TEXT),
    ("cta_ordenante", "CtaOrdenante", TEXT), ("rfc_emisor_cta_ben", "RfcEmisorCtaBen", TEXT),
    ("cta_beneficiario", "CtaBeneficiario", TEXT), ("tipo_cad_pago", "TipoCadPago", TEXT), ("cert_pago", "CertPago", RAW),
    ("cad_pago", "CadPago", RAW), ("sello_pago", "SelloPago", RAW)),
    ("doctos", "has_impuestos_p", "traslados_p", "retenciones_p", "cad_tail"), cadena=sat.FIELDS_PAGO)
_read_totales = _reader(Totales, tuple((field, attribute, DEC) for field, attribute in (
    ("total_retenciones_iva", "TotalRetencionesIVA"), ("total_retenciones_isr", "TotalRetencionesISR"),
    ("total_retenciones_ieps", "TotalRetencionesIEPS"), ("total_traslados_base_iva16", "TotalTrasladosBaseIVA16"),
    ("total_traslados_impuesto_iva16", "TotalTrasladosImpuestoIVA16"), ("total_traslados_base_iva8", "TotalTrasladosBaseIVA8"),
    ("total_traslados_impuesto_iva8", "TotalTrasladosImpuestoIVA8"), ("total_traslados_base_iva0", "TotalTrasladosBaseIVA0"),
    ("total_traslados_impuesto_iva0", "TotalTrasladosImpuestoIVA0"),
    ("total_traslados_base_iva_exento", "TotalTrasladosBaseIVAExento"), ("monto_total_pagos", "MontoTotalPagos"))),
    cadena=sat.FIELDS_TOTALES)
_read_pagos = _reader(Pagos, (("version", "Version", TEXT),), ("totales", "pagos", "cad_tail"), cadena=sat.FIELDS_PAGOS)


def _docto(el: etree._Element) -> DoctoRelacionado:
    impuestos = next((child for child in el if child.tag == _P_IMPUESTOS_DR), None)
    if impuestos is None:
        return _read_docto(el, False, (), (), "")
    found_t, found_r = _taxes(impuestos, _P_TRASLADOS_DR, _P_TRASLADO_DR, _P_RETENCIONES_DR, _P_RETENCION_DR)
    traslados = tuple(map(_read_impuesto_dr, found_t))
    retenciones = tuple(map(_read_impuesto_dr, found_r))
    tail = "".join([r.cad for r in retenciones] + [t.cad for t in traslados])  # SAT: retenciones first
    return _read_docto(el, True, traslados, retenciones, tail)


_P_IMPUESTOS_DR, _P_TRASLADOS_DR, _P_TRASLADO_DR, _P_RETENCIONES_DR, _P_RETENCION_DR = (
    _P["ImpuestosDR"], _P["TrasladosDR"], _P["TrasladoDR"], _P["RetencionesDR"], _P["RetencionDR"])


def _pago(el: etree._Element) -> Pago:
    doctos_found = []
    impuestos = None
    for child in el:
        tag = child.tag
        if tag == _P_DOCTO:
            doctos_found.append(child)
        elif tag == _P_IMPUESTOS_P and impuestos is None:
            impuestos = child
    doctos = tuple(map(_docto, doctos_found))
    if impuestos is None:
        return _read_pago(el, doctos, False, (), (), "".join([d.cad for d in doctos]))
    found_t, found_r = _taxes(impuestos, _P["TrasladosP"], _P["TrasladoP"], _P["RetencionesP"], _P["RetencionP"])
    traslados = tuple(map(_read_traslado_p, found_t))
    retenciones = tuple(map(_read_retencion_p, found_r))
    tail = "".join([d.cad for d in doctos] + [r.cad for r in retenciones] + [t.cad for t in traslados])
    return _read_pago(el, doctos, True, traslados, retenciones, tail)


_P_DOCTO, _P_IMPUESTOS_P = _P["DoctoRelacionado"], _P["ImpuestosP"]


def _pagos(el: etree._Element) -> Pagos:
    kids = _kids(el)
    totales_el = _one(kids, _P["Totales"])
    totales = None if totales_el is None else _read_totales(totales_el)
    pagos = tuple(map(_pago, kids.get(_P["Pago"], _NONE)))
    tail = "".join(([] if totales is None else [totales.cad]) + [p.cad for p in pagos])
    return _read_pagos(el, totales, pagos, tail)

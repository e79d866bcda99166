"""An immutable, typed view of a CFDI 4.0 document.

Field names are SAT's attribute names in snake_case; each class names the
XML element it views. Every object keeps the lxml element it was read from
(``el``, excluded from comparison and repr) so a rule can point at the exact
node (:func:`cfdi_ar.namespaces.xpath_of`) and read the raw text when the way
a value was written matters. ``None`` means absent or unparseable; the XSD
checks say which.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from .pagos import Pagos

__all__ = [
    "Body",
    "Comprobante",
    "InformacionGlobal",
    "CfdiRelacionados",
    "Emisor",
    "Receptor",
    "Concepto",
    "ImpuestoConcepto",
    "ACuentaTerceros",
    "Parte",
    "Impuestos",
    "RetencionGlobal",
    "TrasladoGlobal",
    "ImpuestosLocales",
    "Timbre",
]

_EL = dict(compare=False, repr=False)
# The element's fragment of the cadena original as written (see cfdi_ar.model.cadena); derived, so never compared.
_CAD: dict[str, Any] = dict(default="", compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class InformacionGlobal:
    """cfdi:InformacionGlobal"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    periodicidad: str | None = None
    meses: str | None = None
    anio: int | None = None  # @Año


@dataclass(frozen=True, slots=True)
class CfdiRelacionados:
    """cfdi:CfdiRelacionados (one per TipoRelacion)"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    tipo_relacion: str | None = None
    uuids: tuple[str, ...] = ()  # cfdi:CfdiRelacionado/@UUID, upper-cased


@dataclass(frozen=True, slots=True)
class Emisor:
    """cfdi:Emisor"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    rfc: str | None = None
    nombre: str | None = None
    regimen_fiscal: str | None = None
    fac_atr_adquirente: str | None = None


@dataclass(frozen=True, slots=True)
class Receptor:
    """cfdi:Receptor"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    rfc: str | None = None
    nombre: str | None = None
    domicilio_fiscal_receptor: str | None = None
    residencia_fiscal: str | None = None
    num_reg_id_trib: str | None = None
    regimen_fiscal_receptor: str | None = None
    uso_cfdi: str | None = None


@dataclass(frozen=True, slots=True)
class ImpuestoConcepto:
    """cfdi:Concepto/cfdi:Impuestos/cfdi:Traslados/cfdi:Traslado or …/cfdi:Retenciones/cfdi:Retencion"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    base: Decimal | None = None
    impuesto: str | None = None
    tipo_factor: str | None = None
    tasa_o_cuota: Decimal | None = None
    importe: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ACuentaTerceros:
    """cfdi:Concepto/cfdi:ACuentaTerceros"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    rfc: str | None = None
    nombre: str | None = None
    regimen_fiscal: str | None = None
    domicilio_fiscal: str | None = None


@dataclass(frozen=True, slots=True)
class Parte:
    """cfdi:Concepto/cfdi:Parte"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    clave_prod_serv: str | None = None
    no_identificacion: str | None = None
    cantidad: Decimal | None = None
    unidad: str | None = None
    descripcion: str | None = None
    valor_unitario: Decimal | None = None
    importe: Decimal | None = None
    informacion_aduanera: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Concepto:
    """cfdi:Conceptos/cfdi:Concepto"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    clave_prod_serv: str | None = None
    no_identificacion: str | None = None
    cantidad: Decimal | None = None
    clave_unidad: str | None = None
    unidad: str | None = None
    descripcion: str | None = None
    valor_unitario: Decimal | None = None
    importe: Decimal | None = None
    descuento: Decimal | None = None
    objeto_imp: str | None = None
    has_impuestos: bool = False  # a cfdi:Impuestos child exists (even if empty)
    traslados: tuple[ImpuestoConcepto, ...] = ()
    retenciones: tuple[ImpuestoConcepto, ...] = ()
    a_cuenta_terceros: ACuentaTerceros | None = None
    informacion_aduanera: tuple[str, ...] = ()
    cuenta_predial: tuple[str, ...] = ()
    partes: tuple[Parte, ...] = ()
    child_tags: tuple[str, ...] = ()  # local names of the child elements, in order


@dataclass(frozen=True, slots=True)
class RetencionGlobal:
    """cfdi:Comprobante/cfdi:Impuestos/cfdi:Retenciones/cfdi:Retencion"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    impuesto: str | None = None
    importe: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TrasladoGlobal:
    """cfdi:Comprobante/cfdi:Impuestos/cfdi:Traslados/cfdi:Traslado"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    base: Decimal | None = None
    impuesto: str | None = None
    tipo_factor: str | None = None
    tasa_o_cuota: Decimal | None = None
    importe: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Impuestos:
    """cfdi:Comprobante/cfdi:Impuestos"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    total_impuestos_retenidos: Decimal | None = None
    total_impuestos_trasladados: Decimal | None = None
    retenciones: tuple[RetencionGlobal, ...] = ()
    traslados: tuple[TrasladoGlobal, ...] = ()


@dataclass(frozen=True, slots=True)
class ImpuestosLocales:
    """implocal:ImpuestosLocales (local taxes enter the Total, CFDI40119)"""

    el: etree._Element = field(**_EL)
    total_de_retenciones: Decimal | None = None
    total_de_traslados: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Timbre:
    """tfd:TimbreFiscalDigital (version 1.1)"""

    el: etree._Element = field(**_EL)
    version: str | None = None
    uuid: str | None = None  # as written; Comprobante.uuid is the canonical upper-case key
    fecha_timbrado: datetime | None = None
    rfc_prov_certif: str | None = None
    leyenda: str | None = None
    sello_cfd: str | None = None
    no_certificado_sat: str | None = None
    sello_sat: str | None = None
    cad: str = field(**_CAD)  # the stamp's cadena original without its "||" ends, as written


_BODY_PARTS = ("informacion_global", "cfdi_relacionados", "conceptos", "impuestos", "pagos", "impuestos_locales")
_BODY_DEFAULTS: dict[str, Any] = {"cfdi_relacionados": (), "conceptos": ()}  # the others default to None


class Body:
    """Builds each part of a document's body (concepts, taxes, payments...) the first time it is read.

    Most checks read only the header; the parts are built once, on demand, and never change after.
    ``source`` has one method per part, named after it, that builds it; each result is kept in a
    slot, so every later read is a plain attribute read. Without a source every part is empty.
    """

    __slots__ = ("_source",) + _BODY_PARTS

    def __init__(self, source: Any = None) -> None:
        self._source = source

    def __getattr__(self, name: str) -> Any:  # called only while the part's slot is unset
        if name not in _BODY_PARTS:
            raise AttributeError(name)
        source = self._source
        value = _BODY_DEFAULTS.get(name) if source is None else getattr(source, name)()
        object.__setattr__(self, name, value)
        return value

    def get(self, name: str) -> Any:
        return getattr(self, name)


@dataclass(frozen=True, slots=True, eq=False)
class Comprobante:
    """cfdi:Comprobante, version 4.0.

    The header (attributes, Emisor, Receptor, stamps) is read eagerly; the body parts
    (``informacion_global``, ``cfdi_relacionados``, ``conceptos``, ``impuestos``, ``pagos``,
    ``impuestos_locales``) are built the first time they are read. Either way the view is
    immutable, and two views are equal when every field and part is.
    """

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    version: str | None = None
    serie: str | None = None
    folio: str | None = None
    fecha: datetime | None = None
    sello: str | None = None
    forma_pago: str | None = None
    no_certificado: str | None = None
    certificado: str | None = None
    condiciones_de_pago: str | None = None
    subtotal: Decimal | None = None
    descuento: Decimal | None = None
    moneda: str | None = None
    tipo_cambio: Decimal | None = None
    total: Decimal | None = None
    tipo_de_comprobante: str | None = None
    exportacion: str | None = None
    metodo_pago: str | None = None
    lugar_expedicion: str | None = None
    confirmacion: str | None = None
    emisor: Emisor | None = None
    receptor: Receptor | None = None
    timbres: tuple[Timbre, ...] = ()
    complementos: tuple[str, ...] = ()  # namespaces of the cfdi:Complemento children, in order
    has_addenda: bool = False
    body: Body = field(default_factory=Body, repr=False, compare=False)

    @property
    def informacion_global(self) -> InformacionGlobal | None:
        return self.body.informacion_global  # type: ignore[no-any-return]

    @property
    def cfdi_relacionados(self) -> tuple[CfdiRelacionados, ...]:
        return self.body.cfdi_relacionados  # type: ignore[no-any-return]

    @property
    def conceptos(self) -> tuple[Concepto, ...]:
        return self.body.conceptos  # type: ignore[no-any-return]

    @property
    def impuestos(self) -> Impuestos | None:
        return self.body.impuestos  # type: ignore[no-any-return]

    @property
    def pagos(self) -> Pagos | None:
        return self.body.pagos  # type: ignore[no-any-return]

    @property
    def impuestos_locales(self) -> ImpuestosLocales | None:
        return self.body.impuestos_locales  # type: ignore[no-any-return]

    def _key(self) -> tuple[Any, ...]:
        header = tuple(getattr(self, f.name) for f in fields(self) if f.compare)
        return header + tuple(getattr(self, name) for name in _BODY_PARTS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def timbre(self) -> Timbre | None:
        return self.timbres[0] if self.timbres else None

    @property
    def uuid(self) -> str | None:
        """The stamp's UUID, upper-cased (the canonical key), or None when unstamped."""
        t = self.timbre
        return t.uuid.upper() if t is not None and t.uuid else None

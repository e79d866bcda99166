"""The Pagos 2.0 complement (the REP) as immutable, typed objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from lxml import etree

__all__ = ["Pagos", "Totales", "Pago", "DoctoRelacionado", "ImpuestoDR", "TrasladoP", "RetencionP"]

_EL = dict(compare=False, repr=False)
# The element's fragment of the cadena original as written (see cfdi_ar.model.cadena); derived, so never compared.
_CAD: dict[str, Any] = dict(default="", compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ImpuestoDR:
    """pago20:TrasladoDR or pago20:RetencionDR"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    base_dr: Decimal | None = None
    impuesto_dr: str | None = None
    tipo_factor_dr: str | None = None
    tasa_o_cuota_dr: Decimal | None = None
    importe_dr: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DoctoRelacionado:
    """pago20:DoctoRelacionado: one invoice paid (wholly or in part) by a Pago."""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    id_documento: str | None = None
    serie: str | None = None
    folio: str | None = None
    moneda_dr: str | None = None
    equivalencia_dr: Decimal | None = None
    num_parcialidad: int | None = None
    imp_saldo_ant: Decimal | None = None
    imp_pagado: Decimal | None = None
    imp_saldo_insoluto: Decimal | None = None
    objeto_imp_dr: str | None = None
    has_impuestos_dr: bool = False
    traslados_dr: tuple[ImpuestoDR, ...] = ()
    retenciones_dr: tuple[ImpuestoDR, ...] = ()

    @property
    def uuid(self) -> str | None:
        """IdDocumento upper-cased when it is a UUID (it may also be a folio of a non-CFDI document)."""
        value = self.id_documento
        return value.upper() if value and len(value) == 36 else None


@dataclass(frozen=True, slots=True)
class TrasladoP:
    """pago20:ImpuestosP/pago20:TrasladosP/pago20:TrasladoP"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    base_p: Decimal | None = None
    impuesto_p: str | None = None
    tipo_factor_p: str | None = None
    tasa_o_cuota_p: Decimal | None = None
    importe_p: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RetencionP:
    """pago20:ImpuestosP/pago20:RetencionesP/pago20:RetencionP"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    impuesto_p: str | None = None
    importe_p: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Pago:
    """pago20:Pago: one receipt of money."""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    fecha_pago: datetime | None = None
    forma_de_pago_p: str | None = None
    moneda_p: str | None = None
    tipo_cambio_p: Decimal | None = None
    monto: Decimal | None = None
    num_operacion: str | None = None
    rfc_emisor_cta_ord: str | None = None
    nom_banco_ord_ext: str | None = None
    cta_ordenante: str | None = None
    rfc_emisor_cta_ben: str | None = None
    cta_beneficiario: str | None = None
    tipo_cad_pago: str | None = None
    cert_pago: str | None = None
    cad_pago: str | None = None
    sello_pago: str | None = None
    doctos: tuple[DoctoRelacionado, ...] = ()
    has_impuestos_p: bool = False
    traslados_p: tuple[TrasladoP, ...] = ()
    retenciones_p: tuple[RetencionP, ...] = ()


@dataclass(frozen=True, slots=True)
class Totales:
    """pago20:Totales (all amounts in MXN)"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    total_retenciones_iva: Decimal | None = None
    total_retenciones_isr: Decimal | None = None
    total_retenciones_ieps: Decimal | None = None
    total_traslados_base_iva16: Decimal | None = None
    total_traslados_impuesto_iva16: Decimal | None = None
    total_traslados_base_iva8: Decimal | None = None
    total_traslados_impuesto_iva8: Decimal | None = None
    total_traslados_base_iva0: Decimal | None = None
    total_traslados_impuesto_iva0: Decimal | None = None
    total_traslados_base_iva_exento: Decimal | None = None
    monto_total_pagos: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Pagos:
    """pago20:Pagos, version 2.0"""

    el: etree._Element = field(**_EL)
    cad: str = field(**_CAD)
    version: str | None = None
    totales: Totales | None = None
    pagos: tuple[Pago, ...] = ()

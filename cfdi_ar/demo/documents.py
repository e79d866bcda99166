"""Building CFDI 4.0 documents (I, E, P) from a few facts, with SAT's arithmetic.

For samples, tests and benchmarks. Amounts are :class:`~decimal.Decimal`,
rounded half-up to the currency's two decimals where SAT's guide rounds:
concept Importe = Cantidad × ValorUnitario; tax Importe = Base × TasaOCuota;
global taxes are sums per (Impuesto, TipoFactor, TasaOCuota); Total =
SubTotal − Descuento + traslados − retenciones. A payment receipt's taxes
are the invoice's, pro rata to the amount paid; Totales are in MXN.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from ..model import Comprobante
from ..namespaces import CFDI40, PAGOS20, XSI, q

__all__ = ["Party", "Line", "PaidDocument", "Payment", "invoice", "payment_receipt", "paid_document"]

CENT = Decimal("0.01")
IVA = "002"
CFDI_SCHEMA_LOCATION = "http://www.sat.gob.mx/cfd/4 http://www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd"
PAGOS_SCHEMA_LOCATION = "http://www.sat.gob.mx/Pagos20 http://www.sat.gob.mx/sitio_internet/cfd/Pagos/Pagos20.xsd"


def r2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def rnd(value: Decimal, places: int) -> Decimal:
    """Half up to ``places`` decimals (SAT's redondeo)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fmt(value: Decimal, places: int = 2) -> str:
    return f"{value:.{places}f}"


IEPS = "003"


@functools.lru_cache(maxsize=None)
def currency_places(moneda: str) -> int:
    """The currency's decimals in c_Moneda (the built-in catalog)."""
    from ..sat.catalogs import load_catalogs

    return load_catalogs().decimals(moneda) or 0


@dataclass(frozen=True)
class Party:
    rfc: str
    nombre: str
    regimen_fiscal: str
    codigo_postal: str
    uso_cfdi: str = "G03"


@dataclass(frozen=True)
class Line:
    """One concept. ``iva``: a rate (Decimal("0.16")), "exento", or None (not subject to tax, ObjetoImp 01)."""

    clave_prod_serv: str
    cantidad: Decimal
    clave_unidad: str
    descripcion: str
    valor_unitario: Decimal
    iva: Decimal | str | None = Decimal("0.16")
    descuento: Decimal = Decimal("0")
    unidad: str | None = None
    no_identificacion: str | None = None
    ieps: Decimal | None = None  # an IEPS Tasa transferred on the same base
    retenciones: tuple[tuple[str, Decimal], ...] = ()  # (Impuesto, Tasa) withheld on the line's base, e.g. ("001", 0.10)


def _c(local: str) -> str:
    return q(CFDI40, local)


def _sub(parent: etree._Element, local: str, ns: str = CFDI40, **attrs: str | None) -> etree._Element:
    el = etree.SubElement(parent, q(ns, local))
    for k, v in attrs.items():
        if v is not None:
            el.set(k, v)
    return el


def _root(**attrs: str | None) -> etree._Element:
    root = etree.Element(_c("Comprobante"), nsmap={"cfdi": CFDI40, "xsi": XSI})
    root.set(q(XSI, "schemaLocation"), CFDI_SCHEMA_LOCATION)
    for k, v in attrs.items():
        if v is not None:
            root.set(k, v)
    return root


def invoice(
    emisor: Party,
    receptor: Party,
    lines: list[Line],
    *,
    fecha: dt.datetime,
    serie: str | None = "F",
    folio: str | None = None,
    tipo: str = "I",
    moneda: str = "MXN",
    tipo_cambio: Decimal | None = None,
    forma_pago: str = "99",
    metodo_pago: str = "PPD",
    condiciones_de_pago: str | None = None,
    related: tuple[str, tuple[str, ...]] | None = None,
    places: int | None = None,
) -> etree._Element:
    """An unsealed income invoice (I) or credit note (E).

    ``places`` is the currency's decimals in c_Moneda (2 for MXN and USD, 0 for JPY, 3 for KWD):
    every amount SAT rounds to the currency is rounded to it.
    """
    places = currency_places(moneda) if places is None else places
    rq = (lambda v: rnd(v, places))
    fq = (lambda v: fmt(v, places))
    subtotal = Decimal("0")
    descuento = Decimal("0")
    groups: dict[tuple[str, str, str, str | None], list[Decimal]] = {}  # (kind, impuesto, factor, tasa) -> [base, importe]
    concept_rows = []
    for line in lines:
        importe = rq(line.cantidad * line.valor_unitario)
        subtotal += importe
        descuento += line.descuento
        base = importe - line.descuento
        taxes: list[tuple[str, str, str, str | None, Decimal, Decimal | None]] = []
        if isinstance(line.iva, Decimal):
            taxes.append(("T", IVA, "Tasa", f"{line.iva:.6f}", base, rq(base * line.iva)))
        elif line.iva == "exento":
            taxes.append(("T", IVA, "Exento", None, base, None))
        if line.ieps is not None:
            taxes.append(("T", IEPS, "Tasa", f"{line.ieps:.6f}", base, rq(base * line.ieps)))
        for impuesto, tasa in line.retenciones:
            taxes.append(("R", impuesto, "Tasa", f"{tasa:.6f}", base, rq(base * tasa)))
        for kind, impuesto, factor, tasa, tbase, timporte in taxes:
            acc = groups.setdefault((kind, impuesto, factor, tasa), [Decimal("0"), Decimal("0")])
            acc[0] += tbase
            acc[1] += timporte or Decimal("0")
        concept_rows.append((line, importe, taxes))
    traslados = sum((acc[1] for key, acc in groups.items() if key[0] == "T"), Decimal("0"))
    retenido: dict[str, Decimal] = {}
    for (kind, impuesto, _, _), acc in groups.items():
        if kind == "R":
            retenido[impuesto] = retenido.get(impuesto, Decimal("0")) + acc[1]
    retenciones = sum(retenido.values(), Decimal("0"))
    total = subtotal - descuento + traslados - retenciones
    root = _root(
        Version="4.0",
        Serie=serie,
        Folio=folio,
        Fecha=fecha.strftime("%Y-%m-%dT%H:%M:%S"),
        FormaPago=forma_pago,
        NoCertificado="",
        Certificado="",
        CondicionesDePago=condiciones_de_pago,
        SubTotal=fq(subtotal),
        Descuento=fq(descuento) if descuento else None,
        Moneda=moneda,
        TipoCambio=None if moneda == "MXN" else str(tipo_cambio),
        Total=fq(total),
        TipoDeComprobante=tipo,
        Exportacion="01",
        MetodoPago=metodo_pago,
        LugarExpedicion=emisor.codigo_postal,
        Sello="",
    )
    if moneda != "MXN" and tipo_cambio is None:
        raise ValueError(f"TipoCambio is required for an invoice in {moneda}")
    if related:
        rel = _sub(root, "CfdiRelacionados", TipoRelacion=related[0])
        for uuid in related[1]:
            _sub(rel, "CfdiRelacionado", UUID=uuid)
    _sub(root, "Emisor", Rfc=emisor.rfc, Nombre=emisor.nombre, RegimenFiscal=emisor.regimen_fiscal)
    _sub(
        root,
        "Receptor",
        Rfc=receptor.rfc,
        Nombre=receptor.nombre,
        DomicilioFiscalReceptor=receptor.codigo_postal,
        RegimenFiscalReceptor=receptor.regimen_fiscal,
        UsoCFDI=receptor.uso_cfdi,
    )
    conceptos = _sub(root, "Conceptos")
    for line, importe, taxes in concept_rows:
        concepto = _sub(
            conceptos,
            "Concepto",
            ClaveProdServ=line.clave_prod_serv,
            NoIdentificacion=line.no_identificacion,
            Cantidad=_qty(line.cantidad),
            ClaveUnidad=line.clave_unidad,
            Unidad=line.unidad,
            Descripcion=line.descripcion,
            ValorUnitario=_qty(line.valor_unitario) if places != 2 else fmt(line.valor_unitario),
            Importe=fq(importe),
            Descuento=fq(line.descuento) if line.descuento else None,
            ObjetoImp="02" if taxes else "01",
        )
        if taxes:
            impuestos_el = _sub(concepto, "Impuestos")
            for kind, wrapper, tag in (("T", "Traslados", "Traslado"), ("R", "Retenciones", "Retencion")):
                mine = [t for t in taxes if t[0] == kind]
                if not mine:
                    continue
                parent = _sub(impuestos_el, wrapper)
                for _, impuesto, factor, tasa, tbase, timporte in mine:
                    _sub(parent, tag, Base=fq(tbase), Impuesto=impuesto, TipoFactor=factor, TasaOCuota=tasa,
                         Importe=fq(timporte) if timporte is not None else None)
    if groups:
        impuestos = _sub(root, "Impuestos")
        if retenido:
            impuestos.set("TotalImpuestosRetenidos", fq(retenciones))
        if any(kind == "T" and factor != "Exento" for kind, _, factor, _ in groups):
            impuestos.set("TotalImpuestosTrasladados", fq(traslados))
        if retenido:
            ret = _sub(impuestos, "Retenciones")
            for impuesto, importe in retenido.items():
                _sub(ret, "Retencion", Impuesto=impuesto, Importe=fq(importe))
        if any(kind == "T" for kind, _, _, _ in groups):
            tr = _sub(impuestos, "Traslados")
            for (kind, impuesto, factor, tasa), (base, importe) in groups.items():
                if kind != "T":
                    continue
                _sub(
                    tr,
                    "Traslado",
                    Base=fq(base),
                    Impuesto=impuesto,
                    TipoFactor=factor,
                    TasaOCuota=tasa,
                    Importe=fq(importe) if factor != "Exento" else None,
                )
    return root


def _qty(value: Decimal) -> str:
    return str(value) if value == value.to_integral_value() else f"{value.normalize():f}"


# --------------------------------------------------------------------------- payment receipts (REP)


@dataclass(frozen=True)
class PaidDocument:
    """One invoice paid by a Pago, with what the REP must state about it."""

    uuid: str
    serie: str | None
    folio: str | None
    moneda: str
    total: Decimal
    num_parcialidad: int
    saldo_anterior: Decimal
    pagado: Decimal
    taxes: tuple[tuple[str, str | None, Decimal], ...]  # (TipoFactor, TasaOCuota or None, base) of the invoice
    equivalencia: Decimal | None = None  # None: same currency as the payment ("1")


def paid_document(invoice_model: Comprobante, *, pagado: Decimal, saldo_anterior: Decimal | None = None,
                  num_parcialidad: int = 1, equivalencia: Decimal | None = None) -> PaidDocument:
    """What a REP needs from a stamped invoice's model."""
    if invoice_model.uuid is None or invoice_model.total is None or invoice_model.moneda is None:
        raise ValueError("the invoice must be stamped and have a Total and a Moneda")
    taxes = tuple(
        (t.tipo_factor or "Tasa", f"{t.tasa_o_cuota:.6f}" if t.tasa_o_cuota is not None else None, t.base or Decimal("0"))
        for t in (invoice_model.impuestos.traslados if invoice_model.impuestos else ())
        if t.impuesto == IVA  # the receipts built here carry the invoice's IVA only
    )
    return PaidDocument(
        uuid=invoice_model.uuid,
        serie=invoice_model.serie,
        folio=invoice_model.folio,
        moneda=invoice_model.moneda,
        total=invoice_model.total,
        num_parcialidad=num_parcialidad,
        saldo_anterior=invoice_model.total if saldo_anterior is None else saldo_anterior,
        pagado=pagado,
        taxes=taxes,
        equivalencia=equivalencia,
    )


@dataclass(frozen=True)
class Payment:
    fecha_pago: dt.datetime
    forma_de_pago: str
    moneda: str
    documents: tuple[PaidDocument, ...]
    tipo_cambio: Decimal | None = None  # required when moneda is not MXN
    num_operacion: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _p(local: str) -> str:
    return q(PAGOS20, local)


def payment_receipt(emisor: Party, receptor: Party, payments: list[Payment], *, fecha: dt.datetime,
                    serie: str | None = "P", folio: str | None = None) -> etree._Element:
    """An unsealed payment receipt (type P) with the Pagos 2.0 complement."""
    root = _root(
        Version="4.0",
        Serie=serie,
        Folio=folio,
        Fecha=fecha.strftime("%Y-%m-%dT%H:%M:%S"),
        NoCertificado="",
        Certificado="",
        SubTotal="0",
        Moneda="XXX",
        Total="0",
        TipoDeComprobante="P",
        Exportacion="01",
        LugarExpedicion=emisor.codigo_postal,
        Sello="",
    )
    _sub(root, "Emisor", Rfc=emisor.rfc, Nombre=emisor.nombre, RegimenFiscal=emisor.regimen_fiscal)
    _sub(root, "Receptor", Rfc=receptor.rfc, Nombre=receptor.nombre, DomicilioFiscalReceptor=receptor.codigo_postal,
         RegimenFiscalReceptor=receptor.regimen_fiscal, UsoCFDI="CP01")
    conceptos = _sub(root, "Conceptos")
    _sub(conceptos, "Concepto", ClaveProdServ="84111506", Cantidad="1", ClaveUnidad="ACT", Descripcion="Pago",
         ValorUnitario="0", Importe="0", ObjetoImp="01")
    complemento = _sub(root, "Complemento")
    pagos = etree.SubElement(complemento, _p("Pagos"), nsmap={"pago20": PAGOS20})
    pagos.set(q(XSI, "schemaLocation"), PAGOS_SCHEMA_LOCATION)
    pagos.set("Version", "2.0")
    totales = _sub(pagos, "Totales", PAGOS20)
    totals: dict[str, Decimal] = {}
    monto_total = Decimal("0")
    for payment in payments:
        tc = payment.tipo_cambio if payment.moneda != "MXN" else Decimal("1")
        assert tc is not None, "TipoCambioP is required for a payment not in MXN"
        pp = currency_places(payment.moneda)
        monto = sum((d.pagado / (d.equivalencia or Decimal("1")) for d in payment.documents), Decimal("0"))
        monto = rnd(monto, pp)
        monto_total += monto * tc
        pago = _sub(
            pagos,
            "Pago",
            PAGOS20,
            FechaPago=payment.fecha_pago.strftime("%Y-%m-%dT%H:%M:%S"),
            FormaDePagoP=payment.forma_de_pago,
            MonedaP=payment.moneda,
            TipoCambioP="1" if payment.moneda == "MXN" else f"{tc:.6f}".rstrip("0").rstrip("."),
            Monto=fmt(monto, pp),
            NumOperacion=payment.num_operacion,
            **payment.extra,
        )
        tax_p: dict[tuple[str, str | None], list[Decimal]] = {}
        for d in payment.documents:
            _docto(pago, d, payment.moneda, tax_p)
        if tax_p:
            traslados_p = _sub(_sub(pago, "ImpuestosP", PAGOS20), "TrasladosP", PAGOS20)
            for (factor, tasa), (base, importe) in tax_p.items():
                base_p, importe_p = rnd(base, pp), rnd(importe, pp)
                _sub(traslados_p, "TrasladoP", PAGOS20, BaseP=fmt(base_p, pp), ImpuestoP=IVA, TipoFactorP=factor,
                     TasaOCuotaP=tasa, ImporteP=fmt(importe_p, pp) if factor != "Exento" else None)
                label = _totales_label(factor, tasa)
                if label:
                    totals[f"TotalTrasladosBase{label}"] = totals.get(f"TotalTrasladosBase{label}", Decimal("0")) + base_p * tc
                    if factor != "Exento":
                        totals[f"TotalTrasladosImpuesto{label}"] = totals.get(f"TotalTrasladosImpuesto{label}", Decimal("0")) + importe_p * tc
    for name in ("TotalTrasladosBaseIVA16", "TotalTrasladosImpuestoIVA16", "TotalTrasladosBaseIVA8", "TotalTrasladosImpuestoIVA8",
                 "TotalTrasladosBaseIVA0", "TotalTrasladosImpuestoIVA0", "TotalTrasladosBaseIVAExento"):
        if name in totals:
            totales.set(name, fmt(r2(totals[name])))
    totales.set("MontoTotalPagos", fmt(r2(monto_total)))
    return root


def _totales_label(factor: str, tasa: str | None) -> str | None:
    if factor == "Exento":
        return "IVAExento"
    return {"0.160000": "IVA16", "0.080000": "IVA8", "0.000000": "IVA0"}.get(tasa or "")


def _docto(pago: etree._Element, d: PaidDocument, moneda_p: str, tax_p: dict[tuple[str, str | None], list[Decimal]]) -> None:
    equivalencia = d.equivalencia if d.moneda != moneda_p else None
    insoluto = d.saldo_anterior - d.pagado
    dp = currency_places(d.moneda)
    docto = _sub(
        pago,
        "DoctoRelacionado",
        PAGOS20,
        IdDocumento=d.uuid,
        Serie=d.serie,
        Folio=d.folio,
        MonedaDR=d.moneda,
        EquivalenciaDR="1" if equivalencia is None else f"{equivalencia}",
        NumParcialidad=str(d.num_parcialidad),
        ImpSaldoAnt=fmt(d.saldo_anterior, dp),
        ImpPagado=fmt(d.pagado, dp),
        ImpSaldoInsoluto=fmt(insoluto, dp),
        ObjetoImpDR="02" if d.taxes else "01",
    )
    if not d.taxes:
        return
    factor_paid = d.pagado / d.total
    traslados = _sub(_sub(docto, "ImpuestosDR", PAGOS20), "TrasladosDR", PAGOS20)
    eq = equivalencia or Decimal("1")
    for tipo_factor, tasa, base in d.taxes:
        base_dr = rnd(base * factor_paid, dp)
        importe_dr = rnd(base_dr * Decimal(tasa), dp) if tasa is not None and tipo_factor != "Exento" else None
        _sub(traslados, "TrasladoDR", PAGOS20, BaseDR=fmt(base_dr, dp), ImpuestoDR=IVA, TipoFactorDR=tipo_factor,
             TasaOCuotaDR=tasa if tipo_factor != "Exento" else None, ImporteDR=fmt(importe_dr, dp) if importe_dr is not None else None)
        acc = tax_p.setdefault((tipo_factor, tasa if tipo_factor != "Exento" else None), [Decimal("0"), Decimal("0")])
        acc[0] += base_dr / eq
        acc[1] += (importe_dr or Decimal("0")) / eq

"""Facts about one document that several business rules share, computed once per document.

Each fact is a small pure function of the document's model, cached on the document's context
(:meth:`~cfdi_ar.context.DocContext.memo`) under a key of its own, so it lives and dies with the
document: nothing here is kept from one document to the next. Rules read facts to find their
nodes without walking the tree again, or to learn cheaply that nothing they check is present
(no withheld taxes, no exempt transfers...); each SAT code still states, in its own function,
the condition it reports.
"""

from __future__ import annotations

from decimal import Decimal

from ..context import DocContext
from ..model import ImpuestoConcepto, Parte
from ..model.pagos import DoctoRelacionado, ImpuestoDR, Pago

__all__ = [
    "EXENTO",
    "TrasladoKey",
    "ConceptNodes",
    "ConceptTaxes",
    "concept_nodes",
    "concept_taxes",
    "traslado_key",
    "tasa_admitted",
    "pagos",
    "doctos",
    "taxes_dr",
    "has_informacion_global",
    "has_datos_de_extranjero",
    "has_traslados_concepto",
    "has_retenciones_concepto",
    "has_partes",
    "has_impuestos",
    "has_retenciones_globales",
    "has_retenciones_dr",
    "has_retenciones_p",
    "has_datos_bancarios",
]

ZERO = Decimal(0)
EXENTO = "Exento"
TrasladoKey = tuple[str | None, str | None, Decimal | None]  # (Impuesto, TipoFactor, TasaOCuota); TasaOCuota None for Exento
RateKey = tuple[str | None, str | None, Decimal]  # (Impuesto, TipoFactor, TasaOCuota) of a tax with a rate and a factor


# --------------------------------------------------------------------------- the concepts' taxes and parts


class ConceptNodes:
    """Every concept's Traslado, Retencion and Parte nodes, each in document order."""

    __slots__ = ("traslados", "retenciones", "partes")

    def __init__(self, traslados: tuple[ImpuestoConcepto, ...], retenciones: tuple[ImpuestoConcepto, ...],
                 partes: tuple[Parte, ...]) -> None:
        self.traslados = traslados
        self.retenciones = retenciones
        self.partes = partes


def _concept_nodes(ctx: DocContext) -> ConceptNodes:
    traslados: list[ImpuestoConcepto] = []
    retenciones: list[ImpuestoConcepto] = []
    partes: list[Parte] = []
    for c in ctx.model.conceptos:
        traslados += c.traslados
        if c.retenciones:
            retenciones += c.retenciones
        if c.partes:
            partes += c.partes
    return ConceptNodes(tuple(traslados), tuple(retenciones), tuple(partes))


def concept_nodes(ctx: DocContext) -> ConceptNodes:
    """The concepts' Traslado, Retencion and Parte nodes, flattened (rules over them need not walk the concepts)."""
    return ctx.memo("facts.concept_nodes", _concept_nodes)


def traslado_key(impuesto: str | None, factor: str | None, tasa: Decimal | None) -> TrasladoKey:
    """The summary key of a transfer: exempt transfers carry no TasaOCuota, so theirs is None."""
    return (impuesto, factor, None if factor == EXENTO else tasa)


class ConceptTaxes:
    """The concepts' taxes summed per summary key, and the factors and rates they use."""

    __slots__ = ("traslado_base", "traslado_importe", "retencion_importe", "traslado_factors", "traslado_rates",
                 "retencion_rates")

    def __init__(self) -> None:
        # Σ Base and Σ Importe of the concepts' Traslados per key (0 where none is known), added in document order.
        self.traslado_base: dict[TrasladoKey, Decimal] = {}
        self.traslado_importe: dict[TrasladoKey, Decimal] = {}
        self.retencion_importe: dict[str | None, Decimal] = {}  # Σ Importe of the Retenciones per Impuesto
        self.traslado_factors: set[str | None] = set()  # every TipoFactor of a concept Traslado (None: absent)
        self.traslado_rates: set[RateKey] = set()  # (Impuesto, TipoFactor, TasaOCuota) of the Tasa/Cuota transfers
        self.retencion_rates: set[RateKey] = set()  # the same for the withholdings


def _rated(key: tuple[str | None, str | None, Decimal | None]) -> bool:
    return key[2] is not None and key[1] is not None and key[1] != EXENTO


def _concept_taxes(ctx: DocContext) -> ConceptTaxes:
    out = ConceptTaxes()
    nodes = concept_nodes(ctx)
    sums: dict[TrasladoKey, list[Decimal]] = {}
    for t in nodes.traslados:
        factor = t.tipo_factor
        key = (t.impuesto, factor, None if factor == EXENTO else t.tasa_o_cuota)
        acc = sums.get(key)
        if acc is None:
            acc = sums[key] = [ZERO, ZERO]
        if t.base is not None:
            acc[0] += t.base
        if t.importe is not None:
            acc[1] += t.importe
    for key, (base, importe) in sums.items():
        out.traslado_base[key] = base
        out.traslado_importe[key] = importe
        out.traslado_factors.add(key[1])
        if _rated(key):
            out.traslado_rates.add(key)  # type: ignore[arg-type]
    for r in nodes.retenciones:
        if r.importe is not None:
            out.retencion_importe[r.impuesto] = out.retencion_importe.get(r.impuesto, ZERO) + r.importe
        rate = (r.impuesto, r.tipo_factor, r.tasa_o_cuota)
        if _rated(rate):
            out.retencion_rates.add(rate)  # type: ignore[arg-type]
    return out


def concept_taxes(ctx: DocContext) -> ConceptTaxes:
    """The concepts' Traslado Base and Importe summed per (Impuesto, TipoFactor, TasaOCuota), their
    Retencion Importe per Impuesto, the transfer factors used and the rates to look up in c_TasaOCuota."""
    return ctx.memo("cfdi40.concept_taxes", _concept_taxes)


def tasa_admitted(ctx: DocContext, impuesto: str | None, factor: str | None, value: Decimal, *, traslado: bool) -> bool:
    """c_TasaOCuota's verdict, as :meth:`~cfdi_ar.sat.catalogs.Catalogs.tasa_admitted` gives it (is ``value``
    a rate of this tax and factor, on the transfer or the withholding side?), without its generator."""
    for row in ctx.runtime.catalogs.tasa_rows(impuesto, factor, traslado):
        if row.admits(value):
            return True
    return False


# --------------------------------------------------------------------------- Pagos 2.0


def pagos(ctx: DocContext) -> tuple[Pago, ...]:
    """The document's pago20:Pago nodes (none when it has no Pagos 2.0 complement)."""
    complement = ctx.model.pagos
    return complement.pagos if complement is not None else ()


def _doctos(ctx: DocContext) -> tuple[tuple[Pago, DoctoRelacionado], ...]:
    out: list[tuple[Pago, DoctoRelacionado]] = []
    for pago in pagos(ctx):
        for docto in pago.doctos:
            out.append((pago, docto))
    return tuple(out)


def doctos(ctx: DocContext) -> tuple[tuple[Pago, DoctoRelacionado], ...]:
    """Every (Pago, DoctoRelacionado) pair, in document order."""
    return ctx.memo("facts.doctos", _doctos)


def _traslados_dr(ctx: DocContext) -> tuple[tuple[DoctoRelacionado, ImpuestoDR], ...]:
    out: list[tuple[DoctoRelacionado, ImpuestoDR]] = []
    for _, docto in doctos(ctx):
        for tax in docto.traslados_dr:
            out.append((docto, tax))
    return tuple(out)


def _retenciones_dr(ctx: DocContext) -> tuple[tuple[DoctoRelacionado, ImpuestoDR], ...]:
    out: list[tuple[DoctoRelacionado, ImpuestoDR]] = []
    for _, docto in doctos(ctx):
        for tax in docto.retenciones_dr:
            out.append((docto, tax))
    return tuple(out)


def taxes_dr(ctx: DocContext, retenciones: bool) -> tuple[tuple[DoctoRelacionado, ImpuestoDR], ...]:
    """Every (DoctoRelacionado, RetencionDR) pair, or every (DoctoRelacionado, TrasladoDR) pair, in document order."""
    if retenciones:
        return ctx.memo("facts.retenciones_dr", _retenciones_dr)
    return ctx.memo("facts.traslados_dr", _traslados_dr)


# --------------------------------------------------------------------------- subjects: what a group of rules inspects
#
# A rule registered with ``over=`` one of these (:func:`~cfdi_ar.rules.registry.rule`) reports only on the nodes
# the subject says are there, so the engine skips it, and its neighbours over the same subject, in one test when
# the document has none: a payment receipt carries no concept taxes, most invoices no InformacionGlobal. Each
# subject reads the same model fields as the rules over it; tests/test_engine.py runs every document it has
# with and without the subjects and finds the same findings.


def has_informacion_global(ctx: DocContext) -> bool:
    """cfdi:InformacionGlobal is present."""
    return ctx.model.informacion_global is not None


def has_datos_de_extranjero(ctx: DocContext) -> bool:
    """The receptor carries ResidenciaFiscal or NumRegIdTrib (a foreign receptor's data)."""
    r = ctx.model.receptor
    return r is not None and (r.residencia_fiscal is not None or r.num_reg_id_trib is not None)


def has_traslados_concepto(ctx: DocContext) -> bool:
    """Some concept carries a Traslado."""
    return bool(concept_nodes(ctx).traslados)


def has_retenciones_concepto(ctx: DocContext) -> bool:
    """Some concept carries a Retencion."""
    return bool(concept_nodes(ctx).retenciones)


def has_partes(ctx: DocContext) -> bool:
    """Some concept carries a Parte."""
    return bool(concept_nodes(ctx).partes)


def has_impuestos(ctx: DocContext) -> bool:
    """The document's tax summary, Comprobante/cfdi:Impuestos, is present."""
    return ctx.model.impuestos is not None


def has_retenciones_globales(ctx: DocContext) -> bool:
    """The tax summary carries a Retencion."""
    imp = ctx.model.impuestos
    return imp is not None and bool(imp.retenciones)


def has_retenciones_dr(ctx: DocContext) -> bool:
    """Some DoctoRelacionado carries a RetencionDR."""
    return bool(taxes_dr(ctx, True))


def has_retenciones_p(ctx: DocContext) -> bool:
    """Some Pago carries a RetencionP."""
    return any(pago.retenciones_p for pago in pagos(ctx))


def has_datos_bancarios(ctx: DocContext) -> bool:
    """Some Pago carries the accounts of the payment (RfcEmisorCtaOrd, CtaOrdenante, RfcEmisorCtaBen,
    CtaBeneficiario) or an electronic payment chain (TipoCadPago, CertPago, CadPago, SelloPago)."""
    for pago in pagos(ctx):
        if (pago.rfc_emisor_cta_ord is not None or pago.cta_ordenante is not None or pago.rfc_emisor_cta_ben is not None
                or pago.cta_beneficiario is not None or pago.tipo_cad_pago is not None or pago.cert_pago is not None
                or pago.cad_pago is not None or pago.sello_pago is not None):
            return True
    return False

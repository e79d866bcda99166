"""CFDI 4.0 rules on the document's tax summary, ``Comprobante/cfdi:Impuestos`` (CFDI40201–CFDI40221).

The summary restates the concepts' taxes (``RULES.md`` §2.3): one Traslado per (Impuesto,
TipoFactor, TasaOCuota) whose Base and Importe are the *redondeo* (half up, to the currency's
decimals) of the sums of the concepts' Base and Importe with the same key; one Retencion per
Impuesto whose Importe is the redondeo of the concepts' retentions of that tax; and
TotalImpuestosTrasladados / TotalImpuestosRetenidos, the plain sums of the (already rounded)
summary amounts. Every summary amount carries at most the currency's decimals.

**CFDI40215 vs CFDI40216.** Both say the Traslado's Base is not the redondeo of the concepts'
bases; KPac raises 40216 for every Base mismatch, the gncys matrix describes 40215 as the
mismatch "with the same Impuesto and TasaOCuota" and 40216 as the variant over the bases of
the exempt transfers, which carry no TasaOCuota. We follow gncys: **40215** checks a Traslado
with TipoFactor Tasa or Cuota against the concepts' Traslados with the same Impuesto,
TipoFactor and TasaOCuota; **40216** checks a Traslado with TipoFactor Exento against the
concepts' exempt Traslados of the same Impuesto. Each summary node thus gets one code.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from lxml import etree

from ..context import DocContext
from .common import M40, decimals_of, moneda_places, rounded_sum_differs, show, too_many_decimals
from .facts import (EXENTO, ConceptTaxes, TrasladoKey, concept_nodes, concept_taxes, has_impuestos, has_retenciones_globales,
                    tasa_admitted, traslado_key)
from .registry import Kind, Violation, rule

__all__ = ["ConceptTaxes", "concept_taxes"]  # (defined in .facts)

_B = Kind.BUSINESS
ZERO = Decimal(0)


@rule("CFDI40201", "Cuando el TipoDeComprobante sea T o P, el nodo Impuestos no debe existir", kind=_B,
      gloss="Transfer (T) and payment (P) documents carry no Comprobante/cfdi:Impuestos.", source=M40, needs_schema=True,
      types=("T", "P"))
def sin_impuestos_en_t_p(ctx: DocContext) -> list[Violation] | None:
    imp = ctx.model.impuestos
    if imp is not None:
        return [Violation(f"a type {ctx.model.tipo_de_comprobante} document carries cfdi:Impuestos", imp.el,
                          expected="<absent>", found="cfdi:Impuestos")]


def _decimals(ctx: DocContext, places: int | None, value: Decimal | None, el: etree._Element, attribute: str,
              what: str) -> Violation | None:
    if not too_many_decimals(value, places):
        return None
    assert value is not None
    return Violation(f"{what} {show(value)} has {decimals_of(value)} decimals; {ctx.model.moneda} allows {places}",
                     el, attribute, expected=f"<= {places} decimals", found=str(decimals_of(value)))


@rule("CFDI40202", "El valor del campo TotalImpuestosRetenidos debe tener hasta la cantidad de decimales que soporte la moneda",
      kind=_B, gloss="TotalImpuestosRetenidos may carry at most the currency's decimals (c_Moneda).", source=M40, needs_schema=True,
      over=has_impuestos)
def total_retenidos_decimales(ctx: DocContext) -> list[Violation] | None:
    imp = ctx.model.impuestos
    if imp is not None and imp.total_impuestos_retenidos is not None:
        v = _decimals(ctx, moneda_places(ctx), imp.total_impuestos_retenidos, imp.el, "TotalImpuestosRetenidos",
                      "TotalImpuestosRetenidos")
        if v is not None:
            return [v]


@rule("CFDI40203", "El valor del campo TotalImpuestosRetenidos debe ser igual a la suma de los importes registrados en el elemento hijo Retencion",
      kind=_B, gloss="TotalImpuestosRetenidos must equal the sum of the summary Retencion@Importe values.", source=M40,
      needs_schema=True, over=has_impuestos)
def total_retenidos_es_suma(ctx: DocContext) -> list[Violation] | None:
    imp = ctx.model.impuestos
    if imp is None or imp.total_impuestos_retenidos is None:
        return None
    expected = ZERO
    for r in imp.retenciones:
        if r.importe is None:
            return None  # a missing Importe is another rule's business
        expected += r.importe
    if imp.total_impuestos_retenidos != expected:
        return [Violation(f"TotalImpuestosRetenidos {show(imp.total_impuestos_retenidos)} is not the sum of the Retencion "
                          f"Importe values, {show(expected)}", imp.el, "TotalImpuestosRetenidos", expected=show(expected),
                          found=show(imp.total_impuestos_retenidos))]


@rule("CFDI40204", "El valor del campo TotalImpuestosTrasladados debe tener hasta la cantidad de decimales que soporte la moneda",
      kind=_B, gloss="TotalImpuestosTrasladados may carry at most the currency's decimals (c_Moneda).", source=M40,
      needs_schema=True, over=has_impuestos)
def total_trasladados_decimales(ctx: DocContext) -> list[Violation] | None:
    imp = ctx.model.impuestos
    if imp is not None and imp.total_impuestos_trasladados is not None:
        v = _decimals(ctx, moneda_places(ctx), imp.total_impuestos_trasladados, imp.el, "TotalImpuestosTrasladados",
                      "TotalImpuestosTrasladados")
        if v is not None:
            return [v]


@rule("CFDI40205", "El valor del campo TotalImpuestosTrasladados no es igual a la suma de los importes registrados en el elemento hijo Traslado",
      kind=_B, gloss="TotalImpuestosTrasladados must equal the sum of the summary Traslado@Importe values (exempt ones carry none).",
      source=M40, needs_schema=True, over=has_impuestos)
def total_trasladados_es_suma(ctx: DocContext) -> list[Violation] | None:
    imp = ctx.model.impuestos
    if imp is None or imp.total_impuestos_trasladados is None:
        return None
    expected = ZERO
    for t in imp.traslados:
        if t.importe is not None:
            expected += t.importe
        elif t.tipo_factor != EXENTO:
            return None  # a missing Importe is another rule's business
    if imp.total_impuestos_trasladados != expected:
        return [Violation(f"TotalImpuestosTrasladados {show(imp.total_impuestos_trasladados)} is not the sum of the Traslado "
                          f"Importe values, {show(expected)}", imp.el, "TotalImpuestosTrasladados", expected=show(expected),
                          found=show(imp.total_impuestos_trasladados))]


@rule("CFDI40206", "Debe existir el campo TotalImpuestosRetenidos cuando existe el nodo Retenciones", kind=_B,
      gloss="When Comprobante/cfdi:Impuestos carries Retenciones, TotalImpuestosRetenidos must be present.",
      source=M40, needs_schema=True, over=has_impuestos)
def retenciones_requieren_total(ctx: DocContext) -> list[Violation] | None:
    """The summary's Retenciones node is present (gncys: "Existe nodo Retenciones sin TotalImpuestosRetenidos").
    CFDI40209 is the same demand made from the concepts' retentions."""
    imp = ctx.model.impuestos
    if imp is not None and imp.retenciones and imp.el.get("TotalImpuestosRetenidos") is None:
        return [Violation("cfdi:Impuestos carries Retenciones but no TotalImpuestosRetenidos", imp.el, "TotalImpuestosRetenidos",
                          expected="TotalImpuestosRetenidos", found="<absent>")]


@rule("CFDI40208", "Debe haber sólo un registro por cada tipo de impuesto retenido", kind=_B,
      gloss="The summary carries at most one Retencion per Impuesto.", source=M40, needs_schema=True, over=has_impuestos)
def una_retencion_por_impuesto(ctx: DocContext) -> Iterator[Violation]:
    imp = ctx.model.impuestos
    if imp is None or len(imp.retenciones) < 2:
        return
    seen: set[str | None] = set()
    for r in imp.retenciones:
        if r.impuesto in seen:
            yield Violation(f"a second summary Retencion for Impuesto {r.impuesto}", r.el, "Impuesto",
                            expected=f"one Retencion {r.impuesto}", found=f"another Retencion {r.impuesto}")
        seen.add(r.impuesto)


@rule("CFDI40209", "Debe existir el campo TotalImpuestosRetenidos cuando existan conceptos con retenciones", kind=_B,
      gloss="When any concept withholds a tax, Comprobante/cfdi:Impuestos must carry TotalImpuestosRetenidos.",
      source=M40, needs_schema=True)
def retenciones_de_conceptos_requieren_total(ctx: DocContext) -> list[Violation] | None:
    """SAT's row (gncys) ties the demand to a Retencion Importe; since the summary's Retenciones node is
    CFDI40206's, we read this one from the concepts' retentions, the way KPac's verbatim CFDI40212 reads
    the concepts' transfers ("cuando existan conceptos con un TipoFactor distinto a Exento")."""
    if not concept_nodes(ctx).retenciones:
        return None
    imp = ctx.model.impuestos
    if imp is not None and imp.el.get("TotalImpuestosRetenidos") is not None:
        return None
    el = imp.el if imp is not None else ctx.root
    return [Violation("concepts withhold taxes but the document has no TotalImpuestosRetenidos"
                      + ("" if imp is not None else " (no cfdi:Impuestos at all)"), el,
                      "TotalImpuestosRetenidos" if imp is not None else None,
                      expected="TotalImpuestosRetenidos", found="<absent>")]


@rule("CFDI40210", "El valor del campo Importe correspondiente a Retención debe tener hasta la cantidad de decimales que soporte la moneda",
      kind=_B, gloss="A summary Retencion@Importe may carry at most the currency's decimals.", source=M40, needs_schema=True,
      over=has_retenciones_globales)
def retencion_importe_decimales(ctx: DocContext) -> Iterator[Violation]:
    imp = ctx.model.impuestos
    if imp is None or not imp.retenciones:
        return
    places = moneda_places(ctx)
    for r in imp.retenciones:
        v = _decimals(ctx, places, r.importe, r.el, "Importe", "the Retencion's Importe")
        if v is not None:
            yield v


@rule("CFDI40211", "El valor del campo Importe correspondiente a Retención no es igual al redondeo de la suma de los importes de los impuestos retenidos registrados en los conceptos",
      kind=_B, gloss="A summary Retencion@Importe must be the redondeo (currency decimals) of the sum of the concepts' "
      "retentions of that Impuesto.", source=M40, needs_schema=True, over=has_retenciones_globales)
def retencion_importe_es_suma(ctx: DocContext) -> Iterator[Violation]:
    imp = ctx.model.impuestos
    if imp is None or not imp.retenciones:
        return
    places = moneda_places(ctx)
    if places is None:
        return
    sums = concept_taxes(ctx).retencion_importe
    for r in imp.retenciones:
        if r.importe is None:
            continue
        expected = rounded_sum_differs(r.importe, sums.get(r.impuesto, ZERO), places)
        if expected is not None:
            yield Violation(f"the Retencion {r.impuesto} Importe {show(r.importe)} is not the rounded sum of the concepts' "
                            f"retentions of {r.impuesto}, {show(expected)}", r.el, "Importe", expected=show(expected),
                            found=show(r.importe))


@rule("CFDI40212", "Debe existir el atributo TotalImpuestosTrasladados, cuando existan conceptos con un TipoFactor distinto a Exento",
      kind=_B, gloss="When any concept Traslado has TipoFactor Tasa or Cuota, Comprobante/cfdi:Impuestos must carry "
      "TotalImpuestosTrasladados.", source=M40, needs_schema=True)
def traslados_requieren_total(ctx: DocContext) -> list[Violation] | None:
    imp = ctx.model.impuestos
    if imp is not None and (imp.total_impuestos_trasladados is not None or imp.el.get("TotalImpuestosTrasladados") is not None):
        return None
    if not any(factor != EXENTO for factor in concept_taxes(ctx).traslado_factors):
        return None
    el = imp.el if imp is not None else ctx.root
    return [Violation("concepts transfer taxes with TipoFactor Tasa or Cuota but the document has no TotalImpuestosTrasladados"
                      + ("" if imp is not None else " (no cfdi:Impuestos at all)"), el,
                      "TotalImpuestosTrasladados" if imp is not None else None,
                      expected="TotalImpuestosTrasladados", found="<absent>")]


@rule("CFDI40213", "En caso de que sólo existan conceptos con TipoFactor Exento, en este nodo solo deben existir los atributos Base, Impuesto y TipoFactor",
      kind=_B, gloss="A summary Traslado with TipoFactor Exento carries only Base, Impuesto and TipoFactor "
      "(no TasaOCuota, no Importe).", source=M40, needs_schema=True, over=has_impuestos)
def traslado_exento_global(ctx: DocContext) -> Iterator[Violation]:
    """KPac raises it for an exempt summary Traslado carrying TasaOCuota *and* Importe; we raise it when it
    carries either, as SAT's "solo deben existir" says."""
    imp = ctx.model.impuestos
    if imp is None:
        return
    for t in imp.traslados:
        if t.tipo_factor == EXENTO:
            extra = [f"{a}={t.el.get(a)}" for a in ("TasaOCuota", "Importe") if t.el.get(a) is not None]
            if extra:
                yield Violation(f"the exempt summary Traslado {t.impuesto} carries {', '.join(extra)}", t.el, "TipoFactor",
                                expected="Base, Impuesto, TipoFactor only", found=", ".join(extra))


@rule("CFDI40214", "El valor del campo Base que corresponde a Traslado debe tener hasta la cantidad de decimales que soporte la moneda",
      kind=_B, gloss="A summary Traslado@Base may carry at most the currency's decimals.", source=M40, needs_schema=True,
      over=has_impuestos)
def traslado_base_decimales(ctx: DocContext) -> Iterator[Violation]:
    imp = ctx.model.impuestos
    if imp is None or not imp.traslados:
        return
    places = moneda_places(ctx)
    for t in imp.traslados:
        v = _decimals(ctx, places, t.base, t.el, "Base", "the Traslado's Base")
        if v is not None:
            yield v


def _base_checks(ctx: DocContext, exento: bool) -> Iterator[Violation]:
    imp = ctx.model.impuestos
    if imp is None or not imp.traslados:
        return
    places = moneda_places(ctx)
    if places is None:
        return
    sums: dict[TrasladoKey, Decimal] | None = None
    for t in imp.traslados:
        if t.base is None or (t.tipo_factor == EXENTO) is not exento or (not exento and t.tasa_o_cuota is None):
            continue
        if sums is None:
            sums = concept_taxes(ctx).traslado_base
        key = traslado_key(t.impuesto, t.tipo_factor, t.tasa_o_cuota)
        expected = rounded_sum_differs(t.base, sums.get(key, ZERO), places)
        if expected is not None:
            what = f"{t.impuesto} Exento" if exento else f"{t.impuesto} {t.tipo_factor} {show(t.tasa_o_cuota)}"
            yield Violation(f"the Traslado {what} Base {show(t.base)} is not the rounded sum of the concepts' bases with "
                            f"the same key, {show(expected)}", t.el, "Base", expected=show(expected), found=show(t.base))


@rule("CFDI40215", "El valor del campo Base que corresponde a Traslado no es igual al redondeo de la suma de los importes de las bases trasladadas registradas en los conceptos donde el impuesto, TipoFactor y TasaOCuota sean iguales",
      kind=_B, gloss="A summary Traslado (Tasa or Cuota) Base must be the redondeo (currency decimals) of the sum of the "
      "concepts' Traslado bases with the same Impuesto, TipoFactor and TasaOCuota.", source=M40, needs_schema=True,
      over=has_impuestos)
def traslado_base_es_suma(ctx: DocContext) -> Iterator[Violation]:
    """The Tasa/Cuota case (module docstring). A summary Traslado without TasaOCuota is skipped: the missing
    rate, not the sum, is what is wrong with it."""
    return _base_checks(ctx, exento=False)


@rule("CFDI40216", "El importe del campo Base correspondiente a Traslado no es igual al redondeo de la suma de los importes de las bases trasladados registrados en los conceptos",
      kind=_B, gloss="A summary Traslado with TipoFactor Exento: its Base must be the redondeo (currency decimals) of the "
      "sum of the concepts' exempt Traslado bases of the same Impuesto.", source=M40, needs_schema=True, over=has_impuestos)
def traslado_exento_base_es_suma(ctx: DocContext) -> Iterator[Violation]:
    """The Exento case (module docstring): exempt transfers carry no TasaOCuota, so they are summed per Impuesto."""
    return _base_checks(ctx, exento=True)


@rule("CFDI40218", "Debe haber sólo un registro con la misma combinación de impuesto, factor y tasa por cada traslado", kind=_B,
      gloss="The summary carries at most one Traslado per (Impuesto, TipoFactor, TasaOCuota).", source=M40, needs_schema=True,
      over=has_impuestos)
def un_traslado_por_combinacion(ctx: DocContext) -> Iterator[Violation]:
    imp = ctx.model.impuestos
    if imp is None or len(imp.traslados) < 2:
        return
    seen: set[TrasladoKey] = set()
    for t in imp.traslados:
        key = traslado_key(t.impuesto, t.tipo_factor, t.tasa_o_cuota)
        if key in seen:
            combo = f"{t.impuesto}, {t.tipo_factor}" + ("" if key[2] is None else f", {show(t.tasa_o_cuota)}")
            yield Violation(f"a second summary Traslado for ({combo})", t.el, "Impuesto", expected=f"one Traslado ({combo})",
                            found=f"another Traslado ({combo})")
        seen.add(key)


@rule("CFDI40219", "El valor del campo TasaOCuota que corresponde a Traslado, no contiene un valor del catálogo c_TasaOcuota o se encuentra fuera de rango",
      kind=_B, gloss="A summary Traslado's TasaOCuota must be a c_TasaOCuota value (or within its range) for its Impuesto and "
      "TipoFactor, on the transfer side.", source=M40, needs_schema=True, over=has_impuestos)
def traslado_global_tasa_en_catalogo(ctx: DocContext) -> Iterator[Violation]:
    imp = ctx.model.impuestos
    if imp is None:
        return
    for t in imp.traslados:
        if t.tasa_o_cuota is None or t.tipo_factor in (None, EXENTO):
            continue
        if not tasa_admitted(ctx, t.impuesto, t.tipo_factor, t.tasa_o_cuota, traslado=True):
            yield Violation(f"TasaOCuota {show(t.tasa_o_cuota)} is not a c_TasaOCuota value for a transferred tax "
                            f"{t.impuesto} with TipoFactor {t.tipo_factor}", t.el, "TasaOCuota",
                            expected=f"c_TasaOCuota ({t.impuesto}, {t.tipo_factor})", found=show(t.tasa_o_cuota))


@rule("CFDI40220", "El valor del campo Importe correspondiente a Traslado debe tener hasta la cantidad de decimales que soporte la moneda",
      kind=_B, gloss="A summary Traslado@Importe may carry at most the currency's decimals.", source=M40, needs_schema=True,
      over=has_impuestos)
def traslado_importe_decimales(ctx: DocContext) -> Iterator[Violation]:
    imp = ctx.model.impuestos
    if imp is None or not imp.traslados:
        return
    places = moneda_places(ctx)
    for t in imp.traslados:
        v = _decimals(ctx, places, t.importe, t.el, "Importe", "the Traslado's Importe")
        if v is not None:
            yield v


@rule("CFDI40221", "El campo Importe correspondiente a Traslado no es igual al redondeo de la suma de los importes de los impuestos trasladados registrados en los conceptos donde el impuesto del concepto sea igual al campo impuesto de este elemento y la TasaOCuota del concepto sea igual al campo TasaOCuota de este elemento",
      kind=_B, gloss="A summary Traslado@Importe must be the redondeo (currency decimals) of the sum of the concepts' "
      "Traslado Importe values with the same Impuesto, TipoFactor and TasaOCuota.", source=M40, needs_schema=True,
      over=has_impuestos)
def traslado_importe_es_suma(ctx: DocContext) -> Iterator[Violation]:
    """SAT names Impuesto and TasaOCuota; we also match TipoFactor (a Tasa and a Cuota of the same number are
    different summary nodes, CFDI40218)."""
    imp = ctx.model.impuestos
    if imp is None or not imp.traslados:
        return
    places = moneda_places(ctx)
    if places is None:
        return
    sums = concept_taxes(ctx).traslado_importe
    for t in imp.traslados:
        if t.importe is None or t.tipo_factor == EXENTO or t.tasa_o_cuota is None:
            continue
        expected = rounded_sum_differs(t.importe, sums.get(traslado_key(t.impuesto, t.tipo_factor, t.tasa_o_cuota), ZERO), places)
        if expected is not None:
            yield Violation(f"the Traslado {t.impuesto} {t.tipo_factor} {show(t.tasa_o_cuota)} Importe {show(t.importe)} is not "
                            f"the rounded sum of the concepts' Importe with the same key, {show(expected)}", t.el, "Importe",
                            expected=show(expected), found=show(t.importe))

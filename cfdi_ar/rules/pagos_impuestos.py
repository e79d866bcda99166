"""Pagos 2.0: taxes of the paid documents (pago20:ImpuestosDR) and of the Pago (pago20:ImpuestosP).

SAT's codes CRP20246–CRP20274 and CRP20278–CRP20279 (``RULES.md`` §1.2, §2.4, §2.7): which
ObjetoImpDR calls for ImpuestosDR and which taxes it admits, each RetencionDR/TrasladoDR's
factor, rate (c_TasaOCuota) and amount (SAT's limits), each RetencionP/TrasladoP as the sum of
the document taxes converted to MonedaP, and the Totales a Pago's taxes require.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterator

from lxml import etree

from ..context import DocContext
from ..model.pagos import DoctoRelacionado, ImpuestoDR, Pago
from ..namespaces import PAGOS20, q
from ..sat.arith import impuesto_limits
from .common import IEPS, IVA, MP, decimals_of, moneda_places, redondeo, show, show_range, surely_within_tax_limits
from .facts import has_retenciones_dr, has_retenciones_p, tasa_admitted, taxes_dr
from .pagos_docto import doctos_of, equivalencia_of, pagos_of
from .registry import Kind, Violation, rule

__all__ = ["sum_tolerance", "show_sum"]

_B = Kind.BUSINESS
_P = ("P",)
ZERO = Decimal("0")
EXENTO = "Exento"
_IMPUESTOS_DR = q(PAGOS20, "ImpuestosDR")
_SIN_IMPUESTOS = frozenset({"01", "03", "04", "05"})  # ObjetoImpDR values that admit no ImpuestosDR (CRP20247)
Key = tuple[str | None, str | None, Decimal | None]  # (Impuesto, TipoFactor, TasaOCuota) of a tax


def _impuestos_dr_el(docto: DoctoRelacionado) -> etree._Element:
    """The pago20:ImpuestosDR element (looked up only when a finding needs it)."""
    for child in docto.el.iterchildren(_IMPUESTOS_DR):
        return child
    return docto.el


def _objeto_taxes(docto: DoctoRelacionado) -> Iterator[tuple[str, ImpuestoDR]]:
    for tax in docto.retenciones_dr:
        yield "RetencionDR", tax
    for tax in docto.traslados_dr:
        yield "TrasladoDR", tax


def _tasa_check(ctx: DocContext, retenciones: bool) -> Iterator[Violation]:
    attr = "TasaOCuotaDR"
    for _, tax in taxes_dr(ctx, retenciones):
        if tax.tasa_o_cuota_dr is None or tax.tipo_factor_dr == EXENTO:
            continue
        if not tasa_admitted(ctx, tax.impuesto_dr, tax.tipo_factor_dr, tax.tasa_o_cuota_dr, traslado=not retenciones):
            side = "withholding" if retenciones else "transfer"
            yield Violation(f"TasaOCuotaDR={tax.el.get(attr)} is not a c_TasaOCuota {side} value for ImpuestoDR={tax.impuesto_dr}, "
                            f"TipoFactorDR={tax.tipo_factor_dr}", tax.el, attr, expected="a c_TasaOCuota value", found=tax.el.get(attr))


def _importe_check(ctx: DocContext, retenciones: bool) -> Iterator[Violation]:
    for _, tax in taxes_dr(ctx, retenciones):
        base, tasa, importe = tax.base_dr, tax.tasa_o_cuota_dr, tax.importe_dr
        if base is None or tasa is None or importe is None or tax.tipo_factor_dr == EXENTO:
            continue
        if surely_within_tax_limits(importe, base, tasa):
            continue
        low, high = impuesto_limits(base, tasa, decimals_of(importe))
        if not low <= importe <= high:
            yield Violation(f"ImporteDR={tax.el.get('ImporteDR')} is outside {show_range(low, high)}, the limits of "
                            f"BaseDR={show(base)} × TasaOCuotaDR={show(tasa)}", tax.el, "ImporteDR",
                            expected=show_range(low, high), found=tax.el.get("ImporteDR"))


DrSums = dict[Key, list[Decimal | int]]  # key → [Σ amount/EquivalenciaDR, number of terms]


def _dr_sums(pago: Pago, retenciones: bool, field: str) -> DrSums | None:
    """Σ field/EquivalenciaDR and the number of terms, per (ImpuestoDR, TipoFactorDR, TasaOCuotaDR)
    (per ImpuestoDR alone for withholdings). None when an equivalence or amount is unknown."""
    sums: DrSums = {}
    for docto in pago.doctos:
        taxes = docto.retenciones_dr if retenciones else docto.traslados_dr
        if not taxes:
            continue
        eq = equivalencia_of(pago, docto)
        if eq is None or eq <= 0:
            return None
        for tax in taxes:
            amount = getattr(tax, field)
            if amount is None:
                if tax.tipo_factor_dr == EXENTO and not retenciones:
                    continue  # an exempt transfer has no ImporteDR
                return None
            if retenciones:
                key: Key = (tax.impuesto_dr, None, None)
            else:
                key = (tax.impuesto_dr, tax.tipo_factor_dr, None if tax.tipo_factor_dr == EXENTO else tax.tasa_o_cuota_dr)
            acc = sums.get(key)
            if acc is None:
                acc = sums[key] = [ZERO, 0]
            acc[0] += amount / eq
            acc[1] += 1
    return sums


def _no_sums(ctx: DocContext) -> dict[tuple[int, bool, str], DrSums | None]:
    return {}


def _pago_dr_sums(ctx: DocContext, index: int, pago: Pago, retenciones: bool, field: str) -> DrSums | None:
    """:func:`_dr_sums` of the document's ``index``-th Pago, computed once per document (CRP20268 and
    CRP20269 both sum BaseDR)."""
    cache = ctx.memo("pagos_impuestos.dr_sums", _no_sums)
    key = (index, retenciones, field)
    try:
        return cache[key]
    except KeyError:
        sums = cache[key] = _dr_sums(pago, retenciones, field)
        return sums


_UNITS = tuple(Decimal(1).scaleb(-n) for n in range(0, 40))  # 10^-n, built once


def sum_tolerance(places: int, terms: Decimal | int) -> Decimal:
    """Tolerance of an ImpuestosP amount against the exact Σ DR/EquivalenciaDR (CRP20265, CRP20268,
    CRP20269, CRP20274): the difference must be strictly less than this.

    SAT: *igual a la suma* of the DR values with the same key. DR amounts are in MonedaDR, so each is
    divided by its EquivalenciaDR first (as CfdiUtils' calculator does). SAT states no tolerance and
    writers differ: some round the sum to MonedaP's decimals, some truncate it (PACs accepted both
    since 2023), some round or truncate each DR term before adding, some write 6 decimals, some take
    ImporteP as BaseP × TasaOCuotaP. Each of those stays strictly within one unit of MonedaP's last
    decimal per DR term summed, so that is the tolerance (one unit when no term matches).
    """
    unit = _UNITS[places] if 0 <= places < len(_UNITS) else Decimal(1).scaleb(-places)
    return unit * max(int(terms), 1)


def show_sum(value: Decimal, places: int) -> str:
    """An exact sum for a message: MonedaP's decimals, plus up to four more where the sum has them."""
    fine = redondeo(value, places + 4).normalize()
    return show(fine if decimals_of(fine) > places else redondeo(value, places))


def _sum_check(ctx: DocContext, retenciones: bool, exento: bool | None, dr_field: str, p_field: str,
               attr: str, dr_attr: str) -> Iterator[Violation]:
    for index, pago in enumerate(pagos_of(ctx)):
        nodes = pago.retenciones_p if retenciones else pago.traslados_p
        if not nodes:
            continue
        places = moneda_places(ctx, pago.moneda_p)
        if places is None:
            continue
        sums = _pago_dr_sums(ctx, index, pago, retenciones, dr_field)
        if sums is None:
            continue
        for node in nodes:
            written = getattr(node, p_field)
            if written is None:
                continue
            if retenciones:
                key: Key = (node.impuesto_p, None, None)
            else:
                if (node.tipo_factor_p == EXENTO) is not exento:
                    continue
                key = (node.impuesto_p, node.tipo_factor_p, None if exento else node.tasa_o_cuota_p)
            expected, terms = sums.get(key, (ZERO, 0))
            tolerance = sum_tolerance(places, terms)
            if abs(written - expected) >= tolerance:
                shown = show_sum(expected, places)
                yield Violation(
                    f"{attr}={node.el.get(attr)} is not the sum of {dr_attr}/EquivalenciaDR of the matching DR taxes "
                    f"({shown}, {int(terms)} term(s), tolerance < {show(tolerance)})",
                    node.el, attr, expected=shown, found=node.el.get(attr))


def _totales_missing(ctx: DocContext, needed: Callable[[Pago], bool], names: tuple[str, ...], what: str) -> Iterator[Violation]:
    pagos = ctx.model.pagos
    if pagos is None or pagos.totales is None:
        return
    totales = pagos.totales
    for name in names:
        if getattr(totales, _TOTALES_FIELDS[name]) is not None:
            return  # read, so written: Totales has one of them
    for p in pagos.pagos:
        if needed(p):
            break
    else:
        return
    el = totales.el
    if all(el.get(name) is None for name in names):
        yield Violation(f"{what}, but Totales has none of {', '.join(names)}", el, None,
                        expected=" or ".join(names), found="<absent>")


_TOTALES_FIELDS = {  # Totales attribute → the model's field (a Decimal read from it, so never set when it is absent)
    "TotalRetencionesIVA": "total_retenciones_iva", "TotalRetencionesISR": "total_retenciones_isr",
    "TotalRetencionesIEPS": "total_retenciones_ieps", "TotalTrasladosBaseIVA16": "total_traslados_base_iva16",
    "TotalTrasladosBaseIVA8": "total_traslados_base_iva8", "TotalTrasladosBaseIVA0": "total_traslados_base_iva0",
    "TotalTrasladosBaseIVAExento": "total_traslados_base_iva_exento",
    "TotalTrasladosImpuestoIVA16": "total_traslados_impuesto_iva16", "TotalTrasladosImpuestoIVA8": "total_traslados_impuesto_iva8",
    "TotalTrasladosImpuestoIVA0": "total_traslados_impuesto_iva0",
}


def _retiene(pago: Pago) -> bool:
    return bool(pago.retenciones_p)


def _iva(pago: Pago) -> bool:
    for t in pago.traslados_p:
        if t.impuesto_p == IVA:
            return True
    return False


def _iva_no_exento(pago: Pago) -> bool:
    for t in pago.traslados_p:
        if t.impuesto_p == IVA and t.tipo_factor_p != EXENTO:
            return True
    return False


# --------------------------------------------------------------------------- the rules, in code order


@rule("CRP20246", 'Si el valor del campo ObjetoImpDR es "02", se debe registrar el nodo ImpuestosDR.',
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='A paid document with ObjetoImpDR "02" (subject to tax) must carry ImpuestosDR.')
def impuestos_dr_requeridos(ctx: DocContext) -> Iterator[Violation]:
    for _, docto in doctos_of(ctx):
        if docto.objeto_imp_dr == "02" and not docto.has_impuestos_dr:
            yield Violation('ObjetoImpDR="02" but the DoctoRelacionado has no ImpuestosDR', docto.el, "ObjetoImpDR",
                            expected="ImpuestosDR", found="<absent>")


@rule("CRP20247", 'Si el valor del campo ObjetoImpDR es "01", "03", "04" o "05", no se debe registrar el nodo ImpuestosDR.',
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='A paid document with ObjetoImpDR "01", "03", "04" or "05" must not carry ImpuestosDR.')
def impuestos_dr_prohibidos(ctx: DocContext) -> Iterator[Violation]:
    for _, docto in doctos_of(ctx):
        if docto.has_impuestos_dr and docto.objeto_imp_dr in _SIN_IMPUESTOS:
            yield Violation(f'ObjetoImpDR="{docto.objeto_imp_dr}" but the DoctoRelacionado carries ImpuestosDR',
                            _impuestos_dr_el(docto), None, expected="<absent>", found="ImpuestosDR")


@rule("CRP20248", "Si existe el nodo ImpuestosDR, debe existir al menos uno de los nodos RetencionesDR o TrasladosDR.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="An ImpuestosDR node must contain RetencionesDR, TrasladosDR or both.")
def impuestos_dr_no_vacios(ctx: DocContext) -> Iterator[Violation]:
    for _, docto in doctos_of(ctx):
        if docto.has_impuestos_dr and not docto.traslados_dr and not docto.retenciones_dr:
            yield Violation("ImpuestosDR has neither RetencionesDR nor TrasladosDR", _impuestos_dr_el(docto), None,
                            expected="RetencionesDR or TrasladosDR", found="<empty>")


@rule("CRP20252", 'El valor del campo TipoFactorDR que corresponde a RetencionDR debe ser distinto de "Exento".',
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='A withholding of a paid document (RetencionDR) cannot have TipoFactorDR "Exento".', over=has_retenciones_dr)
def retencion_dr_no_exento(ctx: DocContext) -> Iterator[Violation]:
    for _, tax in taxes_dr(ctx, True):
        if tax.tipo_factor_dr == EXENTO:
            yield Violation('RetencionDR has TipoFactorDR="Exento"', tax.el, "TipoFactorDR", expected='"Tasa" or "Cuota"', found=EXENTO)


@rule("CRP20253", "El valor del campo TasaOCuotaDR que corresponde a RetencionDR no contiene un valor del catálogo c_TasaOCuota "
      "o se encuentra fuera de rango.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A RetencionDR's TasaOCuotaDR must be a c_TasaOCuota withholding value (or in its range) for its tax and factor.",
      over=has_retenciones_dr)
def retencion_dr_tasa(ctx: DocContext) -> Iterator[Violation]:
    return _tasa_check(ctx, True)


@rule("CRP20254", "El valor del campo ImporteDR que corresponde a RetencionDR no se encuentra entre el límite inferior y superior permitido.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A RetencionDR's ImporteDR must lie between (BaseDR ∓ half a unit of its last decimal) × TasaOCuotaDR, truncated "
      "and rounded up to the decimals written in ImporteDR.", over=has_retenciones_dr)
def retencion_dr_importe(ctx: DocContext) -> Iterator[Violation]:
    """Limits as for a concept's tax (Anexo 20), to the decimals written in ImporteDR (``RULES.md`` §2.4)."""
    return _importe_check(ctx, True)


@rule("CRP20258", 'Si el valor del campo TipoFactorDR es "Exento", no se deben registrar los campos TasaOCuotaDR ni ImporteDR.',
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='An exempt TrasladoDR (TipoFactorDR "Exento") carries neither TasaOCuotaDR nor ImporteDR.')
def traslado_dr_exento(ctx: DocContext) -> Iterator[Violation]:
    for _, tax in taxes_dr(ctx, False):
        if tax.tipo_factor_dr != EXENTO:
            continue
        for attr in ("TasaOCuotaDR", "ImporteDR"):
            if tax.el.get(attr) is not None:
                yield Violation(f'TrasladoDR with TipoFactorDR="Exento" carries {attr}={tax.el.get(attr)}', tax.el, attr,
                                expected="<absent>", found=tax.el.get(attr))


@rule("CRP20259", 'Si el valor del campo TipoFactorDR es "Tasa" o "Cuota", se deben registrar los campos TasaOCuotaDR e ImporteDR.',
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='A TrasladoDR with TipoFactorDR "Tasa" or "Cuota" must carry TasaOCuotaDR and ImporteDR.')
def traslado_dr_tasa_requerida(ctx: DocContext) -> Iterator[Violation]:
    for _, tax in taxes_dr(ctx, False):
        if tax.tasa_o_cuota_dr is not None and tax.importe_dr is not None:
            continue  # both read, so both written
        if tax.tipo_factor_dr not in ("Tasa", "Cuota"):
            continue
        for attr in ("TasaOCuotaDR", "ImporteDR"):
            if tax.el.get(attr) is None:
                yield Violation(f'TrasladoDR with TipoFactorDR="{tax.tipo_factor_dr}" has no {attr}', tax.el, attr,
                                expected="present", found="<absent>")


@rule("CRP20260", "El valor del campo TasaOCuotaDR que corresponde a TrasladoDR no contiene un valor del catálogo c_TasaOCuota "
      "o se encuentra fuera de rango.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A TrasladoDR's TasaOCuotaDR must be a c_TasaOCuota transfer value (or in its range) for its tax and factor.")
def traslado_dr_tasa(ctx: DocContext) -> Iterator[Violation]:
    return _tasa_check(ctx, False)


@rule("CRP20261", "El valor del campo ImporteDR que corresponde a TrasladoDR no se encuentra entre el límite inferior y superior permitido.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A TrasladoDR's ImporteDR must lie between (BaseDR ∓ half a unit of its last decimal) × TasaOCuotaDR, truncated "
      "and rounded up to the decimals written in ImporteDR.")
def traslado_dr_importe(ctx: DocContext) -> Iterator[Violation]:
    """Limits as for a concept's tax (Anexo 20), to the decimals written in ImporteDR (``RULES.md`` §2.4)."""
    return _importe_check(ctx, False)


@rule("CRP20263", "Debe haber sólo un registro por cada tipo de impuesto retenido en RetencionesP.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A Pago's RetencionesP holds one RetencionP per tax (ImpuestoP).", over=has_retenciones_p)
def retencion_p_unica(ctx: DocContext) -> Iterator[Violation]:
    for pago in pagos_of(ctx):
        if len(pago.retenciones_p) < 2:
            continue
        seen: set[str | None] = set()
        for node in pago.retenciones_p:
            if node.impuesto_p in seen:
                yield Violation(f"a second RetencionP with ImpuestoP={node.impuesto_p}", node.el, "ImpuestoP",
                                expected="one RetencionP per ImpuestoP", found=node.impuesto_p)
            seen.add(node.impuesto_p)


@rule("CRP20264", "Si existe el nodo RetencionesP, debe existir al menos uno de los campos TotalRetencionesIVA, "
      "TotalRetencionesISR o TotalRetencionesIEPS.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="When a Pago withholds taxes (RetencionesP), Totales must carry at least one TotalRetenciones attribute.",
      over=has_retenciones_p)
def totales_retenciones(ctx: DocContext) -> Iterator[Violation]:
    """As the matrix states it: at least one of the three, not the one per withheld tax (CRP20201–CRP20203 check the amounts)."""
    return _totales_missing(ctx, _retiene,
                            ("TotalRetencionesIVA", "TotalRetencionesISR", "TotalRetencionesIEPS"), "a Pago has RetencionesP")


@rule("CRP20265", "El valor del campo ImporteP que corresponde a RetencionP no es igual a la suma de los importes de los impuestos "
      "retenidos registrados en el documento relacionado.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A RetencionP's ImporteP must be the sum of the paid documents' RetencionDR ImporteDR of the same tax, each "
      "divided by its EquivalenciaDR.", over=has_retenciones_p)
def retencion_p_importe(ctx: DocContext) -> Iterator[Violation]:
    """Per ImpuestoP: Σ RetencionDR ImporteDR/EquivalenciaDR; tolerance as :func:`sum_tolerance` says."""
    return _sum_check(ctx, True, None, "importe_dr", "importe_p", "ImporteP", "ImporteDR")


@rule("CRP20266", 'Si el valor del campo TipoFactorP es "Exento", no se deben registrar los campos TasaOCuotaP ni ImporteP.',
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='An exempt TrasladoP (TipoFactorP "Exento") carries only BaseP, ImpuestoP and TipoFactorP.')
def traslado_p_exento(ctx: DocContext) -> Iterator[Violation]:
    """Only the Exento side: SAT gives no code for a Tasa/Cuota TrasladoP lacking TasaOCuotaP or ImporteP."""
    for pago in pagos_of(ctx):
        for node in pago.traslados_p:
            if node.tipo_factor_p != EXENTO:
                continue
            for attr in ("TasaOCuotaP", "ImporteP"):
                if node.el.get(attr) is not None:
                    yield Violation(f'TrasladoP with TipoFactorP="Exento" carries {attr}={node.el.get(attr)}', node.el, attr,
                                    expected="<absent>", found=node.el.get(attr))


@rule("CRP20267", "Si existe TrasladoP con ImpuestoP IVA, debe existir al menos uno de los campos TotalTrasladosBaseIVA16, "
      "TotalTrasladosBaseIVA8, TotalTrasladosBaseIVA0 o TotalTrasladosBaseIVAExento.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="When a Pago transfers IVA (TrasladoP ImpuestoP 002), Totales must carry at least one TotalTrasladosBase attribute.")
def totales_traslados_base(ctx: DocContext) -> Iterator[Violation]:
    return _totales_missing(ctx, _iva, ("TotalTrasladosBaseIVA16", "TotalTrasladosBaseIVA8", "TotalTrasladosBaseIVA0",
                                        "TotalTrasladosBaseIVAExento"), "a Pago has a TrasladoP of IVA (002)")


@rule("CRP20268", "El valor del campo BaseP que corresponde a TrasladoP no es igual a la suma de los importes de las bases "
      "registradas en el documento relacionado donde los impuestos del campo ImpuestoP y TasaOCuotaP sean iguales.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A TrasladoP's BaseP must be the sum of the TrasladoDR BaseDR with the same tax, factor and rate, each divided by "
      "its EquivalenciaDR.")
def traslado_p_base(ctx: DocContext) -> Iterator[Violation]:
    """Per (ImpuestoP, TipoFactorP, TasaOCuotaP), non-exempt: Σ BaseDR/EquivalenciaDR; tolerance as :func:`sum_tolerance`."""
    return _sum_check(ctx, False, False, "base_dr", "base_p", "BaseP", "BaseDR")


@rule("CRP20269", "El valor del campo BaseP que corresponde a TrasladoP no es igual a la suma de los importes de las bases "
      'registradas en el documento relacionado donde el campo TipoFactorDR sea "Exento".',
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="An exempt TrasladoP's BaseP must be the sum of the exempt TrasladoDR BaseDR of the same tax, each divided by its "
      "EquivalenciaDR.")
def traslado_p_base_exento(ctx: DocContext) -> Iterator[Violation]:
    """Per ImpuestoP, exempt: Σ BaseDR/EquivalenciaDR of exempt TrasladoDR; tolerance as :func:`sum_tolerance`."""
    return _sum_check(ctx, False, True, "base_dr", "base_p", "BaseP", "BaseDR")


@rule("CRP20271", "Debe haber sólo un registro con la misma combinación de impuesto, factor y tasa por cada traslado en TrasladosP.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A Pago's TrasladosP holds one TrasladoP per (ImpuestoP, TipoFactorP, TasaOCuotaP).")
def traslado_p_unico(ctx: DocContext) -> Iterator[Violation]:
    for pago in pagos_of(ctx):
        if len(pago.traslados_p) < 2:
            continue
        seen: set[Key] = set()
        for node in pago.traslados_p:
            key: Key = (node.impuesto_p, node.tipo_factor_p, node.tasa_o_cuota_p)
            if key in seen:
                combo = f"{node.impuesto_p}, {node.tipo_factor_p}, {node.el.get('TasaOCuotaP') or '-'}"
                yield Violation(f"a second TrasladoP for ({combo})", node.el, None, expected="one TrasladoP per combination",
                                found=combo)
            seen.add(key)


@rule("CRP20272", "El valor del campo TasaOCuotaP que corresponde a TrasladoP no contiene un valor del catálogo c_TasaOCuota "
      "o se encuentra fuera de rango.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A TrasladoP's TasaOCuotaP must be a c_TasaOCuota transfer value (or in its range) for its tax and factor.")
def traslado_p_tasa(ctx: DocContext) -> Iterator[Violation]:
    for pago in pagos_of(ctx):
        for node in pago.traslados_p:
            if node.tasa_o_cuota_p is None or node.tipo_factor_p == EXENTO:
                continue
            if not tasa_admitted(ctx, node.impuesto_p, node.tipo_factor_p, node.tasa_o_cuota_p, traslado=True):
                raw = node.el.get("TasaOCuotaP")
                yield Violation(f"TasaOCuotaP={raw} is not a c_TasaOCuota transfer value for ImpuestoP={node.impuesto_p}, "
                                f"TipoFactorP={node.tipo_factor_p}", node.el, "TasaOCuotaP", expected="a c_TasaOCuota value", found=raw)


@rule("CRP20273", 'Si existe TrasladoP con ImpuestoP IVA y TipoFactorP distinto de "Exento", debe existir al menos uno de los '
      "campos TotalTrasladosImpuestoIVA16, TotalTrasladosImpuestoIVA8 o TotalTrasladosImpuestoIVA0.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="When a Pago transfers non-exempt IVA, Totales must carry at least one TotalTrasladosImpuesto attribute.")
def totales_traslados_impuesto(ctx: DocContext) -> Iterator[Violation]:
    return _totales_missing(ctx, _iva_no_exento, ("TotalTrasladosImpuestoIVA16", "TotalTrasladosImpuestoIVA8",
                                                  "TotalTrasladosImpuestoIVA0"), "a Pago has a non-exempt TrasladoP of IVA (002)")


@rule("CRP20274", "El valor del campo ImporteP que corresponde a TrasladoP no es igual a la suma de los importes de los impuestos "
      "trasladados registrados en el documento relacionado donde los impuestos del campo ImpuestoP y TasaOCuotaP sean iguales.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A TrasladoP's ImporteP must be the sum of the TrasladoDR ImporteDR with the same tax, factor and rate, each "
      "divided by its EquivalenciaDR.")
def traslado_p_importe(ctx: DocContext) -> Iterator[Violation]:
    """Per (ImpuestoP, TipoFactorP, TasaOCuotaP): Σ ImporteDR/EquivalenciaDR; tolerance as :func:`sum_tolerance`."""
    return _sum_check(ctx, False, False, "importe_dr", "importe_p", "ImporteP", "ImporteDR")


@rule("CRP20278", 'Si el valor del campo ObjetoImpDR es "06" u "08", no se deben registrar impuestos de IVA ni IEPS en ImpuestosDR.',
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='ObjetoImpDR "06" or "08" (no IVA transferred, no IEPS itemised) admits no RetencionDR or TrasladoDR of IVA (002) '
      "or IEPS (003); an ISR withholding (001) is allowed.")
def objeto_06_08(ctx: DocContext) -> Iterator[Violation]:
    """Rev. B rule, read as KPac does (SAT's wording not found): with ObjetoImpDR 06 ("Sí objeto del IVA,
    no traslado") or 08 ("No traslado del IVA, no desglose IEPS"), no tax of IVA or IEPS may appear in
    ImpuestosDR; RetencionDR of ISR may. Each offending tax node is reported."""
    for _, docto in doctos_of(ctx):
        if docto.objeto_imp_dr not in ("06", "08"):
            continue
        for tag, tax in _objeto_taxes(docto):
            if tax.impuesto_dr in (IVA, IEPS):
                yield Violation(f'ObjetoImpDR="{docto.objeto_imp_dr}" admits no {tag} of ImpuestoDR={tax.impuesto_dr}',
                                tax.el, "ImpuestoDR", expected="001 (RetencionDR only)", found=tax.impuesto_dr)


@rule("CRP20279", 'Si el valor del campo ObjetoImpDR es "07", no se debe registrar IVA y se debe registrar el traslado de IEPS.',
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='ObjetoImpDR "07" (no IVA transferred, IEPS itemised) admits no IVA (002) tax, requires a TrasladoDR of IEPS (003), '
      "and allows RetencionDR of ISR (001) or IEPS (003).")
def objeto_07(ctx: DocContext) -> Iterator[Violation]:
    """Rev. B rule, read as KPac does (SAT's wording not found): ObjetoImpDR 07 means the IEPS is itemised
    but no IVA is transferred: every IVA tax node is reported, and a missing TrasladoDR of IEPS is
    reported on the DoctoRelacionado's ObjetoImpDR."""
    for _, docto in doctos_of(ctx):
        if docto.objeto_imp_dr != "07":
            continue
        for tag, tax in _objeto_taxes(docto):
            if tax.impuesto_dr == IVA:
                yield Violation(f'ObjetoImpDR="07" admits no {tag} of IVA (002)', tax.el, "ImpuestoDR",
                                expected="001 or 003", found=tax.impuesto_dr)
        if not any(t.impuesto_dr == IEPS for t in docto.traslados_dr):
            yield Violation('ObjetoImpDR="07" requires a TrasladoDR of IEPS (003)', docto.el, "ObjetoImpDR",
                            expected="TrasladoDR ImpuestoDR=003", found="<absent>")

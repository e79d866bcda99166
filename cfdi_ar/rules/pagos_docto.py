"""Pagos 2.0: the paid documents (pago20:DoctoRelacionado), their amounts and the payment's currency.

SAT's codes CRP20217, CRP20236–CRP20244 and CRP20275–CRP20277 (``RULES.md`` §1.2, §2.5, §2.8):
the currency and equivalence of each paid document, its previous balance, amount paid and
remaining balance, and whether the Pago's Monto covers what the documents say was paid, in
the same currency (no margin) or across currencies (SAT's rounding margin, through
:func:`cfdi_ar.sat.arith.imp_pagado_limits`). The taxes of the paid documents and of the
Pago are in :mod:`.pagos_impuestos`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from ..context import DocContext
from ..findings import Severity
from ..model.pagos import DoctoRelacionado, Pago
from ..sat.arith import imp_pagado_limits
from .common import MP, decimals_of, moneda_places, redondeo, show, show_range, too_many_decimals, total
from .facts import doctos as doctos_of
from .facts import pagos as pagos_of
from .registry import Kind, Violation, rule

__all__ = ["pagos_of", "doctos_of", "equivalencia_of", "margin_limits"]

_B = Kind.BUSINESS
_P = ("P",)
ZERO = Decimal("0")
ONE = Decimal("1")
CRP20277_DECIMALS = 10  # "1" counts as "1.0000000000" in the margin formula (CRP20277)


# pagos_of(ctx): the document's pago20:Pago nodes; doctos_of(ctx): every (Pago, DoctoRelacionado) pair (see .facts).


def equivalencia_of(pago: Pago, docto: DoctoRelacionado) -> Decimal | None:
    """EquivalenciaDR to divide ImpPagado (and the DR taxes) by: as written, else 1 in MonedaP, else unknown."""
    if docto.equivalencia_dr is not None:
        return docto.equivalencia_dr
    if docto.el.get("EquivalenciaDR") is None and docto.moneda_dr is not None and docto.moneda_dr == pago.moneda_p:
        return ONE
    return None


def _crp20277_applies(pago: Pago) -> bool:
    """More than one DoctoRelacionado and at least one in MonedaP (CRP20277's condition)."""
    return len(pago.doctos) > 1 and any(d.moneda_dr == pago.moneda_p for d in pago.doctos)


def _mixed(pago: Pago) -> bool:
    """At least one DoctoRelacionado in a currency other than MonedaP."""
    moneda = pago.moneda_p
    for d in pago.doctos:
        if d.moneda_dr != moneda:
            return True
    return False


def margin_limits(pago: Pago, docto: DoctoRelacionado, places: int) -> tuple[Decimal, Decimal] | None:
    """The limits, in MonedaP, of what ``docto``'s ImpPagado stands for (SAT's variation margin).

    Under CRP20277's condition an EquivalenciaDR of 1 counts with 10 decimals, however written.
    None when ImpPagado or the equivalence is unknown (or not positive).
    """
    eq = equivalencia_of(pago, docto)
    if docto.imp_pagado is None or eq is None or eq <= 0:
        return None
    decimals = None
    if eq == ONE and (docto.equivalencia_dr is None or _crp20277_applies(pago)):
        decimals = CRP20277_DECIMALS
    return imp_pagado_limits(docto.imp_pagado, eq, places, equivalencia_decimals=decimals)


def _positive(ctx: DocContext, attribute: str, field: str) -> Iterator[Violation]:
    for _, docto in doctos_of(ctx):
        value = getattr(docto, field)
        if value is not None and value <= 0:
            yield Violation(f"{attribute}={docto.el.get(attribute)} must be greater than zero", docto.el, attribute,
                            expected="> 0", found=docto.el.get(attribute))


def _decimals(ctx: DocContext, attribute: str, field: str) -> Iterator[Violation]:
    for _, docto in doctos_of(ctx):
        value = getattr(docto, field)
        places = moneda_places(ctx, docto.moneda_dr) if value is not None else None
        if too_many_decimals(value, places):
            yield Violation(f"{attribute}={docto.el.get(attribute)} has {decimals_of(value)} decimals; MonedaDR={docto.moneda_dr} "
                            f"allows {places}", docto.el, attribute, expected=f"<= {places} decimals", found=docto.el.get(attribute))


# --------------------------------------------------------------------------- the rules, in code order


@rule("CRP20217",
      "La suma de los valores registrados en el campo ImpPagado de los apartados DoctoRelacionado no es menor o igual "
      "que el valor del campo Monto.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="When every DoctoRelacionado is in the payment's currency, the sum of their ImpPagado must not exceed Monto "
      "(no rounding margin).")
def suma_imp_pagado_hasta_monto(ctx: DocContext) -> Iterator[Violation]:
    """Same currency only: Σ ImpPagado ≤ Monto, exactly. A Pago with any DoctoRelacionado in another
    currency is CRP20276's (the sum of ImpPagado/EquivalenciaDR, with SAT's margin)."""
    for pago in pagos_of(ctx):
        if pago.monto is None or not pago.doctos or _mixed(pago):
            continue
        paid = total(d.imp_pagado for d in pago.doctos)
        if paid > pago.monto:
            yield Violation(f"the DoctoRelacionado nodes pay {show(paid)} {pago.moneda_p} in all, more than Monto={show(pago.monto)}",
                            pago.el, "Monto", expected=f">= {show(paid)}", found=show(pago.monto))


@rule("CRP20236", 'El campo MonedaDR debe ser distinto de "XXX".', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='A paid document\'s currency (MonedaDR) cannot be "XXX".')
def moneda_dr_no_xxx(ctx: DocContext) -> Iterator[Violation]:
    for _, docto in doctos_of(ctx):
        if docto.moneda_dr == "XXX":
            yield Violation('MonedaDR is "XXX": a paid document has a real currency', docto.el, "MonedaDR",
                            expected='not "XXX"', found="XXX")


@rule("CRP20237", "El campo EquivalenciaDR se debe registrar cuando el campo MonedaDR es distinto al campo MonedaP.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="EquivalenciaDR is required when the paid document's currency differs from the payment's.")
def equivalencia_requerida(ctx: DocContext) -> Iterator[Violation]:
    for pago, docto in doctos_of(ctx):
        if (docto.moneda_dr is not None and pago.moneda_p is not None and docto.moneda_dr != pago.moneda_p
                and docto.equivalencia_dr is None and docto.el.get("EquivalenciaDR") is None):
            yield Violation(f"MonedaDR={docto.moneda_dr} differs from MonedaP={pago.moneda_p} but EquivalenciaDR is absent",
                            docto.el, "EquivalenciaDR", expected="present", found="<absent>")


@rule("CRP20238", 'El campo EquivalenciaDR debe contener el valor "1" cuando el campo MonedaDR es igual al campo MonedaP.',
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='When the paid document is in the payment\'s currency, EquivalenciaDR (if present) must be 1.')
def equivalencia_uno(ctx: DocContext) -> Iterator[Violation]:
    """Compared by value: "1" and "1.0000000000" both pass. The XSD keeps EquivalenciaDR optional and
    PACs stamp same-currency documents without it, so absence is not reported; "1.0000000000" is what
    CRP20277's first (2024-01-15) text demanded and PACs stamped. How 1 is spelled is CRP20277's concern."""
    for pago, docto in doctos_of(ctx):
        eq = docto.equivalencia_dr
        if eq is not None and docto.moneda_dr is not None and docto.moneda_dr == pago.moneda_p and eq != ONE:
            yield Violation(f"MonedaDR={docto.moneda_dr} is MonedaP but EquivalenciaDR={docto.el.get('EquivalenciaDR')}",
                            docto.el, "EquivalenciaDR", expected="1", found=docto.el.get("EquivalenciaDR"))


@rule("CRP20239", "El campo ImpSaldoAnt debe mayor a cero.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A paid document's previous balance (ImpSaldoAnt) must be greater than zero.")
def saldo_anterior_positivo(ctx: DocContext) -> Iterator[Violation]:
    return _positive(ctx, "ImpSaldoAnt", "imp_saldo_ant")


@rule("CRP20240", "El campo ImpSaldoAnt debe tener hasta la cantidad de decimales que soporte la moneda MonedaDR.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="ImpSaldoAnt may carry at most the decimals of MonedaDR in c_Moneda.")
def saldo_anterior_decimales(ctx: DocContext) -> Iterator[Violation]:
    return _decimals(ctx, "ImpSaldoAnt", "imp_saldo_ant")


@rule("CRP20241", "El campo ImpPagado debe mayor a cero.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="The amount paid of a document (ImpPagado) must be greater than zero.")
def pagado_positivo(ctx: DocContext) -> Iterator[Violation]:
    return _positive(ctx, "ImpPagado", "imp_pagado")


@rule("CRP20242", "El campo ImpPagado debe tener hasta la cantidad de decimales que soporte la moneda MonedaDR.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="ImpPagado may carry at most the decimals of MonedaDR in c_Moneda.")
def pagado_decimales(ctx: DocContext) -> Iterator[Violation]:
    return _decimals(ctx, "ImpPagado", "imp_pagado")


@rule("CRP20243", "El campo ImpSaldoInsoluto debe tener hasta la cantidad de decimales que soporte la moneda MonedaDR.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="ImpSaldoInsoluto may carry at most the decimals of MonedaDR in c_Moneda.")
def insoluto_decimales(ctx: DocContext) -> Iterator[Violation]:
    return _decimals(ctx, "ImpSaldoInsoluto", "imp_saldo_insoluto")


@rule("CRP20244",
      "El campo ImpSaldoInsoluto debe ser mayor o igual a cero y calcularse con la suma de los campos ImpSaldoAnt menos el ImpPagado.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="ImpSaldoInsoluto must equal ImpSaldoAnt − ImpPagado exactly, and must not be negative.")
def saldo_insoluto(ctx: DocContext) -> Iterator[Violation]:
    for _, docto in doctos_of(ctx):
        ant, pagado, insoluto = docto.imp_saldo_ant, docto.imp_pagado, docto.imp_saldo_insoluto
        if ant is None or pagado is None or insoluto is None:
            continue
        expected = ant - pagado
        if insoluto != expected:
            raw = docto.el.get("ImpSaldoInsoluto")
            yield Violation(f"ImpSaldoInsoluto={raw} is not ImpSaldoAnt - ImpPagado = {show(ant)} - {show(pagado)} = {show(expected)}",
                            docto.el, "ImpSaldoInsoluto", expected=show(expected), found=raw)
        elif insoluto < 0:
            raw = docto.el.get("ImpSaldoInsoluto")
            yield Violation(f"ImpSaldoInsoluto={raw} is negative: ImpPagado={show(pagado)} exceeds ImpSaldoAnt={show(ant)}",
                            docto.el, "ImpSaldoInsoluto", expected=">= 0", found=raw)


@rule("CRP20275", "El valor del campo ImpPagado no se encuentra entre el límite inferior y superior permitido.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A DoctoRelacionado in another currency may not claim, even at the low end of SAT's rounding margin, "
      "more in the payment's currency than the whole Monto.")
def imp_pagado_dentro_de_margen(ctx: DocContext) -> Iterator[Violation]:
    """SAT's text (Rev. B, secondary sources only) says ImpPagado must lie within its lower and upper
    limit; the limits are in MonedaP (ImpPagado/EquivalenciaDR ± SAT's margin, ``RULES.md`` §2.5) but
    the only MonedaP amount in a Pago is Monto, and Monto may exceed what is applied (CRP20217), so
    only the lower side can fail. Our reading: each DoctoRelacionado whose MonedaDR differs from
    MonedaP must have its lower limit ≤ Monto (the document alone may not need more than the
    payment). With one such document this is CRP20276's condition seen from the document (both
    fire); with several it names the document that alone overflows the payment. Edge: lower limit
    equal to Monto passes.
    """
    for pago in pagos_of(ctx):
        if pago.monto is None or not _mixed(pago):
            continue
        places = moneda_places(ctx, pago.moneda_p)
        if places is None:
            continue
        for docto in pago.doctos:
            if docto.moneda_dr == pago.moneda_p:
                continue
            limits = margin_limits(pago, docto, places)
            if limits is not None and limits[0] > pago.monto:
                yield Violation(
                    f"ImpPagado={show(docto.imp_pagado)} {docto.moneda_dr} at EquivalenciaDR={show(equivalencia_of(pago, docto))} "
                    f"is at least {show(limits[0])} {pago.moneda_p} (limits {show_range(*limits)}), more than Monto={show(pago.monto)}",
                    docto.el, "ImpPagado", expected=f"lower limit <= {show(pago.monto)}", found=show_range(*limits))


@rule("CRP20276", "El valor del campo Monto no se encuentra entre el límite inferior y superior permitido.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="With documents in other currencies, when the sum of ImpPagado/EquivalenciaDR exceeds Monto, Monto must lie "
      "between the sums of the lower and upper limits of SAT's rounding margin.")
def monto_dentro_de_margen(ctx: DocContext) -> Iterator[Violation]:
    """Pagos guide: Σ ImpPagado/EquivalenciaDR ≤ Monto; when that fails, Σ LímiteInferior ≤ Monto ≤
    Σ LímiteSuperior, each limit truncated / rounded up to MonedaP's decimals. A DoctoRelacionado in
    MonedaP counts with EquivalenciaDR 1 (10 decimals under CRP20277's condition). Skipped when an
    equivalence is missing (CRP20237's finding) or MonedaP is unknown.
    """
    for pago in pagos_of(ctx):
        if pago.monto is None or not pago.doctos or not _mixed(pago):
            continue
        places = moneda_places(ctx, pago.moneda_p)
        if places is None:
            continue
        converted = ZERO
        low = high = ZERO
        for docto in pago.doctos:
            limits = margin_limits(pago, docto, places)
            eq = equivalencia_of(pago, docto)
            if limits is None or eq is None or docto.imp_pagado is None:
                break
            converted += docto.imp_pagado / eq
            low += limits[0]
            high += limits[1]
        else:
            if converted <= pago.monto or low <= pago.monto <= high:
                continue
            yield Violation(
                f"Monto={show(pago.monto)} {pago.moneda_p} is below the sum of ImpPagado/EquivalenciaDR "
                f"({show(redondeo(converted, places + 4))}) and outside the limits {show_range(low, high)}",
                pago.el, "Monto", expected=show_range(low, high), found=show(pago.monto))


@rule("CRP20277",
      'El valor de EquivalenciaDR para la fórmula del cálculo del margen de variación debe ser "1.0000000000".',
      kind=_B, severity=Severity.WARNING, source=MP, needs_schema=True, types=_P,
      gloss="With more than one DoctoRelacionado and at least one in the payment's currency, an EquivalenciaDR of 1 "
      'counts as "1.0000000000" in the margin formula; write it "1" (or "1.0000000000"), not with other decimals.')
def equivalencia_diez_decimales(ctx: DocContext) -> Iterator[Violation]:
    """CRP20277 (Rev. B, 2024-01-15; text changed 2024-01-16) changes the *formula*, not the XML: in a
    Pago with more than one DoctoRelacionado and at least one in MonedaP, an EquivalenciaDR of 1 is
    taken as "1.0000000000" (10 decimals) in the margin of CRP20275/CRP20276, which apply it.

    What is left to check in the document is the spelling: SAT's texts name only "1" (CRP20238) and
    "1.0000000000" (CRP20277's first text). Another spelling ("1.0", "1.000000") leaves it to each
    PAC whether the formula uses the written decimals or 10, so the verdict on Monto may differ
    between PACs. We report it as a warning, on each such EquivalenciaDR, only under CRP20277's
    condition. Edges: "1" and "1.0000000000" pass; "1.00" fires.
    """
    for pago in pagos_of(ctx):
        if not _crp20277_applies(pago):
            continue
        for docto in pago.doctos:
            eq = docto.equivalencia_dr
            if eq is not None and eq == ONE and decimals_of(eq) not in (0, CRP20277_DECIMALS):
                raw = docto.el.get("EquivalenciaDR")
                yield Violation(f'EquivalenciaDR="{raw}" in a Pago with {len(pago.doctos)} DoctoRelacionado: SAT\'s margin formula '
                                'takes 1 as "1.0000000000"; write "1"', docto.el, "EquivalenciaDR",
                                expected='"1" or "1.0000000000"', found=raw)

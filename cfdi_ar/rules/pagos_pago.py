"""Pagos 2.0, the Totales and Pago nodes: CRP20201–CRP20235 (``RULES.md`` §1.2, §2.6).

**Totales** (CRP20201–CRP20211) are in MXN: each is SAT's *redondeo* (half up, 2 decimals)
of the sum, over every Pago, of the Pago's amounts with the stated impuesto / factor /
tasa multiplied by that Pago's TipoCambioP. Interpretations:

* a total that is present with no matching ImpuestosP must equal the empty sum, 0;
* a total that is absent is reported when its matching amounts sum to a non-zero value
  (an absent attribute cannot equal it); when they sum to 0 (IVA 0 %: ImporteP is always
  0) its absence is left to the "at least one total" rules CRP20264/20267/20273;
* a Pago in MXN without TipoCambioP counts with 1 (the XSD leaves it optional and
  CRP20215 speaks of its value only); a Pago in another currency without one makes
  the totals uncomputable (CRP20214 reports it), as does an unreadable amount.

**Pago** rules read the c_FormaPago columns (``ctx.runtime.catalogs.formas_pago``): which
account fields a payment form admits ("No" forbids) and the patterns of the accounts
(matched against the whole value). A payment form unknown to the catalog is the
schema's to report; such a Pago is skipped. "Must not be registered" means the attribute
is absent (written empty counts as registered); "must be registered" means present and
non-empty.
"""

from __future__ import annotations

from decimal import Context, Decimal
from typing import Iterator, NamedTuple

from ..context import DocContext
from ..model import Pago, Totales
from .common import IEPS, ISR, IVA, MP, RFC_GENERICO_EXTRANJERO, moneda_places, redondeo, show, too_many_decimals
from .facts import has_datos_bancarios
from .facts import pagos as _pagos
from .registry import Kind, Violation, register_code, rule

_B = Kind.BUSINESS
_P = ("P",)
ZERO = Decimal("0")
ONE = Decimal("1")
MXN_PLACES = 2  # Totales are t_ImporteMXN
ZERO_MXN = Decimal("0.00")

_RETENCIONES = {IVA: "TotalRetencionesIVA", ISR: "TotalRetencionesISR", IEPS: "TotalRetencionesIEPS"}
_IVA_TASAS = {Decimal("0.160000"): "IVA16", Decimal("0.080000"): "IVA8", Decimal("0.000000"): "IVA0"}
_IVA_TOTALES = {tasa: (f"TotalTrasladosBase{label}", f"TotalTrasladosImpuesto{label}") for tasa, label in _IVA_TASAS.items()}
_WIDE = Context(prec=60)  # the sums are exact: no rounding but SAT's redondeo at the end


# --------------------------------------------------------------------------- Totales


class _Sums(NamedTuple):
    totales: Totales
    expected: dict[str, Decimal]  # attribute -> redondeo(Σ amount × TipoCambioP, 2); absent: the empty sum
    incomplete: frozenset[str]  # attributes with an unreadable amount: not checked


def _tipo_cambio(pago: Pago) -> Decimal | None:
    if pago.tipo_cambio_p is not None:
        return pago.tipo_cambio_p
    if pago.moneda_p == "MXN" and pago.el.get("TipoCambioP") is None:
        return ONE
    return None


def _sums(ctx: DocContext) -> _Sums | None:
    """Every Totales sum in one pass over the Pagos; None without Totales or Pagos, or when a TipoCambioP is unknown."""
    complement = ctx.model.pagos
    if complement is None or complement.totales is None or not complement.pagos:
        return None
    sums: dict[str, Decimal] = {}
    incomplete: set[str] = set()

    def add(name: str, amount: Decimal | None, tc: Decimal) -> None:
        if amount is None:
            incomplete.add(name)
        else:
            sums[name] = _WIDE.add(sums.get(name, ZERO), _WIDE.multiply(amount, tc))

    for pago in complement.pagos:
        tc = _tipo_cambio(pago)
        if tc is None:
            return None
        add("MontoTotalPagos", pago.monto, tc)
        for r in pago.retenciones_p:
            name = _RETENCIONES.get(r.impuesto_p or "")
            if name is not None:
                add(name, r.importe_p, tc)
        for t in pago.traslados_p:
            if t.impuesto_p != IVA:
                continue
            if t.tipo_factor_p == "Exento":
                add("TotalTrasladosBaseIVAExento", t.base_p, tc)
            elif t.tipo_factor_p == "Tasa" and t.tasa_o_cuota_p is not None:
                names = _IVA_TOTALES.get(t.tasa_o_cuota_p)
                if names is not None:
                    add(names[0], t.base_p, tc)
                    add(names[1], t.importe_p, tc)
    return _Sums(complement.totales, {name: redondeo(value, MXN_PLACES) for name, value in sums.items()}, frozenset(incomplete))


def _check_total(ctx: DocContext, attribute: str, field: str, what: str, *, optional: bool = True) -> list[Violation] | None:
    computed = ctx.memo("pagos_pago.totales", _sums)
    if computed is None or attribute in computed.incomplete:
        return None
    totales = computed.totales
    expected = computed.expected.get(attribute, ZERO_MXN)
    value = getattr(totales, field)
    if value is not None:  # read, so written
        if value == expected:
            return None
        raw = totales.el.get(attribute)
        return [Violation(
            f"{attribute} is {raw}, but the sum of {what} × TipoCambioP rounds to {show(expected)}",
            totales.el, attribute, expected=show(expected), found=raw,
        )]
    if optional and expected != ZERO and totales.el.get(attribute) is None:
        return [Violation(
            f"Totales has no {attribute}, but the sum of {what} × TipoCambioP rounds to {show(expected)}",
            totales.el, attribute, expected=show(expected), found="<absent>",
        )]
    return None


_TOTAL_GLOSS = "Totales@{attr} must equal the sum over every Pago of {what} × TipoCambioP, rounded half up to 2 decimals (MXN)."


@rule("CRP20201", "El valor del campo TotalRetencionesIVA no es igual al redondeo de la suma del resultado de multiplicar "
      "cada uno de los importes de los atributos ImporteP de los impuestos retenidos registrados en el elemento RetencionP "
      "donde el atributo ImpuestoP contenga el valor IVA por el valor registrado en el atributo TipoCambioP de cada nodo Pago.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss=_TOTAL_GLOSS.format(attr="TotalRetencionesIVA", what="RetencionP@ImporteP with ImpuestoP 002 (IVA)"))
def total_retenciones_iva(ctx: DocContext) -> list[Violation] | None:
    """SAT: TotalRetencionesIVA = redondeo(Σ RetencionP[IVA]@ImporteP × TipoCambioP); see the module notes."""
    return _check_total(ctx, "TotalRetencionesIVA", "total_retenciones_iva", "RetencionP ImporteP (IVA)")


@rule("CRP20202", "El valor del campo TotalRetencionesISR no es igual al redondeo de la suma del resultado de multiplicar "
      "cada uno de los importes de los atributos ImporteP de los impuestos retenidos registrados en el elemento RetencionP "
      "donde el atributo ImpuestoP contenga el valor ISR por el valor registrado en el atributo TipoCambioP de cada nodo Pago.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss=_TOTAL_GLOSS.format(attr="TotalRetencionesISR", what="RetencionP@ImporteP with ImpuestoP 001 (ISR)"))
def total_retenciones_isr(ctx: DocContext) -> list[Violation] | None:
    """SAT: TotalRetencionesISR = redondeo(Σ RetencionP[ISR]@ImporteP × TipoCambioP); see the module notes."""
    return _check_total(ctx, "TotalRetencionesISR", "total_retenciones_isr", "RetencionP ImporteP (ISR)")


@rule("CRP20203", "El valor del campo TotalRetencionesIEPS no es igual al redondeo de la suma del resultado de multiplicar "
      "cada uno de los importes de los atributos ImporteP de los impuestos retenidos registrados en el elemento RetencionP "
      "donde el atributo ImpuestoP contenga el valor IEPS por el valor registrado en el atributo TipoCambioP de cada nodo Pago.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss=_TOTAL_GLOSS.format(attr="TotalRetencionesIEPS", what="RetencionP@ImporteP with ImpuestoP 003 (IEPS)"))
def total_retenciones_ieps(ctx: DocContext) -> list[Violation] | None:
    """SAT: TotalRetencionesIEPS = redondeo(Σ RetencionP[IEPS]@ImporteP × TipoCambioP); see the module notes."""
    return _check_total(ctx, "TotalRetencionesIEPS", "total_retenciones_ieps", "RetencionP ImporteP (IEPS)")


def _traslado_title(attr: str, amount: str, tasa: str) -> str:
    return (f"El valor del campo {attr} no es igual al redondeo de la suma del resultado de multiplicar cada uno de los "
            f"importes de los atributos {amount} de los impuestos trasladados registrados en el elemento TrasladoP donde los "
            f"atributos contengan en ImpuestoP el valor IVA, en TipoFactorP el valor Tasa y en TasaOCuotaP el valor {tasa}, "
            "por el valor registrado en el atributo TipoCambioP de cada nodo Pago.")


@rule("CRP20204", _traslado_title("TotalTrasladosBaseIVA16", "BaseP", "0.160000"), kind=_B, source=MP, needs_schema=True,
      types=_P, gloss=_TOTAL_GLOSS.format(attr="TotalTrasladosBaseIVA16", what="TrasladoP@BaseP with IVA, Tasa 0.160000"))
def total_traslados_base_iva16(ctx: DocContext) -> list[Violation] | None:
    """SAT: TotalTrasladosBaseIVA16 = redondeo(Σ TrasladoP[IVA, Tasa, 0.160000]@BaseP × TipoCambioP)."""
    return _check_total(ctx, "TotalTrasladosBaseIVA16", "total_traslados_base_iva16", "TrasladoP BaseP (IVA 16%)")


@rule("CRP20205", _traslado_title("TotalTrasladosImpuestoIVA16", "ImporteP", "0.160000"), kind=_B, source=MP,
      needs_schema=True, types=_P,
      gloss=_TOTAL_GLOSS.format(attr="TotalTrasladosImpuestoIVA16", what="TrasladoP@ImporteP with IVA, Tasa 0.160000"))
def total_traslados_impuesto_iva16(ctx: DocContext) -> list[Violation] | None:
    """SAT: TotalTrasladosImpuestoIVA16 = redondeo(Σ TrasladoP[IVA, Tasa, 0.160000]@ImporteP × TipoCambioP)."""
    return _check_total(ctx, "TotalTrasladosImpuestoIVA16", "total_traslados_impuesto_iva16", "TrasladoP ImporteP (IVA 16%)")


@rule("CRP20206", _traslado_title("TotalTrasladosBaseIVA8", "BaseP", "0.080000"), kind=_B, source=MP, needs_schema=True,
      types=_P, gloss=_TOTAL_GLOSS.format(attr="TotalTrasladosBaseIVA8", what="TrasladoP@BaseP with IVA, Tasa 0.080000"))
def total_traslados_base_iva8(ctx: DocContext) -> list[Violation] | None:
    """SAT: TotalTrasladosBaseIVA8 = redondeo(Σ TrasladoP[IVA, Tasa, 0.080000]@BaseP × TipoCambioP)."""
    return _check_total(ctx, "TotalTrasladosBaseIVA8", "total_traslados_base_iva8", "TrasladoP BaseP (IVA 8%)")


@rule("CRP20207", _traslado_title("TotalTrasladosImpuestoIVA8", "ImporteP", "0.080000"), kind=_B, source=MP,
      needs_schema=True, types=_P,
      gloss=_TOTAL_GLOSS.format(attr="TotalTrasladosImpuestoIVA8", what="TrasladoP@ImporteP with IVA, Tasa 0.080000"))
def total_traslados_impuesto_iva8(ctx: DocContext) -> list[Violation] | None:
    """SAT: TotalTrasladosImpuestoIVA8 = redondeo(Σ TrasladoP[IVA, Tasa, 0.080000]@ImporteP × TipoCambioP)."""
    return _check_total(ctx, "TotalTrasladosImpuestoIVA8", "total_traslados_impuesto_iva8", "TrasladoP ImporteP (IVA 8%)")


@rule("CRP20208", _traslado_title("TotalTrasladosBaseIVA0", "BaseP", "0.000000"), kind=_B, source=MP, needs_schema=True,
      types=_P, gloss=_TOTAL_GLOSS.format(attr="TotalTrasladosBaseIVA0", what="TrasladoP@BaseP with IVA, Tasa 0.000000"))
def total_traslados_base_iva0(ctx: DocContext) -> list[Violation] | None:
    """SAT: TotalTrasladosBaseIVA0 = redondeo(Σ TrasladoP[IVA, Tasa, 0.000000]@BaseP × TipoCambioP)."""
    return _check_total(ctx, "TotalTrasladosBaseIVA0", "total_traslados_base_iva0", "TrasladoP BaseP (IVA 0%)")


@rule("CRP20209", _traslado_title("TotalTrasladosImpuestoIVA0", "ImporteP", "0.000000"), kind=_B, source=MP,
      needs_schema=True, types=_P,
      gloss=_TOTAL_GLOSS.format(attr="TotalTrasladosImpuestoIVA0", what="TrasladoP@ImporteP with IVA, Tasa 0.000000"))
def total_traslados_impuesto_iva0(ctx: DocContext) -> list[Violation] | None:
    """SAT: TotalTrasladosImpuestoIVA0 = redondeo(Σ TrasladoP[IVA, Tasa, 0.000000]@ImporteP × TipoCambioP).

    The sum is 0 whenever the ImporteP are 0, so an absent TotalTrasladosImpuestoIVA0 is never reported here.
    """
    return _check_total(ctx, "TotalTrasladosImpuestoIVA0", "total_traslados_impuesto_iva0", "TrasladoP ImporteP (IVA 0%)")


@rule("CRP20210", "El valor del campo TotalTrasladosBaseExento no es igual al redondeo de la suma del resultado de "
      "multiplicar cada uno de los importes de los atributos BaseP de los impuestos trasladados registrados en el elemento "
      "TrasladoP donde los atributos contengan en ImpuestoP el valor IVA y en TipoFactorP el valor Exento, por el valor "
      "registrado en el atributo TipoCambioP de cada nodo Pago.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss=_TOTAL_GLOSS.format(attr="TotalTrasladosBaseIVAExento", what="TrasladoP@BaseP with IVA, Exento"))
def total_traslados_base_iva_exento(ctx: DocContext) -> list[Violation] | None:
    """SAT: TotalTrasladosBaseIVAExento = redondeo(Σ TrasladoP[IVA, Exento]@BaseP × TipoCambioP).

    SAT's message says "TotalTrasladosBaseExento"; the attribute is TotalTrasladosBaseIVAExento.
    """
    return _check_total(ctx, "TotalTrasladosBaseIVAExento", "total_traslados_base_iva_exento", "TrasladoP BaseP (IVA exento)")


@rule("CRP20211", "El valor del campo MontoTotalPagos no es igual al redondeo de la suma del resultado de multiplicar cada "
      "uno de los atributos Monto por el valor registrado en el atributo TipoCambioP de cada nodo Pago.",
      kind=_B, source=MP, needs_schema=True, types=_P,
      gloss=_TOTAL_GLOSS.format(attr="MontoTotalPagos", what="Pago@Monto"))
def monto_total_pagos(ctx: DocContext) -> list[Violation] | None:
    """SAT: MontoTotalPagos = redondeo(Σ Monto × TipoCambioP, 2). Its absence is the schema's (it is required)."""
    return _check_total(ctx, "MontoTotalPagos", "monto_total_pagos", "Pago Monto", optional=False)


# --------------------------------------------------------------------------- Pago: FormaDePagoP, MonedaP, TipoCambioP, Monto


@rule("CRP20212", 'El valor del campo FormaDePagoP debe ser distinto de "99".', kind=_B, source=MP, needs_schema=True,
      types=_P, gloss='A payment has been made, so its form is known: FormaDePagoP must not be "99" (por definir).')
def forma_de_pago_definida(ctx: DocContext) -> Iterator[Violation]:
    """SAT: FormaDePagoP is not "99"."""
    for pago in _pagos(ctx):
        if pago.forma_de_pago_p == "99":
            yield Violation('FormaDePagoP is "99" (por definir); a Pago states the form in which it was received',
                            pago.el, "FormaDePagoP", expected="not 99", found="99")


@rule("CRP20213", 'El campo MonedaP debe ser distinto de "XXX"', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='A Pago is made in a real currency: MonedaP must not be "XXX".')
def moneda_p_real(ctx: DocContext) -> Iterator[Violation]:
    """SAT: MonedaP is not "XXX"."""
    for pago in _pagos(ctx):
        if pago.moneda_p == "XXX":
            yield Violation('MonedaP is "XXX"; a Pago states the currency in which it was received',
                            pago.el, "MonedaP", expected="not XXX", found="XXX")


@rule("CRP20214", "El campo TipoCambioP se debe registrar.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A Pago in a currency other than MXN must carry TipoCambioP.")
def tipo_cambio_p_requerido(ctx: DocContext) -> Iterator[Violation]:
    """SAT: TipoCambioP is registered when MonedaP is not MXN (MonedaP XXX is CRP20213's)."""
    for pago in _pagos(ctx):
        moneda = pago.moneda_p
        if moneda is not None and moneda not in ("MXN", "XXX") and pago.tipo_cambio_p is None and pago.el.get("TipoCambioP") is None:
            yield Violation(f"the Pago is in {moneda} but has no TipoCambioP", pago.el, "TipoCambioP",
                            expected="<present>", found="<absent>")


@rule("CRP20215", 'El campo TipoCambioP debe contener el valor "1".', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A Pago in MXN that carries TipoCambioP must state 1.")
def tipo_cambio_p_uno(ctx: DocContext) -> Iterator[Violation]:
    """SAT: TipoCambioP is "1" when MonedaP is MXN.

    Interpretation: compared by value ("1.000000" passes); an absent TipoCambioP is not
    reported, since the XSD makes it optional and SAT's "se debe registrar" code (CRP20214)
    is only for other currencies (KPac reports absence too; we do not).
    """
    for pago in _pagos(ctx):
        if pago.moneda_p == "MXN" and pago.tipo_cambio_p is not None and pago.tipo_cambio_p != ONE:
            raw = pago.el.get("TipoCambioP")
            yield Violation(f"the Pago is in MXN but TipoCambioP is {raw}; it must be 1", pago.el, "TipoCambioP",
                            expected="1", found=raw)


register_code("CRP20216", "Cuando el valor del campo TipoCambioP se encuentre fuera de los límites establecidos, debe existir "
              "el campo Confirmacion.", kind=Kind.EXTERNAL, source=MP,
              gloss="A TipoCambioP outside the variation allowed by c_Moneda around the day's reference rate needs a "
              "Confirmacion key; the reference rate is not in the document.")


@rule("CRP20218", 'El valor del campo Monto no es mayor que cero "0".', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="Pago@Monto must be greater than zero (the XSD admits 0).")
def monto_positivo(ctx: DocContext) -> Iterator[Violation]:
    """SAT: Monto > 0."""
    for pago in _pagos(ctx):
        if pago.monto is not None and pago.monto <= ZERO:
            raw = pago.el.get("Monto")
            yield Violation(f"Monto is {raw}; a Pago must be greater than zero", pago.el, "Monto", expected="> 0", found=raw)


@rule("CRP20219", "El valor del campo Monto debe tener hasta la cantidad de decimales que soporte la moneda registrada en "
      "el campo MonedaP.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="Pago@Monto carries at most the decimals of MonedaP in c_Moneda (2 for MXN and USD, 0 for JPY...).")
def monto_decimales(ctx: DocContext) -> Iterator[Violation]:
    """SAT: decimals written in Monto ≤ c_Moneda decimals of MonedaP (unknown currency: skipped)."""
    for pago in _pagos(ctx):
        places = moneda_places(ctx, pago.moneda_p) if pago.moneda_p else None
        if too_many_decimals(pago.monto, places):
            raw = pago.el.get("Monto")
            yield Violation(f"Monto {raw} has more decimals than {pago.moneda_p} allows ({places})", pago.el, "Monto",
                            expected=f"<= {places} decimals", found=raw)


register_code("CRP20220", "Cuando el valor del campo Monto se encuentre fuera de los límites establecidos, debe existir el "
              "campo Confirmacion", kind=Kind.EXTERNAL, source=MP,
              gloss="A Monto whose MXN equivalent exceeds SAT's limit needs a Confirmacion key; the limit in force is "
              "not in the document.")


# --------------------------------------------------------------------------- Pago: accounts (c_FormaPago columns)


# Pago attributes → the model's fields: text (None exactly when the attribute is absent, so the element is
# read only when it is there) or raw (the attribute exactly as written).
_FIELDS = {"RfcEmisorCtaOrd": "rfc_emisor_cta_ord", "CtaOrdenante": "cta_ordenante", "RfcEmisorCtaBen": "rfc_emisor_cta_ben",
           "CtaBeneficiario": "cta_beneficiario", "CertPago": "cert_pago", "CadPago": "cad_pago", "SelloPago": "sello_pago"}


def _forbidden_by_forma(ctx: DocContext, attribute: str, column: str) -> Iterator[Violation]:
    formas = ctx.runtime.catalogs.formas_pago
    field = _FIELDS[attribute]
    for pago in _pagos(ctx):
        if getattr(pago, field) is None:
            continue
        raw = pago.el.get(attribute)
        if raw is None:
            continue
        forma = formas.get(pago.forma_de_pago_p or "")
        if forma is None or forma.allows(column):
            continue
        yield Violation(
            f'the Pago carries {attribute}="{raw}", which c_FormaPago does not admit for FormaDePagoP '
            f'"{pago.forma_de_pago_p}" (not a banked payment form)',
            pago.el, attribute, expected="<absent>", found=raw,
        )


def _pattern_of_forma(ctx: DocContext, attribute: str, column: str, pattern_column: str) -> Iterator[Violation]:
    formas = ctx.runtime.catalogs.formas_pago
    field = _FIELDS[attribute]
    for pago in _pagos(ctx):
        if getattr(pago, field) is None:
            continue
        value = pago.el.get(attribute)
        if value is None:
            continue
        forma = formas.get(pago.forma_de_pago_p or "")
        if forma is None or not forma.allows(column):  # a forbidden account is reported by its own code
            continue
        pattern = getattr(forma, pattern_column)
        if pattern is not None and not pattern.fullmatch(value):
            yield Violation(
                f'{attribute} "{value}" does not match the pattern c_FormaPago sets for FormaDePagoP '
                f'"{pago.forma_de_pago_p}"',
                pago.el, attribute, expected=pattern.pattern, found=value,
            )


@rule("CRP20221", "Cuando el valor del campo FormaDePagoP sea diferente a la clave 02, 03, 04, 05, 06, 28 y 29, entonces el "
      "campo RfcEmisorCtaOrd no debe existir.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='RfcEmisorCtaOrd only with a payment form whose c_FormaPago column "RFC del Emisor de la cuenta ordenante" '
      'is not "No" (02, 03, 04, 05, 06, 28, 29).', over=has_datos_bancarios)
def rfc_emisor_cta_ord_admitido(ctx: DocContext) -> Iterator[Violation]:
    """SAT (KPac's copy of the matrix): RfcEmisorCtaOrd does not exist for a non-banked FormaDePagoP.

    The list of forms is read from c_FormaPago (column rfc_emisor_cta_ord), which gives SAT's list.
    """
    return _forbidden_by_forma(ctx, "RfcEmisorCtaOrd", "rfc_emisor_cta_ord")


@rule("CRP20223", "El campo NomBancoOrdExt se debe registrar.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="When RfcEmisorCtaOrd is the generic foreign RFC XEXX010101000, NomBancoOrdExt (the foreign bank's name) "
      "must be registered.", over=has_datos_bancarios)
def nom_banco_ord_ext_requerido(ctx: DocContext) -> Iterator[Violation]:
    """SAT: RfcEmisorCtaOrd = XEXX010101000 ⇒ NomBancoOrdExt registered (present and non-empty)."""
    for pago in _pagos(ctx):
        if pago.rfc_emisor_cta_ord == RFC_GENERICO_EXTRANJERO and not pago.nom_banco_ord_ext:
            yield Violation(f"RfcEmisorCtaOrd is {RFC_GENERICO_EXTRANJERO} (foreign bank) but NomBancoOrdExt is missing",
                            pago.el, "NomBancoOrdExt", expected="<present>", found="<absent>")


@rule("CRP20224", "El campo CtaOrdenante no se debe registrar.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='CtaOrdenante only with a payment form whose c_FormaPago column "Cuenta Ordenante" is not "No".',
      over=has_datos_bancarios)
def cta_ordenante_admitida(ctx: DocContext) -> Iterator[Violation]:
    """SAT: CtaOrdenante is not registered for a non-banked FormaDePagoP (c_FormaPago column cta_ordenante)."""
    return _forbidden_by_forma(ctx, "CtaOrdenante", "cta_ordenante")


@rule("CRP20225", "El campo CtaOrdenante no cumple con el patrón requerido.", kind=_B, source=MP, needs_schema=True,
      types=_P, gloss="CtaOrdenante must match, as a whole, the pattern c_FormaPago gives for the payment form "
      "(e.g. 10, 16 or 18 digits for 03).", over=has_datos_bancarios)
def cta_ordenante_patron(ctx: DocContext) -> Iterator[Violation]:
    """SAT: CtaOrdenante matches c_FormaPago's "Patrón para cuenta ordenante" of FormaDePagoP (whole value)."""
    return _pattern_of_forma(ctx, "CtaOrdenante", "cta_ordenante", "patron_cta_ordenante")


@rule("CRP20226", "El campo CtaBeneficiario no cumple con el patrón requerido.", kind=_B, source=MP, needs_schema=True,
      types=_P, gloss="CtaBeneficiario must match, as a whole, the pattern c_FormaPago gives for the payment form "
      "(e.g. 10 or 18 digits for 03).", over=has_datos_bancarios)
def cta_beneficiario_patron(ctx: DocContext) -> Iterator[Violation]:
    """SAT: CtaBeneficiario matches c_FormaPago's "Patrón para cuenta beneficiaria" of FormaDePagoP (whole value)."""
    return _pattern_of_forma(ctx, "CtaBeneficiario", "cta_beneficiario", "patron_cta_beneficiaria")


@rule("CRP20227", "El campo RfcEmisorCtaBen no se debe registrar.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='RfcEmisorCtaBen only with a payment form whose c_FormaPago column "RFC del Emisor Cuenta de Beneficiario" '
      'is not "No".', over=has_datos_bancarios)
def rfc_emisor_cta_ben_admitido(ctx: DocContext) -> Iterator[Violation]:
    """SAT: RfcEmisorCtaBen is not registered for a non-banked FormaDePagoP (c_FormaPago column rfc_emisor_cta_ben)."""
    return _forbidden_by_forma(ctx, "RfcEmisorCtaBen", "rfc_emisor_cta_ben")


@rule("CRP20228", "El campo CtaBeneficiario no se debe registrar.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='CtaBeneficiario only with a payment form whose c_FormaPago column "Cuenta de Beneficiario" is not "No" '
      "(06, monedero electrónico, has none).", over=has_datos_bancarios)
def cta_beneficiario_admitida(ctx: DocContext) -> Iterator[Violation]:
    """SAT (wording known only from KPac's copy of the matrix; the title follows CRP20224/20227):
    CtaBeneficiario is not registered for a form that does not admit it.

    Read from c_FormaPago (column cta_beneficiario), where 06 (monedero electrónico) admits a
    CtaOrdenante but no CtaBeneficiario; KPac's message lists 06 among the admitting forms, but
    SAT's catalog says "No", and the catalog is what we follow.
    """
    return _forbidden_by_forma(ctx, "CtaBeneficiario", "cta_beneficiario")


# --------------------------------------------------------------------------- Pago: TipoCadPago, CertPago, CadPago, SelloPago


@rule("CRP20229", "El campo TipoCadPago no se debe registrar.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="TipoCadPago (SPEI payment chain) only when FormaDePagoP is 03 (transferencia electrónica).",
      over=has_datos_bancarios)
def tipo_cad_pago_solo_transferencia(ctx: DocContext) -> Iterator[Violation]:
    """SAT: TipoCadPago is registered only when FormaDePagoP is "03"."""
    for pago in _pagos(ctx):
        if pago.tipo_cad_pago is None or pago.forma_de_pago_p == "03":
            continue
        raw = pago.el.get("TipoCadPago")
        if raw is not None:
            yield Violation(f'the Pago carries TipoCadPago="{raw}" but FormaDePagoP is "{pago.forma_de_pago_p}", not 03',
                            pago.el, "TipoCadPago", expected="<absent>", found=raw)


def _required_with_cad(ctx: DocContext, attribute: str) -> Iterator[Violation]:
    field = _FIELDS[attribute]
    for pago in _pagos(ctx):
        if pago.tipo_cad_pago is not None and not getattr(pago, field):
            yield Violation(f"the Pago carries TipoCadPago but no {attribute}", pago.el, attribute,
                            expected="<present>", found="<absent>")


def _forbidden_without_cad(ctx: DocContext, attribute: str) -> Iterator[Violation]:
    field = _FIELDS[attribute]
    for pago in _pagos(ctx):
        if pago.tipo_cad_pago is None and getattr(pago, field) is not None:
            yield Violation(f"the Pago carries {attribute} but no TipoCadPago", pago.el, attribute,
                            expected="<absent>", found="<present>")


@rule("CRP20230", "El campo CertPago se debe registrar.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A Pago with TipoCadPago must carry CertPago.", over=has_datos_bancarios)
def cert_pago_requerido(ctx: DocContext) -> Iterator[Violation]:
    """SAT: TipoCadPago registered ⇒ CertPago registered (present and non-empty)."""
    return _required_with_cad(ctx, "CertPago")


@rule("CRP20231", "El campo CertPago no se debe registrar.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A Pago without TipoCadPago must not carry CertPago.", over=has_datos_bancarios)
def cert_pago_prohibido(ctx: DocContext) -> Iterator[Violation]:
    """SAT: no TipoCadPago ⇒ no CertPago."""
    return _forbidden_without_cad(ctx, "CertPago")


@rule("CRP20232", "El campo CadPago se debe registrar.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A Pago with TipoCadPago must carry CadPago.", over=has_datos_bancarios)
def cad_pago_requerido(ctx: DocContext) -> Iterator[Violation]:
    """SAT: TipoCadPago registered ⇒ CadPago registered (present and non-empty)."""
    return _required_with_cad(ctx, "CadPago")


@rule("CRP20233", "El campo CadPago no se debe registrar.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A Pago without TipoCadPago must not carry CadPago.", over=has_datos_bancarios)
def cad_pago_prohibido(ctx: DocContext) -> Iterator[Violation]:
    """SAT: no TipoCadPago ⇒ no CadPago."""
    return _forbidden_without_cad(ctx, "CadPago")


@rule("CRP20234", "El campo SelloPago se debe registrar.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A Pago with TipoCadPago must carry SelloPago.", over=has_datos_bancarios)
def sello_pago_requerido(ctx: DocContext) -> Iterator[Violation]:
    """SAT: TipoCadPago registered ⇒ SelloPago registered (present and non-empty)."""
    return _required_with_cad(ctx, "SelloPago")


@rule("CRP20235", "El campo SelloPago no se debe registrar.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A Pago without TipoCadPago must not carry SelloPago.", over=has_datos_bancarios)
def sello_pago_prohibido(ctx: DocContext) -> Iterator[Violation]:
    """SAT: no TipoCadPago ⇒ no SelloPago."""
    return _forbidden_without_cad(ctx, "SelloPago")

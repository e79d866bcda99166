"""Pagos 2.0, the CFDI base of a payment receipt: CRP20101–CRP20123 (``RULES.md`` §1.2).

A *recibo electrónico de pago* (REP) is a CFDI 4.0 of type P carrying the Pagos 2.0
complement. Its base is fixed: no money of its own (SubTotal and Total 0, Moneda
XXX), no payment terms, one generic concept ("84111506", "ACT", "Pago", 1 × 0 = 0,
ObjetoImp 01) and no taxes. The amounts live in the complement (:mod:`.pagos_pago`).

Interpretations, applied to every rule here:

* These codes belong to the matrix of the Pagos 2.0 complement, so they speak only when
  the complement is present (``ctx.model.complementos``, a cheap tuple look-up).
  CRP20101 runs on every type (a wrong type is its very error); the others on type P
  only (``types=("P",)``). A type P *without* the complement is not reported by these
  codes: that is the complement's absence, not a breach of its matrix.
* "must not be registered" means the attribute or node is absent: an attribute written
  empty (``FormaPago=""``) is registered, so it is reported too.
* Fixed amounts ("0", "1") are compared by value, as SAT's wording names a value
  (*debe ser cero "0"*) and the XSD types them as decimals: "0.00" is zero and passes.
  The fixed codes ("P", "01", "XXX", "84111506", "ACT", "Pago") are compared as
  written (whitespace collapsed, as the XSD and the cadena original see them).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from lxml import etree

from ..context import DocContext
from ..model import Concepto
from ..namespaces import CFDI40, PAGOS20, q, split_tag
from .common import MP
from .registry import Kind, Violation, rule

_B = Kind.BUSINESS
_P = ("P",)
ZERO = Decimal("0")
ONE = Decimal("1")
_IMPUESTOS = q(CFDI40, "Impuestos")
_CONCEPTO_CHILDREN_ALLOWED = frozenset({"ACuentaTerceros", "Impuestos"})  # Impuestos: CRP20123's


# The three shapes of these rules, each returning the finding as a one-item list (None when the
# node complies) so a rule can return it as its result.


def _must_not_exist(el: etree._Element, attribute: str, where: str, text: str | None = "") -> list[Violation] | None:
    """``text``, when given, is the model's text field for the attribute, None exactly when the attribute is
    absent (then the element need not be read); by default the element is read."""
    if text is None:
        return None
    raw = el.get(attribute)
    if raw is None:
        return None
    return [Violation(
        f'{where} carries {attribute}="{raw}"; a payment receipt (type P) must not register it',
        el, attribute, expected="<absent>", found=raw,
    )]


def _must_be(el: etree._Element, attribute: str, value: str | None, required: str, where: str) -> list[Violation] | None:
    if value is None or value == required:
        return None
    return [Violation(
        f'{where} {attribute} is "{value}"; a payment receipt (type P) requires "{required}"',
        el, attribute, expected=required, found=value,
    )]


def _amount_must_be(el: etree._Element, attribute: str, value: Decimal | None, required: Decimal,
                    where: str) -> list[Violation] | None:
    if value is None or value == required:
        return None
    raw = el.get(attribute)
    return [Violation(
        f"{where} {attribute} is {raw}; a payment receipt (type P) requires {required}",
        el, attribute, expected=str(required), found=raw,
    )]


def _rep(ctx: DocContext) -> bool:
    """Does the document carry the Pagos 2.0 complement (whose matrix these codes belong to)?"""
    return PAGOS20 in ctx.model.complementos


def _conceptos(ctx: DocContext) -> tuple[Concepto, ...]:
    return ctx.model.conceptos if _rep(ctx) else ()


# --------------------------------------------------------------------------- Comprobante


@rule("CRP20101", 'El valor del campo TipoDeComprobante debe ser "P"', kind=_B, source=MP, needs_schema=True,
      gloss="A CFDI carrying the Pagos 2.0 complement must be of type P (pago).")
def tipo_de_comprobante_p(ctx: DocContext) -> list[Violation] | None:
    """SAT: a document with the Pagos 2.0 complement has TipoDeComprobante "P".

    Runs on every type (a wrong type is the very error), so it first checks, cheaply, that
    the complement is there; an absent TipoDeComprobante is the schema's to report.
    """
    model = ctx.model
    tipo = model.tipo_de_comprobante
    if tipo == "P" or tipo is None or PAGOS20 not in model.complementos:
        return None
    return [Violation(
          f'TipoDeComprobante is "{tipo}" but the document carries the Pagos 2.0 complement, which requires "P"',
          ctx.root, "TipoDeComprobante", expected="P", found=tipo,
    )]


@rule("CRP20102", 'El valor del campo Exportacion debe ser "01"', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='A payment receipt is not an export: Exportacion must be "01".')
def exportacion_01(ctx: DocContext) -> list[Violation] | None:
    """SAT: Exportacion of a type P document is "01" (No aplica)."""
    return _must_be(ctx.root, "Exportacion", ctx.model.exportacion, "01", "the receipt's") if _rep(ctx) else None


@rule("CRP20103", 'El valor del campo SubTotal debe ser cero "0".', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A payment receipt has SubTotal 0: its amounts are in the Pagos complement.")
def subtotal_cero(ctx: DocContext) -> list[Violation] | None:
    """SAT: SubTotal is "0". Compared by value: "0.00" is zero (see the module notes)."""
    return _amount_must_be(ctx.root, "SubTotal", ctx.model.subtotal, ZERO, "the receipt's") if _rep(ctx) else None


@rule("CRP20104", 'El valor del campo Moneda debe ser "XXX".', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='A payment receipt has no currency of its own: Moneda must be "XXX" (each Pago has MonedaP).')
def moneda_xxx(ctx: DocContext) -> list[Violation] | None:
    """SAT: Moneda of a type P document is "XXX"."""
    return _must_be(ctx.root, "Moneda", ctx.model.moneda, "XXX", "the receipt's") if _rep(ctx) else None


@rule("CRP20105", "El campo FormaPago no se debe registrar en el CFDI.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A payment receipt must not carry FormaPago (each Pago has FormaDePagoP).")
def sin_forma_pago(ctx: DocContext) -> list[Violation] | None:
    """SAT: FormaPago is not registered in a type P document."""
    return _must_not_exist(ctx.root, "FormaPago", "the receipt", ctx.model.forma_pago) if _rep(ctx) else None


@rule("CRP20106", "El campo MetodoPago no se debe registrar en el CFDI.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A payment receipt must not carry MetodoPago.")
def sin_metodo_pago(ctx: DocContext) -> list[Violation] | None:
    """SAT: MetodoPago is not registered in a type P document."""
    return _must_not_exist(ctx.root, "MetodoPago", "the receipt", ctx.model.metodo_pago) if _rep(ctx) else None


@rule("CRP20107", "El campo CondicionesDePago no se debe registrar en el CFDI.", kind=_B, source=MP, needs_schema=True,
      types=_P, gloss="A payment receipt must not carry CondicionesDePago.")
def sin_condiciones_de_pago(ctx: DocContext) -> list[Violation] | None:
    """SAT: CondicionesDePago is not registered in a type P document."""
    return _must_not_exist(ctx.root, "CondicionesDePago", "the receipt", ctx.model.condiciones_de_pago) if _rep(ctx) else None


@rule("CRP20108", "El campo Descuento no se debe registrar en el CFDI.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A payment receipt must not carry a Descuento at the Comprobante level.")
def sin_descuento(ctx: DocContext) -> list[Violation] | None:
    """SAT: Comprobante@Descuento is not registered in a type P document (Concepto@Descuento is CRP20121)."""
    return _must_not_exist(ctx.root, "Descuento", "the receipt") if _rep(ctx) else None


@rule("CRP20109", "El campo TipoCambio no se debe registrar en el CFDI.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A payment receipt must not carry TipoCambio (each Pago has TipoCambioP).")
def sin_tipo_cambio(ctx: DocContext) -> list[Violation] | None:
    """SAT: TipoCambio is not registered in a type P document."""
    return _must_not_exist(ctx.root, "TipoCambio", "the receipt") if _rep(ctx) else None


@rule("CRP20110", 'El valor del campo Total debe ser cero "0".', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A payment receipt has Total 0: its amounts are in the Pagos complement.")
def total_cero(ctx: DocContext) -> list[Violation] | None:
    """SAT: Total is "0". Compared by value: "0.00" is zero (see the module notes)."""
    return _amount_must_be(ctx.root, "Total", ctx.model.total, ZERO, "the receipt's") if _rep(ctx) else None


# --------------------------------------------------------------------------- Conceptos


@rule("CRP20111", "Solo debe existir un Concepto en el CFDI.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="A payment receipt has exactly one Concepto.")
def un_solo_concepto(ctx: DocContext) -> list[Violation] | None:
    """SAT: exactly one Concepto. None at all is the schema's to report (Conceptos needs one)."""
    conceptos = _conceptos(ctx)
    if len(conceptos) > 1:
        return [Violation(
              f"the receipt has {len(conceptos)} Concepto nodes; a payment receipt has exactly one",
              conceptos[1].el, None, expected="1", found=str(len(conceptos)),
        )]


@rule("CRP20112", "Si no existe el nodo AcuentaTerceros, no se deben registrar apartados dentro de Conceptos.", kind=_B,
      source=MP, needs_schema=True, types=_P,
      gloss="The Concepto of a payment receipt has no child node except ACuentaTerceros (no InformacionAduanera, "
      "CuentaPredial, Parte...).")
def concepto_sin_apartados(ctx: DocContext) -> Iterator[Violation]:
    """SAT: no sections inside the Concepto except ACuentaTerceros.

    Interpretation: every child other than ACuentaTerceros is reported, whether or not
    ACuentaTerceros is present (the guide allows only that one). A Concepto/Impuestos is
    left to CRP20123, whose text names it, so no node is reported twice.
    """
    for concepto in _conceptos(ctx):
        if all(tag in _CONCEPTO_CHILDREN_ALLOWED for tag in concepto.child_tags):
            continue
        for child in concepto.el:
            if not isinstance(child.tag, str):
                continue
            name = split_tag(child.tag)[1]
            if name not in _CONCEPTO_CHILDREN_ALLOWED:
                yield Violation(
                    f"the Concepto of a payment receipt carries a {name} node; only ACuentaTerceros is allowed",
                    child, None, expected="<absent>", found=name,
                )


@rule("CRP20113", 'El valor del campo ClaveProdServ debe ser "84111506".', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='The Concepto of a payment receipt has ClaveProdServ "84111506" (servicios de facturación).')
def concepto_clave_prod_serv(ctx: DocContext) -> Iterator[Violation]:
    """SAT: Concepto@ClaveProdServ is "84111506"."""
    for c in _conceptos(ctx):
        found = _must_be(c.el, "ClaveProdServ", c.clave_prod_serv, "84111506", "the Concepto's")
        if found:
            yield from found


@rule("CRP20114", "El campo NoIdentificacion no se debe registrar en el CFDI.", kind=_B, source=MP, needs_schema=True,
      types=_P, gloss="The Concepto of a payment receipt must not carry NoIdentificacion.")
def concepto_sin_no_identificacion(ctx: DocContext) -> Iterator[Violation]:
    """SAT: Concepto@NoIdentificacion is not registered."""
    for c in _conceptos(ctx):
        found = _must_not_exist(c.el, "NoIdentificacion", "the Concepto", c.no_identificacion)
        if found:
            yield from found


@rule("CRP20115", 'El valor del campo Cantidad debe ser "1".', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="The Concepto of a payment receipt has Cantidad 1.")
def concepto_cantidad_uno(ctx: DocContext) -> Iterator[Violation]:
    """SAT: Concepto@Cantidad is "1". Compared by value: "1.00" is one (see the module notes)."""
    for c in _conceptos(ctx):
        found = _amount_must_be(c.el, "Cantidad", c.cantidad, ONE, "the Concepto's")
        if found:
            yield from found


@rule("CRP20116", 'El valor del campo ClaveUnidad debe ser "ACT".', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='The Concepto of a payment receipt has ClaveUnidad "ACT" (actividad).')
def concepto_clave_unidad(ctx: DocContext) -> Iterator[Violation]:
    """SAT: Concepto@ClaveUnidad is "ACT"."""
    for c in _conceptos(ctx):
        found = _must_be(c.el, "ClaveUnidad", c.clave_unidad, "ACT", "the Concepto's")
        if found:
            yield from found


@rule("CRP20117", "El campo Unidad no se debe registrar en el CFDI.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="The Concepto of a payment receipt must not carry Unidad.")
def concepto_sin_unidad(ctx: DocContext) -> Iterator[Violation]:
    """SAT: Concepto@Unidad is not registered."""
    for c in _conceptos(ctx):
        found = _must_not_exist(c.el, "Unidad", "the Concepto", c.unidad)
        if found:
            yield from found


@rule("CRP20118", 'El valor del campo Descripcion debe ser "Pago".', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='The Concepto of a payment receipt has Descripcion "Pago" (exactly, capital P).')
def concepto_descripcion_pago(ctx: DocContext) -> Iterator[Violation]:
    """SAT: Concepto@Descripcion is "Pago"; compared case-sensitively, whitespace collapsed."""
    for c in _conceptos(ctx):
        found = _must_be(c.el, "Descripcion", c.descripcion, "Pago", "the Concepto's")
        if found:
            yield from found


@rule("CRP20119", 'El valor del campo ValorUnitario debe ser cero "0".', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="The Concepto of a payment receipt has ValorUnitario 0.")
def concepto_valor_unitario_cero(ctx: DocContext) -> Iterator[Violation]:
    """SAT: Concepto@ValorUnitario is "0". Compared by value (see the module notes)."""
    for c in _conceptos(ctx):
        found = _amount_must_be(c.el, "ValorUnitario", c.valor_unitario, ZERO, "the Concepto's")
        if found:
            yield from found


@rule("CRP20120", 'El valor del campo Importe debe ser cero "0".', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="The Concepto of a payment receipt has Importe 0.")
def concepto_importe_cero(ctx: DocContext) -> Iterator[Violation]:
    """SAT: Concepto@Importe is "0". Compared by value (see the module notes)."""
    for c in _conceptos(ctx):
        found = _amount_must_be(c.el, "Importe", c.importe, ZERO, "the Concepto's")
        if found:
            yield from found


@rule("CRP20121", "El campo Descuento no se debe registrar en el CFDI.", kind=_B, source=MP, needs_schema=True, types=_P,
      gloss="The Concepto of a payment receipt must not carry Descuento.")
def concepto_sin_descuento(ctx: DocContext) -> Iterator[Violation]:
    """SAT: Concepto@Descuento is not registered (Comprobante@Descuento is CRP20108)."""
    for c in _conceptos(ctx):
        found = _must_not_exist(c.el, "Descuento", "the Concepto")
        if found:
            yield from found


@rule("CRP20122", 'El valor del campo ObjetoImp debe ser "01".', kind=_B, source=MP, needs_schema=True, types=_P,
      gloss='The Concepto of a payment receipt has ObjetoImp "01" (no objeto de impuesto).')
def concepto_objeto_imp_01(ctx: DocContext) -> Iterator[Violation]:
    """SAT: Concepto@ObjetoImp is "01"."""
    for c in _conceptos(ctx):
        found = _must_be(c.el, "ObjetoImp", c.objeto_imp, "01", "the Concepto's")
        if found:
            yield from found


@rule("CRP20123", "No se debe registrar el apartado de Impuestos en el CFDI.", kind=_B, source=MP, needs_schema=True,
      types=_P, gloss="A payment receipt has no Impuestos node, neither the Comprobante's nor the Concepto's "
      "(its taxes are in the Pagos complement, ImpuestosP).")
def sin_impuestos(ctx: DocContext) -> Iterator[Violation]:
    """SAT: no Impuestos section in the CFDI.

    Interpretation: both cfdi:Comprobante/cfdi:Impuestos and cfdi:Concepto/cfdi:Impuestos (RULES.md
    names both); the Concepto's is reported here only, not also by CRP20112.
    """
    if not _rep(ctx):
        return
    impuestos = ctx.model.impuestos
    if impuestos is not None:
        yield Violation("the receipt carries a cfdi:Impuestos node; a payment receipt states its taxes in ImpuestosP",
                        impuestos.el, None, expected="<absent>", found="Impuestos")
    for c in _conceptos(ctx):
        if not c.has_impuestos:
            continue
        for child in c.el.iterchildren(_IMPUESTOS):
            yield Violation("the Concepto carries a cfdi:Impuestos node; a payment receipt's Concepto has ObjetoImp 01 "
                            "and no taxes", child, None, expected="<absent>", found="Impuestos")

"""SAT's CFDI 4.0 rules on the attributes of cfdi:Comprobante (CFDI40103–CFDI40129).

Payment form and method by type, SubTotal, Descuento, Moneda/TipoCambio, Total,
Exportacion. Rules on InformacionGlobal, Emisor and Receptor (CFDI40130–CFDI40161)
are in :mod:`.cfdi40_partes`. CFDI40102 and CFDI40106 live in :mod:`.sello`,
CFDI40111 with the concepts (:mod:`.cfdi40_conceptos`); the XSD-class codes of
this range are mapped in :mod:`.schema`.

Codes that need data from outside the document (the day's reference exchange
rate, SAT's maximum amounts, the PAC's Confirmacion keys) are registered as
``external`` so ``cfdi-ar rules`` lists them.
"""

from __future__ import annotations

from decimal import Decimal

from ..context import DocContext
from .common import M40, has_comercio_exterior, moneda_places, rounded_sum_differs, show, too_many_decimals
from .registry import Kind, Violation, register_code, rule

__all__: list[str] = []

_B = Kind.BUSINESS
ONE = Decimal(1)
ZERO = Decimal(0)
# Comercio Exterior 2.0 (in force since 2024-01-18) and 1.1 (accepted with CFDI 4.0 until then).


@rule("CFDI40103", "Si existe el tipo de comprobante T, N o P el campo FormaPago no debe existir.", kind=_B,
      gloss="FormaPago must be omitted on transfer (T), payroll (N) and payment (P) documents.",
      source=M40, needs_schema=True, types=("T", "N", "P"))
def forma_pago_omitida_en_t_n_p(ctx: DocContext) -> list[Violation] | None:
    """SAT: with TipoDeComprobante T, N or P the attribute FormaPago must not exist."""
    m = ctx.model
    if m.forma_pago is not None:
        return [Violation(f"FormaPago={m.forma_pago} is registered on a document of type {m.tipo_de_comprobante}",
                          ctx.root, "FormaPago", expected="<absent>", found=ctx.root.get("FormaPago"))]


@rule("CFDI40105", 'El campo FormaPago no contiene el valor "99".', kind=_B,
      gloss='With MetodoPago PPD (deferred or in installments) FormaPago must be "99" (Por definir).',
      source=M40, needs_schema=True)
def forma_pago_99_con_ppd(ctx: DocContext) -> list[Violation] | None:
    """SAT: when MetodoPago is PPD, FormaPago must contain "99".

    A FormaPago that is absent is not reported here: the matrix compares the value
    registered, and whether it may be omitted is a question of other rules (CFDI40103).
    """
    m = ctx.model
    if m.metodo_pago == "PPD" and m.forma_pago is not None and m.forma_pago != "99":
        return [Violation(f"MetodoPago is PPD but FormaPago is {m.forma_pago}, not 99", ctx.root, "FormaPago",
                          expected="99", found=ctx.root.get("FormaPago"))]


@rule("CFDI40107", "El valor de este campo SubTotal excede la cantidad de decimales que soporta la moneda.", kind=_B,
      gloss="SubTotal may carry at most the decimals of the currency in c_Moneda.",
      source=M40, needs_schema=True)
def subtotal_decimales_de_la_moneda(ctx: DocContext) -> list[Violation] | None:
    """SAT: SubTotal must not carry more decimals than c_Moneda gives the currency.

    A zero SubTotal on T or P is not reported: CFDI40109 accepts "cero con decimales"
    there, even with Moneda XXX (0 decimals).
    """
    m = ctx.model
    places = moneda_places(ctx)
    if not too_many_decimals(m.subtotal, places):
        return None
    if m.subtotal == ZERO and m.tipo_de_comprobante in ("T", "P"):
        return None
    return [Violation(f"SubTotal={ctx.root.get('SubTotal')} has more decimals than the {places} of {m.moneda}",
                      ctx.root, "SubTotal", expected=f"<= {places} decimals", found=ctx.root.get("SubTotal"))]


@rule("CFDI40108", "El TipoDeComprobante es I,E o N, el importe registrado en el campo no es igual al redondeo de la "
      "suma de los importes de los conceptos registrados.", kind=_B,
      gloss="On I, E and N documents SubTotal must equal the sum of the concepts' Importe, rounded to the currency's decimals.",
      source=M40, needs_schema=True, types=("I", "E", "N"))
def subtotal_es_suma_de_importes(ctx: DocContext) -> list[Violation] | None:
    """SAT: SubTotal = redondeo(Σ Concepto@Importe) to the decimals of the currency (half up)."""
    m = ctx.model
    if m.subtotal is None:
        return None
    places = moneda_places(ctx)
    if places is None:
        return None
    conceptos = m.conceptos
    importes = ZERO
    for c in conceptos:
        if c.importe is None:
            return None
        importes += c.importe
    expected = rounded_sum_differs(m.subtotal, importes, places)
    if expected is not None:
        return [Violation(f"SubTotal={ctx.root.get('SubTotal')} but the {len(conceptos)} concepts' Importe add up to "
                          f"{show(expected)} (rounded to {places} decimals)", ctx.root, "SubTotal",
                          expected=show(expected), found=ctx.root.get("SubTotal"))]


@rule("CFDI40109", "El TipoDeComprobante es T o P y el importe no es igual a 0, o cero con decimales.", kind=_B,
      gloss="On transfer (T) and payment (P) documents SubTotal must be zero (decimals allowed).",
      source=M40, needs_schema=True, types=("T", "P"))
def subtotal_cero_en_t_y_p(ctx: DocContext) -> list[Violation] | None:
    """SAT: for T and P, SubTotal is 0 ("0", "0.00" … are all zero)."""
    m = ctx.model
    if m.subtotal is not None and m.subtotal != ZERO:
        return [Violation(f"SubTotal={ctx.root.get('SubTotal')} on a document of type {m.tipo_de_comprobante}",
                          ctx.root, "SubTotal", expected="0", found=ctx.root.get("SubTotal"))]


@rule("CFDI40110", "El valor registrado en el campo Descuento no es menor o igual que el campo Subtotal.", kind=_B,
      gloss="Descuento must be less than or equal to SubTotal.", source=M40, needs_schema=True)
def descuento_no_mayor_que_subtotal(ctx: DocContext) -> list[Violation] | None:
    m = ctx.model
    if m.descuento is not None and m.subtotal is not None and m.descuento > m.subtotal:
        return [Violation(f"Descuento={ctx.root.get('Descuento')} exceeds SubTotal={ctx.root.get('SubTotal')}",
                          ctx.root, "Descuento", expected=f"<= {ctx.root.get('SubTotal')}", found=ctx.root.get("Descuento"))]


@rule("CFDI40112", "El valor del campo Descuento excede la cantidad de decimales que soporta la moneda.", kind=_B,
      gloss="Descuento may carry at most the decimals of the currency in c_Moneda.", source=M40, needs_schema=True)
def descuento_decimales_de_la_moneda(ctx: DocContext) -> list[Violation] | None:
    m = ctx.model
    if m.descuento is None:
        return None
    places = moneda_places(ctx)
    if too_many_decimals(m.descuento, places):
        return [Violation(f"Descuento={ctx.root.get('Descuento')} has more decimals than the {places} of {m.moneda}",
                          ctx.root, "Descuento", expected=f"<= {places} decimals", found=ctx.root.get("Descuento"))]


@rule("CFDI40114", 'El campo TipoCambio no tiene el valor "1" y la moneda indicada es MXN.', kind=_B,
      gloss='With Moneda MXN, TipoCambio (when registered) must be 1.', source=M40, needs_schema=True)
def tipo_cambio_uno_en_mxn(ctx: DocContext) -> list[Violation] | None:
    """SAT: with Moneda MXN, TipoCambio must have the value "1" (it may be omitted).

    Compared as a number: "1", "1.0" and "1.000000" all have the value 1 (the reading
    CfdiUtils adopted for the same CFDI 3.3 rule in its release 2.6.4).
    """
    m = ctx.model
    if m.moneda == "MXN" and m.tipo_cambio is not None and m.tipo_cambio != ONE:
        return [Violation(f"Moneda is MXN but TipoCambio is {ctx.root.get('TipoCambio')}", ctx.root, "TipoCambio",
                          expected="1", found=ctx.root.get("TipoCambio"))]


@rule("CFDI40115", "El campo TipoCambio se debe registrar cuando el campo Moneda tiene un valor distinto de MXN y XXX.",
      kind=_B, gloss="TipoCambio is required when Moneda is neither MXN nor XXX.", source=M40, needs_schema=True)
def tipo_cambio_requerido(ctx: DocContext) -> list[Violation] | None:
    m = ctx.model
    if m.moneda is not None and m.moneda not in ("MXN", "XXX") and m.tipo_cambio is None and ctx.root.get("TipoCambio") is None:
        return [Violation(f"Moneda is {m.moneda} but TipoCambio is missing", ctx.root, "TipoCambio",
                          expected="<present>", found="<absent>")]


@rule("CFDI40116", "El campo TipoCambio no se debe registrar cuando el campo Moneda tiene el valor XXX.", kind=_B,
      gloss="TipoCambio must be omitted when Moneda is XXX (no currency).", source=M40, needs_schema=True)
def tipo_cambio_omitido_en_xxx(ctx: DocContext) -> list[Violation] | None:
    if ctx.model.moneda == "XXX" and ctx.root.get("TipoCambio") is not None:
        return [Violation(f"Moneda is XXX but TipoCambio={ctx.root.get('TipoCambio')} is registered", ctx.root, "TipoCambio",
                          expected="<absent>", found=ctx.root.get("TipoCambio"))]


@rule("CFDI40119", "El campo Total no corresponde con la suma del subtotal, menos los descuentos aplicables, más las "
      "contribuciones recibidas (impuestos trasladados - federales o locales, derechos, productos, aprovechamientos, "
      "aportaciones de seguridad social, contribuciones de mejoras) menos los impuestos retenidos y/o locales.", kind=_B,
      gloss="Total must equal SubTotal − Descuento + TotalImpuestosTrasladados − TotalImpuestosRetenidos + local "
      "transferred taxes − local withheld taxes (implocal), rounded to the currency's decimals.",
      source=M40, needs_schema=True)
def total_cuadra(ctx: DocContext) -> list[Violation] | None:
    """SAT: Total = SubTotal − Descuento + traslados (federal and local) − retenciones (federal and local).

    The sum is rounded half up to the currency's decimals (local taxes may carry up to 6) and
    Total must equal it exactly. Absent amounts count as zero; the local taxes come from the
    implocal:ImpuestosLocales complement (TotaldeTraslados, TotaldeRetenciones).
    """
    m = ctx.model
    if m.total is None or m.subtotal is None:
        return None
    places = moneda_places(ctx)
    if places is None:
        return None
    computed = m.subtotal - (m.descuento or ZERO)
    impuestos = m.impuestos
    if impuestos is not None:
        computed += (impuestos.total_impuestos_trasladados or ZERO) - (impuestos.total_impuestos_retenidos or ZERO)
    locales = m.impuestos_locales
    if locales is not None:
        computed += (locales.total_de_traslados or ZERO) - (locales.total_de_retenciones or ZERO)
    expected = rounded_sum_differs(m.total, computed, places)
    if expected is not None:
        return [Violation(f"Total={ctx.root.get('Total')} but SubTotal − Descuento + taxes transferred − taxes withheld "
                          f"= {show(expected)}", ctx.root, "Total", expected=show(expected), found=ctx.root.get("Total"))]


@rule("CFDI40122", 'El campo Exportacion contiene el valor "02", el CFDI debe contener el complemento para Comercio Exterior.',
      kind=_B, gloss="Exportacion 02 (definitive export) requires the Comercio Exterior complement.",
      source=M40, needs_schema=True)
def exportacion_02_con_comercio_exterior(ctx: DocContext) -> list[Violation] | None:
    """SAT: Exportacion "02" ⇒ the Comercio Exterior complement must be present.

    Both Comercio Exterior 2.0 and 1.1 count: 1.1 was accepted with CFDI 4.0 until
    January 2024, and documents stamped then are still valid.
    """
    m = ctx.model
    if m.exportacion == "02" and not has_comercio_exterior(ctx):
        return [Violation("Exportacion is 02 but the document has no Comercio Exterior complement", ctx.root, "Exportacion",
                          expected="cce20:ComercioExterior", found="<absent>")]


@rule("CFDI40125", "Se debe omitir el campo MetodoPago cuando el TipoDeComprobante es T o P.", kind=_B,
      gloss="MetodoPago must be omitted on transfer (T) and payment (P) documents.",
      source=M40, needs_schema=True, types=("T", "P"))
def metodo_pago_omitido_en_t_y_p(ctx: DocContext) -> list[Violation] | None:
    m = ctx.model
    if m.metodo_pago is not None:  # text: None exactly when MetodoPago is absent
        return [Violation(f"MetodoPago={ctx.root.get('MetodoPago')} is registered on a document of type {m.tipo_de_comprobante}",
                          ctx.root, "MetodoPago", expected="<absent>", found=ctx.root.get("MetodoPago"))]


_X = Kind.EXTERNAL
register_code("CFDI40118", "Cuando el valor del campo TipoCambio se encuentre fuera de los límites establecidos, debe existir "
              "el campo Confirmacion.", kind=_X, source=M40,
              gloss="A TipoCambio outside SAT's limits (c_Moneda variation around the day's reference rate) needs a "
              "Confirmacion key: needs the reference exchange rate.")
register_code("CFDI40120", "Cuando el valor del campo Total se encuentre fuera de los límites establecidos, debe existir el "
              "campo Confirmacion.", kind=_X, source=M40,
              gloss="A Total above SAT's maximum for the document type needs a Confirmacion key: needs SAT's limits.")
register_code("CFDI40127", "El campo Confirmacion no debe existir cuando los atributos TipoCambio y/o Total están dentro del "
              "rango permitido.", kind=_X, source=M40,
              gloss="Confirmacion must be omitted when TipoCambio and Total are within SAT's limits: needs the reference "
              "exchange rate and SAT's limits.")
register_code("CFDI40128", "Número de confirmación inválido.", kind=_X, source=M40,
              gloss="The Confirmacion key must be one the PAC issued: only the PAC knows.")
register_code("CFDI40129", "Número de confirmación utilizado previamente.", kind=_X, source=M40,
              gloss="A Confirmacion key may be used once: only the PAC knows.")

"""CFDI 4.0 rules on the concepts (SAT matrix CFDI40111, CFDI40163–CFDI40200).

What a ``cfdi:Concepto`` (and its ``Parte``, ``Impuestos``, ``ACuentaTerceros`` and
``InformacionAduanera`` children) must satisfy beyond SAT's schema: positive unit values,
``Importe`` within SAT's rounding limits, the taxes ObjetoImp calls for, the shape and rates
of each transferred or withheld tax, the obligations c_ClaveProdServ attaches to a key.
The document-level tax summary (``Comprobante/cfdi:Impuestos``) is :mod:`.cfdi40_impuestos`.

**Limits (CFDI40167, CFDI40180, CFDI40186, CFDI40198).** SAT's formulas (``RULES.md`` §2.1,
§2.2, :mod:`cfdi_ar.sat.arith`) give an interval; the lower limit is truncated and the upper
one rounded up *to the number of decimals written in the Importe being checked*, not to the
currency's decimals. Reason: concept amounts may carry up to six decimals (XSD), and with the
Importe's own decimals the check means exactly "Importe is Cantidad × ValorUnitario (Base ×
TasaOCuota) rounded to the decimals it is written with", so an honest rounding at any
precision always passes, while an amount written with six decimals gets no extra cent of
slack; it is also how SW Sapien documents the same limits for ImporteDR (§2.4), so concept
and payment taxes are judged alike. KPac truncates to the currency's decimals instead; that
reading is laxer for six-decimal amounts and rejects honest roundings written with fewer
decimals than the currency (an Importe of "31" for 30.99).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from lxml import etree

from ..context import DocContext
from ..model import Concepto, ImpuestoConcepto, Parte
from ..namespaces import CFDI40, TFD, q
from ..sat.arith import importe_limits, impuesto_limits, places_of
from ..xmltext import strip_accents
from .common import COMERCIO_EXTERIOR, IEPS, IVA, M40, has_comercio_exterior, is_rounded_product, show, show_range
from .facts import (concept_nodes, concept_taxes, has_partes, has_retenciones_concepto, has_traslados_concepto,
                    tasa_admitted)
from .registry import Kind, Violation, register_code, rule

_B = Kind.BUSINESS
ZERO = Decimal(0)
EXENTO = "Exento"
_INFORMACION_ADUANERA = q(CFDI40, "InformacionAduanera")
_COMPLEMENTO_CONCEPTO = q(CFDI40, "ComplementoConcepto")


# --------------------------------------------------------------------------- concept amounts


@rule("CFDI40111", "El TipoDeComprobante NO es I,E o N, y un concepto incluye el campo descuento", kind=_B,
      gloss="Only income (I), expense (E) and payroll (N) documents may carry a Descuento on a concept.",
      source=M40, needs_schema=True, types=("T", "P"))
def descuento_solo_en_i_e_n(ctx: DocContext) -> Iterator[Violation]:
    tipo = ctx.model.tipo_de_comprobante
    for c in ctx.model.conceptos:
        raw = c.el.get("Descuento")
        if raw is not None:
            yield Violation(f"a concept of a type {tipo} document carries Descuento={raw}; only I, E and N allow it",
                            c.el, "Descuento", expected="<absent>", found=raw)


@rule("CFDI40166", "El valor del campo ValorUnitario debe ser mayor que cero (0) cuando el tipo de comprobante es Ingreso, Egreso o Nómina",
      kind=_B, gloss="In I, E and N documents every concept's ValorUnitario must be greater than zero.",
      source=M40, needs_schema=True, types=("I", "E", "N"))
def valor_unitario_positivo(ctx: DocContext) -> Iterator[Violation]:
    for c in ctx.model.conceptos:
        if c.valor_unitario is not None and c.valor_unitario <= ZERO:
            yield Violation(f"ValorUnitario is {show(c.valor_unitario)}; it must be greater than 0 in a type "
                            f"{ctx.model.tipo_de_comprobante} document", c.el, "ValorUnitario", expected="> 0",
                            found=show(c.valor_unitario))


def _importe_fuera(node: Concepto | Parte, cantidad: Decimal, valor_unitario: Decimal, importe: Decimal) -> Violation | None:
    """The finding when Importe lies outside SAT's limits of Cantidad × ValorUnitario. Callers skip the nodes
    with an amount unknown or whose Importe is the product rounded (:func:`is_rounded_product`: always within)."""
    low, high = importe_limits(cantidad, valor_unitario, places_of(importe))
    if low <= importe <= high:
        return None
    return Violation(f"Importe {show(importe)} is outside {show_range(low, high)}, the limits of Cantidad {show(cantidad)} "
                     f"× ValorUnitario {show(valor_unitario)} (half a unit of their last written decimals, "
                     f"to the decimals of Importe)", node.el, "Importe",
                     expected=show_range(low, high), found=show(importe))


@rule("CFDI40167", "El valor del campo Importe no se encuentra entre el limite inferior y superior permitido", kind=_B,
      gloss="A concept's Importe must lie between SAT's lower and upper limits of Cantidad × ValorUnitario "
      "(truncated / rounded up to the decimals written in Importe).",
      source=M40, needs_schema=True)
def importe_concepto_en_limites(ctx: DocContext) -> Iterator[Violation]:
    """Anexo 20: LímiteInferior = (Cantidad − 10^-d(Cantidad)/2) × (ValorUnitario − 10^-d(ValorUnitario)/2),
    truncated; LímiteSuperior = (Cantidad + 10^-d/2 − 10^-12) × (ValorUnitario + 10^-d/2 − 10^-12), rounded up.
    Both to the decimals written in Importe (see the module docstring for why not the currency's)."""
    for c in ctx.model.conceptos:
        cantidad, valor_unitario, importe = c.cantidad, c.valor_unitario, c.importe
        if cantidad is None or valor_unitario is None or importe is None or is_rounded_product(importe, cantidad, valor_unitario):
            continue
        v = _importe_fuera(c, cantidad, valor_unitario, importe)
        if v is not None:
            yield v


@rule("CFDI40168", "El valor del campo Descuento excede la cantidad de decimales del campo Importe del concepto", kind=_B,
      gloss="A concept's Descuento may not be written with more decimals than its Importe.",
      source=M40, needs_schema=True)
def descuento_decimales(ctx: DocContext) -> Iterator[Violation]:
    for c in ctx.model.conceptos:
        if c.descuento is not None and c.importe is not None and places_of(c.descuento) > places_of(c.importe):
            yield Violation(f"Descuento {show(c.descuento)} has {places_of(c.descuento)} decimals; the concept's Importe "
                            f"{show(c.importe)} has {places_of(c.importe)}", c.el, "Descuento",
                            expected=f"<= {places_of(c.importe)} decimals", found=str(places_of(c.descuento)))


@rule("CFDI40169", "El valor del campo Descuento es mayor que el campo Importe del concepto", kind=_B,
      gloss="A concept's Descuento must be less than or equal to its Importe.", source=M40, needs_schema=True)
def descuento_menor_que_importe(ctx: DocContext) -> Iterator[Violation]:
    for c in ctx.model.conceptos:
        if c.descuento is not None and c.importe is not None and c.descuento > c.importe:
            yield Violation(f"Descuento {show(c.descuento)} exceeds the concept's Importe {show(c.importe)}", c.el, "Descuento",
                            expected=f"<= {show(c.importe)}", found=show(c.descuento))


# --------------------------------------------------------------------------- c_ClaveProdServ obligations


def _yes(value: str) -> bool:
    return value.strip().lower() in ("sí", "si")


def _fold(text: str) -> str:
    return strip_accents(text.lower())


# SAT's complement names in c_ClaveProdServ's "Complemento que debe incluir" → namespaces, only where sure.
_COMPLEMENT_NAMESPACES: tuple[tuple[str, frozenset[str]], ...] = (
    ("comercio exterior", COMERCIO_EXTERIOR),
    ("carta porte", frozenset(f"http://www.sat.gob.mx/CartaPorte{v}" for v in ("20", "30", "31"))),
    ("nomina", frozenset({"http://www.sat.gob.mx/nomina12"})),
)


def _complement_namespaces(name: str) -> frozenset[str] | None:
    folded = _fold(name)
    for key, namespaces in _COMPLEMENT_NAMESPACES:
        if key in folded:
            return namespaces
    return None


def _has_concept_complement(c: Concepto) -> bool:
    return any(len(cc) for cc in c.el.iterchildren(_COMPLEMENTO_CONCEPTO))


@rule("CFDI40163", "La clave del campo ClaveProdServ requiere un complemento que no se registró", kind=_B,
      gloss="When c_ClaveProdServ names a complement the key requires ('Complemento que debe incluir'), the "
      "document must carry it (checked only with an imported catalog).",
      source=M40, needs_schema=True)
def clave_requiere_complemento(ctx: DocContext) -> Iterator[Violation]:
    """SAT's c_ClaveProdServ column "Complemento que debe incluir" names a complement by its Spanish
    name. Where the name is one we can map with certainty (Comercio Exterior, Carta Porte, Nómina)
    the document must carry that complement's namespace; for any other name we only check
    that *some* complement is present: a document-level one other than the stamp (the PAC adds the
    TimbreFiscalDigital after this check) or a non-empty ``ComplementoConcepto`` on the concept
    (concept-level complements such as instituciones educativas or venta de vehículos live there).
    The built-in catalog carries no obligations, so this rule is silent until SAT's workbook is imported."""
    claves = ctx.runtime.catalogs.claves
    if not claves:
        return
    present: set[str] | None = None
    for c in ctx.model.conceptos:
        entry = claves.get(c.clave_prod_serv or "")
        if entry is None or not entry.complemento.strip():
            continue
        if present is None:
            present = {ns for ns in ctx.model.complementos if ns != TFD}
        wanted = _complement_namespaces(entry.complemento)
        if wanted is not None:
            if present & wanted:
                continue
        elif present or _has_concept_complement(c):
            continue
        yield Violation(f"ClaveProdServ {c.clave_prod_serv} requires the complement '{entry.complemento}', which the "
                        f"document does not carry", c.el, "ClaveProdServ", expected=entry.complemento, found="<absent>")


@rule("CFDI40164", "La clave del campo ClaveProdServ requiere que se registre el impuesto trasladado IVA o IEPS", kind=_B,
      gloss="When c_ClaveProdServ says 'Sí' in 'Incluir IVA trasladado' or 'Incluir IEPS trasladado', the concept "
      "must carry a Traslado of that tax (checked only with an imported catalog).",
      source=M40, needs_schema=True, types=("I", "E", "N"))
def clave_requiere_traslado(ctx: DocContext) -> Iterator[Violation]:
    """Only "Sí" obliges; "Opcional" (and "No", which SAT's wording does not turn into a prohibition)
    do not. A Traslado of the tax with TipoFactor Exento counts as including it. Types T and P carry
    no taxes at all (CFDI40201), so the rule applies to I, E and N."""
    claves = ctx.runtime.catalogs.claves
    if not claves:
        return
    for c in ctx.model.conceptos:
        entry = claves.get(c.clave_prod_serv or "")
        if entry is None:
            continue
        for impuesto, name, flag in ((IVA, "IVA", entry.iva_trasladado), (IEPS, "IEPS", entry.ieps_trasladado)):
            if _yes(flag) and not any(t.impuesto == impuesto for t in c.traslados):
                yield Violation(f"ClaveProdServ {c.clave_prod_serv} requires a transferred {name} ({impuesto}) and the "
                                f"concept carries none", c.el, "ClaveProdServ", expected=f"Traslado {impuesto}", found="<absent>")


# --------------------------------------------------------------------------- ObjetoImp and the concept's taxes


@rule("CFDI40171", "Si el valor del campo ObjetoImp es 02, debe existir el nodo hijo Impuestos del nodo concepto", kind=_B,
      gloss="A concept with ObjetoImp 02 (subject to tax) must carry a cfdi:Impuestos child.",
      source=M40, needs_schema=True)
def objeto_imp_02_requiere_impuestos(ctx: DocContext) -> Iterator[Violation]:
    """SAT's matrix names ObjetoImp 02 only; 06, 07 and 08 (added to c_ObjetoImp later) are not covered."""
    for c in ctx.model.conceptos:
        if c.objeto_imp == "02" and not c.has_impuestos:
            yield Violation("ObjetoImp is 02 but the concept has no cfdi:Impuestos", c.el, "ObjetoImp",
                            expected="cfdi:Impuestos", found="<absent>")


_SIN_IMPUESTOS = frozenset({"01", "03", "04", "05"})


@rule("CFDI40172", "El nodo hijo Impuestos del nodo concepto, no debe existir", kind=_B,
      gloss="A concept with ObjetoImp 01, 03, 04 or 05 must not carry a cfdi:Impuestos child.",
      source=M40, needs_schema=True)
def objeto_imp_sin_impuestos(ctx: DocContext) -> Iterator[Violation]:
    for c in ctx.model.conceptos:
        if c.has_impuestos and c.objeto_imp in _SIN_IMPUESTOS:
            yield Violation(f"ObjetoImp is {c.objeto_imp} but the concept carries cfdi:Impuestos", c.el, "ObjetoImp",
                            expected="no cfdi:Impuestos", found="cfdi:Impuestos")


@rule("CFDI40173", "El nodo Impuestos del concepto debe contener al menos un nodo Traslados o Retenciones", kind=_B,
      gloss="A concept's cfdi:Impuestos must contain Traslados and/or Retenciones (SAT's schema allows it empty).",
      source=M40, needs_schema=True)
def impuestos_concepto_no_vacio(ctx: DocContext) -> Iterator[Violation]:
    for c in ctx.model.conceptos:
        if c.has_impuestos and not c.traslados and not c.retenciones:
            yield Violation("the concept's cfdi:Impuestos carries neither Traslados nor Retenciones", c.el, None,
                            expected="Traslados or Retenciones", found="<empty>")


@rule("CFDI40177", "Si el valor registrado es Exento no se deben registrar los atributos TasaOCuota ni Importe", kind=_B,
      gloss="A concept Traslado with TipoFactor Exento must not carry TasaOCuota or Importe.",
      source=M40, needs_schema=True, over=has_traslados_concepto)
def traslado_exento_sin_tasa(ctx: DocContext) -> Iterator[Violation]:
    if EXENTO not in concept_taxes(ctx).traslado_factors:
        return
    for t in concept_nodes(ctx).traslados:
        if t.tipo_factor == EXENTO:
            extra = [f"{a}={t.el.get(a)}" for a in ("TasaOCuota", "Importe") if t.el.get(a) is not None]
            if extra:
                yield Violation(f"TipoFactor is Exento but the Traslado carries {', '.join(extra)}", t.el, "TipoFactor",
                                expected="no TasaOCuota, no Importe", found=", ".join(extra))


@rule("CFDI40178", "Si el valor registrado es Tasa o Cuota, se deben registrar los atributos TasaOCuota e Importe", kind=_B,
      gloss="A concept Traslado with TipoFactor Tasa or Cuota must carry TasaOCuota and Importe.",
      source=M40, needs_schema=True, over=has_traslados_concepto)
def traslado_tasa_con_importe(ctx: DocContext) -> Iterator[Violation]:
    for t in concept_nodes(ctx).traslados:
        if t.tasa_o_cuota is not None and t.importe is not None:
            continue  # both read, so both written
        if t.tipo_factor in ("Tasa", "Cuota"):
            missing = [a for a in ("TasaOCuota", "Importe") if t.el.get(a) is None]
            if missing:
                yield Violation(f"TipoFactor is {t.tipo_factor} but the Traslado lacks {' and '.join(missing)}", t.el,
                                "TipoFactor", expected="TasaOCuota and Importe", found=f"no {' and '.join(missing)}")


def _tasa_fuera(ctx: DocContext, t: ImpuestoConcepto, *, traslado: bool) -> Violation | None:
    if t.tasa_o_cuota is None or t.tipo_factor in (None, EXENTO):
        return None
    if tasa_admitted(ctx, t.impuesto, t.tipo_factor, t.tasa_o_cuota, traslado=traslado):
        return None
    side = "transferred" if traslado else "withheld"
    return Violation(f"TasaOCuota {show(t.tasa_o_cuota)} is not a c_TasaOCuota value for a {side} tax {t.impuesto} "
                     f"with TipoFactor {t.tipo_factor}", t.el, "TasaOCuota",
                     expected=f"c_TasaOCuota ({t.impuesto}, {t.tipo_factor})", found=show(t.tasa_o_cuota))


@rule("CFDI40179", "El valor del campo TasaOCuota que corresponde a Traslado no contiene un valor del catálogo c_TasaOCuota o se encuentra fuera de rango",
      kind=_B, gloss="A concept Traslado's TasaOCuota must be a c_TasaOCuota value (or within its range) for its Impuesto "
      "and TipoFactor, on the transfer side.", source=M40, needs_schema=True, over=has_traslados_concepto)
def traslado_tasa_en_catalogo(ctx: DocContext) -> Iterator[Violation]:
    for impuesto, factor, tasa in concept_taxes(ctx).traslado_rates:
        if not tasa_admitted(ctx, impuesto, factor, tasa, traslado=True):
            break
    else:
        return  # every rate the transfers use is in c_TasaOCuota
    for t in concept_nodes(ctx).traslados:
        v = _tasa_fuera(ctx, t, traslado=True)
        if v is not None:
            yield v


def _impuesto_fuera(t: ImpuestoConcepto) -> Violation | None:
    """The finding when a tax's Importe lies outside SAT's limits of Base × TasaOCuota. Callers skip the taxes
    with an amount unknown, the exempt ones, and those whose Importe is the product rounded (always within)."""
    low, high = impuesto_limits(t.base, t.tasa_o_cuota, places_of(t.importe))  # type: ignore[arg-type]
    if low <= t.importe <= high:
        return None
    return Violation(f"Importe {show(t.importe)} is outside {show_range(low, high)}, the limits of Base {show(t.base)} × "
                     f"TasaOCuota {show(t.tasa_o_cuota)} (half a unit of the last written decimal of Base, to the "
                     f"decimals of Importe)", t.el, "Importe", expected=show_range(low, high), found=show(t.importe))


@rule("CFDI40180", "El valor del campo Importe que corresponde a Traslado no se encuentra entre el limite inferior y superior permitido",
      kind=_B, gloss="A concept Traslado's Importe must lie between SAT's limits of Base × TasaOCuota "
      "(truncated / rounded up to the decimals written in Importe).", source=M40, needs_schema=True,
      over=has_traslados_concepto)
def traslado_importe_en_limites(ctx: DocContext) -> Iterator[Violation]:
    """LímiteInferior = (Base − 10^-d(Base)/2) × TasaOCuota, truncated; LímiteSuperior = (Base + 10^-d(Base)/2
    − 10^-12) × TasaOCuota, rounded up; to the decimals written in Importe (module docstring). TipoFactor
    Cuota uses the same formula with the quota per unit."""
    for t in concept_nodes(ctx).traslados:
        base, tasa, importe = t.base, t.tasa_o_cuota, t.importe
        if base is None or tasa is None or importe is None or t.tipo_factor == EXENTO or is_rounded_product(importe, base, tasa):
            continue
        v = _impuesto_fuera(t)
        if v is not None:
            yield v


@rule("CFDI40184", "El valor del campo TipoFactor que corresponde a Retención debe ser distinto de Exento", kind=_B,
      gloss="A concept Retencion cannot have TipoFactor Exento.", source=M40, needs_schema=True,
      over=has_retenciones_concepto)
def retencion_no_exenta(ctx: DocContext) -> Iterator[Violation]:
    for r in concept_nodes(ctx).retenciones:
        if r.tipo_factor == EXENTO:
            yield Violation("a Retencion has TipoFactor Exento", r.el, "TipoFactor", expected="Tasa or Cuota", found=EXENTO)


@rule("CFDI40185", "El valor del campo TasaOCuota que corresponde a Retención no contiene un valor del catálogo c_TasaOCuota o se encuentra fuera de rango",
      kind=_B, gloss="A concept Retencion's TasaOCuota must be a c_TasaOCuota value (or within its range) for its Impuesto "
      "and TipoFactor, on the withholding side.", source=M40, needs_schema=True, over=has_retenciones_concepto)
def retencion_tasa_en_catalogo(ctx: DocContext) -> Iterator[Violation]:
    for impuesto, factor, tasa in concept_taxes(ctx).retencion_rates:
        if not tasa_admitted(ctx, impuesto, factor, tasa, traslado=False):
            break
    else:
        return  # every rate the withholdings use is in c_TasaOCuota
    for r in concept_nodes(ctx).retenciones:
        v = _tasa_fuera(ctx, r, traslado=False)
        if v is not None:
            yield v


@rule("CFDI40186", "El valor del campo Importe que corresponde a Retención no se encuentra entre el limite inferior y superior permitido",
      kind=_B, gloss="A concept Retencion's Importe must lie between SAT's limits of Base × TasaOCuota "
      "(truncated / rounded up to the decimals written in Importe).", source=M40, needs_schema=True,
      over=has_retenciones_concepto)
def retencion_importe_en_limites(ctx: DocContext) -> Iterator[Violation]:
    """Same limits as CFDI40180, for the withheld taxes."""
    for r in concept_nodes(ctx).retenciones:
        base, tasa, importe = r.base, r.tasa_o_cuota, r.importe
        if base is None or tasa is None or importe is None or r.tipo_factor == EXENTO or is_rounded_product(importe, base, tasa):
            continue
        v = _impuesto_fuera(r)
        if v is not None:
            yield v


# --------------------------------------------------------------------------- ACuentaTerceros

_E = Kind.EXTERNAL
register_code("CFDI40187", "El campo RfcACuentaTerceros no se encuentra en la lista de RFC inscritos no cancelados del SAT",
              kind=_E, gloss="RfcACuentaTerceros must be in SAT's list of registered RFCs (l_RFC / LCO).", source=M40)


@rule("CFDI40188", "El valor del campo RfcACuentaTerceros debe ser diferente de los valores de los campos Rfc del Emisor y Receptor",
      kind=_B, gloss="The third party on whose behalf a concept is billed cannot be the issuer or the receiver.",
      source=M40, needs_schema=True)
def tercero_distinto(ctx: DocContext) -> Iterator[Violation]:
    m = ctx.model
    emisor = receptor = ""
    compared = False
    for c in m.conceptos:
        t = c.a_cuenta_terceros
        if t is None or not t.rfc:
            continue
        if not compared:  # the parties' RFCs, once a third party needs them
            emisor = (m.emisor.rfc or "").upper() if m.emisor else ""
            receptor = (m.receptor.rfc or "").upper() if m.receptor else ""
            compared = True
        rfc = t.rfc.upper()
        if rfc in (emisor, receptor):
            who = "Emisor" if rfc == emisor else "Receptor"
            yield Violation(f"RfcACuentaTerceros {t.rfc} is the {who}'s Rfc", t.el, "RfcACuentaTerceros",
                            expected=f"not {emisor} nor {receptor}", found=t.rfc)


register_code("CFDI40189", "El campo NombreACuentaTerceros no se encuentra en la lista de RFC inscritos no cancelados del SAT",
              kind=_E, gloss="NombreACuentaTerceros must be registered with SAT for that RFC (l_RFC).", source=M40)
register_code("CFDI40190", "El campo NombreACuentaTerceros debe pertenecer al nombre asociado al RFC registrado en el campo RfcACuentaTerceros",
              kind=_E, gloss="NombreACuentaTerceros must be the name SAT has registered for RfcACuentaTerceros.", source=M40)
register_code("CFDI40192", "El campo DomicilioFiscalACuentaTerceros: el RFC no se encuentra en la lista de RFC inscritos no cancelados del SAT",
              kind=_E, gloss="The third party's RFC must be in SAT's list of registered RFCs to check its fiscal address.", source=M40)
register_code("CFDI40193", "El campo DomicilioFiscalACuentaTerceros debe corresponder con el código postal del domicilio fiscal registrado para el RFC",
              kind=_E, gloss="DomicilioFiscalACuentaTerceros must be the postal code SAT has registered for RfcACuentaTerceros.",
              source=M40)


# --------------------------------------------------------------------------- InformacionAduanera and Parte


def _pedimentos(el: etree._Element) -> Iterator[etree._Element]:
    return el.iterchildren(_INFORMACION_ADUANERA)


@rule("CFDI40195", "El campo NumeroPedimento no debe existir si se incluye el complemento de comercio exterior", kind=_B,
      gloss="A concept may not carry InformacionAduanera/NumeroPedimento when the document has the Comercio Exterior complement.",
      source=M40, needs_schema=True)
def pedimento_sin_comercio_exterior(ctx: DocContext) -> Iterator[Violation]:
    """Comercio Exterior 2.0 and 1.1 both count (1.1 was accepted with CFDI 4.0 until January 2024)."""
    if not has_comercio_exterior(ctx):
        return
    for c in ctx.model.conceptos:
        if c.informacion_aduanera:
            for ia in _pedimentos(c.el):
                yield Violation(f"NumeroPedimento {ia.get('NumeroPedimento')} is registered on a concept of a document with "
                                "the Comercio Exterior complement", ia, "NumeroPedimento", expected="<absent>",
                                found=ia.get("NumeroPedimento"))


@rule("CFDI40197", "El valor del campo ValorUnitario del nodo Parte debe ser mayor que cero (0)", kind=_B,
      gloss="Every Parte's ValorUnitario must be greater than zero.", source=M40, needs_schema=True, over=has_partes)
def parte_valor_unitario_positivo(ctx: DocContext) -> Iterator[Violation]:
    """SAT's row names no document types (unlike CFDI40166 for the concept), so it applies to every type."""
    for p in concept_nodes(ctx).partes:
        if p.valor_unitario is not None and p.valor_unitario <= ZERO:
            yield Violation(f"the Parte's ValorUnitario is {show(p.valor_unitario)}; it must be greater than 0", p.el,
                            "ValorUnitario", expected="> 0", found=show(p.valor_unitario))


@rule("CFDI40198", "El valor del campo Importe del nodo Parte no se encuentra entre el limite inferior y superior permitido",
      kind=_B, gloss="A Parte's Importe must lie between SAT's limits of Cantidad × ValorUnitario "
      "(truncated / rounded up to the decimals written in Importe).", source=M40, needs_schema=True, over=has_partes)
def parte_importe_en_limites(ctx: DocContext) -> Iterator[Violation]:
    """Same formula and decimals as CFDI40167."""
    for p in concept_nodes(ctx).partes:
        cantidad, valor_unitario, importe = p.cantidad, p.valor_unitario, p.importe
        if cantidad is None or valor_unitario is None or importe is None or is_rounded_product(importe, cantidad, valor_unitario):
            continue
        v = _importe_fuera(p, cantidad, valor_unitario, importe)
        if v is not None:
            yield v


@rule("CFDI40200", "El campo NumeroPedimento del nodo Parte no debe existir si se incluye el complemento de comercio exterior",
      kind=_B, gloss="A Parte may not carry InformacionAduanera/NumeroPedimento when the document has the Comercio Exterior complement.",
      source=M40, needs_schema=True, over=has_partes)
def parte_pedimento_sin_comercio_exterior(ctx: DocContext) -> Iterator[Violation]:
    if not has_comercio_exterior(ctx):
        return
    for p in concept_nodes(ctx).partes:
        if p.informacion_aduanera:
            for ia in _pedimentos(p.el):
                yield Violation(f"NumeroPedimento {ia.get('NumeroPedimento')} is registered on a Parte of a document "
                                "with the Comercio Exterior complement", ia, "NumeroPedimento",
                                expected="<absent>", found=ia.get("NumeroPedimento"))

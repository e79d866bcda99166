"""SAT's CFDI 4.0 rules on InformacionGlobal, Emisor and Receptor (CFDI40130–CFDI40161).

The global invoice (público en general), the regime of each party against its kind
of person (an RFC of 12 characters is a persona moral, of 13 a persona física; the
generic RFCs XAXX010101000 and XEXX010101000 have 13), the generic receptors, and the
foreign receptor's residence and tax id. CFDI40143 (Receptor Rfc in SAT's list) is an
external-data plug-in; the XSD-class codes are mapped in :mod:`.schema`; codes that need
SAT's taxpayer lists are registered as ``external``.
"""

from __future__ import annotations

from ..context import DocContext
from .common import (GENERICOS, M40, RFC_GENERICO_EXTRANJERO, RFC_GENERICO_NACIONAL, catalogs, has_comercio_exterior,
                     is_fisica, is_moral)
from .facts import has_datos_de_extranjero, has_informacion_global
from .registry import Kind, Violation, register_code, rule

__all__: list[str] = []

_B = Kind.BUSINESS
PUBLICO_EN_GENERAL = "PUBLICO EN GENERAL"
SIN_OBLIGACIONES = "616"
MESES_PERIODO = frozenset(f"{n:02d}" for n in range(1, 13))  # 01–12: one month (or day/week/fortnight within it)
MESES_BIMESTRE = frozenset(str(n) for n in range(13, 19))  # 13–18: two-month periods (Periodicidad 05)


def _persona(rfc: str | None) -> str | None:
    return "física" if is_fisica(rfc) else "moral" if is_moral(rfc) else None


def _regimen_fits(ctx: DocContext, rfc: str | None, regimen: str | None) -> str | None:
    """The kind of person (física/moral) the regime does not admit, or None when it fits or cannot be told."""
    if regimen is None:
        return None
    cats = catalogs(ctx)
    if is_fisica(rfc):
        return None if regimen in cats.regimen_fisica or regimen not in cats.regimen_moral else "física"
    if is_moral(rfc):
        return None if regimen in cats.regimen_moral or regimen not in cats.regimen_fisica else "moral"
    return None


# --------------------------------------------------------------------------- InformacionGlobal


@rule("CFDI40130", 'El campo Rfc del nodo receptor debe contener valor "XAXX010101000" y el valor del campo Nombre del '
      'nodo Receptor debe contener el valor "PUBLICO EN GENERAL".', kind=_B,
      gloss="InformacionGlobal goes with the receptor XAXX010101000 named PUBLICO EN GENERAL: with the node the receptor "
      "must be that one, and an income (I) document to that receptor must carry the node.",
      source=M40, needs_schema=True)
def informacion_global_con_publico_en_general(ctx: DocContext) -> list[Violation] | None:
    """SAT ties InformacionGlobal to the receptor Rfc XAXX010101000 with Nombre "PUBLICO EN GENERAL".

    This code covers the node: (a) when InformacionGlobal exists, Rfc and Nombre must be
    those (SAT's text, verbatim from a PAC); (b) an income document (I) to XAXX010101000
    named "PUBLICO EN GENERAL" must carry InformacionGlobal (PACs return CFDI40130 for it;
    only type I, since a credit note to the público en general has no global period).
    A Nombre "PUBLICO EN GENERAL" with another RFC and no InformacionGlobal is CFDI40146.
    Names are compared exactly, as SAT writes the value (upper case, no accent).
    """
    m = ctx.model
    r = m.receptor
    if r is None:
        return None
    info = m.informacion_global
    if info is not None:
        if r.rfc != RFC_GENERICO_NACIONAL:
            return [Violation(f"the document has InformacionGlobal but the receptor's Rfc is {r.rfc}", r.el, "Rfc",
                              expected=RFC_GENERICO_NACIONAL, found=r.el.get("Rfc"))]
        elif r.nombre != PUBLICO_EN_GENERAL:
            return [Violation(f"the document has InformacionGlobal but the receptor's Nombre is {r.nombre!r}", r.el, "Nombre",
                              expected=PUBLICO_EN_GENERAL, found=r.el.get("Nombre"))]
    elif m.tipo_de_comprobante == "I" and r.rfc == RFC_GENERICO_NACIONAL and r.nombre == PUBLICO_EN_GENERAL:
        return [Violation("an income document to XAXX010101000 PUBLICO EN GENERAL has no InformacionGlobal", ctx.root, None,
                          expected="cfdi:InformacionGlobal", found="<absent>")]


@rule("CFDI40132", "El campo RegimenFiscal, no contiene el valor 621.", kind=_B,
      gloss="A bimonthly global invoice (Periodicidad 05) is for issuers in regime 621 (Incorporación Fiscal) only.",
      source=M40, needs_schema=True, over=has_informacion_global)
def periodicidad_bimestral_solo_621(ctx: DocContext) -> list[Violation] | None:
    m = ctx.model
    info = m.informacion_global
    e = m.emisor
    if info is None or info.periodicidad != "05" or e is None or e.regimen_fiscal is None or e.regimen_fiscal == "621":
        return None
    return [Violation(f"Periodicidad is 05 (bimestral) but the issuer's RegimenFiscal is {e.regimen_fiscal}", e.el,
                      "RegimenFiscal", expected="621", found=e.el.get("RegimenFiscal"))]


@rule("CFDI40134", 'El campo Meses, no contiene alguno de los valores "01", "02", "03", "04", "05", "06", "07", "08", '
      '"09", "10", "11" o "12".', kind=_B,
      gloss="Unless Periodicidad is 05 (bimonthly), Meses must be a single month, 01 to 12.", source=M40, needs_schema=True,
      over=has_informacion_global)
def meses_de_un_mes(ctx: DocContext) -> list[Violation] | None:
    info = ctx.model.informacion_global
    if info is None or info.periodicidad is None or info.periodicidad == "05" or info.meses is None:
        return None
    if info.meses not in MESES_PERIODO:
        return [Violation(f"Periodicidad is {info.periodicidad} but Meses is {info.meses}, a two-month period", info.el,
                          "Meses", expected="01-12", found=info.el.get("Meses"))]


@rule("CFDI40135", 'El campo Meses, no contiene alguno de los valores "13", "14", "15", "16", "17" o "18".', kind=_B,
      gloss="With Periodicidad 05 (bimonthly), Meses must be a two-month period, 13 to 18.", source=M40, needs_schema=True,
      over=has_informacion_global)
def meses_bimestrales(ctx: DocContext) -> list[Violation] | None:
    info = ctx.model.informacion_global
    if info is None or info.periodicidad != "05" or info.meses is None:
        return None
    if info.meses not in MESES_BIMESTRE:
        return [Violation(f"Periodicidad is 05 (bimestral) but Meses is {info.meses}, a single month", info.el, "Meses",
                          expected="13-18", found=info.el.get("Meses"))]


@rule("CFDI40136", "El campo Año, no es igual al año en curso o al año inmediato anterior.", kind=_B,
      gloss="InformacionGlobal Año must be the year of Fecha or the year before.", source=M40, needs_schema=True,
      over=has_informacion_global)
def anio_en_curso_o_anterior(ctx: DocContext) -> list[Violation] | None:
    """SAT: Año is the current year or the one immediately before.

    "Current" is read as the year of the document's Fecha, so a document validated
    years later keeps its verdict (the PAC checked it when it was issued).
    """
    m = ctx.model
    info = m.informacion_global
    if info is None or info.anio is None or m.fecha is None:
        return None
    year = m.fecha.year
    if info.anio not in (year, year - 1):
        return [Violation(f"Año is {info.anio} but the document's Fecha is in {year}", info.el, "Año",
                          expected=f"{year - 1} or {year}", found=info.el.get("Año"))]


# --------------------------------------------------------------------------- Emisor


@rule("CFDI40141", "La clave del campo RegimenFiscal debe corresponder con el tipo de persona (fisica o moral).", kind=_B,
      gloss="The issuer's RegimenFiscal must be one c_RegimenFiscal admits for its kind of person (RFC of 13 characters: "
      "física; 12: moral).", source=M40, needs_schema=True)
def regimen_emisor_por_tipo_de_persona(ctx: DocContext) -> list[Violation] | None:
    e = ctx.model.emisor
    if e is None:
        return None
    persona = _regimen_fits(ctx, e.rfc, e.regimen_fiscal)
    if persona is not None:
        return [Violation(f"RegimenFiscal {e.regimen_fiscal} is not for a persona {persona} (Rfc {e.rfc})", e.el, "RegimenFiscal",
                          expected=f"a regime for a persona {persona}", found=e.el.get("RegimenFiscal"))]


# --------------------------------------------------------------------------- Receptor


@rule("CFDI40146", 'El campo RFC del receptor debe contener el valor "XAXX010101000".', kind=_B,
      gloss="A receptor named PUBLICO EN GENERAL must have the national generic RFC XAXX010101000.",
      source=M40, needs_schema=True)
def publico_en_general_con_xaxx(ctx: DocContext) -> list[Violation] | None:
    """SAT: a receptor whose Nombre is "PUBLICO EN GENERAL" has Rfc XAXX010101000.

    Reported only without InformacionGlobal: with the node, the same mismatch is CFDI40130
    (the node is validated first, and one condition gets one code).
    """
    m = ctx.model
    r = m.receptor
    if r is None or r.nombre != PUBLICO_EN_GENERAL or r.rfc is None or r.rfc == RFC_GENERICO_NACIONAL:
        return None
    if m.informacion_global is None:
        return [Violation(f"the receptor is named PUBLICO EN GENERAL but its Rfc is {r.rfc}", r.el, "Rfc",
                          expected=RFC_GENERICO_NACIONAL, found=r.el.get("Rfc"))]


@rule("CFDI40149", "El valor del campo DomicilioFiscalReceptor no es igual al valor del campo LugarExpedicion.", kind=_B,
      gloss="With a generic RFC (XAXX010101000 or XEXX010101000) DomicilioFiscalReceptor must be the LugarExpedicion.",
      source=M40, needs_schema=True)
def domicilio_receptor_generico(ctx: DocContext) -> list[Violation] | None:
    """SAT's guide: with the national *or* the foreign generic RFC, DomicilioFiscalReceptor is
    the postal code of LugarExpedicion. The matrix row says "RFC genérico" without narrowing it,
    so both XAXX010101000 and XEXX010101000 are checked."""
    m = ctx.model
    r = m.receptor
    if r is None or r.rfc not in GENERICOS or r.domicilio_fiscal_receptor is None or m.lugar_expedicion is None:
        return None
    if r.domicilio_fiscal_receptor != m.lugar_expedicion:
        return [Violation(f"the receptor has the generic RFC {r.rfc} but DomicilioFiscalReceptor {r.domicilio_fiscal_receptor} "
                          f"is not the LugarExpedicion {m.lugar_expedicion}", r.el, "DomicilioFiscalReceptor",
                          expected=m.lugar_expedicion, found=r.el.get("DomicilioFiscalReceptor"))]


@rule("CFDI40151", "El campo ResidenciaFiscal no debe existir cuando el RFC del receptor es un RFC inscrito en el SAT o el "
      "RFC genérico nacional.", kind=_B,
      gloss="ResidenciaFiscal is for foreign receptors (XEXX010101000) only: it must be omitted with any other RFC.",
      source=M40, needs_schema=True, over=has_datos_de_extranjero)
def residencia_fiscal_solo_extranjeros(ctx: DocContext) -> list[Violation] | None:
    """SAT: ResidenciaFiscal must not exist when the receptor's RFC is registered with SAT or is XAXX010101000.

    Read offline as "any RFC but XEXX010101000": an RFC other than the two generic ones
    must be registered (CFDI40143 rejects it otherwise), so it is "inscrito" whenever the
    document can pass at all.
    """
    r = ctx.model.receptor
    if r is None or r.residencia_fiscal is None or r.rfc is None or r.rfc == RFC_GENERICO_EXTRANJERO:
        return None
    return [Violation(f"ResidenciaFiscal={r.residencia_fiscal} is registered for the receptor {r.rfc}, who is not a foreign "
                      "generic receptor", r.el, "ResidenciaFiscal", expected="<absent>", found=r.el.get("ResidenciaFiscal"))]


@rule("CFDI40152", "El valor del campo ResidenciaFiscal no puede ser MEX.", kind=_B,
      gloss="ResidenciaFiscal is a foreign country: it cannot be MEX.", source=M40, needs_schema=True,
      over=has_datos_de_extranjero)
def residencia_fiscal_no_mex(ctx: DocContext) -> list[Violation] | None:
    r = ctx.model.receptor
    if r is not None and r.residencia_fiscal == "MEX":
        return [Violation("ResidenciaFiscal is MEX; it must be the foreign receptor's country", r.el, "ResidenciaFiscal",
                          expected="a country other than MEX", found=r.el.get("ResidenciaFiscal"))]


@rule("CFDI40153", "El campo ResidenciaFiscal debe existir cuando se registre el campo NumRegIdTrib.", kind=_B,
      gloss="A receptor with NumRegIdTrib (foreign tax id) must also state ResidenciaFiscal.", source=M40, needs_schema=True,
      over=has_datos_de_extranjero)
def residencia_fiscal_con_num_reg_id_trib(ctx: DocContext) -> list[Violation] | None:
    r = ctx.model.receptor
    if r is not None and r.num_reg_id_trib is not None and r.el.get("ResidenciaFiscal") is None:
        return [Violation(f"NumRegIdTrib={r.num_reg_id_trib} is registered without ResidenciaFiscal", r.el, "ResidenciaFiscal",
                          expected="<present>", found="<absent>")]


@rule("CFDI40154", "El campo NumRegIdTrib no debe existir cuando el RFC del receptor es un RFC inscrito en el SAT o el "
      "RFC genérico nacional.", kind=_B,
      gloss="NumRegIdTrib is for foreign receptors (XEXX010101000) only: it must be omitted with any other RFC.",
      source=M40, needs_schema=True, over=has_datos_de_extranjero)
def num_reg_id_trib_solo_extranjeros(ctx: DocContext) -> list[Violation] | None:
    """SAT: NumRegIdTrib must not exist for a registered RFC or XAXX010101000; read offline as
    "any RFC but XEXX010101000", for the reason given in CFDI40151."""
    r = ctx.model.receptor
    if r is None or r.num_reg_id_trib is None or r.rfc is None or r.rfc == RFC_GENERICO_EXTRANJERO:
        return None
    return [Violation(f"NumRegIdTrib={r.num_reg_id_trib} is registered for the receptor {r.rfc}, who is not a foreign "
                      "generic receptor", r.el, "NumRegIdTrib", expected="<absent>", found=r.el.get("NumRegIdTrib"))]


@rule("CFDI40155", "El campo NumRegIdTrib debe existir cuando el CFDI contiene el complemento de comercio exterior y el RFC "
      "del receptor es un RFC genérico extranjero.", kind=_B,
      gloss="A foreign generic receptor (XEXX010101000) on a document with the Comercio Exterior complement must state "
      "NumRegIdTrib.", source=M40, needs_schema=True)
def num_reg_id_trib_en_comercio_exterior(ctx: DocContext) -> list[Violation] | None:
    """Comercio Exterior 2.0 and 1.1 both count (see CFDI40122)."""
    m = ctx.model
    r = m.receptor
    if r is None or r.rfc != RFC_GENERICO_EXTRANJERO or r.el.get("NumRegIdTrib") is not None:
        return None
    if has_comercio_exterior(ctx):
        return [Violation("the foreign generic receptor XEXX010101000 has no NumRegIdTrib on a Comercio Exterior document",
                          r.el, "NumRegIdTrib", expected="<present>", found="<absent>")]


@rule("CFDI40158", "La clave del campo RegimenFiscalReceptor debe corresponder con el tipo de persona (fisica o moral).",
      kind=_B, gloss="The receptor's RegimenFiscalReceptor must be one c_RegimenFiscal admits for its kind of person "
      "(RFC of 13 characters, including the generic ones: física; 12: moral).", source=M40, needs_schema=True)
def regimen_receptor_por_tipo_de_persona(ctx: DocContext) -> list[Violation] | None:
    r = ctx.model.receptor
    if r is None:
        return None
    persona = _regimen_fits(ctx, r.rfc, r.regimen_fiscal_receptor)
    if persona is not None:
        return [Violation(f"RegimenFiscalReceptor {r.regimen_fiscal_receptor} is not for a persona {persona} (Rfc {r.rfc})",
                          r.el, "RegimenFiscalReceptor", expected=f"a regime for a persona {persona}",
                          found=r.el.get("RegimenFiscalReceptor"))]


@rule("CFDI40159", "La clave del campo RegimenFiscalReceptor debe corresponder con el RFC del receptor.", kind=_B,
      gloss="A generic receptor (XAXX010101000, XEXX010101000) has RegimenFiscalReceptor 616 (Sin obligaciones fiscales); "
      "for other RFCs the regime registered with SAT is external data.", source=M40, needs_schema=True)
def regimen_receptor_generico_616(ctx: DocContext) -> list[Violation] | None:
    """The offline part of SAT's rule: the generic RFCs have no regime but 616. Whether another
    RFC is registered under the regime stated needs SAT's taxpayer list (not checked)."""
    r = ctx.model.receptor
    if r is None or r.rfc not in GENERICOS or r.regimen_fiscal_receptor is None or r.regimen_fiscal_receptor == SIN_OBLIGACIONES:
        return None
    return [Violation(f"the generic receptor {r.rfc} has RegimenFiscalReceptor {r.regimen_fiscal_receptor}", r.el,
                      "RegimenFiscalReceptor", expected=SIN_OBLIGACIONES, found=r.el.get("RegimenFiscalReceptor"))]


@rule("CFDI40161", "La clave del campo UsoCFDI debe corresponder con el tipo de persona (fisica o moral) y el régimen "
      "correspondiente.", kind=_B,
      gloss="UsoCFDI must be admitted by c_UsoCFDI for the receptor's kind of person and RegimenFiscalReceptor; a payment "
      "receipt (P) uses CP01.", source=M40, needs_schema=True)
def uso_cfdi_por_persona_y_regimen(ctx: DocContext) -> list[Violation] | None:
    """SAT: c_UsoCFDI's columns "Aplica para tipo persona Física/Moral" and "Régimen Fiscal Receptor"
    must admit the receptor; Pagos guide: a type P document has UsoCFDI CP01.

    One finding per document: CP01 on P first, then the kind of person, then the regime.
    A UsoCFDI not in the catalog is CFDI40160 (schema).
    """
    m = ctx.model
    r = m.receptor
    if r is None or r.uso_cfdi is None:
        return None
    if m.tipo_de_comprobante == "P" and r.uso_cfdi != "CP01":
        return [Violation(f"a payment receipt (P) has UsoCFDI {r.uso_cfdi}", r.el, "UsoCFDI", expected="CP01",
                          found=r.el.get("UsoCFDI"))]
    uso = catalogs(ctx).usos_cfdi.get(r.uso_cfdi)
    if uso is None:
        return None
    persona = _persona(r.rfc)
    if (persona == "física" and not uso.fisica) or (persona == "moral" and not uso.moral):
        return [Violation(f"UsoCFDI {r.uso_cfdi} does not apply to a persona {persona} (Rfc {r.rfc})", r.el, "UsoCFDI",
                          expected=f"a use for a persona {persona}", found=r.el.get("UsoCFDI"))]
    elif r.regimen_fiscal_receptor is not None and r.regimen_fiscal_receptor not in uso.regimenes:
        return [Violation(f"UsoCFDI {r.uso_cfdi} does not apply to RegimenFiscalReceptor {r.regimen_fiscal_receptor}", r.el,
                          "UsoCFDI", expected="a use admitted for regime " + r.regimen_fiscal_receptor,
                          found=r.el.get("UsoCFDI"))]


# --------------------------------------------------------------------------- external data

_X = Kind.EXTERNAL
_LRFC = "needs SAT's list of registered taxpayers (LRFC)"
register_code("CFDI40138", "El campo Nombre del emisor, debe encontrarse en la lista de RFC inscritos no cancelados en el SAT.",
              kind=_X, source=M40, gloss=f"The issuer must be in SAT's list of registered, non-cancelled RFCs: {_LRFC}.")
register_code("CFDI40139", "El campo Nombre del emisor, debe pertenecer al nombre asociado al RFC registrado en el campo Rfc "
              "del Emisor.", kind=_X, source=M40, gloss=f"The issuer's Nombre must be the name registered for its RFC: {_LRFC}.")
register_code("CFDI40142", "El campo FacAtrAdquirente, no contiene un número de operación valido.", kind=_X, source=M40,
              gloss="FacAtrAdquirente must be an operation number SAT issued to the acquirer (the 10-digit pattern is "
              "SAT's schema; validity needs SAT's data).")
register_code("CFDI40144", "El campo Nombre del receptor, debe encontrarse en la lista de RFC inscritos no cancelados en el "
              "SAT.", kind=_X, source=M40, gloss=f"The receptor must be in SAT's list of registered, non-cancelled RFCs: {_LRFC}.")
register_code("CFDI40145", "El campo Nombre del receptor, debe pertenecer al nombre asociado al RFC registrado en el campo "
              "Rfc del Receptor.", kind=_X, source=M40, gloss=f"The receptor's Nombre must be the name registered for its RFC: {_LRFC}.")
register_code("CFDI40147", "El campo DomicilioFiscalReceptor del receptor, debe encontrarse en la lista de RFC inscritos no "
              "cancelados en el SAT.", kind=_X, source=M40,
              gloss=f"The receptor whose postal code is stated must be in SAT's list of registered RFCs: {_LRFC}.")
register_code("CFDI40148", "El campo DomicilioFiscalReceptor del receptor, debe corresponder con el código postal del domicilio "
              "fiscal registrado para el RFC del receptor.", kind=_X, source=M40,
              gloss=f"DomicilioFiscalReceptor must be the postal code registered for the receptor's RFC: {_LRFC}.")
register_code("CFDI40156", "El campo NumRegIdTrib no cumple con el patrón correspondiente al país registrado en "
              "ResidenciaFiscal.", kind=_X, source=M40,
              gloss="NumRegIdTrib must follow the format (and registry) c_Pais gives the country of ResidenciaFiscal: "
              "cfdi-ar carries no c_Pais formats.")

"""SAT rules that need data from outside the document, run when the user plugs that data in.

Each rule here is registered with kind ``external`` and a check; the check
returns at once when its data is not configured, so validation never
depends on it. :data:`PLUGGABLE` says which option supplies each rule's data;
``cfdi-ar rules`` shows it in the status column ("needs external data
(--lrfc)"). External codes that cfdi-ar cannot check at all (a PAC's
Confirmacion keys, the day's exchange rate…) are registered without a check
by the modules of their ranges.

Data: :mod:`cfdi_ar.sat.external` (the LRFC file, loaded once per process
into ``ctx.runtime.lrfc``).
"""

from __future__ import annotations

from typing import Callable, Iterator

from ..context import DocContext
from .common import GENERICOS, M40, MP, RFC_GENERICO_EXTRANJERO
from .registry import Check, Kind, Violation, rule

__all__ = ["PLUGGABLE"]

PLUGGABLE: dict[str, str] = {}  # code → the option that supplies its data


def _external(code: str, title: str, *, option: str, **kw: object) -> Callable[[Check], Check]:
    """Register an external rule whose data comes from ``option`` (see :data:`PLUGGABLE`)."""
    PLUGGABLE[code] = option
    return rule(code, title, kind=Kind.EXTERNAL, needs_schema=True, **kw)  # type: ignore[arg-type]


@_external("CFDI40143", "El campo Rfc del receptor no existe en la lista de RFC inscritos no cancelados del SAT.",
           option="--lrfc", source=M40,
           gloss="The receiver's RFC must be in SAT's list of registered, not cancelled RFCs (LRFC); "
           "checked only when an LRFC file is given.")
def receptor_rfc_inscrito(ctx: DocContext) -> Iterator[Violation]:
    """SAT: the Receptor Rfc must exist in the LRFC (RFCs registered and not cancelled).

    The generic RFCs (XAXX010101000 público en general, XEXX010101000 extranjero) are not
    taxpayers and are never in the list; SAT accepts them by other rules (CFDI40146 and
    following), so they are skipped here.
    """
    lrfc = ctx.runtime.lrfc
    if lrfc is None:
        return
    receptor = ctx.model.receptor
    if receptor is None:
        return
    rfc = receptor.rfc
    if rfc is None or rfc in GENERICOS or rfc in lrfc:
        return
    yield Violation(f"the receiver's RFC {rfc} is not in the LRFC file (SAT's registered, not cancelled RFCs)",
                    receptor.el, "Rfc", expected="an RFC listed in the LRFC file", found=rfc)


@_external("CRP20222", "El RFC del campo RfcEmisorCtaOrd no se encuentra en la lista de RFC.",
           option="--lrfc", source=MP, types=("P",),
           gloss="A Pago's RfcEmisorCtaOrd (the payer's bank), other than XEXX010101000, must be in SAT's list "
           "of registered RFCs (LRFC); checked only when an LRFC file is given.")
def rfc_emisor_cta_ord_inscrito(ctx: DocContext) -> Iterator[Violation]:
    """SAT: when RfcEmisorCtaOrd is present and is not the foreign generic RFC XEXX010101000, it must
    be in the LRFC. (The foreign bank's case is CRP20223's: NomBancoOrdExt required.)"""
    lrfc = ctx.runtime.lrfc
    if lrfc is None:
        return
    pagos = ctx.model.pagos
    if pagos is None:
        return
    for pago in pagos.pagos:
        rfc = pago.rfc_emisor_cta_ord
        if rfc is None or rfc == RFC_GENERICO_EXTRANJERO or rfc in lrfc:
            continue
        yield Violation(f"RfcEmisorCtaOrd {rfc} (the payer's bank) is not in the LRFC file (SAT's registered RFCs)",
                        pago.el, "RfcEmisorCtaOrd", expected="an RFC listed in the LRFC file", found=rfc)

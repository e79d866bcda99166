"""The stamp: tfd:TimbreFiscalDigital 1.1 (``RELIABILITY.md`` §2.3).

TFD 1.1 has no SAT error matrix of its own; its codes are the project's.
A document without a stamp is not an error: users validate before sending
to a PAC.
"""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from typing import Iterator

from cryptography.hazmat.primitives import hashes

from ..context import DocContext
from ..findings import Severity
from ..model import Timbre
from ..sat.cadena import cadena_tfd11, may_need_normalizing
from ..sat.certs import SatCertificate
from .registry import Kind, Violation, rule

_T = Kind.STAMP
STAMP_WINDOW = timedelta(hours=72)


def _timbre(ctx: DocContext) -> Timbre | None:
    return ctx.model.timbre


@rule("CFDIAR-TFD-001", "Unstamped document", kind=_T, severity=Severity.INFO,
      gloss="No TimbreFiscalDigital: the document has not been stamped by a PAC yet (not an error before sending it).")
def sin_timbre(ctx: DocContext) -> Iterator[Violation]:
    if not ctx.model.timbres:
        yield Violation("the document is not stamped (no tfd:TimbreFiscalDigital)", ctx.root)


@rule("CFDIAR-TFD-002", "More than one stamp", kind=_T,
      gloss="A CFDI carries exactly one TimbreFiscalDigital (PAC code 307 'El CFDI contiene un timbre previo').",
      source="PAC code 307")
def un_solo_timbre(ctx: DocContext) -> Iterator[Violation]:
    for extra in ctx.model.timbres[1:]:
        yield Violation(f"the document carries {len(ctx.model.timbres)} stamps; only the first is checked", extra.el)


def _compact(value: str | None) -> str:
    return "".join((value or "").split())


@rule("CFDIAR-TFD-003", "SelloCFD is not the document's Sello", kind=_T,
      gloss="The stamp's SelloCFD must equal Comprobante/@Sello: otherwise the stamp belongs to another document "
      "or the document was re-sealed after stamping.")
def sello_cfd_es_el_sello(ctx: DocContext) -> Iterator[Violation]:
    t = _timbre(ctx)
    if t is None or t.sello_cfd == ctx.model.sello:  # written alike: nothing to compare
        return
    if _compact(t.sello_cfd) != _compact(ctx.model.sello):
        yield Violation("SelloCFD differs from the document's Sello: the stamp was made for another document", t.el, "SelloCFD")


class StampOutcome:
    __slots__ = ("verified", "message", "certificate")

    def __init__(self, verified: bool | None, message: str = "", certificate: SatCertificate | None = None) -> None:
        self.verified = verified  # None: the SAT certificate is not available offline
        self.message = message
        self.certificate = certificate


def stamp_outcome(ctx: DocContext) -> StampOutcome | None:
    """SelloSAT verified with the certificate from the local store (cached); None when unstamped."""
    if _timbre(ctx) is None:
        return None
    return ctx.memo("stamp", _verify_stamp)


def tfd_cadena(t: Timbre) -> bytes:
    """The stamp's cadena original (UTF-8): from the fragment its reader kept, or, when a value would be
    changed by normalize-space() (the fragment holds values as written), from the element
    (``sat.cadena.cadena_tfd11``). The two are equal: tests/test_stamp.py. ~1 us instead of ~6."""
    text = f"|{t.cad}||"
    if may_need_normalizing(text):
        return cadena_tfd11(t.el)
    return text.encode("utf-8")


def _verify_stamp(ctx: DocContext) -> StampOutcome:
    t = _timbre(ctx)
    assert t is not None
    serial = t.no_certificado_sat or ""
    # A SelloSAT that is empty or not base64 can never verify, whatever certificate is at hand.
    try:
        signature = base64.b64decode(_compact(t.sello_sat), validate=True)
    except (binascii.Error, ValueError):
        return StampOutcome(False, "SelloSAT is not valid base64")
    if not signature:
        return StampOutcome(False, "SelloSAT is empty: the stamp carries no signature")
    store = ctx.runtime.stamps
    if not store:
        return StampOutcome(None, f"SAT certificate {serial} cannot be checked: no local store of SAT certificates (use --sat-certs DIR)")
    entry = store.get(serial)
    if entry is None:
        return StampOutcome(None, f"SAT certificate {serial} is not in the local store {store.folder}")
    if entry.certificate is None:
        return StampOutcome(None, entry.problem or f"SAT certificate {serial} is unusable")
    cert = entry.certificate
    if cert.verify_signature(signature, tfd_cadena(t), hashes.SHA256()):
        return StampOutcome(True, "", cert)
    return StampOutcome(False, f"SelloSAT does not verify with SAT certificate {serial} over the stamp's cadena original", cert)


@rule("CFDIAR-TFD-004", "SelloSAT does not verify", kind=_T,
      gloss="SAT's signature over the stamp's cadena original (cadenaoriginal_TFD_1_1) must verify with the "
      "certificate NoCertificadoSAT. Fails when any stamp field was altered (even the UUID's case).")
def sello_sat_valido(ctx: DocContext) -> Iterator[Violation]:
    outcome = stamp_outcome(ctx)
    t = _timbre(ctx)
    if outcome is not None and outcome.verified is False and t is not None:
        yield Violation(outcome.message, t.el, "SelloSAT")


@rule("CFDIAR-TFD-005", "Stamp not verifiable offline", kind=_T, severity=Severity.WARNING,
      gloss="The SAT certificate named by NoCertificadoSAT is not in the local store (--sat-certs DIR, "
      "CFDI_AR_SAT_CERTS, or sat_certs in the configuration), so SelloSAT could not be verified. Not an error.")
def timbre_verificable(ctx: DocContext) -> Iterator[Violation]:
    outcome = stamp_outcome(ctx)
    t = _timbre(ctx)
    if outcome is not None and outcome.verified is None and t is not None:
        yield Violation(outcome.message, t.el, "NoCertificadoSAT")


@rule("CFDIAR-TFD-006", "SAT certificate not valid at FechaTimbrado", kind=_T,
      gloss="The SAT certificate that signed the stamp must be valid when the stamp was made.")
def certificado_sat_vigente(ctx: DocContext) -> Iterator[Violation]:
    outcome = stamp_outcome(ctx)
    t = _timbre(ctx)
    if outcome is None or outcome.certificate is None or t is None or t.fecha_timbrado is None:
        return
    cert = outcome.certificate
    instant = ctx.timbrado_utc
    if instant is not None and not cert.valid_at(instant):
        yield Violation(
            f"FechaTimbrado {t.el.get('FechaTimbrado')} is outside the validity of SAT certificate "
            f"{cert.serial_sat} ({cert.not_before:%Y-%m-%d} to {cert.not_after:%Y-%m-%d})",
            t.el,
            "FechaTimbrado",
        )


@rule("CFDIAR-TFD-007", "Stamped outside the 72-hour window", kind=_T,
      gloss="FechaTimbrado must be at or after Fecha and no more than 72 hours after it (PAC code 401). Fecha is "
      "local time at LugarExpedicion, FechaTimbrado central Mexico time; both are compared in UTC.",
      source="PAC code 401; RELIABILITY.md §2.3")
def timbrado_dentro_de_72_horas(ctx: DocContext) -> Iterator[Violation]:
    t = _timbre(ctx)
    window = ctx.fecha_utc
    if t is None or t.fecha_timbrado is None or window is None:
        return
    stamped = ctx.timbrado_utc
    if stamped is None:
        return
    earliest, latest = window
    # Violated only if it is violated whatever the issuer's offset was (one offset when LugarExpedicion is known).
    if stamped < earliest:
        yield Violation(
            f"FechaTimbrado {t.el.get('FechaTimbrado')} is before the document's Fecha {ctx.root.get('Fecha')}",
            t.el,
            "FechaTimbrado",
        )
    elif stamped - latest > STAMP_WINDOW:
        hours = (stamped - latest).total_seconds() / 3600
        yield Violation(
            f"stamped {hours:.1f} hours after Fecha {ctx.root.get('Fecha')}; SAT allows 72",
            t.el,
            "FechaTimbrado",
        )


@rule("CFDIAR-TFD-008", "Lower-case UUID on an unverified stamp", kind=_T, severity=Severity.WARNING,
      gloss="The UUID is covered by SelloSAT, so a UUID lower-cased after stamping breaks the stamp. Some PACs do "
      "write lower case: when SelloSAT verifies there is nothing to report; when it cannot be verified, the case "
      "is worth a look. cfdi-ar always keys documents by the upper-case UUID.",
      source="RELIABILITY.md §4 case 32")
def uuid_en_minusculas_sin_timbre_verificado(ctx: DocContext) -> Iterator[Violation]:
    t = _timbre(ctx)
    outcome = stamp_outcome(ctx)
    if t is None or not t.uuid or t.uuid == t.uuid.upper() or outcome is None or outcome.verified is True:
        return
    yield Violation(f"UUID {t.uuid} is in lower case and the stamp could not be verified to confirm the PAC wrote it so", t.el, "UUID")


@rule("CFDIAR-TFD-009", "RfcProvCertif is not the PAC of the SAT certificate", kind=_T,
      gloss="SAT's stamp certificates name the PAC in their organizational unit (PAC + RFC + number); "
      "RfcProvCertif must be that RFC.")
def rfc_prov_certif_del_certificado(ctx: DocContext) -> Iterator[Violation]:
    outcome = stamp_outcome(ctx)
    t = _timbre(ctx)
    if outcome is None or outcome.certificate is None or t is None or not t.rfc_prov_certif:
        return
    pac = outcome.certificate.pac_rfc  # from the certificate's organizational unit, read once per certificate
    if pac is not None and pac != t.rfc_prov_certif.upper():
        yield Violation(
            f"RfcProvCertif is {t.rfc_prov_certif} but SAT certificate {outcome.certificate.serial_sat} was issued for PAC {pac}",
            t.el,
            "RfcProvCertif",
        )

"""The seal (Sello) and the issuer's certificate (Certificado).

Each check is its own code, in the order of ``RELIABILITY.md`` §2.1; a check
that needs a readable certificate stays silent when the certificate is
unreadable (that is CFDIAR-CERT-001's finding, reported once).
"""

from __future__ import annotations

import base64
import binascii
import functools
from typing import Iterator

from cryptography.hazmat.primitives import hashes
from lxml import etree

from ..context import DocContext
from ..findings import Severity
from ..model.cadena import cadena_from_model
from ..namespaces import split_tag
from ..sat.cadena import PORTED_COMPLEMENTS, cadena_cfdi40
from ..sat.certs import OID_ORGANIZATION, CertificateError, CertKind, SatCertificate, TrustStatus, fold
from .registry import Kind, Violation, rule

_G = Kind.SIGNATURE
_M40 = "Matriz de errores CFDI 4.0"


def _cert(ctx: DocContext) -> SatCertificate | None:
    c = ctx.certificate
    return c if isinstance(c, SatCertificate) else None


def _fmt(instant) -> str:  # type: ignore[no-untyped-def]
    return instant.strftime("%Y-%m-%d %H:%M:%S UTC")


@rule(
    "CFDIAR-CERT-001",
    "Certificado unreadable",
    kind=_G,
    gloss="Comprobante/@Certificado is missing, not strict base64, or not a DER X.509 certificate.",
    source="RELIABILITY.md §2.1 (2)",
)
def certificado_legible(ctx: DocContext) -> Iterator[Violation]:
    c = ctx.certificate
    if c is None:
        yield Violation("Certificado is missing or empty: the seal cannot be verified", ctx.root, "Certificado")
    elif isinstance(c, CertificateError):
        yield Violation(f"Certificado cannot be read: {c}", ctx.root, "Certificado")


@rule(
    "CFDIAR-CERT-002",
    "NoCertificado is not the certificate's serial",
    kind=_G,
    gloss="NoCertificado must equal the certificate's serial number as SAT writes it (20 digits).",
    source="RELIABILITY.md §2.1 (3); CfdiUtils SELLO02",
)
def no_certificado_es_el_serial(ctx: DocContext) -> Iterator[Violation]:
    cert = _cert(ctx)
    if cert is None:
        return
    written = ctx.model.no_certificado
    if cert.serial_sat is None:
        yield Violation(f"the certificate's serial {cert.serial:#x} is not a SAT serial (20 ASCII digits)", ctx.root, "Certificado")
    elif written != cert.serial_sat:
        yield Violation(f"NoCertificado is {written!r} but the certificate's serial is {cert.serial_sat}", ctx.root, "NoCertificado")


@rule(
    "CFDIAR-CERT-003",
    "Emisor RFC is not the certificate's RFC",
    kind=_G,
    gloss="Emisor/@Rfc must equal the RFC in the certificate's subject (x500UniqueIdentifier). "
    "PACs reject this as 303 'Sello no corresponde a emisor'.",
    source="RELIABILITY.md §2.1 (4); PAC code 303",
)
def rfc_emisor_es_el_del_certificado(ctx: DocContext) -> Iterator[Violation]:
    cert = _cert(ctx)
    emisor = ctx.model.emisor
    if cert is None or emisor is None or emisor.rfc is None:
        return
    if cert.rfc is None:
        yield Violation("the certificate carries no RFC (x500UniqueIdentifier)", ctx.root, "Certificado")
    elif emisor.rfc.upper() != cert.rfc:
        yield Violation(f"Emisor Rfc is {emisor.rfc} but the certificate belongs to {cert.rfc}", emisor.el, "Rfc")


@rule(
    "CFDI40106",
    "EL certificado no cumple con alguno de los valores permitidos.",
    kind=_G,
    gloss="The certificate must be a CSD (not a FIEL/e.firma), valid at the document's Fecha, and issued by SAT. "
    "Each failing condition is reported with its reason (PAC codes 305, 306, 308).",
    source=_M40,
)
def certificado_permitido(ctx: DocContext) -> Iterator[Violation]:
    cert = _cert(ctx)
    if cert is None:
        return
    if cert.kind is CertKind.FIEL:
        yield Violation(
            f"the certificate {cert.serial_sat or ''} is a FIEL (e.firma), not a CSD (Certificado de Sello Digital): "
            "CFDI must be sealed with a CSD",
            ctx.root,
            "Certificado",
        )
    elif cert.kind is CertKind.UNKNOWN:
        yield Violation(
            "the certificate is not recognisable as a CSD (no organizational unit, or unreadable key usage)",
            ctx.root,
            "Certificado",
        )
    window = ctx.fecha_utc
    if window is not None:
        earliest, latest = window
        # Outside validity at every possible offset → error; the zone of LugarExpedicion makes it one instant.
        if latest < cert.not_before:
            yield Violation(
                f"Fecha {ctx.root.get('Fecha')} is before the certificate's validity starts ({_fmt(cert.not_before)})",
                ctx.root,
                "Fecha",
            )
        elif earliest > cert.not_after:
            yield Violation(
                f"Fecha {ctx.root.get('Fecha')} is after the certificate expired ({_fmt(cert.not_after)})",
                ctx.root,
                "Fecha",
            )
    chain = ctx.runtime.trust.chain(cert)
    if chain.status is TrustStatus.UNTRUSTED:
        hint = ""
        if "ADMINISTRACION TRIBUTARIA" in fold(cert.issuer.get(OID_ORGANIZATION)):
            hint = (
                "; its issuer names SAT but is not in SAT's CA bundle shipped with satcfdi: if SAT has "
                "issued a new CA, add its certificate with --trust-ca"
            )
        yield Violation(f"the certificate is not issued by SAT: {chain.detail}{hint}", ctx.root, "Certificado")
    elif chain.status is TrustStatus.TEST and not ctx.runtime.settings.test_certificates:
        yield Violation(
            f"the certificate is one of SAT's public test certificates ({chain.detail}), not valid in production; "
            "use --test-certificates to accept it in a test environment",
            ctx.root,
            "Certificado",
        )


@rule(
    "CFDIAR-CERT-004",
    "Sealed with a SAT test certificate",
    kind=_G,
    severity=Severity.WARNING,
    gloss="Accepted because --test-certificates is on: SAT's public test CA ('AC UAT') is recognised by issuer "
    "and serial only, since its own certificate is not published with the production bundle.",
)
def certificado_de_pruebas(ctx: DocContext) -> Iterator[Violation]:
    cert = _cert(ctx)
    if cert is None or not ctx.runtime.settings.test_certificates:
        return
    chain = ctx.runtime.trust.chain(cert)
    if chain.status is TrustStatus.TEST:
        yield Violation(f"sealed with a SAT test certificate ({chain.detail}); not valid in production", ctx.root, "Certificado")


@rule(
    "CFDIAR-CERT-005",
    "Certificate issued by a CA you trust",
    kind=_G,
    severity=Severity.INFO,
    gloss="The certificate chains to a CA certificate given with --trust-ca (or trust_ca in the configuration), "
    "not to SAT's bundled production CA.",
)
def certificado_de_ca_configurada(ctx: DocContext) -> Iterator[Violation]:
    cert = _cert(ctx)
    if cert is None:
        return
    chain = ctx.runtime.trust.chain(cert)
    if chain.status is TrustStatus.USER_ROOT:
        yield Violation(chain.detail, ctx.root, "Certificado")


# --------------------------------------------------------------------------- the seal itself


class SealOutcome:
    __slots__ = ("verified", "message")

    def __init__(self, verified: bool | None, message: str = "") -> None:
        self.verified = verified  # None: could not be decided (no certificate, no cadena)
        self.message = message


@functools.lru_cache(maxsize=None)
def _sha() -> tuple[hashes.HashAlgorithm, hashes.HashAlgorithm]:
    return hashes.SHA256(), hashes.SHA1()


def seal_outcome(ctx: DocContext) -> SealOutcome:
    """Verify Sello over the cadena original (cached on the context)."""
    return ctx.memo("seal", _verify_seal)


def cadena_of(ctx: DocContext) -> bytes | str:
    """The document's cadena original (UTF-8), computed once per document; the reason as text
    when SAT's stylesheet could not compute it."""
    return ctx.memo("cadena", _cadena)


def _cadena(ctx: DocContext) -> bytes | str:
    ported = ctx.census.only(PORTED_COMPLEMENTS)
    if ported and not ctx.schema_issues:
        # SAT's schema holds, so the model's fragments are the cadena (cfdi_ar.model.cadena)
        assembled = cadena_from_model(ctx.model)
        if assembled is not None:
            return assembled
    try:
        return cadena_cfdi40(ctx.root, python_port=ported)
    except etree.XSLTError as exc:  # pragma: no cover - SAT's stylesheet runs on any well-formed tree
        return str(exc) or "XSLT error"


def _verify_seal(ctx: DocContext) -> SealOutcome:
    cert = _cert(ctx)
    sello = ctx.root.get("Sello")
    if cert is None:
        return SealOutcome(None, "no readable certificate")
    if sello is None or not sello.strip():
        return SealOutcome(False, "Sello is missing or empty")
    try:
        signature = base64.b64decode("".join(sello.split()), validate=True)
    except (binascii.Error, ValueError):
        return SealOutcome(False, "Sello is not valid base64")
    cadena = cadena_of(ctx)
    if isinstance(cadena, str):  # pragma: no cover - SAT's stylesheet runs on any well-formed tree
        return SealOutcome(None, f"the cadena original could not be computed: {cadena}")
    sha256, sha1 = _sha()
    if cert.verify_signature(signature, cadena, sha256):
        return SealOutcome(True)
    if cert.verify_signature(signature, cadena, sha1):
        return SealOutcome(False, "Sello was made with SHA-1; CFDI 4.0 requires RSA with SHA-256")
    return SealOutcome(False, "Sello does not verify against the cadena original with the certificate's key")


@rule(
    "CFDI40102",
    "El resultado de la digestión debe ser igual al resultado de la desencripción del sello.",
    kind=_G,
    gloss="Sello must verify (RSA, SHA-256) over the cadena original computed with SAT's "
    "cadenaoriginal_4_0.xslt. Fails for any change to sealed data after sealing.",
    source=_M40,
)
def sello_valido(ctx: DocContext) -> Iterator[Violation]:
    if ctx.census.unknown:
        return  # CFDIAR-SELLO-001 says why the seal cannot be judged
    outcome = seal_outcome(ctx)
    if outcome.verified is False:
        yield Violation(outcome.message, ctx.root, "Sello")


@rule(
    "CFDIAR-SELLO-001",
    "Seal cannot be verified: unknown complement",
    kind=_G,
    gloss="The document carries a complement SAT's cadena stylesheet does not know, so the cadena original "
    "cannot be computed and the seal cannot be verified offline (not the same as an invalid seal).",
    source="RELIABILITY.md §4 case 54",
)
def sello_no_verificable(ctx: DocContext) -> Iterator[Violation]:
    if not ctx.census.unknown:
        return
    outcome = seal_outcome(ctx)
    if outcome.verified is False:
        names = ", ".join(sorted({split_tag(el.tag)[0] or "(none)" for el in ctx.census.unknown}))
        yield Violation(f"the seal does not verify and the document carries complements with no local stylesheet: {names}", ctx.root, "Sello")


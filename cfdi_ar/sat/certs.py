"""SAT certificates: reading, CSD vs FIEL, and the chain to SAT's roots.

What a CFDI's ``Certificado`` must be (``RELIABILITY.md`` §2.1):

* a DER X.509 certificate in strict base64;
* its serial, as SAT writes it (ASCII digits stored as the serial's bytes),
  equals ``NoCertificado``;
* the RFC in its subject ``x500UniqueIdentifier`` (2.5.4.45; for a persona
  moral ``"RFC / RFC_REPRESENTANTE"``) equals ``Emisor/@Rfc``;
* a CSD (Certificado de Sello Digital), not a FIEL/e.firma: SAT's CSDs carry
  an OU and no clientAuth/emailProtection EKU and no keyAgreement; anything
  else is reported, never silently passed;
* issued by SAT: its signature verifies with a certificate of SAT's
  production CA bundle (shipped in satcfdi as ``CertsProd.zip``).

The chain is checked by hand rather than with ``cryptography.x509.verification``:
real SAT certificates for RFCs with Ñ or & have subjects ``cryptography``
cannot parse, and SAT's CA certificates fail the WebPKI profile
(basicConstraints criticality). The check is the *chain model*: each issuer
must have been valid when it issued the certificate below it, so a CSD
issued before its CA expired stays verifiable for its own lifetime.

SAT's public test certificates come from test CAs ("AC UAT", "A.C. 2 de
pruebas(4096)") whose own certificates are not at hand: they are recognised
by issuer and serial prefix, which anyone can imitate — so they are only
accepted, with a warning, when the user asks for it (``--test-certificates``).
"""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from .der import DerError, Name, read_tbs_names
from .files import production_ca_zip
from ..xmltext import strip_accents

__all__ = [
    "CertificateError",
    "SatCertificate",
    "CertKind",
    "TrustStatus",
    "Trust",
    "read_certificate",
    "read_certificado_attr",
    "load_certificate_file",
    "sat_trust",
]

OID_X500_UNIQUE_IDENTIFIER = "2.5.4.45"
OID_ORGANIZATIONAL_UNIT = "2.5.4.11"
OID_ORGANIZATION = "2.5.4.10"
OID_COMMON_NAME = "2.5.4.3"
OID_EMAIL = "1.2.840.113549.1.9.1"


_PAC_OU = re.compile(r"^PAC([A-Z&Ñ]{3,4}[0-9]{6}[A-Z0-9]{3})[0-9]*$")


class CertificateError(ValueError):
    """The bytes are not a usable X.509 certificate."""


class CertKind(str, enum.Enum):
    CSD = "CSD"
    FIEL = "FIEL"
    UNKNOWN = "unknown"


class SatCertificate:
    """A parsed certificate; everything a check needs is computed once, here."""

    __slots__ = ("der", "cert", "serial", "issuer", "subject", "serial_sat", "rfc",
                 "organizational_unit", "pac_rfc", "not_before", "not_after", "kind", "is_ca", "_key", "_key_type")

    def __init__(self, der: bytes, cert: x509.Certificate, serial: int, issuer: Name, subject: Name) -> None:
        self.der = der
        self.cert = cert
        self.serial = serial
        self.issuer = issuer
        self.subject = subject
        self.serial_sat = _serial_sat(serial)
        unique = subject.get(OID_X500_UNIQUE_IDENTIFIER)
        self.rfc = (unique.split("/", 1)[0].strip().upper() or None) if unique else None
        self.organizational_unit = subject.get(OID_ORGANIZATIONAL_UNIT)
        # A SAT stamp certificate names its PAC in the organizational unit: "PAC" + the PAC's RFC + a number.
        pac = _PAC_OU.match(self.organizational_unit or "")
        self.pac_rfc: str | None = pac.group(1) if pac else None
        self.not_before: datetime = cert.not_valid_before_utc
        self.not_after: datetime = cert.not_valid_after_utc
        self.kind = _kind(cert, self.organizational_unit)
        self.is_ca = _is_ca(cert)
        # The public key, parsed and classified once: every document's seal is verified with it, and
        # isinstance() against cryptography's key ABCs costs ~0.5 us a call.
        self._key, self._key_type = _public_key(cert)

    def valid_at(self, instant: datetime) -> bool:
        return self.not_before <= instant <= self.not_after

    def describe(self) -> str:
        cn = self.subject.get(OID_COMMON_NAME) or "?"
        return f"{cn} (serial {self.serial_sat or hex(self.serial)})"

    def verify_signature(self, signature: bytes, data: bytes, algorithm) -> bool:  # type: ignore[no-untyped-def]
        key, key_type = self._key, self._key_type
        try:
            if key_type is _RSA:
                key.verify(signature, data, _PKCS1V15, algorithm)
            elif key_type is _EC:
                key.verify(signature, data, ec.ECDSA(algorithm))
            else:
                return False
        except (InvalidSignature, ValueError, UnsupportedAlgorithm):
            return False
        return True

    def issued(self, child: "SatCertificate") -> bool:
        """True when this certificate's key signed ``child``."""
        if self.subject.der != child.issuer.der:
            return False
        try:
            algorithm = child.cert.signature_hash_algorithm
        except UnsupportedAlgorithm:  # a signature algorithm OID cryptography does not know: nothing verifies
            return False
        if algorithm is None:
            return False
        return self.verify_signature(child.cert.signature, child.cert.tbs_certificate_bytes, algorithm)


_RSA, _EC = "rsa", "ec"
_PKCS1V15 = padding.PKCS1v15()


def _public_key(cert: x509.Certificate) -> tuple[object, str | None]:
    """The certificate's public key and its type (``_RSA``, ``_EC``), or (None, None) when unusable."""
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return None, None
    if isinstance(key, rsa.RSAPublicKey):
        return key, _RSA
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key, _EC
    return key, None


def _serial_sat(n: int) -> str | None:
    """The serial as SAT writes it (``NoCertificado``): 20 ASCII digits stored as
    the serial's bytes (hex ``3330303031...`` is ``30001...``), else None."""
    if n <= 0:
        return None
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    return text if len(text) == 20 and text.isdigit() else None


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except (x509.ExtensionNotFound, ValueError):
        return True  # old SAT/Banxico roots predate basicConstraints; they are trust anchors anyway
    return bool(bc.ca)


def _kind(cert: x509.Certificate, ou: str | None) -> CertKind:
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        client_or_mail = ExtendedKeyUsageOID.CLIENT_AUTH in eku or ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    except x509.ExtensionNotFound:
        client_or_mail = False
    except ValueError:
        return CertKind.UNKNOWN
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        key_agreement = ku.key_agreement
    except x509.ExtensionNotFound:
        key_agreement = False
    except ValueError:
        return CertKind.UNKNOWN
    if client_or_mail or key_agreement:
        return CertKind.FIEL
    if ou:
        return CertKind.CSD
    return CertKind.UNKNOWN


# What cryptography raises on a certificate it cannot use. Not all are ValueErrors: a version other than
# 1-3 (InvalidVersion) and a repeated extension (DuplicateExtension, raised when the extensions are first
# read, in SatCertificate()) escaped read_certificate() and became CFDIAR-INTERNAL (found by fuzzing).
_UNUSABLE = (ValueError, DerError, x509.InvalidVersion, x509.DuplicateExtension, x509.UnsupportedGeneralNameType,
             UnsupportedAlgorithm)


def read_certificate(der: bytes) -> SatCertificate:
    if der[:11] == b"-----BEGIN ":
        try:
            cert = x509.load_pem_x509_certificate(der)
        except ValueError as exc:
            raise CertificateError(f"not a PEM X.509 certificate: {exc}") from None
        der = cert.public_bytes(Encoding.DER)
    try:
        cert = x509.load_der_x509_certificate(der)
        serial, issuer, subject = read_tbs_names(cert.tbs_certificate_bytes)
        return SatCertificate(der, cert, serial, issuer, subject)
    except _UNUSABLE as exc:
        raise CertificateError(f"not a DER X.509 certificate: {exc}") from None


MAX_CACHED_CERTIFICATES = 4096  # chain verdicts kept per process; a batch shares few certificates
_CACHED_CERTIFICADO = 16 * 1024  # a CSD in base64 is ~2 KB; a longer text is decoded every time, never kept


def read_certificado_attr(value: str) -> SatCertificate:
    """``Comprobante/@Certificado`` → certificate. Strict base64 after removing
    whitespace (SAT's XSD collapses whitespace in this attribute; line breaks
    inside it are common in the wild). Cached: a batch shares few certificates.
    Only texts of certificate size are cached: the cache is keyed by the text as
    written, and a batch of documents each padding a certificate with megabytes of
    distinct whitespace must not pin all of them."""
    if len(value) <= _CACHED_CERTIFICADO:
        return _read_certificado_cached(value)
    return _read_certificado(value)


def _read_certificado(value: str) -> SatCertificate:
    compact = "".join(value.split())
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise CertificateError("Certificado is not valid base64") from None
    if not der:
        raise CertificateError("Certificado is empty")
    return read_certificate(der)


_read_certificado_cached = functools.lru_cache(maxsize=4096)(_read_certificado)


def load_certificate_file(path: Path) -> SatCertificate:
    return read_certificate(path.read_bytes())


class TrustStatus(str, enum.Enum):
    PRODUCTION = "production"  # chains to SAT's production CA
    TEST = "test"  # looks like SAT's public test CA (AC UAT); not verifiable
    USER_ROOT = "user-root"  # chains to a root the user configured
    UNTRUSTED = "untrusted"


def fold(text: str | None) -> str:
    """Upper case without accents, for comparing names SAT spells several ways."""
    if not text:
        return ""
    return strip_accents(text).upper().strip()


_TEST_CA_NAMES = ("AC UAT", "A.C. 2 DE PRUEBAS(4096)")
_TEST_SERIAL_PREFIXES = ("30001", "20001")


def looks_like_sat_test(cert: SatCertificate) -> bool:
    """Issuer and serial of SAT's public test certificates (see module docstring)."""
    issuer_cn = fold(cert.issuer.get(OID_COMMON_NAME))
    issuer_o = fold(cert.issuer.get(OID_ORGANIZATION))
    serial = cert.serial_sat or ""
    return (
        issuer_cn in _TEST_CA_NAMES
        and "SERVICIO DE ADMINISTRACION TRIBUTARIA" in issuer_o
        and serial.startswith(_TEST_SERIAL_PREFIXES)
    )


@dataclass(frozen=True, slots=True)
class ChainResult:
    status: TrustStatus
    detail: str


class Trust:
    """SAT's production CA bundle, plus any roots the user chose to trust."""

    def __init__(self, production: Iterable[SatCertificate], user_roots: Iterable[SatCertificate] = ()) -> None:
        self.production = tuple(production)
        self.user_roots = tuple(user_roots)
        self._cache: dict[bytes, ChainResult] = {}

    def with_user_roots(self, roots: Iterable[SatCertificate]) -> "Trust":
        return Trust(self.production, roots)

    def chain(self, cert: SatCertificate) -> ChainResult:
        cached = self._cache.get(cert.der)
        if cached is None:
            cached = self._chain(cert)
            if len(self._cache) < MAX_CACHED_CERTIFICATES:  # a batch of distinct forged certificates must not grow it
                self._cache[cert.der] = cached
        return cached

    def _chain(self, cert: SatCertificate) -> ChainResult:
        path = _build_path(cert, self.production)
        if path is not None:
            return ChainResult(TrustStatus.PRODUCTION, "issued by " + " → ".join(c.describe() for c in path))
        path = _build_path(cert, self.user_roots)
        if path is not None:
            return ChainResult(TrustStatus.USER_ROOT, "issued by a CA you configured as trusted: " + path[-1].describe())
        if looks_like_sat_test(cert):
            return ChainResult(TrustStatus.TEST, f"issued by SAT's test CA ({cert.issuer.get(OID_COMMON_NAME)})")
        issuer = cert.issuer.get(OID_COMMON_NAME) or cert.issuer.get(OID_ORGANIZATION) or "unknown issuer"
        return ChainResult(TrustStatus.UNTRUSTED, f"issued by '{issuer}', which does not chain to SAT's production CA")


def _build_path(cert: SatCertificate, anchors: tuple[SatCertificate, ...], depth: int = 0) -> list[SatCertificate] | None:
    """Issuers from ``cert`` up to an anchor, each valid when it issued the one below."""
    if depth > 5:
        return None
    for ca in anchors:
        if ca.der == cert.der:
            continue
        if ca.is_ca and ca.issued(cert) and ca.valid_at(cert.not_before):
            if ca.subject.der == ca.issuer.der or depth >= 1:
                return [ca]
            upper = _build_path(ca, anchors, depth + 1)
            return [ca] + (upper or [])
    return None


@functools.cache
def _production_certificates() -> tuple[SatCertificate, ...]:
    out = []
    with zipfile.ZipFile(production_ca_zip()) as zf:
        for info in zf.infolist():
            if info.filename.lower().endswith(".cer") and info.file_size < 64 * 1024:
                try:
                    out.append(read_certificate(zf.read(info)))
                except CertificateError:
                    continue
    return tuple(out)


@functools.cache
def sat_trust() -> Trust:
    """SAT's production CA bundle as shipped by satcfdi."""
    return Trust(_production_certificates())

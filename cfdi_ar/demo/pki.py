"""A demo certificate authority and SAT-style certificates, built with ``cryptography``.

For samples, tests and benchmarks: nothing here is SAT's. The certificates
have the shape of SAT's so the checks exercise real paths: the serial is 20
ASCII digits stored as the serial's bytes, the subject carries the RFC in
``x500UniqueIdentifier`` (``"RFC / RFC_REPRESENTANTE"`` for a persona moral),
a CSD has an organizational unit and only digitalSignature+nonRepudiation, a
FIEL has no OU, keyAgreement and the clientAuth/emailProtection EKUs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

__all__ = ["Credential", "make_ca", "make_csd", "make_fiel", "make_stamp_certificate", "sat_serial"]

X500_UNIQUE_IDENTIFIER = ObjectIdentifier("2.5.4.45")
UTC = dt.timezone.utc


@dataclass(frozen=True)
class Credential:
    """A certificate and its private key."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def serial_sat(self) -> str:
        n = self.certificate.serial_number
        return n.to_bytes((n.bit_length() + 7) // 8, "big").decode("ascii")


def sat_serial(digits: str) -> int:
    """SAT's serials are 20 ASCII digits stored as the serial number's bytes."""
    if len(digits) != 20 or not digits.isdigit():
        raise ValueError("a SAT certificate serial is 20 digits")
    return int.from_bytes(digits.encode("ascii"), "big")


def _key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _window(not_before: dt.datetime | None, not_after: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    start = not_before or dt.datetime(2025, 1, 1, tzinfo=UTC)
    end = not_after or start.replace(year=start.year + 4)
    return start, end


def make_ca(
    common_name: str = "cfdi-ar DEMO CA (not SAT)",
    *,
    organization: str = "cfdi-ar demo",
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    serial: int = 1,
) -> Credential:
    """A self-signed root CA."""
    key = _key()
    start, end = _window(not_before or dt.datetime(2015, 1, 1, tzinfo=UTC), not_after or dt.datetime(2035, 1, 1, tzinfo=UTC))
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "MX"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    return Credential(cert, key)


def _subject(rfc: str, name: str, *, representative: str | None, unit: str | None) -> x509.Name:
    unique = f"{rfc} / {representative}" if representative else rfc
    attrs = [
        x509.NameAttribute(NameOID.COMMON_NAME, name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
        x509.NameAttribute(X500_UNIQUE_IDENTIFIER, unique),
    ]
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    return x509.Name(attrs)


def _leaf(
    issuer: Credential,
    subject: x509.Name,
    serial: str,
    start: dt.datetime,
    end: dt.datetime,
    *,
    fiel: bool,
) -> Credential:
    key = _key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(sat_serial(serial))
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if fiel:
        builder = builder.add_extension(
            x509.KeyUsage(True, True, False, True, True, False, False, False, False), critical=False
        ).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=False
        )
    return Credential(builder.sign(issuer.key, hashes.SHA256()), key)


def make_csd(
    issuer: Credential,
    rfc: str,
    name: str,
    *,
    serial: str = "30001000000500000001",
    unit: str = "Sucursal 1",
    representative: str | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> Credential:
    """A CSD (Certificado de Sello Digital) for ``rfc``."""
    start, end = _window(not_before, not_after)
    return _leaf(issuer, _subject(rfc, name, representative=representative, unit=unit), serial, start, end, fiel=False)


def make_fiel(
    issuer: Credential,
    rfc: str,
    name: str,
    *,
    serial: str = "30001000000500000002",
    representative: str | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> Credential:
    """A FIEL (e.firma): must never seal a CFDI."""
    start, end = _window(not_before, not_after)
    return _leaf(issuer, _subject(rfc, name, representative=representative, unit=None), serial, start, end, fiel=True)


def make_stamp_certificate(
    issuer: Credential,
    *,
    serial: str = "00001000000900000001",
    pac_rfc: str = "DPA200101AB1",
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> Credential:
    """A certificate shaped like SAT's stamp certificates (OU ``PAC<RFC><number>``)."""
    start, end = _window(not_before, not_after)
    subject = _subject("SAT970701NN3", "SERVICIO DE ADMINISTRACION TRIBUTARIA (DEMO)", representative=None, unit=f"PAC{pac_rfc}00001")
    return _leaf(issuer, subject, serial, start, end, fiel=False)

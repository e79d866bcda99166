"""The emisor's signed cancellation request (SAT's ``Cancelacion``, XMLDSig with the CSD), verified.

Part of :mod:`.cancellations` (the same records and problems); kept apart because it is the one
source with cryptography: signxml, a pinned certificate, and the signature-wrapping defences.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives import serialization
from lxml import etree

from ..io.xml import XmlRefused, parse_untrusted, safe_parser
from ..sat.certs import CertificateError, read_certificado_attr
from ..sat.timezones import MEXICO_CITY
from .cancellations import (
    _ALGORITHM_PAIRS, _DS, _RFC_RE, CANCELA_NS, Cancellation, Result, SourceProblem, TrustPolicy, _datetime,
)
from .records import canonical_uuid

__all__ = ["read_request"]


def read_request(name: str, data: bytes, trust: TrustPolicy, *, at: dt.datetime | None = None) -> Result:
    """The emisor's signed ``Cancelacion`` → one verified record per ``Folio``, or problems.

    Order: hardened parse; exactly one ``ds:Signature`` child of the root; the certificate taken from
    its ``KeyInfo`` and put to ``trust``; its RFC must be ``RfcEmisor``; algorithms limited to
    rsa-sha1+sha1 or rsa-sha256+sha256, one ``Reference URI=""`` (the whole document); then signxml
    verifies with that certificate pinned (``x509_cert``), valid at ``at`` (default: the request's
    ``Fecha``, central Mexico time, so an archived request keeps verifying after its CSD expires).
    Everything in the records is read from signxml's ``signed_xml``, never from the input tree.
    """
    def fail(message: str, line: int | None = None, column: str | None = None) -> Result:
        return [], [SourceProblem(name, line, column, message)]

    try:
        root = parse_untrusted(data)
    except XmlRefused as exc:
        return fail(exc.message, exc.line)
    if root.tag != f"{{{CANCELA_NS}}}Cancelacion":
        return fail(f"the root is {root.tag}, not {{{CANCELA_NS}}}Cancelacion", root.sourceline)
    signatures = root.findall(f"{_DS}Signature")
    if len(signatures) != 1:
        return fail(f"expected one ds:Signature child of Cancelacion, found {len(signatures)}", root.sourceline)
    signature = signatures[0]
    certs = signature.findall(f"{_DS}KeyInfo/{_DS}X509Data/{_DS}X509Certificate")
    if len(certs) != 1:
        return fail(f"expected one KeyInfo/X509Data/X509Certificate, found {len(certs)}", signature.sourceline)
    try:
        cert = read_certificado_attr(certs[0].text or "")
    except CertificateError as exc:
        return fail(f"signer certificate: {exc}", certs[0].sourceline, "X509Certificate")
    try:
        reason = trust(cert.der)
    except Exception as exc:  # noqa: BLE001 - the caller's policy failing means "not trusted", never a crash
        reason = f"the trust policy failed: {exc!r}"
    if reason is not None:
        return fail(f"signer certificate not trusted: {reason}", certs[0].sourceline, "X509Certificate")
    rfc = (root.get("RfcEmisor") or "").strip().upper()
    if cert.rfc is None or not _RFC_RE.fullmatch(cert.rfc):
        return fail(f"the signer certificate carries no RFC (x500UniqueIdentifier): {cert.describe()}",
                    certs[0].sourceline, "X509Certificate")
    if cert.rfc != rfc:
        return fail(f"RfcEmisor={rfc!r} but the certificate is {cert.rfc}'s", root.sourceline, "RfcEmisor")
    why = _signed_info_problem(signature)
    if why:
        return fail(why, signature.sourceline, "SignedInfo")
    try:
        fecha = _datetime(root.get("Fecha") or "")
    except ValueError as exc:
        return fail(f"Fecha: {exc}", root.sourceline, "Fecha")
    try:
        result = _verify(data, cert.cert, at or fecha.replace(tzinfo=MEXICO_CITY), signature.prefix is None)
    except ImportError:
        return fail("signxml is not installed: signed cancellation requests cannot be verified")
    except Exception as exc:  # noqa: BLE001 - any signxml/lxml failure is "not verified", never a crash
        return fail(f"signature not verified: {type(exc).__name__}: {exc}", signature.sourceline, "Signature")
    return _request_records(name, root, result, cert.rfc)


def _signed_info_problem(signature: etree._Element) -> str | None:
    """Refuse, before any crypto, every SignedInfo but SAT's shape: one whole-document reference."""
    method = signature.find(f"{_DS}SignedInfo/{_DS}SignatureMethod")
    references = signature.findall(f"{_DS}SignedInfo/{_DS}Reference")
    if method is None or len(references) != 1:
        return f"expected a SignatureMethod and one Reference, found {len(references)} Reference(s)"
    if references[0].get("URI") != "":
        return f'the signature must cover the whole document (Reference URI=""), not URI={references[0].get("URI")!r}'
    digest = references[0].find(f"{_DS}DigestMethod")
    pair = (method.get("Algorithm"), digest.get("Algorithm") if digest is not None else None)
    if pair not in _ALGORITHM_PAIRS:
        return f"signature algorithm {pair[0]} with digest {pair[1]} is not accepted (rsa-sha1+sha1 or rsa-sha256+sha256 only)"
    return None


def _verify(data: bytes, cert: Any, when: dt.datetime, default_ns: bool) -> Any:
    from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier

    config = SignatureConfiguration(
        location="./",  # the Signature is a child of the root, nowhere else
        expect_references=1,
        # signxml refuses SHA-1 unless listed; list exactly what SAT uses, plus SHA-256.
        signature_methods=frozenset({SignatureMethod.RSA_SHA1, SignatureMethod.RSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA1, DigestAlgorithm.SHA256}),
        verification_time=when,
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    verifier = XMLVerifier()
    # SAT writes <Signature xmlns="...xmldsig#"> (no prefix). lxml 6.1.3/libxml2 2.14.6 canonicalize its
    # SignedInfo with spurious xmlns="" on grandchildren (Transforms, DigestMethod...), so a correct signature
    # fails (signxml#275). signxml's switch drops them; safe here: no SAT element is in the empty namespace,
    # and what we read comes from signed_xml, parsed from the very bytes that were digested.
    verifier.excise_empty_xmlns_declarations = default_ns
    return verifier.verify(bytes(data), x509_cert=pem, parser=safe_parser(), expect_config=config)


def _request_records(name: str, root: etree._Element, result: Any, cert_rfc: str) -> Result:
    def fail(message: str) -> Result:
        return [], [SourceProblem(name, root.sourceline, None, message)]

    signed = result.signed_xml
    why = _signed_info_problem(result.signature_xml)  # again, on what signxml verified
    if why:
        return fail(why)
    if signed is None or signed.tag != f"{{{CANCELA_NS}}}Cancelacion":
        return fail("the signed content is not the Cancelacion element")
    if (signed.get("RfcEmisor") or "").strip().upper() != cert_rfc or signed.get("Fecha") != root.get("Fecha"):
        return fail("the signed RfcEmisor/Fecha differ from the document's: not the document that was signed")
    fecha = _datetime(signed.get("Fecha") or "")
    lines = {canonical_uuid(f.get("UUID")): f.sourceline for f in root.iter(f"{{{CANCELA_NS}}}Folio")}
    folios = signed.findall(f"{{{CANCELA_NS}}}Folios/{{{CANCELA_NS}}}Folio")
    if set(lines) != {canonical_uuid(f.get("UUID")) for f in folios}:
        return fail("the document holds Folio elements outside the signed content; nothing read from it")
    if not folios:
        return fail("the signed request has no Folios/Folio")
    out: list[Cancellation] = []
    problems: list[SourceProblem] = []
    for folio in folios:
        uuid = canonical_uuid(folio.get("UUID"))
        line = lines.get(uuid)
        motivo = folio.get("Motivo")
        sustitucion_text = folio.get("FolioSustitucion")
        sustitucion = canonical_uuid(sustitucion_text)
        if uuid is None:
            problems.append(SourceProblem(name, line, "UUID", f"{folio.get('UUID')!r} is not a UUID"))
        elif motivo not in ("01", "02", "03", "04"):
            problems.append(SourceProblem(name, line, "Motivo", f"Motivo {motivo!r} is not 01, 02, 03 or 04"))
        elif sustitucion_text is not None and sustitucion is None:
            problems.append(SourceProblem(name, line, "FolioSustitucion", f"{sustitucion_text!r} is not a UUID"))
        elif motivo == "01" and sustitucion is None:
            problems.append(SourceProblem(name, line, "FolioSustitucion", "Motivo 01 requires a FolioSustitucion"))
        elif any(c.uuid == uuid for c in out):
            problems.append(SourceProblem(name, line, "UUID", f"{uuid} appears twice in the request"))
        else:
            out.append(Cancellation(uuid, "cancelled", fecha, "requested_at", "request", True, motivo, sustitucion,
                                    cert_rfc, name))
    return out, problems



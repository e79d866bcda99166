"""Builders for cancellation sources: SAT metadata TXT, a user's CSV, signed requests, acuses.

Requests are signed with signxml's ``XMLSigner`` and the demo PKI. signxml has no
switch to *sign* with SHA-1 (its maintainer: "subclass and manually reconfigure
XMLSigner", XML-Security/signxml#252); :class:`Sha1Signer` does exactly that, and only
in tests: cfdi-ar never signs, it verifies.
"""

from __future__ import annotations

import base64
import functools
import hashlib

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree
from signxml import XMLSigner

from cfdi_ar.demo.pki import Credential, make_ca, make_csd

NS = "http://cancelacfd.sat.gob.mx"
DS = "http://www.w3.org/2000/09/xmldsig#"
C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
MD5 = "http://www.w3.org/2001/04/xmldsig-more#md5"

RFC = "CDB200115AB7"
FECHA = "2026-03-02T11:30:00"
UUID_A = "5fb2822e-396d-4725-8521-cdc4bdd20ccf"
UUID_B = "7a1e0c3d-11aa-4b2c-9d8e-0123456789ab"
SUSTITUTO = "0e4f7a10-2b3c-4d5e-8f90-a1b2c3d4e5f6"
ATTACKER = "DEADBEEF-0000-4000-8000-000000000666"

METADATA_HEADER = ("Uuid~RfcEmisor~NombreEmisor~RfcReceptor~NombreReceptor~RfcPac~FechaEmision~"
                   "FechaCertificacionSat~Monto~EfectoComprobante~Estatus~FechaCancelacion")


@functools.cache
def ca() -> Credential:
    return make_ca()


@functools.cache
def csd(rfc: str = RFC) -> Credential:
    return make_csd(ca(), rfc, f"DEMO {rfc}")


class Sha1Signer(XMLSigner):
    """XMLSigner that may sign with SHA-1, as SAT's cancellation service expects."""

    def check_deprecated_methods(self) -> None:
        return None


def request(folios: list[dict[str, str]], *, rfc: str = RFC, fecha: str = FECHA, **root_attrs: str) -> etree._Element:
    """An unsigned Cancelacion with SAT's namespaces on the root."""
    nsmap = {None: NS, "xsd": "http://www.w3.org/2001/XMLSchema", "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
    root = etree.Element(f"{{{NS}}}Cancelacion", nsmap=nsmap, Fecha=fecha, RfcEmisor=rfc, **root_attrs)
    holder = etree.SubElement(root, f"{{{NS}}}Folios")
    for attrs in folios:
        etree.SubElement(holder, f"{{{NS}}}Folio", **attrs)
    return root


def sign(root: etree._Element, cred: Credential | None = None, *, signature: str = RSA_SHA1, digest: str = SHA1,
         reference_uri: str | None = None) -> bytes:
    """Enveloped XMLDSig, C14N 1.0, the certificate in KeyInfo/X509Data (ds: prefix)."""
    cred = cred or csd()
    signer = Sha1Signer(signature_algorithm=signature, digest_algorithm=digest, c14n_algorithm=C14N_10)
    pem = cred.certificate.public_bytes(serialization.Encoding.PEM).decode()
    signed = signer.sign(root, key=cred.key, cert=pem, reference_uri=reference_uri)
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def canonical_signed_info(signed_info: etree._Element) -> bytes:
    """C14N 1.0 of SignedInfo as the spec (and SAT's .NET signer) has it. lxml 6.1.3/libxml2 2.14.6 add
    ``xmlns=""`` to its grandchildren when the signature uses the default namespace; every SignedInfo
    element is in the xmldsig namespace, so no ``xmlns=""`` belongs there."""
    return etree.tostring(signed_info, method="c14n").replace(b' xmlns=""', b"")


def resign(data: bytes, cred: Credential | None = None, hash_: hashes.HashAlgorithm | None = None) -> bytes:
    """Recompute SignatureValue over the (edited) SignedInfo: a *valid* signature over whatever it now says."""
    cred = cred or csd()
    root = etree.fromstring(data)
    signed_info = root.find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo")
    value = cred.key.sign(canonical_signed_info(signed_info), padding.PKCS1v15(), hash_ or hashes.SHA1())
    root.find(f"{{{DS}}}Signature/{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def sat_shaped(data: bytes) -> bytes:
    """The signature as SAT's service writes it: ``<Signature xmlns="...xmldsig#">`` (default namespace),
    re-signed (the prefix is part of the canonical SignedInfo; the reference digest is unchanged)."""
    text = data.replace(b'xmlns:ds="', b'xmlns="').replace(b"<ds:", b"<").replace(b"</ds:", b"</")
    return resign(text)


def edit_signed_info(data: bytes, *, signature: str | None = None, digest: str | None = None,
                     digest_value: bytes | None = None) -> bytes:
    """Change the algorithms SignedInfo names (and the digest value), then re-sign with RSA-SHA1."""
    root = etree.fromstring(data)
    info = root.find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo")
    if signature:
        info.find(f"{{{DS}}}SignatureMethod").set("Algorithm", signature)
    if digest:
        info.find(f"{{{DS}}}Reference/{{{DS}}}DigestMethod").set("Algorithm", digest)
    if digest_value is not None:
        info.find(f"{{{DS}}}Reference/{{{DS}}}DigestValue").text = base64.b64encode(digest_value).decode()
    return resign(etree.tostring(root))


def md5_of_document(data: bytes) -> bytes:
    """The MD5 an attacker would put in DigestValue: the document without its signature, C14N 1.0."""
    root = etree.fromstring(data)
    root.remove(root.find(f"{{{DS}}}Signature"))
    return hashlib.md5(etree.tostring(root, method="c14n")).digest()


def acuse(folios: list[tuple[str, str]], *, fecha: str = "2026-03-02T11:31:07.8734569", rfc: str = RFC,
          folios_ns: str | None = NS) -> bytes:
    """SAT's acuse: Folios/UUID + Folios/EstatusUUID, and a SelloSAT signature we never check."""
    q = (lambda tag: f"{{{folios_ns}}}{tag}") if folios_ns else (lambda tag: tag)
    root = etree.Element("Acuse", Fecha=fecha, RfcEmisor=rfc)
    for uuid, estatus in folios:
        holder = etree.SubElement(root, q("Folios"))
        etree.SubElement(holder, q("UUID")).text = uuid
        etree.SubElement(holder, q("EstatusUUID")).text = estatus
    sig = etree.SubElement(root, f"{{{DS}}}Signature", Id="SelloSAT")
    etree.SubElement(sig, f"{{{DS}}}SignatureValue").text = "bm90IGNoZWNrZWQ="
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def metadata_row(uuid: str = UUID_A, *, rfc_emisor: str = RFC, nombre_emisor: str = "COMERCIALIZADORA DEMO",
                 monto: str = "1160.00", estatus: str = "1", fecha_cancelacion: str = "",
                 fecha_emision: str = "2026-02-10 09:15:00", efecto: str = "I") -> str:
    return "~".join([uuid, rfc_emisor, nombre_emisor, "ALE1503107H2", "ABARROTES LA ESPERANZA", "SAT970701NN3",
                     fecha_emision, "2026-02-10 09:16:02", monto, efecto, estatus, fecha_cancelacion])

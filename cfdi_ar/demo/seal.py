"""Sealing and stamping documents with demo credentials (samples, tests, benchmarks).

:func:`seal` does what an issuer's software does: it writes NoCertificado
and Certificado, computes the cadena original with SAT's stylesheet and signs
it (RSA, SHA-256). :func:`stamp` does what a PAC does: it appends a
TimbreFiscalDigital 1.1 whose SelloCFD is the document's Sello and signs the
stamp's cadena with the stamp certificate.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid as uuidlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from ..namespaces import CFDI40, TFD, XSI, q
from ..sat.cadena import cadena_cfdi40, cadena_tfd11
from .pki import Credential

__all__ = ["seal", "stamp", "to_bytes", "sign"]

TFD_SCHEMA_LOCATION = "http://www.sat.gob.mx/TimbreFiscalDigital http://www.sat.gob.mx/sitio_internet/cfd/TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd"


def sign(credential: Credential, data: bytes, algorithm: hashes.HashAlgorithm | None = None) -> str:
    signature = credential.key.sign(data, padding.PKCS1v15(), algorithm or hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def seal(root: etree._Element, credential: Credential, *, algorithm: hashes.HashAlgorithm | None = None) -> etree._Element:
    """Seal ``root`` (a cfdi:Comprobante) in place and return it."""
    root.set("NoCertificado", credential.serial_sat)
    root.set("Certificado", base64.b64encode(credential.der).decode("ascii"))
    root.set("Sello", "")
    root.set("Sello", sign(credential, cadena_cfdi40(root), algorithm))
    return root


def stamp(
    root: etree._Element,
    credential: Credential,
    *,
    fecha_timbrado: dt.datetime | None = None,
    uuid: str | None = None,
    rfc_prov_certif: str = "DPA200101AB1",
) -> etree._Element:
    """Append a TimbreFiscalDigital 1.1 signed with ``credential`` (the stamp certificate)."""
    complemento = root.find(q(CFDI40, "Complemento"))
    if complemento is None:
        complemento = etree.Element(q(CFDI40, "Complemento"))
        addenda = root.find(q(CFDI40, "Addenda"))
        if addenda is not None:
            addenda.addprevious(complemento)
        else:
            root.append(complemento)
    if fecha_timbrado is None:
        fecha = dt.datetime.fromisoformat(root.get("Fecha", "2026-01-01T00:00:00"))
        fecha_timbrado = fecha + dt.timedelta(minutes=2)
    tfd = etree.SubElement(complemento, q(TFD, "TimbreFiscalDigital"), nsmap={"tfd": TFD, "xsi": XSI})
    tfd.set(q(XSI, "schemaLocation"), TFD_SCHEMA_LOCATION)
    tfd.set("Version", "1.1")
    tfd.set("UUID", (uuid or str(uuidlib.uuid4())).upper())
    tfd.set("FechaTimbrado", fecha_timbrado.strftime("%Y-%m-%dT%H:%M:%S"))
    tfd.set("RfcProvCertif", rfc_prov_certif)
    tfd.set("SelloCFD", root.get("Sello", ""))
    tfd.set("NoCertificadoSAT", credential.serial_sat)
    tfd.set("SelloSAT", sign(credential, cadena_tfd11(tfd)))
    return root


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

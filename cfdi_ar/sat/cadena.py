"""The cadena original: what the seal (Sello) and the stamp (SelloSAT) sign.

The CFDI 4.0 cadena comes from SAT's own ``cadenaoriginal_4_0.xslt`` (as
shipped by satcfdi), compiled once per thread, run on the *parsed original
tree* (never a re-serialised model: ``1.0`` must stay ``1.0``) under
``XSLTAccessControl.DENY_ALL``, with includes served only from the local
copy. No XSLT is ever taken from input, and no extension functions are
registered.

The TFD 1.1 cadena is seven fields; :func:`cadena_tfd11` builds it directly
and ``tests/test_cadena.py`` proves it byte-identical to SAT's
``cadenaoriginal_TFD_1_1.xslt``.
"""

from __future__ import annotations

import os
import re
import threading

from lxml import etree

from .files import LocalOnlyResolver, sat_file

__all__ = ["cadena_cfdi40", "cadena_tfd11", "normalize_space", "xslt_transform"]

CFDI40_XSLT = "www.sat.gob.mx/sitio_internet/cfd/4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt"
TFD11_XSLT = "www.sat.gob.mx/sitio_internet/cfd/TimbreFiscalDigital/cadenaoriginal_TFD_1_1.xslt"

_local = threading.local()


def xslt_transform(relative: str) -> etree.XSLT:
    """SAT's stylesheet ``relative`` compiled once per thread, under DENY_ALL."""
    cache: dict[str, etree.XSLT] | None = getattr(_local, "xslt", None)
    if cache is None:
        cache = _local.xslt = {}
    found = cache.get(relative)
    if found is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        parser.resolvers.add(LocalOnlyResolver())
        doc = etree.parse(os.fspath(sat_file(relative)), parser)
        found = cache[relative] = etree.XSLT(doc, access_control=etree.XSLTAccessControl.DENY_ALL)
    return found


def cadena_cfdi40(root: etree._Element) -> bytes:
    """UTF-8 bytes of the CFDI 4.0 cadena original of the document ``root``."""
    result = xslt_transform(CFDI40_XSLT)(root.getroottree())
    return bytes(result)


# XPath normalize-space(): only #x20, #x9, #xD, #xA are whitespace (not NBSP etc.).
_XML_WS = re.compile(r"[ \t\r\n]+")


def normalize_space(value: str) -> str:
    return _XML_WS.sub(" ", value).strip(" ")


_TFD_REQUIRED = ("Version", "UUID", "FechaTimbrado", "RfcProvCertif")


def cadena_tfd11(tfd: etree._Element) -> bytes:
    """``||Version|UUID|FechaTimbrado|RfcProvCertif[|Leyenda]|SelloCFD|NoCertificadoSAT||``."""
    get = tfd.get
    parts = [normalize_space(get(name) or "") for name in _TFD_REQUIRED]
    leyenda = get("Leyenda")
    if leyenda is not None:
        parts.append(normalize_space(leyenda))
    parts.append(normalize_space(get("SelloCFD") or ""))
    parts.append(normalize_space(get("NoCertificadoSAT") or ""))
    return ("||" + "|".join(parts) + "||").encode("utf-8")

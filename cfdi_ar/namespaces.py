"""XML namespaces of CFDI 4.0 and its complements, and canonical XPaths.

Documents may bind any prefix (or the default namespace) to SAT's URIs; the
seal does not cover prefixes. Everything in cfdi-ar therefore matches on
namespace URIs, and every XPath it reports uses the canonical prefixes below,
whatever the document wrote.
"""

from __future__ import annotations

from lxml import etree

__all__ = ["CFDI40", "CFDI33", "PAGOS20", "PAGOS10", "TFD", "IMPLOCAL", "PREFIXES", "xpath_of", "q", "split_tag", "namespace_of", "localname"]

CFDI40 = "http://www.sat.gob.mx/cfd/4"
CFDI33 = "http://www.sat.gob.mx/cfd/3"
PAGOS20 = "http://www.sat.gob.mx/Pagos20"
PAGOS10 = "http://www.sat.gob.mx/Pagos"
TFD = "http://www.sat.gob.mx/TimbreFiscalDigital"
IMPLOCAL = "http://www.sat.gob.mx/implocal"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# Canonical prefixes used in reported XPaths (SAT's customary ones).
PREFIXES: dict[str, str] = {
    CFDI40: "cfdi",
    CFDI33: "cfdi",
    PAGOS20: "pago20",
    PAGOS10: "pago10",
    TFD: "tfd",
    IMPLOCAL: "implocal",
    "http://www.sat.gob.mx/ComercioExterior20": "cce20",
    "http://www.sat.gob.mx/ComercioExterior11": "cce11",
    "http://www.sat.gob.mx/nomina12": "nomina12",
    "http://www.sat.gob.mx/CartaPorte20": "cartaporte20",
    "http://www.sat.gob.mx/CartaPorte30": "cartaporte30",
    "http://www.sat.gob.mx/CartaPorte31": "cartaporte31",
    "http://www.sat.gob.mx/leyendasFiscales": "leyendasFisc",
    "http://www.sat.gob.mx/ine": "ine",
    "http://www.sat.gob.mx/donat": "donat",
}


def q(ns: str, local: str) -> str:
    """Clark notation: ``{ns}local``."""
    return f"{{{ns}}}{local}"


def split_tag(tag: str) -> tuple[str | None, str]:
    """(namespace URI or None, local name) of a tag as lxml writes it (``{ns}local``).

    Use it, never ``etree.QName``, on what a document wrote: XML lets a namespace URI contain
    ``}`` (``xmlns:cfdi="http://www.sat.gob.}x/cfd/4"``), and lxml then refuses to make a QName
    of the element's own tag (ValueError). A local name cannot contain ``}``, so the last one ends
    the URI."""
    if tag[:1] == "{":
        end = tag.rfind("}")
        return tag[1:end], tag[end + 1:]
    return None, tag


def namespace_of(tag: str) -> str:
    """The namespace URI of a tag (``split_tag``'s first part), "" for none; one slice, for hot paths."""
    return tag[1:tag.rfind("}")] if tag[:1] == "{" else ""


def localname(el: etree._Element) -> str:
    """An element's local name; "" for a comment or processing instruction."""
    tag = el.tag
    return split_tag(tag)[1] if isinstance(tag, str) else ""


def _step(el: etree._Element) -> str:
    ns, local = split_tag(el.tag) if isinstance(el.tag, str) else (None, "node()")
    if ns is None:
        name = local
    else:
        prefix = PREFIXES.get(ns)
        name = f"{prefix}:{local}" if prefix else f"*[local-name()='{local}']"
    parent = el.getparent()
    if parent is None:
        return name
    same = [sib for sib in parent if sib.tag == el.tag]
    if len(same) > 1:
        return f"{name}[{same.index(el) + 1}]"
    return name


_ROOT_PATHS: dict[object, str] = {}


def xpath_of(el: etree._Element | None, attribute: str | None = None) -> str | None:
    """Canonical XPath of ``el`` (and ``/@attribute`` when given).

    Computed on demand, only when a finding needs it: documents are at most
    256 levels deep (libxml2's limit with ``huge_tree=False``), so the walk is
    bounded.
    """
    if el is None:
        return None
    if el.getparent() is None:  # the root: most findings point at it or at one of its attributes
        path = _ROOT_PATHS.get(el.tag)
        if path is None:
            path = _ROOT_PATHS[el.tag] = "/" + _step(el)
        return f"{path}/@{attribute}" if attribute else path
    steps = []
    node: etree._Element | None = el
    while node is not None:
        if isinstance(node.tag, str):
            steps.append(_step(node))
        node = node.getparent()
    path = "/" + "/".join(reversed(steps))
    if attribute:
        path += f"/@{attribute}"
    return path

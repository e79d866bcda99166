"""The cadena original of a document that passes SAT's schema, assembled from its model.

Each model object keeps its element's fragment of the cadena as written (``cad``: SAT's fields
of the element in ``cadenaoriginal_4_0.xslt``'s order, read by the same compiled reader that
reads the values, so nothing is read twice; see ``build._reader``). For a document whose shape is
exactly what SAT's schema allows (one Emisor, one Receptor, one Conceptos, at most one Impuestos,
one Traslados per Impuestos ...) those fragments, put together in document order, are the bytes
SAT's stylesheet produces — without walking the tree a second time, which was the largest part
of the cadena's cost.

:func:`cadena_from_model` is therefore only for documents that the schema validated without an
issue and whose complements are only Pagos 2.0, implocal and the stamp (the ones the Python port
of the stylesheet covers). It returns None — and the caller uses the port — when a value would
be changed by normalize-space() (the fragments hold values as written) or when the tree holds a
second Pagos the model does not read. ``tests/test_cadena.py`` proves it equal to SAT's
stylesheet on the corpus, the samples and random schema-shaped trees.
"""

from __future__ import annotations

from ..namespaces import CFDI40, IMPLOCAL, PAGOS20, q
from ..sat.cadena import AS_WRITTEN, may_need_normalizing, write_implocal, write_text_only
from .comprobante import Comprobante

__all__ = ["cadena_from_model"]

_COMPLEMENTO = q(CFDI40, "Complemento")
_PAGOS = q(PAGOS20, "Pagos")
_IMPLOCAL = q(IMPLOCAL, "ImpuestosLocales")


def cadena_from_model(model: Comprobante) -> bytes | None:
    """UTF-8 cadena original of a schema-valid document from its model's fragments, or None
    when it must be computed from the tree (see the module docstring)."""
    out = ["|", model.cad]
    info = model.informacion_global
    if info is not None:
        out.append(info.cad)
    out += [rel.cad for rel in model.cfdi_relacionados]
    if model.emisor is not None:
        out.append(model.emisor.cad)
    if model.receptor is not None:
        out.append(model.receptor.cad)
    out += [c.cad for c in model.conceptos]
    impuestos = model.impuestos
    if impuestos is not None:
        out.append(impuestos.cad)
    pagos = model.pagos
    for holder in model.el.iterchildren(_COMPLEMENTO):
        for child in holder:
            tag = child.tag
            if tag == _PAGOS:
                if pagos is None or child is not pagos.el:
                    return None  # a second Pagos: only the first is in the model
                out.append(pagos.cad)
            elif tag == _IMPLOCAL:
                write_implocal(out, child, AS_WRITTEN)
            elif isinstance(tag, str):
                write_text_only(out, child)  # the stamp: no template in SAT's stylesheet
    out.append("||")
    text = "".join(out)
    if may_need_normalizing(text):
        return None
    return text.encode("utf-8")

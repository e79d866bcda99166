"""What the document is: a CFDI 4.0? of which type? carrying which complements?"""

from __future__ import annotations

from typing import Iterator

from ..context import DocContext
from ..findings import Severity
from ..namespaces import split_tag
from ..sat.complements import UNSUPPORTED_COMPLEMENTS
from .registry import Kind, Violation, register_code, rule

_S = Kind.STRUCTURE

register_code(
    "CFDIAR-XML-003",
    "Not a CFDI",
    kind=_S,
    gloss="The root element is not cfdi:Comprobante in SAT's CFDI namespace.",
)
register_code(
    "CFDIAR-XML-004",
    "Unsupported CFDI version",
    kind=_S,
    gloss="CFDI 3.3 and earlier are recognised but not validated: cfdi-ar validates CFDI 4.0 only.",
)

OUT_OF_SCOPE = {"N": "nómina (payroll)", "T": "traslado (transfer of goods)"}


@rule(
    "CFDIAR-DOC-001",
    "Document type outside accounts receivable",
    kind=_S,
    severity=Severity.WARNING,
    gloss="Types N (nómina) and T (traslado) are recognised; their schema, seal and stamp are checked, "
    "but they are outside AR and SAT's income/payment business rules are not applied.",
)
def tipo_fuera_de_cuentas_por_cobrar(ctx: DocContext) -> Iterator[Violation]:
    tipo = ctx.model.tipo_de_comprobante
    if tipo in OUT_OF_SCOPE:
        yield Violation(
            f"TipoDeComprobante {tipo} ({OUT_OF_SCOPE[tipo]}) is outside this tool's scope (I, E, P)",
            ctx.root,
            "TipoDeComprobante",
        )


@rule(
    "CFDIAR-DOC-002",
    "Complement version not valid in CFDI 4.0",
    kind=_S,
    gloss="A SAT complement of an earlier CFDI version (for example Pagos 1.0) inside a CFDI 4.0; "
    "SAT's CFDI 4.0 rules require the current version (Pagos 2.0).",
)
def complemento_de_otra_version(ctx: DocContext) -> Iterator[Violation]:
    for el in ctx.census.unsupported:
        ns = split_tag(el.tag)[0] or ""
        yield Violation(f"unsupported complement {ns}: {UNSUPPORTED_COMPLEMENTS[ns]}", el)


@rule(
    "CFDIAR-XSD-002",
    "Unknown complement",
    kind=_S,
    severity=Severity.WARNING,
    gloss="A complement in a namespace SAT's CFDI 4.0 stylesheet does not know; it is neither "
    "schema-validated nor part of the cadena original cfdi-ar computes.",
)
def complemento_desconocido(ctx: DocContext) -> Iterator[Violation]:
    for el in ctx.census.unknown:
        ns, local = split_tag(el.tag)
        yield Violation(f"complement {local} in unknown namespace {ns or '(none)'} was not validated", el)

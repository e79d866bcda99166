"""One checked document → what the ledger stores about it. Pure: no IO, no database.

:func:`prepare` turns an input (its bytes, its validation result and the
context it was checked in) into a :class:`Prepared` record: the content
hashes that make ingestion idempotent, the compressed bytes, and the rows of
the ``documents``, ``findings``, ``payments`` and ``relations`` tables.
"""

from __future__ import annotations

import hashlib
import marshal
import pickle
import threading
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..context import DocContext
from ..findings import DocumentResult, Severity
from ..model import Comprobante
from ..model.values import UUID_RE, canonical_uuid
from ..rules.sello import cadena_of

__all__ = ["Prepared", "Evidence", "prepare", "prepare_evidence", "UUID_RE", "canonical_uuid", "CODEC", "compress", "decompress",
           "to_spool", "from_spool"]

# How raw documents and evidence are kept (blobs.compression). zstd keeps a CFDI in the same room as zlib at
# level 6 (48 % of its size: most of a CFDI is base64) for a fraction of the instructions, the largest cost of
# storing one. Level 1 rather than 3: 13.6 vs 17.9 µs a document for 48.4 vs 47.9 % of its size (2,000
# documents of the ledger benchmark's corpus, one process). Negative levels are faster still but keep 60 %.
# Ledgers written before schema version 3 hold zlib blobs; decompress() reads both.
CODEC = "zstd"
_ZSTD_LEVEL = 1
# Up to 16 KiB (nearly every CFDI) level 1 with a hash table of 2**12 entries (16 KiB) rather than the 2**14
# (64 KiB) zstd chooses for that size: the table is touched all over for every document, between checking
# one group of documents and the next, and evicted what they had in the cache. Simulated caches, ingest of
# 1,000 documents: L1 data misses 26.41M -> 25.44M, last level 7.58M -> 7.43M; 48.36 against 48.22 % of the size.
_SMALL = 16 << 10
_SMALL_HASH_LOG = 12
_local = threading.local()


def compress(data: bytes) -> bytes:
    """``data`` compressed with :data:`CODEC` (a zstd frame that records its content size)."""
    compressors = getattr(_local, "zstd", None)
    if compressors is None:  # a ZstdCompressor is not safe to share between threads
        import zstandard

        small = zstandard.ZstdCompressionParameters.from_level(_ZSTD_LEVEL, source_size=_SMALL, hash_log=_SMALL_HASH_LOG,
                                                                write_content_size=True)
        compressors = _local.zstd = (zstandard.ZstdCompressor(compression_params=small),
                                     zstandard.ZstdCompressor(level=_ZSTD_LEVEL, write_content_size=True))
    return compressors[len(data) > _SMALL].compress(data)  # type: ignore[no-any-return]


def decompress(codec: str, data: bytes) -> bytes:
    """A blob's bytes, as stored with ``codec`` (``zstd``, or ``zlib`` in ledgers older than schema 3)."""
    if codec == "zlib":
        return zlib.decompress(data)
    if codec == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().decompress(data)  # type: ignore[no-any-return]
    raise ValueError(f"unknown blob compression {codec!r}")

@dataclass
class Prepared:
    """What one input becomes. ``uuid`` None: nothing can be stored under a key (``problem`` says why).

    It holds only what the write needs (not the validation result: ~10 KiB less a document), and
    a long run spools it to disk (``ledger/spool.py``; :func:`to_spool`)."""

    name: str
    sha256: str | None
    size: int
    valid: bool
    unreadable: bool = False  # the input itself could not be read (validate's exit code 2)
    uuid: str | None = None
    problem: str | None = None
    cadena_sha256: str | None = None
    compressed: bytes | None = None
    document: dict[str, Any] = field(default_factory=dict)
    findings: list[tuple[Any, ...]] = field(default_factory=list)
    payments: list[tuple[Any, ...]] = field(default_factory=list)
    relations: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def tipo(self) -> str | None:
        return self.document.get("tipo")

    def _flat(self) -> tuple[Any, ...] | None:
        """This record as builtins only (see :func:`to_spool`); None when its document row is not the
        usual one."""
        doc = self.document
        if tuple(doc) != DOCUMENT_KEYS:
            return None
        values, where = _text_decimals(tuple(doc.values()))
        payments = [_text_decimals(row) for row in self.payments]
        return (self.name, self.sha256, self.size, self.valid, self.unreadable, self.uuid, self.problem, self.cadena_sha256,
                self.compressed, values, where, self.findings, payments, self.relations)

    @classmethod
    def _from_flat(cls, flat: tuple[Any, ...]) -> Prepared:
        (name, sha256, size, valid, unreadable, uuid, problem, cadena_sha256, compressed, values, where, findings, payments,
         relations) = flat
        return cls(name, sha256, size, valid, unreadable, uuid, problem, cadena_sha256, compressed,
                   dict(zip(DOCUMENT_KEYS, _decimals_back(values, where))), findings,
                   [_decimals_back(row, at) for row, at in payments], relations)


# How a long ingest spools what it checked (ledger/spool.py). A Prepared document is a flat tuple of str,
# bytes, int, bool and None once its Decimals are written as text, so marshal can take it: in an ingest
# of 10,000 documents, spooling one took 20-22 us pickled and 15-16 us this way (3 runs each). Anything
# else (evidence, an unusual row) is pickled. Both are read back only by the process that wrote them,
# from its own anonymous temporary file.
_MARSHALLED, _PICKLED = b"M", b"P"


def spool_size(item: Any) -> int:
    """About how many bytes a checked input holds while it waits in memory for the write (the spool's
    budget, ``ledger/spool.py``): its compressed bytes, ~4 KiB of row values and objects, and ~0.5 KiB a
    further row (payment lines, findings, cancellations read from evidence)."""
    rows = 0
    for name in ("payments", "findings", "relations", "cancellations", "metadata", "problems"):
        value = getattr(item, name, None)
        if value:
            rows += len(value)
    return len(getattr(item, "compressed", None) or b"") + 4096 + 512 * rows


def to_spool(item: Any) -> bytes:
    if type(item) is Prepared:
        flat = item._flat()
        if flat is not None:
            try:
                return _MARSHALLED + marshal.dumps(flat)
            except ValueError:  # a value marshal does not take: pickle it whole
                pass
    return _PICKLED + pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)


def from_spool(data: bytes) -> Any:
    body = memoryview(data)[1:]
    if data[:1] == _MARSHALLED:
        return Prepared._from_flat(marshal.loads(body))
    return pickle.loads(body)


def _text_decimals(row: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    """``row`` with its Decimals as their exact text, and where they were."""
    where = tuple([i for i, v in enumerate(row) if type(v) is Decimal])
    if not where:
        return row, where
    out = list(row)
    for i in where:
        out[i] = str(out[i])
    return tuple(out), where


def _decimals_back(row: tuple[Any, ...], where: tuple[int, ...]) -> tuple[Any, ...]:
    if not where:
        return row
    out = list(row)
    for i in where:
        out[i] = Decimal(out[i])  # str() of a Decimal reads back to the same value and exponent
    return tuple(out)


def prepare(name: str, data: bytes | None, result: DocumentResult, ctx: DocContext | None, rfcs: frozenset[str]) -> Prepared:
    sha = hashlib.sha256(data).hexdigest() if data is not None else None
    out = Prepared(name=name, sha256=sha, size=len(data or b""), valid=result.valid, unreadable=result.unreadable)
    if ctx is None or data is None:
        first = next((f for f in result.findings if f.severity is Severity.ERROR), None)
        out.problem = first.message if first else "not a CFDI 4.0 document"
        return out
    try:
        model = ctx.model
    except Exception as exc:  # noqa: BLE001 - the validator reported it; here it only means "cannot key"
        out.problem = f"cannot read the document: {exc}"
        return out
    uuid = canonical_uuid(model.timbre.uuid if model.timbre is not None else None)
    if uuid is None:
        out.problem = "no stamp (TimbreFiscalDigital) with a UUID: a document is kept in the ledger by its UUID"
        return out
    out.uuid = uuid
    cadena = cadena_of(ctx)
    out.cadena_sha256 = hashlib.sha256(cadena).hexdigest() if isinstance(cadena, bytes) else None
    out.compressed = compress(data)
    out.document = _document_row(model, result, name, rfcs)
    out.findings = [
        (uuid, i, f.code, f.severity.label, f.message, f.path) for i, f in enumerate(result.findings)
    ]
    out.payments = _payment_rows(uuid, model)
    out.relations = [
        (uuid, rel.tipo_relacion or "", related, i)
        for i, (rel, related) in enumerate((rel, r) for rel in model.cfdi_relacionados for r in rel.uuids)
    ]
    return out


@dataclass
class Evidence:
    """A cancellation source (SAT metadata TXT, a CSV, a signed request, SAT's acuse): its bytes, kept
    as evidence, and what it says."""

    name: str
    sha256: str
    size: int
    kind: str  # "metadata" | "csv" | "request" | "acuse"
    compressed: bytes
    cancellations: list[Any] = field(default_factory=list)  # cancellations.Cancellation
    metadata: list[Any] = field(default_factory=list)  # cancellations.MetadataRow
    problems: list[Any] = field(default_factory=list)  # cancellations.SourceProblem


def prepare_evidence(name: str, data: bytes, kind: str, trust: Any) -> Evidence:
    from .cancellations import read_metadata, read_source

    out = Evidence(name, hashlib.sha256(data).hexdigest(), len(data), kind, compress(data))
    if kind == "metadata":
        out.metadata, out.problems = read_metadata(name, data)
        out.cancellations = [row.cancellation() for row in out.metadata]
    else:
        out.cancellations, out.problems = read_source(name, data, trust=trust)
    return out


def iso(value: Any) -> str | None:
    """A datetime as ISO-8601 text to the second, None for None (how the ledger stores instants)."""
    return None if value is None else value.isoformat(timespec="seconds")


DOCUMENT_KEYS = ("name", "version", "tipo", "serie", "folio", "fecha", "emisor_rfc", "emisor_nombre", "receptor_rfc",
                 "receptor_nombre", "moneda", "tipo_cambio", "subtotal", "descuento", "total", "metodo_pago", "forma_pago",
                 "condiciones_de_pago", "uso_cfdi", "fecha_timbrado", "valid", "errors", "warnings", "ours")


def _document_row(m: Comprobante, result: DocumentResult, name: str, rfcs: frozenset[str]) -> dict[str, Any]:
    """The ``documents`` row's fields, keyed in the order of :data:`DOCUMENT_KEYS`."""
    errors = sum(1 for f in result.findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in result.findings if f.severity is Severity.WARNING)
    emisor_rfc = (m.emisor.rfc or "").upper() if m.emisor else None
    return {
        "name": name,
        "version": m.version,
        "tipo": m.tipo_de_comprobante,
        "serie": m.serie,
        "folio": m.folio,
        "fecha": iso(m.fecha),
        "emisor_rfc": emisor_rfc,
        "emisor_nombre": m.emisor.nombre if m.emisor else None,
        "receptor_rfc": (m.receptor.rfc or "").upper() if m.receptor else None,
        "receptor_nombre": m.receptor.nombre if m.receptor else None,
        "moneda": m.moneda,
        "tipo_cambio": m.tipo_cambio,
        "subtotal": m.subtotal,
        "descuento": m.descuento,
        "total": m.total,
        "metodo_pago": m.metodo_pago,
        "forma_pago": m.forma_pago,
        "condiciones_de_pago": m.condiciones_de_pago,
        "uso_cfdi": m.receptor.uso_cfdi if m.receptor else None,
        "fecha_timbrado": iso(m.timbre.fecha_timbrado) if m.timbre else None,
        "valid": 1 if result.valid else 0,
        "errors": errors,
        "warnings": warnings,
        "ours": 1 if emisor_rfc and emisor_rfc in rfcs else 0,
    }


def _payment_rows(uuid: str, m: Comprobante) -> list[tuple[Any, ...]]:
    pagos = m.pagos
    if pagos is None:
        return []
    rows: list[tuple[Any, ...]] = []
    for i, pago in enumerate(pagos.pagos):
        for j, d in enumerate(pago.doctos):
            rows.append((
                uuid, i, j, iso(pago.fecha_pago), pago.forma_de_pago_p, pago.moneda_p, pago.tipo_cambio_p, pago.monto,
                canonical_uuid(d.id_documento) or (d.id_documento or "").strip().upper(), d.serie, d.folio, d.moneda_dr,
                d.equivalencia_dr, d.num_parcialidad, d.imp_saldo_ant, d.imp_pagado, d.imp_saldo_insoluto,
            ))
    return rows


def decimal_or_none(value: Any) -> Decimal | None:
    """An amount read back from either engine (text in SQLite, NUMERIC in PostgreSQL)."""
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))

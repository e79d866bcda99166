"""``cfdi-ar ingest``: check documents and keep them in the ledger, all of a run or none of it.

A run has two phases. First every input is read and validated exactly as
``cfdi-ar validate`` does, outside any transaction (a run killed here changes
nothing). Then one write transaction, holding the ledger's single-writer lock,
decides each document's outcome against what the ledger already holds and
writes everything, with the run's log entry, at once:

========================  ==========================================================
outcome                   meaning
========================  ==========================================================
``new``                   stored: raw XML (compressed), fields, findings, payments;
                          an invalid one is kept out of balances unless --accept-invalid
``already_present``       same UUID, same bytes: nothing to do
``alternate``             same UUID, same cadena original, other bytes (a BOM, line
                          ends, prefixes, an Addenda): kept as an alternate copy;
                          the first copy stays canonical
``conflict``              same UUID, different content: kept aside for review in
                          ``conflicts``; what the ledger holds is never overwritten
``duplicate_in_run``      the same bytes given twice in this run
``rejected``              not storable: not XML, not a CFDI 4.0, no stamp UUID
``evidence``              a cancellation source (SAT metadata TXT, a CSV of uuid,
                          status, date, a signed cancellation request, SAT's
                          acuse): kept, with what it says about each UUID
========================  ==========================================================

A failed run rolls back, then is logged as failed in a transaction of its own.
"""

from __future__ import annotations

import getpass
import json
import socket
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..context import Settings, runtime_for
from ..io.sources import iter_loaded, plan
from ..validate import inspect_batch, read_ahead, stage_groups
from .db import Database, LedgerError
from .records import CODEC, Evidence, Prepared, from_spool, iso as _iso, prepare, prepare_evidence, spool_size, to_spool
from .schema import migrate, now as _now
from .spool import Spool, SpoolError

__all__ = ["IngestReport", "InputOutcome", "ingest_paths", "OUTCOMES"]

OUTCOMES = ("new", "already_present", "alternate", "conflict", "duplicate_in_run", "rejected", "evidence")
EVIDENCE_SUFFIXES = (".xml", ".txt", ".csv")

_DOC_COLUMNS = (
    "name", "version", "tipo", "serie", "folio", "fecha", "emisor_rfc", "emisor_nombre", "receptor_rfc", "receptor_nombre",
    "moneda", "tipo_cambio", "subtotal", "descuento", "total", "metodo_pago", "forma_pago", "condiciones_de_pago", "uso_cfdi",
    "fecha_timbrado", "valid", "errors", "warnings", "ours",
)
_INSERT_DOCUMENT = (
    f"INSERT INTO documents (uuid, raw_sha256, cadena_sha256, run_id, accepted, {', '.join(_DOC_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (5 + len(_DOC_COLUMNS)))})"
)
_INSERT_BLOB = f"INSERT INTO blobs (sha256, size, compression, data) VALUES (?, ?, '{CODEC}', ?) ON CONFLICT (sha256) DO NOTHING"
_INSERT_PAYMENT = (
    "INSERT INTO payments (payment_uuid, pago_index, docto_index, fecha_pago, forma_de_pago_p, moneda_p, tipo_cambio_p, monto, "
    "invoice_uuid, serie, folio, moneda_dr, equivalencia_dr, num_parcialidad, imp_saldo_ant, imp_pagado, imp_saldo_insoluto) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class InputOutcome:
    """What happened to one input of a run."""

    name: str
    outcome: str
    uuid: str | None = None
    tipo: str | None = None
    valid: bool | None = None
    ours: bool | None = None
    sha256: str | None = None
    message: str = ""
    problems: int = 0  # rows or parts of an evidence file that could not be read
    unreadable: bool = False  # the input itself could not be read: missing, a FIFO, a corrupt archive

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.name, "outcome": self.outcome, "uuid": self.uuid, "type": self.tipo, "valid": self.valid,
                "ours": self.ours, "sha256": self.sha256, "message": self.message}


@dataclass
class IngestReport:
    run_id: int | None
    inputs: list[InputOutcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        c = Counter(i.outcome for i in self.inputs)
        out = {"inputs": len(self.inputs), **{k: c.get(k, 0) for k in OUTCOMES}}
        stored = [i for i in self.inputs if i.outcome == "new"]
        out["invalid"] = sum(1 for i in stored if i.valid is False)
        out["not_ours"] = sum(1 for i in stored if i.ours is False)
        return out

    @property
    def has_findings(self) -> bool:
        c = self.counts()
        return bool(c["conflict"] or c["rejected"] or c["invalid"] or any(i.problems for i in self.inputs))

    @property
    def unreadable(self) -> list[InputOutcome]:
        """Inputs that could not be read at all (what makes ``validate`` exit 2)."""
        return [i for i in self.inputs if i.unreadable]

    def exit_code(self) -> int:
        """As ``validate``: 2 when an input could not be read at all or none was found (the readable
        ones are still stored); 1 for findings (rejected, invalid, conflicting documents, evidence with
        unreadable rows); 0 clean."""
        if not self.inputs or self.unreadable:
            return 2
        return 1 if self.has_findings else 0


def ingest_paths(
    db: Database,
    paths: Sequence[str],
    settings: Settings,
    rfcs: Iterable[str],
    *,
    arguments: Sequence[str] = (),
    accept_invalid: bool = False,
    on_plan: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Validate every document under ``paths`` and store it in ``db``, in one transaction."""
    ours = frozenset(r.strip().upper() for r in rfcs if r.strip())
    if not ours:
        raise LedgerError("the company's RFC is not configured: give --rfc RFC (repeatable) or rfc = [...] in cfdi-ar.toml")
    migrate(db)
    started = _now()
    with Spool(encode=to_spool, decode=from_spool, size=spool_size) as prepared:
        uuids = _prepare_all(paths, settings, ours, on_plan, on_progress, prepared)
        try:
            with db.write():
                report = _write_run(db, prepared, uuids, started, arguments, accept_invalid)
        except LedgerError:
            raise
        except Exception as exc:  # the run rolled back; keep a trace of it, then report
            _log_failed_run(db, started, arguments, len(prepared), exc)
            raise LedgerError(f"the ingest failed and nothing was stored: {type(exc).__name__}: {exc}") from exc
    return report


def _prepare_all(paths: Sequence[str], settings: Settings, ours: frozenset[str],
                 on_plan: Callable[[int], None] | None, on_progress: Callable[[int], None] | None,
                 out: Spool) -> set[str]:
    """Check every input into ``out`` (in order); return the UUIDs seen, which the write looks up."""
    from .cancellations import sniff

    runtime = runtime_for(settings)
    trust = _request_trust(runtime)
    items, skipped = plan(paths, settings.limits, settings.exclude, suffixes=EVIDENCE_SUFFIXES)
    if on_plan is not None:
        on_plan(len(items))
    uuids: set[str] = set()
    # read a batch ahead, as validate does (alternating one read with one check costs ~40 µs a document)
    try:
        for group in (group for batch in read_ahead(iter_loaded(items, settings.limits)) for group in stage_groups(batch)):
            # metadata TXT and CSV files are evidence; everything else is checked as validate does, a group at a time
            texts = [sniff(item.name, item.data) if item.data is not None and item.name.lower().endswith((".txt", ".csv")) else None
                     for item in group]
            inspected = iter(inspect_batch([item for item, kind in zip(group, texts) if kind is None], runtime))
            for loaded, kind in zip(group, texts):
                if kind is not None:
                    out.append(prepare_evidence(loaded.name, loaded.data, kind, trust))  # type: ignore[arg-type]
                else:
                    result, ctx = next(inspected)
                    lower = loaded.name.lower()
                    kind = sniff(loaded.name, loaded.data) if ctx is None and loaded.data is not None and lower.endswith(".xml") else None
                    if kind is not None:  # an XML that is not a CFDI: a cancellation request or SAT's acuse?
                        out.append(prepare_evidence(loaded.name, loaded.data, kind, trust))  # type: ignore[arg-type]
                    else:
                        p = prepare(loaded.name, loaded.data, result, ctx, ours)
                        if p.uuid:
                            uuids.add(p.uuid)
                        out.append(p)
                if on_progress is not None:
                    on_progress(1)
        out.flush()
    except SpoolError as exc:
        raise LedgerError(f"{exc}; nothing was stored (set TMPDIR to a folder with room)") from exc
    return uuids


def _request_trust(runtime: Any) -> Callable[[bytes], str | None]:
    """Who may sign a cancellation request: a CSD or e.firma that chains to SAT's CA (or to a CA the
    user trusts; SAT's test CA with --test-certificates), as for a CFDI's seal."""
    from ..sat.certs import CertificateError, TrustStatus, read_certificate

    def trust(der: bytes) -> str | None:
        try:
            cert = read_certificate(der)
        except CertificateError as exc:
            return str(exc)
        verdict = runtime.trust.chain(cert)
        if verdict.status in (TrustStatus.PRODUCTION, TrustStatus.USER_ROOT):
            return None
        if verdict.status is TrustStatus.TEST and runtime.settings.test_certificates:
            return None
        return verdict.detail

    return trust


_FLUSH_EVERY = 500  # documents whose rows are queued before they are written (memory stays flat)


def _write_run(db: Database, prepared: Spool, uuids: set[str], started: str, arguments: Sequence[str],
               accept_invalid: bool) -> IngestReport:
    run_id = _insert_run(db, "ingest", started, arguments, "committed")
    report = IngestReport(run_id)
    existing = _existing(db, uuids)
    seen: dict[str, tuple[str, str | None, str | None]] = {}  # uuid -> (name, sha256, cadena_sha256) stored by this run
    rows = _Rows()
    inputs: list[tuple[Any, ...]] = []
    for position, p in enumerate(prepared):
        if isinstance(p, Evidence):
            rows.write(db)  # what came before, first: the evidence looks its own blob up
            outcome = _store_evidence(db, p, run_id)
        else:
            outcome = _decide(p, existing.get(p.uuid) if p.uuid else None, seen.get(p.uuid) if p.uuid else None)
            if outcome.outcome == "new":
                _store(db, p, run_id, accepted=p.valid or accept_invalid, rows=rows)
                seen[p.uuid] = (p.name, p.sha256, p.cadena_sha256)  # type: ignore[index]
            elif outcome.outcome == "alternate":
                rows.blobs.append((p.sha256, p.size, p.compressed))
                rows.alternates.append((p.uuid, p.sha256, p.name, run_id))
            elif outcome.outcome == "conflict":
                rows.blobs.append((p.sha256, p.size, p.compressed))
                rows.conflicts.append((p.uuid, p.sha256, p.cadena_sha256, p.name, outcome.message, run_id))
        report.inputs.append(outcome)
        inputs.append((run_id, position, outcome.name, outcome.sha256, p.size, outcome.outcome, outcome.uuid,
                       outcome.message or None))
        if len(inputs) >= _FLUSH_EVERY:
            _flush(db, rows, inputs)
    _flush(db, rows, inputs)
    db.execute("UPDATE runs SET finished_at = ?, counts = ? WHERE id = ?", (_now(), json.dumps(report.counts()), run_id))
    return report


def _flush(db: Database, rows: _Rows, inputs: list[tuple[Any, ...]]) -> None:
    rows.write(db)
    db.executemany(
        "INSERT INTO run_inputs (run_id, position, name, sha256, size, outcome, uuid, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        inputs)
    inputs.clear()


class _Rows:
    """The rows a run stores, gathered so that each table takes them in one executemany (~10 µs a
    document less than statements per document), written parents first (foreign keys)."""

    def __init__(self) -> None:
        self.blobs: list[tuple[Any, ...]] = []
        self.documents: list[tuple[Any, ...]] = []
        self.findings: list[tuple[Any, ...]] = []
        self.payments: list[tuple[Any, ...]] = []
        self.relations: list[tuple[Any, ...]] = []
        self.alternates: list[tuple[Any, ...]] = []
        self.conflicts: list[tuple[Any, ...]] = []

    def document(self, p: Prepared, run_id: int, *, accepted: bool) -> None:
        d = p.document
        self.blobs.append((p.sha256, p.size, p.compressed))
        self.documents.append((p.uuid, p.sha256, p.cadena_sha256, run_id, 1 if accepted else 0, *(d[c] for c in _DOC_COLUMNS)))
        self.findings += p.findings
        self.payments += p.payments
        self.relations += p.relations

    def write(self, db: Database) -> None:
        for sql, rows in (
            (_INSERT_BLOB, self.blobs),
            (_INSERT_DOCUMENT, self.documents),
            ("INSERT INTO findings (uuid, position, code, severity, message, xpath) VALUES (?, ?, ?, ?, ?, ?)", self.findings),
            (_INSERT_PAYMENT, self.payments),
            ("INSERT INTO relations (uuid, tipo_relacion, related_uuid, position) VALUES (?, ?, ?, ?)", self.relations),
            ("INSERT INTO alternates (uuid, raw_sha256, name, run_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
             self.alternates),
            ("INSERT INTO conflicts (uuid, raw_sha256, cadena_sha256, name, reason, run_id) VALUES (?, ?, ?, ?, ?, ?) "
             "ON CONFLICT DO NOTHING", self.conflicts),
        ):
            db.executemany(sql, rows)
            rows.clear()


def _store_evidence(db: Database, e: Evidence, run_id: int) -> InputOutcome:
    known = db.scalar("SELECT count(*) FROM blobs WHERE sha256 = ?", (e.sha256,))
    db.execute(_INSERT_BLOB, (e.sha256, e.size, e.compressed))
    db.executemany(
        "INSERT INTO cancellations (uuid, source, evidence_sha256, status, date, date_kind, verified, motivo, folio_sustitucion, "
        "rfc_emisor, name, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        ((c.uuid, c.source, e.sha256, c.status, _iso(c.date), c.date_kind, 1 if c.verified else 0, c.motivo, c.folio_sustitucion,
          c.rfc_emisor, e.name, run_id) for c in e.cancellations),
    )
    db.executemany(
        "INSERT INTO sat_metadata (uuid, evidence_sha256, rfc_emisor, nombre_emisor, rfc_receptor, nombre_receptor, rfc_pac, "
        "fecha_emision, fecha_certificacion, monto, efecto, estatus, fecha_cancelacion, name, run_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        ((m.uuid, e.sha256, m.rfc_emisor, m.nombre_emisor, m.rfc_receptor, m.nombre_receptor, m.rfc_pac, _iso(m.fecha_emision),
          _iso(m.fecha_certificacion_sat), m.monto, m.efecto_comprobante, m.estatus, _iso(m.fecha_cancelacion), e.name, run_id)
         for m in e.metadata),
    )
    cancelled = sum(1 for c in e.cancellations if c.status == "cancelled")
    message = f"{e.kind}: {len(e.cancellations)} UUIDs ({cancelled} cancelled)"
    if e.problems:
        shown = "; ".join(
            (f"line {p.line}: " if p.line else "") + (f"{p.column}: " if p.column else "") + p.message for p in e.problems[:3])
        message += f"; {len(e.problems)} problem{'s' if len(e.problems) != 1 else ''}: {shown}"
    if known:
        message = "already in the ledger (the same file); " + message
    return InputOutcome(e.name, "already_present" if known else "evidence", None, e.kind, None, None, e.sha256, message,
                        problems=len(e.problems))


def _decide(p: Prepared, stored: tuple[str, str | None] | None,
            earlier: tuple[str, str | None, str | None] | None) -> InputOutcome:
    """``stored``: (raw_sha256, cadena_sha256) of the ledger's document with p's UUID; ``earlier``:
    (name, raw_sha256, cadena_sha256) of the one this run already stores under it."""
    def out(outcome: str, message: str = "") -> InputOutcome:
        ours = bool(p.document.get("ours")) if p.document else None
        return InputOutcome(p.name, outcome, p.uuid, p.tipo, p.valid if p.uuid else None, ours, p.sha256, message,
                            unreadable=p.unreadable)

    if p.uuid is None:
        return out("rejected", p.problem or "not storable")
    if earlier is not None:
        earlier_name, earlier_sha, earlier_cadena = earlier
        stored = (earlier_sha or "", earlier_cadena)
        if earlier_sha == p.sha256:
            return out("duplicate_in_run", f"the same document was given twice in this run (first: {earlier_name})")
    if stored is None:
        return out("new")
    raw, cadena = stored
    if raw == p.sha256:
        return out("already_present", "already in the ledger with the same content")
    if cadena is not None and cadena == p.cadena_sha256 and p.valid:
        return out("alternate", "same document (same cadena original) in other bytes; kept as an alternate copy")
    return out("conflict", "a different document with this UUID is already in the ledger; kept aside for review, "
                           "nothing overwritten")


def _existing(db: Database, uuids: set[str]) -> dict[str, tuple[str, str | None]]:
    sql = "SELECT uuid, raw_sha256, cadena_sha256 FROM documents WHERE uuid IN ({marks})"
    return {uuid: (raw, cadena) for uuid, raw, cadena in db.fetch_in(sql, uuids)}


def _store(db: Database, p: Prepared, run_id: int, *, accepted: bool, rows: _Rows) -> None:
    """Store a new document: its blob, fields, findings, payments and relations, queued in ``rows``
    (which writes them to ``db`` a table at a time)."""
    rows.document(p, run_id, accepted=accepted)


def _insert_run(db: Database, command: str, started: str, arguments: Sequence[str], status: str, message: str | None = None) -> int:
    params = (command, started, _user(), socket.gethostname(), json.dumps(list(arguments), ensure_ascii=False), __version__,
              status, "{}", message)
    sql = ("INSERT INTO runs (command, started_at, os_user, host, arguments, tool_version, status, counts, message) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")
    return int(db.fetchone(sql, params)[0])  # type: ignore[index]


def _log_failed_run(db: Database, started: str, arguments: Sequence[str], inputs: int, exc: BaseException) -> None:
    try:
        with db.write():
            run_id = _insert_run(db, "ingest", started, arguments, "failed", f"{type(exc).__name__}: {exc}")
            db.execute("UPDATE runs SET finished_at = ?, counts = ? WHERE id = ?",
                       (_now(), json.dumps({"inputs": inputs}), run_id))
    except Exception:  # noqa: BLE001 - the ledger itself is failing; the caller reports the original error
        pass


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in this environment
        return "unknown"

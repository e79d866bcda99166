#!/usr/bin/env python3
"""cfdi-ar AR ledger throughput: ingest into SQLite, and open items over a million invoices.

    python benchmarks/ledger.py                  # N=10,000 documents ingested; 1,000,000 invoices for open items
    python benchmarks/ledger.py --quick          # N=1,000; 100,000 invoices
    python benchmarks/ledger.py --help

One run:

1. **Ingest.** Generates N sealed and stamped CFDI 4.0 documents exactly as
   ``benchmarks/validate.py`` does (its generator, imported from that file), then times
   the real CLI as a subprocess, interpreter start-up included:
   ``cfdi-ar ingest --db FRESH.db --rfc RFC --trust-ca ca.cer --sat-certs sat-certs -q -f csv FOLDER``
   (validation included; one process). Reference in the same run: ``cfdi-ar validate --jobs 1``
   on the same folder, so the ledger's own cost shows as a ratio. After each run the
   ledger must hold N documents, all valid and ours, with the generated I/P split, and
   the run log must say N new; a second run on the same ledger (timed too) must report
   N already_present and store nothing.
2. **Open items over M invoices** (default 1,000,000). The rows are SYNTHETIC: inserted
   directly with SQL into a ledger created by the real schema (``open_database`` +
   ``migrate``), not ingested, because generating and sealing a million CFDIs would take
   ~10 minutes; this figure measures reading the ledger and linking payments, not
   validation. Times the real ``cfdi-ar open-items --as-of 2026-10-31 -f csv -o FILE``
   and ``cfdi-ar payments check``, and ``open_items(load_book(db), date)`` in-process,
   and checks the number of rows (and the sum of the balances) against a count made
   independently with SQL.
3. Prints the table, the ratios, PASS/FAIL against both targets, the machine and the
   exact commands.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import importlib.util
import json
import os
import random
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from decimal import Decimal as D
from pathlib import Path

TARGET_INGEST_PER_S = 1500  # documents per second per core, validation and start-up included
TARGET_OPEN_ITEMS_S = 10.0  # seconds for open items over TARGET_INVOICES invoices
TARGET_N = 10_000
TARGET_INVOICES = 1_000_000
AS_OF = dt.date(2026, 10, 31)
MARKER = ".cfdi-ar-ledger-benchmark"
SYNTHETIC_VERSION = 2  # bump when the synthetic ledger's generator changes (a kept --out ledger is then rebuilt)


def _load_validate_benchmark():  # type: ignore[no-untyped-def]
    """benchmarks/validate.py as a module (its corpus generator, CLI runner and report helpers).

    Registered in sys.modules so the generator's worker processes (fork) can unpickle its functions."""
    name = "cfdi_ar_benchmark_validate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("validate.py"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


V = _load_validate_benchmark()


# --------------------------------------------------------------------------- 1. ingest


def ingest_command(corpus, db: Path) -> list[str]:  # type: ignore[no-untyped-def]
    return [sys.executable, "-m", "cfdi_ar", "ingest", "--db", os.fspath(db), "--rfc", V.EMISOR[0],
            "--trust-ca", os.fspath(corpus.ca), "--sat-certs", os.fspath(corpus.sat_certs), "-q", "-f", "csv",
            os.fspath(corpus.folder)]


def run_ingest(corpus, db: Path, out: Path, workdir: Path, expect: str) -> float:  # type: ignore[no-untyped-def]
    """One timed ``cfdi-ar ingest``; then checks its output, the ledger and the run log."""
    cmd = ingest_command(corpus, db)
    with open(out, "wb") as fh:
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.PIPE, cwd=workdir, env=V._clean_env())
        seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"FAILED: cfdi-ar ingest exited {proc.returncode}\n{proc.stderr.decode(errors='replace')[-4000:]}"
                         f"\noutput: {out}")
    check_ingest(corpus, db, out, expect)
    return seconds


def check_ingest(corpus, db: Path, out: Path, expect: str) -> None:  # type: ignore[no-untyped-def]
    """The run is genuine: N inputs with the expected outcome, N valid documents of ours in the ledger, the run logged."""
    n = len(corpus.files)
    problems: list[str] = []
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    outcomes = {r["outcome"] for r in rows}
    if len(rows) != n or outcomes != {expect}:
        problems.append(f"output: {len(rows)} rows with outcomes {sorted(outcomes)}, expected {n} {expect}")
    if {r["valid"] for r in rows} != {"yes"}:
        problems.append(f"output: valid column holds {sorted({r['valid'] for r in rows})}, expected only yes")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        docs, valid, accepted, ours, inv, pay, errors = con.execute(
            "SELECT count(*), sum(valid), sum(accepted), sum(ours), sum(tipo = 'I'), sum(tipo = 'P'), sum(errors) FROM documents"
        ).fetchone()
        blobs = con.execute("SELECT count(*) FROM blobs").fetchone()[0]
        lines = con.execute("SELECT count(*) FROM payments").fetchone()[0]
        status, counts = con.execute("SELECT status, counts FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        con.close()
    if (docs, valid, accepted, ours, errors, blobs) != (n, n, n, n, 0, n):
        problems.append(f"ledger: {docs} documents, {valid} valid, {accepted} accepted, {ours} ours, {errors} errors, "
                        f"{blobs} blobs; expected {n} of each and 0 errors")
    if (inv, pay) != (corpus.invoices, corpus.payments):
        problems.append(f"ledger: I={inv} P={pay}, generated I={corpus.invoices} P={corpus.payments}")
    if corpus.payments and lines < corpus.payments:
        problems.append(f"ledger: {lines} payment lines for {corpus.payments} payment receipts")
    counts = json.loads(counts)
    if status != "committed" or counts.get("inputs") != n or counts.get(expect) != n:
        problems.append(f"run log: status {status}, counts {counts}; expected committed with {n} {expect}")
    if problems:
        raise SystemExit("FAILED: the cfdi-ar ingest run is not a genuine full ingest:\n  " + "\n  ".join(problems)
                         + f"\nledger: {db}, output: {out}")


# --------------------------------------------------------------------------- 2. a synthetic ledger of M invoices

# Synthetic: rows inserted with SQL, never validated. Every amount is written with two
# decimals, so the independent SQL count below can work in integer centavos (no floats).

PLACEHOLDER = b"cfdi-ar benchmarks/ledger.py: synthetic document; the rows were inserted directly, not ingested\n"
PLACEHOLDER_SHA = hashlib.sha256(PLACEHOLDER).hexdigest()
FIRST_DAY = dt.datetime(2024, 1, 1, 8, 0, 0)
LAST_DAY = dt.datetime(2026, 11, 20, 18, 0, 0)  # ~2 % of the invoices fall after the --as-of date
CONDITIONS = ("Crédito 30 días", "Crédito 45 dias", "NETO 60", "30 days", "Pago a 15 días", None)
USD_RATE, USD_RATE_P = D("18.4520"), D("18.6105")
PPD_SHARE = 0.42  # the rest is PUE: paid at issue, never by a REP
UNPAID = 0.05  # share of the PPD invoices that never get a payment (disputed, bad debt)
CHUNK = 25_000

_DOC_COLUMNS = ("uuid", "raw_sha256", "cadena_sha256", "name", "version", "tipo", "serie", "folio", "fecha", "emisor_rfc",
                "emisor_nombre", "receptor_rfc", "receptor_nombre", "moneda", "tipo_cambio", "subtotal", "descuento", "total",
                "metodo_pago", "forma_pago", "condiciones_de_pago", "uso_cfdi", "fecha_timbrado", "valid", "accepted",
                "errors", "warnings", "ours", "run_id")
_INSERT_DOC = f"INSERT INTO documents ({', '.join(_DOC_COLUMNS)}) VALUES ({', '.join('?' * len(_DOC_COLUMNS))})"
_INSERT_PAY = ("INSERT INTO payments (payment_uuid, pago_index, docto_index, fecha_pago, forma_de_pago_p, moneda_p, tipo_cambio_p, "
               "monto, invoice_uuid, serie, folio, moneda_dr, equivalencia_dr, num_parcialidad, imp_saldo_ant, imp_pagado, "
               "imp_saldo_insoluto) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_REL = "INSERT INTO relations (uuid, tipo_relacion, related_uuid, position) VALUES (?, ?, ?, ?)"
_INSERT_CANCEL = ("INSERT INTO cancellations (uuid, source, evidence_sha256, status, date, date_kind, verified, motivo, "
                  "folio_sustitucion, rfc_emisor, name, run_id) VALUES (?, ?, ?, 'cancelled', ?, 'cancelled_at', 0, ?, NULL, ?, ?, ?)")


@dataclass
class Synthetic:
    path: Path
    invoices: int
    seed: int
    unpaid: float
    seconds: float = 0.0
    reused: bool = False
    counts: dict[str, int] = field(default_factory=dict)  # what the generator wrote, by kind
    size: int = 0


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def _customers(rng: random.Random, n: int = 5000) -> list[tuple[str, str, str]]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = []
    for i in range(n):
        rfc = ("".join(rng.choice(letters) for _ in range(3)) + f"{rng.randrange(100):02d}{rng.randrange(1, 13):02d}"
               f"{rng.randrange(1, 29):02d}" + "".join(rng.choice(letters + "0123456789") for _ in range(3)))
        out.append((rfc, f"CLIENTE SINTETICO {i:05d}", "USD" if rng.random() < 0.10 else "MXN"))
    return out


def build_synthetic(path: Path, invoices: int, seed: int, unpaid: float = UNPAID) -> Synthetic:
    """A ledger of ``invoices`` invoices of ours, with payment receipts, credit notes and cancellations.

    Made with the real schema (open_database + migrate) and plain INSERTs, over 2024-01 to
    2026-11 (~1,000 invoices a day; ~2 % after --as-of). The mix: 58 % PUE (settled at issue),
    42 % PPD; of the PPD ones, ``unpaid`` (5 %) never get a payment and the others 1 or 2
    parcialidades 11–75 days (and 5–45 more) after issue, in full or in part, ImpSaldoAnt and
    ImpSaldoInsoluto consistent — so ~40 % of all invoices have payment lines, and the recent
    ones are still open at --as-of; 10 % of the customers invoice in USD (TipoCambio 18.4520,
    paid at 18.6105); REPs carry 1–3 Pago nodes of one customer; 1 % of the PPD invoices have a
    credit note (TipoRelacion 01) before any payment; 0.5 % of the unpaid invoices and ~0.3 %
    of the REPs are cancelled; a few payment lines name an invoice the ledger lacks, a few
    overpay; 0.1 % of the invoices are invalid (accepted 0).
    Every document points to ONE shared placeholder blob (see the README)."""
    from cfdi_ar.ledger import migrate, open_database

    t0 = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    customers = _customers(rng)
    emisor, emisor_nombre = V.EMISOR[0], V.EMISOR[1]
    span = int((LAST_DAY - FIRST_DAY).total_seconds())
    c = {k: 0 for k in ("invoices", "pue", "ppd", "usd", "invalid", "paid_invoices", "payment_lines", "reps", "credit_notes",
                        "cancelled_invoices", "cancelled_reps", "cancelled_rep_lines", "unknown_lines", "overpaid_lines")}

    def uuid() -> str:
        h = f"{rng.getrandbits(128):032X}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-A{h[17:20]}-{h[20:]}"

    db = open_database(path)
    try:
        migrate(db)
        with db.write():
            db.execute("INSERT INTO blobs (sha256, size, compression, data) VALUES (?, ?, 'zlib', ?)",
                       (PLACEHOLDER_SHA, len(PLACEHOLDER), zlib.compress(PLACEHOLDER)))
            run_id = int(db.fetchone(
                "INSERT INTO runs (command, started_at, os_user, host, arguments, tool_version, status, counts, message) "
                "VALUES ('benchmark-synthetic', ?, 'benchmark', 'benchmark', ?, 'benchmarks/ledger.py', 'committed', '{}', ?) "
                "RETURNING id",
                (dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 json.dumps({"invoices": invoices, "seed": seed, "unpaid": unpaid, "version": SYNTHETIC_VERSION}),
                 "synthetic rows inserted directly by benchmarks/ledger.py (not ingested, not validated)"))[0])
            for start in range(0, invoices, CHUNK):
                docs, pays, rels, cancels = _chunk(rng, uuid, start, min(CHUNK, invoices - start), invoices, span, customers, emisor,
                                                   emisor_nombre, run_id, c, unpaid)
                db.executemany(_INSERT_DOC, docs)
                db.executemany(_INSERT_PAY, pays)
                db.executemany(_INSERT_REL, rels)
                db.executemany(_INSERT_CANCEL, cancels)
            db.execute("UPDATE runs SET finished_at = started_at, counts = ? WHERE id = ?", (json.dumps(c), run_id))
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("ANALYZE")
    finally:
        db.close()
    return Synthetic(path, invoices, seed, unpaid, time.perf_counter() - t0, False, c, _size(path))


def _chunk(rng, uuid, start, count, n_total, span, customers, emisor, emisor_nombre, run_id, c, unpaid):  # type: ignore[no-untyped-def]
    docs: list[tuple] = []
    pays: list[tuple] = []
    rels: list[tuple] = []
    cancels: list[tuple] = []
    pending: dict[int, list[tuple]] = {}  # customer -> payment lines (Pago nodes) waiting for a REP
    base = "A"

    def doc(u, tipo, folio, fecha, cust, moneda, tc, total, metodo, forma, cond, valid=1):  # type: ignore[no-untyped-def]
        rfc, nombre, _ = customers[cust]
        docs.append((u, PLACEHOLDER_SHA, None, f"synthetic/{folio}-{tipo}.xml", "4.0", tipo, base if tipo == "I" else tipo,
                     folio, _iso(fecha), emisor, emisor_nombre, rfc, nombre, moneda, tc, total, None, total, metodo, forma, cond,
                     "G01" if tipo != "P" else "CP01", _iso(fecha + dt.timedelta(minutes=3)), valid, valid, 1 - valid, 0, 1,
                     run_id))

    def cancel(u, when, cust):  # type: ignore[no-untyped-def]
        cancels.append((u, "csv", PLACEHOLDER_SHA, _iso(when), "02", emisor, "synthetic-cancellations.csv", run_id))

    for i in range(start, start + count):
        c["invoices"] += 1
        cust = rng.randrange(len(customers))
        moneda = customers[cust][2]
        fecha = FIRST_DAY + dt.timedelta(seconds=span * i // n_total + rng.randrange(600))  # in date order, ~1,000 a day
        cents = rng.randint(5_000, 2_500_000) if moneda == "MXN" else rng.randint(500, 150_000)
        u = uuid()
        ppd = rng.random() < PPD_SHARE
        c["ppd" if ppd else "pue"] += 1
        c["usd"] += moneda == "USD"
        invalid = rng.random() < 0.001
        c["invalid"] += invalid
        doc(u, "I", str(100000 + i), fecha, cust, moneda, str(USD_RATE) if moneda == "USD" else None, _money(cents),
            "PPD" if ppd else "PUE", "99" if ppd else rng.choice(("01", "03", "04")),
            rng.choice(CONDITIONS) if ppd else None, valid=0 if invalid else 1)
        balance = cents
        if ppd and not invalid and rng.random() < 0.01:
            # a credit note (E, TipoRelacion 01) for part of it, before any payment
            cn, cn_cents = uuid(), cents // rng.choice((2, 4, 10))
            doc(cn, "E", f"NC{100000 + i}", fecha + dt.timedelta(days=rng.randint(1, 10)), cust, moneda,
                str(USD_RATE) if moneda == "USD" else None, _money(cn_cents), "PUE", "15", None)
            rels.append((cn, "01", u, 0))
            c["credit_notes"] += 1
            balance -= cn_cents
        lines: list[tuple[dt.datetime, int, int, int]] = []  # (fecha_pago, parcialidad, saldo_ant, pagado)
        if ppd and not invalid and rng.random() >= unpaid:
            when = fecha + dt.timedelta(days=rng.randint(11, 75), hours=rng.randint(0, 8))
            if rng.random() < 0.75:  # one payment: in full, or in part
                pagado = balance if rng.random() < 0.9 else balance // 2
                if pagado == balance and rng.random() < 0.002:
                    pagado = balance + 100  # an overpayment by 1.00: a credit balance
                    c["overpaid_lines"] += 1
                lines.append((when, 1, balance, pagado))
            else:  # two parcialidades
                first = balance // 2
                lines.append((when, 1, balance, first))
                second = balance - first if rng.random() < 0.85 else (balance - first) // 2
                lines.append((when + dt.timedelta(days=rng.randint(5, 45)), 2, balance - first, second))
            c["paid_invoices"] += 1
        elif not lines and rng.random() < 0.005:
            cancel(u, fecha + dt.timedelta(days=rng.randint(0, 30)), cust)
            c["cancelled_invoices"] += 1
        for when, parc, ant, pagado in lines:
            pending.setdefault(cust, []).append((when, u, moneda, parc, ant, pagado))
        # REPs: a customer's waiting Pago nodes, 1 to 3 per receipt
        queue = pending.get(cust)
        if queue and (len(queue) >= 3 or rng.random() < 0.5):
            _rep(rng, uuid, queue, cust, customers, doc, pays, cancel, c)
            pending[cust] = []
    for cust, queue in pending.items():
        if queue:
            _rep(rng, uuid, queue, cust, customers, doc, pays, cancel, c)
    return docs, pays, rels, cancels


def _rep(rng, uuid, queue, cust, customers, doc, pays, cancel, c):  # type: ignore[no-untyped-def]
    u = uuid()
    c["reps"] += 1
    latest = max(q[0] for q in queue)
    moneda = customers[cust][2]
    doc(u, "P", f"P{c['reps']:07d}", latest + dt.timedelta(days=1), cust, "XXX", None, "0", None, None, None)
    for k, (when, inv, mon, parc, ant, pagado) in enumerate(queue):
        usd = mon == "USD"
        pays.append((u, k, 0, _iso(when), "03", mon, str(USD_RATE_P) if usd else "1", _money(pagado), inv, "A", None, mon,
                     "1" if usd else None, parc, _money(ant), _money(pagado), _money(ant - pagado)))
        c["payment_lines"] += 1
    if rng.random() < 0.0005:  # a line naming an invoice the ledger lacks: unapplied cash
        pays.append((u, len(queue), 0, _iso(latest), "03", moneda, None if moneda == "MXN" else str(USD_RATE_P), "100.00",
                     uuid(), "A", None, moneda, None, 1, "100.00", "100.00", "0.00"))
        c["unknown_lines"] += 1
    elif len(queue) == 1 and queue[0][3] == 1 and queue[0][4] == queue[0][5] and rng.random() < 0.004:
        # a REP paying one invoice in one payment, cancelled later (the invoice stays open)
        cancel(u, latest + dt.timedelta(days=rng.randint(2, 20)), cust)
        c["cancelled_reps"] += 1
        c["cancelled_rep_lines"] += 1


def _size(path: Path) -> int:
    return sum(os.path.getsize(f"{path}{s}") for s in ("", "-wal") if os.path.exists(f"{path}{s}"))


def reuse_synthetic(path: Path, invoices: int, seed: int, unpaid: float) -> Synthetic | None:
    """A ledger this script built earlier with the same parameters (kept with --out)."""
    if not path.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            args, counts = con.execute("SELECT arguments, counts FROM runs WHERE command = 'benchmark-synthetic'").fetchone()
        finally:
            con.close()
    except (sqlite3.Error, TypeError):
        return None
    if json.loads(args) != {"invoices": invoices, "seed": seed, "unpaid": unpaid, "version": SYNTHETIC_VERSION}:
        return None
    return Synthetic(path, invoices, seed, unpaid, 0.0, True, json.loads(counts), _size(path))


def expected_open(path: Path, as_of: dt.date) -> tuple[int, int]:
    """(rows, sum of the balances in centavos) that open-items must list at ``as_of``, counted with SQL alone.

    Written from the rules in cfdi_ar/ledger/chain.py's docstring, not from its code: a balance is
    Total (0 for PUE) less the credit notes related to that invoice alone, dated by as_of, not
    cancelled by then, accepted; less the payment lines dated by as_of, of accepted REPs not
    cancelled by then, on PPD invoices. Open: balance <> 0, invoice dated by as_of, accepted, not
    cancelled by as_of. Amounts in integer centavos (every synthetic amount has two decimals)."""
    day = as_of.isoformat()
    cents = "CAST(replace({0}, '.', '') AS INTEGER)"
    sql = f"""
        WITH cancelled AS MATERIALIZED (
            SELECT uuid FROM cancellations WHERE status = 'cancelled' GROUP BY uuid HAVING min(substr(date, 1, 10)) <= :day
        ), paid AS MATERIALIZED (
            SELECT p.invoice_uuid AS uuid, sum({cents.format('p.imp_pagado')}) AS c
            FROM payments p JOIN documents r ON r.uuid = p.payment_uuid
            WHERE r.ours = 1 AND r.tipo = 'P' AND r.accepted = 1 AND substr(p.fecha_pago, 1, 10) <= :day
              AND p.payment_uuid NOT IN (SELECT uuid FROM cancelled)
            GROUP BY p.invoice_uuid
        ), single AS MATERIALIZED (
            SELECT r.uuid, min(r.related_uuid) AS related FROM relations r JOIN documents e ON e.uuid = r.uuid
            WHERE e.ours = 1 AND e.tipo = 'E' AND r.tipo_relacion IN ('01', '03') GROUP BY r.uuid HAVING count(*) = 1
        ), credited AS MATERIALIZED (
            SELECT s.related AS uuid, sum({cents.format('e.total')}) AS c FROM single s JOIN documents e ON e.uuid = s.uuid
            WHERE e.accepted = 1 AND substr(e.fecha, 1, 10) <= :day AND e.uuid NOT IN (SELECT uuid FROM cancelled)
            GROUP BY s.related
        ), balances AS (
            SELECT CASE WHEN i.metodo_pago = 'PUE' THEN 0 ELSE {cents.format('i.total')} END
                   - coalesce(cr.c, 0) - CASE WHEN i.metodo_pago = 'PUE' THEN 0 ELSE coalesce(pd.c, 0) END AS balance
            FROM documents i LEFT JOIN paid pd ON pd.uuid = i.uuid LEFT JOIN credited cr ON cr.uuid = +i.uuid
            WHERE i.ours = 1 AND i.tipo = 'I' AND i.accepted = 1 AND substr(i.fecha, 1, 10) <= :day
              AND i.uuid NOT IN (SELECT uuid FROM cancelled)
        )
        SELECT count(*), coalesce(sum(balance), 0) FROM balances WHERE balance <> 0"""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        shape = con.execute("SELECT count(*) FROM documents WHERE tipo IN ('I', 'E') AND total NOT GLOB '*[0-9].[0-9][0-9]'"
                            ).fetchone()[0] + con.execute(
            "SELECT count(*) FROM payments WHERE imp_pagado NOT GLOB '*[0-9].[0-9][0-9]'").fetchone()[0]
        if shape:
            raise SystemExit(f"FAILED: {shape} synthetic amounts without exactly two decimals: the SQL count cannot be trusted")
        n, total = con.execute(sql, {"day": day}).fetchone()
    finally:
        con.close()
    return int(n), int(total)


def _cli(args: list[str], workdir: Path, ok: tuple[int, ...] = (0,)) -> tuple[float, subprocess.CompletedProcess]:
    cmd = [sys.executable, "-m", "cfdi_ar", *args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=workdir, env=V._clean_env())
    seconds = time.perf_counter() - t0
    if proc.returncode not in ok:
        raise SystemExit(f"FAILED: {shlex.join(cmd)} exited {proc.returncode}\n{proc.stderr.decode(errors='replace')[-4000:]}")
    return seconds, proc


def open_items_args(db: Path, out: Path) -> list[str]:
    return ["open-items", "--db", os.fspath(db), "--as-of", AS_OF.isoformat(), "-f", "csv", "-o", os.fspath(out)]


def payments_check_args(db: Path, out: Path) -> list[str]:
    return ["payments", "check", "--db", os.fspath(db), "-f", "csv", "-o", os.fspath(out)]


def check_open_items_csv(out: Path, expected_rows: int, expected_cents: int) -> None:
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cents = sum(int(D(r["balance"].lstrip("'")).scaleb(2)) for r in rows)  # a negative is written '-… (never a formula)
    statuses = {r["status"] for r in rows}
    if len(rows) != expected_rows or cents != expected_cents or not statuses <= {"open", "credit"}:
        raise SystemExit(f"FAILED: open-items wrote {len(rows):,} rows (balances {_amount_text(cents)}, statuses {sorted(statuses)}); "
                         f"SQL says {expected_rows:,} rows (balances {_amount_text(expected_cents)})\noutput: {out}")


def _amount_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def in_process_open_items(db_path: Path) -> tuple[float, float, list]:  # type: ignore[type-arg]
    """(load_book seconds, open_items seconds, rows)."""
    from cfdi_ar.ledger import open_database
    from cfdi_ar.ledger.book import load_book, open_items

    db = open_database(db_path)
    try:
        t0 = time.perf_counter()
        book = load_book(db)
        t1 = time.perf_counter()
        rows = open_items(book, AS_OF)
        t2 = time.perf_counter()
    finally:
        db.close()
    return t1 - t0, t2 - t1, rows


# --------------------------------------------------------------------------- report


def machine_info() -> list[tuple[str, str]]:
    info = V.machine_info()
    info.insert(2, ("sqlite", f"{sqlite3.sqlite_version} (Python sqlite3 module)"))
    return info


def _prepare_out(out: Path) -> None:
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SystemExit(f"--out {out}: the folder exists and is not empty (and was not made by this benchmark)")
    if out.exists():
        for name in ("corpus", "ingest"):
            shutil.rmtree(out / name, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by cfdi-ar benchmarks/ledger.py; its contents are replaced on re-runs "
                              "(open-items.db is kept and reused when built with the same --invoices, --seed and --unpaid)\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=None, help=f"documents to generate and ingest (default {TARGET_N:,}; 0 skips that part)")
    p.add_argument("--invoices", type=int, default=None,
                   help=f"synthetic invoices for open items (default {TARGET_INVOICES:,}; 0 skips that part)")
    p.add_argument("--quick", action="store_true", help="smoke run: N=1,000 and 100,000 invoices (unless given), one timing each")
    p.add_argument("--repeat", type=int, default=None, help="time each figure this many times, report the median "
                   "(default 3; 1 with --quick)")
    p.add_argument("--out", type=Path, default=None, help="work in DIR and keep it (corpus, ledgers, outputs); a synthetic "
                   "ledger found there with the same --invoices, --seed and --unpaid is reused")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("--seed", type=int, default=2026, help="corpus and synthetic ledger seed")
    p.add_argument("--unpaid", type=float, default=UNPAID, help=f"share of the synthetic PPD invoices never paid (default "
                   f"{UNPAID}: ~8 %% of all invoices open at the --as-of date; 0.35: ~19 %%)")
    p.add_argument("--gen-workers", type=int, default=os.cpu_count() or 1, help="processes for generation (default: all CPUs)")
    a = p.parse_args(argv)
    a.n = a.n if a.n is not None else (1000 if a.quick else TARGET_N)
    a.invoices = a.invoices if a.invoices is not None else (100_000 if a.quick else TARGET_INVOICES)
    a.repeat = a.repeat or (1 if a.quick else 3)
    if a.n < 0 or a.invoices < 0 or a.repeat < 1 or (a.n == 1):
        p.error("--n must be 0 (skip) or >= 2, --invoices >= 0, --repeat >= 1")
    return a


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    n = args.n
    tmp = Path(tempfile.mkdtemp(prefix="cfdi-ar-ledger-bench-"))
    base = args.out.resolve() if args.out else tmp
    try:
        if args.out:
            _prepare_out(base)
        workdir = tmp / "run"  # the CLI's cwd: no ./cfdi-ar.toml, no repository checkout on sys.path
        workdir.mkdir()
        print("cfdi-ar ledger benchmark", dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
        for k, v in machine_info():
            print(f"  {k:13} {v}")
        print()
        rows: list[tuple[str, str, str, str]] = []  # figure, value, vs reference, note
        verdicts: list[str] = []
        commands: list[str] = []

        if n:
            corpus = V.generate(base / "corpus", n, args.seed, max(1, args.gen_workers))
            print(f"corpus: {n:,} documents ({corpus.invoices:,} invoices I, {corpus.payments:,} payment receipts P; "
                  f"{corpus.bytes / n / 1024:.1f} KiB average) in {corpus.folder}, made by benchmarks/validate.py's generator")
            print(f"  generated in {corpus.seconds:.1f} s with {args.gen_workers} processes (not part of any figure)")
            warm = subprocess.run(V.cli_command(corpus, 1)[:-1] + [os.fspath(corpus.files[0])], cwd=workdir,
                                  env=V._clean_env(), capture_output=True)
            if warm.returncode != 0:
                raise SystemExit(f"FAILED: warm-up exited {warm.returncode}: {warm.stderr.decode(errors='replace')[-2000:]}")
            ingest_dir = base / "ingest"
            ingest_dir.mkdir(exist_ok=True)
            t_val, t_new, t_again = [], [], []
            for r in range(args.repeat):  # interleaved, so a noisy moment hits all three alike
                t_val.append(V.run_cli(corpus, 1, ingest_dir / f"validate-{r}.json", workdir))
                db = ingest_dir / f"ledger-{r}.db"
                t_new.append(run_ingest(corpus, db, ingest_dir / f"ingest-{r}.csv", workdir, "new"))
                t_again.append(run_ingest(corpus, db, ingest_dir / f"reingest-{r}.csv", workdir, "already_present"))
            val, new, again = (statistics.median(t) for t in (t_val, t_new, t_again))
            size = _size(ingest_dir / "ledger-0.db")
            print(f"cfdi-ar validate --jobs 1: {V._median_text(t_val)} ({V._rate(n, val):,.0f} docs/s; report checked)")
            print(f"cfdi-ar ingest (fresh ledger): {V._median_text(t_new)} ({V._rate(n, new):,.0f} docs/s; checked: "
                  f"{n:,} new, all valid, {corpus.invoices:,} I + {corpus.payments:,} P in the ledger, run log says {n:,} new)")
            print(f"cfdi-ar ingest again (same files): {V._median_text(t_again)} ({V._rate(n, again):,.0f} docs/s; checked: "
                  f"{n:,} already_present, nothing stored)")
            print(f"  ledger file after one ingest: {size / 1e6:.1f} MB ({size / n / 1024:.1f} KiB per document, raw XML "
                  f"kept compressed)")
            print(f"  the ledger's own cost: {(new - val) / n * 1e6:,.0f} µs per document over validate "
                  f"(ingest/validate time {new / val:.2f}x)")
            print()
            rows += [
                ("cfdi-ar validate --jobs 1 (reference)", f"{V._rate(n, val):,.0f} docs/s", "1.00x", "1 process, incl. start-up"),
                ("cfdi-ar ingest, fresh SQLite ledger", f"{V._rate(n, new):,.0f} docs/s", V._ratio(val / new),
                 "validation + store, 1 process, incl. start-up"),
                ("cfdi-ar ingest again (idempotent)", f"{V._rate(n, again):,.0f} docs/s", V._ratio(val / again),
                 "validation + lookup, nothing stored"),
            ]
            rate = V._rate(n, new)
            cond = "" if n >= TARGET_N else f"  [N={n:,} < {TARGET_N:,}: not the target's conditions]"
            verdicts.append(f"target: ingest incl. validation >= {TARGET_INGEST_PER_S:,} documents/s per core into SQLite: "
                            f"{'PASS' if rate >= TARGET_INGEST_PER_S else 'FAIL'} ({rate:,.0f} docs/s, one process, "
                            f"start-up included){cond}")
            commands += ["  " + shlex.join(ingest_command(corpus, ingest_dir / "ledger-R.db")) + " > ingest-R.csv   (then again)",
                         "  " + shlex.join(V.cli_command(corpus, 1)) + " > validate-R.json"]

        if args.invoices:
            m = args.invoices
            path = base / "open-items.db"
            syn = reuse_synthetic(path, m, args.seed, args.unpaid) if args.out else None
            if syn is None:
                syn = build_synthetic(path, m, args.seed, args.unpaid)
            c = syn.counts
            print(f"synthetic ledger: {m:,} invoices — SYNTHETIC rows inserted directly with SQL into a ledger made by the real "
                  f"schema, NOT ingested (generating and sealing {m:,} CFDIs would take ~{m / 1700 / 60:.0f} minutes); "
                  f"these figures measure reading and linking, not validation")
            print(f"  {c['pue']:,} PUE + {c['ppd']:,} PPD ({c['usd']:,} USD, {c['invalid']:,} invalid); {c['paid_invoices']:,} "
                  f"with payments: {c['payment_lines']:,} payment lines in {c['reps']:,} REPs; {c['credit_notes']:,} credit notes; "
                  f"{c['cancelled_invoices']:,} cancelled invoices, {c['cancelled_reps']:,} cancelled REPs; "
                  f"{c['unknown_lines']:,} lines to unknown invoices, {c['overpaid_lines']:,} overpayments")
            print(f"  {syn.size / 1e6:,.0f} MB; " + ("reused from a previous --out run" if syn.reused else
                  f"built in {syn.seconds:.1f} s (not part of any figure)") + "; all documents share one placeholder blob")
            exp_rows, exp_cents = expected_open(path, AS_OF)
            print(f"  expected at {AS_OF}: {exp_rows:,} open items (balance or credit), balances {_amount_text(exp_cents)} "
                  "(counted independently with SQL)")
            expected_breaks = c["cancelled_rep_lines"] + c["unknown_lines"] + c["overpaid_lines"]
            _cli(["open-items", "--db", os.fspath(path), "--as-of", "2000-01-01", "-f", "csv"], workdir)  # warm-up: caches
            t_oi, t_pc = [], []
            oi_out, pc_out = base / "open-items.csv", base / "payment-breaks.csv"
            for _ in range(args.repeat):
                s, _ = _cli(open_items_args(path, oi_out), workdir)
                check_open_items_csv(oi_out, exp_rows, exp_cents)
                t_oi.append(s)
                s, _ = _cli(payments_check_args(path, pc_out), workdir, ok=(0, 1))
                with open(pc_out, newline="", encoding="utf-8") as fh:
                    breaks = list(csv.DictReader(fh))
                if len(breaks) != expected_breaks:
                    raise SystemExit(f"FAILED: payments check found {len(breaks):,} breaks, the generator made {expected_breaks:,}")
                t_pc.append(s)
            loads, links = [], []
            for _ in range(args.repeat):
                t_load, t_link, items = in_process_open_items(path)
                got = sum(int(r["balance"].scaleb(2)) for r in items)
                if len(items) != exp_rows or got != exp_cents:
                    raise SystemExit(f"FAILED: open_items() returned {len(items):,} rows ({_amount_text(got)}), SQL says {exp_rows:,}")
                loads.append(t_load)
                links.append(t_link)
                del items
            oi, pc = statistics.median(t_oi), statistics.median(t_pc)
            load, lnk = statistics.median(loads), statistics.median(links)
            kinds: dict[str, int] = {}
            for b in breaks:
                kinds[b["kind"]] = kinds.get(b["kind"], 0) + 1
            print(f"cfdi-ar open-items --as-of {AS_OF} -f csv: {V._median_text(t_oi)} (checked: {exp_rows:,} rows, balances "
                  f"equal to the SQL count)")
            print(f"cfdi-ar payments check: {V._median_text(t_pc)} ({len(breaks):,} breaks as generated: "
                  + ", ".join(f"{v:,} {k}" for k, v in sorted(kinds.items())) + ")")
            print(f"in-process: load_book {V._median_text(loads)}, open_items {V._median_text(links)} "
                  f"(total {load + lnk:.2f} s; start-up and CSV writing are the rest of the CLI figure)")
            print()
            rows += [
                (f"cfdi-ar open-items, {m:,} invoices", f"{oi:.2f} s", "", f"{exp_rows:,} rows, CSV, incl. start-up"),
                ("  in-process load_book + open_items", f"{load + lnk:.2f} s", "", f"load {load:.2f} s + link {lnk:.2f} s"),
                ("cfdi-ar payments check", f"{pc:.2f} s", "", f"{len(breaks):,} breaks, CSV, incl. start-up"),
            ]
            cond = "" if m >= TARGET_INVOICES else f"  [{m:,} < {TARGET_INVOICES:,} invoices: not the target's conditions]"
            verdicts.append(f"target: open items over {TARGET_INVOICES:,} invoices in under {TARGET_OPEN_ITEMS_S:.0f} s: "
                            f"{'PASS' if oi < TARGET_OPEN_ITEMS_S else 'FAIL'} ({oi:.2f} s, CLI wall clock, SYNTHETIC ledger){cond}")
            commands += ["  " + shlex.join([sys.executable, "-m", "cfdi_ar", *open_items_args(path, oi_out)]),
                         "  " + shlex.join([sys.executable, "-m", "cfdi_ar", *payments_check_args(path, pc_out)])]

        if rows:
            w = max(len(r[0]) for r in rows)
            print(f"{'figure':{w}}  {'value':>14}  {'vs validate':>11}  note")
            print(f"{'-' * w}  {'-' * 14}  {'-' * 11}  ----")
            for name, value, ratio, note in rows:
                print(f"{name:{w}}  {value:>14}  {ratio:>11}  {note}")
            print()
        for v in verdicts:
            print(v)
        print()
        print("commands (cwd: a temporary folder, CFDI_AR_* variables removed; R = repetition):")
        for line in commands:
            print(line)
        if args.keep or args.out:
            print(f"kept: {base}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

"""Faults and load on both engines: a killed ingest, ingests racing on overlapping inputs."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cfdi_ar.demo.seal import to_bytes
from cfdi_ar.ledger import open_database

from .conftest import OUR_RFC

pytestmark = pytest.mark.slow


def _corpus(folder: Path, sealed_invoice, n: int) -> list[Path]:  # type: ignore[no-untyped-def]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"F-{i:04d}.xml"
        path.write_bytes(to_bytes(sealed_invoice(folio=str(5000 + i))))
        paths.append(path)
    return paths


def _ingest_cmd(target: str, pki, *paths: Path) -> list[str]:  # type: ignore[no-untyped-def]
    return [sys.executable, "-m", "cfdi_ar", "ingest", "--db", target, "--rfc", OUR_RFC, "--trust-ca", str(pki.ca_path),
            "--sat-certs", str(pki.sat_certs), "-q", "-f", "csv", *map(str, paths)]


def _state(target: str) -> tuple[int, set[tuple[str, str]], int, list[str]]:
    db = open_database(target)
    try:
        if db.dialect == "sqlite":
            assert db.scalar("PRAGMA integrity_check") == "ok"
        if not db.table_exists("documents"):
            return 0, set(), 0, []
        docs = set(db.fetchall("SELECT uuid, raw_sha256 FROM documents"))
        orphans = db.scalar("SELECT count(*) FROM findings f LEFT JOIN documents d ON d.uuid = f.uuid WHERE d.uuid IS NULL")
        statuses = [s for (s,) in db.fetchall("SELECT status FROM runs ORDER BY id")]
        return len(docs), docs, orphans, statuses
    finally:
        db.close()


def test_an_ingest_killed_at_random_moments_leaves_all_or_nothing_and_the_rerun_completes(ledger_target, pki, sealed_invoice, tmp_path):
    paths = _corpus(tmp_path / "docs", sealed_invoice, 200)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()  # how long a whole run takes here, into a scratch ledger
    subprocess.run(_ingest_cmd(str(tmp_path / "scratch.db"), pki, tmp_path / "docs"), check=True, capture_output=True, env=env)
    whole = time.perf_counter() - started
    rng = random.Random(20261123)
    kills = 0
    for _ in range(12):
        proc = subprocess.Popen(_ingest_cmd(ledger_target, pki, tmp_path / "docs"), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(0.1, 0.75) * whole)  # start-up, validation, or the write transaction
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        count, _, orphans, statuses = _state(ledger_target)
        assert count in (0, len(paths)), f"a killed run left {count} of {len(paths)} documents"
        assert orphans == 0 and "failed" not in statuses
        if count:
            break
    assert kills >= 1, "no run was killed: the timing is off"
    done = subprocess.run(_ingest_cmd(ledger_target, pki, tmp_path / "docs"), capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    count, docs, orphans, _ = _state(ledger_target)
    assert count == len(paths) and orphans == 0
    assert {raw for _, raw in docs} == {hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.mark.parametrize("writers", [2, 4])
def test_ingests_started_at_once_on_overlapping_inputs_lose_and_duplicate_nothing(ledger_target, pki, sealed_invoice, tmp_path, writers):
    paths = _corpus(tmp_path / "docs", sealed_invoice, 40)
    open_database(ledger_target).close()
    slices = [paths[i * 8: i * 8 + 24] for i in range(writers)]  # each overlaps the next by two thirds
    procs = [subprocess.Popen(_ingest_cmd(ledger_target, pki, *s), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for s in slices]
    results = [p.communicate(timeout=180) + (p.returncode,) for p in procs]
    for out, err, code in results:
        assert code == 0, err
        assert "Traceback" not in err
    expected = {p for s in slices for p in s}
    count, _, orphans, statuses = _state(ledger_target)
    assert count == len(expected) and orphans == 0 and statuses == ["committed"] * writers
    new = sum(out.count("\nnew,") for out, _, _ in results)  # text mode: CRLF read as LF
    assert new == len(expected)  # each document stored by exactly one run; the others saw it already present

"""Faults and load on both engines: a killed ingest, ingests racing on overlapping inputs."""

from __future__ import annotations

import hashlib
import json
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
from cfdi_ar.ledger.schema import migrate

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



# --------------------------------------------------------------------------- kill -9 inside the write transaction

# The real CLI, with markers on stderr: WRITE once the run's write transaction holds the ledger's lock,
# STEP n before each statement of it and before its COMMIT, COMMIT and COMMITTED around the commit.
# With CFDI_AR_TEST_STOP_AT=n the process stops at step n until it is killed: a kill at an exact point.
_MARKED_CLI = """
import os, sys, time
from cfdi_ar.ledger import db, ingest
STOP = int(os.environ.get("CFDI_AR_TEST_STOP_AT", "0"))
state = {"in_run": False, "n": 0}
def mark(label):
    os.write(2, ("\\n" + label + "\\n").encode())
def step():
    if state["in_run"]:
        state["n"] += 1
        mark("STEP %d" % state["n"])
        if state["n"] == STOP:
            time.sleep(300)
def wrap_statement(original):
    def statement(self, *args, **kwargs):
        step()
        return original(self, *args, **kwargs)
    return statement
def wrap_commit(original):
    def commit(self):
        step()
        mark("COMMIT")
        original(self)
        mark("COMMITTED")
    return commit
_write_run = ingest._write_run
def write_run(*args, **kwargs):
    state["in_run"] = True
    mark("WRITE")
    return _write_run(*args, **kwargs)
ingest._write_run = write_run
db.Database.execute = wrap_statement(db.Database.execute)
db.Database.executemany = wrap_statement(db.Database.executemany)
for cls in (db._Sqlite, db._Postgres):
    cls._commit = wrap_commit(cls._commit)
from cfdi_ar.cli import main
main(sys.argv[1:])
"""


def _marked(argv: list[str], stop_at: int = 0) -> subprocess.Popen:  # type: ignore[type-arg]
    assert argv[1:3] == ["-m", "cfdi_ar"]
    env = {**os.environ, "CFDI_AR_TEST_STOP_AT": str(stop_at)}
    return subprocess.Popen([argv[0], "-c", _MARKED_CLI, *argv[3:]], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def _wait_for(proc: subprocess.Popen, marker: bytes) -> tuple[float, list[bytes]]:  # type: ignore[type-arg]
    """When ``marker`` came (perf_counter), and every marker seen until then."""
    assert proc.stderr is not None
    seen = []
    for line in iter(proc.stderr.readline, b""):
        seen.append(line.strip())
        if line.strip() == marker:
            return time.perf_counter(), seen
    raise AssertionError(f"the run ended before {marker!r}; markers: {seen[-5:]}")


def test_an_ingest_killed_inside_its_write_transaction_many_times_leaves_all_or_nothing(ledger_target, pki, sealed_invoice, tmp_path):
    rounds, per_batch = 13, 20  # twelve killed runs per engine
    batches = []
    for r in range(rounds):
        folder = tmp_path / f"batch-{r:02d}"
        folder.mkdir()
        for i in range(per_batch):
            (folder / f"F-{i:03d}.xml").write_bytes(to_bytes(sealed_invoice(folio=str(100_000 + r * per_batch + i))))
        batches.append(folder)
    with open_database(ledger_target) as db:
        migrate(db)  # the only write transaction left is the run's own
    # A first run, not killed: how many steps a write transaction has, and how long its COMMIT takes.
    probe = _marked(_ingest_cmd(ledger_target, pki, batches[0]))
    _wait_for(probe, b"WRITE")
    _, seen = _wait_for(probe, b"COMMIT")
    steps = sum(1 for m in seen if m.startswith(b"STEP "))
    commit_started = time.perf_counter()
    commit_seconds = _wait_for(probe, b"COMMITTED")[0] - commit_started
    assert probe.wait(60) == 0 and steps >= 5, seen
    rng = random.Random(20261124)
    outcomes = []
    for r, batch in enumerate(batches[1:], start=1):
        before, _, _, _ = _state(ledger_target)
        if r % 4:  # three rounds in four: stopped at an exact statement of the transaction, then killed
            point = rng.randint(1, steps)
            proc = _marked(_ingest_cmd(ledger_target, pki, batch), stop_at=point)
            _wait_for(proc, b"STEP %d" % point)
        else:  # every fourth: killed at a random moment of the COMMIT itself (it may or may not land)
            point = 0
            proc = _marked(_ingest_cmd(ledger_target, pki, batch))
            _wait_for(proc, b"WRITE")
            _wait_for(proc, b"COMMIT")
            time.sleep(rng.uniform(0, 1.5 * commit_seconds))
        proc.send_signal(signal.SIGKILL)
        proc.wait(60)
        count, _, orphans, statuses = _state(ledger_target)  # SQLite: integrity_check is asserted inside
        assert count in (before, before + per_batch), (r, point, count, before)
        assert orphans == 0 and "failed" not in statuses
        if point:
            assert count == before, f"killed at statement {point} of {steps}, yet {count - before} documents landed"
        outcomes.append((point, count == before + per_batch))
    # One run over every batch completes what the killed runs left undone, and stores nothing twice.
    rerun = subprocess.run(_ingest_cmd(ledger_target, pki, *batches), capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stderr
    count, docs, orphans, statuses = _state(ledger_target)
    assert count == rounds * per_batch and orphans == 0 and statuses[-1] == "committed"
    assert {raw for _, raw in docs} == {hashlib.sha256(p.read_bytes()).hexdigest() for b in batches for p in b.iterdir()}
    print(f"{steps} steps; kill points and whether the run had landed: {outcomes}")
    assert len({p for p, _ in outcomes if p}) >= 4, outcomes  # many different statements were the kill point


# --------------------------------------------------------------------------- the loser of a race

_SHORT_LOCK_WAIT_CLI = """
import sys
from cfdi_ar.ledger import db
db.open_database.__kwdefaults__["timeout"] = 1.0  # wait 1 s for the ledger's lock instead of 60
from cfdi_ar.cli import main
main(sys.argv[1:])
"""


def test_an_ingest_that_cannot_get_the_lock_in_time_says_so_and_changes_nothing(ledger_target, pki, sealed_invoice, tmp_path):
    paths = _corpus(tmp_path / "docs", sealed_invoice, 3)
    with open_database(ledger_target) as holder:
        migrate(holder)
        before = _state(ledger_target)
        with holder.write():  # another run is writing: it holds the lock for longer than the loser waits
            argv = _ingest_cmd(ledger_target, pki, *paths)
            started = time.monotonic()
            proc = subprocess.run([argv[0], "-c", _SHORT_LOCK_WAIT_CLI, *argv[3:]], capture_output=True, text=True, timeout=60)
            waited = time.monotonic() - started
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "is being written by another cfdi-ar run; nothing was changed. Run the command again when it has finished." in proc.stderr
    assert waited < 15
    assert _state(ledger_target) == before


# --------------------------------------------------------------------------- a full disk mid-ingest

def _tables(target: str) -> dict[str, object]:
    """Everything a run stores, and the run log apart (a failed run is logged when there is room)."""
    with open_database(target) as db:
        stored = {t: sorted(map(repr, db.fetchall(f"SELECT * FROM {t}"))) for t in
                  ("documents", "blobs", "findings", "payments", "relations", "alternates", "conflicts", "run_inputs")}
        stored["runs"] = [tuple(r) for r in db.fetchall("SELECT id, status FROM runs ORDER BY id")]
        if db.dialect == "sqlite":
            assert db.scalar("PRAGMA integrity_check") == "ok"
    return stored


def _as_it_was(before: dict[str, object], after: dict[str, object]) -> None:
    runs_before, runs_after = before.pop("runs"), after.pop("runs")
    assert after == before
    assert runs_after[: len(runs_before)] == runs_before  # type: ignore[index]
    assert [status for _, status in runs_after[len(runs_before):]] in ([], ["failed"])  # type: ignore[index]


_PAGE_CAPPED_CLI = """
import sqlite3, sys
_connect = sqlite3.connect
def connect(*args, **kwargs):
    conn = _connect(*args, **kwargs)
    conn.execute("PRAGMA max_page_count = %d" % int(sys.argv[1]))
    return conn
sqlite3.connect = connect
from cfdi_ar.cli import main
main(sys.argv[2:])
"""


def test_sqlite_ledger_that_reaches_its_size_limit_mid_ingest_is_left_as_it_was(pki, sealed_invoice, tmp_path):
    target = str(tmp_path / "ledger.db")
    first = _corpus(tmp_path / "first", sealed_invoice, 10)
    second = _corpus(tmp_path / "second", sealed_invoice, 60)
    for i, path in enumerate(second):
        path.write_bytes(to_bytes(sealed_invoice(folio=str(200_000 + i))))
    assert subprocess.run(_ingest_cmd(target, pki, *first), capture_output=True, timeout=120).returncode == 0
    with open_database(target) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = db.scalar("PRAGMA page_count")
    before = _tables(target)
    argv = _ingest_cmd(target, pki, *second)
    full = subprocess.run([argv[0], "-c", _PAGE_CAPPED_CLI, str(pages + 4), *argv[3:]], capture_output=True, text=True, timeout=120)
    assert full.returncode == 2, full.stderr
    assert "Traceback" not in full.stderr
    assert "the ingest failed and nothing was stored" in full.stderr and "database or disk is full" in full.stderr
    _as_it_was(before, _tables(target))
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)  # room again: the same run completes
    assert done.returncode == 0, done.stderr
    assert _state(target)[0] == 70


_ON_A_SMALL_TMPFS = """
set -e
mount -t tmpfs -o size=3m tmpfs "$1"
shift
exec "$@"
"""

_FILL_AND_INGEST = """
import json, os, subprocess, sys
folder, first, second, rest = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
target = os.path.join(folder, "ledger.db")
def ingest(path):
    return subprocess.run([sys.executable, "-m", "cfdi_ar", "ingest", "--db", target, *rest, path], capture_output=True, text=True)
out = {"first": ingest(first).returncode}
filler = os.path.join(folder, "filler")
with open(filler, "wb") as fh:  # fill the file system, leaving 64 KiB
    try:
        while True:
            fh.write(b"\\0" * 65536)
            fh.flush()
    except OSError:
        pass
os.truncate(filler, os.path.getsize(filler) - 65536)
from cfdi_ar.ledger import open_database
def state():
    with open_database(target) as db:
        return {"integrity": db.scalar("PRAGMA integrity_check"), "documents": db.scalar("SELECT count(*) FROM documents"),
                "blobs": db.scalar("SELECT count(*) FROM blobs"), "runs": db.fetchall("SELECT status FROM runs ORDER BY id")}
out["before"] = state()
full = ingest(second)
out["full"] = {"code": full.returncode, "stderr": full.stderr}
out["after"] = state()
os.remove(filler)
out["rerun"] = ingest(second).returncode
out["final"] = state()
print(json.dumps(out))
"""


def test_sqlite_ledger_on_a_file_system_that_fills_mid_ingest_is_left_as_it_was(pki, sealed_invoice, tmp_path):
    """A real full disk: a 3 MB tmpfs, mounted in a user and mount namespace of our own (no root needed
    where the kernel allows unprivileged user namespaces; skipped where it does not)."""
    import shutil

    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare, "--user", "--map-root-user", "--mount", "sh", "-c", _ON_A_SMALL_TMPFS, "sh",
                            str(tmp_path), "true"], capture_output=True, text=True) if unshare else None
    if probe is None or probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs in a user namespace here: {probe.stderr.strip() if probe else 'no unshare'}")
    mount = tmp_path / "small"
    mount.mkdir()
    first, second = tmp_path / "first", tmp_path / "second"
    _corpus(first, sealed_invoice, 5)
    second.mkdir()
    for i in range(60):
        (second / f"G-{i:03d}.xml").write_bytes(to_bytes(sealed_invoice(folio=str(300_000 + i))))
    rest = ["--rfc", OUR_RFC, "--trust-ca", str(pki.ca_path), "--sat-certs", str(pki.sat_certs), "-q", "-f", "csv"]
    proc = subprocess.run([unshare, "--user", "--map-root-user", "--mount", "sh", "-c", _ON_A_SMALL_TMPFS, "sh", str(mount),
                           sys.executable, "-c", _FILL_AND_INGEST, str(mount), str(first), str(second), *rest],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "CFDI_AR_CACHE_DIR": str(tmp_path / "cache")})
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["first"] == 0 and out["before"]["documents"] == 5
    assert out["full"]["code"] == 2 and "Traceback" not in out["full"]["stderr"], out["full"]
    assert "nothing was stored" in out["full"]["stderr"] and "full" in out["full"]["stderr"], out["full"]
    after, before = out["after"], out["before"]
    assert after["integrity"] == "ok" and (after["documents"], after["blobs"]) == (before["documents"], before["blobs"])
    assert after["runs"][: len(before["runs"])] == before["runs"] and len(after["runs"]) - len(before["runs"]) in (0, 1)
    assert out["rerun"] == 0 and out["final"]["documents"] == 65 and out["final"]["integrity"] == "ok"


def test_postgresql_ledger_whose_disk_fills_mid_ingest_is_left_as_it_was(pki, sealed_invoice, tmp_path):
    """PostgreSQL's own answer to a full disk is SQLSTATE 53100 (disk_full) from the statement that needed
    room; a trigger raises exactly that from the middle of the run (no tablespace or small disk needed)."""
    from ..pg_server import drop_database, fresh_database, require_pg

    target = fresh_database(require_pg())
    try:
        first = _corpus(tmp_path / "first", sealed_invoice, 5)
        second = tmp_path / "second"
        second.mkdir()
        for i in range(20):
            (second / f"G-{i:03d}.xml").write_bytes(to_bytes(sealed_invoice(folio=str(400_000 + i))))
        assert subprocess.run(_ingest_cmd(target, pki, *first), capture_output=True, timeout=120).returncode == 0
        with open_database(target) as db:
            db.execute("CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
                       "'could not extend file \"base/16384/16999\": No space left on device' USING ERRCODE = 'disk_full'; END $$")
            db.execute("CREATE TRIGGER test_disk_full BEFORE INSERT ON payments FOR EACH STATEMENT EXECUTE FUNCTION test_disk_full()")
            db.execute("CREATE TRIGGER test_disk_full BEFORE INSERT ON findings FOR EACH STATEMENT EXECUTE FUNCTION test_disk_full()")
        before = _tables(target)
        full = subprocess.run(_ingest_cmd(target, pki, second), capture_output=True, text=True, timeout=120)
        assert full.returncode == 2, full.stderr
        assert "Traceback" not in full.stderr
        assert "the ingest failed and nothing was stored" in full.stderr and "No space left on device" in full.stderr
        _as_it_was(before, _tables(target))
        with open_database(target) as db:
            db.execute("DROP TRIGGER test_disk_full ON findings")
            db.execute("DROP TRIGGER test_disk_full ON payments")
        done = subprocess.run(_ingest_cmd(target, pki, second), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert _state(target)[0] == 25
    finally:
        drop_database(target)

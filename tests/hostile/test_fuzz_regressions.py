"""Every crash the fuzzers found (fuzz/README.md), kept as a named case on its saved input.

Each input is in tests/hostile/crashes/, named after what it broke; each test runs
the real CLI on it and asserts the finding and exit code it gets now, with no traceback.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ._hostile import assert_clean, cli, cli_subprocess, problems

CRASHES = Path(__file__).parent / "crashes"


def _copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copy(CRASHES / name, tmp_path / name))


def test_zip_claiming_version_23_1_is_unreadable_not_a_traceback(tmp_path):
    # fuzz_reader: zipfile.ZipFile() raised NotImplementedError("zip file version 23.1"), which escaped
    # plan() and ended validate and ingest with a traceback.
    archive = _copy(tmp_path, "reader-zip-version-23.1.zip")
    for run in (cli(archive), cli_subprocess(archive)):
        assert_clean(run)
        assert run.exit_code == 2
        [result] = run.results
        assert problems(result) == ["CFDIAR-ZIP-001"]
        assert "zip file version 23.1" in result["findings"][0]["message"]


def test_zip_claiming_version_23_1_is_rejected_by_ingest_and_nothing_is_stored(tmp_path):
    import subprocess
    import sys

    from cfdi_ar.ledger import open_database

    archive = _copy(tmp_path, "reader-zip-version-23.1.zip")
    db = tmp_path / "ledger.db"
    proc = subprocess.run([sys.executable, "-m", "cfdi_ar", "ingest", "--db", str(db), "--rfc", "CDB200115AB7", "-f", "csv",
                           str(archive)], capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout.splitlines()[1].startswith("rejected,"), proc.stdout
    assert "zip file version 23.1" in proc.stdout
    with open_database(db) as ledger:
        assert ledger.scalar("SELECT count(*) FROM documents") == 0


def test_zip_member_with_an_empty_name_is_refused_and_the_others_judged(tmp_path):
    # fuzz_reader: ZipInfo.is_dir() indexes filename[-1], an IndexError on a member named "", which
    # escaped plan(). The other members (encrypted, corrupt, oversized) each keep their own finding.
    archive = _copy(tmp_path, "reader-zip-empty-member-name.zip")
    run = cli(archive)
    assert_clean(run)
    assert run.exit_code == 1
    by_member = {r["file"].split("!", 1)[1]: problems(r) for r in run.results}
    assert by_member[""] == ["CFDIAR-ZIP-002"]
    assert sorted(map(tuple, by_member.values())) == [("CFDIAR-IO-002",), ("CFDIAR-ZIP-001",), ("CFDIAR-ZIP-002",), ("CFDIAR-ZIP-005",)]
    assert run.result("empty-member-name.zip!")["findings"][0]["message"] == "unsafe member name: it is empty; not read"

"""The atheris fuzzers (fuzz/) run clean for a bounded time: ~60 s of fuzzing in all, every CI run.

Each fuzzer starts from samples/ (copied into a scratch corpus), under libFuzzer's own
guards: an input that takes over 10 s is a hang, a process over 2 GB RSS is a memory
blow-up; either, or any exception, leaves a crash-/timeout-/oom- file and a non-zero
exit. Longer runs by hand: fuzz/README.md.

atheris ships wheels for Linux x86_64 only (CPython 3.11-3.13 at the time of writing), so
the test extra installs it there; elsewhere these tests skip. Where the wheel exists a
missing atheris is a failure, never a skip.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FUZZ = ROOT / "fuzz"
SAMPLES = ROOT / "samples"

pytestmark = pytest.mark.fuzz

WHEEL_PLATFORM = sys.platform == "linux" and platform.machine() == "x86_64" and sys.version_info < (3, 14)


def _require_atheris() -> None:
    if importlib.util.find_spec("atheris") is None:
        if WHEEL_PLATFORM:
            pytest.fail("atheris is missing: pip install -e '.[test]' installs it on Linux x86_64")
        pytest.skip("atheris has no wheel for this platform")


def _seeds(corpus: Path, suffixes: tuple[str, ...]) -> int:
    corpus.mkdir()
    n = 0
    for path in sorted(SAMPLES.rglob("*")):
        if path.is_file() and path.suffix.lower() in suffixes:
            shutil.copy(path, corpus / f"{n:03d}-{path.name}")
            n += 1
    return n


@pytest.mark.parametrize(("fuzzer", "seconds", "suffixes", "extra"), [
    ("fuzz_reader.py", 15, (".xml", ".zip"), []),
    ("fuzz_validate.py", 20, (".xml",), []),
    ("fuzz_model.py", 25, (), ["-max_len=256"]),  # its input is a list of decisions, not a document
])
def test_fuzzer_runs_clean_for_its_ci_budget(tmp_path, fuzzer, seconds, suffixes, extra):
    _require_atheris()
    corpus = tmp_path / "corpus"
    seeded = _seeds(corpus, suffixes) if suffixes else (corpus.mkdir() or 0)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    argv = [sys.executable, str(FUZZ / fuzzer), f"-max_total_time={seconds}", "-timeout=10", "-rss_limit_mb=2048",
            f"-artifact_prefix={artifacts}/", "-print_final_stats=1", *extra, str(corpus)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120, cwd=tmp_path, env=env)
    crashes = sorted(p.name for p in artifacts.iterdir())
    assert proc.returncode == 0 and crashes == [], f"{fuzzer} found {crashes}:\n{proc.stderr[-6000:]}"
    done = re.search(r"Done (\d+) runs in (\d+) second", proc.stderr)
    assert done, proc.stderr[-3000:]
    cov = re.findall(r"cov: (\d+)", proc.stderr)
    print(f"{fuzzer}: {done.group(1)} runs in {done.group(2)} s, cov {cov[-1] if cov else '?'}, {seeded} seeds")
    assert int(done.group(1)) > 1000  # it really fuzzed, not just loaded the seeds

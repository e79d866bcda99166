"""What the fuzzers share: the seed corpus (samples/) and the settings that trust the demo PKI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"

if str(ROOT) not in sys.path:  # run as `python fuzz/fuzz_x.py` from a checkout
    sys.path.insert(0, str(ROOT))


def seed_files(*suffixes: str) -> list[Path]:
    """The samples/ files with these suffixes (valid documents, broken ones, the bulk ZIP)."""
    return sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)


def sample_settings():  # type: ignore[no-untyped-def]
    """The settings of samples/cfdi-ar.toml: the demo CA and stamp certificate trusted."""
    from cfdi_ar import Settings

    return Settings(trust_roots=(str(SAMPLES / "certs" / "demo-ca.cer"),), sat_certs=str(SAMPLES / "sat-certs"))


def scratch_dir() -> Path:
    """A private folder for the files the reader fuzzer writes (in memory where the system has /dev/shm)."""
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK) else None
    import tempfile

    return Path(tempfile.mkdtemp(prefix="cfdi-ar-fuzz-", dir=base))

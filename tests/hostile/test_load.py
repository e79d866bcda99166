"""Load: 100,000 documents in one validate run, a 1 GiB ZIP, and what ingest keeps per document.

The documents are read a batch at a time (at most 64 documents or 16 MB ahead) and dropped once
checked; what a run keeps is each document's result, for the report written at the end (~1.2 KiB
a document). Numbers measured on the shared 2-vCPU development VM are in docs/safety.md.
"""

from __future__ import annotations

import json
import os
import re
import struct
import zlib
from pathlib import Path

import pytest

from cfdi_ar.demo.seal import to_bytes

from ._hostile import MIB, PEAK_RSS_KIB, assert_clean, cli_memory

pytestmark = pytest.mark.slow

LOAD_TIMEOUT = 600.0


def _hard_linked(folder: Path, sources: list[bytes], count: int) -> Path:
    """``count`` documents under ``folder`` (1,000 a subfolder), hard links to ``sources``: made in seconds."""
    folder.mkdir()
    originals = []
    for i, data in enumerate(sources):
        path = folder / f"source-{i}.xml"
        path.write_bytes(data)
        originals.append(path)
    for i in range(count - len(sources)):
        sub = folder / f"{i // 1000:03d}"
        if i % 1000 == 0:
            sub.mkdir()
        os.link(originals[i % len(originals)], sub / f"{i:06d}.xml")
    return folder


def _validate_to_file(tmp_path: Path, name: str, trust: list[str], folder: Path):  # type: ignore[no-untyped-def]
    import tests.hostile._hostile as harness

    report = tmp_path / f"{name}.json"
    saved, harness.SUBPROCESS_TIMEOUT = harness.SUBPROCESS_TIMEOUT, LOAD_TIMEOUT
    try:
        run = cli_memory(*trust, "-q", "-o", report, folder)
    finally:
        harness.SUBPROCESS_TIMEOUT = saved
    assert "Traceback" not in run.stderr, run.stderr
    return run, json.loads(report.read_text(encoding="utf-8"))


def test_100000_documents_in_one_validate_run_with_memory_bounded(tmp_path, sealed_invoice, trust):
    sources = [to_bytes(sealed_invoice(folio=str(7000 + i))) for i in range(10)]
    small_run, small = _validate_to_file(tmp_path, "small", trust, _hard_linked(tmp_path / "small", sources, 2_000))
    big_run, big = _validate_to_file(tmp_path, "big", trust, _hard_linked(tmp_path / "big", sources, 100_000))
    assert (small_run.exit_code, big_run.exit_code) == (0, 0)
    assert len(small) == 2_000 and len(big) == 100_000 and all(r["valid"] for r in big)
    per_document_kib = (big_run.extra["rss_mib"] - small_run.extra["rss_mib"]) * 1024 / 98_000
    print(f"2,000: {small_run.seconds:.1f} s, +{small_run.extra['rss_mib']:.0f} MiB; "
          f"100,000: {big_run.seconds:.1f} s, +{big_run.extra['rss_mib']:.0f} MiB ({per_document_kib:.2f} KiB a document)")
    assert big_run.extra["rss_mib"] < 400, big_run.extra  # observed +130 MiB
    assert per_document_kib < 3, per_document_kib  # the result kept for the report, nothing of the document
    assert big_run.seconds < LOAD_TIMEOUT


# --------------------------------------------------------------------------- a 1 GiB ZIP, on a sparse file


def _sparse_zip(path: Path, members: list[tuple[str, bytes | int]]) -> Path:
    """A ZIP of stored members, written by hand: ``bytes`` as given, an ``int`` as that many zero
    bytes left as a hole in the file (a 1 GiB archive costs a few KiB of disk and no time)."""
    crc_of_zeros: dict[int, int] = {}
    central = []
    with open(path, "wb") as fh:
        for name, data in members:
            size = data if isinstance(data, int) else len(data)
            if isinstance(data, int):
                if size not in crc_of_zeros:
                    crc, chunk, left = 0, b"\0" * MIB, size
                    while left:
                        crc = zlib.crc32(chunk[: min(left, MIB)], crc)
                        left -= min(left, MIB)
                    crc_of_zeros[size] = crc
                crc = crc_of_zeros[size]
            else:
                crc = zlib.crc32(data)
            offset = fh.tell()
            raw = name.encode()
            fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, crc, size, size, len(raw), 0) + raw)
            if isinstance(data, int):
                fh.seek(size, os.SEEK_CUR)
            else:
                fh.write(data)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0314, 20, 0, 0, 0, 0x21, crc, size, size,
                                       len(raw), 0, 0, 0, 0, 0o100644 << 16, offset) + raw)
        start = fh.tell()
        for entry in central:
            fh.write(entry)
        fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), fh.tell() - start, start, 0))
    return path


def test_a_1gib_zip_is_read_member_by_member_with_memory_bounded(tmp_path, sealed_invoice, trust):
    total_mib = int(os.environ.get("CFDI_AR_BIG_ZIP_MIB", "1024"))  # by hand: CFDI_AR_BIG_ZIP_MIB=4000 (past the 2 GiB cap)
    filler = 20 * MIB - 4096  # just under the 20 MB document cap: every one is read, CRC-checked, parsed
    count = -(-total_mib * MIB // filler)  # rounded up: at least total_mib of zeros
    good = to_bytes(sealed_invoice())
    members: list[tuple[str, bytes | int]] = [("a-first.xml", good)]
    members += [(f"zeros-{i:03d}.xml", filler) for i in range(count)]
    members += [("z-last.xml", good)]
    archive = _sparse_zip(tmp_path / "big.zip", members)
    assert archive.stat().st_size >= total_mib * MIB
    run = cli_memory(*trust, archive)
    assert_clean(run, bound=120)
    assert run.exit_code == 1
    results = {r["file"].split("!", 1)[1]: r for r in run.results}
    assert results["a-first.xml"]["valid"] and results["z-last.xml"]["valid"]
    zeros = [r for name, r in results.items() if name.startswith("zeros-")]
    if total_mib * MIB <= 2 * 1024**3:
        assert len(zeros) == count
        assert {f["code"] for r in zeros for f in r["findings"]} == {"CFDIAR-XML-001"}
    print(f"{archive.stat().st_size / MIB:,.0f} MiB archive, {count} members of 20 MB: "
          f"{run.seconds:.1f} s, +{run.extra['rss_mib']:.0f} MiB")
    assert run.extra["rss_mib"] < 250, run.extra  # observed ~+60 MiB: one member (and its copies) at a time


# --------------------------------------------------------------------------- ingest


def _distinct_stamps(folder: Path, source: bytes, count: int) -> Path:
    """``count`` copies of ``source`` under ``folder``, each under its own stamp UUID (so ingest stores
    every one: blob, fields, findings; the stamp's seal no longer verifies, which adds a finding)."""
    uuid = re.search(rb'UUID="([0-9A-F-]{36})"', source).group(1)  # type: ignore[union-attr]
    folder.mkdir()
    for i in range(count):
        sub = folder / f"{i // 1000:03d}"
        if i % 1000 == 0:
            sub.mkdir()
        (sub / f"{i:06d}.xml").write_bytes(source.replace(uuid, f"{i:08X}-0000-4000-8000-{i:012X}".encode()))
    return folder


def test_an_ingest_keeps_little_per_document_so_100000_fit_in_bounded_memory(tmp_path, sealed_invoice):
    """Ingest checks every document before its one write transaction; between the two it keeps them in
    an anonymous temporary file past the first 1,024 (cfdi_ar/ledger/spool.py), and writes their
    rows a few hundred at a time. What stays per document is its outcome for the report, as validate."""
    import csv
    import subprocess
    import sys

    from ..conftest import EMISOR

    probe = PEAK_RSS_KIB + """
import sys
from cfdi_ar.cli import main
before = peak_rss_kib()
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    sys.stderr.write("\\nMEMORY-PROBE %d\\n" % (peak_rss_kib() - before))
"""
    source = to_bytes(sealed_invoice(folio="8000"))

    def ingest(name: str, count: int) -> float:
        folder = _distinct_stamps(tmp_path / name, source, count)
        out = tmp_path / f"{name}.csv"
        proc = subprocess.run([sys.executable, "-c", probe, "ingest", "--db", str(tmp_path / f"{name}.db"), "--rfc", EMISOR.rfc,
                               "-q", "-f", "csv", "-o", str(out), str(folder)],
                              capture_output=True, text=True, timeout=LOAD_TIMEOUT)
        assert "Traceback" not in proc.stderr, proc.stderr
        with out.open(encoding="utf-8", newline="") as fh:
            assert [row["outcome"] for row in csv.DictReader(fh)] == ["new"] * count  # every one stored
        return int(proc.stderr.rsplit("MEMORY-PROBE ", 1)[1].split()[0]) / 1024

    ingest("warm-up", 10)  # the first run in a fresh cache folder builds the lean catalogs (~+45 MiB): not per document
    big, small = ingest("big", 8_000), ingest("small", 1_000)
    per_document_kib = (big - small) * 1024 / 7_000
    print(f"ingest: 1,000 documents +{small:.0f} MiB, 8,000 +{big:.0f} MiB ({per_document_kib:.1f} KiB a document)")
    assert per_document_kib < 3, f"{per_document_kib:.1f} KiB a document"  # as validate: ~1.2 KiB

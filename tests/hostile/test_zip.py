"""ZIP archives: read in memory, never extracted; every refusal is a finding on that member only."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from ._hostile import (
    MIB,
    assert_clean,
    assert_valid,
    cli,
    cli_memory,
    member,
    member_data_offset,
    problems,
    snapshot,
    write_zip,
)

NOT_A_CFDI = b"<?xml version='1.0'?><evil>second copy</evil>"


def _only(run, name: str, code: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    result = run.result(name)
    assert result["valid"] is (code == "CFDIAR-ZIP-008"), result
    assert problems(result) == [code], result
    return result


@pytest.mark.parametrize(
    "name", ["../../evil.xml", "/etc/evil.xml", "C:\\evil.xml", "a\\..\\..\\evil.xml"],
    ids=["dot-dot", "absolute", "drive-letter", "backslash-dot-dot"],
)
def test_zip_slip_member_is_refused_and_nothing_is_written(tmp_path, monkeypatch, good_xml, trust, name):
    work = tmp_path / "x" / "y" / "in"
    work.mkdir(parents=True)
    archive = write_zip(work / "slip.zip", [("good.xml", good_xml), (member(name), good_xml)])
    monkeypatch.chdir(work)  # a relative "../../evil.xml" would land inside tmp_path, where we look
    watched = [tmp_path.parent, tmp_path.parent.parent, Path("/"), Path("/etc"), Path("/tmp"), Path.home()]
    before = snapshot(watched, tmp_path)
    run = cli(*trust, archive)
    after = snapshot(watched, tmp_path)
    assert_clean(run)
    assert run.exit_code == 1
    assert_valid(run, "slip.zip!good.xml")
    assert _only(run, f"slip.zip!{name}", "CFDIAR-ZIP-002")
    new = after - before
    # Inside tmp_path nothing at all may appear; the shared directories above it also see other
    # test sessions come and go, so there only the payload's name counts.
    assert [p for p in new if p.startswith(str(tmp_path))] == []
    assert [p for p in new if "evil" in os.path.basename(p)] == []
    assert not Path("/etc/evil.xml").exists()


def test_symlink_member_is_refused(tmp_path, good_xml, trust):
    link = member("link.xml", external_attr=(stat.S_IFLNK | 0o777) << 16)
    archive = write_zip(tmp_path / "symlink.zip", [("good.xml", good_xml), (link, b"/etc/passwd")])
    run = cli(*trust, archive)
    assert_clean(run)
    assert run.exit_code == 1
    assert_valid(run, "symlink.zip!good.xml")
    _only(run, "symlink.zip!link.xml", "CFDIAR-ZIP-007")
    assert "root:" not in run.text()


def _zeros_member(path: Path, name: str, size: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open(name, "w", force_zip64=True) as fh:
            chunk = b"\0" * MIB
            for _ in range(size // MIB):
                fh.write(chunk)
    return path


def test_zip_bomb_under_the_size_cap_is_refused_by_ratio(tmp_path):
    archive = _zeros_member(tmp_path / "bomb.zip", "bomb.xml", 15 * MIB)  # 15 MB < the 20 MB cap; ~1000:1
    run = cli(archive)
    assert_clean(run, bound=2)
    assert run.exit_code == 1
    result = _only(run, "bomb.zip!bomb.xml", "CFDIAR-ZIP-004")
    assert "possible ZIP bomb" in result["findings"][0]["message"]


@pytest.mark.parametrize(
    ("max_size", "code"),
    [(None, "CFDIAR-IO-002"), ("300", "CFDIAR-ZIP-004")],
    ids=["default-cap-size-check-first", "raised-cap-ratio-check"],
)
def test_200mb_zip_bomb_is_refused_fast_with_bounded_memory(tmp_path, max_size, code):
    archive = _zeros_member(tmp_path / "bomb200.zip", "bomb.xml", 200 * MIB)  # ~200 KB on disk
    run = cli_memory(*(["--max-size", max_size] if max_size else []), archive)
    assert_clean(run)
    assert run.exit_code == 1
    _only(run, "bomb200.zip!bomb.xml", code)
    assert run.extra["rss_mib"] < 200, run.extra  # observed ~1 MiB: nothing is inflated


def _understated(tmp_path: Path, good_xml: bytes) -> Path:
    """A member of 30 MB whose central directory claims 1,000 bytes (ratio and size checks pass)."""
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("good.xml", good_xml)
        zf.writestr("liar.xml", b"<r>" + b"a" * (30 * MIB) + b"</r>")
        zf.getinfo("liar.xml").file_size = 1_000  # written into the central directory on close
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("liar.xml").file_size == 1_000
    return path


def test_member_understating_its_size_is_stopped_and_the_batch_goes_on(tmp_path, good_xml, trust):
    run = cli(*trust, _understated(tmp_path, good_xml))
    assert_clean(run)
    assert run.exit_code == 1
    assert_valid(run, "liar.zip!good.xml")
    liar = run.result("liar.zip!liar.xml")
    assert liar["valid"] is False
    assert problems(liar)[0] in ("CFDIAR-ZIP-001", "CFDIAR-ZIP-003")  # never parsed as XML


def test_member_understating_its_size_is_reported_as_zip003(tmp_path, good_xml, trust):
    run = cli(*trust, _understated(tmp_path, good_xml))
    _only(run, "liar.zip!liar.xml", "CFDIAR-ZIP-003")


def test_nested_zip_is_a_warning_and_the_rest_is_read(tmp_path, good_xml, trust):
    inner = write_zip(tmp_path / "inner.zip", [("inner.xml", good_xml)])
    archive = write_zip(tmp_path / "outer.zip", [("good.xml", good_xml), ("inner.zip", inner.read_bytes())])
    run = cli(*trust, archive)
    assert_clean(run)
    assert run.exit_code == 0  # a warning only
    assert_valid(run, "outer.zip!good.xml")
    result = _only(run, "outer.zip!inner.zip", "CFDIAR-ZIP-008")
    assert result["findings"][0]["severity"] == "warning"
    assert not any("inner.xml" in r["file"] for r in run.results)


def test_100k_tiny_members_are_refused_by_the_member_limit_in_time(tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for i in range(100_000):
            zf.writestr(f"d/{i:06d}.xml", b"<r/>")
    run = cli(path)
    assert_clean(run)
    assert run.exit_code == 1
    assert len(run.results) == 1
    result = _only(run, "many.zip", "CFDIAR-ZIP-009")
    assert "100,000 members" in result["findings"][0]["message"]


def test_truncated_archive_is_unreadable_exit_2(tmp_path, good_xml):
    whole = write_zip(tmp_path / "whole.zip", [("a.xml", good_xml), ("b.xml", good_xml)]).read_bytes()
    archive = tmp_path / "truncated.zip"
    archive.write_bytes(whole[: len(whole) // 2])
    run = cli(archive)
    assert_clean(run)
    assert run.exit_code == 2
    _only(run, "truncated.zip", "CFDIAR-ZIP-001")


def test_encrypted_member_is_refused(tmp_path, good_xml, trust):
    path = tmp_path / "encrypted.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("good.xml", good_xml)
        zf.writestr("secret.xml", good_xml)
        zf.getinfo("secret.xml").flag_bits |= 0x1  # "encrypted", in the central directory
    run = cli(*trust, path)
    assert_clean(run)
    assert run.exit_code == 1
    assert_valid(run, "encrypted.zip!good.xml")
    _only(run, "encrypted.zip!secret.xml", "CFDIAR-ZIP-005")


def test_duplicate_member_name_is_reported(tmp_path, good_xml, trust):
    archive = write_zip(tmp_path / "dup.zip", [("dup.xml", good_xml), ("dup.xml", NOT_A_CFDI)])
    run = cli(*trust, archive)
    assert_clean(run)
    assert run.exit_code == 1
    assert len(run.results) == 2
    assert problems(run.results[1]) == ["CFDIAR-ZIP-006"]


def test_duplicate_member_first_copy_is_judged_on_its_own_bytes(tmp_path, good_xml, trust):
    archive = write_zip(tmp_path / "dup.zip", [("dup.xml", good_xml), ("dup.xml", NOT_A_CFDI)])
    run = cli(*trust, archive)
    first, second = run.results
    assert problems(second) == ["CFDIAR-ZIP-006"]
    assert first["valid"] is True and first["uuid"], first


def test_non_xml_member_is_skipped_not_an_error(tmp_path, good_xml, trust):
    archive = write_zip(tmp_path / "mixed.zip", [("good.xml", good_xml), ("good.pdf", b"%PDF-1.7\n%%EOF\n"), ("notes.txt", b"hi")])
    run = cli(*trust, archive)
    assert_clean(run)
    assert run.exit_code == 0
    assert [r["file"] for r in run.results] == [f"{archive}!good.xml"]
    assert_valid(run, "mixed.zip!good.xml")


def _corrupt(path: Path, name: str, where: float) -> None:
    start, length = member_data_offset(path, name)
    raw = bytearray(path.read_bytes())
    raw[start + int(length * where)] ^= 0xFF
    path.write_bytes(bytes(raw))


def test_member_with_bad_crc_is_refused_and_others_still_validated(tmp_path, good_xml, trust):
    archive = write_zip(tmp_path / "crc.zip", [("a-good.xml", good_xml), ("b-bad.xml", good_xml), ("c-good.xml", good_xml)],
                        compression=zipfile.ZIP_STORED)
    _corrupt(archive, "b-bad.xml", 0.5)
    run = cli(*trust, archive)
    assert_clean(run)
    assert run.exit_code == 1
    assert_valid(run, "crc.zip!a-good.xml")
    assert_valid(run, "crc.zip!c-good.xml")
    result = _only(run, "crc.zip!b-bad.xml", "CFDIAR-ZIP-001")
    assert "CRC" in result["findings"][0]["message"]


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_LZMA], ids=["deflate", "lzma"])
def test_member_with_corrupt_compressed_stream_is_refused_and_others_still_validated(tmp_path, good_xml, trust, method):
    archive = write_zip(tmp_path / "stream.zip", [("a-good.xml", good_xml), ("b-bad.xml", good_xml), ("c-good.xml", good_xml)],
                        compression=method)
    start, _ = member_data_offset(archive, "b-bad.xml")
    raw = bytearray(archive.read_bytes())
    raw[start + 10] ^= 0xFF  # early in the stream: an invalid code, not just a CRC mismatch
    archive.write_bytes(bytes(raw))
    run = cli(*trust, archive)
    assert_clean(run)
    assert run.exit_code == 1
    assert_valid(run, "stream.zip!a-good.xml")
    assert_valid(run, "stream.zip!c-good.xml")
    _only(run, "stream.zip!b-bad.xml", "CFDIAR-ZIP-001")


def test_overlapping_entries_are_refused(tmp_path, good_xml, trust):
    path = tmp_path / "overlap.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.xml", good_xml)
        zf.writestr("b.xml", b"<r/>")
        zf.getinfo("b.xml").header_offset = zf.getinfo("a.xml").header_offset  # b's entry points at a's data
    run = cli(*trust, path)
    assert_clean(run)
    assert run.exit_code == 1
    assert_valid(run, "overlap.zip!a.xml")
    _only(run, "overlap.zip!b.xml", "CFDIAR-ZIP-001")

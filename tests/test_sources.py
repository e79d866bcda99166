"""Reading inputs: folders, files and ZIP archives become planned items, and problems, never exceptions."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from cfdi_ar import Limits, validate_paths
from cfdi_ar.io.sources import FileItem, Problem, ZipMemberItem, iter_loaded, load, plan, unsafe_member_name

XML = b"<?xml version='1.0' encoding='UTF-8'?><r/>"


def _touch(path: Path, data: bytes = XML) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _names(items) -> list[str]:
    return [item.name for item in items]


# --------------------------------------------------------------------------- folders


def test_folders_are_searched_recursively(tmp_path):
    _touch(tmp_path / "top.xml")
    _touch(tmp_path / "2026" / "10" / "deep.xml")
    _touch(tmp_path / "2026" / "mid.xml")
    items, skipped = plan([tmp_path])
    assert sorted(_names(items)) == sorted(str(tmp_path / p) for p in ("top.xml", "2026/10/deep.xml", "2026/mid.xml"))
    assert skipped == 0
    assert all(isinstance(i, FileItem) for i in items)


def test_folder_order_is_deterministic_files_first_then_sorted_subfolders(tmp_path):
    # Created in an order unlike the expected one, so the file system's own order is not relied on.
    for rel in ("z/b.xml", "b.xml", "a/c.xml", "z/a.xml", "a.xml", "a/sub/x.xml", "B.xml"):
        _touch(tmp_path / rel)
    expected = [str(tmp_path / rel) for rel in ("B.xml", "a.xml", "b.xml", "a/c.xml", "a/sub/x.xml", "z/a.xml", "z/b.xml")]
    assert _names(plan([tmp_path])[0]) == expected
    assert _names(plan([tmp_path])[0]) == expected  # and again


def test_non_xml_files_in_a_folder_are_counted_as_skipped(tmp_path):
    _touch(tmp_path / "f.xml")
    _touch(tmp_path / "f.pdf", b"%PDF-1.4")
    _touch(tmp_path / "notes.txt", b"hi")
    _touch(tmp_path / "sub" / "README", b"hi")
    _touch(tmp_path / "sub" / "x.xml.bak", XML)
    items, skipped = plan([tmp_path])
    assert _names(items) == [str(tmp_path / "f.xml")]
    assert skipped == 4


def test_upper_case_xml_extensions_are_read(tmp_path):
    _touch(tmp_path / "A.XML")
    _touch(tmp_path / "b.Xml")
    items, skipped = plan([tmp_path])
    assert _names(items) == [str(tmp_path / "A.XML"), str(tmp_path / "b.Xml")]
    assert skipped == 0
    assert [load(i).data for i in items] == [XML, XML]


def test_upper_case_zip_extension_in_a_folder_is_read_as_an_archive(tmp_path):
    _zip(tmp_path / "DESCARGA.ZIP", {"a.xml": XML})
    items, _ = plan([tmp_path])
    assert _names(items) == [f"{tmp_path / 'DESCARGA.ZIP'}!a.xml"]


def test_an_empty_folder_plans_nothing(tmp_path):
    assert plan([tmp_path]) == ([], 0)
    assert validate_paths([tmp_path]).exit_code() == 2


# --------------------------------------------------------------------------- explicit files


@pytest.mark.parametrize("name", ["factura.txt", "factura", "factura.pdf", "FACTURA.XML"])
def test_a_file_given_explicitly_is_read_whatever_its_extension(tmp_path, name):
    path = _touch(tmp_path / name)
    items, skipped = plan([path])
    assert items == [FileItem(str(path))] and skipped == 0
    assert load(items[0]).data == XML


def test_a_missing_path_becomes_an_unreadable_problem(tmp_path):
    missing = tmp_path / "nope.xml"
    items, _ = plan([missing])
    assert len(items) == 1 and isinstance(items[0], Problem)
    assert items[0].unreadable is True
    assert items[0].finding.code == "CFDIAR-IO-001"
    assert items[0].name == str(missing)
    report = validate_paths([missing])
    assert report.exit_code() == 2 and report.results[0].unreadable


def test_a_missing_path_does_not_stop_the_other_inputs(tmp_path):
    good = _touch(tmp_path / "a.xml")
    items, _ = plan([tmp_path / "missing", good])
    assert isinstance(items[0], Problem) and items[1] == FileItem(str(good))


def test_a_file_removed_after_planning_becomes_an_unreadable_problem(tmp_path):
    path = _touch(tmp_path / "a.xml")
    (item,), _ = plan([path])
    path.unlink()
    loaded = load(item)
    assert loaded.data is None and loaded.problem.unreadable and loaded.problem.finding.code == "CFDIAR-IO-001"


# --------------------------------------------------------------------------- ZIP archives


def test_zip_members_are_labelled_archive_bang_member(tmp_path):
    archive = _zip(tmp_path / "archive.zip", {"member.xml": XML, "2026/10/x.xml": XML})
    items, _ = plan([archive])
    assert _names(items) == [f"{archive}!member.xml", f"{archive}!2026/10/x.xml"]
    assert all(isinstance(i, ZipMemberItem) for i in items)
    assert [(i.archive, i.member) for i in items] == [(str(archive), "member.xml"), (str(archive), "2026/10/x.xml")]
    loaded = list(iter_loaded(items))
    assert [(l.name, l.data) for l in loaded] == [(f"{archive}!member.xml", XML), (f"{archive}!2026/10/x.xml", XML)]


def test_zip_members_keep_the_archive_directory_order(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"c.xml": XML, "a.xml": XML, "b.xml": XML})
    assert [i.member for i in plan([archive])[0]] == ["c.xml", "a.xml", "b.xml"]


def test_a_zip_is_detected_by_its_magic_bytes_without_a_zip_extension(tmp_path):
    archive = _zip(tmp_path / "descarga-sat", {"uno.xml": XML})
    items, _ = plan([archive])
    assert _names(items) == [f"{archive}!uno.xml"]
    assert load(items[0]).data == XML


def test_non_xml_zip_members_are_counted_as_skipped_and_folders_ignored(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("2026/", b"")  # a directory entry
        zf.writestr("2026/a.xml", XML)
        zf.writestr("2026/a.pdf", b"%PDF")
        zf.writestr("metadata.txt", b"x")
        zf.writestr("B.XML", XML)
    items, skipped = plan([archive])
    assert [i.member for i in items] == ["2026/a.xml", "B.XML"]
    assert skipped == 2


def test_a_truncated_zip_is_an_unreadable_problem(tmp_path):
    whole = _zip(tmp_path / "whole.zip", {"a.xml": XML * 50}).read_bytes()
    truncated = _touch(tmp_path / "cut.zip", whole[: len(whole) // 2])
    items, _ = plan([truncated])
    assert len(items) == 1 and isinstance(items[0], Problem)
    assert items[0].finding.code == "CFDIAR-ZIP-001" and items[0].unreadable
    assert validate_paths([truncated]).exit_code() == 2


def test_a_zip_in_a_folder_is_expanded_in_place(tmp_path):
    _touch(tmp_path / "a.xml")
    _zip(tmp_path / "b.zip", {"m1.xml": XML, "m2.xml": XML})
    _touch(tmp_path / "c.xml")
    assert _names(plan([tmp_path])[0]) == [
        str(tmp_path / "a.xml"), f"{tmp_path / 'b.zip'}!m1.xml", f"{tmp_path / 'b.zip'}!m2.xml", str(tmp_path / "c.xml")
    ]


# --------------------------------------------------------------------------- unsafe member names


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("a\x00.xml", "NUL"),
        ("dir\\a.xml", "backslash"),
        ("..\\..\\windows\\a.xml", "backslash"),
        ("/etc/passwd.xml", "absolute"),
        ("//server/share/a.xml", "absolute"),
        ("C:/a.xml", "drive letter"),
        ("c:a.xml", "drive letter"),
        ("../a.xml", "'..'"),
        ("2026/../../a.xml", "'..'"),
        ("2026/..", "'..'"),
    ],
)
def test_unsafe_member_names_are_refused_with_a_reason(name, why):
    reason = unsafe_member_name(name)
    assert reason is not None and why in reason


@pytest.mark.parametrize("name", ["x.xml", "2026/10/x.xml", "a..b.xml", "..x.xml", "dir.../a.xml", "./x.xml", "Ñandú/año.xml"])
def test_safe_member_names_including_nested_folders_are_accepted(name):
    assert unsafe_member_name(name) is None


def test_a_zip_member_with_an_unsafe_name_becomes_a_zip_002_problem(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"../evil.xml": XML, "ok/x.xml": XML})
    items, _ = plan([archive])
    assert isinstance(items[0], Problem) and items[0].finding.code == "CFDIAR-ZIP-002"
    assert items[0].name == f"{archive}!../evil.xml" and not items[0].unreadable
    assert isinstance(items[1], ZipMemberItem) and items[1].member == "ok/x.xml"


# --------------------------------------------------------------------------- size cap


def test_a_file_at_the_size_cap_is_read_and_one_byte_more_is_refused(tmp_path):
    limits = Limits(max_document_bytes=100)
    at_cap = _touch(tmp_path / "at.xml", b"x" * 100)
    over = _touch(tmp_path / "over.xml", b"x" * 101)
    assert load(FileItem(str(at_cap)), limits).data == b"x" * 100
    refused = load(FileItem(str(over)), limits)
    assert refused.data is None
    assert refused.problem.finding.code == "CFDIAR-IO-002" and not refused.problem.unreadable


def test_a_zip_member_over_the_size_cap_is_refused_before_reading(tmp_path):
    limits = Limits(max_document_bytes=100)
    archive = _zip(tmp_path / "a.zip", {"small.xml": b"y" * 100, "big.xml": os.urandom(101)}, zipfile.ZIP_STORED)
    items, _ = plan([archive], limits)
    assert isinstance(items[0], ZipMemberItem)
    assert isinstance(items[1], Problem) and items[1].finding.code == "CFDIAR-IO-002"
    assert items[1].name == f"{archive}!big.xml"
    assert [l.data for l in iter_loaded(items[:1], limits)] == [b"y" * 100]


def test_the_size_cap_reaches_the_result_of_validate_paths(tmp_path):
    _touch(tmp_path / "big.xml", XML + b" " * 200)
    report = validate_paths([tmp_path], _settings_with_cap(100))
    assert [f.code for f in report.results[0].findings] == ["CFDIAR-IO-002"]
    assert report.exit_code() == 1  # refused, not unreadable


def _settings_with_cap(cap: int):
    from cfdi_ar import Settings

    return Settings(limits=Limits(max_document_bytes=cap))


def test_exclude_leaves_out_matching_folders_and_files_but_never_an_explicit_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cfdi_ar.io.sources import plan

    for rel in ("a.xml", "broken/b.xml", "sub/drafts/c.xml", "sub/d.tmp.xml", "sub/e.xml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"<x/>")
    items, _ = plan([tmp_path], exclude=["broken", "sub/drafts", "*.tmp.xml"])
    names = sorted(os.path.relpath(i.name, tmp_path) for i in items)
    assert names == ["a.xml", os.path.join("sub", "e.xml")]
    items, _ = plan([tmp_path / "broken"], exclude=["broken"])
    assert [os.path.basename(i.name) for i in items] == ["b.xml"]


def test_read_fd_reads_past_a_stale_size_and_stops_one_byte_over_the_cap(tmp_path):
    """A file that grew after fstat is read to its end, or to cap + 1 bytes so the caller refuses it."""
    from cfdi_ar.io.sources import _read_fd

    p = tmp_path / "grown.xml"
    p.write_bytes(b"x" * 100_000)
    fd = os.open(p, os.O_RDONLY)
    try:
        assert len(_read_fd(fd, 11, cap=200_000)) == 100_000
        os.lseek(fd, 0, os.SEEK_SET)
        assert len(_read_fd(fd, 11, cap=50)) == 51
        os.lseek(fd, 0, os.SEEK_SET)
        assert _read_fd(fd, 100_001, cap=200_000) == b"x" * 100_000
    finally:
        os.close(fd)

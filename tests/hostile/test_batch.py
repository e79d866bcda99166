"""One bad input never stops the batch: the good document still gets its verdict."""

from __future__ import annotations

import os
import zipfile

from ._hostile import (
    assert_clean,
    assert_valid,
    billion_laughs,
    cli,
    cli_subprocess,
    needs_fifo,
    problems,
    with_doctype,
    write_zip,
)

HANG_TIMEOUT = 8.0  # seconds; start-up is ~0.5 s, so only a blocked open() gets near it


def _hostile_folder(tmp_path, good_xml: bytes):  # type: ignore[no-untyped-def]
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a-xxe.xml").write_bytes(with_doctype(good_xml, '<!DOCTYPE cfdi:Comprobante [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"))
    (folder / "b-lol.xml").write_text('<?xml version="1.0"?>' + billion_laughs())
    (folder / "c-deep.xml").write_bytes(b"<a>" * 10_000 + b"</a>" * 10_000)
    (folder / "d-empty.xml").write_bytes(b"")
    (folder / "e-good.xml").write_bytes(good_xml)
    (folder / "f-pdf.xml").write_bytes(b"%PDF-1.7\n%%EOF\n")
    (folder / "g-readme.txt").write_text("not read")
    write_zip(folder / "h-archive.zip", [("../slip.xml", good_xml), ("dup.xml", good_xml), ("dup.xml", good_xml)])
    (folder / "i-tampered.xml").write_bytes(good_xml.replace(b'Folio="1001"', b'Folio="1002"'))
    return folder


EXPECTED = {
    "a-xxe.xml": ["CFDIAR-XML-002"],
    "b-lol.xml": ["CFDIAR-XML-002"],
    "c-deep.xml": ["CFDIAR-XML-001"],
    "d-empty.xml": ["CFDIAR-XML-001"],
    "f-pdf.xml": ["CFDIAR-XML-001"],
    "h-archive.zip!../slip.xml": ["CFDIAR-ZIP-002"],
    "h-archive.zip!dup.xml": None,  # first copy: read (see test_zip's duplicate tests)
    "i-tampered.xml": ["CFDI40102"],  # the seal no longer verifies
}


def _check(run, folder) -> None:  # type: ignore[no-untyped-def]
    assert_clean(run)
    assert run.exit_code == 1
    assert_valid(run, "e-good.xml")
    by_name = {}
    for r in run.results:
        by_name.setdefault(r["file"][len(str(folder)) + 1 :], []).append(r)
    assert sorted(by_name) == sorted([*EXPECTED, "e-good.xml"])
    for name, codes in EXPECTED.items():
        if codes is not None:
            assert problems(by_name[name][0]) == codes, by_name[name]
    assert [problems(r) for r in by_name["h-archive.zip!dup.xml"]][1] == ["CFDIAR-ZIP-006"]


def test_bad_files_never_stop_the_batch(tmp_path, good_xml, trust):
    folder = _hostile_folder(tmp_path, good_xml)
    _check(cli(*trust, folder), folder)


def test_bad_files_never_stop_the_batch_in_worker_processes(tmp_path, good_xml, trust):
    folder = _hostile_folder(tmp_path, good_xml)
    _check(cli_subprocess(*trust, "--jobs", "2", folder), folder)


def test_unreadable_archive_in_a_batch_gives_exit_2_but_the_good_document_is_judged(tmp_path, good_xml, trust):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a-good.xml").write_bytes(good_xml)
    whole = write_zip(tmp_path / "whole.zip", [("x.xml", good_xml)], compression=zipfile.ZIP_STORED).read_bytes()
    (folder / "b-truncated.zip").write_bytes(whole[:-30])  # end-of-central-directory record cut off
    run = cli(*trust, folder)
    assert_clean(run)
    assert run.exit_code == 2
    assert_valid(run, "a-good.xml")
    assert problems(run.result("b-truncated.zip")) == ["CFDIAR-ZIP-001"]


@needs_fifo
def test_fifo_in_an_input_folder_is_refused_without_blocking(tmp_path, good_xml, trust):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a-good.xml").write_bytes(good_xml)
    os.mkfifo(folder / "b-pipe.xml")  # no writer ever comes: a blocking open hangs until the timeout
    run = cli_subprocess(*trust, folder, timeout=HANG_TIMEOUT)
    assert_clean(run)
    assert run.exit_code == 2
    assert_valid(run, "a-good.xml")
    assert problems(run.result("b-pipe.xml")) == ["CFDIAR-IO-001"]


@needs_fifo
def test_fifo_given_directly_is_refused_without_blocking(tmp_path, good_xml, trust):
    (tmp_path / "a-good.xml").write_bytes(good_xml)
    pipe = tmp_path / "b-pipe.xml"
    os.mkfifo(pipe)
    run = cli_subprocess(*trust, tmp_path / "a-good.xml", pipe, timeout=HANG_TIMEOUT)
    assert_clean(run)
    assert run.exit_code == 2
    assert_valid(run, "a-good.xml")
    assert problems(run.result("b-pipe.xml")) == ["CFDIAR-IO-001"]

"""Coverage-guided fuzzing of the reader: bytes → safe XML parse, and files/ZIPs → documents.

Properties checked on every input:

* ``parse_untrusted`` returns a tree or raises :class:`XmlRefused` (a finding), nothing else;
  a tree never carries a DOCTYPE;
* ``plan`` + ``iter_loaded`` on the input written as ``x.xml`` and as ``x.zip`` (SAT's bulk
  packages) yield documents or problems with a finding, never an exception; a document never
  exceeds the size cap.

Run: ``python fuzz/fuzz_reader.py [libFuzzer options] [CORPUS_DIR ...]``; see fuzz/README.md.
"""

from __future__ import annotations

import sys

import atheris

from _common import scratch_dir

with atheris.instrument_imports(include=["cfdi_ar"]):
    from cfdi_ar.io.sources import Limits, Problem, iter_loaded, plan
    from cfdi_ar.io.xml import XmlRefused, parse_untrusted

LIMITS = Limits(max_document_bytes=1 << 20, max_zip_members=200)  # small caps: the fuzzer explores past them quickly
SCRATCH = scratch_dir()
XML_PATH = SCRATCH / "x.xml"
ZIP_PATH = SCRATCH / "x.zip"


def check_parse(data: bytes) -> None:
    try:
        root = parse_untrusted(data, max_bytes=LIMITS.max_document_bytes)
    except XmlRefused as refused:
        if not refused.code.startswith(("CFDIAR-XML-", "CFDIAR-IO-")) or not refused.message:
            raise AssertionError(f"refusal without a proper code or message: {refused.code!r} {refused.message!r}")
        return
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise AssertionError("a document with a DOCTYPE was accepted")


def check_sources(path) -> None:  # type: ignore[no-untyped-def]
    items, skipped = plan([str(path)], LIMITS)
    if skipped < 0:
        raise AssertionError("negative skipped count")
    for loaded in iter_loaded(items, LIMITS):
        if loaded.problem is not None:
            if not isinstance(loaded.problem, Problem) or not loaded.problem.finding.code.startswith("CFDIAR-"):
                raise AssertionError(f"a problem without a CFDIAR finding: {loaded.problem!r}")
        elif loaded.data is None or len(loaded.data) > LIMITS.max_document_bytes:
            raise AssertionError(f"loaded {loaded.name}: no data, or over the cap")


def TestOneInput(data: bytes) -> None:  # noqa: N802 - atheris' name
    check_parse(data)
    XML_PATH.write_bytes(data)
    check_sources(XML_PATH)
    ZIP_PATH.write_bytes(data)
    check_sources(ZIP_PATH)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

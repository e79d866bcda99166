"""The engine: one bad document or one failing check never stops the batch."""

from __future__ import annotations

import datetime as dt

from cfdi_ar import validate_paths
from cfdi_ar.demo.seal import seal, to_bytes
from cfdi_ar.rules import all_rules

from .conftest import codes


def test_a_check_that_raises_becomes_an_internal_finding(sealed_invoice, check, monkeypatch):
    import cfdi_ar.rules.registry as reg

    rule = reg.get("CFDIAR-CERT-003")

    def boom(ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("kaboom")
        yield  # pragma: no cover

    monkeypatch.setitem(reg._REGISTRY, "CFDIAR-CERT-003", type(rule)(rule.code, rule.title, rule.severity, rule.kind, boom))
    from cfdi_ar.context import runtime_for

    runtime_for.cache_clear()
    try:
        result = check(sealed_invoice())
        internal = [f for f in result.findings if f.code == "CFDIAR-INTERNAL"]
        assert len(internal) == 1
        assert "CFDIAR-CERT-003" in internal[0].message and "kaboom" in internal[0].message
        assert result.checks["seal"].value == "pass"  # the other checks still ran
    finally:
        runtime_for.cache_clear()


def test_extreme_dates_do_not_crash_the_time_zone_arithmetic(make_invoice, pki, check):
    root = make_invoice(fecha=dt.datetime(2026, 10, 5, 10, 0, 0))
    root.set("Fecha", "0001-01-01T00:00:00")  # schema-invalid, but the checks must still answer
    result = check(seal(root, pki.csd))
    assert "CFDIAR-INTERNAL" not in codes(result)
    assert "CFDI40101" in codes(result)
    assert "CFDI40106" in codes(result)  # far before the certificate's validity


def test_batch_goes_on_after_bad_files(tmp_path, sealed_invoice, settings):
    (tmp_path / "a.xml").write_bytes(b"not xml at all")
    (tmp_path / "b.xml").write_bytes(to_bytes(sealed_invoice()))
    (tmp_path / "c.xml").write_bytes(b"<?xml version='1.0'?><r/>")
    report = validate_paths([tmp_path], settings)
    assert [r.valid for r in report.results] == [False, True, False]
    assert report.exit_code() == 1


def test_every_registered_code_is_unique_and_well_formed():
    import re

    all_codes = [r.code for r in all_rules()]
    assert len(all_codes) == len(set(all_codes))
    assert all(re.fullmatch(r"CFDI40\d{3}|CRP20\d{3}|CFDIAR-[A-Z]+(-\d{3})?", c) for c in all_codes)
    assert all(r.title for r in all_rules())


def test_a_fifo_named_like_a_document_never_hangs_the_run(tmp_path):
    import os
    import time

    if not hasattr(os, "mkfifo"):
        import pytest

        pytest.skip("no FIFOs on this platform")
    os.mkfifo(tmp_path / "pipe.xml")
    os.mkfifo(tmp_path / "pipe.zip")
    start = time.monotonic()
    for target in (tmp_path, tmp_path / "pipe.xml"):
        report = validate_paths([target])
        assert report.exit_code() == 2
        assert {f.code for r in report.results for f in r.findings} == {"CFDIAR-IO-001"}
    assert time.monotonic() - start < 5

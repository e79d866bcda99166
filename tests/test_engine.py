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


# --------------------------------------------------------------------------- rules over a subject (Rule.over)


def _spy_on(monkeypatch, code, over=None):  # type: ignore[no-untyped-def]
    """Replace ``code``'s check with one that records the documents it ran on (and optionally its subject);
    a fresh runtime picks the replacement up."""
    import dataclasses

    import cfdi_ar.rules.registry as reg
    from cfdi_ar.context import runtime_for

    rule = reg.get(code)
    calls: list[str | None] = []

    def spy(ctx):  # type: ignore[no-untyped-def]
        calls.append(ctx.model.tipo_de_comprobante)
        return rule.check(ctx)

    changes = {"check": spy} if over is None else {"check": spy, "over": over}
    monkeypatch.setitem(reg._REGISTRY, code, dataclasses.replace(rule, **changes))
    runtime_for.cache_clear()
    return calls


def test_rules_over_a_subject_the_document_lacks_are_not_run(sealed_invoice, sealed_payment, check, monkeypatch):
    from cfdi_ar.context import runtime_for
    from cfdi_ar.rules.facts import has_impuestos
    from cfdi_ar.rules.registry import get

    assert get("CFDI40221").over is has_impuestos
    calls = _spy_on(monkeypatch, "CFDI40221")
    try:
        check(sealed_invoice())  # its cfdi:Impuestos summary is there: the rule runs
        check(sealed_payment())  # a payment receipt has none: skipped (check() also runs it ungated: "P" below)
        assert calls == ["I", "I", "P"]
    finally:
        runtime_for.cache_clear()


def test_a_subject_that_fails_lets_its_rules_run(sealed_payment, check, monkeypatch):
    from cfdi_ar.context import runtime_for

    def broken_subject(ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("subject failed")

    calls = _spy_on(monkeypatch, "CFDI40221", over=broken_subject)
    try:
        result = check(sealed_payment())
        assert calls == ["P", "P"]  # gated and ungated runs both called it
        assert "CFDIAR-INTERNAL" not in codes(result)
    finally:
        runtime_for.cache_clear()


def test_every_subject_is_a_shared_fact():
    from cfdi_ar.rules import facts

    subjects = {r.over for r in all_rules() if r.over is not None}
    assert subjects and subjects <= {getattr(facts, name) for name in facts.__all__ if name.startswith("has_")}


def test_subjects_hide_no_finding_on_the_samples_and_the_corpus(settings):
    """Every sample (the broken ones included) and, where ../shared is present, every corpus document:
    the same findings whether or not the engine skips rules over an absent subject."""
    from cfdi_ar import validate_bytes

    from .conftest import ROOT, SHARED, shared_available, validate_ungated

    files = sorted((ROOT / "samples").rglob("*.xml"))
    if shared_available():
        files += sorted((SHARED / "corpus").rglob("*.xml"))
    assert len(files) >= 20
    for path in files:
        data = path.read_bytes()
        assert validate_bytes(path.name, data, settings).findings == validate_ungated(path.name, data, settings).findings, path


def test_an_ungated_runtime_plans_the_same_rules_in_the_same_order_without_subjects(settings):
    from cfdi_ar.context import runtime_for

    gated = runtime_for(settings)
    for tipo in ("I", "E", "P"):
        plan, flat = gated.plan(tipo, True), gated.ungated().plan(tipo, True)
        assert any(subject is not None for subject, _ in plan)
        assert all(subject is None for subject, _ in flat)
        assert [code for _, checks in plan for code, _ in checks] == [code for _, checks in flat for code, _ in checks]

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


# --------------------------------------------------------------------------- stage by stage over a batch


def _loaded_files(paths):  # type: ignore[no-untyped-def]
    from cfdi_ar.io.sources import Loaded

    return [Loaded(str(p), p.read_bytes()) for p in paths]


def test_a_batch_gives_each_document_the_result_it_gets_alone():
    """Samples (the broken ones too), the ../shared corpus where present, and inputs that are not CFDI 4.0."""
    from cfdi_ar.context import Settings, runtime_for
    from cfdi_ar.findings import Finding, Severity
    from cfdi_ar.io.sources import Loaded, Problem
    from cfdi_ar.validate import inspect_batch, inspect_loaded, stage_groups

    from .conftest import ROOT, SHARED, shared_available

    files = sorted((ROOT / "samples").rglob("*.xml"))
    if shared_available():
        files += sorted((SHARED / "corpus").rglob("*.xml"))
    loaded = _loaded_files(files) + [
        Loaded("not-xml.xml", b"not xml at all"), Loaded("other.xml", b"<?xml version='1.0'?><r/>"),
        Loaded("missing.xml", problem=Problem("missing.xml", Finding("CFDIAR-IO-001", Severity.ERROR, "cannot read file"), unreadable=True)),
    ]
    samples = ROOT / "samples"
    runtime = runtime_for(Settings(trust_roots=(str(samples / "certs" / "demo-ca.cer"),), sat_certs=str(samples / "sat-certs")))
    alone = [inspect_loaded(item, runtime)[0] for item in loaded]
    batched = [result for group in stage_groups(loaded) for result, _ in inspect_batch(group, runtime)]
    assert batched == alone
    assert sum(r.valid for r in alone) >= 10 and sum(not r.valid for r in alone) >= 10  # not vacuous


def test_a_stage_that_raises_in_a_batch_is_reported_on_its_document_only(settings, sealed_invoice, sealed_payment, monkeypatch):
    import cfdi_ar.rules.sello as sello
    from cfdi_ar.context import runtime_for
    from cfdi_ar.io.sources import Loaded
    from cfdi_ar.sat.xsd import SchemaValidator
    from cfdi_ar.validate import inspect_batch, inspect_loaded

    real_validate, real_seal = SchemaValidator.validate, sello._verify_seal

    def schema_boom(self, root, found=None):  # type: ignore[no-untyped-def]
        if root.get("Folio") == "SCHEMA-BOOM":
            raise RuntimeError("schema kaboom")
        return real_validate(self, root, found)

    def seal_boom(ctx):  # type: ignore[no-untyped-def]
        if ctx.root.get("Folio") == "SEAL-BOOM":
            raise RuntimeError("seal kaboom")
        return real_seal(ctx)

    monkeypatch.setattr(SchemaValidator, "validate", schema_boom)
    monkeypatch.setattr(sello, "_verify_seal", seal_boom)
    docs = [to_bytes(sealed_invoice()), to_bytes(sealed_invoice(folio="SCHEMA-BOOM")), to_bytes(sealed_payment()),
            to_bytes(sealed_invoice(folio="SEAL-BOOM"))]
    loaded = [Loaded(f"{i}.xml", data) for i, data in enumerate(docs)]
    runtime = runtime_for(settings)
    batched = [result for result, _ in inspect_batch(loaded, runtime)]
    assert batched == [inspect_loaded(item, runtime)[0] for item in loaded]
    internal = [[f.message for f in r.findings if f.code == "CFDIAR-INTERNAL"] for r in batched]
    assert internal[0] == internal[2] == []
    assert any("schema kaboom" in m for m in internal[1]) and any("seal kaboom" in m for m in internal[3])
    assert batched[0].valid and batched[2].valid


def test_stage_groups_keep_order_and_bound_count_and_bytes():
    from cfdi_ar.io.sources import Loaded
    from cfdi_ar.validate import stage_groups

    items = [Loaded(f"{i}", b"x" * 1000) for i in range(70)] + [Loaded("big", b"x" * (3 << 20)), Loaded("last", b"x")]
    groups = list(stage_groups(items))
    assert [item for group in groups for item in group] == items
    assert [len(g) for g in groups] == [16, 16, 16, 16, 6, 1, 1]  # the 3 MiB document alone, then the rest
    assert all(len(g) <= 16 and (len(g) == 1 or sum(len(i.data or b"") for i in g) <= 2 << 20) for g in groups)


def test_a_check_that_raises_in_a_group_is_reported_on_its_document_only(settings, sealed_invoice, monkeypatch):
    import cfdi_ar.rules.registry as reg
    from cfdi_ar.context import runtime_for
    from cfdi_ar.io.sources import Loaded
    from cfdi_ar.validate import inspect_batch, inspect_loaded

    rule = reg.get("CFDIAR-CERT-003")
    real = rule.check

    def sometimes(ctx):  # type: ignore[no-untyped-def]
        if ctx.root.get("Folio") == "CHECK-BOOM":
            raise RuntimeError("check kaboom")
        return real(ctx)

    monkeypatch.setitem(reg._REGISTRY, "CFDIAR-CERT-003", type(rule)(rule.code, rule.title, rule.severity, rule.kind, sometimes))
    runtime_for.cache_clear()
    try:
        loaded = [Loaded(f"{i}.xml", to_bytes(sealed_invoice(folio=folio))) for i, folio in enumerate(["1", "CHECK-BOOM", "3"])]
        runtime = runtime_for(settings)
        batched = [result for result, _ in inspect_batch(loaded, runtime)]
        assert batched == [inspect_loaded(item, runtime)[0] for item in loaded]
        assert [[f.message for f in r.findings if f.code == "CFDIAR-INTERNAL"] for r in batched][::2] == [[], []]
        assert batched[0].valid and batched[2].valid and not batched[1].valid
        assert any("CFDIAR-CERT-003" in f.message and "check kaboom" in f.message for f in batched[1].findings)
    finally:
        runtime_for.cache_clear()

"""Ingest: documents stored whole, idempotent by UUID, conflicts kept aside, one transaction per run."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from cfdi_ar.demo.seal import seal, stamp, to_bytes
from cfdi_ar.ledger import LedgerError, history, ingest_paths
from cfdi_ar.ledger import ingest as ingest_module
from cfdi_ar.ledger.records import decompress

from ..conftest import RECEPTOR
from .conftest import OUR_RFC


def _counts(db) -> dict[str, int]:
    return {t: db.scalar(f"SELECT count(*) FROM {t}") for t in
            ("documents", "blobs", "findings", "payments", "relations", "alternates", "conflicts", "runs", "run_inputs")}


def _ingest(db, settings, *paths, rfcs=(OUR_RFC,), **kw):
    return ingest_paths(db, [str(p) for p in paths], settings, rfcs, **kw)


def test_ingest_stores_each_document_with_its_fields_raw_bytes_and_payments(ledger, settings, sealed_invoice, make_payment, write):
    inv = sealed_invoice()
    rep = make_payment(inv, Decimal("200.00"))
    write(inv, "F-1.xml")
    write(rep, "P-1.xml")
    report = _ingest(ledger, settings, write(inv, "F-1.xml").parent)
    assert [i.outcome for i in report.inputs] == ["new", "new"]
    inv_uuid = inv.find(".//{*}TimbreFiscalDigital").get("UUID").upper()
    row = ledger.fetchone("SELECT tipo, folio, emisor_rfc, receptor_rfc, moneda, total, valid, accepted, ours FROM documents WHERE uuid = ?",
                          (inv_uuid,))
    assert row[:5] == ("I", "1001", OUR_RFC, RECEPTOR.rfc, "MXN")
    assert Decimal(str(row[5])) == Decimal(inv.get("Total")) and row[6:] == (1, 1, 1)
    pay = ledger.fetchall("SELECT invoice_uuid, num_parcialidad, imp_saldo_ant, imp_pagado, imp_saldo_insoluto FROM payments")
    assert len(pay) == 1 and pay[0][0] == inv_uuid and pay[0][1] == 1
    assert Decimal(str(pay[0][3])) == Decimal("200.00")
    assert Decimal(str(pay[0][2])) - Decimal(str(pay[0][3])) == Decimal(str(pay[0][4]))
    codec, raw = ledger.fetchone("SELECT b.compression, b.data FROM blobs b JOIN documents d ON d.raw_sha256 = b.sha256 "
                                 "WHERE d.uuid = ?", (inv_uuid,))
    assert codec == "zstd" and decompress(codec, bytes(raw)) == to_bytes(inv)


def test_ingesting_the_same_files_again_changes_nothing(ledger, settings, sealed_invoice, make_payment, write):
    inv = sealed_invoice()
    write(inv, "F-1.xml")
    folder = write(make_payment(inv, Decimal("100.00")), "P-1.xml").parent
    _ingest(ledger, settings, folder)
    before = _counts(ledger)
    report = _ingest(ledger, settings, folder)
    assert [i.outcome for i in report.inputs] == ["already_present", "already_present"]
    after = _counts(ledger)
    assert {k: v for k, v in after.items() if k not in ("runs", "run_inputs")} == \
           {k: v for k, v in before.items() if k not in ("runs", "run_inputs")}
    assert after["runs"] == before["runs"] + 1  # the run itself is logged


def test_the_same_uuid_with_other_content_is_a_conflict_kept_aside_never_overwriting(ledger, settings, sealed_invoice, pki, write):
    first = sealed_invoice(folio="1001")
    uuid = first.find(".//{*}TimbreFiscalDigital").get("UUID")
    forged = stamp(seal(sealed_invoice(folio="9999", stamped=False), pki.csd), pki.stamp_cert, uuid=uuid)
    _ingest(ledger, settings, write(first, "a.xml"))
    report = _ingest(ledger, settings, write(forged, "b.xml"))
    assert [i.outcome for i in report.inputs] == ["conflict"] and report.has_findings
    assert ledger.scalar("SELECT folio FROM documents WHERE uuid = ?", (uuid.upper(),)) == "1001"
    assert ledger.fetchall("SELECT uuid, name FROM conflicts") == [(uuid.upper(), str(write(forged, "b.xml")))]
    again = _ingest(ledger, settings, write(forged, "b.xml"))  # reported again, recorded once
    assert [i.outcome for i in again.inputs] == ["conflict"] and ledger.scalar("SELECT count(*) FROM conflicts") == 1


def test_the_same_document_in_other_bytes_is_kept_as_an_alternate_copy(ledger, settings, sealed_invoice, write):
    inv = sealed_invoice()
    data = to_bytes(inv)
    bom_and_crlf = b"\xef\xbb\xbf" + data.replace(b"?>\n", b"?>\r\n", 1) + b"\r\n"
    _ingest(ledger, settings, write(data, "a.xml"))
    report = _ingest(ledger, settings, write(bom_and_crlf, "a-copy.xml"))
    assert [i.outcome for i in report.inputs] == ["alternate"] and not report.has_findings
    uuid = report.inputs[0].uuid
    canonical = ledger.scalar("SELECT name FROM documents WHERE uuid = ?", (uuid,))
    assert canonical.endswith("a.xml") and ledger.scalar("SELECT count(*) FROM alternates WHERE uuid = ?", (uuid,)) == 1


def test_a_uuid_given_twice_in_one_run_is_stored_once(ledger, settings, sealed_invoice, write):
    data = to_bytes(sealed_invoice())
    write(data, "a.xml")
    report = _ingest(ledger, settings, write(data, "b.xml").parent)
    assert sorted(i.outcome for i in report.inputs) == ["duplicate_in_run", "new"]
    assert ledger.scalar("SELECT count(*) FROM documents") == 1


def test_an_unstamped_or_unreadable_document_is_rejected_and_not_stored(ledger, settings, sealed_invoice, write):
    write(sealed_invoice(stamped=False), "unstamped.xml")
    write(b"<not-closed", "broken.xml")
    report = _ingest(ledger, settings, write(b"<?xml version='1.0'?><a/>", "other.xml").parent)
    assert [i.outcome for i in report.inputs] == ["rejected"] * 3 and report.has_findings
    assert ledger.scalar("SELECT count(*) FROM documents") == 0
    messages = {i.name.rsplit("/", 1)[-1]: i.message for i in report.inputs}
    assert "UUID" in messages["unstamped.xml"] and "well-formed" in messages["broken.xml"]


def test_invalid_documents_are_stored_and_reported_but_kept_out_of_balances_unless_accepted(ledger, settings, sealed_invoice, pki, write):
    bad = sealed_invoice(stamped=False)
    bad.set("Total", str(Decimal(bad.get("Total")) + Decimal("0.01")))  # CFDI40119, and the seal no longer verifies
    bad = stamp(seal(bad, pki.csd), pki.stamp_cert)
    report = _ingest(ledger, settings, write(bad, "bad.xml"))
    assert report.inputs[0].outcome == "new" and report.inputs[0].valid is False and report.has_findings
    uuid = report.inputs[0].uuid
    assert ledger.fetchone("SELECT valid, accepted, errors FROM documents WHERE uuid = ?", (uuid,))[:2] == (0, 0)
    assert "CFDI40119" in {c for (c,) in ledger.fetchall("SELECT code FROM findings WHERE uuid = ?", (uuid,))}
    other = stamp(seal(sealed_invoice(stamped=False, folio="2"), pki.csd), pki.stamp_cert)
    other.set("Total", "1.00")  # after stamping: the seal fails
    accepted = _ingest(ledger, settings, write(other, "other.xml"), accept_invalid=True)
    assert ledger.scalar("SELECT accepted FROM documents WHERE uuid = ?", (accepted.inputs[0].uuid,)) == 1


def test_documents_another_rfc_issued_are_stored_as_not_ours(ledger, settings, sealed_invoice, write):
    report = _ingest(ledger, settings, write(sealed_invoice(), "a.xml"), rfcs=("XAXX010101000",))
    assert report.inputs[0].ours is False and report.counts()["not_ours"] == 1
    assert ledger.scalar("SELECT ours FROM documents") == 0


def test_ingest_needs_the_company_rfc(ledger, settings, sealed_invoice, write):
    with pytest.raises(LedgerError, match="RFC"):
        _ingest(ledger, settings, write(sealed_invoice(), "a.xml"), rfcs=())


def test_a_run_that_fails_midway_stores_nothing_and_is_logged_as_failed(ledger, settings, sealed_invoice, write, monkeypatch):
    for i in range(3):
        write(sealed_invoice(folio=str(i)), f"{i}.xml")
    calls = []
    real = ingest_module._store

    def failing(db, p, run_id, **kw):
        calls.append(p.name)
        if len(calls) == 2:
            raise OSError("disk full (simulated)")
        return real(db, p, run_id, **kw)

    monkeypatch.setattr(ingest_module, "_store", failing)
    with pytest.raises(LedgerError, match="nothing was stored"):
        _ingest(ledger, settings, write(sealed_invoice(folio="x"), "x.xml").parent)
    assert ledger.scalar("SELECT count(*) FROM documents") == 0 and ledger.scalar("SELECT count(*) FROM blobs") == 0
    runs = history(ledger)
    assert [r["status"] for r in runs] == ["failed"] and "disk full" in runs[0]["message"]


def test_the_run_log_records_who_when_arguments_input_hashes_and_counts(ledger, settings, sealed_invoice, write):
    import hashlib
    import os

    path = write(sealed_invoice(), "a.xml")
    _ingest(ledger, settings, path, arguments=["ingest", "--rfc", OUR_RFC, str(path)])
    (run,) = history(ledger, inputs=True)
    assert run["status"] == "committed" and run["command"] == "ingest" and run["user"]
    assert run["arguments"] == ["ingest", "--rfc", OUR_RFC, str(path)]
    assert run["counts"]["new"] == 1 and run["counts"]["inputs"] == 1
    (item,) = run["inputs"]
    assert item["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() and item["size"] == os.path.getsize(path)
    assert item["outcome"] == "new" and json.dumps(run)  # plain data, printable as JSON

"""Cancellations ingested from each source change what the ledger says, and the evidence is kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cfdi_ar.demo.pki import make_csd
from cfdi_ar.ledger import ingest_paths
from cfdi_ar.ledger.book import load_book, open_items, payment_breaks

from . import cancel_fixtures as fx
from .conftest import OUR_RFC


def _uuid(doc) -> str:  # type: ignore[no-untyped-def]
    return doc.find(".//{*}TimbreFiscalDigital").get("UUID").upper()


def _ingest(ledger, settings, *paths):  # type: ignore[no-untyped-def]
    return ingest_paths(ledger, [str(p) for p in paths], settings, [OUR_RFC])


def test_a_metadata_txt_cancels_an_invoice_and_a_later_payment_on_it_is_a_break(ledger, settings, sealed_invoice, make_payment, write):
    inv = sealed_invoice()
    uuid = _uuid(inv)
    rows = [fx.METADATA_HEADER, fx.metadata_row(uuid, estatus="0", fecha_cancelacion="2026-10-09 10:00:00", monto=inv.get("Total"))]
    meta = write(("\r\n".join(rows) + "\r\n").encode("utf-8"), "Metadata_2026-10.txt")
    write(inv, "F.xml")
    write(make_payment(inv, Decimal("100.00")), "P.xml")  # FechaPago 2026-10-20: after the cancellation
    report = _ingest(ledger, settings, meta.parent)
    assert sorted(i.outcome for i in report.inputs) == ["evidence", "new", "new"]
    book = load_book(ledger)
    assert open_items(book, date(2026, 10, 31)) == []
    (row,) = open_items(book, date(2026, 10, 31), include_all=True)
    assert row["status"] == "cancelled"
    assert [b["kind"] for b in payment_breaks(book)] == ["payment_on_cancelled_invoice"]
    assert open_items(book, date(2026, 10, 8))[0]["status"] == "open"  # before the cancellation it was open
    assert ledger.scalar("SELECT count(*) FROM sat_metadata WHERE uuid = ?", (uuid,)) == 1
    again = _ingest(ledger, settings, meta)
    assert [i.outcome for i in again.inputs] == ["already_present"]


def test_a_csv_of_cancellations_and_a_bad_row_reported_with_its_line(ledger, settings, sealed_invoice, write):
    inv = sealed_invoice()
    write(inv, "F.xml")
    csv_path = write(f"uuid,status,date\r\n{_uuid(inv).lower()},cancelado,2026-10-12\r\nnot-a-uuid,cancelled,2026-10-12\r\n".encode(),
                     "cancelaciones.csv")
    report = _ingest(ledger, settings, csv_path.parent)
    evidence = next(i for i in report.inputs if i.outcome == "evidence")
    assert evidence.problems == 1 and "line 3" in evidence.message and report.has_findings
    (row,) = open_items(load_book(ledger), date(2026, 10, 31), include_all=True)
    assert row["status"] == "cancelled"


def test_a_signed_cancellation_request_from_a_trusted_csd_is_stored_as_verified(ledger, settings, pki, sealed_invoice, write):
    inv = sealed_invoice()
    write(inv, "F.xml")
    signed = fx.sign(fx.request([{"UUID": _uuid(inv), "Motivo": "02"}], fecha="2026-10-09T10:00:00"), pki.csd)
    report = _ingest(ledger, settings, write(signed, "cancelacion.xml").parent)
    assert sorted(i.outcome for i in report.inputs) == ["evidence", "new"] and not report.has_findings
    assert ledger.fetchall("SELECT source, verified, date_kind, motivo FROM cancellations") == [("request", 1, "requested_at", "02")]


def test_a_cancellation_request_signed_by_an_untrusted_certificate_cancels_nothing(ledger, settings, sealed_invoice, write):
    inv = sealed_invoice()
    write(inv, "F.xml")
    stranger = make_csd(fx.ca(), fx.RFC, "DEMO")  # a CA nobody configured
    signed = fx.sign(fx.request([{"UUID": _uuid(inv), "Motivo": "02"}], fecha="2026-10-09T10:00:00"), stranger)
    report = _ingest(ledger, settings, write(signed, "cancelacion.xml").parent)
    evidence = next(i for i in report.inputs if i.outcome == "evidence")
    assert evidence.problems == 1 and "not trusted" in evidence.message and report.has_findings
    assert ledger.scalar("SELECT count(*) FROM cancellations") == 0
    assert open_items(load_book(ledger), date(2026, 10, 31))[0]["status"] == "open"


def test_sats_acuse_is_kept_as_unverified_evidence(ledger, settings, sealed_invoice, write):
    inv = sealed_invoice()
    write(inv, "F.xml")
    report = _ingest(ledger, settings, write(fx.acuse([(_uuid(inv), "201")], fecha="2026-10-09T10:00:00"), "acuse.xml").parent)
    assert sorted(i.outcome for i in report.inputs) == ["evidence", "new"]
    assert ledger.fetchall("SELECT source, verified, status FROM cancellations") == [("acuse", 0, "cancelled")]
    assert ledger.scalar("SELECT count(*) FROM blobs WHERE sha256 = (SELECT evidence_sha256 FROM cancellations)") == 1


def test_a_substitution_links_the_new_invoice_to_the_cancelled_one_it_replaces(ledger, settings, sealed_invoice, make_payment, write):
    """TipoRelacion 04: the new invoice names the one it replaces; open items show the link both ways, the
    cancelled one's balance goes (by its cancellation), the new one is open on its own, and a REP that
    still pays the cancelled one is a break that names the replacement."""
    old = sealed_invoice(folio="2001")
    old_uuid = _uuid(old)
    new = sealed_invoice(folio="2002", related=("04", (old_uuid,)))
    new_uuid = _uuid(new)
    write(old, "F-2001.xml")
    write(new, "F-2002.xml")
    write(make_payment(old, Decimal("100.00")), "P.xml")  # FechaPago 2026-10-20, after the cancellation
    folder = write(f"uuid,status,date\r\n{old_uuid},cancelled,2026-10-12\r\n".encode(), "cancelaciones.csv").parent
    _ingest(ledger, settings, folder)
    book = load_book(ledger)
    assert book.replaces == {new_uuid: (old_uuid,)} and book.replaced_by == {old_uuid: (new_uuid,)}
    rows = {r["uuid"]: r for r in open_items(book, date(2026, 10, 31), include_all=True)}
    assert rows[old_uuid]["status"] == "cancelled" and rows[old_uuid]["replaced_by"] == [new_uuid] and rows[old_uuid]["replaces"] == []
    assert rows[new_uuid]["status"] == "open" and rows[new_uuid]["replaces"] == [old_uuid] and rows[new_uuid]["replaced_by"] == []
    assert rows[new_uuid]["balance"] == Decimal(new.get("Total"))
    (brk,) = payment_breaks(book)
    assert brk["kind"] == "payment_on_cancelled_invoice" and brk["replaced_by"] == [new_uuid] and new_uuid in brk["message"]

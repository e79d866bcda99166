"""cfdi_ar.ledger.frames / cfdi_ar.close.subledger: the ledger's walk, column-wise, equals open_items.

Checked on the demo month of samples/ (partial payments, a credit note, a USD invoice paid at
another rate, invalid documents in broken/) and on the planted month (a cancelled invoice, unapplied
cash, PUE), at several dates, on both engines, and for a Book made of objects as well as of rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest

from cfdi_ar import Settings
from cfdi_ar.close.subledger import subledger
from cfdi_ar.ledger import ingest_paths
from cfdi_ar.ledger.book import Book, load_book, open_items
from cfdi_ar.ledger.frames import _micros

from ..conftest import EMISOR

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _samples(ledger) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(trust_roots=(str(SAMPLES / "certs" / "demo-ca.cer"),), sat_certs=str(SAMPLES / "sat-certs"))
    report = ingest_paths(ledger, [str(SAMPLES)], settings, [EMISOR.rfc])  # broken/ too: invalid documents, kept out of AR
    assert report.counts()["invalid"] > 0


def _cents(value: D) -> int:
    return int(value.scaleb(2))


def _same_as_open_items(book: Book, as_of: dt.date) -> None:
    ar = subledger(book, as_of)
    listed = {r["uuid"]: r for r in open_items(book, as_of, include_all=True)}
    inv = ar.invoices
    issued = inv[inv["status"] != "future"]
    assert set(issued.index) == set(listed)
    for uuid, row in listed.items():
        mine = inv.loc[uuid]
        assert mine["status"] == row["status"], uuid
        counted = row["status"] in ("open", "credit")
        assert mine["balance_mxn"] == (_cents(row["balance_mxn"]) if counted else 0), uuid
        assert mine["balance"] == (row["balance"] if counted else 0), uuid
        theirs = sorted((p["uuid"], p["kind"], _cents(p["amount_mxn"]), p["applied"]) for p in row["payments"])
        apps = ar.applications[ar.applications["invoice_uuid"] == uuid]
        assert sorted(zip(apps["doc_uuid"], apps["kind"], apps["amount_mxn"], apps["applied"])) == theirs, uuid
    assert ar.ar_balance == sum(_cents(r["balance_mxn"]) for r in open_items(book, as_of))


@pytest.mark.parametrize("as_of", [dt.date(2026, 10, 1), dt.date(2026, 10, 14), dt.date(2026, 10, 27), dt.date(2026, 10, 31)])
def test_the_frames_give_what_open_items_gives_for_the_samples_month(ledger, as_of):
    _samples(ledger)
    _same_as_open_items(load_book(ledger), as_of)


@pytest.mark.parametrize("as_of", [dt.date(2026, 10, 8), dt.date(2026, 10, 21), dt.date(2026, 10, 31)])
def test_the_frames_give_what_open_items_gives_for_the_planted_month(month_ledger, as_of):
    _same_as_open_items(load_book(month_ledger), as_of)


def test_a_book_of_objects_gives_the_same_frames_as_the_rows_it_was_loaded_from(month_ledger):
    rows = load_book(month_ledger)
    objects = Book(rows.invoices, rows.payments, rows.credit_notes)
    a, b = subledger(load_book(month_ledger), dt.date(2026, 10, 31)), subledger(objects, dt.date(2026, 10, 31))
    for name in ("invoices", "applications", "later", "unapplied", "documents"):
        left, right = getattr(a, name), getattr(b, name)
        assert left.sort_index().equals(right.sort_index()) if name in ("invoices", "documents") else \
            sorted(map(tuple, left.values.tolist())) == sorted(map(tuple, right.values.tolist())), name


def test_what_open_items_cannot_show_unapplied_cash_later_events_and_documents(month_ledger, month):
    ar = subledger(load_book(month_ledger), dt.date(2026, 10, 21))
    u = month.uuid
    assert ar.unapplied[["doc_uuid", "invoice_uuid", "amount_mxn"]].values.tolist() == []  # P-2 is dated 10-22
    assert set(ar.later["doc_uuid"]) == {u["P-3"], u["P-4"]}  # P-2 names an invoice the ledger lacks: not "later" of any
    late = subledger(load_book(month_ledger), dt.date(2026, 10, 31))
    assert late.unapplied[["doc_uuid", "invoice_uuid", "amount_mxn"]].values.tolist() == [[u["P-2"], u["F-0777"], 30000]]
    docs = late.documents
    assert docs.loc[u["P-1"]].tolist()[:1] == ["payment"] and str(docs.loc[u["P-1"], "fecha"].date()) == "2026-10-20"
    assert late.invoices.loc[u["F-1006"], "status"] == "open"
    assert subledger(load_book(month_ledger), dt.date(2026, 10, 29)).invoices.loc[u["F-1006"], "status"] == "future"


def test_stored_amounts_become_exact_millionths():
    assert _micros(["12.5", "-3", "1.234567", None, "7.", D("0.10"), "1E3"]).tolist() == [
        12_500_000, -3_000_000, 1_234_567, 0, 7_000_000, 100_000, 1_000_000_000]

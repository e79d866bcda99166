"""The demo company's October 2026 (samples/), ingested, against figures checked by hand.

F-1001  19,384.80 MXN PPD  (120 x 48.50 + 80 x 112.00 at IVA 16 %, 200 x 11.20 at 0 %)
        P-2001 pays 10,000.00 on 10-10; P-2003 pays the other 9,384.80 on 10-24 (parcialidad 2)
F-1003     654.36 MXN PPD  paid in full by P-2002 on 10-15 at 18:20
F-1004     507.04 USD PPD  TipoCambio 18.4520 -> 9,355.90 MXN; P-2004 pays it in USD on 10-28 at
        18.6105 -> 9,436.27 MXN: an exchange difference of 80.37 MXN, shown apart
F-1005   6,496.00 MXN PPD  (50 x 112.00 + IVA) less NC-3001 649.60 (5 x 112.00 + IVA) on 10-14,
        the remaining 5,846.40 paid by P-2003 on 10-24
F-1002, F-1006..F-1009     PUE: paid at issue

What the month-end close works on (still open at 10-31):
F-0962  14,384.00 MXN PPD  of 2026-07-14 (40 x 310.00 + IVA), unpaid
F-0987  16,349.04 MXN PPD  of 2026-08-20 (120 x 85.00 + 60 x 64.90, + IVA); P-2005 pays 8,000.00 on 10-09 -> 8,349.04
F-1010   2,321.40 MXN PPD  cancelled on 10-22 (cancellations/): not a receivable; replaced by F-1011
F-1011     802.38 MXN PPD  (3 x 48.50 + IVA, 24 x 26.40 at 0 %), open
F-1012   2,258.52 MXN PPD  (30 x 64.90 + IVA), open
F-1013  16,352.00 MXN PPD  (100 x 112.00 + IVA, 300 x 11.20 at 0 %), open (the GL's 6,000.00 payment has no REP)
F-1014  16,008.00 MXN PPD  (12 x 1,150.00 + IVA) of 10-31 18:30, open
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from cfdi_ar import Settings
from cfdi_ar.ledger import ingest_paths
from cfdi_ar.ledger.book import load_book, open_items, payment_breaks

from .conftest import OUR_RFC

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _ingest(ledger) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(trust_roots=(str(SAMPLES / "certs" / "demo-ca.cer"),), sat_certs=str(SAMPLES / "sat-certs"),
                        exclude=("broken", "gl"))  # as samples/cfdi-ar.toml says
    report = ingest_paths(ledger, [str(SAMPLES)], settings, [OUR_RFC])
    c = report.counts()
    assert c["new"] == 22 and c["invalid"] == 0 and c["rejected"] == 0 and c["not_ours"] == 0


def _by_folio(rows):  # type: ignore[no-untyped-def]
    return {r["folio"]: r for r in rows}


def test_mid_month_open_items_are_the_hand_checked_balances(ledger):
    _ingest(ledger)
    rows = _by_folio(open_items(load_book(ledger), date(2026, 10, 15)))
    assert sorted(rows) == ["0962", "0987", "1001", "1004", "1005"]
    assert (rows["0962"]["balance"], rows["0962"]["due_date"]) == (D("14384.00"), date(2026, 8, 13))
    assert [(p["kind"], p["amount"]) for p in rows["0987"]["payments"]] == [("payment", D("8000.00"))]
    assert rows["0987"]["balance"] == D("8349.04")
    assert (rows["1001"]["balance"], rows["1001"]["balance_mxn"], rows["1001"]["due_date"]) == (D("9384.80"), D("9384.80"), date(2026, 10, 31))
    assert (rows["1004"]["currency"], rows["1004"]["balance"], rows["1004"]["balance_mxn"]) == ("USD", D("507.04"), D("9355.90"))
    assert rows["1005"]["balance"] == D("5846.40")
    assert [(p["kind"], p["amount"]) for p in rows["1005"]["payments"]] == [("credit_note", D("649.60"))]


def test_at_month_end_the_october_story_is_settled_and_what_stays_open_is_the_closes(ledger):
    _ingest(ledger)
    book = load_book(ledger)
    still_open = {r["folio"]: r["balance_mxn"] for r in open_items(book, date(2026, 10, 31))}
    assert still_open == {"0962": D("14384.00"), "0987": D("8349.04"), "1011": D("802.38"), "1012": D("2258.52"),
                          "1013": D("16352.00"), "1014": D("16008.00")}
    everything = _by_folio(open_items(book, date(2026, 10, 31), include_all=True))
    assert len(everything) == 16
    assert {f for f, r in everything.items() if r["status"] == "paid"} == {"1001", "1002", "1003", "1004", "1005", "1006",
                                                                           "1007", "1008", "1009"}
    assert everything["1010"]["status"] == "cancelled" and everything["1011"]["replaces"]
    assert [p["amount"] for p in everything["1001"]["payments"]] == [D("10000.00"), D("9384.80")]
    (usd,) = everything["1004"]["payments"]
    assert (usd["amount_mxn"], usd["amount_mxn_at_payment"], usd["exchange_difference_mxn"]) == (D("9355.90"), D("9436.27"), D("80.37"))
    assert payment_breaks(book) == [] and payment_breaks(book, period="2026-10") == []


def test_a_customer_filter_shows_only_that_customers_invoices(ledger):
    _ingest(ledger)
    rows = open_items(load_book(ledger), date(2026, 10, 15), customer="ale1503107h2")
    assert sorted(r["folio"] for r in rows) == ["1001", "1005"]


def test_a_slim_book_lists_the_same_open_items_reading_full_rows_only_for_them(ledger):
    """open-items (without --all) reads six columns of every invoice and the full row of those it lists:
    the same rows at every date and for a customer; a slim book refuses what needs every invoice."""
    _ingest(ledger)
    full, slim = load_book(ledger), load_book(ledger, slim=True)
    for day in (date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 15), date(2026, 10, 24), date(2026, 10, 31)):
        for customer in (None, "ALE1503107H2"):
            assert open_items(slim, day, customer=customer) == open_items(full, day, customer=customer)
    assert len(open_items(slim, date(2026, 10, 15))) == 5  # not vacuous: five invoices open mid-month
    for refused in (lambda: open_items(slim, date(2026, 10, 31), include_all=True), lambda: payment_breaks(slim),
                    lambda: slim.invoices):
        with pytest.raises(ValueError, match="full invoice rows"):
            refused()

"""cfdi_ar.close.reconcile: the planted month gives exactly its planted items, on both engines."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from decimal import Decimal as D

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfdi_ar.close.erp import read_ar
from cfdi_ar.close.gl import LINE_COLUMNS, read_gl
from cfdi_ar.close.reconcile import reconcile
from cfdi_ar.close.subledger import Subledger, subledger
from cfdi_ar.ledger.book import load_book

from .conftest import ACCOUNT, AS_OF, GL_HEADER, by_kind_order, expected_items, planted_gl_rows, write_csv, write_xlsx


def _run(db, path, **kw):  # type: ignore[no-untyped-def]
    lines = read_gl(path, account=ACCOUNT).lines
    return reconcile(subledger(load_book(db), AS_OF), lines, account=ACCOUNT, **kw)


def test_the_planted_gl_gives_each_planted_item_with_its_amount_and_the_totals_tie(month_ledger, month, gl_file):
    result = _run(month_ledger, gl_file())
    got = [(i.kind, i.uuid, D(i.to_dict()["amount"])) for i in result.items]
    assert got == by_kind_order(expected_items(month))
    out = result.to_dict()
    assert (out["ar_balance"], out["gl_balance"], out["difference"]) == (D("7952.00"), D("7350.00"), D("602.00"))
    assert (out["explained"], out["unexplained"]) == (D("602.00"), D("0.00"))


def test_the_same_gl_as_an_xlsx_gives_the_same_reconciliation(month_ledger, month, tmp_path):
    def cell(value: str, i: int):  # type: ignore[no-untyped-def]
        if i == 0:
            day, mon, year = value.split("/")
            return dt.date(int(year), int(mon), int(day))
        if i in (5, 6):
            return float(value.replace(",", "")) if value else None
        return value or None

    rows = [[cell(v, i) for i, v in enumerate(r)] for r in planted_gl_rows(month)]
    result = _run(month_ledger, write_xlsx(tmp_path / "gl.xlsx", GL_HEADER, rows, above=[["Auxiliar de clientes"], []]))
    assert [(i.kind, i.uuid, D(i.to_dict()["amount"])) for i in result.items] == by_kind_order(expected_items(month))
    assert result.items[2].gl_refs[0].row == 7  # the second F-1003 line, two title rows down


def _tied_gl(month):  # type: ignore[no-untyped-def]
    """The GL as it should be at 10-21: AR 8,648.00 = F-1001 760 (1,160 less P-1 400) + F-1002 2,320 + F-1003 580 +
    F-1004 3,480 + F-1007 1,044 + F-1008 464 (P-3 and P-4 are dated later); F-1005 posted and reversed on its
    cancellation; F-1009 (PUE) in and out; P-2 (10-22) posted after the date."""
    u = month.uuid
    return [
        ("05/10/2026", "D-1", "105-01-001", "Venta", u["F-1001"], "1,160.00", ""),
        ("06/10/2026", "D-2", "105-01-001", "Venta", u["F-1002"], "2,320.00", ""),
        ("07/10/2026", "D-3", "105-01-001", "Venta", u["F-1003"], "580.00", ""),
        ("08/10/2026", "D-4", "105-01-001", "Venta", u["F-1004"], "3,480.00", ""),
        ("09/10/2026", "D-5", "105-01-001", "Venta", u["F-1005"], "696.00", ""),
        ("15/10/2026", "D-6", "105-01-001", "Cancelación", u["F-1005"], "", "696.00"),
        ("10/10/2026", "D-7", "105-01-001", "Venta", u["F-1007"], "1,044.00", ""),
        ("11/10/2026", "D-8", "105-01-001", "Venta", u["F-1009"], "348.00", ""),
        ("11/10/2026", "I-1", "105-01-001", "Cobro", u["F-1009"], "", "348.00"),
        ("12/10/2026", "D-9", "105-01-001", "Venta", u["F-1008"], "464.00", ""),
        ("20/10/2026", "I-2", "105-01-001", "Cobro", u["P-1"], "", "400.00"),
        ("22/10/2026", "I-3", "105-01-001", "Cobro", u["P-2"], "", "300.00"),
    ]


def test_a_gl_that_mirrors_the_ledger_ties_with_no_items(month_ledger, month, gl_file):
    lines = read_gl(gl_file(_tied_gl(month)), account=ACCOUNT).lines
    result = reconcile(subledger(load_book(month_ledger), dt.date(2026, 10, 21)), lines, account=ACCOUNT)
    assert (result.ar_balance, result.gl_balance, result.items, result.ties) == (864800, 864800, (), True)


def test_the_erp_is_compared_three_ways_and_never_counts_in_explained(month_ledger, month, gl_file, tmp_path):
    u = month.uuid
    erp = read_ar(write_csv(tmp_path / "ar.csv", ("Cliente", "Documento", "Referencia", "Fecha", "Saldo"), [
        ("ABARROTES", "1800000001", u["F-1001"], "05/10/2026", "760.00"),
        ("ABARROTES", "F-1002", "", "06/10/2026", "2,320.00"),
        ("ABARROTES", "F1003", "", "07/10/2026", "500.00"),
        ("ABARROTES", "F 1006", "", "30/10/2026", "812.00"),
        ("ABARROTES", "F-9999", "", "30/10/2026", "100.00"),
    ])).items
    result = _run(month_ledger, gl_file(), erp=erp)
    erp_items = [(i.kind, i.uuid, D(i.to_dict()["amount"]), i.erp_rows) for i in result.items if not i.explains]
    assert erp_items == [
        ("missing_in_erp", u["F-1004"], D("3480.00"), ()),
        ("erp_without_cfdi", None, D("-100.00"), (6,)),
        ("erp_amount_mismatch", u["F-1003"], D("80.00"), (4,)),
        ("erp_balance_vs_gl", None, D("-2858.00"), ()),
    ]
    assert (result.explained, result.unexplained, result.erp_balance) == (60200, 0, 449200)
    assert result.to_dict()["erp_balance"] == D("4492.00")


# --------------------------------------------------------------------------- tiny hand-made ledgers

INV = "AAAAAAAA-0000-4000-8000-000000000001"
INV2 = "AAAAAAAA-0000-4000-8000-000000000002"
REP = "BBBBBBBB-0000-4000-8000-000000000001"
NOTE = "CCCCCCCC-0000-4000-8000-000000000001"
ELSEWHERE = "DDDDDDDD-0000-4000-8000-000000000001"


def _day(text: str) -> np.datetime64:
    return np.datetime64(text, "ns")


def _ar(invoices, applications=(), later=(), unapplied=(), documents=(), as_of=AS_OF):  # type: ignore[no-untyped-def]
    """A Subledger by hand. invoices: (uuid, folio, fecha, status, total, balance[, currency, pue]) in centavos."""
    rows = []
    for uuid, folio, fecha, status, total, balance, *rest in invoices:
        currency, pue = (rest + ["MXN", False][len(rest):])[:2]
        rows.append(dict(uuid=uuid, serie="F", folio=folio, customer_rfc="ALE1503107H2", customer_name="A", fecha=_day(fecha),
                         currency=currency, status=status, total_mxn=total, balance=Decimal(balance).scaleb(-2),
                         balance_mxn=balance if status in ("open", "credit") else 0, pue=pue))
    inv = pd.DataFrame(rows).set_index("uuid")
    events = ["doc_uuid", "kind", "invoice_uuid", "fecha", "amount_mxn", "applied"]

    def frame(items, columns):  # type: ignore[no-untyped-def]
        return pd.DataFrame([dict(zip(columns, i)) for i in items], columns=columns).astype(
            {"fecha": "datetime64[ns]", "amount_mxn": "int64", **({"applied": "bool"} if "applied" in columns else {})})

    apps = frame([(d, k, i, _day(f), a, ap) for d, k, i, f, a, ap in applications], events)
    after = frame([(d, k, i, _day(f), a, True) for d, k, i, f, a in later], events)
    lost = frame([(d, "payment", i, _day(f), a) for d, i, f, a in unapplied], events[:5])
    docs = pd.DataFrame([dict(uuid=u, kind=k, fecha=_day(f), cancelled=c, accepted=ok) for u, k, f, c, ok in documents],
                        columns=["uuid", "kind", "fecha", "cancelled", "accepted"]).set_index("uuid")
    return Subledger(as_of, inv, apps, after, lost, docs.astype({"fecha": "datetime64[ns]"}))


def _gl(*lines):  # type: ignore[no-untyped-def]
    """GL lines: (date, uuid or None, debit, credit[, text]) in centavos; rows numbered from 2."""
    rows = [dict(row=n, date=_day(d), account="105-01", entry=f"P-{n}", reference=u or "", description=(rest or [""])[0],
                 debit=dr, credit=cr, uuid=u) for n, (d, u, dr, cr, *rest) in enumerate(lines, start=2)]
    return pd.DataFrame(rows, columns=list(LINE_COLUMNS)).astype({"uuid": object})


def _items(ar, lines, **kw):  # type: ignore[no-untyped-def]
    result = reconcile(ar, lines, account=ACCOUNT, **kw)
    assert result.explained + result.unexplained == result.difference and result.unexplained == 0
    return [(i.kind, i.uuid, i.amount) for i in result.items]


_OPEN = (INV, "1", "2026-10-05", "open", 116000, 76000)
_PAID_BY_REP = [(REP, "payment", INV, "2026-10-20", 40000, True)]
_REP_DOC = [(REP, "payment", "2026-10-20", False, True)]


def test_a_rep_posted_twice_is_duplicated_on_the_rep():
    gl = _gl(("2026-10-05", INV, 116000, 0), ("2026-10-20", REP, 0, 40000), ("2026-10-21", REP, 0, 40000))
    assert _items(_ar([_OPEN], _PAID_BY_REP, documents=_REP_DOC), gl) == [("duplicated_in_gl", REP, 40000)]


def test_a_rep_posted_for_another_amount_is_an_amount_mismatch_on_the_rep():
    gl = _gl(("2026-10-05", INV, 116000, 0), ("2026-10-20", REP, 0, 4000))
    assert _items(_ar([_OPEN], _PAID_BY_REP, documents=_REP_DOC), gl) == [("amount_mismatch", REP, -36000)]


def test_a_payment_posted_with_the_invoice_uuid_instead_of_the_rep_ties():
    gl = _gl(("2026-10-05", INV, 116000, 0), ("2026-10-20", INV, 0, 40000))
    assert _items(_ar([_OPEN], _PAID_BY_REP, documents=_REP_DOC), gl) == []


def test_a_payment_posted_without_any_uuid_is_matched_by_its_amount_and_fechapago():
    gl = _gl(("2026-10-05", INV, 116000, 0), ("2026-10-20", None, 0, 40000, "Depósito SPEI 88172301"))
    result = reconcile(_ar([_OPEN], _PAID_BY_REP, documents=_REP_DOC), gl, account=ACCOUNT)
    assert (result.items, result.ties) == ((), True)
    [match] = result.info["matched_without_uuid"]
    assert (match["uuid"], match["invoices"], match["amount"], match["gl_ref"]["row"]) == (REP, [INV], Decimal("400.00"), 3)


def test_a_rep_paying_two_invoices_is_matched_to_one_line_of_their_sum():
    ar = _ar([(INV, "1", "2026-10-05", "open", 116000, 76000), (INV2, "2", "2026-10-06", "paid", 58000, 0)],
             [(REP, "payment", INV, "2026-10-20", 40000, True), (REP, "payment", INV2, "2026-10-20", 58000, True)],
             documents=_REP_DOC)
    gl = _gl(("2026-10-05", INV, 116000, 0), ("2026-10-06", INV2, 58000, 0), ("2026-10-20", None, 0, 98000))
    assert _items(ar, gl) == []


def test_a_line_without_uuid_is_not_matched_when_its_amount_and_day_are_ambiguous_or_off():
    ar = _ar([_OPEN, (INV2, "2", "2026-10-05", "open", 116000, 76000)],
             _PAID_BY_REP + [(NOTE, "payment", INV2, "2026-10-20", 40000, True)],
             documents=_REP_DOC + [(NOTE, "payment", "2026-10-20", False, True)])
    two = _gl(("2026-10-05", INV, 116000, 0), ("2026-10-05", INV2, 116000, 0), ("2026-10-20", None, 0, 40000),
              ("2026-10-20", None, 0, 40000))
    assert sorted(k for k, _, _ in _items(ar, two)) == ["gl_without_cfdi", "gl_without_cfdi", "missing_in_gl", "missing_in_gl"]
    other_day = _gl(("2026-10-05", INV, 116000, 0), ("2026-10-21", None, 0, 40000))
    assert _items(_ar([_OPEN], _PAID_BY_REP, documents=_REP_DOC), other_day) == [
        ("missing_in_gl", REP, -40000), ("gl_without_cfdi", None, 40000)]


def test_a_cancelled_rep_still_in_the_gl_is_cancelled_in_gl():
    ar = _ar([(INV, "1", "2026-10-05", "open", 116000, 116000)], [(REP, "payment", INV, "2026-10-20", 40000, False)],
             documents=[(REP, "payment", "2026-10-20", True, True)])
    gl = _gl(("2026-10-05", INV, 116000, 0), ("2026-10-20", REP, 0, 40000))
    assert _items(ar, gl) == [("cancelled_in_gl", REP, 40000)]


def test_a_rep_dated_after_the_date_but_posted_before_is_a_period_mismatch():
    ar = _ar([(INV, "1", "2026-10-05", "open", 116000, 116000)], later=[(REP, "payment", INV, "2026-11-03", 40000)],
             documents=[(REP, "payment", "2026-11-03", False, True)])
    assert _items(ar, _gl(("2026-10-05", INV, 116000, 0), ("2026-10-31", REP, 0, 40000))) == [("period_mismatch", REP, 40000)]


def test_a_rep_of_the_period_paying_an_invoice_of_the_next_is_a_period_mismatch_saying_so():
    ar = _ar([(INV, "1", "2026-11-02", "future", 116000, 116000)], documents=[(REP, "payment", "2026-10-30", False, True)])
    [item] = reconcile(ar, _gl(("2026-10-30", REP, 0, 40000)), account=ACCOUNT).items
    assert (item.kind, item.uuid, item.amount) == ("period_mismatch", REP, 40000)
    assert item.message == "the REP applies only to invoices issued after 2026-10-31, and is posted by then (-400.00)"


def test_a_payment_of_the_period_posted_in_the_next_is_a_period_mismatch():
    gl = _gl(("2026-10-05", INV, 116000, 0), ("2026-11-02", REP, 0, 40000))
    assert _items(_ar([_OPEN], _PAID_BY_REP, documents=_REP_DOC), gl) == [("period_mismatch", REP, -40000)]


def test_an_invoice_dated_after_the_date_but_posted_before_is_a_period_mismatch():
    ar = _ar([(INV, "1", "2026-11-02", "future", 116000, 116000)])
    assert _items(ar, _gl(("2026-10-31", INV, 116000, 0))) == [("period_mismatch", INV, -116000)]


def test_a_credit_naming_the_invoice_with_no_rep_in_the_ledger_is_an_amount_mismatch():
    ar = _ar([(INV, "1", "2026-10-05", "open", 116000, 116000)])
    assert _items(ar, _gl(("2026-10-05", INV, 116000, 0), ("2026-10-20", INV, 0, 40000))) == [("amount_mismatch", INV, 40000)]


def test_a_credit_naming_the_invoice_for_a_rep_dated_later_is_a_period_mismatch():
    ar = _ar([(INV, "1", "2026-10-05", "open", 116000, 116000)], later=[(REP, "payment", INV, "2026-11-03", 40000)],
             documents=[(REP, "payment", "2026-11-03", False, True)])
    assert _items(ar, _gl(("2026-10-05", INV, 116000, 0), ("2026-10-30", INV, 0, 40000))) == [("period_mismatch", REP, 40000)]


def test_an_invoice_posted_and_reversed_and_posted_again_ties():
    gl = _gl(("2026-10-05", INV, 116000, 0), ("2026-10-06", INV, 0, 116000), ("2026-10-07", INV, 116000, 0))
    assert _items(_ar([(INV, "1", "2026-10-05", "open", 116000, 116000)]), gl) == []


def test_an_invoice_posted_twice_and_a_payment_missing_are_each_an_item():
    gl = _gl(("2026-10-05", INV, 116000, 0), ("2026-10-05", INV, 116000, 0))
    assert _items(_ar([_OPEN], _PAID_BY_REP, documents=_REP_DOC), gl) == [
        ("missing_in_gl", REP, -40000), ("duplicated_in_gl", INV, -116000)]


def test_a_pue_invoice_never_collected_in_the_gl_is_its_missing_collection():
    ar = _ar([(INV, "1", "2026-10-05", "paid", 34800, 0, "MXN", True)])
    items = reconcile(ar, _gl(("2026-10-05", INV, 34800, 0)), account=ACCOUNT).items
    assert [(i.kind, i.uuid, i.amount) for i in items] == [("missing_in_gl", INV, -34800)]
    assert "PUE" in items[0].message


def test_a_credit_note_posted_with_its_own_uuid_counts_for_the_invoice_it_credits():
    ar = _ar([(INV, "1", "2026-10-05", "open", 116000, 104400)], [(NOTE, "credit_note", INV, "2026-10-14", 11600, True)],
             documents=[(NOTE, "credit_note", "2026-10-14", False, True)])
    assert _items(ar, _gl(("2026-10-05", INV, 116000, 0), ("2026-10-14", NOTE, 0, 11600))) == []
    assert _items(ar, _gl(("2026-10-05", INV, 116000, 0))) == [("missing_in_gl", NOTE, -11600)]


def test_a_rep_paying_two_invoices_posted_once_counts_for_both():
    ar = _ar([(INV, "1", "2026-10-05", "open", 116000, 76000), (INV2, "2", "2026-10-06", "paid", 58000, 0)],
             [(REP, "payment", INV, "2026-10-20", 40000, True), (REP, "payment", INV2, "2026-10-20", 58000, True)],
             documents=_REP_DOC)
    gl = _gl(("2026-10-05", INV, 116000, 0), ("2026-10-06", INV2, 58000, 0), ("2026-10-20", REP, 0, 98000))
    assert _items(ar, gl) == []


def test_unapplied_cash_not_in_the_gl_is_listed_with_amount_zero():
    ar = _ar([(INV, "1", "2026-10-05", "open", 116000, 116000)], unapplied=[(REP, ELSEWHERE, "2026-10-22", 30000)],
             documents=_REP_DOC)
    assert _items(ar, _gl(("2026-10-05", INV, 116000, 0))) == [("unapplied_payment", REP, 0)]


def test_lines_naming_a_uuid_the_ledger_lacks_are_one_item_and_lines_without_one_an_item_each():
    ar = _ar([(INV, "1", "2026-10-05", "open", 116000, 116000)])
    gl = _gl(("2026-10-05", INV, 116000, 0), ("2026-10-06", ELSEWHERE, 50000, 0), ("2026-10-07", ELSEWHERE, 0, 20000),
             ("2026-10-08", None, 1000, 0, "Saldo inicial"), ("2026-10-09", None, 0, 300, "=HYPERLINK(\"x\")"),
             ("2026-10-10", None, 500, 500))
    result = reconcile(ar, gl, account=ACCOUNT)
    assert [(i.kind, i.uuid, i.amount, [r.row for r in i.gl_refs]) for i in result.items] == [
        ("gl_without_cfdi", ELSEWHERE, -30000, [3, 4]), ("gl_without_cfdi", None, -1000, [5]),
        ("gl_without_cfdi", None, 300, [6])]
    assert result.items[1].message == "no CFDI UUID in the line (Saldo inicial)"


def test_a_usd_invoice_whose_mxn_balance_rounds_apart_from_its_postings_shows_the_rounding():
    # 100.01 USD at 18.4521: Total 1,845.39 MXN; 50.00 paid: 922.61 (922.605 rounded half even); balance 50.01 USD =
    # 922.79 MXN (922.789521), not 1,845.39 - 922.61 = 922.78.
    ar = _ar([(INV, "1", "2026-10-05", "open", 184539, 92279, "USD")], [(REP, "payment", INV, "2026-10-20", 92261, True)],
             documents=_REP_DOC)
    result = reconcile(ar, _gl(("2026-10-05", INV, 184539, 0), ("2026-10-20", REP, 0, 92261)), account=ACCOUNT)
    assert [(i.kind, i.amount) for i in result.items] == [("amount_mismatch", 1)]
    assert "MXN rounding" in result.items[0].message and result.unexplained == 0


def test_mxn_rounding_on_several_foreign_invoices_is_one_item_listing_them():
    second = "AAAAAAAA-0000-4000-8000-000000000009"
    ar = _ar([(INV, "1", "2026-10-05", "open", 184539, 92279, "USD"), (second, "9", "2026-10-05", "open", 184539, 92279, "USD")],
             [(REP, "payment", INV, "2026-10-20", 92261, True), (REP, "payment", second, "2026-10-20", 92261, True)],
             documents=_REP_DOC)
    gl = _gl(("2026-10-05", INV, 184539, 0), ("2026-10-05", second, 184539, 0), ("2026-10-20", REP, 0, 184522))
    [item] = reconcile(ar, gl, account=ACCOUNT).items
    assert (item.kind, item.uuid, item.amount, item.details) == ("amount_mismatch", None, 2, ((INV, 1), (second, 1)))
    assert item.to_dict()["details"] == [{"uuid": INV, "amount": Decimal("0.01")}, {"uuid": second, "amount": Decimal("0.01")}]


_BASE = [("2026-10-05", INV, 116000, 0), ("2026-10-06", INV2, 58000, 0), ("2026-10-20", REP, 0, 98000),
         ("2026-10-14", NOTE, 0, 5800), ("2026-10-15", None, 15000, 0)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_BASE) - 1), st.sampled_from(["keep", "drop", "twice", "amount", "later",
                                                                           "uuid", "none"]),
                          st.integers(-50000, 50000)), max_size=8))
def test_whatever_the_gl_holds_the_items_add_up_to_the_difference(changes):
    ar = _ar([(INV, "1", "2026-10-05", "open", 116000, 76000), (INV2, "2", "2026-10-06", "open", 58000, -5800)],
             [(REP, "payment", INV, "2026-10-20", 40000, True), (REP, "payment", INV2, "2026-10-20", 58000, True),
              (NOTE, "credit_note", INV2, "2026-10-14", 5800, True)],
             documents=[(REP, "payment", "2026-10-20", False, True), (NOTE, "credit_note", "2026-10-14", False, True)],
             unapplied=[(REP, ELSEWHERE, "2026-10-20", 1000)])
    lines = list(_BASE)
    for index, change, amount in changes:
        d, u, dr, cr = lines[index % len(lines)]
        new = {"keep": [(d, u, dr, cr)], "drop": [], "twice": [(d, u, dr, cr)] * 2, "amount": [(d, u, abs(amount), 0)],
               "later": [("2026-11-05", u, dr, cr)], "uuid": [(d, ELSEWHERE, dr, cr)], "none": [(d, None, dr, cr)]}[change]
        lines[index % len(lines):index % len(lines) + 1] = new or [("2026-10-01", None, 0, 0)]
    result = reconcile(ar, _gl(*lines), account=ACCOUNT)
    assert sum(i.amount for i in result.items if i.explains) == result.difference
    assert result.unexplained == 0
    assert all(i.amount != 0 or i.kind == "unapplied_payment" for i in result.items)


def _erp(*rows):  # type: ignore[no-untyped-def]
    """ERP open items: (document, uuid, currency, amount, amount_mxn) in centavos; rows numbered from 2."""
    from cfdi_ar.close.erp import ITEM_COLUMNS

    data = [dict(row=n, customer="", customer_rfc="", customer_name="", document=doc, reference="", uuid=u,
                 posting_date=np.datetime64("NaT"), due_date=np.datetime64("NaT"), currency=cur, amount=amt, amount_known=True,
                 amount_mxn=mxn) for n, (doc, u, cur, amt, mxn) in enumerate(rows, start=2)]
    return pd.DataFrame(data, columns=list(ITEM_COLUMNS)).astype({"uuid": object})


def _erp_items(ar, erp):  # type: ignore[no-untyped-def]
    result = reconcile(ar, _gl(), account=ACCOUNT, erp=erp)
    return [(i.kind, i.uuid, i.amount, i.erp_rows) for i in result.items if not i.explains and i.kind != "erp_balance_vs_gl"]


def test_an_open_item_in_dollars_is_compared_in_dollars_not_at_the_erps_month_end_rate():
    ar = _ar([(INV, "1", "2026-10-05", "open", 935590, 935590, "USD")])
    ar.invoices.loc[INV, "balance"] = Decimal("507.04")
    revalued = _erp(("F-1", INV, "USD", 50704, 943627))  # 507.04 USD at the month-end rate: same debt
    assert _erp_items(ar, revalued) == []
    short = _erp(("F-1", INV, "USD", 50000, 930000))
    [(kind, uuid, amount, rows)] = _erp_items(ar, short)
    assert (kind, uuid, amount, rows) == ("erp_amount_mismatch", INV, 5590, (2,))
    [item] = [i for i in reconcile(ar, _gl(), account=ACCOUNT, erp=short).items if i.kind == "erp_amount_mismatch"]
    assert "500.00 USD in the ERP, 507.04 USD in the ledger" in item.message


def test_erp_items_match_by_uuid_then_serie_and_folio_then_a_folio_only_one_invoice_has():
    ar = _ar([(INV, "1001", "2026-10-05", "open", 10000, 10000), (INV2, "1002", "2026-10-05", "open", 20000, 20000)])
    erp = _erp(("X-77", INV, "MXN", 10000, 10000), ("f 1002", None, "MXN", 15000, 15000), ("1002", None, "MXN", 5000, 5000))
    assert _erp_items(ar, erp) == []  # INV by UUID; INV2 by Serie+Folio and by its folio: 15,000 + 5,000
    assert _erp_items(ar, _erp(("F-1003", None, "MXN", 100, 100))) == [
        ("missing_in_erp", INV, 10000, ()), ("missing_in_erp", INV2, 20000, ()), ("erp_without_cfdi", None, -100, (2,))]


# --------------------------------------------------------------------------- the command


def _cli(*args):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from cfdi_ar.cli import main

    return CliRunner().invoke(main, ["reconcile", *args])


def _args(db, gl, *more):  # type: ignore[no-untyped-def]
    return ["--db", db, "--gl", str(gl), "--account", ACCOUNT, "--as-of", "2026-10-31", *more]


def _summary(table: str) -> dict[str, str]:
    """The summary block of the table view: label -> amount."""
    return {line[2:].rsplit(" ", 1)[0].strip(): line.rsplit(" ", 1)[1] for line in table.splitlines()
            if line.startswith("  ") and line.strip() and line.rsplit(" ", 1)[-1][-3:-2] == "."}


def test_cli_json_has_the_figures_and_items_and_exits_1_on_findings(month_ledger, month, gl_file):
    result = _cli(*_args(month_ledger.target, gl_file(), "-f", "json"))
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("as_of", "account", "ar_balance", "gl_balance", "difference", "explained", "unexplained")} == {
        "as_of": "2026-10-31", "account": "105-01", "ar_balance": "7952.00", "gl_balance": "7350.00", "difference": "602.00",
        "explained": "602.00", "unexplained": "0.00"}
    assert [(i["kind"], i["uuid"], i["amount"]) for i in data["items"]] == [
        (k, u, str(a)) for k, u, a in by_kind_order(expected_items(month))]
    assert set(data["items"][0]) >= {"kind", "uuid", "amount", "explains", "gl_refs", "message"}
    assert data["gl"] == {"file": str(gl_file()), "layout": "es-generic", "lines": 13, "lines_after_as_of": 1, "skipped_rows": []}


def test_cli_exits_0_when_the_ledger_ties_with_the_gl(month_ledger, month, gl_file):
    result = _cli("--db", month_ledger.target, "--gl", str(gl_file(_tied_gl(month))), "--account", ACCOUNT,
                  "--as-of", "2026-10-21", "-f", "table")
    assert result.exit_code == 0, result.output
    assert _summary(result.stdout)["AR balance (ledger)"] == _summary(result.stdout)["GL balance"] == "8,648.00"
    assert "No reconciling items: the AR ledger ties with the GL." in result.stdout


def test_cli_table_shows_the_summary_then_the_items(month_ledger, month, gl_file):
    out = _cli(*_args(month_ledger.target, gl_file(), "-f", "table")).stdout
    assert out.splitlines()[:2] == ["Reconciliation of account 105-01 at 2026-10-31",
                                    f"GL: {gl_file()} (es-generic), 13 lines by then, 1 after"]
    assert (_summary(out)["Difference (AR - GL)"], _summary(out)["Unexplained"]) == ("602.00", "0.00")
    assert "missing_in_gl" in out and "2,320.00" in out and "row 5 D-4" in out
    assert out.rstrip().endswith("8 items: 2 missing_in_gl, 1 duplicated_in_gl, 1 amount_mismatch, 1 gl_without_cfdi, "
                                 "1 unapplied_payment, 1 cancelled_in_gl, 1 period_mismatch")


def test_cli_csv_keeps_formula_text_as_text_and_starts_with_the_summary(month_ledger, month, gl_file, tmp_path):
    rows = planted_gl_rows(month) + [("16/10/2026", "D-13", "105-01-009", '=HYPERLINK("http://evil.example","x")', "",
                                      "1.00", ""), ("16/10/2026", "D-14", "105-01-009", "@SUM(A1:A9)", "", "", "1.00"),
                                     ("16/10/2026", "-1", "105-01-009", "'; DROP TABLE documents; -- \"x\"", "", "2.00", "")]
    out = tmp_path / "rec.csv"
    result = _cli(*_args(month_ledger.target, gl_file(rows), "-f", "csv", "-o", str(out)))
    assert result.exit_code == 1
    table = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert table[0] == ["kind", "uuid", "amount", "explains", "invoice", "refs", "message"]
    assert [r[:3] for r in table[1:6]] == [["ar_balance", "", "7952.00"], ["gl_balance", "", "7352.00"],
                                           ["difference", "", "600.00"], ["explained", "", "600.00"],
                                           ["unexplained", "", "0.00"]]
    assert ["gl_without_cfdi", "", "-1.00"] in [r[:3] for r in table]  # a negative amount stays a number
    by_refs = {r[5]: r[6] for r in table}
    assert by_refs["row 20 -1"] == "no CFDI UUID in the line ('; DROP TABLE documents; -- \"x\")"  # quotes and SQL: text
    assert all(re.fullmatch(r"-[0-9]+\.[0-9]{2}", cell) for row in table for cell in row if cell.startswith(("=", "+", "-", "@")))


def test_cli_xlsx_has_a_sheet_per_part_with_money_formatted_and_text_never_a_formula(month_ledger, month, gl_file, tmp_path):
    from openpyxl import load_workbook

    rows = planted_gl_rows(month) + [("16/10/2026", "=1+1", "105-01-009", '=HYPERLINK("http://evil.example","x")', "@SUM(A1)",
                                      "1.00", "")]
    erp = write_csv(tmp_path / "ar.csv", ("Cliente", "Documento", "Saldo"), [("A", "F-1001", "760.00"), ("B", "+1", "2.00")])
    out = tmp_path / "rec.xlsx"
    result = _cli(*_args(month_ledger.target, gl_file(rows), "--ar", str(erp), "-o", str(out)))
    assert result.exit_code == 1, result.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["summary", "GL items", "ERP items", "GL lines"]
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Difference (AR - GL)"] == 601 and summary["GL balance"] == 7351
    assert wb["summary"]["B4"].number_format == "#,##0.00;-#,##0.00"
    items = list(wb["GL items"].iter_rows(values_only=True))
    assert items[0] == ("kind", "uuid", "amount", "invoice", "refs", "message")
    assert all(c.data_type != "f" for row in wb["GL items"].iter_rows() for c in row)
    assert all(c.data_type != "f" for name in wb.sheetnames for row in wb[name].iter_rows() for c in row)
    lines = list(wb["GL lines"].iter_rows(values_only=True))
    assert lines[0] == ("kind", "uuid", "row", "date", "entry", "amount", "reference", "description")
    assert ("gl_without_cfdi", None, 18, dt.datetime(2026, 10, 16), "'=1+1", 1, "'@SUM(A1)",
            "'=HYPERLINK(\"http://evil.example\",\"x\")") in lines
    assert wb["GL items"]["C2"].number_format == "#,##0.00;-#,##0.00"
    assert {r[0] for r in wb["ERP items"].iter_rows(min_row=2, values_only=True)} == {
        "missing_in_erp", "erp_without_cfdi", "erp_balance_vs_gl"}


@pytest.mark.parametrize(("args", "message"), [
    (["--as-of", "2026-13-01"], "is not a date"),
    (["--account", ","], "an account code is required"),
    (["--gl-preset", "nope"], "no GL preset 'nope'"),
    (["--account", "999"], "no line of account 999; its accounts are 105-01-001, 105-01-002, 105-010-001, 401-01"),
    (["--ar", "missing.csv"], "cannot read"),
])
def test_cli_bad_input_exits_2_with_a_message_and_no_traceback(month_ledger, gl_file, cwd, args, message):
    base = {"--db": month_ledger.target, "--gl": str(gl_file()), "--account": ACCOUNT, "--as-of": "2026-10-31"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    result = _cli(*[x for kv in base.items() for x in kv])
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_a_malformed_gl_exits_2_naming_the_row_and_column(month_ledger, gl_file):
    bad = gl_file([("05/10/2026", "D-1", "105-01", "Venta", "", "1.234,56", "")])
    result = _cli(*_args(month_ledger.target, bad))
    assert result.exit_code == 2
    assert f"{bad}, row 2, column 'Cargo': '1.234,56' uses a decimal comma" in result.stderr


def test_cli_no_ledger_exits_2(tmp_path, gl_file):
    result = _cli(*_args(str(tmp_path / "none.db"), gl_file()))
    assert result.exit_code == 2 and "no ledger at" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_cli_lists_the_presets():
    result = _cli("--list-presets")
    assert result.exit_code == 0
    assert "sap-fagll03" in result.stdout and "aspel-sae" in result.stdout


def test_cli_reports_a_payment_line_without_uuid_matched_by_amount_and_date(month_ledger, month, gl_file, tmp_path):
    from openpyxl import load_workbook

    rows = planted_gl_rows(month) + [("25/10/2026", "I-9", "105-01-001", "Depósito banco", "", "", "1,044.00")]
    result = _cli(*_args(month_ledger.target, gl_file(rows), "-f", "json"))
    data = json.loads(result.stdout)
    assert [m["uuid"] for m in data["matched_without_uuid"]] == [month.uuid["P-3"]]
    assert month.uuid["P-3"] not in [i["uuid"] for i in data["items"]]
    assert (data["difference"], data["explained"], data["unexplained"]) == ("1646.00", "1646.00", "0.00")
    table = _cli(*_args(month_ledger.target, gl_file(rows), "-f", "table")).stdout
    assert "1 GL line without a CFDI UUID matched to a payment by amount and date" in table
    out = tmp_path / "rec.xlsx"
    _cli(*_args(month_ledger.target, gl_file(rows), "-o", str(out)))
    sheet = load_workbook(out)["matched without UUID"]
    assert [c.value for c in sheet[2]][:4] == [month.uuid["P-3"], month.uuid["F-1007"], 1044, 18]


def test_cli_refuses_a_gl_export_above_2_gib_with_a_message_exit_2_and_reads_nothing(month_ledger, tmp_path):
    """Issue 6: a 2 GB CSV is streamed or refused. A sparse 2.5 GB file (the default limit is 2,048 MB):
    refused on its size, before a byte is parsed, in well under a second; nothing is written anywhere."""
    import time

    path = tmp_path / "huge.csv"
    with open(path, "wb") as fh:
        fh.write(b"Fecha,Poliza,Cuenta,Concepto,Referencia,Cargo,Abono\r\n")
        fh.seek(2_500 * 1024 * 1024)
        fh.write(b"\r\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    started = time.monotonic()
    result = _cli(*_args(month_ledger.target, path, "-f", "json"))
    assert time.monotonic() - started < 5
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "2,500 MB is above the 2,048 MB limit for an export (raise it with --max-export-mb" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before

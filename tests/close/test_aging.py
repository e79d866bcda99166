"""Aging: buckets and their edges, due dates (CondicionesDePago, terms file, default, none), credit
balances apart, and the fixture ledger aged at several past dates on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cfdi_ar.cli import main
from cfdi_ar.close.aging import NO_DUE_DATE, Buckets, BucketsError, age_items, aging, summarize
from cfdi_ar.close.terms import Terms, TermsError, parse_terms
from cfdi_ar.ledger.book import load_book

from .aging_fixtures import close_ledger, close_month, close_target  # noqa: F401 - fixtures

ESPERANZA, FERRETERIA, AUTOPARTES, GUADALUPE = "ALE1503107H2", "FNO0807226T3", "AGL1111119Z0", "HELG850314QW5"


# --------------------------------------------------------------------------- buckets

@pytest.mark.parametrize(("days", "label"), [(-5, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"),
                                             (60, "31-60"), (61, "61-90"), (90, "61-90"), (91, "91-120"),
                                             (120, "91-120"), (121, "over 120"), (4000, "over 120")])
def test_each_edge_belongs_to_the_bucket_it_closes(days, label):
    assert Buckets().label(days) == label


def test_custom_edges_make_their_own_labels():
    assert Buckets.parse("0, 15,45").labels == ("current", "1-15", "16-45", "over 45")
    assert Buckets.parse("0").labels == ("current", "past due")
    assert Buckets.from_values([0, 7]).label(8) == "over 7"


@pytest.mark.parametrize(("text", "why"), [("30,60", "first bucket edge must be 0"), ("0,30,30", "must increase"),
                                           ("0,60,30", "must increase"), ("0,-5", "whole numbers"), ("a", "whole numbers"),
                                           ("", "whole numbers"), ("0,5000", "above 3650"), ("0,1.5", "whole numbers")])
def test_bad_bucket_edges_are_refused_with_the_reason(text, why):
    with pytest.raises(BucketsError, match=why):
        Buckets.parse(text)


# --------------------------------------------------------------------------- terms file

def test_a_terms_file_in_spanish_from_excel_reads_with_semicolons_accents_and_cp1252():
    data = "RFC;Días de crédito;Razón social\nale1503107h2;30;Abarrotes La Esperanza\n\nFNO0807226T3;45;Ferretería\n"
    terms = parse_terms(data.encode("cp1252"), "plazos.csv")
    assert dict(terms.days) == {ESPERANZA: 30, FERRETERIA: 45}
    assert terms.names[FERRETERIA] == "Ferretería" and terms.days_for("ale1503107h2") == 30 and terms.days_for("X") is None


def test_a_terms_file_in_english_with_a_bom_and_an_rfc_listed_twice_alike_reads():
    terms = parse_terms(b"\xef\xbb\xbfcustomer rfc,credit days\nALE1503107H2,30\nALE1503107H2,30\n")
    assert dict(terms.days) == {ESPERANZA: 30}


@pytest.mark.parametrize(("data", "message"), [
    (b"rfc,days\nALE1503107H2,treinta\n", "row 2, column days: 'treinta' is not a whole number of days"),
    (b"rfc,days\nALE1503107H2,30\nNOT-AN-RFC,10\n", "row 3, column rfc: 'NOT-AN-RFC' is not an RFC"),
    (b"rfc,days\nALE1503107H2,-3\n", "row 2, column days: '-3'"),
    (b"rfc,days\nALE1503107H2,4000\n", "0 to 3650"),
    (b"rfc,dias\nALE1503107H2,30\n\nALE1503107H2,45\n", "row 4, column dias: ALE1503107H2 has 45 days here but 30 in row 2"),
    (b"nombre,plazo\nX,30\n", "row 1: no rfc column"),
    (b"rfc,days,dias\n", "more than one days column"),
    (b"", "the file is empty"),
])
def test_a_bad_terms_file_is_refused_naming_the_row_and_column(data, message):
    with pytest.raises(TermsError, match="terms file t.csv") as raised:
        parse_terms(data, "t.csv")
    assert message in str(raised.value)


# --------------------------------------------------------------------------- due dates and buckets on tiny rows

def _row(uuid: str, balance: str, *, due: date | None = None, customer: str = ESPERANZA, fecha: datetime = datetime(2026, 9, 1, 10)):
    return {"uuid": uuid, "serie": "F", "folio": uuid, "customer_rfc": customer, "customer_name": customer, "fecha": fecha,
            "due_date": due, "currency": "MXN", "total": D(balance), "balance": D(balance), "balance_mxn": D(balance),
            "status": "open" if D(balance) > 0 else "credit"}


def test_the_due_date_comes_from_condiciones_then_terms_then_default_days_else_none():
    rows = [_row("A", "100.00", due=date(2026, 9, 20)), _row("B", "200.00"), _row("C", "300.00", customer=FERRETERIA)]
    terms = Terms({ESPERANZA: 10})
    a, b, c = age_items(rows, date(2026, 10, 1), Buckets(), terms=terms, default_days=45)
    assert (a.due_source, a.due_date, a.days_past_due, a.bucket) == ("condiciones", date(2026, 9, 20), 11, "1-30")
    assert (b.due_source, b.due_date, b.days_past_due, b.bucket) == ("terms", date(2026, 9, 11), 20, "1-30")
    assert (c.due_source, c.due_date, c.days_past_due, c.bucket) == ("default", date(2026, 10, 16), -15, "current")
    (none,) = age_items([_row("D", "50.00")], date(2026, 10, 1), Buckets())
    assert (none.due_date, none.due_source, none.days_past_due, none.bucket) == (None, None, None, NO_DUE_DATE)


def test_an_invoice_without_a_due_date_is_never_current_and_the_report_says_so():
    items = age_items([_row("A", "100.00", due=date(2026, 10, 30)), _row("B", "250.50")], date(2026, 10, 1), Buckets())
    report = summarize(items, date(2026, 10, 1), Buckets())
    assert report.total.mxn.buckets["current"] == D("100.00") and report.total.mxn.no_due_date == D("250.50")
    assert report.total.mxn.total == D("350.50")
    (note,) = report.notes
    assert "1 open invoice (250.50 MXN) has no due date" in note and "--default-days" in note


def test_a_credit_balance_is_shown_apart_as_a_positive_credit_and_never_netted_into_a_bucket():
    items = age_items([_row("A", "100.00", due=date(2026, 8, 1)), _row("B", "-40.00", due=date(2026, 8, 1))],
                      date(2026, 10, 1), Buckets())
    assert [i.bucket for i in items] == ["61-90", "credit"]
    total = summarize(items, date(2026, 10, 1), Buckets()).total.mxn
    assert (total.buckets["61-90"], total.total, total.credit, total.net) == (D("100.00"), D("100.00"), D("40.00"), D("60.00"))


# --------------------------------------------------------------------------- the fixture ledger at past dates

def _mxn(report, rfc=None):  # type: ignore[no-untyped-def]
    target = report.total if rfc is None else next(c for c in report.customers if c.customer_rfc == rfc)
    return {k: v for k, v in target.mxn.buckets.items() if v}, target.mxn.no_due_date, target.mxn.total, target.mxn.credit


def test_aging_at_the_end_of_august(close_ledger):
    report = aging(load_book(close_ledger), date(2026, 8, 31))
    # F-101 11,600.00 due 09-09 (current); F-103 5,800.00 due 08-14 (17 days)
    assert _mxn(report) == ({"current": D("11600.00"), "1-30": D("5800.00")}, D("0.00"), D("17400.00"), D("0.00"))


def test_aging_at_the_end_of_september_counts_the_partial_payment_and_the_credit_note(close_ledger):
    report = aging(load_book(close_ledger), date(2026, 9, 30))
    # F-101 11,600 - 5,000 (09-20) = 6,600 (21 days); F-103 5,800 - 580 (NC 09-15) = 5,220 (47 days);
    # F-102 2,320 has no due date (no CondicionesDePago, no terms); F-107 was paid in full on 09-10
    assert _mxn(report) == ({"1-30": D("6600.00"), "31-60": D("5220.00")}, D("2320.00"), D("14140.00"), D("0.00"))
    assert [c.customer_rfc for c in report.customers] == [ESPERANZA, FERRETERIA]


def test_aging_at_the_end_of_october_by_customer_with_a_terms_file(close_ledger):
    report = aging(load_book(close_ledger), date(2026, 10, 31), terms=Terms({ESPERANZA: 15}))
    # F-101 2,600 (52 days); F-102 1,320 due 10-10 by terms (21 days); F-103 5,220 (78 days);
    # F-104 66.00 USD x 18.4520 = 1,217.83 due 10-31 (current); F-108 2,320 due 11-19 (current; cancelled only
    # on 11-03); F-107 a credit of 100.00; F-105 (cancelled 10-20), F-106 (PUE), F-109 (invalid) are not AR
    assert _mxn(report) == ({"current": D("3537.83"), "1-30": D("1320.00"), "31-60": D("2600.00"), "61-90": D("5220.00")},
                            D("0.00"), D("12677.83"), D("100.00"))
    assert report.total.mxn.net == D("12577.83") and report.total.invoices == 6
    assert _mxn(report, ESPERANZA) == ({"1-30": D("1320.00"), "31-60": D("2600.00")}, D("0.00"), D("3920.00"), D("0.00"))
    assert _mxn(report, GUADALUPE) == ({}, D("0.00"), D("0.00"), D("100.00"))
    usd = next(c for c in report.customers if c.customer_rfc == AUTOPARTES)
    assert usd.mxn.buckets["current"] == D("1217.83") and usd.by_currency["USD"].buckets["current"] == D("66.00")
    assert report.notes == []


def test_a_payment_counts_from_its_fecha_pago_day_not_before(close_ledger):
    book = load_book(close_ledger)
    by_folio = lambda day: {i.folio: i.balance for i in aging(book, day).items}  # noqa: E731
    assert by_folio(date(2026, 10, 14))["101"] == D("6600.00")  # P-202 has FechaPago 10-15
    assert by_folio(date(2026, 10, 15))["101"] == D("2600.00")


def test_default_days_date_an_invoice_without_condiciones_and_a_customer_filter_keeps_one_customer(close_ledger):
    report = aging(load_book(close_ledger), date(2026, 10, 31), default_days=60, customer="ale1503107h2")
    assert [c.customer_rfc for c in report.customers] == [ESPERANZA]
    f102 = next(i for i in report.items if i.folio == "102")
    assert (f102.due_source, f102.due_date, f102.bucket) == ("default", date(2026, 11, 24), "current")


def test_custom_buckets_regroup_the_same_balances(close_ledger):
    report = aging(load_book(close_ledger), date(2026, 10, 31), buckets=Buckets.parse("0,60"), default_days=15)
    assert _mxn(report)[0] == {"current": D("3537.83"), "1-60": D("3920.00"), "over 60": D("5220.00")}


# --------------------------------------------------------------------------- the command

def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


def test_cli_aging_json_has_exact_amounts_by_customer_and_currency(close_ledger, close_target):
    result = _run("aging", "--db", close_target, "--as-of", "2026-10-31", "-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["buckets"] == ["current", "1-30", "31-60", "61-90", "91-120", "over 120"] and doc["currency"] == "MXN"
    assert (doc["total"]["total"], doc["total"]["no_due_date"], doc["total"]["credit"]) == ("12677.83", "1320.00", "100.00")
    usd = next(c for c in doc["customers"] if c["customer_rfc"] == AUTOPARTES)
    assert usd["by_currency"]["USD"]["buckets"]["current"] == "66.00" and usd["buckets"]["current"] == "1217.83"
    assert "1 open invoice (1320.00 MXN) has no due date" in doc["notes"][0] and "note:" in result.stderr


def test_cli_aging_table_csv_and_an_excel_workbook_with_both_views(close_ledger, close_target, tmp_path):
    table = _run("aging", "--db", close_target, "--as-of", "2026-10-31", "--default-days", "15", "-f", "table")
    assert table.exit_code == 0 and "Aging at 2026-10-31" in table.stdout
    total = next(line for line in table.stdout.splitlines() if line.startswith("TOTAL"))
    assert total.split()[-4:] == ["0.00", "12677.83", "100.00", "12577.83"]
    rows = _run("aging", "--db", close_target, "--as-of", "2026-10-31", "--by", "invoice", "-f", "csv").stdout.splitlines()
    assert rows[0].startswith("serie,folio,uuid,customer") and len(rows) == 7
    assert any(",102," in r and ",no due date," in r for r in rows)
    book = tmp_path / "aging.xlsx"
    assert _run("aging", "--db", close_target, "--as-of", "2026-10-31", "-o", str(book)).exit_code == 0
    wb = load_workbook(book)
    assert wb.sheetnames == ["aging", "aging invoices"]
    sheet = wb["aging"]
    header = [c.value for c in sheet[1]]
    last = [c.value for c in sheet[sheet.max_row]]
    assert last[0] == "TOTAL" and D(str(last[header.index("total")])) == D("12677.83")


@pytest.mark.parametrize(("args", "message"), [
    (["--buckets", "30,60"], "first bucket edge must be 0"),
    (["--as-of", "2026-13-01"], "is not a date"),
    (["--default-days", "-1"], "--default-days"),
])
def test_cli_aging_bad_options_exit_2_without_a_traceback(tmp_path, args, message):
    result = _run("aging", "--db", str(tmp_path / "l.db"), *args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_cli_aging_a_bad_terms_file_exits_2_naming_the_row(tmp_path):
    terms = tmp_path / "plazos.csv"
    terms.write_text("rfc,dias\nALE1503107H2,treinta\n", encoding="utf-8")
    result = _run("aging", "--db", str(tmp_path / "l.db"), "--terms", str(terms))
    assert result.exit_code == 2 and "row 2, column dias: 'treinta'" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_aging_reads_buckets_terms_and_default_days_from_the_configuration_file(close_ledger, close_target, tmp_path):
    (tmp_path / "plazos.csv").write_text("rfc,days\nALE1503107H2,15\n", encoding="utf-8")
    config = tmp_path / "cfdi-ar.toml"
    config.write_text('terms = "plazos.csv"\nbuckets = [0, 60]\n', encoding="utf-8")
    doc = json.loads(_run("aging", "-c", str(config), "--db", close_target, "--as-of", "2026-10-31", "-f", "json").stdout)
    assert doc["buckets"] == ["current", "1-60", "over 60"] and doc["total"]["buckets"]["1-60"] == "3920.00"
    config.write_text("buckets = [30, 60]\n", encoding="utf-8")
    bad = _run("aging", "-c", str(config), "--db", close_target)
    assert bad.exit_code == 2 and "buckets in" in bad.output


def test_open_items_from_a_slim_book_equal_the_full_books_on_the_close_month(close_ledger):
    """The close month has what the samples lack (a partial payment, a credit note, a USD invoice paid in
    USD, cancellations before and after the date, an overpayment, an invalid CFDI): open-items' slim load
    must list exactly what the full book lists, at every date of interest."""
    from cfdi_ar.ledger.book import open_items

    full, slim = load_book(close_ledger), load_book(close_ledger, slim=True)
    days = [date(2026, m, d) for m in (8, 9, 10, 11) for d in (1, 14, 15, 20, 28, 30)]
    listed = 0
    for day in days:
        got = open_items(slim, day)
        assert got == open_items(full, day), day
        listed += len(got)
    assert listed > len(days)  # not vacuous

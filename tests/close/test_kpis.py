"""KPIs: each formula against figures computed by hand from the fixture month (see aging_fixtures.py),
the REP deadline at its edge, and the command's formats and exit codes. Ledger tests run on SQLite and
PostgreSQL.

Hand figures for 2026-10 with the terms file ALE1503107H2 = 15 days:
  opening AR (09-30)  6,600.00 (F-101) + 2,320.00 (F-102) + 5,220.00 (F-103)              = 14,140.00
  closing AR (10-31)  2,600.00 + 1,320.00 + 5,220.00 + 1,217.83 (F-104) + 2,320.00 (F-108) = 12,677.83
  current at 10-31    1,217.83 + 2,320.00 = 3,537.83; past due 12,677.83 - 3,537.83 = 9,140.00
  net credit sales    October: 2,140.43 (F-104) + 2,320.00 (F-108) = 4,460.43 (F-105 cancelled, F-106 PUE,
                      F-109 invalid); September 2,320.00 + 1,160.00 - 580.00 (NC-301) = 2,900.00; August 11,600.00
  standard DSO        12,677.83 / 4,460.43 x 31 = 88.111... -> 88.1
  count-back DSO      31 (Oct, 8,217.40 left) + 30 (Sep, 5,317.40 left) + 5,317.40 / 11,600.00 x 31 (14.210...)
                      = 75.210... -> 75.2
  % past due          9,140.00 / 12,677.83 x 100 = 72.094... -> 72.09
  CEI                 (14,140.00 + 4,460.43 - 12,677.83) / (14,140.00 + 4,460.43 - 3,537.83) x 100
                      = 5,922.60 / 15,062.60 x 100 = 39.320... -> 39.32
  REP compliance      P-206 (10-06), P-203 (stamped 11-06: late), P-202 (stamped 11-05: on time), P-204 (10-21):
                      3 / 4 = 75.00
  days to pay         ALE1503107H2 (66 x 4,000 + 15 x 1,000) / 5,000 = 55.8; AGL1111119Z0 19 days on 50.00 USD =
                      922.60 MXN at 18.4520; HELG850314QW5 34 days on 100.00; all 299,929.40 / 6,022.60 = 49.80 -> 49.8
  provision           1-30 1,320.00 x 1 % = 13.20; 31-60 2,600.00 x 5 % = 130.00; 61-90 5,220.00 x 10 % = 522.00
                      -> 665.20
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cfdi_ar.cli import main
from cfdi_ar.close.aging import Buckets, age_items, summarize
from cfdi_ar.close.kpis import MonthSales, ProvisionError, count_back, kpis, parse_percentages, provision
from cfdi_ar.close.period import Period, next_month_day
from cfdi_ar.close.reps import Issued, read_rep_issue_dates, rep_timeliness
from cfdi_ar.close.terms import Terms
from cfdi_ar.ledger.book import load_book
from cfdi_ar.ledger.chain import Invoice, PaymentLine

from .aging_fixtures import close_ledger, close_month, close_target  # noqa: F401 - fixtures

ESPERANZA, FERRETERIA, AUTOPARTES, GUADALUPE = "ALE1503107H2", "FNO0807226T3", "AGL1111119Z0", "HELG850314QW5"
TERMS = Terms({ESPERANZA: 15})
OCT, SEP, AUG, NOV = Period(2026, 10), Period(2026, 9), Period(2026, 8), Period(2026, 11)


def _sales(**months: str) -> dict[Period, MonthSales]:
    out = {}
    for name, amount in months.items():
        p = {"aug": AUG, "sep": SEP, "oct": OCT, "nov": NOV}[name]
        out[p] = MonthSales(p, D(amount))
    return out


# --------------------------------------------------------------------------- pure formulas

def test_count_back_dso_walks_back_until_the_ar_is_used_up():
    back = count_back(D("12677.83"), _sales(aug="11600.00", sep="2900.00", oct="4460.43"), OCT)
    assert back.complete and back.to_dict()["days"] == D("75.2")
    assert [(p.label, covered) for p, _, covered, _ in back.steps] == [
        ("2026-10", D("4460.43")), ("2026-09", D("2900.00")), ("2026-08", D("5317.40"))]


def test_count_back_counts_a_month_without_sales_whole_and_flags_an_ar_larger_than_all_sales():
    back = count_back(D("2500.00"), _sales(aug="3000.00", oct="1000.00"), OCT)  # 31 + 30 + 1,500 / 3,000 x 31
    assert back.complete and back.days == D("76.5")
    short = count_back(D("9999.00"), _sales(sep="1000.00", oct="1000.00"), OCT)
    assert not short.complete and short.days == D("61")
    assert count_back(D("0.00"), _sales(oct="1000.00"), OCT).days == 0


def test_percentages_are_one_per_bucket_from_0_to_100():
    assert parse_percentages("0,1,5,10,25,50", Buckets()) == tuple(D(x) for x in ("0", "1", "5", "10", "25", "50"))
    assert parse_percentages([0, 2.5], Buckets.parse("0")) == (D("0"), D("2.5"))
    for text, why in [("0,1,5", "3 provision percentages for 6 buckets"), ("0,1,5,10,25,150", "from 0 to 100"),
                      ("0,1,5,10,25,x", "not a percentage"), ("0,1,5,10,25,NaN", "from 0 to 100")]:
        with pytest.raises(ProvisionError, match=why):
            parse_percentages(text, Buckets())


def _item_row(uuid: str, balance: str, due: date | None, fecha: datetime = datetime(2026, 7, 1, 9)):
    return {"uuid": uuid, "customer_rfc": ESPERANZA, "fecha": fecha, "due_date": due, "currency": "MXN", "total": D(balance),
            "balance": D(balance), "balance_mxn": D(balance), "status": "open"}


def test_the_provision_rounds_each_bucket_half_up_and_ages_undated_invoices_from_their_fecha():
    as_of = date(2026, 10, 31)
    rows = [_item_row("A", "333.33", date(2026, 10, 20)), _item_row("B", "1000.00", None)]  # B: 122 days since Fecha
    report = summarize(age_items(rows, as_of, Buckets()), as_of, Buckets())
    lines = {line.bucket: line for line in provision(report, parse_percentages("0,0.5,5,10,25,50", Buckets()))}
    assert lines["1-30"].provision == D("1.67")  # 333.33 x 0.5 % = 1.66665
    assert (lines["over 120"].balance, lines["over 120"].no_due_date, lines["over 120"].provision) == (D("0.00"), D("1000.00"), D("500.00"))
    assert lines["current"].no_due_date == D("0.00")


# --------------------------------------------------------------------------- REP deadline

REP, INVOICE = "AAAAAAAA-0000-0000-0000-000000000001", "BBBBBBBB-0000-0000-0000-000000000001"


def _line(fecha_pago: datetime, *, rep: str = REP, invoice: str = INVOICE, pago: int = 0, paid: str = "100.00", **kw) -> PaymentLine:
    return PaymentLine(payment_uuid=rep, pago_index=pago, docto_index=0, invoice_uuid=invoice, fecha_pago=fecha_pago,
                       imp_pagado=D(paid), moneda_dr="MXN", receptor_rfc=ESPERANZA, **kw)


def _issued(stamp: datetime | None, fecha: datetime | None = None) -> dict[str, Issued]:
    return {REP: Issued(fecha or stamp, stamp)}


@pytest.mark.parametrize(("stamped", "on_time", "late"), [(datetime(2026, 11, 5, 23, 59), True, 0),
                                                          (datetime(2026, 11, 6, 0, 1), False, 1),
                                                          (datetime(2026, 10, 31, 9), True, 0)])
def test_a_rep_stamped_on_day_5_is_on_time_and_on_day_6_late(stamped, on_time, late):
    (t,) = rep_timeliness([_line(datetime(2026, 10, 31, 18))], _issued(stamped), OCT)
    assert (t.on_time, t.days_late, t.deadline, t.issued_source) == (on_time, late, date(2026, 11, 5), "FechaTimbrado")


def test_the_stamp_date_decides_over_fecha_and_fecha_is_used_only_without_a_stamp():
    (by_stamp,) = rep_timeliness([_line(datetime(2026, 10, 2))], _issued(datetime(2026, 11, 6, 0, 30), datetime(2026, 11, 5, 23)), OCT)
    assert not by_stamp.on_time and by_stamp.issued == date(2026, 11, 6)
    (by_fecha,) = rep_timeliness([_line(datetime(2026, 10, 2))], {REP: Issued(datetime(2026, 11, 5, 23), None)}, OCT)
    assert by_fecha.on_time and by_fecha.issued_source == "Fecha"
    (undated,) = rep_timeliness([_line(datetime(2026, 10, 2))], {}, OCT)
    assert not undated.on_time and undated.issued is None


def test_the_deadline_day_is_configurable_and_clamped_to_the_following_months_end():
    assert next_month_day(date(2026, 12, 15), 5) == date(2027, 1, 5)
    assert next_month_day(date(2026, 10, 15), 31) == date(2026, 11, 30)
    (t,) = rep_timeliness([_line(datetime(2026, 10, 2))], _issued(datetime(2026, 11, 6, 9)), OCT, deadline_day=6)
    assert t.on_time and t.deadline == date(2026, 11, 6)
    with pytest.raises(ValueError, match="from 1 to 31"):
        rep_timeliness([], {}, OCT, deadline_day=0)


def test_each_payment_counts_once_however_many_invoices_it_pays_or_reps_restate_it():
    stamp = datetime(2026, 10, 3, 9)
    second = "AAAAAAAA-0000-0000-0000-000000000002"
    lines = [_line(datetime(2026, 10, 2)), _line(datetime(2026, 10, 2), invoice="BBBBBBBB-0000-0000-0000-000000000002"),
             _line(datetime(2026, 10, 2), rep=second), _line(datetime(2026, 10, 2), rep=second, invoice="BBBBBBBB-0000-0000-0000-000000000002")]
    (t,) = rep_timeliness(lines, {REP: Issued(stamp, stamp), second: Issued(stamp, datetime(2026, 11, 20))}, OCT)
    assert t.payment_uuid == REP and t.on_time and t.also_in == (second,) and len(t.invoices) == 2


def test_cancelled_reps_pue_invoices_and_other_months_are_not_ppd_payments_of_the_period():
    pue = {INVOICE: Invoice(uuid=INVOICE, fecha=datetime(2026, 10, 1), emisor_rfc="X", receptor_rfc=ESPERANZA, moneda="MXN",
                            total=D("100.00"), metodo_pago="PUE")}
    stamp = _issued(datetime(2026, 10, 3))
    assert rep_timeliness([_line(datetime(2026, 10, 2))], stamp, OCT, invoices=pue) == []
    assert rep_timeliness([_line(datetime(2026, 10, 2), cancelled_at=datetime(2026, 10, 9))], stamp, OCT) == []
    assert rep_timeliness([_line(datetime(2026, 9, 30, 23))], stamp, OCT) == []
    assert len(rep_timeliness([_line(datetime(2026, 10, 2))], stamp, OCT, customer="ale1503107h2")) == 1
    assert rep_timeliness([_line(datetime(2026, 10, 2))], stamp, OCT, customer=FERRETERIA) == []


# --------------------------------------------------------------------------- the fixture ledger

def _kpis(db, period=OCT, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("terms", TERMS)
    return kpis(load_book(db), read_rep_issue_dates(db), period, **kw)


def test_october_kpis_are_the_hand_computed_figures(close_ledger):
    k = _kpis(close_ledger)
    assert (k.opening_ar, k.cancelled_in_period, k.closing_ar, k.current_ar, k.past_due, k.no_due_date, k.credit_balances) == (
        D("14140.00"), D("0.00"), D("12677.83"), D("3537.83"), D("9140.00"), D("0.00"), D("100.00"))
    assert (k.sales.invoices, k.sales.credit_notes, k.sales.net) == (D("4460.43"), D("0.00"), D("4460.43"))
    assert (k.dso_standard, k.dso_count_back.to_dict()["days"], k.past_due_pct, k.cei) == (D("88.1"), D("75.2"), D("72.09"), D("39.32"))
    assert k.dso_count_back.complete and k.notes == []


def test_october_rep_compliance_counts_the_day_5_stamp_on_time_and_the_day_6_stamp_late(close_ledger, close_month):
    k = _kpis(close_ledger)
    assert (len(k.rep_payments), k.rep_on_time, k.rep_compliance_pct) == (4, 3, D("75.00"))
    (late,) = [t for t in k.rep_payments if not t.on_time]
    assert (late.payment_uuid, late.issued, late.days_late) == (close_month.uuid["P-203"], date(2026, 11, 6), 1)
    on_day_5 = next(t for t in k.rep_payments if t.payment_uuid == close_month.uuid["P-202"])
    assert on_day_5.on_time and on_day_5.issued == on_day_5.deadline == date(2026, 11, 5)
    assert _kpis(close_ledger, deadline_day=6).rep_compliance_pct == D("100.00")


def test_october_days_to_pay_are_weighted_by_the_amount_paid_in_mxn(close_ledger):
    k = _kpis(close_ledger)
    assert [(d.customer_rfc, d.payments, d.amount, d.days) for d in k.days_to_pay] == [
        (AUTOPARTES, 1, D("922.60"), D("19.0")), (ESPERANZA, 2, D("5000.00"), D("55.8")), (GUADALUPE, 1, D("100.00"), D("34.0"))]
    total = k.days_to_pay_total
    assert (total.payments, total.amount, total.days) == (4, D("6022.60"), D("49.8"))


def test_october_bad_debt_provision_by_bucket(close_ledger):
    k = _kpis(close_ledger)
    assert [(p.bucket, p.provision) for p in k.provision] == [
        ("current", D("0.00")), ("1-30", D("13.20")), ("31-60", D("130.00")), ("61-90", D("522.00")), ("91-120", D("0.00")),
        ("over 120", D("0.00"))]
    assert k.provision_total == D("665.20")
    custom = _kpis(close_ledger, buckets=Buckets.parse("0,60"), percentages=parse_percentages("1,10,50", Buckets.parse("0,60")))
    assert custom.provision_total == D("35.38") + D("392.00") + D("2610.00")  # 3,537.83 x 1 %, 3,920.00 x 10 %, 5,220.00 x 50 %


def test_september_cei_counts_exactly_the_cash_collected_because_sales_are_net_of_credit_notes(close_ledger):
    k = _kpis(close_ledger, period=SEP)
    # collected in September: P-201 5,000.00 + P-205 1,160.00 = 6,160.00; current at 09-30: F-102 (due 10-10)
    assert (k.opening_ar, k.sales.net, k.closing_ar, k.current_ar) == (D("17400.00"), D("2900.00"), D("14140.00"), D("2320.00"))
    assert k.opening_ar + k.sales.net - k.closing_ar == D("6160.00")
    assert (k.cei, k.dso_standard, k.dso_count_back.to_dict()["days"]) == (D("34.26"), D("146.3"), D("60.0"))


def test_november_takes_an_invoice_cancelled_in_the_month_out_of_the_opening_ar_and_of_its_months_sales(close_ledger):
    k = _kpis(close_ledger, period=NOV)
    # F-108 (2,320.00, open at 10-31) was cancelled on 11-03
    assert (k.opening_ar, k.cancelled_in_period, k.closing_ar) == (D("10357.83"), D("2320.00"), D("10357.83"))
    assert k.sales.net == D("0.00") and k.dso_standard is None and k.cei == D("0.00")
    # 30 (Nov, no sales) + 31 (Oct: F-104 only) + 30 (Sep) + 5,317.40 / 11,600.00 x 31
    assert [s[1] for s in k.dso_count_back.steps[:2]] == [D("0.00"), D("2140.43")]
    assert k.dso_count_back.to_dict()["days"] == D("105.2")


def test_a_customers_kpis_use_only_that_customers_documents(close_ledger):
    k = _kpis(close_ledger, customer="ale1503107h2")
    assert (k.opening_ar, k.closing_ar, k.sales.net, k.current_ar) == (D("8920.00"), D("3920.00"), D("0.00"), D("0.00"))
    assert (k.cei, k.rep_compliance_pct, k.dso_standard) == (D("56.05"), D("50.00"), None)
    assert [d.customer_rfc for d in k.days_to_pay] == [ESPERANZA]


def test_without_a_due_date_an_invoice_is_neither_current_nor_past_due(close_ledger):
    k = _kpis(close_ledger, terms=None)  # F-102 (1,320.00) has no due date
    assert (k.past_due, k.no_due_date, k.past_due_pct) == (D("7820.00"), D("1320.00"), D("61.68"))
    assert "has no due date" in k.notes[0]
    # provisioned by its age from Fecha (09-25: 36 days, 31-60 at 5 %): 130.00 + 66.00
    assert next(p for p in k.provision if p.bucket == "31-60").provision == D("196.00")


# --------------------------------------------------------------------------- the command

def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


def _terms_file(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "plazos.csv"
    path.write_text("rfc,dias,nombre\nALE1503107H2,15,Abarrotes\n", encoding="utf-8")
    return str(path)


def test_cli_kpis_json_carries_every_figure_as_exact_text(close_ledger, close_target, tmp_path):
    result = _run("kpis", "--db", close_target, "--period", "2026-10", "--terms", _terms_file(tmp_path), "-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["dso_standard"], doc["dso_count_back"]["days"], doc["past_due_pct"], doc["cei"]) == ("88.1", "75.2", "72.09", "39.32")
    assert doc["rep_compliance"]["pct"] == "75.00" and doc["rep_compliance"]["late"] == 1
    assert doc["provision"]["total"] == "665.20" and doc["days_to_pay"]["total"]["days"] == "49.8"
    assert (doc["start"], doc["end"], doc["days"]) == ("2026-10-01", "2026-10-31", 31)


def test_cli_kpis_table_csv_and_a_workbook_with_one_sheet_per_block(close_ledger, close_target, tmp_path):
    terms = _terms_file(tmp_path)
    table = _run("kpis", "--db", close_target, "--period", "2026-10", "--terms", terms, "-f", "table")
    assert table.exit_code == 0 and "KPIs for 2026-10" in table.stdout and "Bad-debt provision at 2026-10-31" in table.stdout
    assert any(line.split()[:2] == ["cei", "39.32"] for line in table.stdout.splitlines())
    csv = _run("kpis", "--db", close_target, "--period", "2026-10", "--terms", terms, "-f", "csv").stdout.splitlines()
    assert csv[0] == "section,name,customer,bucket,value,unit" and "kpi,dso_standard,,,88.1,days" in csv
    assert "provision,provision,,61-90,522.00,MXN" in csv and f"days_to_pay,days,{ESPERANZA},,55.8,days" in csv
    book = tmp_path / "kpis.xlsx"
    assert _run("kpis", "--db", close_target, "--period", "2026-10", "--terms", terms, "-o", str(book)).exit_code == 0
    wb = load_workbook(book)
    assert wb.sheetnames == ["kpis", "days to pay", "provision", "rep compliance"]
    values = {row[0].value: row[1].value for row in wb["kpis"].iter_rows(min_row=2)}
    assert D(str(values["closing_ar"])) == D("12677.83") and D(str(values["cei"])) == D("39.32")


def test_cli_kpis_rep_deadline_day_comes_from_the_option_or_the_configuration(close_ledger, close_target, tmp_path):
    config = tmp_path / "cfdi-ar.toml"
    config.write_text("rep_deadline_day = 6\n", encoding="utf-8")
    doc = json.loads(_run("kpis", "-c", str(config), "--db", close_target, "--period", "2026-10", "-f", "json").stdout)
    assert doc["rep_compliance"]["pct"] == "100.00" and doc["rep_compliance"]["deadline_day"] == 6
    doc = json.loads(_run("kpis", "-c", str(config), "--db", close_target, "--period", "2026-10", "--rep-deadline-day", "5",
                          "-f", "json").stdout)
    assert doc["rep_compliance"]["pct"] == "75.00"


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2026-13"], "is not a month"),
    (["--period", "octubre"], "is not a month"),
    (["--period", "2026-10", "--provision", "1,2"], "2 provision percentages for 6 buckets"),
    (["--period", "2026-10", "--buckets", "0,30"], "give --provision"),
    (["--period", "2026-10", "--rep-deadline-day", "0"], "--rep-deadline-day"),
])
def test_cli_kpis_bad_input_exits_2_without_a_traceback(tmp_path, args, message):
    result = _run("kpis", "--db", str(tmp_path / "l.db"), *args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_cli_kpis_and_aging_on_an_empty_ledger_give_zeros_and_undefined_ratios(close_target):
    result = _run("kpis", "--db", close_target, "--period", "2026-10", "-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["closing_ar"], doc["dso_standard"], doc["past_due_pct"], doc["cei"]) == ("0.00", None, None, None)
    assert doc["dso_count_back"] == {"days": "0.0", "complete": True, "months": []} and doc["rep_compliance"]["pct"] is None
    table = _run("kpis", "--db", close_target, "--period", "2026-10", "-f", "table")
    assert table.exit_code == 0 and "dso_standard" in table.stdout
    aging = _run("aging", "--db", close_target, "--as-of", "2026-10-31", "-f", "json")
    assert aging.exit_code == 0 and json.loads(aging.stdout)["total"]["total"] == "0.00"

"""The close checklist: every finding kind firing and at its edge. GL items are pure functions over GL
lines built here as the GL export contract's DataFrame; ledger items run on SQLite and PostgreSQL;
the command's exit codes 0/1/2 and formats, reading real GL exports with cfdi_ar.close.gl."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cfdi_ar.cli import main
from cfdi_ar.close.checks import (FAIL, NOT_CHECKED, PASS, InvalidDocument, cancelled_in_gl, cancelled_open_in_ledger,
                                  close_check, invalid_cfdi, pue_unpaid, read_invalid_documents, rep_missing)
from cfdi_ar.close.period import Period
from cfdi_ar.close.reps import read_rep_issue_dates
from cfdi_ar.ledger.book import Book, load_book
from cfdi_ar.ledger.chain import CreditNote, Invoice, PaymentLine

from .aging_fixtures import close_ledger, close_month, close_target, gl_lines  # noqa: F401 - fixtures

OCT = Period(2026, 10)
US, THEM = "CDB200115AB7", "ALE1503107H2"


def _uuid(n: int) -> str:
    return f"{n:08d}-0000-0000-0000-000000000000"


INV, PUE, USD, OTHER, NOTE, REP, REP2 = (_uuid(n) for n in range(1, 8))


def _invoice(uuid: str, *, metodo: str = "PPD", total: str = "5800.00", moneda: str = "MXN", cancelled: datetime | None = None,
             fecha: datetime = datetime(2026, 9, 15, 9)) -> Invoice:
    return Invoice(uuid=uuid, fecha=fecha, emisor_rfc=US, receptor_rfc=THEM, moneda=moneda, total=D(total),
                   tipo_cambio=D("18.4520") if moneda != "MXN" else None, metodo_pago=metodo, serie="F", folio=uuid[:8].lstrip("0"),
                   cancelled_at=cancelled)


def _paid(invoice: str, fecha_pago: datetime, paid: str, *, rep: str = REP, cancelled: datetime | None = None,
          moneda: str = "MXN") -> PaymentLine:
    return PaymentLine(payment_uuid=rep, pago_index=0, docto_index=0, invoice_uuid=invoice, fecha_pago=fecha_pago,
                       imp_pagado=D(paid), moneda_dr=moneda, moneda_p=moneda, emisor_rfc=US, receptor_rfc=THEM, cancelled_at=cancelled)


def _book(*payments: PaymentLine, notes: tuple[CreditNote, ...] = (), **invoices: Invoice) -> Book:
    base = {INV: _invoice(INV), PUE: _invoice(PUE, metodo="PUE", total="580.00", fecha=datetime(2026, 10, 12, 9)),
            USD: _invoice(USD, moneda="USD", total="116.00")}
    base.update({inv.uuid: inv for inv in invoices.values()})
    return Book(base, list(payments), list(notes))


# --------------------------------------------------------------------------- rep_missing

def test_a_payment_posted_in_the_gl_without_any_rep_is_rep_missing_with_its_rows_and_deadline():
    (f,) = rep_missing(gl_lines(("2026-10-10", INV, "0", "1000.00"), ("2026-10-30", INV, "0", "500.00")), _book(), OCT)
    assert (f["kind"], f["uuid"], f["gl_amount"], f["missing_amount"], f["rep_amount"]) == ("rep_missing", INV, D("1500.00"), D("1500.00"), D("0.00"))
    assert f["gl_rows"] == [2, 3] and f["gl_entries"] == ["PI-1", "PI-2"] and f["deadline"] == date(2026, 11, 5)
    assert "no REP pays it" in f["message"]


def test_a_rep_in_the_period_covering_the_gl_credits_leaves_nothing_missing():
    lines = gl_lines(("2026-10-10", INV, "0", "1000.00"))
    assert rep_missing(lines, _book(_paid(INV, datetime(2026, 10, 9, 12), "1000.00")), OCT) == []


def test_gl_credits_above_the_reps_of_an_mxn_invoice_are_rep_missing_for_the_difference():
    lines = gl_lines(("2026-10-10", INV, "0", "1000.00"), ("2026-10-28", INV, "0", "400.00"))
    (f,) = rep_missing(lines, _book(_paid(INV, datetime(2026, 10, 10, 12), "1000.00")), OCT)
    assert (f["gl_amount"], f["rep_amount"], f["missing_amount"], f["reps"]) == (D("1400.00"), D("1000.00"), D("400.00"), [REP])
    assert rep_missing(lines, _book(_paid(INV, datetime(2026, 10, 10, 12), "1400.00")), OCT) == []


def test_a_cancelled_rep_or_a_rep_of_another_month_does_not_cover_a_payment_posted_in_the_period():
    lines = gl_lines(("2026-10-02", INV, "0", "1000.00"))
    cancelled = _paid(INV, datetime(2026, 10, 1, 12), "1000.00", cancelled=datetime(2026, 10, 20))
    assert len(rep_missing(lines, _book(cancelled), OCT)) == 1
    assert len(rep_missing(lines, _book(_paid(INV, datetime(2026, 9, 30, 12), "1000.00")), OCT)) == 1


def test_a_gl_credit_equal_to_a_credit_note_of_the_invoice_in_the_period_is_that_note_not_a_payment():
    note = CreditNote(uuid=NOTE, fecha=datetime(2026, 10, 14, 9), total=D("580.00"), related=(INV,), moneda="MXN")
    lines = gl_lines(("2026-10-14", INV, "0", "580.00"))
    assert rep_missing(lines, _book(notes=(note,)), OCT) == []
    (f,) = rep_missing(gl_lines(("2026-10-14", INV, "0", "580.00"), ("2026-10-20", INV, "0", "580.00")), _book(notes=(note,)), OCT)
    assert f["gl_amount"] == D("580.00") and f["gl_rows"] == [3]


def test_a_foreign_currency_invoice_is_covered_by_any_rep_in_the_period_and_missing_without_one():
    lines = gl_lines(("2026-10-20", USD, "0", "930.00"))  # MXN at the payment's rate: not compared with ImpPagado in USD
    assert rep_missing(lines, _book(_paid(USD, datetime(2026, 10, 20, 12), "50.00", moneda="USD")), OCT) == []
    (f,) = rep_missing(lines, _book(), OCT)
    assert f["missing_amount"] == D("930.00") and f["currency"] == "USD"


def test_credits_outside_the_period_on_pue_cancelled_or_unknown_documents_are_not_rep_missing():
    cancelled = _invoice(OTHER, cancelled=datetime(2026, 10, 31, 23))
    lines = gl_lines(("2026-09-30", INV, "0", "100.00"), ("2026-11-01", INV, "0", "100.00"), ("2026-10-12", PUE, "0", "580.00"),
                     ("2026-10-12", OTHER, "0", "100.00"), ("2026-10-12", _uuid(99), "0", "100.00"), ("2026-10-12", None, "0", "100.00"),
                     ("2026-10-12", INV, "100.00", "0"))
    assert rep_missing(lines, _book(other=cancelled), OCT) == []


# --------------------------------------------------------------------------- pue_unpaid

def test_a_pue_invoice_still_receivable_in_the_gl_at_month_end_is_pue_unpaid():
    (f,) = pue_unpaid(gl_lines(("2026-10-12", PUE, "580.00", "0"), ("2026-10-20", PUE, "0", "80.00")), _book(), OCT)
    assert (f["kind"], f["uuid"], f["gl_balance"], f["total_mxn"], f["gl_rows"]) == ("pue_unpaid", PUE, D("500.00"), D("580.00"), [2, 3])


def test_a_pue_invoice_settled_by_month_end_passes_and_one_settled_after_it_does_not():
    settled = gl_lines(("2026-10-12", PUE, "580.00", "0"), ("2026-10-31", PUE, "0", "580.00"))
    assert pue_unpaid(settled, _book(), OCT) == []
    late = gl_lines(("2026-10-12", PUE, "580.00", "0"), ("2026-11-02", PUE, "0", "580.00"))
    assert [f["gl_balance"] for f in pue_unpaid(late, _book(), OCT)] == [D("580.00")]


def test_ppd_cancelled_and_later_pue_invoices_are_not_pue_unpaid():
    later = _invoice(OTHER, metodo="PUE", fecha=datetime(2026, 11, 2, 9))
    gone = _invoice(NOTE, metodo="PUE", cancelled=datetime(2026, 10, 20))
    lines = gl_lines(("2026-10-01", INV, "5800.00", "0"), ("2026-10-31", OTHER, "100.00", "0"), ("2026-10-05", NOTE, "100.00", "0"))
    assert pue_unpaid(lines, _book(later=later, gone=gone), OCT) == []


# --------------------------------------------------------------------------- cancelled_open

def test_an_invoice_cancelled_in_the_period_still_carrying_a_gl_balance_is_cancelled_open():
    gone = _invoice(OTHER, cancelled=datetime(2026, 10, 20, 11))
    (f,) = cancelled_in_gl(gl_lines(("2026-10-05", OTHER, "1160.00", "0")), _book(gone=gone), OCT)
    assert (f["kind"], f["source"], f["uuid"], f["gl_balance"]) == ("cancelled_open", "gl", OTHER, D("1160.00"))
    reversed_ = gl_lines(("2026-10-05", OTHER, "1160.00", "0"), ("2026-10-20", OTHER, "0", "1160.00"))
    assert cancelled_in_gl(reversed_, _book(gone=gone), OCT) == []


def test_an_invoice_cancelled_after_the_period_is_open_in_the_ledger_at_its_end_and_not_a_gl_finding():
    later = _invoice(OTHER, total="2320.00", fecha=datetime(2026, 10, 20, 9), cancelled=datetime(2026, 11, 3, 10))
    book = _book(later=later)
    assert cancelled_in_gl(gl_lines(("2026-10-20", OTHER, "2320.00", "0")), book, OCT) == []
    found = {f["uuid"]: f for f in cancelled_open_in_ledger(book, OCT)}
    assert found[OTHER]["balance_mxn"] == D("2320.00") and found[OTHER]["source"] == "ledger"
    assert OTHER not in {f["uuid"] for f in cancelled_open_in_ledger(book, Period(2026, 11))}


def test_gl_lines_without_the_contract_columns_are_refused():
    with pytest.raises(ValueError, match="lack the column"):
        close_check(_book(), {}, [], OCT, gl_lines=gl_lines(("2026-10-01", INV, "1.00", "0")).drop(columns=["uuid"]))


def _invalid(uuid: str, tipo: str, fecha: datetime, *, pagos: tuple[datetime, ...] = (), accepted: bool = False) -> InvalidDocument:
    return InvalidDocument(uuid, tipo, "X", "1", fecha, THEM, accepted, (("CRP20220", "ImpPagado is wrong"),), pagos)


def test_an_invalid_rep_counts_in_the_month_of_its_payments_as_well_as_in_its_own():
    rep = _invalid(REP, "P", datetime(2026, 11, 3, 9), pagos=(datetime(2026, 10, 30, 12),))
    old = _invalid(INV, "I", datetime(2026, 9, 30, 23))
    accepted = _invalid(OTHER, "E", datetime(2026, 10, 1), accepted=True)
    found = invalid_cfdi([rep, old, accepted], OCT)
    assert [f["uuid"] for f in found] == [REP, OTHER] and [f["uuid"] for f in invalid_cfdi([rep], Period(2026, 11))] == [REP]
    assert found[0]["codes"] == ["CRP20220"] and "left out of balances" in found[0]["message"]
    assert "counted in balances (--accept-invalid)" in found[1]["message"]


# --------------------------------------------------------------------------- the fixture ledger

def _check(db, period=OCT, **kw):  # type: ignore[no-untyped-def]
    return close_check(load_book(db), read_rep_issue_dates(db), read_invalid_documents(db), period, **kw)


def _items(check):  # type: ignore[no-untyped-def]
    return {i.kind: i for i in check.items}


def test_october_without_a_gl_fails_on_the_late_rep_the_invalid_cfdi_and_the_cancelled_open_invoice(close_ledger, close_month):
    check = _check(close_ledger)
    items = _items(check)
    assert [i.kind for i in check.items] == ["payment_complement_late", "rep_missing", "pue_unpaid", "invalid_cfdi", "cancelled_open"]
    assert {k: i.status for k, i in items.items()} == {"payment_complement_late": FAIL, "rep_missing": NOT_CHECKED,
                                                       "pue_unpaid": NOT_CHECKED, "invalid_cfdi": FAIL, "cancelled_open": FAIL}
    (late,) = items["payment_complement_late"].findings  # P-202, stamped on day 5, is on time
    assert (late["payment_uuid"], late["days_late"], late["deadline"]) == (close_month.uuid["P-203"], 1, date(2026, 11, 5))
    (bad,) = items["invalid_cfdi"].findings
    assert (bad["uuid"], bad["codes"], bad["accepted"], bad["tipo"]) == (close_month.uuid["F-109"], ["CFDI40102"], False, "I")
    (gone,) = items["cancelled_open"].findings
    assert (gone["uuid"], gone["source"], gone["balance_mxn"]) == (close_month.uuid["F-108"], "ledger", D("2320.00"))
    assert check.failed_blocking == ["invalid_cfdi", "cancelled_open"] and check.exit_code == 1


def test_september_passes_what_the_ledger_can_check_and_leaves_the_gl_items_not_checked(close_ledger):
    check = _check(close_ledger, period=Period(2026, 9))
    assert {i.kind: i.status for i in check.items} == {"payment_complement_late": PASS, "rep_missing": NOT_CHECKED,
                                                       "pue_unpaid": NOT_CHECKED, "invalid_cfdi": PASS, "cancelled_open": NOT_CHECKED}
    assert check.exit_code == 0 and "no GL given" in _items(check)["rep_missing"].note


def _october_gl(u):  # type: ignore[no-untyped-def]
    return gl_lines(
        ("2026-08-10", u["F-101"], "11600.00", "0"), ("2026-09-20", u["F-101"], "0", "5000.00"),
        ("2026-10-15", u["F-101"], "0", "4000.00"),  # P-202
        ("2026-10-28", u["F-101"], "0", "1000.00"),  # no REP
        ("2026-10-30", u["F-103"], "0", "1000.00"),  # no REP at all
        ("2026-10-20", u["F-104"], "0", "930.00"),   # P-204 in USD
        ("2026-10-05", u["F-105"], "1160.00", "0"),  # cancelled on 10-20, never reversed
        ("2026-10-12", u["F-106"], "580.00", "0"),   # PUE, never collected
        ("2026-10-20", u["F-108"], "2320.00", "0"),  # cancelled only on 11-03
        ("2026-10-31", None, "0", "75.00"),
    )


def test_october_with_the_gl_finds_every_gl_kind(close_ledger, close_month):
    u = close_month.uuid
    check = _check(close_ledger, gl_lines=_october_gl(u), gl={"source": "gl.csv", "layout": "test", "account": "105-01"})
    items = _items(check)
    assert {k: i.status for k, i in items.items()} == {k: FAIL for k in items}
    assert sorted((f["uuid"], f["missing_amount"]) for f in items["rep_missing"].findings) == sorted(
        [(u["F-101"], D("1000.00")), (u["F-103"], D("1000.00"))])
    assert [(f["uuid"], f["gl_balance"]) for f in items["pue_unpaid"].findings] == [(u["F-106"], D("580.00"))]
    assert sorted((f["source"], f["uuid"]) for f in items["cancelled_open"].findings) == sorted(
        [("ledger", u["F-108"]), ("gl", u["F-105"])])
    assert check.failed_blocking == ["rep_missing", "pue_unpaid", "invalid_cfdi", "cancelled_open"]
    assert check.to_dict()["gl"]["account"] == "105-01" and check.to_dict()["passed"] is False


# --------------------------------------------------------------------------- the command

def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


_OCTOBER_GL = (  # the October GL of _october_gl, as an accountant's export (Spanish layout, account 105-01)
    ("2026-08-10", "F-101", "11600.00", ""), ("2026-09-20", "F-101", "", "5000.00"), ("2026-10-15", "F-101", "", "4000.00"),
    ("2026-10-28", "F-101", "", "1000.00"), ("2026-10-30", "F-103", "", "1000.00"), ("2026-10-20", "F-104", "", "930.00"),
    ("2026-10-05", "F-105", "1160.00", ""), ("2026-10-12", "F-106", "580.00", ""), ("2026-10-20", "F-108", "2320.00", ""),
    ("2026-10-31", None, "", "75.00"),
)


def _write_gl(path, u, *, bad_row: bool = False):  # type: ignore[no-untyped-def]
    """The October GL as a CSV the real reader (cfdi_ar.close.gl) recognises from its Spanish headers."""
    lines = ["fecha,cuenta,poliza,referencia,concepto,cargo,abono"]
    for i, (day, folio, cargo, abono) in enumerate(_OCTOBER_GL, start=1):
        ref = u[folio] if folio else ""
        lines.append(f"{day},105-01,D-{i},{ref},{'Cobranza' if abono else 'Venta'} {folio or 'ajuste'},{cargo},{abono}")
    lines.append("2026-10-31,401-01,D-99,,Ventas del mes,,9000.00")  # another account: never read as AR
    if bad_row:
        lines[5] = lines[5].replace(",1000.00", ",12,5.00")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cli_close_check_exits_1_when_a_blocking_item_fails_and_says_which(close_ledger, close_target):
    result = _run("close-check", "--db", close_target, "--period", "2026-10", "-f", "json")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert doc["passed"] is False and doc["failed_blocking"] == ["invalid_cfdi", "cancelled_open"] and doc["gl"] is None
    statuses = {i["item"]: (i["status"], i["blocking"]) for i in doc["items"]}
    assert statuses["payment_complement_late"] == ("fail", False) and statuses["rep_missing"] == ("not_checked", True)
    assert "FAILED (invalid_cfdi, cancelled_open)" in result.stderr and "not checked: rep_missing, pue_unpaid" in result.stderr


def test_cli_close_check_exits_0_when_nothing_blocking_fails(close_ledger, close_target):
    result = _run("close-check", "--db", close_target, "--period", "2026-09", "-f", "table")
    assert result.exit_code == 0, result.output
    assert "Close check for 2026-09" in result.stdout and "not checked" in result.stdout and "Findings" not in result.stdout
    assert "close check 2026-09: passed" in result.stderr


def test_cli_close_check_with_the_gl_table_csv_and_workbook(close_ledger, close_target, close_month, tmp_path):
    gl = _write_gl(tmp_path / "balanza.csv", close_month.uuid)
    args = ["close-check", "--db", close_target, "--period", "2026-10", "--gl", str(gl), "--account", "105-01"]
    doc = json.loads(_run(*args, "-f", "json").stdout)
    assert doc["gl"] == {"source": str(gl), "layout": "es-generic", "account": "105-01", "lines": 10}
    assert {i["item"]: len(i["findings"]) for i in doc["items"]} == {
        "payment_complement_late": 1, "rep_missing": 2, "pue_unpaid": 1, "invalid_cfdi": 1, "cancelled_open": 2}
    table = _run(*args, "-f", "table")
    assert table.exit_code == 1 and "Findings" in table.stdout and "pue_unpaid" in table.stdout
    rows = _run(*args, "-f", "csv").stdout.splitlines()
    assert rows[0] == "item,status,severity,uuid,message" and len(rows) == 1 + 7
    book = tmp_path / "cierre.xlsx"
    assert _run(*args, "-o", str(book)).exit_code == 1
    wb = load_workbook(book)
    assert wb.sheetnames == ["checklist", "findings"] and wb["findings"].max_row == 1 + 7
    assert [c.value for c in wb["checklist"]["B"]][1:] == ["fail"] * 5


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2026-1"], "is not a month"),
    (["--period", "2026-10", "--account", "105-01"], "--gl and --account go together"),
    (["--period", "2026-10", "--rep-deadline-day", "32"], "--rep-deadline-day"),
])
def test_cli_close_check_usage_errors_exit_2(tmp_path, args, message):
    result = _run("close-check", "--db", str(tmp_path / "l.db"), *args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_cli_close_check_a_malformed_gl_or_an_account_without_lines_exits_2(close_ledger, close_target, close_month, tmp_path):
    bad = _write_gl(tmp_path / "bad.csv", close_month.uuid, bad_row=True)
    result = _run("close-check", "--db", close_target, "--period", "2026-10", "--gl", str(bad), "--account", "105-01")
    assert result.exit_code == 2 and "bad.csv, row 6:" in result.stderr and result.stdout == "" and "Traceback" not in result.output
    good = _write_gl(tmp_path / "gl.csv", close_month.uuid)
    result = _run("close-check", "--db", close_target, "--period", "2026-10", "--gl", str(good), "--account", "999")
    assert result.exit_code == 2 and "999" in result.output and "Traceback" not in result.output


def test_cli_close_check_gl_map_without_gl_is_a_usage_error(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text("", encoding="utf-8")
    result = _run("close-check", "--db", str(tmp_path / "l.db"), "--period", "2026-10", "--gl-map", str(mapping))
    assert result.exit_code == 2 and "--gl-map and --gl-preset need --gl" in result.output
    result = _run("close-check", "--db", str(tmp_path / "l.db"), "--period", "2026-10", "--gl-preset", "sap-fagll03")
    assert result.exit_code == 2 and "--gl-map and --gl-preset need --gl" in result.output


def test_cli_close_check_on_an_empty_ledger_passes_what_it_can_and_exits_0(close_target):
    result = _run("close-check", "--db", close_target, "--period", "2026-10", "-f", "json")
    assert result.exit_code == 0, result.output
    assert {i["item"]: i["status"] for i in json.loads(result.stdout)["items"]}["invalid_cfdi"] == "pass"

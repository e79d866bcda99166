"""`cfdi-ar ingest` and `cfdi-ar history`: output formats and exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner
from openpyxl import load_workbook

from cfdi_ar.cli import main

from .conftest import OUR_RFC


def _ca_args(pki) -> list[str]:  # type: ignore[no-untyped-def]
    return ["--trust-ca", str(pki.ca_path), "--sat-certs", str(pki.sat_certs)]


def test_cli_ingest_exits_0_when_clean_then_reports_already_present(ledger_target, pki, sealed_invoice, write):
    path = write(sealed_invoice(), "a.xml")
    args = ["ingest", "--db", ledger_target, "--rfc", OUR_RFC, *_ca_args(pki), "-f", "json", str(path)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert [r["outcome"] for r in json.loads(first.stdout)] == ["new"]
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0 and [r["outcome"] for r in json.loads(second.stdout)] == ["already_present"]
    assert "1 already present" in second.stderr


def test_cli_ingest_exits_1_on_a_rejected_document_and_2_without_an_rfc(ledger_target, pki, write):
    path = write(b"<nope", "bad.xml")
    rejected = CliRunner().invoke(main, ["ingest", "--db", ledger_target, "--rfc", OUR_RFC, "-f", "csv", str(path)])
    assert rejected.exit_code == 1 and "rejected" in rejected.stdout
    no_rfc = CliRunner().invoke(main, ["ingest", "--db", ledger_target, str(path)])
    assert no_rfc.exit_code == 2 and "RFC" in no_rfc.stderr


def test_cli_history_lists_runs_in_json_csv_and_an_excel_workbook(ledger_target, pki, sealed_invoice, write, tmp_path):
    path = write(sealed_invoice(), "a.xml")
    CliRunner().invoke(main, ["ingest", "--db", ledger_target, "--rfc", OUR_RFC, *_ca_args(pki), "-q", str(path)])
    as_json = CliRunner().invoke(main, ["history", "--db", ledger_target, "-f", "json", "--inputs"])
    assert as_json.exit_code == 0
    (run,) = json.loads(as_json.stdout)
    assert run["counts"]["new"] == 1 and run["inputs"][0]["name"] == str(path)
    as_csv = CliRunner().invoke(main, ["history", "--db", ledger_target, "-f", "csv"])
    assert as_csv.stdout.splitlines()[0].startswith("run,command,status")
    book = tmp_path / "history.xlsx"
    as_xlsx = CliRunner().invoke(main, ["history", "--db", ledger_target, "-o", str(book)])
    assert as_xlsx.exit_code == 0
    sheet = load_workbook(book)["history"]
    assert [c.value for c in sheet[1]][:3] == ["run", "command", "status"] and sheet["C2"].value == "committed"


def test_cli_xlsx_needs_an_output_file(ledger_target):
    result = CliRunner().invoke(main, ["history", "--db", ledger_target, "-f", "xlsx"])
    assert result.exit_code == 2 and "-o FILE" in result.output


def test_cli_a_ledger_that_cannot_be_opened_exits_2(tmp_path):
    result = CliRunner().invoke(main, ["history", "--db", str(tmp_path / "missing" / "l.db")])
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_cli_open_items_and_payments_check_on_a_chain_with_a_break(ledger_target, pki, sealed_invoice, make_payment, write, tmp_path):
    from decimal import Decimal

    inv = sealed_invoice()
    write(inv, "F.xml")
    write(make_payment(inv, Decimal("100.00")), "P1.xml")
    orphan = make_payment(sealed_invoice(folio="777"), Decimal("50.00"))  # pays an invoice never ingested
    folder = write(orphan, "P-orphan.xml").parent
    CliRunner().invoke(main, ["ingest", "--db", ledger_target, "--rfc", OUR_RFC, *_ca_args(pki), "-q", str(folder)])
    items = CliRunner().invoke(main, ["open-items", "--db", ledger_target, "--as-of", "2026-10-31", "-f", "json"])
    assert items.exit_code == 0, items.output
    (row,) = json.loads(items.stdout)
    assert row["folio"] == "1001" and Decimal(row["balance"]) == Decimal(inv.get("Total")) - Decimal("100.00")
    assert row["payments"][0]["amount"] == "100.00" and row["status"] == "open"
    check = CliRunner().invoke(main, ["payments", "check", "--db", ledger_target, "-f", "json"])
    assert check.exit_code == 1
    assert [b["kind"] for b in json.loads(check.stdout)] == ["unknown_invoice"]
    book = tmp_path / "breaks.xlsx"
    assert CliRunner().invoke(main, ["payments", "check", "--db", ledger_target, "-o", str(book)]).exit_code == 1
    assert load_workbook(book)["payment breaks"]["A2"].value == "unknown_invoice"
    bad = CliRunner().invoke(main, ["payments", "check", "--db", ledger_target, "--period", "2026-13"])
    assert bad.exit_code == 2

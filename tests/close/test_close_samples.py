"""`cfdi-ar close` on samples/: exactly the planted differences of samples/README.md, and nothing else, on SQLite
and PostgreSQL; the GL with each of them fixed closes clean; the close pack ties to the JSON to the centavo.

The expected figures are worked out by hand (samples/README.md; tests/ledger/test_samples_month.py has the
documents' totals): AR 58,153.94 = F-0962 14,384.00 + F-0987 8,349.04 + F-1011 802.38 + F-1012 2,258.52 +
F-1013 16,352.00 + F-1014 16,008.00; the GL carries 19,100.76 less, every centavo of it in a planted item.
"""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from openpyxl import load_workbook

from cfdi_ar import Settings
from cfdi_ar.cli import main
from cfdi_ar.close.pack import MONEY
from cfdi_ar.demo.gl import PLANTED
from cfdi_ar.ledger import ingest_paths
from cfdi_ar.model import build_comprobante

from ..conftest import EMISOR
from .workbook_eval import evaluate, find, formulas, header_columns, number

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
GL = SAMPLES / "gl" / "auxiliar-105-01-2026-10.csv"
CONFIG = SAMPLES / "cfdi-ar.toml"

# (kind, document, amount AR − GL): the planted differences, as samples/README.md states them
PLANTED_ITEMS = [
    ("missing_in_gl", "F-1012", "2258.52"),
    ("duplicated_in_gl", "F-1003", "-654.36"),
    ("amount_mismatch", "F-1005", "-450.00"),
    ("amount_mismatch", "F-1013", "6000.00"),
    ("gl_without_cfdi", None, "-1740.00"),
    ("cancelled_in_gl", "F-1010", "-2321.40"),
    ("period_mismatch", "F-1014", "16008.00"),
]


@pytest.fixture(scope="module")
def uuid() -> dict[str, str]:
    """Each sample document's UUID by its name (F-1012, P-2005, NC-3001): they change every time samples/ is made."""
    out = {}
    for path in [*SAMPLES.glob("invoices/*.xml"), *SAMPLES.glob("payments/*.xml"), *SAMPLES.glob("credit-notes/*.xml")]:
        out[path.stem] = str(build_comprobante(etree.fromstring(path.read_bytes())).uuid)
    return out


@pytest.fixture
def samples_db(ledger) -> str:  # type: ignore[no-untyped-def]
    """samples/ ingested as the README says (its configuration leaves broken/ and gl/ out); the ledger's target."""
    settings = Settings(trust_roots=(str(SAMPLES / "certs" / "demo-ca.cer"),), sat_certs=str(SAMPLES / "sat-certs"),
                        exclude=("broken", "gl"))
    counts = ingest_paths(ledger, [str(SAMPLES)], settings, [EMISOR.rfc]).counts()
    assert (counts["new"], counts["invalid"], counts["rejected"]) == (22, 0, 0), counts
    return str(ledger.target)


def close(db: str, out: Path, *more: str, gl: Path = GL) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["close", "--config", str(CONFIG), "--db", db, "--period", "2026-10", "--gl", str(gl),
                                       "--account", "105-01", "-o", str(out), *more])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


def _items(data: dict) -> list[tuple[str, str | None, D]]:  # type: ignore[type-arg]
    return sorted((i["kind"], i["uuid"], D(i["amount"])) for i in data["reconciliation"]["items"])


def test_the_close_on_the_samples_finds_exactly_the_planted_differences(samples_db, uuid, tmp_path):
    code, out = close(samples_db, tmp_path / "cierre.xlsx", "-f", "json")
    assert code == 1
    data = json.loads(out)
    assert _items(data) == sorted((k, uuid[doc] if doc else None, D(a)) for k, doc, a in PLANTED_ITEMS)
    r = data["reconciliation"]
    assert [r[k] for k in ("ar_balance", "gl_balance", "difference", "explained", "unexplained")] == \
        ["58153.94", "39053.18", "19100.76", "19100.76", "0.00"]
    check = {i["item"]: i for i in data["close_check"]["items"]}
    assert {k: i["status"] for k, i in check.items()} == {"payment_complement_late": "fail", "rep_missing": "fail",
                                                          "pue_unpaid": "pass", "invalid_cfdi": "pass", "cancelled_open": "fail"}
    (late,) = check["payment_complement_late"]["findings"]
    assert (late["payment_uuid"], late["days_late"], late["deadline"]) == (uuid["P-2005"], 4, "2026-11-05")
    (missing,) = check["rep_missing"]["findings"]
    assert (missing["uuid"], missing["missing_amount"], missing["gl_dates"]) == (uuid["F-1013"], "6000.00", ["2026-10-30"])
    (cancelled,) = check["cancelled_open"]["findings"]
    assert (cancelled["uuid"], cancelled["source"], cancelled["gl_balance"]) == (uuid["F-1010"], "gl", "2321.40")
    assert data["close_check"]["failed_blocking"] == ["rep_missing", "cancelled_open"]
    assert data["warnings"] == ["payment_complement_late"] and data["exit_code"] == 1 and not data["ready"]
    assert data["companies"] == [{"rfc": "CDB200115AB7", "name": "COMERCIALIZADORA DEMO DEL BAJIO"}]


def test_the_samples_aging_and_kpis_are_the_hand_checked_figures(samples_db, tmp_path):
    data = json.loads(close(samples_db, tmp_path / "c.xlsx", "-f", "json")[1])
    total = data["aging"]["total"]
    assert total["buckets"] == {"current": "33162.38", "1-30": "2258.52", "31-60": "8349.04", "61-90": "14384.00",
                                "91-120": "0.00", "over 120": "0.00"}
    assert (total["total"], total["net"]) == ("58153.94", data["reconciliation"]["ar_balance"])
    k = data["kpis"]
    assert (k["opening_ar"], k["net_credit_sales"], k["closing_ar"], k["past_due"]) == ("30733.04", "70662.36", "58153.94",
                                                                                         "24991.56")
    assert (k["rep_compliance"]["payments"], k["rep_compliance"]["on_time"], k["provision"]["total"]) == (5, 4, "1878.44")


def test_the_samples_readme_and_the_generator_state_the_same_planted_differences(uuid):
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The month-end close", 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.split("|")[1:-1]] for line in section.splitlines() if line.startswith("| ")]
    stated = sorted((kind.strip("`"), None if doc.startswith("(") else doc, D(amount.replace(",", "").replace("−", "-")))
                    for doc, kind, amount, *_ in rows[1:] if kind)  # after the header
    assert stated == sorted((k, doc, D(a)) for k, doc, a in PLANTED_ITEMS)
    assert sorted((p.kind, None if p.document.startswith("(") else p.document) for p in PLANTED) == \
        sorted((k, doc) for k, doc, _ in PLANTED_ITEMS)


def _gl_rows() -> tuple[list[str], list[list[str]]]:
    text = GL.read_text(encoding="utf-8-sig").splitlines()
    at = next(i for i, line in enumerate(text) if line.startswith("Fecha;"))
    rows = list(csv.reader(text[at:], delimiter=";"))
    return rows[0], rows[1:]


def _fixed_gl(path: Path, uuid: dict[str, str], *, keep: tuple[str, ...] = ()) -> Path:
    """The samples' GL with each planted difference corrected as the accountant would (those in ``keep`` left)."""
    header, rows = _gl_rows()
    out, seen_f1003 = [], False
    for r in rows:
        ref, debit, credit = r[5], r[7], r[8]
        if ref == "F-1003" and debit and "duplicated_in_gl" not in keep:
            if seen_f1003:
                continue
            seen_f1003 = True
        if ref == "F-1005" and debit and "amount_mismatch" not in keep:
            r[7] = "6,496.00"
        if ref == "F-1013" and credit and "rep_missing" not in keep:
            continue  # the deposit waits for its REP (or goes to customer advances) instead
        if ref == "FLETES-OCT" and "gl_without_cfdi" not in keep:
            continue
        if ref == "F-1014" and "period_mismatch" not in keep:
            r[0] = "31/10/2026"
        out.append(r)
        if ref == "F-1010" and "cancelled_in_gl" not in keep:
            out.append(["22/10/2026", "Diario", "90", "105-01-001", "Cancelación F-1010", "F-1010", uuid["F-1010"], "", r[7]])
    if "missing_in_gl" not in keep:
        out.append(["22/10/2026", "Diario", "91", "105-01-001", "Venta F-1012", "F-1012", uuid["F-1012"], "2,258.52", ""])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";", lineterminator="\r\n").writerows([header, *out])
    return path


def test_with_every_planted_difference_fixed_the_close_is_ready_and_the_late_rep_stays_a_warning(samples_db, uuid, tmp_path):
    code, out = close(samples_db, tmp_path / "c.xlsx", gl=_fixed_gl(tmp_path / "gl.csv", uuid))
    assert code == 0, out
    assert "READY TO CLOSE (warnings: payment_complement_late)" in out and "0 items" in out
    wb = load_workbook(tmp_path / "c.xlsx")
    total = find(wb["Conciliación"], "Total de partidas")
    assert (total, wb["Conciliación"][f"D{total}"].value) == (12, "=SUM(D11:D11)")  # no item: one blank row, summing 0
    assert [evaluate(wb, "Conciliación", f"B{n}") for n in range(5, 8)] == [D("0.00")] * 3
    assert wb["Resumen"][f"B{find(wb['Resumen'], 'Resultado')}"].value == "LISTO PARA CERRAR"


def test_one_difference_left_is_enough_to_fail_the_close_and_the_summary_says_which(samples_db, uuid, tmp_path):
    code, out = close(samples_db, tmp_path / "c.xlsx", "-f", "json",
                      gl=_fixed_gl(tmp_path / "gl.csv", uuid, keep=("duplicated_in_gl",)))
    data = json.loads(out)
    assert code == 1 and data["close_check"]["failed_blocking"] == []
    assert data["failures"] == ["reconciliation: 1 reconciling item (1 duplicated_in_gl)"]
    assert _items(data) == [("duplicated_in_gl", uuid["F-1003"], D("-654.36"))]


# --------------------------------------------------------------------------- the close pack of the samples


def test_the_samples_close_pack_has_every_sheet_frozen_filtered_and_formatted(samples_db, tmp_path):
    close(samples_db, tmp_path / "c.xlsx")
    wb = load_workbook(tmp_path / "c.xlsx")
    assert wb.sheetnames == ["Resumen", "Conciliación", "Antigüedad", "Facturas abiertas", "Indicadores",
                             "Cumplimiento REP", "Hallazgos"]
    assert {ws.title: ws.freeze_panes for ws in wb} == {
        "Resumen": "A2", "Conciliación": "A11", "Antigüedad": "C4", "Facturas abiertas": "A4", "Indicadores": "A4",
        "Cumplimiento REP": "A4", "Hallazgos": "A4"}
    for ws in wb:
        assert ws.auto_filter.ref, ws.title
        header = int(ws.auto_filter.ref.split(":")[0][1:])
        assert all(c.font.b for c in ws[header] if c.value is not None), ws.title
        assert all(ws.column_dimensions[c.column_letter].width for c in ws[header] if c.value is not None), ws.title
    rec = wb["Conciliación"]
    cols = header_columns(rec, 10)
    money = rec.cell(row=11, column=cols["Importe (CFDI − contabilidad)"])
    assert money.number_format == MONEY and rec["B3"].number_format == MONEY
    day = rec.cell(row=12, column=cols["Fecha en contabilidad"])
    assert isinstance(day.value, datetime) and day.number_format == "dd/mm/yyyy"
    reps = wb["Cumplimiento REP"]
    assert reps["C4"].number_format == "dd/mm/yyyy" and isinstance(reps["C4"].value, datetime)


def test_the_samples_close_pack_ties_to_the_json_to_the_centavo_through_its_formulas(samples_db, tmp_path):
    data = json.loads(close(samples_db, tmp_path / "c.xlsx", "-f", "json")[1])
    wb = load_workbook(tmp_path / "c.xlsx")
    every = formulas(wb)
    assert every and all(evaluate(wb, sheet, cell) is not None for sheet, cell, _ in every)  # only the pack's own forms
    r = data["reconciliation"]
    rec = wb["Conciliación"]
    assert (rec["B5"].value, rec["B7"].value) == ("=B3-B4", "=B5-B6")
    assert [evaluate(wb, "Conciliación", f"B{n}") for n in range(3, 8)] == \
        [D(r[k]) for k in ("ar_balance", "gl_balance", "difference", "explained", "unexplained")]
    total = find(rec, "Total de partidas")
    assert rec["B6"].value == f"=D{total}" and rec[f"D{total}"].value == f"=SUM(D11:D{total - 1})"
    assert sorted(number(rec[f"D{n}"].value) for n in range(11, total)) == sorted(D(i["amount"]) for i in r["items"])
    summary = wb["Resumen"]
    for label, key in (("Saldo según CFDI (cfdi-ar)", "ar_balance"), ("Saldo según contabilidad", "gl_balance"),
                       ("Diferencia (CFDI − contabilidad)", "difference"), ("Sin explicar", "unexplained")):
        row = find(summary, label)
        assert summary[f"B{row}"].value.startswith("='Conciliación'!B"), label
        assert evaluate(wb, "Resumen", f"B{row}") == D(r[key]), label
    assert evaluate(wb, "Resumen", f"B{find(summary, 'Cartera según antigüedad (neto)')}") == D(r["ar_balance"])
    aging, expected = wb["Antigüedad"], data["aging"]
    cols = header_columns(aging, 3)
    tot = find(aging, "TOTAL")
    for label, key in (("Por vencer", "current"), ("1-30 días", "1-30"), ("31-60 días", "31-60"), ("61-90 días", "61-90")):
        letter = aging.cell(row=tot, column=cols[label]).column_letter
        assert aging.cell(row=tot, column=cols[label]).value == f"=SUM({letter}4:{letter}{tot - 1})"
        assert evaluate(wb, "Antigüedad", f"{letter}{tot}") == D(expected["total"]["buckets"][key])
    for n, customer in enumerate(expected["customers"], start=4):
        assert aging[f"A{n}"].value == customer["customer_rfc"]
        assert evaluate(wb, "Antigüedad", aging.cell(row=n, column=cols["Total"]).coordinate) == D(customer["total"])
        assert evaluate(wb, "Antigüedad", aging.cell(row=n, column=cols["Neto"]).coordinate) == D(customer["net"])
    open_ = wb["Facturas abiertas"]
    assert evaluate(wb, "Facturas abiertas", f"M{find(open_, 'Total')}") == D(r["ar_balance"])
    kpis, k = wb["Indicadores"], data["kpis"]
    for key in ("closing_ar", "current_ar", "past_due", "net_credit_sales", "provision_total", "opening_ar"):
        row = find(kpis, key, column=2)
        expected_value = k["provision"]["total"] if key == "provision_total" else k[key]
        assert evaluate(wb, "Indicadores", f"C{row}") == D(expected_value), key
    assert kpis[f"C{find(kpis, 'closing_ar', column=2)}"].value == f"='Antigüedad'!{aging.cell(row=tot, column=cols['Total']).coordinate}"


def test_the_workbook_stores_each_amount_as_its_exact_decimal_text(samples_db, tmp_path):
    close(samples_db, tmp_path / "c.xlsx")
    with zipfile.ZipFile(tmp_path / "c.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet2.xml").decode()  # Conciliación
    assert "<v>58153.94</v>" in sheet and "<v>39053.18</v>" in sheet and "<v>-654.36</v>" in sheet


def test_the_samples_rep_sheet_lists_each_ppd_payment_and_the_one_without_a_rep(samples_db, uuid, tmp_path):
    close(samples_db, tmp_path / "c.xlsx")
    ws = load_workbook(tmp_path / "c.xlsx")["Cumplimiento REP"]
    cols = header_columns(ws, 3)
    rows = [{h: ws.cell(row=n, column=c).value for h, c in cols.items()} for n in range(4, ws.max_row + 1)]
    got = sorted((r["REP (UUID)"], r["A tiempo"], r["Días de atraso"], number(r["Importe pagado"]), r["Moneda"]) for r in rows)
    assert got == sorted([
        (uuid["P-2001"], "Sí", 0, D("10000.00"), "MXN"), (uuid["P-2002"], "Sí", 0, D("654.36"), "MXN"),
        (uuid["P-2003"], "Sí", 0, D("15231.20"), "MXN"), (uuid["P-2004"], "Sí", 0, D("507.04"), "USD"),
        (uuid["P-2005"], "No", 4, D("8000.00"), "MXN"), ("(sin REP)", "Sin REP", None, D("6000.00"), "MXN")])
    late = next(r for r in rows if r["REP (UUID)"] == uuid["P-2005"])
    assert (late["Emitido"].date(), late["Fecha límite"].date()) == (date(2026, 11, 9), date(2026, 11, 5))
    findings = load_workbook(tmp_path / "c.xlsx")["Hallazgos"]
    assert [findings.cell(row=n, column=1).value for n in range(4, findings.max_row + 1)] == \
        ["payment_complement_late", "rep_missing", "cancelled_open"]


def test_the_english_pack_has_english_sheets_and_the_same_figures(samples_db, tmp_path):
    close(samples_db, tmp_path / "c.xlsx", "--lang", "en")
    wb = load_workbook(tmp_path / "c.xlsx")
    assert wb.sheetnames == ["Summary", "Reconciliation", "Aging", "Open invoices", "KPIs", "REP compliance", "Findings"]
    assert evaluate(wb, "Summary", f"B{find(wb['Summary'], 'Difference (AR − GL)')}") == D("19100.76")
    assert wb["Reconciliation"]["D11"].number_format == MONEY and wb["Reconciliation"]["A10"].value == "Kind"


def test_the_readmes_main_job_ingests_the_samples_and_closes_them_into_a_workbook(tmp_path, monkeypatch):
    """The README's main-job line, its cfdi-ar commands run as written (from a folder where samples/ is at hand):
    the ingest exits 0, the close 1 (the planted differences) and writes cierre-2026-10.xlsx beside the ledger."""
    import shlex

    readme = (SAMPLES.parent / "README.md").read_text(encoding="utf-8").splitlines()
    line = readme[readme.index("<!-- main-job -->") + 2]
    commands = [shlex.split(c) for c in line.split(" && ") if c.startswith("cfdi-ar ")]
    assert [c[1] for c in commands] == ["ingest", "close"]
    (tmp_path / "samples").symlink_to(SAMPLES)
    monkeypatch.chdir(tmp_path)
    codes = [CliRunner().invoke(main, c[1:]).exit_code for c in commands]
    assert codes == [0, 1]
    assert (tmp_path / "cfdi-ar.db").is_file()
    assert load_workbook(tmp_path / "cierre-2026-10.xlsx").sheetnames[0] == "Resumen"

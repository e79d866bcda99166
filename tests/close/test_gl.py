"""cfdi_ar.close.gl and .cells: GL lines read exactly, or refused naming the row and column."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cfdi_ar.close.cells import GLFormatError, find_uuids, parse_dates, parse_money
from cfdi_ar.close.gl import LINE_COLUMNS, account_lines, read_gl

from .conftest import GL_HEADER, write_csv, write_xlsx

UUID = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"


def _money(cells, decimal="."):  # type: ignore[no-untyped-def]
    return parse_money(pd.Series(cells, dtype=object), np.arange(2, 2 + len(cells)), "Cargo", decimal=decimal).tolist()


def _dates(cells, **kw):  # type: ignore[no-untyped-def]
    out = parse_dates(pd.Series(cells, dtype=object), np.arange(2, 2 + len(cells)), "Fecha", **kw)
    return [str(d)[:10] for d in out]


def test_amounts_in_every_accepted_writing_become_exact_centavos():
    cells = ["1,234.56", "1234.56", "(1,234.56)", "-1234.56", "$1,234.56", "$-3.10", "1,234.56-", "+7", ".5", "'12.50",
             " 1 234.56 ", "", "-", "0.10"]
    assert _money(cells) == [123456, 123456, -123456, -123456, 123456, -310, -123456, 700, 50, 1250, 123456, 0, 0, 10]


def test_a_decimal_comma_is_read_only_when_the_mapping_declares_it():
    assert _money(["1.234,56", "(1.234,56)", "12,5", "7"], decimal=",") == [123456, -123456, 1250, 700]
    with pytest.raises(GLFormatError) as err:
        _money(["1.234,56"])
    assert (err.value.row, err.value.column) == (2, "Cargo")
    assert 'decimal comma (declare decimal = "," in a mapping file)' in str(err.value)


@pytest.mark.parametrize(("cells", "row", "message"), [
    (["12.50", "3.00", "1.234,56"], 4,
     "mixed decimal separators: '1.234,56' uses a decimal comma, row 2 ('12.50') a decimal point"),
    (["1.00", "12.345"], 3, "'12.345' has more than 2 decimals"),
    (["1E+3"], 2, "'1E+3' is written with an exponent"),
    (["NaN"], 2, "'NaN' is not an amount"),
    (["Infinity"], 2, "'Infinity' is not an amount"),
    (["12.5 pesos"], 2, "'12.5 pesos' is not an amount"),
    (["--5"], 2, "'--5' has more than one sign"),
    (["(-5)"], 2, "'(-5)' has more than one sign"),
    (["١٢٣"], 2, "'١٢٣' is not an amount"),
    (["1234567890123456"], 2, "more than 15 integer digits"),
])
def test_a_cell_that_is_not_exact_money_is_an_error_naming_its_row(cells, row, message):
    with pytest.raises(GLFormatError) as err:
        _money(cells)
    assert (err.value.row, err.value.column) == (row, "Cargo")
    assert message in str(err.value)


def test_a_column_mixing_thousands_commas_and_decimal_points_sums_exactly():
    assert sum(_money(["1,234.50", "0.1"])) == 123460  # never '1,234.500.1' nor a float


def test_xlsx_numbers_are_exact_when_whole_centavos_and_refused_otherwise():
    assert _money([1234.56, 1234.5600000000002, 0.1 + 0.2, 100, None]) == [123456, 123456, 30, 10000, 0]
    with pytest.raises(GLFormatError, match="0.005 is not a whole number of centavos"):
        _money([1.0, 0.005])
    with pytest.raises(GLFormatError, match="nan is not an amount"):
        _money([float("nan")])
    with pytest.raises(GLFormatError, match="'True' is not an amount"):
        _money([True])


def test_dates_in_every_accepted_writing_become_days():
    cells = ["2026-10-05", "05/10/2026", "5.10.2026", "05-10-2026", "2026/10/05", "05/Oct/2026", "5-ene-2026",
             "2026-10-05T10:00:00", "05/10/2026 12:00:00 a. m.", dt.datetime(2026, 10, 5, 13, 30), dt.date(2026, 1, 2)]
    assert _dates(cells) == ["2026-10-05"] * 6 + ["2026-01-05", "2026-10-05", "2026-10-05", "2026-10-05", "2026-01-02"]


def test_month_first_dates_only_when_the_mapping_says_so():
    assert _dates(["03/04/2026"]) == ["2026-04-03"]
    assert _dates(["03/04/2026", "2026-04-05", "05.04.2026"], date_format="MM/DD/YYYY") == ["2026-03-04", "2026-04-05",
                                                                                         "2026-04-05"]


@pytest.mark.parametrize(("cell", "message"), [
    ("31/02/2026", "'31/02/2026' is not a valid date"), ("ayer", "'ayer' is not a date"), ("05/10/26", "is not a date"),
    ("", "'' is empty: a date is required"), (45931.0, "'45931.0' is not a date"),
])
def test_a_cell_that_is_not_a_date_is_an_error_naming_its_row(cell, message):
    with pytest.raises(GLFormatError) as err:
        _dates(["2026-10-01", cell])
    assert (err.value.row, err.value.column) == (3, "Fecha")
    assert message in str(err.value)


def test_uuids_are_found_in_any_case_with_braces_never_inside_a_longer_token():
    reference = pd.Series(["", f"Cobro {{{UUID.lower()}}}", f"X{UUID}", "F-1001"], dtype="str")
    description = pd.Series([f"Venta {UUID}", "", "", f"{UUID}-extra"], dtype="str")
    assert find_uuids(reference, description).tolist() == [UUID, UUID, None, UUID]


def _lines(tmp_path, rows, **kw):  # type: ignore[no-untyped-def]
    return read_gl(write_csv(tmp_path / "gl.csv", GL_HEADER, rows), **kw).lines


def test_gl_lines_have_the_contract_columns_and_dtypes(tmp_path):
    lines = _lines(tmp_path, [("05/10/2026", "D-1", " 105-01-001 ", "Venta", UUID.lower(), "1,160.00", "")])
    assert tuple(lines.columns) == LINE_COLUMNS
    assert [str(lines[c].dtype) for c in LINE_COLUMNS] == ["int64", "datetime64[ns]", "str", "str", "str", "str", "int64",
                                                            "int64", "object"]
    assert lines.iloc[0].tolist()[2:] == ["105-01-001", "D-1", UUID.lower(), "Venta", 116000, 0, UUID]


def test_a_signed_amount_is_split_into_debit_and_credit(tmp_path):
    path = write_csv(tmp_path / "gl.csv", ("Posting Date", "G/L Account", "Document Number", "Reference", "Text",
                                           "Amount in Local Currency"),
                     [("05.10.2026", "1050100", "1400000001", UUID, "", "1,160.00"),
                      ("20.10.2026", "1050100", "1400000002", "", "Cobro", "400.00-"),
                      ("21.10.2026", "1050100", "1400000003", "", "", "-0.01")])
    lines = read_gl(path).lines
    assert (lines["debit"].tolist(), lines["credit"].tolist()) == ([116000, 0, 0], [0, 40000, 1])


def test_negative_cargos_and_abonos_move_to_the_other_side(tmp_path):
    lines = _lines(tmp_path, [("05/10/2026", "D-1", "105-01", "Reversa", "", "-100.00", ""),
                              ("05/10/2026", "D-2", "105-01", "Reversa", "", "", "(50.00)")])
    assert (lines["debit"].tolist(), lines["credit"].tolist()) == ([0, 5000], [10000, 0])


def test_blank_rows_are_left_out_and_total_rows_listed_as_skipped(tmp_path):
    export = read_gl(write_csv(tmp_path / "gl.csv", GL_HEADER, [
        ("05/10/2026", "D-1", "105-01", "Venta", "", "100.00", ""), ("", "", "", "", "", "", ""),
        ("", "", "", "Total de la cuenta", "", "100.00", "0.00"), ("06/10/2026", "D-2", "105-01", "Venta", "", "5.00", "")]))
    assert (export.lines["row"].tolist(), export.skipped) == ([2, 5], (4,))


@pytest.mark.parametrize(("row", "column", "message"), [
    (("05/10/2026", "D-1", "", "Venta", "", "1.00", ""), "Cuenta", "the account is empty"),
    (("", "D-1", "105-01", "Venta", "", "1.00", ""), "Fecha", "'' is empty: a date is required"),
    (("5 de octubre", "D-1", "105-01", "Venta", "", "1.00", ""), "Fecha", "is not a date"),
    (("05/10/2026", "D-1", "105-01", "Venta", "", "1.234,56", ""), "Cargo", "decimal comma"),
    (("05/10/2026", "D-1", "105-01", "Venta", "", "", "1.005"), "Abono", "more than 2 decimals"),
])
def test_a_malformed_line_stops_the_read_naming_its_row_and_column(tmp_path, row, column, message):
    good = ("05/10/2026", "D-0", "105-01", "Venta", "", "1.00", "")
    with pytest.raises(GLFormatError) as err:
        _lines(tmp_path, [good, row])
    assert (err.value.row, err.value.column) == (3, column)
    assert message in str(err.value) and str(err.value).startswith(str(tmp_path / "gl.csv"))


def test_a_row_with_more_fields_than_the_header_is_an_error_with_its_row(tmp_path):
    path = tmp_path / "gl.csv"
    path.write_text("Fecha,Cuenta,Cargo,Abono\r\n05/10/2026,105-01,1.00,\r\n05/10/2026,105-01,1,234.56,\r\n", encoding="utf-8")
    with pytest.raises(GLFormatError) as err:
        read_gl(path)
    assert err.value.row == 3 and "5 fields where the header has 4" in str(err.value)


def test_a_quote_never_closed_is_an_error_with_the_row_it_opens_on(tmp_path):
    path = tmp_path / "gl.csv"
    path.write_text('Reporte\r\n\r\nFecha,Cuenta,Concepto,Cargo,Abono\r\n05/10/2026,105-01,ok,1.00,\r\n'
                    '05/10/2026,105-01,"sin cerrar,1.00,\r\n06/10/2026,105-01,x,1.00,\r\n', encoding="utf-8")
    with pytest.raises(GLFormatError) as err:
        read_gl(path)
    assert err.value.row == 5 and "never closed" in str(err.value)


def test_a_malformed_row_far_down_a_large_file_leaves_nothing_read(tmp_path):
    rows = [("05/10/2026", f"D-{i}", "105-01", "Venta", "", "1.00", "") for i in range(2500)]
    rows.append(("05/10/2026", "D-x", "105-01", "Venta", "", "uno", ""))
    with pytest.raises(GLFormatError) as err:
        _lines(tmp_path, rows, chunk_rows=1000)
    assert err.value.row == 2502


def test_reading_in_chunks_gives_the_same_lines(tmp_path):
    rows = [("05/10/2026", f"D-{i}", f"105-01-{i % 3:03d}", "Venta", UUID if i % 7 == 0 else "", f"{i}.{i % 100:02d}", "")
            for i in range(1, 2001)]
    whole = _lines(tmp_path, rows)
    chunked = _lines(tmp_path, rows, chunk_rows=300)
    pd.testing.assert_frame_equal(whole, chunked)
    assert int(whole["debit"].sum()) == sum(i * 100 + i % 100 for i in range(1, 2001))


def test_reading_one_account_keeps_only_its_lines_and_still_checks_every_row(tmp_path):
    rows = [("05/10/2026", "D-1", "105-01-001", "a", "", "1.00", ""), ("05/10/2026", "D-2", "401-01", "b", "", "2.00", "")]
    assert _lines(tmp_path, rows, account="105-01")["entry"].tolist() == ["D-1"]
    with pytest.raises(GLFormatError):
        _lines(tmp_path, rows + [("05/10/2026", "D-3", "401-01", "c", "", "x", "")], account="105-01")


@pytest.mark.parametrize(("code", "kept"), [
    ("105-01", ["105-01", "105-01-001", "105-01 Clientes", "105-01.002"]),
    ("105-01-001", ["105-01-001"]),
    ("105-01*", ["105-01", "105-01-001", "105-010", "105-01 Clientes", "105-01.002"]),
    ("105-010", ["105-010"]),
    ("105-01, 106", ["105-01", "105-01-001", "105-01 Clientes", "105-01.002", "106"]),
    ("110000", ["0000110000", "110000"]),
    ("clientes", []),
])
def test_an_account_is_its_code_or_any_account_under_it_never_a_longer_code(code, kept):
    accounts = ["105-01", "105-01-001", "105-010", "105-01 Clientes", "105-01.002", "1050", "106", "0000110000", "110000",
                "1100001"]
    lines = pd.DataFrame({"account": pd.Series(accounts, dtype="str"), "row": range(len(accounts))})
    assert account_lines(lines, code)["account"].tolist() == kept


def test_formula_text_and_quotes_in_a_description_are_read_as_text(tmp_path):
    texts = ['=HYPERLINK("http://evil.example","clic")', "+1", "-1", "@SUM(A1:A2)", "'; DROP TABLE documents; --",
             'Dijo "pagaré", luego no']
    rows = [("05/10/2026", f"D-{i}", "105-01", t, "", "1.00", "") for i, t in enumerate(texts)]
    assert _lines(tmp_path, rows)["description"].tolist() == texts
    xlsx = write_xlsx(tmp_path / "gl.xlsx", GL_HEADER, [(dt.date(2026, 10, 5), f"D-{i}", "105-01", t, None, 1, None)
                                                         for i, t in enumerate(texts)], text_columns=[3])
    assert read_gl(xlsx).lines["description"].tolist() == texts


def test_an_xlsx_gl_reads_numbers_dates_and_codes_as_written(tmp_path):
    path = write_xlsx(tmp_path / "gl.xlsx", GL_HEADER, [
        (dt.datetime(2026, 10, 5), 15, 105.01, "Venta", UUID, 1160, None),
        ("06/10/2026", "I-2", "105-01", "Cobro", None, None, 400.5),
    ])
    lines = read_gl(path).lines
    assert lines[["row", "entry", "account", "debit", "credit"]].values.tolist() == [[2, "15", "105.01", 116000, 0],
                                                                                     [3, "I-2", "105-01", 0, 40050]]
    assert [d.date() for d in lines["date"]] == [dt.date(2026, 10, 5), dt.date(2026, 10, 6)]

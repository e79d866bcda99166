"""cfdi_ar.close.exports: which layout an export has, where its header is, how its bytes are text."""

from __future__ import annotations

import zipfile

import pytest

from cfdi_ar.close.exports import GLFormatError, load_mapping, normalize_header, presets
from cfdi_ar.close.gl import read_gl

from .conftest import write_csv, write_xlsx

ROW = ("05/10/2026", "D-1", "105-01-001", "Venta", "", "100.00", "")


def test_headers_match_without_accents_case_punctuation_or_extra_spaces():
    assert normalize_header("  Póliza ") == normalize_header("POLIZA") == "poliza"
    assert normalize_header("Nº documento") == normalize_header("No. Documento") == "no documento"
    assert normalize_header("G/L  Account") == "g l account"


@pytest.mark.parametrize(("header", "row", "layout"), [
    (("Fecha", "Póliza", "Cuenta", "Concepto", "Referencia", "Cargo", "Abono"), ROW, "es-generic"),
    (("FECHA", "POLIZA", "CUENTA", "CONCEPTO", "REFERENCIA", "CARGOS", "ABONOS"), ROW, "es-generic"),
    (("Date", "Entry", "Account", "Description", "Reference", "Debit", "Credit"), ROW, "en-generic"),
    (("Posting Date", "Document Number", "G/L Account", "Text", "Reference", "Amount in Local Currency"),
     ("05.10.2026", "1400000001", "105-01-001", "Venta", "", "100.00"), "sap-fagll03"),
    (("Fe.contabilización", "Nº documento", "Cuenta de mayor", "Texto", "Referencia", "Importe en moneda local"),
     ("05.10.2026", "1400000001", "105-01-001", "Venta", "", "100.00"), "sap-fagll03"),
    (("Fecha", "Tipo", "Número", "Cuenta", "Concepto", "Referencia", "Cargos", "Abonos"),
     ("05/10/2026", "Diario", "15", "105-01-001", "Venta", "", "100.00", ""), "contpaqi-polizas"),
    (("Date", "Journal Entry", "Account", "Label", "Reference", "Debit", "Credit", "Balance"),
     ("2026-10-05", "INV/2026/0001", "105.01.001 Clientes nacionales", "Venta", "", "100.00", "0.00", "100.00"),
     "odoo-journal-items"),
])
def test_each_preset_is_recognised_from_its_headers(tmp_path, header, row, layout):
    export = read_gl(write_csv(tmp_path / "gl.csv", header, [row]))
    assert export.layout == layout
    assert (export.lines["debit"].tolist(), export.lines["credit"].tolist()) == ([10000], [0])


def test_the_same_headers_are_recognised_in_an_xlsx_below_title_rows(tmp_path):
    path = write_xlsx(tmp_path / "gl.xlsx", ("Fecha", "Tipo", "Número", "Cuenta", "Concepto", "Referencia", "Cargos", "Abonos"),
                      [("05/10/2026", "Diario", 15, "105-01-001", "Venta", "", 100, None)],
                      above=[("CONTPAQi Contabilidad",), ("Listado de pólizas del 01/Oct/2026 al 31/Oct/2026",), ()])
    export = read_gl(path)
    assert (export.layout, export.header_row) == ("contpaqi-polizas", 4)
    assert export.lines[["row", "entry", "debit"]].values.tolist() == [[5, "Diario 15", 10000]]


def test_title_lines_above_a_csv_header_are_skipped_and_rows_keep_their_file_numbers(tmp_path):
    path = write_csv(tmp_path / "gl.csv", ("Fecha", "Cuenta", "Cargo", "Abono"), [("05/10/2026", "105-01", "1.00", "")],
                     above=["Auxiliar de cuentas", "Empresa: DEMO", ""])
    export = read_gl(path)
    assert (export.header_row, export.lines["row"].tolist()) == (4, [5])


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_separator_is_found_with_the_header(tmp_path, delimiter):
    path = write_csv(tmp_path / "gl.csv", ("Fecha", "Cuenta", "Cargo", "Abono"), [("05/10/2026", "105-01", "1,234.56", "")],
                     delimiter=delimiter)
    export = read_gl(path)
    assert (export.delimiter, export.lines["debit"].tolist()) == (delimiter, [123456])


@pytest.mark.parametrize(("encoding", "detected"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"), ("latin-1", "cp1252"), ("utf-16", "utf-16"),
])
def test_the_encoding_is_detected_and_accents_survive(tmp_path, encoding, detected):
    path = write_csv(tmp_path / "gl.csv", ("Fecha", "Póliza", "Cuenta", "Concepto", "Cargo", "Abono"),
                     [("05/10/2026", "Diario", "105-01", "Cobro señor Muñoz, año", "1.00", "")], encoding=encoding)
    export = read_gl(path)
    assert export.encoding == detected
    assert export.lines["description"].tolist() == ["Cobro señor Muñoz, año"]


def test_windows_1252_punctuation_survives(tmp_path):
    path = write_csv(tmp_path / "gl.csv", ("Fecha", "Cuenta", "Concepto", "Cargo", "Abono"),
                     [("05/10/2026", "105-01", "Cobro “anticipo” — 5 € ñ", "1.00", "")], encoding="cp1252")
    assert read_gl(path).lines["description"].tolist() == ["Cobro “anticipo” — 5 € ñ"]


def test_a_latin1_file_without_windows_only_characters_reads_as_windows_1252(tmp_path):
    path = tmp_path / "gl.csv"
    path.write_bytes("Fecha;Cuenta;Concepto;Cargo;Abono\r\n05/10/2026;105-01;Facturación;1.00;\r\n".encode("latin-1"))
    export = read_gl(path)
    assert (export.encoding, export.lines["description"].tolist()) == ("cp1252", ["Facturación"])


def test_a_file_mixing_utf8_and_windows_1252_is_refused_with_the_row_and_column(tmp_path):
    path = tmp_path / "gl.csv"
    path.write_bytes("Fecha;Cuenta;Concepto;Cargo;Abono\r\n05/10/2026;105-01;Facturación;1.00;\r\n".encode("utf-8")
                     + "06/10/2026;105-01;Devolución;2.00;\r\n".encode("cp1252"))
    with pytest.raises(GLFormatError) as err:
        read_gl(path)
    assert (err.value.row, err.value.column) == (3, "Concepto")
    assert "mixes UTF-8" in str(err.value)


def test_bytes_undefined_in_windows_1252_are_refused_with_the_row_and_column(tmp_path):
    path = tmp_path / "gl.csv"
    path.write_bytes(b"Fecha,Cuenta,Concepto,Cargo,Abono\r\n05/10/2026,105-01,ok,1.00,\r\n05/10/2026,105-01,bad\x81\x8d,1.00,\r\n")
    with pytest.raises(GLFormatError) as err:
        read_gl(path)
    assert (err.value.row, err.value.column) == (3, "Concepto")
    assert "neither UTF-8 nor Windows-1252" in str(err.value)


def test_a_declared_encoding_that_does_not_fit_is_refused_with_the_row_and_column(tmp_path):
    path = tmp_path / "gl.csv"
    path.write_bytes("Fecha,Cuenta,Concepto,Cargo,Abono\r\n05/10/2026,105-01,Facturación,1.00,\r\n".encode("cp1252"))
    mapping = tmp_path / "m.toml"
    mapping.write_text('encoding = "utf-8"\n[columns]\ndate = "Fecha"\naccount = "Cuenta"\ndescription = "Concepto"\n'
                       'debit = "Cargo"\ncredit = "Abono"\n', encoding="utf-8")
    with pytest.raises(GLFormatError) as err:
        read_gl(path, mapping)
    assert (err.value.row, err.value.column) == (2, "Concepto")
    assert "is not utf-8 text, as the mapping declares" in str(err.value)


def test_utf16_without_a_bom_is_refused_as_binary(tmp_path):
    path = tmp_path / "gl.csv"
    path.write_bytes("Fecha,Cuenta,Cargo,Abono\r\n".encode("utf-16-le"))
    with pytest.raises(GLFormatError, match="NUL bytes"):
        read_gl(path)


@pytest.mark.parametrize("content", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_an_error(tmp_path, content):
    path = tmp_path / "gl.csv"
    path.write_bytes(content)
    with pytest.raises(GLFormatError, match="the file is empty"):
        read_gl(path)


def test_an_export_no_layout_fits_lists_the_headers_found_and_what_is_missing(tmp_path):
    path = write_csv(tmp_path / "gl.csv", ("Fecha", "Cuenta", "Concepto", "Importe"), [("05/10/2026", "105-01", "x", "1.00")],
                     above=["Reporte"])
    with pytest.raises(GLFormatError) as err:
        read_gl(path)
    message = str(err.value)
    assert err.value.row == 2
    assert "'Fecha', 'Cuenta', 'Concepto', 'Importe'" in message
    assert "es-generic, is missing Cargo | Cargos | Debe; Abono | Abonos | Haber" in message


def test_a_forced_preset_is_the_only_one_tried(tmp_path):
    path = write_csv(tmp_path / "gl.csv", ("Fecha", "Cuenta", "Cargo", "Abono"), [ROW[:1] + ("105-01", "1.00", "")])
    assert read_gl(path, preset="es-generic").layout == "es-generic"
    with pytest.raises(GLFormatError, match="closest layout, sap-fagll03, is missing"):
        read_gl(path, preset="sap-fagll03")
    with pytest.raises(GLFormatError, match="no GL preset 'nope'; presets: sap-fagll03, odoo-journal-items"):
        read_gl(path, preset="nope")


def test_a_mapping_file_names_any_layout_and_its_decimal_comma(tmp_path):
    path = write_csv(tmp_path / "gl.csv", ("Fch", "Cta", "Pol", "Debe MN", "Haber MN"),
                     [("10/05/2026", "105-01", "7", "1.234,56", "")], delimiter=";")
    mapping = tmp_path / "mi-erp.toml"
    mapping.write_text('name = "mi-erp"\ndecimal = ","\ndate_format = "MM/DD/YYYY"\n[columns]\ndate = "Fch"\naccount = "Cta"\n'
                       'entry = "Pol"\ndebit = "Debe MN"\ncredit = "Haber MN"\n', encoding="utf-8")
    export = read_gl(path, mapping)
    assert export.layout == "mi-erp"
    assert export.lines[["debit", "entry"]].values.tolist() == [[123456, "7"]]
    assert str(export.lines["date"].iloc[0].date()) == "2026-10-05"


@pytest.mark.parametrize(("toml", "message"), [
    ('[columns]\ndate = "F"\n', "needs the columns date and account"),
    ('[columns]\ndate = "F"\naccount = "C"\n', "either debit and credit columns, or one signed amount"),
    ('[columns]\ndate = "F"\naccount = "C"\namount = "I"\ndebit = "D"\ncredit = "H"\n', "either debit and credit"),
    ('decimals = ","\n[columns]\ndate = "F"\n', "unknown key(s) decimals"),
    ('[columns]\nfecha = "F"\n', "unknown field(s) fecha"),
    ('decimal = ";"\n[columns]\ndate = "F"\naccount = "C"\namount = "I"\n', 'decimal must be "." or ","'),
    ('date_format = "YYYY/DD/MM"\n[columns]\ndate = "F"\naccount = "C"\namount = "I"\n', "date_format must be"),
    ('encoding = "klingon"\n[columns]\ndate = "F"\naccount = "C"\namount = "I"\n', "unknown encoding"),
    ('kind = "ar"\n[columns]\ndate = "F"\n', 'kind must be "gl"'),
    ("[columns\n", "not a valid TOML mapping"),
])
def test_a_bad_mapping_file_is_an_error_naming_the_file(tmp_path, toml, message):
    mapping = tmp_path / "m.toml"
    mapping.write_text(toml, encoding="utf-8")
    with pytest.raises(GLFormatError) as err:
        load_mapping(mapping, "gl")
    assert message in str(err.value) and str(mapping) in str(err.value)


def test_every_packaged_preset_is_valid_and_named_after_its_file():
    gl, ar = presets("gl"), presets("ar")
    assert [p.name for p in gl] == ["sap-fagll03", "odoo-journal-items", "contpaqi-polizas", "es-generic", "en-generic"]
    assert [p.name for p in ar] == ["sap-fbl5n", "odoo-receivables", "contpaqi-cxc", "aspel-sae", "ar-es-generic",
                                    "ar-en-generic"]
    assert all(p.origin.endswith(f"{p.kind}-{p.name.removeprefix('ar-')}.toml") or p.name.startswith("ar-") for p in gl + ar)


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "gl.csv"
    with open(path, "wb") as fh:  # a sparse 3 MB file: the limit is checked on its size, nothing is read
        fh.write(b"Fecha,Cuenta,Cargo,Abono\r\n")
        fh.seek(3 * 1024 * 1024)
        fh.write(b"\r\n")
    with pytest.raises(GLFormatError, match="3 MB is above the 2 MB limit"):
        read_gl(path, max_mb=2)


def test_an_xlsx_that_unpacks_above_the_limit_is_refused_before_it_is_opened(tmp_path):
    path = write_xlsx(tmp_path / "gl.xlsx", ("Fecha", "Cuenta", "Cargo", "Abono"), [("05/10/2026", "105-01", 1, None)])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/padding.bin", b"\0" * (3 * 1024 * 1024))  # compresses to a few KB
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(GLFormatError, match="unpacks to 3 MB, above the 2 MB limit"):
        read_gl(path, max_mb=2)


def test_a_named_sheet_is_read_and_a_missing_one_is_an_error(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Portada"
    wb.active.append(["Nada que ver"])
    ws = wb.create_sheet("Movimientos")
    ws.append(["Fecha", "Cuenta", "Cargo", "Abono"])
    ws.append(["05/10/2026", "105-01", 5, None])
    wb.save(tmp_path / "gl.xlsx")
    mapping = tmp_path / "m.toml"
    mapping.write_text('sheet = "Movimientos"\n[columns]\ndate = "Fecha"\naccount = "Cuenta"\n'
                       'debit = "Cargo"\ncredit = "Abono"\n')
    assert read_gl(tmp_path / "gl.xlsx", mapping).lines["debit"].tolist() == [500]
    mapping.write_text(mapping.read_text().replace("Movimientos", "Hoja9"))
    with pytest.raises(GLFormatError, match="no sheet 'Hoja9'; the workbook has 'Portada', 'Movimientos'"):
        read_gl(tmp_path / "gl.xlsx", mapping)


def test_a_corrupt_workbook_is_an_error_not_a_traceback(tmp_path):
    path = tmp_path / "gl.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    with pytest.raises(GLFormatError, match="not a readable XLSX workbook"):
        read_gl(path)


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(GLFormatError, match="cannot read"):
        read_gl(tmp_path / "nope.csv")

"""cfdi_ar.close.erp: the ERP's AR open items, per preset, exact, or refused naming the row and column."""

from __future__ import annotations

import datetime as dt

import pytest

from cfdi_ar.close.erp import ITEM_COLUMNS, read_ar
from cfdi_ar.close.exports import GLFormatError

from .conftest import write_csv, write_xlsx

UUID = "8F21AAAA-4F89-11D3-9A0C-0305E82C3301"


@pytest.mark.parametrize(("header", "row", "layout", "expected"), [
    (("Customer", "Name 1", "Document Number", "Reference", "Posting Date", "Net Due Date", "Document currency",
      "Amount in doc. curr.", "Amount in local currency"),
     ("100234", "AUTOPARTES GLOBALES", "1800000042", f"F-1004 {UUID}", "08.10.2026", "07.11.2026", "USD", "507.04", "9,355.90"),
     "sap-fbl5n", ("100234", "1800000042", UUID, "USD", 50704, 935590)),
    (("Partner", "Journal Entry", "Reference", "Fiscal Folio", "Date", "Due Date", "Currency", "Residual Amount in Currency",
      "Residual Amount"),
     ("Autopartes Globales", "INV/2026/00042", "F-1004", UUID.lower(), "2026-10-08", "2026-11-07", "USD", "507.04", "9355.90"),
     "odoo-receivables", ("", "INV/2026/00042", UUID, "USD", 50704, 935590)),
    (("Cliente", "RFC", "Serie", "Folio", "UUID", "Fecha", "Vencimiento", "Moneda", "Tipo de cambio", "Saldo"),
     ("AUTOPARTES GLOBALES", "agl1111119z0", "F", "1004", "", "08/10/2026", "", "Dólares", "18.4520", "507.04"),
     "contpaqi-cxc", ("", "F 1004", None, "USD", 50704, 935590)),
    (("Clave", "Nombre", "Documento", "Fecha aplicación", "Fecha vencimiento", "Saldo"),
     ("C-17", "ABARROTES LA ESPERANZA", "F1001", "01/10/2026", "31/10/2026", "9,384.80"),
     "aspel-sae", ("C-17", "F1001", None, "MXN", 938480, 938480)),
    (("Cliente", "Folio", "Fecha", "Saldo"), ("ABARROTES", "F-1001", "01/10/2026", "9384.80"),
     "ar-es-generic", ("", "F-1001", None, "MXN", 938480, 938480)),
    (("Customer", "Invoice", "UUID", "Due date", "Balance MXN"), ("Abarrotes", "F-1001", UUID, "2026-10-31", "9384.80"),
     "ar-en-generic", ("", "F-1001", UUID, "MXN", 938480, 938480)),
])
def test_each_ar_preset_is_recognised_and_read_exactly(tmp_path, header, row, layout, expected):
    export = read_ar(write_csv(tmp_path / "ar.csv", header, [row]))
    assert export.layout == layout
    item = export.items.iloc[0]
    assert (item["customer"], item["document"], item["uuid"], item["currency"], item["amount"], item["amount_mxn"]) == expected


def test_ar_items_have_the_documented_columns(tmp_path):
    path = write_csv(tmp_path / "ar.csv", ("RFC", "Folio", "Vencimiento", "Saldo"), [("ale1503107h2", "1001", "", "5")])
    export = read_ar(path)
    assert tuple(export.items.columns) == ITEM_COLUMNS
    item = export.items.iloc[0]
    assert (item["customer_rfc"], str(item["due_date"]), bool(item["amount_known"])) == ("ALE1503107H2", "NaT", True)


def test_a_foreign_amount_without_an_mxn_amount_or_rate_is_an_error_naming_its_row(tmp_path):
    path = write_csv(tmp_path / "ar.csv", ("Folio", "Moneda", "Saldo"), [("1001", "MXN", "5.00"), ("1004", "USD", "507.04")])
    with pytest.raises(GLFormatError) as err:
        read_ar(path)
    assert (err.value.row, err.value.column) == (3, "Saldo")
    assert "map amount_mxn or exchange_rate" in str(err.value)


def test_an_mxn_only_export_knows_foreign_amounts_only_in_mxn(tmp_path):
    export = read_ar(write_csv(tmp_path / "ar.csv", ("Folio", "Moneda", "Saldo MXN"), [("1004", "USD", "9,355.90")]))
    item = export.items.iloc[0]
    assert (item["amount_mxn"], item["amount"], bool(item["amount_known"])) == (935590, 0, False)


def test_an_exchange_rate_converts_half_up_to_the_centavo(tmp_path):
    export = read_ar(write_csv(tmp_path / "ar.csv", ("Folio", "Moneda", "Tipo de cambio", "Saldo"),
                               [("1", "USD", "18.4520", "0.25"), ("2", "USD", "18.4520", "507.04")]))
    assert export.items["amount_mxn"].tolist() == [461, 935590]  # 4.613 -> 4.61; 9,355.902... -> 9,355.90


@pytest.mark.parametrize("rate", ["", "NaN", "1E3", "-18.45", "abc"])
def test_a_bad_exchange_rate_is_an_error_naming_its_row(tmp_path, rate):
    with pytest.raises(GLFormatError) as err:
        read_ar(write_csv(tmp_path / "ar.csv", ("Folio", "Moneda", "Tipo de cambio", "Saldo"), [("1", "USD", rate, "1.00")]))
    assert (err.value.row, err.value.column) == (2, "Tipo de cambio")


def test_rows_without_a_document_are_totals_left_out_and_listed(tmp_path):
    export = read_ar(write_csv(tmp_path / "ar.csv", ("Cliente", "Folio", "Saldo"),
                               [("A", "1001", "5.00"), ("", "", ""), ("Total", "", "5.00")]))
    assert (export.items["row"].tolist(), export.skipped) == ([2], (4,))


def test_an_xlsx_erp_export_reads_dates_and_numbers(tmp_path):
    path = write_xlsx(tmp_path / "ar.xlsx", ("Clave", "Nombre", "Documento", "Fecha aplicación", "Fecha vencimiento", "Saldo"),
                      [("C-17", "ABARROTES", 1001, dt.datetime(2026, 10, 1), None, 9384.8)], above=[("Aspel SAE",)])
    item = read_ar(path).items.iloc[0]
    assert (item["row"], item["document"], item["posting_date"].date(), item["amount_mxn"]) == (3, "1001", dt.date(2026, 10, 1),
                                                                                               938480)


def test_an_ar_export_without_an_identifier_column_is_not_recognised(tmp_path):
    with pytest.raises(GLFormatError, match="no AR layout recognised") as err:
        read_ar(write_csv(tmp_path / "ar.csv", ("Cliente", "Saldo"), [("A", "5.00")]))
    assert "--ar-preset" in str(err.value)

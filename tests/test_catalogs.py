"""``cfdi-ar catalogs import|info``: SAT's catCFDI workbook → the catalog files the rules read.

The workbooks here are real .xlsx files made with openpyxl and laid out like SAT's
catCFDI: title rows with the version above the header, merged two-row headers
(c_UsoCFDI, c_TasaOCuota), SAT's own column titles with their typos, keys written
as numbers, and rows whose validity has ended. Their content is the built-in
catalog data, so an import must give back exactly the built-in rows (a round trip),
plus whatever a test changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest
from click.testing import CliRunner, Result
from openpyxl import Workbook

from cfdi_ar.cli import main
from cfdi_ar.context import Settings
from cfdi_ar.demo.documents import invoice
from cfdi_ar.demo.seal import to_bytes
from cfdi_ar.sat.catalogs import CATALOG_NAMES, builtin_dir, load_catalogs
from cfdi_ar.sat.catalogs_import import CatalogImportError, build_documents, import_workbook, normalise
from cfdi_ar.validate import validate_bytes

from .conftest import EMISOR, FECHA, RECEPTOR, sample_lines

TODAY = dt.date(2026, 11, 1)
ENDED = dt.datetime(2023, 12, 31)  # a row no longer in force
START = dt.datetime(2022, 1, 1)
NAMES = {"002": "IVA", "001": "ISR", "003": "IEPS"}


def builtin(catalog: str) -> Any:
    return json.loads((builtin_dir() / f"{catalog}.json").read_text(encoding="utf-8"))["rows"]


def yes(flag: bool) -> str:
    return "Sí" if flag else "No"


# --------------------------------------------------------------------------- a SAT-like workbook


def _titles(ws, title: str, *, side_by_side: bool = False) -> None:
    """SAT's title rows: the catalog's description, then its version (labels over values, or beside them)."""
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    if side_by_side:
        ws.append(["Versión CFDI", "4.0", None, "Revisión:", 7])
        ws.append([])
    else:
        ws.append(["Versión CFDI", "Versión catálogo", "Revisión catálogo"])
        ws.append([4, "1.0", 0])
    ws.append([])


def sheet_forma_pago(wb: Workbook, rows: dict[str, Any]) -> None:
    ws = wb.create_sheet("c_FormaPago")
    _titles(ws, "Catálogo de formas de pago.")
    ws.append(["c_FormaPago", "Descripción", "Bancarizado", "Número de operación", "RFC del Emisor de la cuenta ordenante",
               "Cuenta Ordenante", "Patrón para cuenta ordenante", "RFC del Emisor Cuenta de Beneficiario",
               "Cuenta de Benenficiario", "Patrón para cuenta Beneficiaria", "Tipo Cadena Pago",
               "Nombre del Banco emisor de la cuenta ordenante en caso de extranjero", "Fecha inicio de vigencia",
               "Fecha fin de vigencia"])
    for key, r in rows.items():
        ws.append([key, f"Forma {key}", r["bancarizado"], "Opcional", r["rfc_emisor_cta_ord"], r["cta_ordenante"],
                   r["patron_cta_ordenante"] or "No", r["rfc_emisor_cta_ben"], r["cta_beneficiario"],
                   r["patron_cta_beneficiaria"] or "No", r["tipo_cad_pago"], r["nom_banco_ord_ext"], START, None])
    ws.append(["97", "Retirada", "No", "No", "No", "No", "No", "No", "No", "No", "No", "No", START, ENDED])
    ws.append([])
    ws.append([None, "Nota: las claves 97 y 98 dejaron de estar vigentes."])  # text under the table


def sheet_uso_cfdi(wb: Workbook, rows: dict[str, Any]) -> None:
    ws = wb.create_sheet("c_UsoCFDI")
    _titles(ws, "Catálogo de uso de comprobantes.")
    ws.append(["c_UsoCFDI", "Descripción", "Aplica para tipo persona", None, "Fecha inicio de vigencia",
               "Fecha fin de vigencia", "Régimen Fiscal Receptor"])
    ws.append([None, None, "Física", "Moral"])
    ws.merge_cells("C5:D5")
    for name in ("A", "B", "E", "F", "G"):
        ws.merge_cells(f"{name}5:{name}6")
    for key, r in rows.items():
        ws.append([key, f"Uso {key}", yes(r["fisica"]), yes(r["moral"]), START, None, ", ".join(r["regimenes"])])
    ws.append(["P02", "Retirado", "Sí", "Sí", START, ENDED, "601"])


def sheet_regimen(wb: Workbook, rows: dict[str, Any]) -> None:
    ws = wb.create_sheet("c_RegimenFiscal")
    _titles(ws, "Catálogo de regímenes fiscales.", side_by_side=True)
    ws.append([])
    ws.append(["c_RegimenFiscal", "Descripción", "Física", "Moral", "Fecha de inicio de vigencia", "Fecha de fin de vigencia"])
    for key, r in rows.items():
        ws.append([int(key), f"Régimen {key}", yes(r["fisica"]), yes(r["moral"]), START, None])  # keys as numbers
    ws.append([699, "Régimen retirado", "No", "Sí", START, ENDED])


def sheet_tasa(wb: Workbook, rows: list[Any]) -> None:
    ws = wb.create_sheet("c_TasaOCuota")
    _titles(ws, "Catálogo de tasas o cuotas de impuestos.")
    ws.append(["Rango o Fijo", "c_TasaOCuota", None, "Impuesto", "Factor", "Traslado", "Retención",
               "Fecha inicio de vigencia", "Fecha fin de vigencia"])
    ws.append([None, "Valor mínimo", "Valor máximo"])
    ws.merge_cells("B5:C5")
    for r in rows:
        name = NAMES[r["impuesto"]]
        if r["impuesto"] == "002" and r.get("valor") == "0.080000":
            name = "IVA Crédito aplicado del 50%"  # SAT's name for the border-region rate
        low, high = (None, float(r["valor"])) if r["tipo"] == "Fijo" else (float(r["minimo"]), float(r["maximo"]))
        ws.append([r["tipo"], low, high, name, r["factor"], yes(r["traslado"]), yes(r["retencion"]), START, None])
    ws.append(["Fijo", None, 0.11, "IVA", "Tasa", "Sí", "No", START, ENDED])


def sheet_moneda(wb: Workbook, rows: dict[str, Any]) -> None:
    ws = wb.create_sheet("c_Moneda")
    _titles(ws, "Catálogo de monedas.")
    ws.append(["c_Moneda", "Descripción", "Decimales", "Porcentaje variación", "Fecha inicio de vigencia", "Fecha fin de vigencia"])
    for i, (key, r) in enumerate(rows.items()):
        variacion: Any = r["variacion"]
        if variacion and i % 2:  # a percentage cell holds the fraction: 500% is 5
            variacion = float(variacion.rstrip("%")) / 100
        ws.append([key, f"Moneda {key}", r["decimales"], variacion, START, None])
        if i % 2 and variacion is not None:
            ws.cell(ws.max_row, 4).number_format = "0%"
    ws.append(["XEU", "Unidad monetaria europea", 2, "500%", START, ENDED])


def sheet_clave_prod_serv(wb: Workbook) -> None:
    ws = wb.create_sheet("c_ClaveProdServ")
    _titles(ws, "Catálogo de productos / servicios.")
    ws.append(["c_ClaveProdServ", "Descripción", "Incluir IVA trasladado", "Incluir IEPS trasladado",
               "Complemento que debe incluir", "FechaInicioVigencia", "FechaFinVigencia", "Estímulo Franja Fronteriza",
               "Palabras similares"])
    ws.append([1010101, "No existe en el catálogo", "Opcional", "Opcional", None, START, None, 0, None])
    ws.append(["50161813", "Chocolate de mesa", "Sí", "Sí", None, START, None, 1, "chocolate"])
    ws.append([50202306, "Agua mineral", "Sí", "Opcional", None, START, None, 1, None])
    ws.append(["25101500", "Vehículos de pasajeros", "Opcional", "Opcional", "Venta de Vehiculos", START, None, 0, None])
    ws.append(["10101500", "Animales vivos", "No", "No", None, START, dt.datetime(2030, 1, 1), 0, None])
    ws.append(["84111506", "Servicios de facturación", "Sí", "No", None, START, ENDED, 0, None])


def sat_workbook(path: Path, *, edit: Callable[[Workbook], None] | None = None) -> Path:
    """An .xlsx laid out like SAT's catCFDI with the built-in catalogs' content (plus c_ClaveProdServ rows)."""
    wb = Workbook()
    wb.active.title = "Instrucciones"
    wb.active.append(["Catálogos del CFDI versión 4.0"])
    sheet_forma_pago(wb, builtin("c_FormaPago"))
    wb.create_sheet("c_Impuesto").append(["c_Impuesto", "Descripción"])  # a sheet cfdi-ar does not read
    sheet_uso_cfdi(wb, builtin("c_UsoCFDI"))
    sheet_regimen(wb, builtin("c_RegimenFiscal"))
    sheet_tasa(wb, builtin("c_TasaOCuota"))
    sheet_moneda(wb, builtin("c_Moneda"))
    sheet_clave_prod_serv(wb)
    if edit is not None:
        edit(wb)
    wb.save(path)
    return path


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return sat_workbook(tmp_path / "catCFDI_V_4_20261015.xlsx")


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the user's real catalog folder."""
    monkeypatch.setenv("CFDI_AR_CATALOGS_DIR", str(tmp_path / "user-catalogs"))


def cli(*args: object) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"cfdi-ar crashed: {result.exception!r}") from result.exception
    return result


# --------------------------------------------------------------------------- the import


def test_import_round_trips_the_builtin_catalogs(workbook, tmp_path):
    out = tmp_path / "out"
    imported = import_workbook(workbook, out, today=TODAY)
    assert [i.catalog for i in imported] == list(CATALOG_NAMES)
    for catalog in ("c_FormaPago", "c_UsoCFDI", "c_RegimenFiscal", "c_TasaOCuota", "c_Moneda"):
        doc = json.loads((out / f"{catalog}.json").read_text(encoding="utf-8"))
        assert doc["rows"] == builtin(catalog), catalog  # rows no longer in force (97, P02, 699, 0.11, XEU) are gone
        assert doc["catalog"] == catalog
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{c}.json" for c in CATALOG_NAMES)  # no temporary folder left


def test_only_clave_prod_serv_keys_with_an_obligation_in_force_are_kept(workbook, tmp_path):
    import_workbook(workbook, tmp_path / "out", today=TODAY)
    rows = json.loads((tmp_path / "out" / "c_ClaveProdServ.json").read_text(encoding="utf-8"))["rows"]
    assert rows == {
        "50161813": {"iva": "Sí", "ieps": "Sí", "complemento": ""},
        "50202306": {"iva": "Sí", "ieps": "Opcional", "complemento": ""},  # a key written as a number keeps its digits
        "25101500": {"iva": "Opcional", "ieps": "Opcional", "complemento": "Venta de Vehiculos"},
        "10101500": {"iva": "No", "ieps": "No", "complemento": ""},  # ends in 2030: still in force
    }  # 01010101 has no obligation; 84111506's validity ended


def test_validity_ending_today_is_still_in_force(workbook, tmp_path):
    import_workbook(workbook, tmp_path / "out", today=dt.date(2030, 1, 1))
    rows = json.loads((tmp_path / "out" / "c_ClaveProdServ.json").read_text(encoding="utf-8"))["rows"]
    assert "10101500" in rows
    import_workbook(workbook, tmp_path / "later", today=dt.date(2030, 1, 2))
    rows = json.loads((tmp_path / "later" / "c_ClaveProdServ.json").read_text(encoding="utf-8"))["rows"]
    assert "10101500" not in rows


def test_each_file_records_version_import_date_source_and_sha256(workbook, tmp_path):
    import_workbook(workbook, tmp_path / "out", today=TODAY)
    sha = hashlib.sha256(workbook.read_bytes()).hexdigest()
    forma = json.loads((tmp_path / "out" / "c_FormaPago.json").read_text(encoding="utf-8"))
    assert forma["version"] == "Versión CFDI 4.0, Versión catálogo 1.0, Revisión catálogo 0"
    assert forma["sheet_header"] == {"Versión CFDI": "4.0", "Versión catálogo": "1.0", "Revisión catálogo": "0"}
    assert (forma["imported"], forma["source_file"], forma["source_sha256"]) == ("2026-11-01", workbook.name, sha)
    assert workbook.name in forma["reflects"] and "2026-11-01" in forma["reflects"]
    assert sha in forma["source"]
    regimen = json.loads((tmp_path / "out" / "c_RegimenFiscal.json").read_text(encoding="utf-8"))
    assert regimen["version"] == "Versión CFDI 4.0, Revisión 7"  # labels with their value beside them


def test_imported_files_load_and_replace_the_builtin_ones(workbook, tmp_path):
    import_workbook(workbook, tmp_path / "out", today=TODAY)
    cats = load_catalogs(tmp_path / "out")
    assert all(not f.builtin for f in cats.files)
    assert cats.claves["50161813"].ieps_trasladado == "Sí"
    assert cats.tasa_admitted("002", "Tasa", Decimal("0.080000"), traslado=True)
    assert cats.moneda_variacion["USD"] == 5 and cats.moneda_decimales["CLP"] == 0
    assert cats.usos_cfdi["G03"].moral and "601" in cats.usos_cfdi["G03"].regimenes
    assert "97" not in cats.formas_pago and "P02" not in cats.usos_cfdi and "699" not in cats.regimen_moral
    assert "XEU" not in cats.moneda_decimales
    builtin_cats = load_catalogs(tmp_path / "empty")
    assert builtin_cats.formas_pago == cats.formas_pago and builtin_cats.tasas == cats.tasas


def test_an_imported_catalog_changes_a_rules_outcome(workbook, tmp_path):
    """c_ClaveProdServ says chocolate (50161813) must carry IEPS: the built-in catalog has no such
    obligation, so CFDI40164 is silent; with SAT's workbook imported it fires on the concept."""
    data = to_bytes(invoice(EMISOR, RECEPTOR, sample_lines(), fecha=FECHA, folio="1001"))

    def cfdi40164(folder: Path) -> list[Any]:
        result = validate_bytes("doc.xml", data, Settings(include_rules=("CFDI40164",), catalogs_dir=str(folder)))
        return [f for f in result.findings if f.code == "CFDI40164"]

    assert cfdi40164(tmp_path / "none") == []
    import_workbook(workbook, tmp_path / "out", today=TODAY)
    [finding] = cfdi40164(tmp_path / "out")
    assert "IEPS" in finding.message and finding.path.endswith("cfdi:Concepto[1]/@ClaveProdServ")


def test_sheet_without_the_version_gets_the_file_name_instead(tmp_path):
    def no_titles(wb: Workbook) -> None:
        ws = wb["c_Moneda"]
        ws.delete_rows(2, 2)  # the version labels and values

    path = sat_workbook(tmp_path / "catCFDI.xlsx", edit=no_titles)
    docs = build_documents(path, today=TODAY)
    assert docs["c_Moneda"]["version"] == "catCFDI.xlsx (no version printed in the sheet)"
    assert docs["c_Moneda"]["rows"] == builtin("c_Moneda")


def test_column_titles_are_matched_by_text_not_position_and_survive_typos(tmp_path):
    def reshuffle(wb: Workbook) -> None:
        ws = wb["c_FormaPago"]
        ws.move_range("M5:N40", cols=3)  # the validity dates move three columns to the right
        for cell in ws[5]:
            if cell.value == "Cuenta Ordenante":
                cell.value = "CUENTA  ORDENNANTE"  # another typo, other case and spacing
            elif cell.value == "RFC del Emisor de la cuenta ordenante":
                cell.value = "RFC del emisor de la Cuenta Ordenante"

    docs = build_documents(sat_workbook(tmp_path / "catCFDI.xlsx", edit=reshuffle), today=TODAY)
    assert docs["c_FormaPago"]["rows"] == builtin("c_FormaPago")


def test_a_catalog_split_over_several_sheets_is_read_whole(tmp_path):
    def split(wb: Workbook) -> None:
        wb["c_ClaveProdServ"].title = "c_ClaveProdServ_Parte_1"
        ws = wb.create_sheet("c_ClaveProdServ_Parte_2")
        ws.append(["Catálogo de productos / servicios (continúa)."])
        ws.append(["c_ClaveProdServ", "Descripción", "Incluir IVA trasladado", "Incluir IEPS trasladado",
                   "Complemento que debe incluir", "FechaInicioVigencia", "FechaFinVigencia"])
        ws.append(["95141904", "Vivienda", "No", "Opcional", None, START, None])

    docs = build_documents(sat_workbook(tmp_path / "catCFDI.xlsx", edit=split), today=TODAY)
    rows = docs["c_ClaveProdServ"]["rows"]
    assert rows["95141904"] == {"iva": "No", "ieps": "Opcional", "complemento": ""} and "50161813" in rows
    assert "c_ClaveProdServ_Parte_1, c_ClaveProdServ_Parte_2" in docs["c_ClaveProdServ"]["reflects"]


# --------------------------------------------------------------------------- refusals


def _drop_column(sheet: str, title: str) -> Callable[[Workbook], None]:
    def edit(wb: Workbook) -> None:
        ws = wb[sheet]
        for row in ws.iter_rows(max_row=12):
            for cell in row:
                if cell.value == title:
                    ws.delete_cols(cell.column)
                    return
        raise AssertionError(f"{title} not in {sheet}")

    return edit


def _previous_files(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "c_Moneda.json").write_text('{"rows": {}}', encoding="utf-8")
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize(
    ("sheet", "title"),
    [("c_FormaPago", "Patrón para cuenta Beneficiaria"), ("c_TasaOCuota", "Impuesto"), ("c_UsoCFDI", "Régimen Fiscal Receptor"),
     ("c_ClaveProdServ", "FechaFinVigencia"), ("c_Moneda", "Decimales")],
)
def test_a_missing_column_is_refused_naming_sheet_and_column_and_nothing_is_written(tmp_path, sheet, title):
    path = sat_workbook(tmp_path / "catCFDI.xlsx", edit=_drop_column(sheet, title))
    out = tmp_path / "out"
    before = _previous_files(out)
    result = cli("catalogs", "import", path, "--to", out)
    assert result.exit_code == 2
    assert f"sheet {sheet}" in result.stderr and normalise(title) in normalise(result.stderr)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_missing_sheet_is_refused_naming_it(tmp_path):
    path = sat_workbook(tmp_path / "catCFDI.xlsx", edit=lambda wb: wb.remove(wb["c_TasaOCuota"]))
    with pytest.raises(CatalogImportError, match="no sheet 'c_TasaOCuota'"):
        import_workbook(path, tmp_path / "out", today=TODAY)
    assert not (tmp_path / "out").exists()


def test_an_unreadable_value_is_refused_naming_sheet_row_and_column(tmp_path):
    def bad(wb: Workbook) -> None:
        ws = wb["c_TasaOCuota"]
        ws.cell(7, 4).value = "IVB"  # first data row, Impuesto

    path = sat_workbook(tmp_path / "catCFDI.xlsx", edit=bad)
    with pytest.raises(CatalogImportError, match=r"sheet c_TasaOCuota, row 7, column 'Impuesto': 'IVB' is not IVA, ISR or IEPS"):
        import_workbook(path, tmp_path / "out", today=TODAY)


def test_a_bad_pattern_is_refused(tmp_path):
    path = sat_workbook(tmp_path / "catCFDI.xlsx", edit=lambda wb: setattr(wb["c_FormaPago"].cell(6, 7), "value", "[0-9{10}"))
    with pytest.raises(CatalogImportError, match="Patrón para cuenta ordenante"):
        import_workbook(path, tmp_path / "out", today=TODAY)


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "catCFDI.xls"
    path.write_bytes(b"<html>not a workbook</html>")
    result = cli("catalogs", "import", path, "--to", tmp_path / "out")
    assert result.exit_code == 2 and "not an Excel workbook" in result.stderr
    ole2 = tmp_path / "broken.xls"
    ole2.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)  # an .xls header and nothing readable
    result = cli("catalogs", "import", ole2, "--to", tmp_path / "out")
    assert result.exit_code == 2 and "cannot read the workbook" in result.stderr
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- the command line


def test_cli_import_writes_to_the_user_folder_and_info_shows_it(workbook, tmp_path):
    result = cli("catalogs", "import", workbook)
    assert result.exit_code == 0, result.output
    user = tmp_path / "user-catalogs"
    assert sorted(p.name for p in user.iterdir()) == sorted(f"{c}.json" for c in CATALOG_NAMES)
    assert "c_FormaPago" in result.stdout and str(user) in result.stdout
    info = json.loads(cli("catalogs", "info", "--format", "json").stdout)
    assert [i["catalog"] for i in info] == list(CATALOG_NAMES)
    forma = info[0]
    assert forma["origin"] == "imported" and forma["file"] == str(user / "c_FormaPago.json")
    assert forma["version"].startswith("Versión CFDI 4.0") and forma["rows"] == len(builtin("c_FormaPago"))
    assert workbook.name in forma["reflects"]


def test_cli_info_lists_the_builtin_catalogs(tmp_path):
    result = cli("catalogs", "info")
    assert result.exit_code == 0
    for catalog in CATALOG_NAMES:
        assert catalog in result.stdout
    assert "built-in" in result.stdout and "imported" not in result.stdout.split("\n", 1)[1]
    rows = json.loads(cli("catalogs", "info", "-f", "json").stdout)
    assert {r["origin"] for r in rows} == {"built-in"}
    assert rows[0]["rows"] == len(builtin("c_FormaPago")) and rows[0]["version"] == "catCFDI 4.0 (built in)"


def test_cli_info_reports_a_broken_catalog_file(tmp_path):
    user = tmp_path / "user-catalogs"
    user.mkdir()
    (user / "c_Moneda.json").write_text("{not json", encoding="utf-8")
    result = cli("catalogs", "info")
    assert result.exit_code == 2 and "c_Moneda.json" in result.stderr


@pytest.mark.parametrize("args", [["catalogs", "--help"], ["catalogs", "import", "--help"], ["catalogs", "info", "--help"]])
def test_catalogs_help(args):
    result = cli(*args)
    assert result.exit_code == 0 and "Usage:" in result.stdout


def test_group_help_lists_catalogs():
    assert "catalogs" in cli("--help").stdout


def test_a_sheet_with_no_row_in_force_is_refused(tmp_path):
    def all_ended(wb: Workbook) -> None:
        ws = wb["c_FormaPago"]
        for row in ws.iter_rows(min_row=6):
            if row[0].value:
                row[13].value = ENDED

    path = sat_workbook(tmp_path / "catCFDI.xlsx", edit=all_ended)
    with pytest.raises(CatalogImportError, match="sheet c_FormaPago: no row in force on 2026-11-01"):
        import_workbook(path, tmp_path / "out", today=TODAY)
    assert not (tmp_path / "out").exists()

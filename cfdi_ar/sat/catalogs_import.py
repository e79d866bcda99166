"""``cfdi-ar catalogs import``: SAT's catCFDI workbook → the catalog JSON files cfdi-ar reads.

SAT publishes the CFDI 4.0 catalogs as one workbook, ``catCFDI_V_4_AAAAMMDD.xls``
(legacy Excel, read with pandas and xlrd; an ``.xlsx`` re-save is read with
openpyxl). Each catalog is a sheet: a few title rows (the catalog's name,
"Versión CFDI", "Revisión"…), then a header row that starts with the
catalog's name (``c_FormaPago``), sometimes on two rows where SAT merged
cells (c_UsoCFDI: "Aplica para tipo persona" over "Física | Moral";
c_TasaOCuota: "c_TasaOCuota" over "Valor mínimo | Valor máximo"), then the
rows. Header rows and columns are found by their text, normalised (lower
case, accents and words such as "de" removed, CamelCase split), never by
position: SAT moves columns between revisions and its titles carry typos
("Cuenta de Benenficiario"), which a close-enough match absorbs.

Only rows in force are kept: "Fecha fin de vigencia" empty, or today or
later. Rows whose validity starts in the future are kept (SAT publishes
them ahead of the date they apply from).

Everything is read and checked in memory first; a missing sheet or column,
or a value cfdi-ar cannot read, raises :class:`CatalogImportError` naming
the sheet, the column and the row, and nothing is written. The files are
then written to a temporary folder next to the destination, loaded back
with :func:`~cfdi_ar.sat.catalogs.load_catalogs`, and only then moved in.

This module finds the sheets, headers and columns; :mod:`.catalogs_rows` turns
the cells into each file's rows.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .catalogs import CATALOG_NAMES, CatalogError, load_catalogs, user_dir
from .catalogs_rows import BUILDERS, CatalogImportError, Record, Where, date_of, is_empty, normalise, text_of

__all__ = ["CatalogImportError", "ImportedCatalog", "build_documents", "import_workbook", "read_workbook", "normalise"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (BIFF8 in an OLE2 container)
_ZIP = b"PK\x03\x04"  # .xlsx
_MAX_TITLE_ROWS = 30  # the header row is within the first rows of a sheet
_FUZZY = 0.9  # difflib ratio for a column title with a typo; "incluir iva trasladado" vs "… ieps …" is 0.89


@dataclass(frozen=True, slots=True)
class ImportedCatalog:
    catalog: str
    path: Path
    rows: int
    version: str


# --------------------------------------------------------------------------- sheets and columns


@dataclass(frozen=True, slots=True)
class _Col:
    field: str
    titles: tuple[str, ...]  # SAT's titles as printed; the first is the one error messages name

    @property
    def title(self) -> str:
        return self.titles[0]


def _cols(*spec: tuple[str, ...]) -> tuple[_Col, ...]:
    return tuple(_Col(s[0], s[1:]) for s in spec)


_FIN = ("fin", "Fecha fin de vigencia", "Fecha de fin de vigencia", "FechaFinVigencia")
_SPECS: dict[str, tuple[_Col, ...]] = {
    "c_FormaPago": _cols(
        ("clave", "c_FormaPago"),
        ("bancarizado", "Bancarizado"),
        ("rfc_emisor_cta_ord", "RFC del Emisor de la cuenta ordenante"),
        ("cta_ordenante", "Cuenta Ordenante"),
        ("patron_cta_ordenante", "Patrón para cuenta ordenante"),
        ("rfc_emisor_cta_ben", "RFC del Emisor Cuenta de Beneficiario"),
        ("cta_beneficiario", "Cuenta de Beneficiario", "Cuenta de Benenficiario"),
        ("patron_cta_beneficiaria", "Patrón para cuenta Beneficiaria"),
        ("tipo_cad_pago", "Tipo Cadena Pago"),
        ("nom_banco_ord_ext", "Nombre del Banco emisor de la cuenta ordenante en caso de extranjero"),
        _FIN,
    ),
    "c_UsoCFDI": _cols(
        ("clave", "c_UsoCFDI"),
        ("fisica", "Aplica para tipo persona Física", "Física"),
        ("moral", "Aplica para tipo persona Moral", "Moral"),
        ("regimenes", "Régimen Fiscal Receptor"),
        _FIN,
    ),
    "c_RegimenFiscal": _cols(("clave", "c_RegimenFiscal"), ("fisica", "Física"), ("moral", "Moral"), _FIN),
    "c_TasaOCuota": _cols(
        ("tipo", "Rango o Fijo"),
        ("minimo", "c_TasaOCuota Valor mínimo", "Valor mínimo"),
        ("maximo", "c_TasaOCuota Valor máximo", "Valor máximo"),
        ("impuesto", "Impuesto"),
        ("factor", "Factor"),
        ("traslado", "Traslado"),
        ("retencion", "Retención"),
        _FIN,
    ),
    "c_Moneda": _cols(("clave", "c_Moneda"), ("decimales", "Decimales"), ("variacion", "Porcentaje variación"), _FIN),
    "c_ClaveProdServ": _cols(
        ("clave", "c_ClaveProdServ"),
        ("iva", "Incluir IVA trasladado"),
        ("ieps", "Incluir IEPS trasladado"),
        ("complemento", "Complemento que debe incluir"),
        _FIN,
    ),
}


@dataclass(slots=True)
class _Sheet:
    name: str
    rows: list[list[Any]]
    header_at: int  # index of the (first) header row
    data_at: int  # index of the first row after the header
    columns: dict[str, int]
    labels: dict[str, str]  # "Versión CFDI" → "4.0": what SAT prints above the header


def _find_header(rows: list[list[Any]], catalog: str, sheet: str) -> int:
    want = normalise(catalog)
    for i, row in enumerate(rows[:_MAX_TITLE_ROWS]):
        filled = [c for c in row if not is_empty(c)]
        if len(filled) >= 2 and any(normalise(c) == want for c in row[:4] if isinstance(c, str)):
            return i
    raise CatalogImportError(f"sheet {sheet}: no header row with the column {catalog!r} in its first {_MAX_TITLE_ROWS} rows")


def _column_labels(rows: list[list[Any]], h: int) -> tuple[dict[int, set[str]], int]:
    """Labels of each column (a two-row header gives "top", "sub" and "top sub"), and where data starts."""
    top = rows[h]
    first = next(j for j, c in enumerate(top) if not is_empty(c))
    sub: list[Any] = rows[h + 1] if h + 1 < len(rows) else []
    has_sub = bool(sub) and is_empty(sub[first] if first < len(sub) else None) and any(isinstance(c, str) and c.strip() for c in sub)
    labels: dict[int, set[str]] = {}
    above = ""
    for j in range(max(len(top), len(sub) if has_sub else 0)):
        t = text_of(top[j]) if j < len(top) else ""
        s = text_of(sub[j]) if has_sub and j < len(sub) else ""
        if t:
            above = t
        found = {normalise(t)} if t else set()
        if s:
            found |= {normalise(s), normalise(f"{t or above} {s}")}  # a merged title stands over its sub-titles
        if found:
            labels[j] = found
    return labels, h + (2 if has_sub else 1)


def _match_columns(labels: dict[int, set[str]], spec: tuple[_Col, ...], sheet: str, header: list[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    taken: set[int] = set()
    for col in spec:  # exact titles first
        wanted = {normalise(t) for t in col.titles}
        j = next((j for j, names in labels.items() if j not in taken and names & wanted), None)
        if j is not None:
            out[col.field] = j
            taken.add(j)
    for col in spec:  # then a title with a typo, among the columns left
        if col.field in out:
            continue
        wanted = {normalise(t) for t in col.titles}
        best, best_j = 0.0, None
        for j, names in labels.items():
            if j in taken:
                continue
            for name in names:
                for w in wanted:
                    if len(name.split()) == len(w.split()):
                        ratio = difflib.SequenceMatcher(None, name, w).ratio()
                        if ratio > best:
                            best, best_j = ratio, j
        if best_j is None or best < _FUZZY:
            present = ", ".join(text_of(c) for c in header if not is_empty(c))
            raise CatalogImportError(f"sheet {sheet}: no column {col.title!r} (the header row has: {present})")
        out[col.field] = best_j
        taken.add(best_j)
    return out


_LABEL = re.compile(r"^(version|revision)\b")


def _title_labels(rows: list[list[Any]], h: int) -> dict[str, str]:
    """SAT's version and revision as printed above the header: a label with its value to its right or below."""

    def is_label(v: Any) -> bool:
        return isinstance(v, str) and bool(_LABEL.match(normalise(v)))

    found: dict[str, str] = {}
    for i in range(h):
        row = rows[i]
        for j, cell in enumerate(row):
            if not is_label(cell):
                continue
            label = " ".join(str(cell).split()).rstrip(":").strip()
            value: Any = next((c for c in row[j + 1:] if not is_empty(c)), None)
            if value is None or is_label(value):
                below = rows[i + 1][j] if i + 1 < h and j < len(rows[i + 1]) else None
                value = None if is_empty(below) or is_label(below) else below
            if value is not None:
                text = text_of(value)
                if isinstance(value, int) and normalise(label).startswith("version"):
                    text += ".0"  # Excel shows the version number 4 as "4.0"; the reader hands over the integer
                found[label] = text
            elif re.search(r"\d", label):  # label and value in one cell: "Revisión 3"
                found[label] = ""
    return found


# --------------------------------------------------------------------------- the workbook


def _engine(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(_OLE2):
        return "xlrd"
    if head.startswith(_ZIP):
        return "openpyxl"
    raise CatalogImportError(f"{path.name} is not an Excel workbook (.xls or .xlsx)")


def _catalog_sheets(names: list[str], catalog: str) -> list[str]:
    """The sheet of a catalog, or its parts when SAT splits a long one (c_X_Parte_1, c_X_Parte_2)."""
    want = normalise(catalog)
    part = re.compile(rf"^{re.escape(want)}(?: parte)? \d+$")
    return [n for n in names if normalise(n) == want or part.match(normalise(n))]


def read_workbook(path: str | os.PathLike[str]) -> dict[str, list[_Sheet]]:
    """Every sheet cfdi-ar imports, with its header located and its columns matched."""
    path = Path(path)
    engine = _engine(path)
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - a declared dependency
        raise CatalogImportError("importing SAT's workbook needs pandas: pip install pandas") from None
    try:
        with warnings.catch_warnings():
            # pandas 3 announces the end of its xlrd engine (pandas 4); pyproject keeps pandas below 4.
            warnings.filterwarnings("ignore", message=".*xlrd engine is deprecated.*")
            # xlrd's on_demand loads only the sheets asked for (catCFDI also holds c_CodigoPostal, c_Colonia…)
            book = pd.ExcelFile(path, engine=engine, engine_kwargs={"on_demand": True} if engine == "xlrd" else None)
    except ImportError as exc:
        package = "xlrd" if engine == "xlrd" else "openpyxl"
        raise CatalogImportError(f"reading {path.name} needs the package {package} ({exc}): pip install {package}") from None
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad workbook, never a traceback
        raise CatalogImportError(f"{path.name}: cannot read the workbook ({type(exc).__name__}: {exc})") from None
    out: dict[str, list[_Sheet]] = {}
    with book:
        names = [str(n) for n in book.sheet_names]
        for catalog in CATALOG_NAMES:
            chosen = _catalog_sheets(names, catalog)
            if not chosen:
                raise CatalogImportError(f"the workbook has no sheet {catalog!r} (its sheets: {', '.join(names)})")
            out[catalog] = []
            for name in chosen:
                try:
                    frame = pd.read_excel(book, sheet_name=name, header=None, dtype=object, keep_default_na=False)
                except Exception as exc:  # noqa: BLE001
                    raise CatalogImportError(f"sheet {name}: cannot be read ({type(exc).__name__}: {exc})") from None
                rows = [list(r) for r in frame.itertuples(index=False, name=None)]
                h = _find_header(rows, catalog, name)
                labels, data_at = _column_labels(rows, h)
                columns = _match_columns(labels, _SPECS[catalog], name, rows[h])
                out[catalog].append(_Sheet(name, rows, h, data_at, columns, _title_labels(rows, h)))
    return out


def _records(catalog: str, sheets: list[_Sheet], today: dt.date) -> Iterator[Record]:
    """The rows in force of a catalog: (values by field, where(field) for error messages)."""
    spec = {c.field: c for c in _SPECS[catalog]}
    key_field = _SPECS[catalog][0].field
    for sheet in sheets:
        for i in range(sheet.data_at, len(sheet.rows)):
            row = sheet.rows[i]
            values = {f: (row[j] if j < len(row) else None) for f, j in sheet.columns.items()}
            if is_empty(values[key_field]):
                continue  # blank lines, notes under the table

            def where(field: str, _s: str = sheet.name, _r: int = i + 1) -> Where:
                return Where(_s, _r, spec[field].title if field in spec else None)

            end = date_of(values["fin"], where("fin"))
            if end is not None and end < today:
                continue  # no longer in force
            yield values, where


# --------------------------------------------------------------------------- import


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_documents(path: str | os.PathLike[str], today: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """The JSON document of each catalog, from the workbook at ``path`` (nothing is written)."""
    path = Path(path)
    today = today or dt.date.today()
    sheets = read_workbook(path)
    sha = _sha256(path)
    docs: dict[str, dict[str, Any]] = {}
    for catalog in CATALOG_NAMES:
        parts = sheets[catalog]
        labels = {k: v for s in parts for k, v in s.labels.items()}
        version = ", ".join(f"{k} {v}".strip() for k, v in labels.items()) or f"{path.name} (no version printed in the sheet)"
        rows = BUILDERS[catalog](_records(catalog, parts, today))
        if not rows and catalog != "c_ClaveProdServ":  # c_ClaveProdServ keeps only keys with an obligation
            raise CatalogImportError(f"sheet {parts[0].name}: no row in force on {today.isoformat()}")
        names = ", ".join(s.name for s in parts)
        docs[catalog] = {
            "catalog": catalog,
            "version": version,
            "reflects": f"SAT {path.name}, sheet {names}: rows in force on {today.isoformat()}",
            "source": f"imported with `cfdi-ar catalogs import` from {path.name} (SHA-256 {sha})",
            "imported": today.isoformat(),
            "source_file": path.name,
            "source_sha256": sha,
            "sheet_header": labels,
            "rows": rows,
        }
    return docs


def import_workbook(path: str | os.PathLike[str], dest: str | os.PathLike[str] | None = None,
                    today: dt.date | None = None) -> list[ImportedCatalog]:
    """Read SAT's workbook and write the catalog files into ``dest`` (default: the user catalog folder).

    All or nothing: any problem raises :class:`CatalogImportError` before a file is replaced.
    """
    docs = build_documents(path, today)
    folder = Path(dest) if dest is not None else user_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".import-", dir=folder))
    except OSError as exc:
        raise CatalogImportError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    try:
        for catalog, doc in docs.items():
            (staging / f"{catalog}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        try:
            load_catalogs(staging)  # what cfdi-ar will read must load
        except (CatalogError, KeyError, TypeError, ValueError, ArithmeticError) as exc:  # pragma: no cover - a bug here
            raise CatalogImportError(f"the imported catalogs do not load: {exc}") from None
        for catalog in docs:
            os.replace(staging / f"{catalog}.json", folder / f"{catalog}.json")
    except OSError as exc:
        raise CatalogImportError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [ImportedCatalog(c, folder / f"{c}.json", len(d["rows"]), d["version"]) for c, d in docs.items()]

"""Cells of SAT's catCFDI sheets → the rows of cfdi-ar's catalog files (used by :mod:`.catalogs_import`).

One builder per catalog turns the rows in force of its sheet (values by field, as the reader
found them) into the ``rows`` of the JSON file :func:`~cfdi_ar.sat.catalogs.load_catalogs`
reads, in exactly the shape of the built-in files. A value cfdi-ar cannot read raises
:class:`CatalogImportError` naming the sheet, the row and the column; nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterator

from ..xmltext import strip_accents

__all__ = ["BUILDERS", "CatalogImportError", "Record", "Where", "date_of", "is_empty", "normalise", "text_of"]

_STOPWORDS = frozenset({"de", "del", "la", "las", "el", "los", "en", "para", "o", "y", "a", "al"})
_KEY_WIDTH = {"c_FormaPago": 2, "c_RegimenFiscal": 3, "c_ClaveProdServ": 8}
_IMPUESTOS = (("iva", "002"), ("isr", "001"), ("ieps", "003"))  # SAT's names in c_TasaOCuota, by first word


class CatalogImportError(ValueError):
    """The workbook cannot be imported (nothing was written)."""


def normalise(text: object) -> str:
    """A column or sheet title for matching: accents dropped, CamelCase split, lower case, no filler words."""
    s = strip_accents(str(text))
    s = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", s).lower()
    return " ".join(t for t in re.findall(r"[a-z0-9]+", s) if t not in _STOPWORDS)


# --------------------------------------------------------------------------- cells


def is_empty(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip()) or str(v) == "NaT"


def text_of(v: Any) -> str:
    if is_empty(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    return " ".join(str(v).split())


class Where:
    """Where a value came from, for error messages."""

    __slots__ = ("sheet", "row", "column")

    def __init__(self, sheet: str, row: int, column: str | None = None) -> None:
        self.sheet, self.row, self.column = sheet, row, column  # the column as SAT titles it

    def fail(self, problem: str) -> CatalogImportError:
        column = f", column {self.column!r}" if self.column else ""
        return CatalogImportError(f"sheet {self.sheet}, row {self.row}{column}: {problem}")


Record = tuple[dict[str, Any], Callable[[str], Where]]  # a row's values by field, and where(field) for errors


# --------------------------------------------------------------------------- values


def _yes_no_optional(v: Any, where: Where, default: str) -> str:
    n = normalise(text_of(v))
    if not n:
        return default
    value = {"si": "Sí", "no": "No", "opcional": "Opcional"}.get(n)
    if value is None:
        raise where.fail(f"{text_of(v)!r} is not Sí, No or Opcional")
    return value


def _yes(v: Any, where: Where) -> bool:
    n = normalise(text_of(v))
    if n in ("si", "x"):
        return True
    if n in ("", "no"):
        return False
    raise where.fail(f"{text_of(v)!r} is not Sí or No")


def date_of(v: Any, where: Where) -> dt.date | None:
    if is_empty(v):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, (int, float)) and 1 < v < 100000:  # an Excel serial day number
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(v))
    text = text_of(v).split(" ")[0].split("T")[0]
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise where.fail(f"{text_of(v)!r} is not a date")


def _decimal(v: Any, where: Where, places: int = 6) -> str:
    try:
        value = Decimal(repr(v)) if isinstance(v, float) else Decimal(text_of(v).rstrip("%").strip())
    except InvalidOperation:
        raise where.fail(f"{text_of(v)!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise where.fail(f"{text_of(v)!r} is not a non-negative number")
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


def _percent(v: Any, where: Where) -> str | None:
    """c_Moneda's "Porcentaje variación" as the text "500%". A cell SAT formats as a percentage
    holds the fraction (5 for 500%); a number above 10 is taken as already in percent."""
    if is_empty(v):
        return None
    if isinstance(v, (int, float)):
        value = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
        value = value * 100 if value <= 10 else value
    else:
        try:
            value = Decimal(text_of(v).rstrip("%").strip())
        except InvalidOperation:
            raise where.fail(f"{text_of(v)!r} is not a percentage") from None
    return f"{value.normalize():f}%"


def _key(catalog: str, v: Any) -> str:
    key = text_of(v)
    width = _KEY_WIDTH.get(catalog)
    return key.zfill(width) if width and key.isdigit() else key


def _forma_pago(records: Iterator[Record]) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for v, where in records:
        row: dict[str, Any] = {}
        for field in ("bancarizado", "rfc_emisor_cta_ord", "cta_ordenante", "rfc_emisor_cta_ben", "cta_beneficiario",
                      "tipo_cad_pago", "nom_banco_ord_ext"):
            row[field] = _yes_no_optional(v[field], where(field), "No")
        for field in ("patron_cta_ordenante", "patron_cta_beneficiaria"):
            text = text_of(v[field])
            pattern = None if normalise(text) in ("", "no", "opcional") else text
            if pattern is not None:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise where(field).fail(f"{text!r} is not a pattern ({exc})") from None
            row[field] = pattern
        rows[_key("c_FormaPago", v["clave"])] = {k: row[k] for k in _FORMA_PAGO_ORDER}
    return rows


_FORMA_PAGO_ORDER = ("bancarizado", "rfc_emisor_cta_ord", "cta_ordenante", "patron_cta_ordenante", "rfc_emisor_cta_ben",
                     "cta_beneficiario", "patron_cta_beneficiaria", "tipo_cad_pago", "nom_banco_ord_ext")


def _uso_cfdi(records: Iterator[Record]) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for v, where in records:
        regimenes = list(dict.fromkeys(re.findall(r"\d{3}", text_of(v["regimenes"]))))
        rows[_key("c_UsoCFDI", v["clave"])] = {"fisica": _yes(v["fisica"], where("fisica")),
                                               "moral": _yes(v["moral"], where("moral")), "regimenes": regimenes}
    return rows


def _regimen(records: Iterator[Record]) -> dict[str, Any]:
    return {_key("c_RegimenFiscal", v["clave"]): {"fisica": _yes(v["fisica"], where("fisica")), "moral": _yes(v["moral"], where("moral"))}
            for v, where in records}


def _tasa(records: Iterator[Record]) -> list[Any]:
    rows: list[Any] = []
    for v, where in records:
        tipo = normalise(text_of(v["tipo"]))
        name = normalise(text_of(v["impuesto"]))
        impuesto = name if name in ("001", "002", "003") else next((c for w, c in _IMPUESTOS if name.split(" ")[0] == w), None)
        if impuesto is None:
            raise where("impuesto").fail(f"{text_of(v['impuesto'])!r} is not IVA, ISR or IEPS")
        factor = {"tasa": "Tasa", "cuota": "Cuota"}.get(normalise(text_of(v["factor"])))
        if factor is None:
            raise where("factor").fail(f"{text_of(v['factor'])!r} is not Tasa or Cuota")
        row: dict[str, Any] = {"tipo": "Fijo" if tipo == "fijo" else "Rango", "impuesto": impuesto, "factor": factor,
                               "traslado": _yes(v["traslado"], where("traslado")), "retencion": _yes(v["retencion"], where("retencion"))}
        if tipo == "fijo":  # SAT writes a fixed value under "Valor máximo" (older revisions: "Valor mínimo")
            cell, field = (v["maximo"], "maximo") if not is_empty(v["maximo"]) else (v["minimo"], "minimo")
            if is_empty(cell):
                raise where("maximo").fail("a fixed (Fijo) row without a value")
            row["valor"] = _decimal(cell, where(field))
        elif tipo == "rango":
            for field in ("minimo", "maximo"):
                if is_empty(v[field]):
                    raise where(field).fail("a range (Rango) row without this limit")
                row[field] = _decimal(v[field], where(field))
        else:
            raise where("tipo").fail(f"{text_of(v['tipo'])!r} is not Fijo or Rango")
        rows.append(row)
    return rows


def _moneda(records: Iterator[Record]) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for v, where in records:
        text = text_of(v["decimales"])
        if not text.isdigit():
            raise where("decimales").fail(f"{text!r} is not a number of decimals")
        rows[_key("c_Moneda", v["clave"])] = {"decimales": int(text), "variacion": _percent(v["variacion"], where("variacion"))}
    return rows


def _clave_prod_serv(records: Iterator[Record]) -> dict[str, Any]:
    """Only keys with an obligation: IVA or IEPS "Sí"/"No", or a complement to include."""
    rows: dict[str, Any] = {}
    for v, where in records:
        iva = _yes_no_optional(v["iva"], where("iva"), "Opcional")
        ieps = _yes_no_optional(v["ieps"], where("ieps"), "Opcional")
        complemento = text_of(v["complemento"])
        if iva != "Opcional" or ieps != "Opcional" or complemento:
            rows[_key("c_ClaveProdServ", v["clave"])] = {"iva": iva, "ieps": ieps, "complemento": complemento}
    return rows


BUILDERS: dict[str, Callable[[Iterator[Record]], Any]] = {
    "c_FormaPago": _forma_pago,
    "c_UsoCFDI": _uso_cfdi,
    "c_RegimenFiscal": _regimen,
    "c_TasaOCuota": _tasa,
    "c_Moneda": _moneda,
    "c_ClaveProdServ": _clave_prod_serv,
}


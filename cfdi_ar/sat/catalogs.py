"""SAT catalog facts the XSD does not carry, loaded once and looked up in dicts and sets.

SAT's schema enumerates the catalog *keys* (c_FormaPago "03", c_UsoCFDI "G03"…)
but not the other columns of catCFDI.xls that SAT's business rules read:
whether a payment form is banked and the patterns of its accounts, which
receiver regimes a UsoCFDI admits, whether a regime is for a persona física or
moral, the fixed rates and ranges of c_TasaOCuota, a currency's decimals and
variation percentage, a ClaveProdServ's tax and complement obligations.

The package ships these as JSON files (``cfdi_ar/sat/data/c_*.json``), each
naming the catalog version and date it reflects. ``cfdi-ar catalogs import``
writes fresh ones from SAT's workbook into a user folder
(``CFDI_AR_CATALOGS_DIR``, else ``~/.local/share/cfdi-ar/catalogs``); a file
found there replaces the built-in one of the same catalog.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = [
    "CATALOG_NAMES",
    "CatalogError",
    "Catalogs",
    "CatalogFile",
    "FormaPago",
    "UsoCFDI",
    "ClaveProdServ",
    "TasaOCuota",
    "builtin_dir",
    "user_dir",
    "load_catalogs",
]

CATALOG_NAMES = ("c_FormaPago", "c_UsoCFDI", "c_RegimenFiscal", "c_TasaOCuota", "c_Moneda", "c_ClaveProdServ")
IMPUESTO_CODES = {"ISR": "001", "IVA": "002", "IEPS": "003"}


def builtin_dir() -> Path:
    return Path(__file__).with_name("data")


def user_dir() -> Path:
    env = os.environ.get("CFDI_AR_CATALOGS_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "cfdi-ar" / "catalogs"


@dataclass(frozen=True, slots=True)
class CatalogFile:
    """Where one catalog came from: the file, its version and the date it reflects."""

    catalog: str
    path: str
    version: str
    reflects: str
    source: str
    rows: int
    builtin: bool


@dataclass(frozen=True, slots=True)
class FormaPago:
    """c_FormaPago's columns for one key. Values are SAT's "Sí", "No" or "Opcional"."""

    bancarizado: str
    rfc_emisor_cta_ord: str
    cta_ordenante: str
    patron_cta_ordenante: re.Pattern[str] | None
    rfc_emisor_cta_ben: str
    cta_beneficiario: str
    patron_cta_beneficiaria: re.Pattern[str] | None
    tipo_cad_pago: str
    nom_banco_ord_ext: str

    def allows(self, column: str) -> bool:
        """SAT writes "No" where the field must not be registered for this payment form."""
        return getattr(self, column) != "No"


@dataclass(frozen=True, slots=True)
class UsoCFDI:
    fisica: bool
    moral: bool
    regimenes: frozenset[str]


@dataclass(frozen=True, slots=True)
class ClaveProdServ:
    """Obligations of one ClaveProdServ: "Sí", "No" or "Opcional", and the complement it requires."""

    iva_trasladado: str = "Opcional"
    ieps_trasladado: str = "Opcional"
    complemento: str = ""


@dataclass(frozen=True, slots=True)
class TasaOCuota:
    """One c_TasaOCuota row: a fixed value, or an inclusive range."""

    impuesto: str
    factor: str
    traslado: bool
    retencion: bool
    valor: Decimal | None = None
    minimo: Decimal | None = None
    maximo: Decimal | None = None

    def admits(self, value: Decimal) -> bool:
        if self.valor is not None:
            return value == self.valor
        assert self.minimo is not None and self.maximo is not None
        return self.minimo <= value <= self.maximo


@dataclass(slots=True)
class Catalogs:
    """Every catalog fact the business rules read, as dicts and sets."""

    formas_pago: dict[str, FormaPago] = field(default_factory=dict)
    usos_cfdi: dict[str, UsoCFDI] = field(default_factory=dict)
    regimen_fisica: frozenset[str] = frozenset()
    regimen_moral: frozenset[str] = frozenset()
    tasas: tuple[TasaOCuota, ...] = ()
    moneda_decimales: dict[str, int] = field(default_factory=dict)
    moneda_variacion: dict[str, Decimal] = field(default_factory=dict)  # "500%" → Decimal("5")
    claves: dict[str, ClaveProdServ] = field(default_factory=dict)
    files: tuple[CatalogFile, ...] = ()
    _tasa_index: dict[tuple[str, str, bool], tuple[TasaOCuota, ...]] = field(default_factory=dict, repr=False)

    def decimals(self, moneda: str | None) -> int | None:
        return self.moneda_decimales.get(moneda) if moneda else None

    def tasa_rows(self, impuesto: str | None, factor: str | None, traslado: bool) -> tuple[TasaOCuota, ...]:
        return self._tasa_index.get((impuesto or "", factor or "", traslado), ())

    def tasa_admitted(self, impuesto: str | None, factor: str | None, value: Decimal, *, traslado: bool) -> bool:
        """Is ``value`` a c_TasaOCuota value for this tax and factor, on the transfer or the withholding side?"""
        return any(row.admits(value) for row in self.tasa_rows(impuesto, factor, traslado))

    def index(self) -> "Catalogs":
        idx: dict[tuple[str, str, bool], list[TasaOCuota]] = {}
        for row in self.tasas:
            if row.traslado:
                idx.setdefault((row.impuesto, row.factor, True), []).append(row)
            if row.retencion:
                idx.setdefault((row.impuesto, row.factor, False), []).append(row)
        self._tasa_index = {k: tuple(v) for k, v in idx.items()}
        return self


class CatalogError(ValueError):
    """A catalog file that cannot be read."""


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogError(f"{path}: {exc}") from exc
    if not isinstance(doc, dict) or "rows" not in doc:
        raise CatalogError(f"{path}: not a cfdi-ar catalog file (no 'rows')")
    return doc


def _pattern(text: str | None) -> re.Pattern[str] | None:
    if not text or text in ("No", "Opcional"):
        return None
    return re.compile(f"(?:{text})")


def _percent(text: str | None) -> Decimal | None:
    if not text:
        return None
    value = str(text).strip().rstrip("%").strip()
    try:
        return Decimal(value) / 100
    except ArithmeticError:
        return None


def load_catalogs(folder: str | os.PathLike[str] | None = None) -> Catalogs:
    """The catalogs in effect: each user-imported file where present, else the built-in one."""
    user = Path(folder) if folder is not None else user_dir()
    cats = Catalogs()
    files: list[CatalogFile] = []
    for name in CATALOG_NAMES:
        candidate = user / f"{name}.json"
        builtin = not candidate.is_file()
        path = builtin_dir() / f"{name}.json" if builtin else candidate
        doc = _read(path)
        rows = doc["rows"]
        files.append(CatalogFile(name, str(path), str(doc.get("version", "")), str(doc.get("reflects", "")),
                                 str(doc.get("source", "")), len(rows), builtin))
        _apply(cats, name, rows)
    cats.files = tuple(files)
    return cats.index()


def _apply(cats: Catalogs, name: str, rows: Any) -> None:
    if name == "c_FormaPago":
        cats.formas_pago = {
            k: FormaPago(v["bancarizado"], v["rfc_emisor_cta_ord"], v["cta_ordenante"], _pattern(v.get("patron_cta_ordenante")),
                         v["rfc_emisor_cta_ben"], v["cta_beneficiario"], _pattern(v.get("patron_cta_beneficiaria")),
                         v["tipo_cad_pago"], v["nom_banco_ord_ext"])
            for k, v in rows.items()
        }
    elif name == "c_UsoCFDI":
        cats.usos_cfdi = {k: UsoCFDI(bool(v["fisica"]), bool(v["moral"]), frozenset(v["regimenes"])) for k, v in rows.items()}
    elif name == "c_RegimenFiscal":
        cats.regimen_fisica = frozenset(k for k, v in rows.items() if v["fisica"])
        cats.regimen_moral = frozenset(k for k, v in rows.items() if v["moral"])
    elif name == "c_TasaOCuota":
        out = []
        for v in rows:
            dec = lambda key: Decimal(v[key]) if v.get(key) is not None else None  # noqa: E731
            out.append(TasaOCuota(v["impuesto"], v["factor"], bool(v["traslado"]), bool(v["retencion"]),
                                  dec("valor"), dec("minimo"), dec("maximo")))
        cats.tasas = tuple(out)
    elif name == "c_Moneda":
        cats.moneda_decimales = {k: int(v["decimales"]) for k, v in rows.items()}
        cats.moneda_variacion = {k: p for k, v in rows.items() if (p := _percent(v.get("variacion"))) is not None}
    elif name == "c_ClaveProdServ":
        cats.claves = {k: ClaveProdServ(v.get("iva", "Opcional"), v.get("ieps", "Opcional"), v.get("complemento", "") or "")
                       for k, v in rows.items()}

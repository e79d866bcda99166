"""The AR ledger: a durable store of checked documents (SQLite by default, PostgreSQL for teams).

Modules, in pipeline order: ``db`` (connections, transactions, the writer lock),
``schema`` (tables as forward migrations), ``records`` (a checked document →
rows; pure), ``ingest`` (a run: validate, then one transaction), ``chain``
(each invoice's payments and their breaks; pure), ``book`` (open items and
payment checks read from the ledger), ``runlog`` (the run log).

Only ``db`` is imported with the package (every CLI start reads it); the rest
on first use.
"""

from importlib import import_module
from typing import Any

from .db import DEFAULT_DB, Database, LedgerBusy, LedgerError, open_database

_LAZY = {
    "history": ".runlog", "IngestReport": ".ingest", "InputOutcome": ".ingest", "ingest_paths": ".ingest",
    "SCHEMA_VERSION": ".schema", "migrate": ".schema", "schema_version": ".schema",
}

__all__ = ["DEFAULT_DB", "Database", "LedgerBusy", "LedgerError", "open_database", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)

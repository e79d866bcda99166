"""The AR ledger: a durable store of checked documents (SQLite by default, PostgreSQL for teams).

Modules, in pipeline order: ``db`` (connections, transactions, the writer lock),
``schema`` (tables as forward migrations), ``records`` (a checked document →
rows; pure), ``ingest`` (a run: validate, then one transaction), ``history``
(the run log).
"""

from .db import DEFAULT_DB, Database, LedgerBusy, LedgerError, open_database
from .history import history
from .ingest import IngestReport, InputOutcome, ingest_paths
from .schema import SCHEMA_VERSION, migrate, schema_version

__all__ = [
    "DEFAULT_DB", "Database", "LedgerBusy", "LedgerError", "open_database", "history", "IngestReport", "InputOutcome",
    "ingest_paths", "SCHEMA_VERSION", "migrate", "schema_version",
]

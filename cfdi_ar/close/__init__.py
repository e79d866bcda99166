"""Month-end close: reading GL and ERP exports, reconciling the AR subledger with the GL, aging,
KPIs and the close checks. Reads the ledger (cfdi_ar.ledger) and exports; never the validation
engine's internals. Pure functions over data; file and database IO only in the read_* functions
and the CLI."""

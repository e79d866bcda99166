"""The AR subledger at a date, as frames: what the reconciliation compares with the GL and the ERP.

:func:`subledger` reads a :class:`~cfdi_ar.ledger.book.Book` through
:func:`cfdi_ar.ledger.frames.ar_frames` (the ledger's own walk, column-wise: the
frames and their columns are described there). Balances are the ledger's, in MXN
at each invoice's TipoCambio exactly as ``cfdi-ar open-items`` shows them. A
:class:`Subledger` is plain data: tests may build one by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from ..ledger.book import Book

__all__ = ["Subledger", "subledger"]


@dataclass(frozen=True)
class Subledger:
    """Our AR at the end of ``as_of``: the frames of :func:`cfdi_ar.ledger.frames.ar_frames`."""

    as_of: date
    invoices: pd.DataFrame
    applications: pd.DataFrame
    later: pd.DataFrame
    unapplied: pd.DataFrame
    documents: pd.DataFrame

    @property
    def ar_balance(self) -> int:
        """The AR balance in MXN centavos: Σ balance_mxn (open and credit invoices)."""
        return int(self.invoices["balance_mxn"].sum())


def subledger(book: Book, as_of: date) -> Subledger:
    """The ledger's AR at the end of ``as_of``."""
    from ..ledger.frames import ar_frames

    return Subledger(as_of, **ar_frames(book, as_of))

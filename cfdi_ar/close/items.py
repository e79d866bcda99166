"""The reconciliation's vocabulary: the kinds of item, an item, the GL lines it rests on. Data only.

Amounts are int64 centavos; :func:`money` makes the exact Decimal the edges show.
(The definition of each kind and of its signed amount: :mod:`.reconcile` and docs/close-gl.md.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

__all__ = ["KINDS", "ERP_KINDS", "ORDER", "GLRef", "Item", "money", "fmt", "name"]

KINDS = ("missing_in_gl", "duplicated_in_gl", "amount_mismatch", "gl_without_cfdi", "unapplied_payment", "cancelled_in_gl",
         "period_mismatch")
ERP_KINDS = ("missing_in_erp", "erp_without_cfdi", "erp_amount_mismatch", "erp_balance_vs_gl")
ORDER = {k: i for i, k in enumerate(KINDS + ERP_KINDS)}  # the order items are listed in


def money(cents: int) -> Decimal:
    """Centavos as an exact Decimal with two places."""
    return Decimal(int(cents)).scaleb(-2)


def fmt(cents: int) -> str:
    """Centavos as an amount for a message: 1,234.56."""
    return f"{money(cents):,.2f}"


@dataclass(frozen=True)
class GLRef:
    """One GL line an item rests on: its row in the export, date, entry, signed amount (debit − credit) and text."""

    row: int
    date: date
    entry: str
    amount: int
    reference: str = ""
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "date": self.date, "entry": self.entry, "amount": money(self.amount),
                "reference": self.reference, "description": self.description}

    def __str__(self) -> str:
        entry = f" {self.entry}" if self.entry else ""
        return f"row {self.row}{entry} {self.date:%Y-%m-%d} {fmt(self.amount)}"


@dataclass(frozen=True)
class Item:
    """A reconciling item: ``amount`` (centavos) is what it adds to AR − GL; ``explains`` says whether it counts."""

    kind: str
    uuid: str | None
    amount: int
    message: str
    gl_refs: tuple[GLRef, ...] = ()
    erp_rows: tuple[int, ...] = ()
    invoice: str | None = None  # the invoice a REP or credit note item concerns
    details: tuple[tuple[str, int], ...] = ()  # (uuid, centavos) making up an item that sums several documents

    @property
    def explains(self) -> bool:
        return self.kind in KINDS

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "uuid": self.uuid, "amount": money(self.amount), "explains": self.explains,
                               "gl_refs": [r.to_dict() for r in self.gl_refs], "message": self.message}
        if self.invoice is not None:
            out["invoice"] = self.invoice
        if self.details:
            out["details"] = [{"uuid": u, "amount": money(a)} for u, a in self.details]
        if self.kind in ERP_KINDS:
            out["erp_rows"] = list(self.erp_rows)
        return out


def name(inv: pd.Series, uuid: str) -> str:
    """How a message names an invoice: its Serie-Folio, or its UUID when it has neither."""
    folio = f"{inv['serie']}-{inv['folio']}".strip("-")
    return f"invoice {folio}" if folio else f"invoice {uuid}"

"""The month-end close: reconciliation at the period's end, aging, KPIs, REP compliance and the close check, from
one book of the ledger. What ``cfdi-ar close`` runs and the close pack (:mod:`.pack`) shows.

Pure over its inputs (the ledger's :class:`~cfdi_ar.ledger.book.Book`, the REPs' issue dates, the invalid
documents, the control account's GL lines); :func:`read_companies` is the only IO.

**Verdict and exit code.** The close is *ready* (exit code 0) when no blocking close-check item fails and the
reconciliation ties: no reconciling item of any kind (ERP items included, as ``cfdi-ar reconcile`` counts them)
and nothing unexplained. Otherwise it is not ready (exit code 1) and :attr:`MonthEnd.failures` says why, each
reason once. Warnings (``payment_complement_late``) are reported, never fail the close: a late REP cannot be
undone. Not-checked items never pass silently; with a GL, as here, every item is checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..ledger.book import Book
from ..ledger.db import Database
from .aging import AgingReport, Buckets
from .checks import CloseCheck, InvalidDocument, close_check
from .kpis import Kpis, kpis
from .period import Period
from .reconcile import Reconciliation, reconcile
from .reps import DEFAULT_DEADLINE_DAY, Issued
from .subledger import subledger
from .terms import Terms

__all__ = ["Company", "MonthEnd", "close_month", "read_companies"]


@dataclass(frozen=True)
class Company:
    """An issuer whose documents are the ledger's AR (``ours``): its RFC and latest name."""

    rfc: str
    name: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"rfc": self.rfc, "name": self.name}


def read_companies(db: Database) -> list[Company]:
    """The RFCs that issued the ledger's AR documents, each with the name on its latest document."""
    with db.read():  # a few issuers, however many documents: grouped in SQL
        latest = db.fetchall("SELECT emisor_rfc, MAX(fecha) FROM documents WHERE ours = 1 AND emisor_rfc IS NOT NULL "
                             "AND emisor_nombre IS NOT NULL GROUP BY emisor_rfc")
        names: dict[str, str | None] = {rfc: None for (rfc,) in db.fetchall(
            "SELECT DISTINCT emisor_rfc FROM documents WHERE ours = 1 AND emisor_rfc IS NOT NULL")}
        for rfc, fecha in latest:
            found = db.fetchall("SELECT emisor_nombre FROM documents WHERE ours = 1 AND emisor_rfc = ? AND fecha = ? "
                                "AND emisor_nombre IS NOT NULL", (rfc, fecha))
            names[rfc] = found[0][0] if found else None
    return [Company(rfc, names[rfc]) for rfc in sorted(names)]


@dataclass
class MonthEnd:
    """Everything the close of ``period`` found. ``aging`` is the KPIs' own closing aging (same buckets and terms)."""

    period: Period
    account: str
    companies: list[Company]
    reconciliation: Reconciliation
    kpis: Kpis
    check: CloseCheck
    gl: dict[str, Any] = field(default_factory=dict)  # file, layout, lines, lines after the period, skipped rows

    @property
    def as_of(self) -> date:
        return self.period.end

    @property
    def aging(self) -> AgingReport:
        return self.kpis.aging

    @property
    def failures(self) -> list[str]:
        """Why the close is not ready (empty: it is), in the order an accountant would work them."""
        out = [f"close check: {kind} failed (blocking)" for kind in self.check.failed_blocking]
        r = self.reconciliation
        if r.items:
            counts = ", ".join(f"{n} {kind}" for kind, n in r.counts().items())
            out.append(f"reconciliation: {len(r.items)} reconciling item{'s' if len(r.items) != 1 else ''} ({counts})")
        if r.unexplained:
            out.append(f"reconciliation: {Decimal(r.unexplained).scaleb(-2)} unexplained")
        return out

    @property
    def warnings(self) -> list[str]:
        """Close-check warnings that failed: reported, never failing the close."""
        return [i.kind for i in self.check.items if i.status == "fail" and not i.blocking]

    @property
    def ready(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        """0 ready to close; 1 a blocking close-check item failed, or the reconciliation has items or an unexplained
        difference."""
        return 0 if self.ready else 1

    def to_dict(self) -> dict[str, Any]:
        """One JSON document with every section (amounts exact, dates ISO)."""
        p = self.period
        return {"period": p.label, "start": p.start, "end": p.end, "account": self.account,
                "companies": [c.to_dict() for c in self.companies], "ready": self.ready, "exit_code": self.exit_code,
                "failures": self.failures, "warnings": self.warnings, "gl": self.gl,
                "reconciliation": self.reconciliation.to_dict(), "aging": self.aging.to_dict(invoices=True),
                "kpis": self.kpis.to_dict(), "close_check": self.check.to_dict()}


def close_month(book: Book, issued: Mapping[str, Issued], invalid: Iterable[InvalidDocument], period: Period, gl_lines: Any,
                *, account: str, companies: Sequence[Company] = (), erp: Any = None, gl: dict[str, Any] | None = None,
                buckets: Buckets | None = None, terms: Terms | None = None, default_days: int | None = None,
                percentages: Sequence[Decimal] | None = None,
                deadline_day: int = DEFAULT_DEADLINE_DAY) -> MonthEnd:
    """Run the close of ``period`` on one book: ``gl_lines`` are the control account's lines of every date (those
    after the period's end only tell a late posting from a missing one)."""
    result = reconcile(subledger(book, period.end), gl_lines, account=account, erp=erp,
                       info={"gl": gl} if gl else None)
    k = kpis(book, issued, period, buckets=buckets, terms=terms, default_days=default_days, percentages=percentages,
             deadline_day=deadline_day)
    check = close_check(book, issued, invalid, period, gl_lines=gl_lines, gl=gl, deadline_day=deadline_day)
    _date_gl_rows(check, gl_lines)
    return MonthEnd(period, account, list(companies), result, k, check, dict(gl or {}))


def _date_gl_rows(check: CloseCheck, lines: Any) -> None:
    """A ``rep_missing`` finding names the GL rows of the payment; the REP sheet shows when it was posted too."""
    when = dict(zip(lines["row"].tolist(), lines["date"].dt.date.tolist()))
    for item in check.items:
        for f in item.findings:
            if f.get("kind") == "rep_missing":
                f["gl_dates"] = sorted({when[r] for r in f.get("gl_rows", ()) if r in when})

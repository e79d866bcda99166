"""A closing period: one calendar month, ``YYYY-MM``, and the dates the close works with.

Pure: parsing and date arithmetic only. Every figure of the close is taken at the end
of a day (balances at ``end`` include what is dated that day), as the ledger's
``open_items(book, as_of)`` does.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

__all__ = ["Period", "PeriodError", "next_month_day"]

_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class PeriodError(ValueError):
    """Text that is not a month (``YYYY-MM``)."""


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month: ``start`` (day 1), ``end`` (its last day), ``days`` (28-31)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """``"2026-10"`` → Period(2026, 10); anything else raises :class:`PeriodError`."""
        m = _PERIOD.fullmatch(text.strip()) if isinstance(text, str) else None
        if m is None:
            raise PeriodError(f"{text!r} is not a month (YYYY-MM, e.g. 2026-10)")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, day: date) -> Period:
        """The month ``day`` falls in."""
        return cls(day.year, day.month)

    @property
    def label(self) -> str:
        """``YYYY-MM``."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> date:
        """The month's first day."""
        return date(self.year, self.month, 1)

    @property
    def days(self) -> int:
        """Calendar days in the month."""
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def end(self) -> date:
        """The month's last day."""
        return date(self.year, self.month, self.days)

    def previous(self) -> Period:
        """The month before."""
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def following(self) -> Period:
        """The month after."""
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def contains(self, day: date) -> bool:
        """Whether ``day`` falls in this month."""
        return day.year == self.year and day.month == self.month

    def __str__(self) -> str:
        return self.label


def next_month_day(day: date, day_of_month: int) -> date:
    """Day ``day_of_month`` of the month after ``day``'s (the last day of that month when it is shorter).

    SAT's deadline for a payment complement (REP) is day 5 of the month following the payment:
    ``next_month_day(FechaPago, 5)``."""
    following = Period.of(day).following()
    return date(following.year, following.month, min(day_of_month, following.days))


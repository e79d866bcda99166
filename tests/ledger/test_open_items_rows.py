"""open_items' fast path (balances worked out from the ledger's rows, objects made only for what is
listed) against chain.walk over every invoice: the same rows, whatever the chain looks like."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from cfdi_ar.ledger.book import Book, _Rows, open_items
from cfdi_ar.ledger.chain import CreditNote

START = datetime(2026, 9, 1, 10, 0, 0)
AMOUNTS = st.sampled_from(["0.00", "0.01", "100.00", "99.99", "250.50", "1000.00", "1160.000000"])
DAYS = st.integers(0, 70)
AS_OF = [date(2026, 9, 1), date(2026, 9, 20), date(2026, 10, 10), date(2026, 11, 30)]


@st.composite
def _ledgers(draw):  # type: ignore[no-untyped-def]
    """A few invoices (PUE or PPD, some cancelled or invalid), REPs paying them in one or several lines
    (some cancelled or invalid, some dated after the date asked for, some with the same date), and credit
    notes (some cancelled, invalid, or related to two invoices)."""
    n = draw(st.integers(1, 6))
    invoices, cancelled = [], {}
    for i in range(n):
        uuid = f"I{i}"
        fecha = START + timedelta(days=draw(DAYS))
        invoices.append((uuid, "F", str(i), fecha.isoformat(), "CDB200115AB7", "ALE1503107H2", "ABARROTES", "MXN", None,
                         draw(AMOUNTS), draw(st.sampled_from(["PPD", "PPD", "PUE"])), None, int(draw(st.booleans()) or i % 2)))
        if draw(st.integers(0, 5)) == 0:
            cancelled[uuid] = START + timedelta(days=draw(DAYS))
    reps, payments = {}, []
    for r in range(draw(st.integers(0, 6))):
        puuid = f"P{r}"
        reps[puuid] = (puuid, "CDB200115AB7", "ALE1503107H2", int(draw(st.integers(0, 4)) > 0))
        if draw(st.integers(0, 5)) == 0:
            cancelled[puuid] = START + timedelta(days=draw(DAYS))
        fecha_pago = (START + timedelta(days=draw(DAYS))).isoformat()
        for d, invoice in enumerate(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))):
            pagado = draw(st.one_of(AMOUNTS, st.none()))
            payments.append((puuid, 0, d, f"I{invoice}", fecha_pago, pagado, None, None, draw(st.one_of(st.none(), st.integers(1, 3))),
                             "MXN", "MXN", "1", None))
    notes = []
    for c in range(draw(st.integers(0, 3))):
        related = tuple(f"I{i}" for i in draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2, unique=True)))
        when = START + timedelta(days=draw(DAYS))
        notes.append(CreditNote(f"E{c}", when, Decimal(draw(AMOUNTS)), related, "MXN",
                                cancelled_at=when + timedelta(days=3) if draw(st.integers(0, 3)) == 0 else None,
                                accepted=draw(st.integers(0, 4)) > 0))
    by_invoice: dict[str, list] = {}  # type: ignore[type-arg]
    for row in payments:
        by_invoice.setdefault(row[3], []).append(row)
    return _Rows(invoices, reps, payments, by_invoice, cancelled), notes


@settings(max_examples=300, deadline=None)
@given(_ledgers())
def test_open_items_from_rows_are_what_walking_every_invoice_gives(ledger):
    rows, notes = ledger
    from_rows = Book._from_rows(rows, notes, {})
    walked = Book(from_rows.invoices, from_rows.payments, notes)  # no rows: every invoice is walked
    for day in AS_OF:
        assert open_items(from_rows, day) == open_items(walked, day)


def test_the_generated_ledgers_reach_every_path():
    """Not vacuous: single and several payment lines, credit notes, PUE invoices, and open balances occur."""
    seen = {"one line": 0, "several lines": 0, "notes": 0, "pue": 0, "open": 0}

    @settings(max_examples=200, deadline=None)
    @given(_ledgers())
    def count(ledger):  # type: ignore[no-untyped-def]
        rows, notes = ledger
        lines = [len(v) for v in rows.by_invoice.values()]
        seen["one line"] += 1 in lines
        seen["several lines"] += any(n > 1 for n in lines)
        seen["notes"] += bool(notes)
        seen["pue"] += any(row[10] == "PUE" for row in rows.invoices)
        seen["open"] += bool(open_items(Book._from_rows(rows, notes, {}), date(2026, 11, 30)))

    count()
    assert all(seen.values()), seen

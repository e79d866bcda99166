"""The chain walk: balances and every kind of break, on tiny hand-made chains (no database)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

from cfdi_ar.ledger.chain import CreditNote, Invoice, PaymentLine, link, walk

US, THEM = "CDB200115AB7", "ALE1503107H2"
INV = "11111111-1111-1111-1111-111111111111"


def invoice(**kw) -> Invoice:  # type: ignore[no-untyped-def]
    base = dict(uuid=INV, fecha=datetime(2026, 10, 1, 9), emisor_rfc=US, receptor_rfc=THEM, moneda="MXN", total=D("1000.00"),
                metodo_pago="PPD")
    return Invoice(**{**base, **kw})


def pay(n: int, pagado: str, saldo: str, day: int = 10, **kw) -> PaymentLine:  # type: ignore[no-untyped-def]
    ant, paid = D(saldo), D(pagado)
    base = dict(payment_uuid=f"P000000{n}-0000-0000-0000-000000000000", pago_index=0, docto_index=0, invoice_uuid=INV,
                fecha_pago=datetime(2026, 10, day, 12), imp_pagado=paid, imp_saldo_ant=ant, imp_saldo_insoluto=ant - paid,
                num_parcialidad=n, moneda_dr="MXN", moneda_p="MXN", emisor_rfc=US, receptor_rfc=THEM)
    return PaymentLine(**{**base, **kw})


def kinds(breaks) -> list[str]:  # type: ignore[no-untyped-def]
    return [b.kind for b in breaks]


def test_partial_payments_in_order_leave_the_right_balance_and_no_break():
    state, breaks = walk(invoice(), [pay(2, "600.00", "600.00", day=20), pay(1, "400.00", "1000.00", day=10)])
    assert state.balance == D("0.00") and state.status == "paid" and breaks == []
    assert [a.num_parcialidad for a in state.applications] == [1, 2]
    assert [a.balance_after for a in state.applications] == [D("600.00"), D("0.00")]


def test_payments_on_the_same_day_are_ordered_by_num_parcialidad():
    state, breaks = walk(invoice(), [pay(2, "600.00", "600.00", day=10), pay(1, "400.00", "1000.00", day=10)])
    assert breaks == [] and [a.num_parcialidad for a in state.applications] == [1, 2]


def test_imp_saldo_ant_off_by_a_centavo_is_a_saldo_anterior_mismatch_and_still_counts():
    state, breaks = walk(invoice(), [pay(1, "400.00", "1000.01")])
    assert kinds(breaks) == ["saldo_anterior_mismatch"]
    assert breaks[0].details["difference"] == D("0.01") and state.balance == D("600.00")


def test_a_skipped_parcialidad_is_a_gap_and_a_repeated_one_a_duplicate():
    _, gap = walk(invoice(), [pay(1, "100.00", "1000.00", day=5), pay(3, "100.00", "900.00", day=6)])
    assert kinds(gap) == ["parcialidad_gap"] and gap[0].details["expected"] == 2
    _, dup = walk(invoice(), [pay(1, "100.00", "1000.00", day=5),
                              pay(1, "100.00", "900.00", day=6, payment_uuid="P0000009-0000-0000-0000-000000000000")])
    assert kinds(dup) == ["parcialidad_duplicate"]


def test_an_overpayment_leaves_a_credit_balance_shown_as_such():
    state, breaks = walk(invoice(), [pay(1, "1000.50", "1000.00")])
    assert kinds(breaks) == ["overpayment"] and breaks[0].details["excess"] == D("0.50")
    assert state.balance == D("-0.50") and state.status == "credit"


def test_paying_exactly_the_balance_is_not_an_overpayment():
    state, breaks = walk(invoice(), [pay(1, "1000.00", "1000.00")])
    assert breaks == [] and state.status == "paid"


def test_a_payment_on_a_pue_invoice_is_reported_and_not_applied():
    state, breaks = walk(invoice(metodo_pago="PUE"), [pay(1, "1000.00", "1000.00")])
    assert kinds(breaks) == ["payment_on_pue_invoice"] and state.balance == 0
    assert state.applications[0].applied is False


def test_a_payment_on_a_cancelled_invoice_is_reported_and_not_applied():
    state, breaks = walk(invoice(cancelled_at=datetime(2026, 10, 5)), [pay(1, "400.00", "1000.00", day=10)])
    assert kinds(breaks) == ["payment_on_cancelled_invoice"] and state.status == "cancelled"
    assert state.applications[0].applied is False


def test_a_cancelled_rep_never_reduces_the_balance():
    state, breaks = walk(invoice(), [pay(1, "400.00", "1000.00", cancelled_at=datetime(2026, 10, 11))])
    assert kinds(breaks) == ["cancelled_payment"] and state.balance == D("1000.00")


def test_a_rep_cancelled_after_the_as_of_date_still_counts_at_that_date():
    state, breaks = walk(invoice(), [pay(1, "400.00", "1000.00", cancelled_at=datetime(2026, 11, 3))], as_of=date(2026, 10, 31))
    assert breaks == [] and state.balance == D("600.00")


def test_currency_and_party_mismatches_and_a_payment_before_the_invoice_are_reported_but_applied():
    state, breaks = walk(invoice(fecha=datetime(2026, 10, 15)),
                         [pay(1, "400.00", "1000.00", day=10, moneda_dr="USD", receptor_rfc="FNO0807226T3")])
    assert kinds(breaks) == ["currency_mismatch", "party_mismatch", "payment_before_invoice"]
    assert state.balance == D("600.00")


def test_a_payment_for_an_unknown_invoice_is_unapplied_cash_until_the_invoice_arrives():
    p = pay(1, "400.00", "1000.00")
    states, breaks, unapplied = link({}, [p])
    assert kinds(breaks) == ["unknown_invoice"] and unapplied == [p] and states == {}
    states, breaks, unapplied = link({INV: invoice()}, [p])
    assert breaks == [] and unapplied == [] and states[INV].balance == D("600.00")


def test_a_credit_note_reduces_the_balance_before_later_payments():
    cn = CreditNote("C0000001-0000-0000-0000-000000000000", datetime(2026, 10, 5), D("100.00"), (INV,))
    state, breaks = walk(invoice(), [pay(1, "900.00", "900.00", day=10)], [cn])
    assert breaks == [] and state.balance == D("0.00")
    assert [a.kind for a in state.applications] == ["credit_note", "payment"]


def test_a_credit_note_for_several_invoices_waits_for_a_manual_allocation():
    cn = CreditNote("C0000001-0000-0000-0000-000000000000", datetime(2026, 10, 5), D("100.00"),
                    (INV, "22222222-2222-2222-2222-222222222222"))
    state, _ = walk(invoice(), [], [cn])
    assert state.balance == D("1000.00") and "manual allocation" in state.applications[0].reason


def test_as_of_counts_only_what_happened_by_that_day():
    payments = [pay(1, "400.00", "1000.00", day=10), pay(2, "600.00", "600.00", day=20)]
    assert walk(invoice(), payments, as_of=date(2026, 10, 9))[0].balance == D("1000.00")
    assert walk(invoice(), payments, as_of=date(2026, 10, 10))[0].balance == D("600.00")
    states, _, _ = link({INV: invoice()}, payments, as_of=date(2026, 9, 30))
    assert states == {}  # the invoice did not exist yet


def test_a_rep_with_error_findings_moves_no_balance_unless_accepted():
    state, breaks = walk(invoice(), [pay(1, "400.00", "1000.00", accepted=False)])
    assert breaks == [] and state.balance == D("1000.00") and not state.applications[0].applied


def test_mxn_balances_round_half_up_to_the_centavo_as_sat_rounds():
    """0.10 USD at 18.45 is exactly 1.845 MXN: SAT's redondeo gives 1.85 (half up), where Decimal.quantize's
    default (half even) would give 1.84. The ledger's balances and the close's frames agree on 1.85."""
    import numpy as np

    from cfdi_ar.ledger.book import _mxn
    from cfdi_ar.ledger.frames import _mxn_cents

    inv = Invoice(uuid="A" * 36, fecha=None, emisor_rfc=None, receptor_rfc=None, moneda="USD", total=D("0.10"),
                  tipo_cambio=D("18.4500"), metodo_pago="PPD")
    assert _mxn(D("0.10"), inv) == D("1.85")  # half even: 1.84
    micros = np.array([100_000, 1_225_000], dtype=np.int64)  # 0.10 USD; 1.225 MXN (half even would give 1.22)
    assert list(_mxn_cents(micros, np.array(["USD", "MXN"], dtype=object), np.array([D("18.4500"), None], dtype=object))) == [185, 123]

"""open-items' slim load reads only the invoices that can be open: every one not PUE, and the PUE ones a
payment line or credit note names. What it lists equals the full book's, on both engines."""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal

from cfdi_ar.demo.documents import Line, invoice
from cfdi_ar.demo.seal import seal, stamp
from cfdi_ar.ledger import ingest_paths, open_database
from cfdi_ar.ledger.book import load_book, open_items
from cfdi_ar.model import build_comprobante

from ..conftest import EMISOR, RECEPTOR
from .conftest import OUR_RFC

ONE_LINE = [Line("50161813", Decimal("1"), "H87", "Producto", Decimal("1000.00"))]  # Total 1160.00
RETURN = [Line("50161813", Decimal("1"), "H87", "Devolución", Decimal("100.00"))]  # Total 116.00
FECHA = dt.datetime(2026, 10, 5, 10, 0, 0)


def test_a_slim_book_keeps_the_pue_invoices_a_credit_note_or_payment_names_and_lists_what_the_full_one_does(
        ledger_target, pki, write, make_payment, settings, tmp_path):
    def sealed(root):  # type: ignore[no-untyped-def]
        return stamp(seal(root, pki.csd), pki.stamp_cert)

    pue_credited = sealed(invoice(EMISOR, RECEPTOR, ONE_LINE, fecha=FECHA, folio="1", metodo_pago="PUE", forma_pago="03"))
    pue_paid = sealed(invoice(EMISOR, RECEPTOR, ONE_LINE, fecha=FECHA, folio="2", metodo_pago="PUE", forma_pago="03"))
    pue_alone = sealed(invoice(EMISOR, RECEPTOR, ONE_LINE, fecha=FECHA, folio="3", metodo_pago="PUE", forma_pago="03"))
    ppd = sealed(invoice(EMISOR, RECEPTOR, ONE_LINE, fecha=FECHA, folio="4"))
    uuid_credited, uuid_paid, uuid_alone, uuid_ppd = (build_comprobante(r).uuid for r in (pue_credited, pue_paid, pue_alone, ppd))
    note = sealed(invoice(EMISOR, RECEPTOR, RETURN, fecha=FECHA + dt.timedelta(days=2), serie="NC", folio="9", tipo="E",
                          forma_pago="17", metodo_pago="PUE", related=("01", (uuid_credited or "",))))
    for i, root in enumerate((pue_credited, pue_paid, pue_alone, ppd, note, make_payment(pue_paid, Decimal("100.00")))):
        write(root, f"{i}.xml")
    with open_database(ledger_target) as db:
        report = ingest_paths(db, [str(tmp_path / "docs")], settings, [OUR_RFC])
        assert report.counts()["new"] == 6 and not report.has_findings
        full, slim = load_book(db), load_book(db, slim=True)
        loaded = {row[0] for row in slim._rows.invoices}  # type: ignore[union-attr]
        assert loaded == {uuid_credited, uuid_paid, uuid_ppd}  # the PUE invoice nobody names is not read
        day = date(2026, 10, 31)
        listed = open_items(slim, day)
        assert listed == open_items(full, day)
        statuses = {r["uuid"]: (r["status"], r["balance"]) for r in listed}
        assert statuses == {uuid_credited: ("credit", Decimal("-116.00")), uuid_ppd: ("open", Decimal("1160.00"))}

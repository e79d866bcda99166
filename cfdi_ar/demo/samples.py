"""Generate ``samples/``: a month of a demo company's invoices, credit notes and REPs, and its GL.

Run ``python -m cfdi_ar.demo samples`` to regenerate (new keys, new seals and
UUIDs each time). The documents are sealed with a CSD issued by a demo CA
and stamped with a demo stamp certificate; ``samples/cfdi-ar.toml`` tells
cfdi-ar to trust exactly those two, so ``cfdi-ar validate --config
samples/cfdi-ar.toml samples`` is clean. Private keys are never written.

October 2026 has two parts. F-1001..F-1009, NC-3001 and P-2001..P-2004 are a month
that settles completely. F-0962 and F-0987 (July and August, still open: the opening
AR), F-1010..F-1014, P-2005 (a REP issued late) and a cancellation make the close
worth doing: an aging with past-due buckets, and a GL export (:mod:`.gl`) carrying one
planted difference of each kind, listed in ``samples/README.md``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import zipfile
from collections.abc import Callable
from decimal import Decimal as D
from pathlib import Path

from lxml import etree

from ..model import Comprobante, build_comprobante
from . import gl
from .broken import CASES
from .broken import build as build_broken
from .documents import Line, Party, Payment, invoice, paid_document, payment_receipt
from .pki import make_ca, make_csd, make_stamp_certificate
from .seal import seal, stamp, to_bytes

__all__ = ["generate"]

EMISOR = Party("CDB200115AB7", "COMERCIALIZADORA DEMO DEL BAJIO", "601", "76000")
ESPERANZA = Party("ALE1503107H2", "ABARROTES LA ESPERANZA", "601", "76100", "G01")
FERRETERIA = Party("FNO0807226T3", "FERRETERIA DEL NORTE", "601", "64000", "G01")
GUADALUPE = Party("HELG850314QW5", "MARIA GUADALUPE HERNANDEZ LOPEZ", "612", "37000", "G03")
AUTOPARTES = Party("AGL1111119Z0", "AUTOPARTES GLOBALES", "601", "44100", "G01")
DEVOLUCIONES = "G02"

CONFIG = """# cfdi-ar settings for the bundled demo samples.
# The samples are sealed with a CSD issued by a demo CA (not SAT) and stamped with a
# demo stamp certificate: trust exactly those two, for these samples only.
trust_ca = ["certs/demo-ca.cer"]
sat_certs = "sat-certs"
# broken/ holds documents that each break one SAT rule on purpose: validate it explicitly
# (cfdi-ar validate --config samples/cfdi-ar.toml samples/broken) to see each rule fire.
# gl/ holds the GL export the month-end close reconciles with (cfdi-ar close --gl ...): not a CFDI.
exclude = ["broken", "gl"]
# The demo company: what it issued is accounts receivable (cfdi-ar ingest).
rfc = ["CDB200115AB7"]
"""


SUBFOLDERS = ("invoices", "credit-notes", "payments", "bulk", "broken", "certs", "sat-certs", "cancellations", "gl")
GL_FILE = "gl/auxiliar-105-01-2026-10.csv"


def _when(day: int, hour: int = 10, minute: int = 0, month: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, 0)


def generate(out: Path) -> list[Path]:
    ca = make_ca()
    csd = make_csd(ca, EMISOR.rfc, EMISOR.nombre, serial="30001000000500001001", representative="MAGP800101AB2")
    stamp_ca = make_ca("cfdi-ar DEMO stamp CA (not SAT)")
    stamp_cert = make_stamp_certificate(stamp_ca, serial="00001000000900001001", pac_rfc="DPA200101AB1")

    if out.exists():
        for sub in SUBFOLDERS:
            shutil.rmtree(out / sub, ignore_errors=True)
    for sub in SUBFOLDERS:
        (out / sub).mkdir(parents=True, exist_ok=True)
    (out / "certs" / "demo-ca.cer").write_bytes(ca.der)
    (out / "sat-certs" / f"{stamp_cert.serial_sat}.cer").write_bytes(stamp_cert.der)
    (out / "cfdi-ar.toml").write_text(CONFIG, encoding="utf-8")

    written: list[Path] = []

    def finish(root: etree._Element, minutes: int = 3) -> etree._Element:
        seal(root, csd)
        fecha = dt.datetime.fromisoformat(root.get("Fecha", ""))
        return stamp(root, stamp_cert, fecha_timbrado=fecha + dt.timedelta(minutes=minutes), rfc_prov_certif="DPA200101AB1")

    def save(root: etree._Element, folder: str, name: str) -> None:
        path = out / folder / name
        path.write_bytes(to_bytes(root))
        written.append(path)

    f1001 = finish(invoice(EMISOR, ESPERANZA, [
        Line("50161813", D("120"), "H87", "Chocolate de mesa 500 g", D("48.50"), unidad="Pieza"),
        Line("50192100", D("80"), "H87", "Botana surtida 1 kg", D("112.00"), unidad="Pieza"),
        Line("50202306", D("200"), "H87", "Agua mineral 600 ml", D("11.20"), iva=D("0"), unidad="Pieza"),
    ], fecha=_when(1, 9, 15), folio="1001", forma_pago="99", metodo_pago="PPD", condiciones_de_pago="Crédito 30 días"))
    save(f1001, "invoices", "F-1001.xml")

    f1002 = finish(invoice(EMISOR, FERRETERIA, [
        Line("27111701", D("25"), "H87", "Desarmador de cruz", D("64.90"), unidad="Pieza"),
        Line("31161500", D("40"), "KGM", "Tornillo galvanizado", D("85.00"), unidad="Kilogramo"),
    ], fecha=_when(3, 11, 40), folio="1002", forma_pago="03", metodo_pago="PUE"))
    save(f1002, "invoices", "F-1002.xml")

    f1003 = finish(invoice(EMISOR, GUADALUPE, [
        Line("50161813", D("6"), "H87", "Chocolate de mesa 500 g", D("48.50"), unidad="Pieza"),
        Line("50131700", D("12"), "H87", "Leche entera 1 l", D("26.40"), iva=D("0"), unidad="Pieza"),
    ], fecha=_when(6, 16, 5), folio="1003", forma_pago="99", metodo_pago="PPD"))
    save(f1003, "invoices", "F-1003.xml")

    f1004 = finish(invoice(EMISOR, AUTOPARTES, [
        Line("25172504", D("10"), "H87", "Filtro de aceite importado", D("18.75"), unidad="Pieza"),
        Line("25174004", D("4"), "H87", "Juego de balatas", D("62.40"), unidad="Juego"),
    ], fecha=_when(8, 12, 30), folio="1004", moneda="USD", tipo_cambio=D("18.4520"), forma_pago="99", metodo_pago="PPD"))
    save(f1004, "invoices", "F-1004.xml")

    f1005 = finish(invoice(EMISOR, ESPERANZA, [
        Line("50192100", D("50"), "H87", "Botana surtida 1 kg", D("112.00"), unidad="Pieza"),
    ], fecha=_when(12, 10, 10), folio="1005", forma_pago="99", metodo_pago="PPD"))
    save(f1005, "invoices", "F-1005.xml")

    m1001, m1003, m1004, m1005 = (build_comprobante(r) for r in (f1001, f1003, f1004, f1005))

    nc = finish(invoice(EMISOR, Party(ESPERANZA.rfc, ESPERANZA.nombre, "601", "76100", DEVOLUCIONES), [
        Line("50192100", D("5"), "H87", "Devolución: botana surtida 1 kg (empaque dañado)", D("112.00"), unidad="Pieza"),
    ], fecha=_when(14, 13, 0), serie="NC", folio="3001", tipo="E", forma_pago="17", metodo_pago="PUE",
        related=("01", (m1005.uuid or "",))))
    save(nc, "credit-notes", "NC-3001.xml")
    m_nc = build_comprobante(nc)

    assert m1001.total is not None and m1005.total is not None and m_nc.total is not None and m1004.total is not None
    first = D("10000.00")
    p2001 = finish(payment_receipt(EMISOR, ESPERANZA, [
        Payment(_when(10, 12, 0), "03", "MXN", (paid_document(m1001, pagado=first),), num_operacion="SPEI-88172301"),
    ], fecha=_when(11, 9, 0), folio="2001"))
    save(p2001, "payments", "P-2001.xml")

    p2002 = finish(payment_receipt(EMISOR, GUADALUPE, [
        Payment(_when(15, 18, 20), "04", "MXN", (paid_document(m1003, pagado=m1003.total or D("0")),)),
    ], fecha=_when(16, 9, 30), folio="2002"))
    save(p2002, "payments", "P-2002.xml")

    rest = m1001.total - first
    after_credit = m1005.total - m_nc.total
    p2003 = finish(payment_receipt(EMISOR, ESPERANZA, [
        Payment(_when(24, 11, 0), "03", "MXN", (
            paid_document(m1001, pagado=rest, saldo_anterior=rest, num_parcialidad=2),
            paid_document(m1005, pagado=after_credit, saldo_anterior=after_credit),
        ), num_operacion="SPEI-88290144"),
    ], fecha=_when(26, 10, 0), folio="2003"))
    save(p2003, "payments", "P-2003.xml")

    p2004 = finish(payment_receipt(EMISOR, AUTOPARTES, [
        Payment(_when(28, 9, 45), "03", "USD", (paid_document(m1004, pagado=m1004.total),), tipo_cambio=D("18.6105")),
    ], fecha=_when(29, 8, 0), folio="2004"))
    save(p2004, "payments", "P-2004.xml")

    # A bulk-download style ZIP with the rest of the month's counter sales.
    bulk = out / "bulk" / "descarga-2026-10.zip"
    with zipfile.ZipFile(bulk, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, (customer, qty) in enumerate([(FERRETERIA, 3), (GUADALUPE, 2), (FERRETERIA, 8), (ESPERANZA, 5)], start=1006):
            root = finish(invoice(EMISOR, customer, [
                Line("27111701", D(qty), "H87", "Desarmador de cruz", D("64.90"), unidad="Pieza"),
            ], fecha=_when(17 + n - 1006, 17, 0), folio=str(n), forma_pago="01", metodo_pago="PUE"))
            zf.writestr(f"{build_comprobante(root).uuid}.xml", to_bytes(root))
    written.append(bulk)

    models = {"F-1001": m1001, "F-1002": build_comprobante(f1002), "F-1003": m1003, "F-1004": m1004, "F-1005": m1005,
              "NC-3001": m_nc, **{f"P-{n}": build_comprobante(r) for n, r in ((2001, p2001), (2002, p2002), (2003, p2003),
                                                                               (2004, p2004))}}
    paid = {"P-2001": first, "P-2002": m1003.total or D("0"), "P-2003": rest + after_credit,
            "P-2004": (m1004.total * (m1004.tipo_cambio or D("1"))).quantize(D("0.01"))}  # at the invoice's TipoCambio
    models.update(_close_documents(finish, save, paid))
    (out / "cancellations" / "cancelaciones-2026-10.csv").write_text(
        f"UUID,Estatus,Fecha de cancelación\r\n{models['F-1010'].uuid},Cancelado,2026-10-22\r\n", encoding="utf-8")
    written.append(out / "cancellations" / "cancelaciones-2026-10.csv")
    written.append(gl.write(out / GL_FILE, gl.rows(models, paid)))

    for case in CASES:  # documents that each break one SAT business rule
        save(build_broken(case, finish), "broken", case.file)
    return written


def _close_documents(finish: Callable[[etree._Element], etree._Element], save: Callable[[etree._Element, str, str], None],
                     paid: dict[str, D]) -> dict[str, Comprobante]:
    """What makes the close worth doing: invoices still open at the month's end (two carried from July and
    August), a cancelled invoice and its replacement, and a REP issued after SAT's deadline. Adds to
    ``paid`` what the late REP applies; returns every document's model by name."""
    models: dict[str, Comprobante] = {}

    def issue(name: str, customer: Party, lines: list[Line], fecha: dt.datetime, condiciones: str,
              related: tuple[str, tuple[str, ...]] | None = None) -> Comprobante:
        root = finish(invoice(EMISOR, customer, lines, fecha=fecha, folio=name[2:], forma_pago="99", metodo_pago="PPD",
                              condiciones_de_pago=condiciones, related=related))
        save(root, "invoices", f"{name}.xml")
        models[name] = build_comprobante(root)
        return models[name]

    issue("F-0962", AUTOPARTES, [Line("25172504", D("40"), "H87", "Filtro de aceite", D("310.00"), unidad="Pieza")],
          _when(14, 11, 0, month=7), "Crédito 30 días")
    f0987 = issue("F-0987", FERRETERIA, [
        Line("31161500", D("120"), "KGM", "Tornillo galvanizado", D("85.00"), unidad="Kilogramo"),
        Line("27111701", D("60"), "H87", "Desarmador de cruz", D("64.90"), unidad="Pieza"),
    ], _when(20, 13, 15, month=8), "Crédito 30 días")
    cancelled = issue("F-1010", GUADALUPE, [
        Line("50161813", D("30"), "H87", "Chocolate de mesa 500 g", D("48.50"), unidad="Pieza"),
        Line("50131700", D("24"), "H87", "Leche entera 1 l", D("26.40"), iva=D("0"), unidad="Pieza"),
    ], _when(21, 10, 0), "Crédito 15 días")
    issue("F-1011", GUADALUPE, [  # replaces F-1010 (30 bars of chocolate billed instead of 3)
        Line("50161813", D("3"), "H87", "Chocolate de mesa 500 g", D("48.50"), unidad="Pieza"),
        Line("50131700", D("24"), "H87", "Leche entera 1 l", D("26.40"), iva=D("0"), unidad="Pieza"),
    ], _when(22, 9, 30), "Crédito 15 días", related=("04", (cancelled.uuid or "",)))
    issue("F-1012", FERRETERIA, [Line("27111701", D("30"), "H87", "Desarmador de cruz", D("64.90"), unidad="Pieza")],
          _when(22, 12, 0), "Crédito 7 días")
    issue("F-1013", ESPERANZA, [
        Line("50192100", D("100"), "H87", "Botana surtida 1 kg", D("112.00"), unidad="Pieza"),
        Line("50202306", D("300"), "H87", "Agua mineral 600 ml", D("11.20"), iva=D("0"), unidad="Pieza"),
    ], _when(26, 16, 45), "Crédito 30 días")
    issue("F-1014", AUTOPARTES, [Line("25174004", D("12"), "H87", "Juego de balatas", D("1150.00"), unidad="Juego")],
          _when(31, 18, 30), "Crédito 30 días")

    # A partial payment of F-0987 received on 9 October whose REP was issued on 9 November: 4 days after SAT's
    # deadline (day 5 of the month after the payment).
    partial = D("8000.00")
    p2005 = finish(payment_receipt(EMISOR, FERRETERIA, [
        Payment(_when(9, 11, 30), "03", "MXN", (paid_document(f0987, pagado=partial),), num_operacion="SPEI-88114520"),
    ], fecha=_when(9, 10, 0, month=11), folio="2005"))
    save(p2005, "payments", "P-2005.xml")
    models["P-2005"] = build_comprobante(p2005)
    paid["P-2005"] = partial
    return models


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "samples")
    for path in generate(out):
        print(path)
    return 0

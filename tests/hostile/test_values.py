"""Hostile values in sealed, stamped documents: the value under test is the only thing wrong.

Each document is built with the demo PKI, the value is written, and only then
is the document sealed and stamped, so the seal verifies and any finding is
about the value. The expected code is SAT's: the schema code SAT's matrix
gives the attribute (``CFDI40101`` for Fecha, ``CFDI40999``/``CRP20999`` where
the matrix has none, ``CFDIAR-XSD-001`` for the stamp's own schema) or the
business rule that catches a value the schema lets through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from lxml import etree

from cfdi_ar.demo.documents import Line, Party, Payment, invoice, paid_document, payment_receipt
from cfdi_ar.demo.pki import make_csd
from cfdi_ar.demo.seal import seal, sign, stamp, to_bytes
from cfdi_ar.model import build_comprobante
from cfdi_ar.namespaces import PAGOS20, TFD, q
from cfdi_ar.sat.cadena import cadena_tfd11

from ..conftest import EMISOR, FECHA, RECEPTOR
from ._hostile import assert_clean, cli, problems

ONE_LINE = [Line("50161813", Decimal("1"), "H87", "Producto", Decimal("1234.50"))]  # SubTotal 1234.50, Total 1432.02
STAMPED_AT = dt.datetime(2026, 10, 5, 10, 2, 0)
Mutation = Callable[[etree._Element], None]


def attr(name: str, value: str) -> Mutation:
    return lambda root: root.set(name, value)


def concepto(name: str, value: str) -> Mutation:
    return lambda root: root.find("{*}Conceptos/{*}Concepto").set(name, value)


def receptor(name: str, value: str) -> Mutation:
    return lambda root: root.find("{*}Receptor").set(name, value)


def tfd(name: str, value: str) -> Mutation:
    """Applied to the stamp after stamping; SelloSAT is signed again over the new value."""
    return lambda root: root.find(f".//{q(TFD, 'TimbreFiscalDigital')}").set(name, value)


def pago(name: str, value: str) -> Mutation:
    return lambda root: root.find(f".//{q(PAGOS20, 'Pago')}").set(name, value)


def docto(name: str, value: str | Callable[[str], str]) -> Mutation:
    def apply(root: etree._Element) -> None:
        el = root.find(f".//{q(PAGOS20, 'DoctoRelacionado')}")
        el.set(name, value(el.get(name)) if callable(value) else value)

    return apply


@pytest.fixture
def document(make_invoice, pki):  # type: ignore[no-untyped-def]
    """An invoice (or, with ``rep=True``, a REP) with ``before`` applied, then sealed and stamped."""

    def build(before: Mutation | None = None, *, after_stamp: Mutation | None = None, rep: bool = False,
              fecha_timbrado: dt.datetime = STAMPED_AT) -> bytes:
        if rep:
            paid = build_comprobante(stamp(seal(make_invoice(lines=ONE_LINE), pki.csd), pki.stamp_cert))
            root = payment_receipt(EMISOR, RECEPTOR, [Payment(dt.datetime(2026, 10, 20, 12), "03", "MXN",
                                                              (paid_document(paid, pagado=Decimal("200.00")),))],
                                   fecha=dt.datetime(2026, 10, 21, 9), folio="2001")
            fecha_timbrado = dt.datetime(2026, 10, 21, 9, 2)
        else:
            root = make_invoice(lines=ONE_LINE)
        if before is not None:
            before(root)
        root = stamp(seal(root, pki.csd), pki.stamp_cert, fecha_timbrado=fecha_timbrado)
        if after_stamp is not None:
            after_stamp(root)
            el = root.find(f".//{q(TFD, 'TimbreFiscalDigital')}")
            el.set("SelloSAT", sign(pki.stamp_cert, cadena_tfd11(el)))
        return to_bytes(root)

    return build


def _judge(tmp_path, trust, name: str, data: bytes):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(data)
    run = cli(*trust, path)
    assert_clean(run)
    return run, run.result(name)


REFUSED = [
    # amounts: SAT's t_Importe is [0-9]{1,18}(.[0-9]{1,6})?, so every notation but plain digits fails
    pytest.param(attr("Total", "1432.0200000"), "1432.0200000", ["CFDI40999"], id="total-7-decimals"),
    pytest.param(attr("Total", "1.43202E+3"), "1.43202E+3", ["CFDI40999"], id="total-exponent-same-value"),
    pytest.param(attr("Total", "+1432.02"), "+1432.02", ["CFDI40999"], id="total-leading-plus"),
    pytest.param(attr("Total", "1,432.02"), "1,432.02", ["CFDI40999"], id="total-thousands-separator"),
    pytest.param(attr("Descuento", "-0.00"), "-0.00", ["CFDI40999"], id="descuento-negative-zero"),
    pytest.param(attr("Total", "NaN"), "NaN", ["CFDI40999"], id="total-nan"),
    pytest.param(attr("Total", "sNaN"), "sNaN", ["CFDI40999"], id="total-signalling-nan"),
    pytest.param(attr("Total", "Infinity"), "Infinity", ["CFDI40999"], id="total-infinity"),
    pytest.param(attr("Total", "-Infinity"), "-Infinity", ["CFDI40999"], id="total-minus-infinity"),
    pytest.param(attr("Total", "0" * 34 + "1432.02"), "0" * 34 + "1432.02", ["CFDI40999"], id="total-40-digits-same-value"),
    # Cantidad has no digit limit in SAT's schema: a 40-digit quantity passes it, and SAT's rule on
    # the concept's Importe (Cantidad × ValorUnitario, within SAT's limits) catches it.
    pytest.param(concepto("Cantidad", "9" * 40), "Importe 1234.50 is outside", ["CFDI40167"], id="cantidad-40-digits"),
    # dates: t_FechaH is AAAA-MM-DDThh:mm:ss, no offset, no fraction, a real calendar day
    pytest.param(attr("Fecha", "2026-10-05T10:00"), "2026-10-05T10:00", ["CFDI40101"], id="fecha-without-seconds"),
    pytest.param(attr("Fecha", "2026-10-05T10:00:00-06:00"), "-06:00", ["CFDI40101"], id="fecha-with-offset"),
    pytest.param(attr("Fecha", "2026-10-05T16:00:00Z"), "16:00:00Z", ["CFDI40101"], id="fecha-utc-z"),
    pytest.param(attr("Fecha", "2026-10-05T10:00:00.5"), "10:00:00.5", ["CFDI40101"], id="fecha-with-fraction"),
    pytest.param(attr("Fecha", "2025-02-29T10:00:00"), "2025-02-29T10:00:00", ["CFDI40101"], id="fecha-29-february-2025"),
    pytest.param(attr("Fecha", "2026-10-05T24:00:00"), "24:00:00", ["CFDI40101"], id="fecha-hour-24"),
]


@pytest.mark.parametrize(("mutate", "shown", "codes"), REFUSED)
def test_invoice_value_is_refused_with_sats_code(tmp_path, trust, document, mutate, shown, codes):
    fecha_timbrado = dt.datetime(2025, 3, 1, 10, 2) if "2025-02-29" in shown else STAMPED_AT
    run, result = _judge(tmp_path, trust, "value.xml", document(mutate, fecha_timbrado=fecha_timbrado))
    assert run.exit_code == 1
    assert result["valid"] is False
    assert problems(result) == codes, result["findings"]
    assert result["checks"]["seal"] == "pass"  # sealed over the bad value: the value is the only fault
    assert shown in result["findings"][0]["message"]


STAMP_REFUSED = [
    pytest.param(tfd("FechaTimbrado", "2026-10-05T10:02"), ["CFDIAR-XSD-001"], ..., id="fecha-timbrado-without-seconds"),
    pytest.param(tfd("FechaTimbrado", "2026-10-05T10:02:00-06:00"), ["CFDIAR-XSD-001"], ..., id="fecha-timbrado-with-offset"),
    # the report keys a UUID as the ledger does: braces dropped; a text that is no UUID is null
    pytest.param(tfd("UUID", "{6F1C1A2B-3D4E-4F50-8A6B-7C8D9E0F1A2B}"), ["CFDIAR-XSD-001", "CFDIAR-XSD-001"],
                 "6F1C1A2B-3D4E-4F50-8A6B-7C8D9E0F1A2B", id="uuid-with-braces"),
    pytest.param(tfd("UUID", "6F1C1A2B3D4E4F508A6B7C8D9E0F1A2B"), ["CFDIAR-XSD-001", "CFDIAR-XSD-001"], None,
                 id="uuid-without-hyphens"),
]


@pytest.mark.parametrize(("mutate", "codes", "uuid"), STAMP_REFUSED)
def test_stamp_value_is_refused_by_the_stamps_schema(tmp_path, trust, document, mutate, codes, uuid):
    run, result = _judge(tmp_path, trust, "stamp-value.xml", document(after_stamp=mutate))
    assert run.exit_code == 1
    assert problems(result) == codes, result["findings"]
    if uuid is not ...:
        assert result["uuid"] == uuid
    assert all("TimbreFiscalDigital" in f["message"] for f in result["findings"] if f["severity"] == "error")


REP_REFUSED = [
    pytest.param(docto("ImpPagado", "200.0000000"), ["CRP20999"], id="imp-pagado-7-decimals"),
    pytest.param(pago("Monto", "2E+2"), ["CRP20999"], id="monto-exponent-same-value"),
    pytest.param(pago("FechaPago", "2026-10-20T12:00"), ["CRP20999"], id="fecha-pago-without-seconds"),
    pytest.param(docto("IdDocumento", lambda u: "{" + u + "}"), ["CRP20999", "CRP20999"], id="id-documento-with-braces"),
]


@pytest.mark.parametrize(("mutate", "codes"), REP_REFUSED)
def test_payment_value_is_refused_with_sats_code(tmp_path, trust, document, mutate, codes):
    run, result = _judge(tmp_path, trust, "rep-value.xml", document(mutate, rep=True))
    assert run.exit_code == 1
    assert result["type"] == "P"
    assert problems(result) == codes, result["findings"]
    assert result["checks"]["seal"] == "pass"


ACCEPTED = [
    # SAT's schema collapses whitespace in these types and the cadena applies normalize-space():
    # the document is what SAT accepts, and cfdi-ar reads the collapsed value.
    pytest.param(attr("Total", " 1432.02 "), None, id="total-whitespace-around"),
    pytest.param(attr("Fecha", "\t2026-10-05T10:00:00 "), None, id="fecha-whitespace-around"),
    pytest.param(receptor("Rfc", " ALE1503107H2 "), None, id="rfc-whitespace-around"),
    pytest.param(concepto("Cantidad", "0" * 39 + "1"), None, id="cantidad-40-digits-same-value"),
    pytest.param(attr("Fecha", "2028-02-29T10:00:00"), dt.datetime(2028, 2, 29, 10, 2), id="fecha-29-february-leap-year"),
]


@pytest.mark.parametrize(("mutate", "stamped_at"), ACCEPTED)
def test_value_sat_accepts_is_valid(tmp_path, trust, document, mutate, stamped_at):
    run, result = _judge(tmp_path, trust, "accepted.xml", document(mutate, fecha_timbrado=stamped_at or STAMPED_AT))
    assert run.exit_code == 0
    assert result["valid"] is True and problems(result) == [], result["findings"]


@pytest.mark.parametrize("written", ["6f1c1a2b-3d4e-4f50-8a6b-7c8d9e0f1a2b", " 6F1C1A2B-3D4E-4F50-8A6B-7C8D9E0F1A2B "],
                         ids=["lower-case", "whitespace-around"])
def test_stamp_uuid_in_lower_case_or_with_spaces_is_valid_and_keyed_upper_case(tmp_path, trust, document, written):
    # Both are within the stamp's schema and SelloSAT is signed over them: valid, keyed by one canonical UUID.
    run, result = _judge(tmp_path, trust, "uuid.xml", document(after_stamp=tfd("UUID", written)))
    assert run.exit_code == 0
    assert result["valid"] is True and problems(result) == [], result["findings"]
    assert result["uuid"] == "6F1C1A2B-3D4E-4F50-8A6B-7C8D9E0F1A2B"


def test_rep_paying_an_invoice_named_in_lower_case_is_valid(tmp_path, trust, document):
    run, result = _judge(tmp_path, trust, "rep-lower.xml", document(docto("IdDocumento", str.lower), rep=True))
    assert run.exit_code == 0
    assert result["valid"] is True and problems(result) == [], result["findings"]


@pytest.mark.parametrize("rfc", ["ÑAÑ010101AB1", "A&B010101AB1", "&ÑA0101011A1"])
@pytest.mark.parametrize("party", ["emisor", "receptor"])
def test_rfc_with_enye_and_ampersand_is_valid(tmp_path, trust, pki, party, rfc):
    emisor = Party(rfc, "EMISORA Ñ & ASOCIADOS", "601", "76000") if party == "emisor" else EMISOR
    receptor_ = Party(rfc, "CLIENTA Ñ & ASOCIADOS", "601", "76100", "G01") if party == "receptor" else RECEPTOR
    credential = make_csd(pki.ca, rfc, emisor.nombre, serial="30001000000500000111") if party == "emisor" else pki.csd
    root = invoice(emisor, receptor_, ONE_LINE, fecha=FECHA, folio="1")
    data = to_bytes(stamp(seal(root, credential), pki.stamp_cert))
    if "&" in rfc:
        assert b"&amp;" in data  # escaped in the XML, read back as "&"
    run, result = _judge(tmp_path, trust, "rfc.xml", data)
    assert run.exit_code == 0
    assert result["valid"] is True and problems(result) == [], result["findings"]

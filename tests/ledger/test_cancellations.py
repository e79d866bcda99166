"""Cancellation sources: SAT metadata TXT, a user's CSV, signed requests (XMLDSig), SAT's acuse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from lxml import etree

from cfdi_ar.demo.pki import make_csd
from cfdi_ar.demo.seal import to_bytes
from cfdi_ar.ledger.cancel_request import read_request
from cfdi_ar.ledger.cancellations import (
    Cancellation, MetadataRow, SourceProblem, read_acuse, read_csv, read_metadata, read_source, sniff,
)

from . import cancel_fixtures as fx

UPPER_A, UPPER_B = fx.UUID_A.upper(), fx.UUID_B.upper()


def trust_all(der: bytes) -> str | None:
    return None


def _folios(*uuids: str, motivo: str = "02") -> list[dict[str, str]]:
    return [{"UUID": u, "Motivo": motivo} for u in uuids]


def _signed(*uuids: str, **kw) -> bytes:
    return fx.sign(fx.request(_folios(*(uuids or (fx.UUID_A, fx.UUID_B)))), **kw)


def _only_problem(problems: list[SourceProblem]) -> SourceProblem:
    assert len(problems) == 1, problems
    return problems[0]


# ---------------------------------------------------------------- metadata TXT


def _metadata(*rows: str, header: str = fx.METADATA_HEADER, eol: str = "\r\n", encoding: str = "utf-8-sig") -> bytes:
    return eol.join([header, *rows, ""]).encode(encoding)


def test_metadata_reads_a_utf8_bom_crlf_file_with_vigente_and_cancelado_rows() -> None:
    data = _metadata(
        fx.metadata_row(fx.UUID_A),
        "",  # blank lines are ignored
        fx.metadata_row(fx.UUID_B, estatus="0", fecha_cancelacion="2026-03-02T11:31:07", monto="99.5", efecto="e"),
    )
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows, problems = read_metadata("meta.txt", data)
    assert problems == []
    vigente, cancelado = rows
    assert vigente == MetadataRow(
        UPPER_A, fx.RFC, "COMERCIALIZADORA DEMO", "ALE1503107H2", "ABARROTES LA ESPERANZA", "SAT970701NN3",
        dt.datetime(2026, 2, 10, 9, 15), dt.datetime(2026, 2, 10, 9, 16, 2), Decimal("1160.00"), "I", "1", None,
        name="meta.txt", line=2,
    )
    assert not vigente.cancelled and cancelado.cancelled and cancelado.line == 4
    assert cancelado.uuid == UPPER_B and cancelado.monto == Decimal("99.5") and cancelado.efecto_comprobante == "E"
    assert cancelado.fecha_cancelacion == dt.datetime(2026, 3, 2, 11, 31, 7)
    assert cancelado.cancellation() == Cancellation(
        UPPER_B, "cancelled", dt.datetime(2026, 3, 2, 11, 31, 7), "cancelled_at", "metadata", False,
        rfc_emisor=fx.RFC, name="meta.txt",
    )
    assert vigente.cancellation().status == "active"


def test_metadata_decodes_windows_1252_names_with_enye() -> None:
    data = _metadata(fx.metadata_row(rfc_emisor="MUÑ800101AB1", nombre_emisor="JOSÉ MUÑOZ PEÑA"), encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    rows, problems = read_metadata("meta.txt", data)
    assert problems == []
    assert (rows[0].rfc_emisor, rows[0].nombre_emisor) == ("MUÑ800101AB1", "JOSÉ MUÑOZ PEÑA")


def test_metadata_takes_column_order_and_case_from_the_header_and_accepts_lf() -> None:
    header = fx.METADATA_HEADER.lower().split("~")
    row = fx.metadata_row().split("~")
    order = list(reversed(range(len(header))))
    data = _metadata("~".join(row[i] for i in order), header="~".join(header[i] for i in order), eol="\n")
    rows, problems = read_metadata("meta.txt", data)
    assert problems == [] and rows[0].uuid == UPPER_A and rows[0].monto == Decimal("1160.00")


def test_metadata_reports_a_bad_monto_and_a_bad_date_by_line_and_column_and_keeps_the_other_rows() -> None:
    data = _metadata(
        fx.metadata_row(fx.UUID_A, monto="1,160.00"),
        fx.metadata_row(fx.UUID_B),
        fx.metadata_row(fx.SUSTITUTO, fecha_emision="2026-02-30 09:15:00"),
    )
    rows, problems = read_metadata("meta.txt", data)
    assert [r.uuid for r in rows] == [UPPER_B]
    assert [(p.line, p.column) for p in problems] == [(2, "Monto"), (4, "FechaEmision")]
    assert "'1,160.00' is not an amount" in problems[0].message
    assert "not a valid date" in problems[1].message


@pytest.mark.parametrize("monto", ["NaN", "Infinity", "-Infinity", "1E+3", "1e3", "-5.00", "+5", " ", "", "١٢٣"])
def test_metadata_refuses_monto_that_is_not_plain_digits(monto: str) -> None:
    rows, problems = read_metadata("meta.txt", _metadata(fx.metadata_row(monto=monto)))
    assert rows == [] and _only_problem(problems).column == "Monto"


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (fx.metadata_row(estatus="0"), "FechaCancelacion", "without"),
        (fx.metadata_row(estatus="1", fecha_cancelacion="2026-03-02 10:00:00"), "FechaCancelacion", "with"),
        (fx.metadata_row(estatus="2"), "Estatus", "not one of 0, 1"),
        (fx.metadata_row(efecto="X"), "EfectoComprobante", "not one of I, E, P, N, T"),
        (fx.metadata_row("not-a-uuid"), "Uuid", "not a UUID"),
        (fx.metadata_row(fecha_emision="2026-02-10"), "FechaEmision", "not a date-time"),
        (fx.metadata_row() + "~extra", None, "expected 12 fields, found 13"),
    ],
)
def test_metadata_reports_each_malformed_row(row: str, column: str | None, words: str) -> None:
    rows, problems = read_metadata("meta.txt", _metadata(row))
    problem = _only_problem(problems)
    assert rows == [] and (problem.line, problem.column) == (2, column) and words in problem.message


def test_metadata_without_its_header_is_one_problem_on_line_one() -> None:
    rows, problems = read_metadata("meta.txt", _metadata(fx.metadata_row(), header="Uuid~RfcEmisor~Monto"))
    problem = _only_problem(problems)
    assert rows == [] and problem.line == 1 and "missing column(s) NombreEmisor" in problem.message


# ---------------------------------------------------------------- CSV


def test_csv_with_english_headers_reads_cancelled_and_active_rows() -> None:
    data = (f"UUID,Status,Date\n{fx.UUID_A},cancelled,2026-03-02\n{fx.UUID_B},Active,\n"
            f"{fx.SUSTITUTO},0,2026-03-04T08:05\n").encode()
    records, problems = read_csv("cancel.csv", data)
    assert problems == []
    assert records[0] == Cancellation(UPPER_A, "cancelled", dt.datetime(2026, 3, 2), "cancelled_at", "csv", False,
                                      name="cancel.csv")
    assert [(r.status, r.date) for r in records[1:]] == [("active", None), ("cancelled", dt.datetime(2026, 3, 4, 8, 5))]


def test_csv_with_spanish_headers_and_semicolons() -> None:
    data = (f"Folio Fiscal;Estatus;Fecha_Cancelación\r\n{fx.UUID_A};Cancelado;2026-03-02 11:31:07\r\n"
            f"{fx.UUID_B};vigente;\r\n").encode("cp1252")
    records, problems = read_csv("cancelaciones.csv", data)
    assert problems == []
    assert [(r.uuid, r.status, r.date) for r in records] == [
        (UPPER_A, "cancelled", dt.datetime(2026, 3, 2, 11, 31, 7)), (UPPER_B, "active", None)]


def test_csv_reports_bad_cells_by_line_and_column_and_keeps_the_other_rows() -> None:
    data = (f"uuid,status,date\n{fx.UUID_A},anulado,2026-03-02\nnope,cancelled,2026-13-01\n"
            f"{fx.UUID_B},1,\n").encode()
    records, problems = read_csv("c.csv", data)
    assert [r.uuid for r in records] == [UPPER_B]
    assert [(p.line, p.column) for p in problems] == [(2, "status"), (3, "uuid"), (3, "date")]


def test_csv_without_a_status_column_is_one_problem() -> None:
    records, problems = read_csv("c.csv", f"uuid,fecha\n{fx.UUID_A},2026-03-02\n".encode())
    assert records == [] and "no status column" in _only_problem(problems).message


# ---------------------------------------------------------------- signed cancellation request


def test_request_signed_with_rsa_sha1_verifies_and_reads_every_folio() -> None:
    root = fx.request([{"UUID": fx.UUID_A, "Motivo": "01", "FolioSustitucion": fx.SUSTITUTO},
                       {"UUID": fx.UUID_B, "Motivo": "02"}])
    records, problems = read_request("req.xml", fx.sign(root), trust_all)
    assert problems == []
    assert records == [
        Cancellation(UPPER_A, "cancelled", dt.datetime(2026, 3, 2, 11, 30), "requested_at", "request", True, "01",
                     fx.SUSTITUTO.upper(), fx.RFC, "req.xml"),
        Cancellation(UPPER_B, "cancelled", dt.datetime(2026, 3, 2, 11, 30), "requested_at", "request", True, "02",
                     None, fx.RFC, "req.xml"),
    ]


def test_request_shaped_like_sats_default_namespace_signature_verifies() -> None:
    data = fx.sat_shaped(_signed())
    assert b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">' in data
    records, problems = read_request("req.xml", data, trust_all)
    assert problems == [] and [r.uuid for r in records] == [UPPER_A, UPPER_B]


def test_request_signed_with_rsa_sha256_is_also_accepted() -> None:
    records, problems = read_request("req.xml", _signed(signature=fx.RSA_SHA256, digest=fx.SHA256), trust_all)
    assert problems == [] and len(records) == 2 and all(r.verified for r in records)


def test_request_with_a_tampered_folio_uuid_fails() -> None:
    data = _signed().replace(fx.UUID_B.encode(), fx.ATTACKER.lower().encode())
    records, problems = read_request("req.xml", data, trust_all)
    assert records == [] and "signature not verified" in _only_problem(problems).message


def _add_unsigned_folio(data: bytes) -> bytes:
    root = etree.fromstring(data)
    etree.SubElement(root.find(f"{{{fx.NS}}}Folios"), f"{{{fx.NS}}}Folio", UUID=fx.ATTACKER, Motivo="02")
    return etree.tostring(root)


def _add_unsigned_folios_block(data: bytes) -> bytes:
    root = etree.fromstring(data)
    extra = etree.Element(f"{{{fx.NS}}}Folios")
    etree.SubElement(extra, f"{{{fx.NS}}}Folio", UUID=fx.ATTACKER, Motivo="02")
    root.insert(0, extra)
    return etree.tostring(root)


def _wrap(data: bytes, *, move_signature: bool) -> bytes:
    """The signed Cancelacion moved inside an attacker's Cancelacion that names the attacker's UUID."""
    signed = etree.fromstring(data)
    outer = fx.request(_folios(fx.ATTACKER))
    if move_signature:
        outer.append(signed.find(f"{{{fx.DS}}}Signature"))
    outer.append(signed)
    return etree.tostring(outer)


def _wrap_id_reference() -> bytes:
    """A signature over an element by Id (valid for signxml), wrapped in an attacker's root."""
    inner = fx.request(_folios(fx.UUID_A), Id="signed")
    signed = etree.fromstring(fx.sign(inner, reference_uri="#signed"))
    outer = fx.request(_folios(fx.ATTACKER))
    outer.append(signed.find(f"{{{fx.DS}}}Signature"))
    outer.append(signed)
    return etree.tostring(outer)


def _folio_out_of_namespace(data: bytes) -> bytes:
    """SAT-shaped request whose signed Folio is moved to the empty namespace (xmlns="")."""
    return data.replace(f'<Folio UUID="{fx.UUID_B}"'.encode(), f'<Folio xmlns="" UUID="{fx.UUID_B}"'.encode())


def _add_empty_namespace_folio(data: bytes) -> bytes:
    return data.replace(b"</Folios>", f'<Folio xmlns="" UUID="{fx.ATTACKER}" Motivo="02"/></Folios>'.encode())


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param(lambda: _folio_out_of_namespace(fx.sat_shaped(_signed())), id="sat-shaped-folio-out-of-namespace"),
        pytest.param(lambda: _add_empty_namespace_folio(fx.sat_shaped(_signed())), id="sat-shaped-empty-ns-folio-added"),
        pytest.param(lambda: _add_unsigned_folio(_signed()), id="unsigned-folio-added"),
        pytest.param(lambda: _add_unsigned_folios_block(_signed()), id="unsigned-folios-block-added"),
        pytest.param(lambda: _wrap(_signed(), move_signature=False), id="signed-element-moved"),
        pytest.param(lambda: _wrap(_signed(), move_signature=True), id="signed-element-moved-with-signature"),
        pytest.param(_wrap_id_reference, id="id-reference-wrapping"),
    ],
)
def test_request_signature_wrapping_never_yields_the_attackers_uuid(attack) -> None:
    records, problems = read_request("req.xml", attack(), trust_all)
    assert fx.ATTACKER not in {r.uuid for r in records}
    assert set(r.uuid for r in records) <= {UPPER_A, UPPER_B}
    assert records == [] and problems  # here every one of them is refused outright


def test_request_signed_by_a_key_other_than_the_certificates_fails() -> None:
    # KeyInfo carries the emisor's certificate, but another key signed: the pinned certificate must not verify it.
    impostor = make_csd(fx.ca(), fx.RFC, "IMPOSTOR", serial="30001000000500000099")
    data = fx.sign(fx.request(_folios(fx.UUID_A)))
    data = fx.resign(data, impostor)
    records, problems = read_request("req.xml", data, trust_all)
    assert records == [] and "Signature verification failed" in _only_problem(problems).message


def test_request_whose_certificate_the_trust_policy_rejects_fails_with_its_reason() -> None:
    seen: list[bytes] = []

    def trust(der: bytes) -> str | None:
        seen.append(der)
        return "issued by 'cfdi-ar DEMO CA (not SAT)', which does not chain to SAT's production CA"

    records, problems = read_request("req.xml", _signed(), trust)
    problem = _only_problem(problems)
    assert records == [] and seen == [fx.csd().der]
    assert problem.column == "X509Certificate" and "does not chain to SAT's production CA" in problem.message


def test_request_whose_trust_policy_raises_fails_closed() -> None:
    def trust(der: bytes) -> str | None:
        raise RuntimeError("CRL unavailable")

    records, problems = read_request("req.xml", _signed(), trust)
    assert records == [] and "CRL unavailable" in _only_problem(problems).message


def test_request_whose_rfc_emisor_is_not_the_certificates_fails() -> None:
    other = fx.csd("XYZ010101AB1")
    records, problems = read_request("req.xml", fx.sign(fx.request(_folios(fx.UUID_A)), other), trust_all)
    problem = _only_problem(problems)
    assert records == [] and problem.column == "RfcEmisor" and "XYZ010101AB1" in problem.message


@pytest.mark.parametrize(
    ("make", "words"),
    [
        pytest.param(lambda d: fx.edit_signed_info(d, digest=fx.MD5, digest_value=fx.md5_of_document(d)), "md5",
                     id="rsa-sha1-with-md5"),
        pytest.param(lambda d: fx.edit_signed_info(d, digest=fx.SHA256), "sha256", id="rsa-sha1-with-sha256"),
        pytest.param(lambda d: fx.sign(fx.request(_folios(fx.UUID_A)), signature=fx.RSA_SHA256, digest=fx.SHA1),
                     "rsa-sha256", id="rsa-sha256-with-sha1"),
        pytest.param(lambda d: fx.sign(fx.request(_folios(fx.UUID_A)), signature="rsa-sha512", digest="sha512"),
                     "rsa-sha512", id="rsa-sha512"),
        pytest.param(lambda d: fx.edit_signed_info(d, signature="http://www.w3.org/2000/09/xmldsig#hmac-sha1"),
                     "hmac-sha1", id="hmac-sha1"),
    ],
)
def test_request_with_any_other_algorithm_is_refused(make, words: str) -> None:
    records, problems = read_request("req.xml", make(_signed(fx.UUID_A)), trust_all)
    problem = _only_problem(problems)
    assert records == [] and "is not accepted" in problem.message and words in problem.message


def test_request_certificate_is_checked_at_the_request_date_unless_told_otherwise() -> None:
    expired = make_csd(fx.ca(), fx.RFC, "OLD CSD", serial="30001000000500000077",
                       not_before=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),
                       not_after=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
    old = fx.sign(fx.request(_folios(fx.UUID_A), fecha="2023-06-01T10:00:00"), expired)
    records, problems = read_request("old.xml", old, trust_all)
    assert problems == [] and records[0].date == dt.datetime(2023, 6, 1, 10)
    records, problems = read_request("old.xml", old, trust_all, at=dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc))
    assert records == [] and "expired" in _only_problem(problems).message
    late = fx.sign(fx.request(_folios(fx.UUID_A), fecha="2025-06-01T10:00:00"), expired)
    assert "expired" in _only_problem(read_request("late.xml", late, trust_all)[1]).message


@pytest.mark.parametrize(
    ("folio", "column"),
    [
        ({"UUID": fx.UUID_A, "Motivo": "01"}, "FolioSustitucion"),
        ({"UUID": fx.UUID_A, "Motivo": "05"}, "Motivo"),
        ({"UUID": "not-a-uuid", "Motivo": "02"}, "UUID"),
        ({"UUID": fx.UUID_A, "Motivo": "01", "FolioSustitucion": "zzz"}, "FolioSustitucion"),
    ],
)
def test_request_with_a_bad_folio_reports_it_and_keeps_the_others(folio: dict[str, str], column: str) -> None:
    data = fx.sign(fx.request([folio, {"UUID": fx.UUID_B, "Motivo": "03"}]))
    records, problems = read_request("req.xml", data, trust_all)
    assert [r.uuid for r in records] == [UPPER_B] and _only_problem(problems).column == column


@pytest.mark.parametrize(
    ("data", "words"),
    [
        pytest.param(b'<!DOCTYPE r [<!ENTITY x "y">]><Cancelacion xmlns="http://cancelacfd.sat.gob.mx"/>', "DOCTYPE",
                     id="doctype"),
        pytest.param(b"<Cancelacion", "not well-formed", id="truncated"),
        pytest.param(etree.tostring(fx.request(_folios(fx.UUID_A))), "found 0", id="unsigned"),
        pytest.param(b'<Cancelacion xmlns="urn:other"/>', "not {http://cancelacfd.sat.gob.mx}Cancelacion",
                     id="wrong-namespace"),
    ],
)
def test_request_that_is_not_a_signed_cancelacion_is_a_problem_not_an_exception(data: bytes, words: str) -> None:
    records, problems = read_request("req.xml", data, trust_all)
    assert records == [] and words in _only_problem(problems).message


def test_request_with_a_garbled_certificate_is_a_problem() -> None:
    data = etree.fromstring(_signed())
    data.find(f".//{{{fx.DS}}}X509Certificate").text = "not base64!"
    records, problems = read_request("req.xml", etree.tostring(data), trust_all)
    assert records == [] and _only_problem(problems).column == "X509Certificate"


# ---------------------------------------------------------------- acuse


def test_acuse_gives_unverified_records_for_201_and_202_and_a_problem_for_205() -> None:
    data = fx.acuse([(fx.UUID_A, "201"), (fx.UUID_B, "202"), (fx.SUSTITUTO, "205")])
    records, problems = read_acuse("acuse.xml", data)
    assert records == [
        Cancellation(UPPER_A, "cancelled", dt.datetime(2026, 3, 2, 11, 31, 7, 873456), "cancelled_at", "acuse",
                     False, rfc_emisor=fx.RFC, name="acuse.xml"),
        Cancellation(UPPER_B, "cancelled", None, "cancelled_at", "acuse", False, rfc_emisor=fx.RFC, name="acuse.xml"),
    ]
    problem = _only_problem(problems)
    assert problem.column == "EstatusUUID" and "205" in problem.message and fx.SUSTITUTO.upper() in problem.message


@pytest.mark.parametrize("folios_ns", [None, "http://cancelacfd.sat.gob.mx", "urn:another-sat-service"])
def test_acuse_elements_are_matched_by_local_name_whatever_the_namespace(folios_ns: str | None) -> None:
    records, problems = read_acuse("acuse.xml", fx.acuse([(fx.UUID_A, "201")], folios_ns=folios_ns))
    assert problems == [] and [r.uuid for r in records] == [UPPER_A]


# ---------------------------------------------------------------- sniff and read_source


def _cfdi() -> bytes:
    root = etree.Element("{http://www.sat.gob.mx/cfd/4}Comprobante", Version="4.0")
    return to_bytes(root)


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("Metadata_2026.txt", _metadata(fx.metadata_row()), "metadata"),
        ("whatever", _metadata(fx.metadata_row(), encoding="cp1252"), "metadata"),
        ("cancel.CSV", f"Folio Fiscal;Estatus\n{fx.UUID_A};0\n".encode(), "csv"),
        ("cancel.csv", b"factura,importe\nA1,10\n", None),
        ("cancel.txt", f"uuid,status\n{fx.UUID_A},0\n".encode(), None),
        ("req.xml", etree.tostring(fx.request(_folios(fx.UUID_A))), "request"),
        ("ack.xml", fx.acuse([(fx.UUID_A, "201")]), "acuse"),
        ("cfdi.xml", _cfdi(), None),
        ("evil.xml", b'<!DOCTYPE r [<!ENTITY x "y">]><Acuse/>', None),
        ("empty.txt", b"", None),
    ],
)
def test_sniff_tells_the_four_sources_from_everything_else(name: str, data: bytes, kind: str | None) -> None:
    assert sniff(name, data) == kind


def test_read_source_converts_metadata_rows_and_needs_a_trust_policy_for_requests() -> None:
    records, problems = read_source("m.txt", _metadata(fx.metadata_row(estatus="0", fecha_cancelacion="2026-03-02 10:00:00")))
    assert problems == [] and records[0].status == "cancelled" and records[0].source == "metadata"
    records, problems = read_source("req.xml", _signed())
    assert records == [] and "trust policy" in _only_problem(problems).message
    records, problems = read_source("req.xml", _signed(), trust=trust_all)
    assert problems == [] and len(records) == 2
    assert read_source("cfdi.xml", _cfdi())[0] == []


def test_records_are_immutable() -> None:
    record = read_csv("c.csv", f"uuid,status\n{fx.UUID_A},0\n".encode())[0][0]
    with pytest.raises(AttributeError):
        record.status = "active"  # type: ignore[misc]


def test_acuse_without_folios_reports_sats_cod_estatus() -> None:
    data = b'<Acuse xmlns="http://cancelacfd.sat.gob.mx" Fecha="2026-03-02T11:31:07" RfcEmisor="CDB200115AB7" CodEstatus="305"/>'
    records, problems = read_acuse("acuse.xml", data)
    assert records == [] and "CodEstatus 305" in _only_problem(problems).message

"""Hostile input to the ledger, on SQLite and PostgreSQL: duplicates, a REP paying 1,000 invoices,
and text that looks like SQL. Everything goes through the real CLI (click's runner, in-process)."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from cfdi_ar.cli import main
from cfdi_ar.demo.documents import Line, Party, Payment, invoice, paid_document, payment_receipt
from cfdi_ar.demo.seal import seal, stamp, to_bytes
from cfdi_ar.ledger import open_database
from cfdi_ar.model import build_comprobante

from ..conftest import EMISOR, FECHA, RECEPTOR
from .conftest import OUR_RFC

ONE_LINE = [Line("50161813", Decimal("1"), "H87", "Producto", Decimal("1000.00"))]  # Total 1160.00


def _trust(pki) -> list[str]:  # type: ignore[no-untyped-def]
    return ["--trust-ca", str(pki.ca_path), "--sat-certs", str(pki.sat_certs)]


def _cli(*args: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def _ingest(target: str, pki, *paths: Path, extra: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return _cli("ingest", "--db", target, "--rfc", OUR_RFC, *_trust(pki), "-f", "json", "-q", *extra, *map(str, paths))


def _counts(target: str) -> dict[str, int]:
    with open_database(target) as db:
        return {t: db.scalar(f"SELECT count(*) FROM {t}") for t in
                ("documents", "blobs", "findings", "payments", "alternates", "conflicts", "runs", "run_inputs")}


# --------------------------------------------------------------------------- the same UUID twice


def test_the_same_uuid_twice_in_one_batch_in_other_bytes_is_one_document_and_an_alternate(ledger_target, pki, sealed_invoice, write):
    data = to_bytes(sealed_invoice())
    write(data, "a.xml")
    write(b"\xef\xbb\xbf" + data.replace(b"?>\n", b"?>\r\n", 1), "b-bom-crlf.xml")  # same document, other bytes
    result = _ingest(ledger_target, pki, write(data, "a.xml").parent)
    assert result.exit_code == 0, result.output
    assert [r["outcome"] for r in json.loads(result.stdout)] == ["new", "alternate"]
    counts = _counts(ledger_target)
    assert (counts["documents"], counts["alternates"], counts["blobs"], counts["conflicts"]) == (1, 1, 2, 0)


def test_the_same_uuid_twice_in_one_batch_with_other_content_keeps_the_first_and_reports_a_conflict(ledger_target, pki, sealed_invoice, write):
    first = sealed_invoice(folio="1001")
    uuid = first.find(".//{*}TimbreFiscalDigital").get("UUID")
    forged = stamp(seal(sealed_invoice(folio="9999", stamped=False), pki.csd), pki.stamp_cert, uuid=uuid)
    write(first, "a.xml")
    result = _ingest(ledger_target, pki, write(forged, "b.xml").parent)
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert [r["outcome"] for r in rows] == ["new", "conflict"] and rows[1]["uuid"] == uuid.upper()
    assert "nothing overwritten" in rows[1]["message"]
    with open_database(ledger_target) as db:
        assert db.fetchall("SELECT folio FROM documents") == [("1001",)]
        assert db.scalar("SELECT count(*) FROM conflicts WHERE uuid = ?", (uuid.upper(),)) == 1


def test_the_same_bytes_twice_in_one_batch_are_stored_once(ledger_target, pki, sealed_invoice, write):
    data = to_bytes(sealed_invoice())
    write(data, "a.xml")
    result = _ingest(ledger_target, pki, write(data, "copy.xml").parent)
    assert result.exit_code == 0
    assert [r["outcome"] for r in json.loads(result.stdout)] == ["new", "duplicate_in_run"]
    assert _counts(ledger_target)["documents"] == 1 and _counts(ledger_target)["blobs"] == 1


# --------------------------------------------------------------------------- a REP paying 1,000 invoices

N_PAID = 1000
STALE, UNKNOWN, PUE = 10, 20, 30  # the three invoices whose payment is a break


@pytest.fixture(scope="module")
def thousand(pki, tmp_path_factory) -> tuple[Path, list[str]]:  # type: ignore[no-untyped-def]
    """1,000 invoices (the one at UNKNOWN never written) and one REP paying 100.00 of each."""
    folder = tmp_path_factory.mktemp("thousand")
    paid, uuids = [], []
    for i in range(N_PAID):
        pue = i == PUE
        root = stamp(seal(invoice(EMISOR, RECEPTOR, ONE_LINE, fecha=FECHA, folio=str(10_000 + i),
                                  metodo_pago="PUE" if pue else "PPD", forma_pago="03" if pue else "99"), pki.csd), pki.stamp_cert)
        model = build_comprobante(root)
        uuids.append(model.uuid or "")
        if i != UNKNOWN:
            (folder / f"F-{i:04d}.xml").write_bytes(to_bytes(root))
        stale = Decimal("1000.00") if i == STALE else None  # the ledger says 1160.00
        paid.append(paid_document(model, pagado=Decimal("100.00"), saldo_anterior=stale))
    rep = payment_receipt(EMISOR, RECEPTOR, [Payment(dt.datetime(2026, 10, 20, 12), "03", "MXN", tuple(paid))],
                          fecha=dt.datetime(2026, 10, 21, 9), folio="P-1000")
    (folder / "P-1000.xml").write_bytes(to_bytes(stamp(seal(rep, pki.csd), pki.stamp_cert,
                                                       fecha_timbrado=dt.datetime(2026, 10, 21, 9, 2))))
    return folder, uuids


@pytest.mark.slow
def test_a_rep_paying_1000_invoices_is_ingested_and_checked_in_bounded_time_with_exact_breaks(ledger_target, pki, thousand):
    folder, uuids = thousand
    started = time.monotonic()
    result = _ingest(ledger_target, pki, folder)
    ingest_seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output  # the REP is valid: the breaks are between documents
    rows = json.loads(result.stdout)
    assert len(rows) == N_PAID and all(r["outcome"] == "new" and r["valid"] for r in rows)
    assert _counts(ledger_target)["payments"] == N_PAID
    started = time.monotonic()
    check = _cli("payments", "check", "--db", ledger_target, "-f", "json")
    check_seconds = time.monotonic() - started
    assert check.exit_code == 1
    breaks = sorted((b["kind"], b["invoice_uuid"]) for b in json.loads(check.stdout))
    assert breaks == sorted([("saldo_anterior_mismatch", uuids[STALE]), ("unknown_invoice", uuids[UNKNOWN]),
                             ("payment_on_pue_invoice", uuids[PUE])])
    items = _cli("open-items", "--db", ledger_target, "--as-of", "2026-10-31", "-f", "json")
    balances = {r["uuid"]: Decimal(r["balance"]) for r in json.loads(items.stdout)}
    assert len(balances) == N_PAID - 2  # less the unknown one and the PUE one (paid at issue)
    assert set(balances.values()) == {Decimal("1060.00")}  # 1160.00 less the 100.00 paid, the stale one too
    assert ingest_seconds < 60 and check_seconds < 10, (ingest_seconds, check_seconds)  # observed ~2 s and ~0.3 s


# --------------------------------------------------------------------------- text that looks like SQL

SQL_RFC = "X'); DROP TABLE documents;--"
SHOWN_RFC = SQL_RFC.upper()  # RFCs are keyed in upper case, like SAT writes them
SQL_NAME = "O'Brien\"; DELETE FROM payments; -- 100% %s %(x)s ?"
SQL_FILE = "F'; DROP TABLE runs; --.xml"
SQL_ID = "x' OR '1'='1"


def test_rfcs_names_and_file_names_with_quotes_and_sql_are_stored_and_shown_as_text(ledger_target, pki, write):
    customer = Party(SQL_RFC, SQL_NAME, "601", "76100", "G01")
    inv = stamp(seal(invoice(EMISOR, customer, ONE_LINE, fecha=FECHA, folio="1"), pki.csd), pki.stamp_cert)
    rep = payment_receipt(EMISOR, customer, [Payment(dt.datetime(2026, 10, 20, 12), "03", "MXN",
                                                     (paid_document(build_comprobante(inv), pagado=Decimal("100.00")),))],
                          fecha=dt.datetime(2026, 10, 21, 9), folio="P1")
    rep.find(".//{*}DoctoRelacionado").set("IdDocumento", SQL_ID)
    rep = stamp(seal(rep, pki.csd), pki.stamp_cert, fecha_timbrado=dt.datetime(2026, 10, 21, 9, 2))
    write(inv, SQL_FILE)
    folder = write(rep, "P1.xml").parent
    result = _ingest(ledger_target, pki, folder, extra=("--accept-invalid",))  # the RFC and IdDocumento fail SAT's schema
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert sorted(r["outcome"] for r in rows) == ["new", "new"]
    assert {Path(r["file"]).name for r in rows} == {SQL_FILE, "P1.xml"}
    assert _counts(ledger_target)["documents"] == 2  # every table still there, every row in it

    history = json.loads(_cli("history", "--db", ledger_target, "-f", "json", "--inputs").stdout)
    assert SQL_FILE in {Path(i["name"]).name for i in history[0]["inputs"]}

    items = json.loads(_cli("open-items", "--db", ledger_target, "--as-of", "2026-10-31", "--all", "-f", "json").stdout)
    assert [(r["customer_rfc"], r["customer_name"]) for r in items] == [(SHOWN_RFC, SQL_NAME)]
    table = _cli("open-items", "--db", ledger_target, "--as-of", "2026-10-31", "--all", "-f", "table").stdout
    assert SHOWN_RFC in table
    assert json.loads(_cli("open-items", "--db", ledger_target, "--as-of", "2026-10-31", "--all", "-f", "json",
                           "--customer", "' OR '1'='1").stdout) == []
    assert len(json.loads(_cli("open-items", "--db", ledger_target, "--as-of", "2026-10-31", "--all", "-f", "json",
                               "--customer", SQL_RFC).stdout)) == 1

    check = _cli("payments", "check", "--db", ledger_target, "-f", "json")
    assert check.exit_code == 1
    [unknown] = [b for b in json.loads(check.stdout) if b["kind"] == "unknown_invoice"]
    assert unknown["invoice_uuid"] == SQL_ID.upper()
    with open_database(ledger_target) as db:
        assert db.fetchall("SELECT receptor_rfc, receptor_nombre FROM documents WHERE tipo = 'I'") == [(SHOWN_RFC, SQL_NAME)]
        assert db.scalar("SELECT count(*) FROM payments") == 1


# --------------------------------------------------------------------------- exit codes


def test_ingest_of_an_unreadable_archive_exits_2_as_validate_does(ledger_target, pki, tmp_path):
    archive = tmp_path / "truncated.zip"
    archive.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    assert _cli("validate", str(archive)).exit_code == 2
    result = _ingest(ledger_target, pki, archive)
    assert [r["outcome"] for r in json.loads(result.stdout)] == ["rejected"]
    assert result.exit_code == 2


def test_an_unreadable_archive_beside_good_documents_exits_2_stores_the_good_ones_and_the_rerun_adds_nothing(
        ledger_target, pki, sealed_invoice, write):
    good = write(sealed_invoice(folio="1001"), "a-good.xml")
    (good.parent / "b-truncated.zip").write_bytes(b"PK\x03\x04" + b"\0" * 40)
    result = _ingest(ledger_target, pki, good.parent)
    assert result.exit_code == 2
    assert [r["outcome"] for r in json.loads(result.stdout)] == ["new", "rejected"]
    assert "1 input(s) could not be read" in result.stderr and "b-truncated.zip" in result.stderr
    assert "Traceback" not in result.stderr
    assert _counts(ledger_target)["documents"] == 1
    (good.parent / "b-truncated.zip").unlink()  # the user fixes the input and runs the command again
    again = _ingest(ledger_target, pki, good.parent)
    assert again.exit_code == 0 and [r["outcome"] for r in json.loads(again.stdout)] == ["already_present"]
    assert _counts(ledger_target)["documents"] == 1

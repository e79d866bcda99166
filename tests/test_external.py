"""Pluggable external data: the LRFC file (SAT's registered RFCs) and the rules it turns on.

CFDI40143 (the receiver's RFC is registered) and CRP20222 (the RFC of the payer's bank is
registered) run only when an LRFC file is configured (``--lrfc``, ``lrfc`` in cfdi-ar.toml,
``Settings(lrfc=...)``); without it they check nothing, so validation never needs the data.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from cfdi_ar.cli import main
from cfdi_ar.context import Settings
from cfdi_ar.demo.documents import PaidDocument, Party, Payment, invoice, payment_receipt
from cfdi_ar.demo.seal import to_bytes
from cfdi_ar.findings import Finding
from cfdi_ar.sat.external import ExternalDataError, load_lrfc
from cfdi_ar.validate import validate_bytes

from .conftest import EMISOR, FECHA, RECEPTOR, sample_lines

BANCO = "BBA830831LJ2"  # a bank's RFC (persona moral) as RfcEmisorCtaOrd
PUBLICO = Party("XAXX010101000", "PUBLICO EN GENERAL", "616", EMISOR.codigo_postal, "S01")
EXTRANJERO = Party("XEXX010101000", "CLIENTE DEL EXTRANJERO", "616", EMISOR.codigo_postal, "S01")


def lrfc_file(folder: Path, *rfcs: str, name: str = "lrfc.txt") -> Path:
    path = folder / name
    path.write_text("\n".join(rfcs) + "\n", encoding="utf-8")
    return path


def run(code: str, root: etree._Element, lrfc: Path | None) -> list[Finding]:
    settings = Settings(include_rules=(code,), lrfc=str(lrfc) if lrfc else None)
    result = validate_bytes("doc.xml", to_bytes(root), settings)
    assert not [f for f in result.findings if f.code == "CFDIAR-INTERNAL"]
    return [f for f in result.findings if f.code == code]


def make_invoice(receptor: Party = RECEPTOR) -> etree._Element:
    return invoice(EMISOR, receptor, sample_lines(), fecha=FECHA, folio="1001")


def make_rep(**pago_attrs: str) -> etree._Element:
    """A REP paying half of a 1,000 + 16% IVA invoice by transfer (FormaDePagoP 03)."""
    paid = PaidDocument("5FB2822E-396D-4725-8521-CDC4BDD20CCF", "F", "1", "MXN", Decimal("1160.00"), 1, Decimal("1160.00"),
                        Decimal("580.00"), (("Tasa", "0.160000", Decimal("1000.00")),), None)
    payment = Payment(dt.datetime(2026, 10, 20, 12, 0, 0), "03", "MXN", (paid,), extra=dict(pago_attrs))
    return payment_receipt(EMISOR, RECEPTOR, [payment], fecha=dt.datetime(2026, 10, 21, 9, 0, 0), folio="2001")


# --------------------------------------------------------------------------- the LRFC file


def test_lrfc_one_rfc_per_line_with_blank_lines_comments_and_a_title(tmp_path):
    path = tmp_path / "lrfc.txt"
    path.write_text("RFC\n# exported 2026-10-01\n\nale1503107h2 \n\"CDB200115AB7\"\n", encoding="utf-8")
    assert load_lrfc(path) == {"ALE1503107H2", "CDB200115AB7"}


def test_lrfc_sat_pipe_layout_with_an_rfc_column(tmp_path):
    path = tmp_path / "l_RFC_2026_10_01.txt"
    path.write_text("RFC|SNCF|SUBCONTRATACION\nALE1503107H2|No|No\nCDB200115AB7|No|Si\n", encoding="utf-8")
    assert load_lrfc(path) == {"ALE1503107H2", "CDB200115AB7"}


def test_lrfc_csv_with_the_rfc_in_another_column_and_latin1(tmp_path):
    path = tmp_path / "clientes.csv"
    path.write_bytes("Nombre,RFC del cliente\n\"PEÑA, S.A.\",PEÑ010101AB1\nABARROTES,ALE1503107H2\n".encode("latin-1"))
    assert load_lrfc(path) == {"PEÑ010101AB1", "ALE1503107H2"}


def test_lrfc_csv_without_a_header_and_gzip(tmp_path):
    path = tmp_path / "lrfc.csv.gz"
    path.write_bytes(gzip.compress(b"ALE1503107H2,ABARROTES\nCDB200115AB7,COMERCIALIZADORA\n"))
    assert load_lrfc(path) == {"ALE1503107H2", "CDB200115AB7"}


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "lists no RFC"), (b"# nothing\n\n", "lists no RFC"), (b"nombre,clave\nX,1\n", "no RFC column"),
     (b"\x1f\x8b broken gzip", "LRFC file")],
)
def test_lrfc_files_that_cannot_be_used_are_refused(tmp_path, content, message):
    path = tmp_path / "lrfc.txt"
    path.write_bytes(content)
    with pytest.raises(ExternalDataError, match=message):
        load_lrfc(path)


def test_lrfc_missing_file_is_refused(tmp_path):
    with pytest.raises(ExternalDataError, match="nowhere.txt"):
        load_lrfc(tmp_path / "nowhere.txt")


def test_lrfc_is_read_again_when_the_file_changes(tmp_path):
    path = lrfc_file(tmp_path, "ALE1503107H2")
    assert load_lrfc(path) == {"ALE1503107H2"}
    lrfc_file(tmp_path, "ALE1503107H2", "CDB200115AB7")
    assert load_lrfc(path) == {"ALE1503107H2", "CDB200115AB7"}


# --------------------------------------------------------------------------- CFDI40143


def test_CFDI40143_receptor_not_in_lrfc_fires(tmp_path):
    [f] = run("CFDI40143", make_invoice(), lrfc_file(tmp_path, EMISOR.rfc))
    assert f.path == "/cfdi:Comprobante/cfdi:Receptor/@Rfc"
    assert (f.expected, f.found) == ("an RFC listed in the LRFC file", RECEPTOR.rfc)
    assert RECEPTOR.rfc in f.message


def test_CFDI40143_receptor_in_lrfc_passes(tmp_path):
    assert run("CFDI40143", make_invoice(), lrfc_file(tmp_path, EMISOR.rfc, RECEPTOR.rfc)) == []


def test_CFDI40143_without_an_lrfc_file_checks_nothing():
    assert run("CFDI40143", make_invoice(), None) == []


@pytest.mark.parametrize("receptor", [PUBLICO, EXTRANJERO], ids=["XAXX010101000", "XEXX010101000"])
def test_CFDI40143_generic_rfcs_are_skipped(tmp_path, receptor):
    assert run("CFDI40143", make_invoice(receptor), lrfc_file(tmp_path, EMISOR.rfc)) == []


# --------------------------------------------------------------------------- CRP20222


def test_CRP20222_bank_rfc_not_in_lrfc_fires(tmp_path):
    [f] = run("CRP20222", make_rep(RfcEmisorCtaOrd=BANCO), lrfc_file(tmp_path, RECEPTOR.rfc))
    assert f.path == "/cfdi:Comprobante/cfdi:Complemento/pago20:Pagos/pago20:Pago/@RfcEmisorCtaOrd"
    assert (f.expected, f.found) == ("an RFC listed in the LRFC file", BANCO)


def test_CRP20222_bank_rfc_in_lrfc_passes(tmp_path):
    assert run("CRP20222", make_rep(RfcEmisorCtaOrd=BANCO), lrfc_file(tmp_path, BANCO)) == []


def test_CRP20222_foreign_generic_rfc_is_skipped(tmp_path):
    root = make_rep(RfcEmisorCtaOrd="XEXX010101000", NomBancoOrdExt="BANK OF TEXAS")
    assert run("CRP20222", root, lrfc_file(tmp_path, RECEPTOR.rfc)) == []


def test_CRP20222_without_rfc_emisor_cta_ord_or_without_lrfc_checks_nothing(tmp_path):
    assert run("CRP20222", make_rep(), lrfc_file(tmp_path, RECEPTOR.rfc)) == []
    assert run("CRP20222", make_rep(RfcEmisorCtaOrd=BANCO), None) == []


def test_valid_default_documents_raise_neither_code_with_their_rfcs_listed(tmp_path):
    lrfc = lrfc_file(tmp_path, EMISOR.rfc, RECEPTOR.rfc, BANCO)
    assert run("CFDI40143", make_rep(RfcEmisorCtaOrd=BANCO), lrfc) == []
    assert run("CRP20222", make_rep(RfcEmisorCtaOrd=BANCO), lrfc) == []
    assert run("CRP20222", make_invoice(), lrfc_file(tmp_path, EMISOR.rfc, name="other.txt")) == []  # not a P


# --------------------------------------------------------------------------- command line and configuration


@pytest.fixture
def hermetic(tmp_path, monkeypatch):
    for var in ("CFDI_AR_CONFIG", "CFDI_AR_SAT_CERTS", "CFDI_AR_TEST_CERTIFICATES", "CFDI_AR_LRFC"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def cli(*args: object, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"cfdi-ar crashed: {result.exception!r}") from result.exception
    return result


@pytest.fixture
def doc(tmp_path) -> Path:
    path = tmp_path / "factura.xml"
    path.write_bytes(to_bytes(make_invoice()))
    return path


def codes_of(result: Result) -> list[str]:
    return [f["code"] for r in json.loads(result.stdout) for f in r["findings"]]


def test_cli_lrfc_option_turns_the_rule_on(hermetic, tmp_path, doc):
    without = cli("validate", "-f", "json", "--rules", "CFDI40143", doc)
    assert "CFDI40143" not in codes_of(without)
    assert "CFDI40143 needs an LRFC file (--lrfc)" in without.stderr
    with_file = cli("validate", "-f", "json", "--rules", "CFDI40143", "--lrfc", lrfc_file(tmp_path, EMISOR.rfc), doc)
    assert codes_of(with_file) == ["CFDI40143"] and with_file.exit_code == 1


def test_cli_lrfc_from_the_environment(hermetic, tmp_path, doc):
    result = cli("validate", "-f", "json", "--rules", "CFDI40143", doc, env={"CFDI_AR_LRFC": str(lrfc_file(tmp_path, "X"))})
    assert codes_of(result) == ["CFDI40143"]


def test_config_lrfc_key_is_relative_to_the_file_and_the_option_wins(hermetic, tmp_path, doc):
    conf = tmp_path / "team"
    conf.mkdir()
    lrfc_file(conf, EMISOR.rfc)
    (conf / "cfdi-ar.toml").write_text('lrfc = "lrfc.txt"\n', encoding="utf-8")
    result = cli("validate", "-f", "json", "--rules", "CFDI40143", "--config", conf / "cfdi-ar.toml", doc)
    assert codes_of(result) == ["CFDI40143"]
    listed = lrfc_file(tmp_path, RECEPTOR.rfc, name="all.txt")
    result = cli("validate", "-f", "json", "--rules", "CFDI40143", "--config", conf / "cfdi-ar.toml", "--lrfc", listed, doc)
    assert codes_of(result) == []


@pytest.mark.parametrize("where", ["option", "config"])
def test_an_unusable_lrfc_file_exits_2_naming_it(hermetic, tmp_path, doc, where):
    bad = tmp_path / "bad.txt"
    bad.write_text("nombre,clave\nX,1\n", encoding="utf-8")
    if where == "option":
        result = cli("validate", "--lrfc", bad, doc)
    else:
        (tmp_path / "cfdi-ar.toml").write_text('lrfc = "missing.txt"\n', encoding="utf-8")
        result = cli("validate", "--config", tmp_path / "cfdi-ar.toml", doc)
    assert result.exit_code == 2
    assert ("bad.txt" if where == "option" else "missing.txt") in result.stderr


def test_validate_help_documents_lrfc(hermetic):
    text = cli("validate", "--help").stdout
    assert "--lrfc" in text and "CFDI40143" in text

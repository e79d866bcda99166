"""Conformance with ../shared/corpus: our per-document verdicts against the manifest's independent ones.

``../shared/corpus/MANIFEST.tsv`` records, for every public document of the
corpus, the verdicts of independent checks: ``xsd_valid``, ``sello_valid`` and
``tfd_valid`` (``y``, ``n``, ``n/a``, ``no-cert``). Each CFDI 4.0 row is one
test case comparing them with ``DocumentResult.checks``:

=========== ============= ============ ==========================
manifest     schema        seal         stamp
=========== ============= ============ ==========================
``y``        pass          pass         pass
``n``        fail          fail         fail
``n/a``      —             n/a          n/a (unstamped)
``no-cert``  —             —            unverified (SAT certificate not at hand)
=========== ============= ============ ==========================

Documents are validated with SAT's public test certificates accepted
(``test_certificates=True``) and a stamp-certificate store built in a temporary
folder from ``../shared/sat/tfd-certs`` plus every ``.cer`` of
``../shared/sat/test-csd`` renamed to its SAT serial: several satcfdi documents
are *self-stamped* (the TFD is signed with the issuer's own test CSD), and the
manifest's ``tfd_valid`` assumed that certificate was available.

Where the manifest is wrong, or cfdi-ar's reading legitimately differs, the row
is listed in :data:`MANIFEST_CORRECTIONS` with the reason, and the test asserts
the corrected verdict — nothing is skipped. Rows where cfdi-ar itself is wrong
are strict xfails in :data:`KNOWN_BUGS`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from cfdi_ar import CheckStatus, Settings, validate_paths
from cfdi_ar.findings import DocumentResult, Severity
from cfdi_ar.sat.certs import CertificateError, read_certificate

from .conftest import SHARED, codes, error_codes, shared_available

P, F, U, NA = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.UNVERIFIED, CheckStatus.NOT_APPLICABLE

XSD = {"y": P, "n": F}
SELLO = {"y": P, "n": F, "n/a": NA}
TFD = {"y": P, "n": F, "n/a": NA, "no-cert": U}


@dataclass(frozen=True)
class Row:
    path: str
    version: str
    tipo: str
    stamped: str
    xsd_valid: str
    sello_valid: str
    tfd_valid: str
    notes: str


def _rows() -> list[Row]:
    with (SHARED / "corpus" / "MANIFEST.tsv").open(encoding="utf-8", newline="") as fh:
        return [
            Row(r["path"], r["version"], r["tipo"], r["stamped"], r["xsd_valid"], r["sello_valid"], r["tfd_valid"], r["notes"])
            for r in csv.DictReader(fh, delimiter="\t")
            if r["path"].startswith("corpus/")  # the manifest also lists the certificates under sat/
        ]


def _params(select, *, known_bugs_xfail: bool = True) -> list:  # type: ignore[no-untyped-def]
    """One case per selected row, id'd by path; without ../shared, one case that the ``shared`` fixture skips (or fails)."""
    if not shared_available():
        return [pytest.param(None, id="shared-missing")]
    return [
        pytest.param(row, id=row.path, marks=_marks(row) if known_bugs_xfail else [])
        for row in _rows()
        if select(row)
    ]


# ---------------------------------------------------------------------------- where the manifest is wrong

# path -> the verdicts cfdi-ar must give instead of the manifest's (only the checks that differ).
MANIFEST_CORRECTIONS: dict[str, dict[str, CheckStatus]] = {
    # Manifest: tfd_valid=y. Its own notes say "TFD SelloCFD != Sello": the stamp was made for another
    # document (and FechaTimbrado 2023-03-21 is ~174 days after Fecha 2022-09-28, far beyond SAT's 72
    # hours). "y" only records that SelloSAT verifies over the TFD's own cadena, which it does (no
    # CFDIAR-TFD-004, see test_mysuite_stamp_belongs_to_another_document). The manifest marks the same
    # condition "n" elsewhere (pago_h_and_e951128469_ingreso_iva16.xml, cfdi33-valid.xml): a stamp that
    # is not this document's stamp does not validate this document -> FAIL (CFDIAR-TFD-003).
    "corpus/satcfdi/test_mysuite_stamp.xml": {"stamp": F},
    # Manifest: stamped=n, tfd_valid=n/a. These nodecfdi/cfdi-to-pdf fixtures do carry a
    # tfd:TimbreFiscalDigital — a placeholder with SelloCFD="", SelloSAT="", an all-zero UUID and
    # NoCertificadoSAT=00001000000000000000 (the manifest's "SELF-STAMPED" note only reflects that
    # NoCertificadoSAT equals the document's NoCertificado). A document carrying a stamp is not an
    # unstamped one, and an empty SelloSAT is a signature that verifies under no key: the stamp check
    # must FAIL, whatever certificate the store holds (CFDIAR-TFD-004).
    "corpus/nodecfdi-to-pdf/cfdi40-nomina-compensacion-valid.xml": {"stamp": F},
    "corpus/nodecfdi-to-pdf/cfdi40-nomina-complex-valid.xml": {"stamp": F},
    "corpus/nodecfdi-to-pdf/cfdi40-nomina-valid.xml": {"stamp": F},
}

# path -> why cfdi-ar's verdict is wrong (strict xfail: fixing the bug turns these into failures to update).
# Empty since the empty-SelloSAT stamps of the nomina fixtures are judged FAIL (was UNVERIFIED).
KNOWN_BUGS: dict[str, str] = {}


def _marks(row: Row) -> list:  # type: ignore[type-arg]
    reason = KNOWN_BUGS.get(row.path)
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


def expected_checks(row: Row) -> dict[str, CheckStatus]:
    expected = {"schema": XSD[row.xsd_valid], "seal": SELLO[row.sello_valid], "stamp": TFD[row.tfd_valid]}
    expected.update(MANIFEST_CORRECTIONS.get(row.path, {}))
    return expected


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def stamp_store(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SAT stamp certificates plus SAT's public test certificates, each as ``<serial>.cer``, in a tmp folder.

    Never in the project: the copies live under pytest's temporary directory. The first certificate
    seen for a serial wins (tfd-certs before test-csd): test-csd holds two different AAA010101AAA
    certificates with serial 30001000000300023708, and no CFDI 4.0 of the corpus is stamped with it.
    """
    store = tmp_path_factory.mktemp("sat-certs")
    sources = sorted((shared / "sat" / "tfd-certs").iterdir()) + sorted(
        p for p in (shared / "sat" / "test-csd").rglob("*") if p.is_file() and p.suffix.lower() == ".cer"
    )
    for path in sources:
        try:
            cert = read_certificate(path.read_bytes())
        except (CertificateError, OSError):
            continue  # not a certificate cfdi-ar can read: left out of the store
        if not cert.serial_sat:
            continue
        target = store / f"{cert.serial_sat}.cer"
        if not target.exists():
            target.write_bytes(cert.der)
    assert (store / "00001000000708361114.cer").is_file()  # the PAC certificate of cfdi40-real.xml
    assert (store / "30001000000400002311.cer").is_file()  # the self-stamping test CSD of the satcfdi samples
    return store


@pytest.fixture(scope="module")
def corpus_settings(stamp_store: Path) -> Settings:
    return Settings(test_certificates=True, sat_certs=str(stamp_store))


def _validate(shared: Path, row: Row, settings: Settings) -> DocumentResult:
    report = validate_paths([shared / row.path], settings)
    assert len(report.results) == 1, report.results
    return report.results[0]


# ---------------------------------------------------------------------------- CFDI 4.0: the three verdicts


@pytest.mark.shared
@pytest.mark.parametrize("row", _params(lambda r: r.version == "4.0"))
def test_cfdi40_verdicts_match_the_manifest(shared: Path, corpus_settings: Settings, row: Row) -> None:
    result = _validate(shared, row, corpus_settings)
    assert result.version == "4.0"
    assert not [f for f in result.findings if f.code == "CFDIAR-INTERNAL"], result.findings
    got = {name: result.checks.get(name) for name in ("schema", "seal", "stamp")}
    expected = expected_checks(row)
    assert got == expected, (
        f"{row.path}: manifest xsd={row.xsd_valid} sello={row.sello_valid} tfd={row.tfd_valid} ({row.notes[:160]}); "
        f"findings: {[(f.code, f.message) for f in result.findings]}"
    )
    # The checks agree with the findings behind them.
    if expected["stamp"] is U:
        assert "CFDIAR-TFD-005" in codes(result)
    if expected["stamp"] is NA:
        assert "CFDIAR-TFD-001" in codes(result)
    if expected["schema"] is P and expected["seal"] is P and expected["stamp"] in (P, NA):
        # Not necessarily *valid* (type N is outside AR, test certificates…), but nothing in these checks is an error.
        assert not {"CFDI40102", "CFDIAR-TFD-003", "CFDIAR-TFD-004"} & set(error_codes(result))


@pytest.mark.shared
def test_every_cfdi40_row_is_compared(shared: Path) -> None:
    """The parametrisation above covers every CFDI 4.0 row, and the exception lists name real rows."""
    rows = {r.path: r for r in _rows()}
    cfdi40 = [r for r in rows.values() if r.version == "4.0"]
    assert len(cfdi40) >= 60  # 65 when this test was written
    for path in {**MANIFEST_CORRECTIONS, **KNOWN_BUGS}:
        assert path in rows and rows[path].version == "4.0", path
    assert all((shared / r.path).is_file() for r in rows.values())


@pytest.mark.shared
def test_mysuite_stamp_belongs_to_another_document(shared: Path, corpus_settings: Settings) -> None:
    """Why test_mysuite_stamp.xml is corrected: SelloSAT verifies, but the stamp is another document's."""
    row = next(r for r in _rows() if r.path == "corpus/satcfdi/test_mysuite_stamp.xml")
    result = _validate(shared, row, corpus_settings)
    assert "CFDIAR-TFD-003" in error_codes(result)  # SelloCFD != Sello
    assert "CFDIAR-TFD-004" not in codes(result)  # SelloSAT itself verifies (what the manifest's "y" saw)
    assert "CFDIAR-TFD-007" in error_codes(result)  # stamped months after Fecha
    assert result.checks["seal"] is P and not result.valid


# ---------------------------------------------------------------------------- everything that is not a CFDI 4.0


def _expected_code(row: Row) -> str:
    return "CFDIAR-XML-004" if row.version.startswith("3.") else "CFDIAR-XML-003"


@pytest.mark.shared
@pytest.mark.parametrize("row", _params(lambda r: r.version != "4.0"))
def test_non_cfdi40_documents_are_recognised_and_never_valid(shared: Path, corpus_settings: Settings, row: Row) -> None:
    """CFDI 3.3/3.2 -> CFDIAR-XML-004; retenciones and cancellation requests (not a cfdi:Comprobante) -> CFDIAR-XML-003."""
    result = _validate(shared, row, corpus_settings)
    assert not result.valid
    assert error_codes(result) == [_expected_code(row)], result.findings
    assert not result.checks  # nothing of a CFDI 4.0 was checked
    assert not result.unreadable  # recognised, not an input error
    if row.version.startswith("3."):
        assert result.version == row.version


@pytest.mark.shared
def test_the_whole_corpus_as_one_batch(shared: Path, corpus_settings: Settings) -> None:
    """One run over the corpus folder: every XML is reported once, none crashes, the non-4.0 ones are invalid."""
    rows = {r.path: r for r in _rows()}
    report = validate_paths([shared / "corpus"], corpus_settings)
    by_path = {Path(r.file).resolve(): r for r in report.results}
    assert len(by_path) == len(report.results) == len(rows)
    for path, row in rows.items():
        result = by_path[(shared / path).resolve()]
        assert "CFDIAR-INTERNAL" not in codes(result), (path, result.findings)
        if row.version != "4.0":
            assert error_codes(result) == [_expected_code(row)], path
    assert report.exit_code() == 1


# ---------------------------------------------------------------------------- a real production document


@pytest.mark.shared
def test_real_pac_stamped_cfdi40_is_fully_valid_without_test_certificates(shared: Path) -> None:
    """cfdiutils/cfdi40-real.xml: a production CSD (chains to SAT's CA) and a real PAC stamp verified offline."""
    settings = Settings(sat_certs=str(shared / "sat" / "tfd-certs"))  # test_certificates stays False
    report = validate_paths([shared / "corpus" / "cfdiutils" / "cfdi40-real.xml"], settings)
    [result] = report.results
    assert [f for f in result.findings if f.severity is Severity.ERROR] == []
    assert result.valid and report.exit_code() == 0
    assert result.checks == {"schema": P, "seal": P, "certificate": P, "stamp": P}
    assert result.uuid == "C2832671-DA6D-11EF-A83D-00155D012007"
    assert (result.version, result.type) == ("4.0", "I")
    assert "CFDIAR-CERT-004" not in codes(result)  # not a test certificate

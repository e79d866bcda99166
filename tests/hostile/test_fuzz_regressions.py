"""Every crash the fuzzers found (fuzz/README.md), kept as a named case on its saved input.

Each input is in tests/hostile/crashes/, named after what it broke; each test runs
the real CLI on it and asserts the finding and exit code it gets now, with no traceback.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest

from ._hostile import assert_clean, cli, cli_subprocess, problems

CRASHES = Path(__file__).parent / "crashes"


def _copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copy(CRASHES / name, tmp_path / name))


def test_zip_claiming_version_23_1_is_unreadable_not_a_traceback(tmp_path):
    # fuzz_reader: zipfile.ZipFile() raised NotImplementedError("zip file version 23.1"), which escaped
    # plan() and ended validate and ingest with a traceback.
    archive = _copy(tmp_path, "reader-zip-version-23.1.zip")
    for run in (cli(archive), cli_subprocess(archive)):
        assert_clean(run)
        assert run.exit_code == 2
        [result] = run.results
        assert problems(result) == ["CFDIAR-ZIP-001"]
        assert "zip file version 23.1" in result["findings"][0]["message"]


def test_zip_claiming_version_23_1_is_rejected_by_ingest_and_nothing_is_stored(tmp_path):
    import subprocess
    import sys

    from cfdi_ar.ledger import open_database

    archive = _copy(tmp_path, "reader-zip-version-23.1.zip")
    db = tmp_path / "ledger.db"
    proc = subprocess.run([sys.executable, "-m", "cfdi_ar", "ingest", "--db", str(db), "--rfc", "CDB200115AB7", "-f", "csv",
                           str(archive)], capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout.splitlines()[1].startswith("rejected,"), proc.stdout
    assert "zip file version 23.1" in proc.stdout
    with open_database(db) as ledger:
        assert ledger.scalar("SELECT count(*) FROM documents") == 0


def test_zip_member_with_an_empty_name_is_refused_and_the_others_judged(tmp_path):
    # fuzz_reader: ZipInfo.is_dir() indexes filename[-1], an IndexError on a member named "", which
    # escaped plan(). The other members (encrypted, corrupt, oversized) each keep their own finding.
    archive = _copy(tmp_path, "reader-zip-empty-member-name.zip")
    run = cli(archive)
    assert_clean(run)
    assert run.exit_code == 1
    by_member = {r["file"].split("!", 1)[1]: problems(r) for r in run.results}
    assert by_member[""] == ["CFDIAR-ZIP-002"]
    assert sorted(map(tuple, by_member.values())) == [("CFDIAR-IO-002",), ("CFDIAR-ZIP-001",), ("CFDIAR-ZIP-002",), ("CFDIAR-ZIP-005",)]
    assert run.result("empty-member-name.zip!")["findings"][0]["message"] == "unsafe member name: it is empty; not read"


def test_certificate_with_an_unknown_signature_algorithm_does_not_chain(tmp_path):
    # fuzz_validate: one bit flipped in the signature algorithm OID of a sample's Certificado. Reading
    # signature_hash_algorithm raised UnsupportedAlgorithm inside the chain check: CFDIAR-INTERNAL.
    # The sample's demo CA is kept beside the input: trusted, so the chain check reaches the algorithm.
    doc = _copy(tmp_path, "validate-certificate-unknown-signature-algorithm.xml")
    ca = CRASHES / "validate-certificate-unknown-signature-algorithm.ca.cer"
    run = cli("--trust-ca", str(ca), doc)
    assert_clean(run)
    assert run.exit_code == 1
    result = run.result(doc.name)
    assert problems(result) == ["CFDI40106", "CFDI40119", "CFDIAR-TFD-005"]  # the fuzzer also changed Total
    assert "does not chain" in result["findings"][0]["message"]


def test_certificate_of_a_trusted_ca_with_an_unknown_signature_algorithm_does_not_chain(tmp_path, sealed_invoice, pki, trust):
    # The same case built from scratch: the seal still verifies (the key is unchanged), the chain cannot.
    from cfdi_ar.demo.seal import to_bytes

    der = pki.csd.der
    oid = bytes.fromhex("06092a864886f70d01010b")  # sha256WithRSAEncryption, in tbsCertificate and after it
    assert der.count(oid) == 2
    root = sealed_invoice()
    root.set("Certificado", base64.b64encode(der.replace(oid, bytes.fromhex("06092a864886f70d01017f"))).decode())
    doc = tmp_path / "unknown-algorithm.xml"
    doc.write_bytes(to_bytes(root))
    run = cli(*trust, doc)
    assert_clean(run)
    result = run.result(doc.name)
    assert problems(result) == ["CFDI40106"]
    assert "does not chain" in result["findings"][0]["message"]


def _certificate_bytes_broken(der: bytes, how: str) -> bytes:
    if how == "version-5":  # tbsCertificate version [0] INTEGER 2 (v3) -> 5: InvalidVersion
        at = der.index(bytes([0xA0, 0x03, 0x02, 0x01, 0x02]))
        return der[: at + 4] + b"\x05" + der[at + 5:]
    at = der.index(bytes([0x06, 0x03, 0x55, 0x1D, 0x0F]))  # keyUsage's OID -> basicConstraints': DuplicateExtension
    return der[: at + 4] + b"\x13" + der[at + 5:]


@pytest.mark.parametrize("how", ["version-5", "duplicate-extension"])
def test_certificado_cryptography_refuses_in_other_ways_is_cert_001(tmp_path, make_invoice, pki, trust, how):
    # Found while fixing the case above: cryptography raises InvalidVersion and DuplicateExtension, which are
    # not ValueErrors, so they escaped read_certificate() and every check reading the certificate failed.
    from cfdi_ar.demo.seal import seal, stamp, to_bytes

    root = stamp(seal(make_invoice(), pki.csd), pki.stamp_cert)
    root.set("Certificado", base64.b64encode(_certificate_bytes_broken(pki.csd.der, how)).decode())
    doc = tmp_path / f"{how}.xml"
    doc.write_bytes(to_bytes(root))
    run = cli(*trust, doc)
    assert_clean(run)
    result = run.result(doc.name)
    assert problems(result) == ["CFDIAR-CERT-001"]
    assert ("not a valid X509 version" if how == "version-5" else "Duplicate 2.5.29.19 extension") in result["findings"][0]["message"]


def test_concept_limits_beyond_60_digits_are_a_finding_not_an_internal_error(tmp_path):
    # fuzz_model (hand run of 2026-12-04, ~437,000 inputs in): a sample REP edited to ValorUnitario of 40
    # nines and Importe 1E-31, run with every schema code skipped (--skip), as a user may. SAT's limits
    # then need 71 digits; the 60-digit context raised InvalidOperation: CFDIAR-INTERNAL on CFDI40167.
    from cfdi_ar.rules import all_rules
    from cfdi_ar.rules.registry import Kind

    doc = _copy(tmp_path, "model-importe-limits-beyond-60-digits.xml")
    schema_codes = ",".join(r.code for r in all_rules() if r.kind is Kind.SCHEMA)
    run = cli("--skip", schema_codes, doc)
    assert_clean(run)
    assert run.exit_code == 1
    result = run.result(doc.name)
    assert "CFDIAR-INTERNAL" not in problems(result)
    [limits] = [f for f in result["findings"] if f["code"] == "CFDI40167"]
    assert limits["message"].startswith("Importe 0.0000000000000000000000000000001 is outside "
                                        "[4999999999999999999999999999999999999999.2500000000000000000000000000000")


def test_a_namespace_uri_with_a_brace_is_not_a_cfdi_not_a_traceback(tmp_path):
    # fuzz_validate (hand run of 2026-12-04, ~6.7 million inputs in): xmlns:cfdi="http://www.sat.gob.}x/cfd/4".
    # libxml2 accepts the URI (here, after another namespace warning); lxml then names the root
    # "{http://www.sat.gob.}x/cfd/4}Comprobante" and etree.QName() of it raised ValueError, which
    # escaped validate: one such file ended the whole batch with a traceback.
    doc = _copy(tmp_path, "validate-namespace-uri-with-a-brace.xml")
    for run in (cli(doc), cli_subprocess(doc)):
        assert_clean(run)
        assert run.exit_code == 1
        [result] = run.results
        assert problems(result) == ["CFDIAR-XML-003"]
        assert "{http://www.sat.gob.}x/cfd/4}Comprobante" in result["findings"][0]["message"]


SAMPLE = Path(__file__).parents[2] / "samples" / "credit-notes" / "NC-3001.xml"


@pytest.mark.skipif(not SAMPLE.exists(), reason="needs samples/")
def test_sat_namespaces_with_a_brace_appended_are_other_namespaces_and_the_batch_goes_on(tmp_path):
    # Built from a sample: SAT's CFDI namespace with "}x" appended on the root, and the stamp's, each
    # accepted by libxml2 when another namespace warning (xmlns="x") follows. Never read as SAT's:
    # the root is not a CFDI; the stamp is an unknown complement, so the document is not stamped.
    data = SAMPLE.read_bytes()
    (tmp_path / "a-root.xml").write_bytes(data.replace(b'"http://www.sat.gob.mx/cfd/4"', b'"http://www.sat.gob.mx/cfd/4}x" xmlns="x"', 1))
    (tmp_path / "b-stamp.xml").write_bytes(data.replace(b'"http://www.sat.gob.mx/TimbreFiscalDigital"',
                                                        b'"http://www.sat.gob.mx/TimbreFiscalDigital}x" xmlns="x"'))
    (tmp_path / "c-good.xml").write_bytes(data)
    run = cli("--config", str(SAMPLE.parents[1] / "cfdi-ar.toml"), tmp_path)
    assert_clean(run)
    assert run.exit_code == 1
    assert problems(run.result("a-root.xml")) == ["CFDIAR-XML-003"]
    stamp = run.result("b-stamp.xml")
    assert stamp["uuid"] is None and {"CFDIAR-XSD-002", "CFDIAR-TFD-001"} <= {f["code"] for f in stamp["findings"]}
    assert "unknown namespace http://www.sat.gob.mx/TimbreFiscalDigital}x" in stamp["findings"][0]["message"]
    assert run.result("c-good.xml")["valid"] is True

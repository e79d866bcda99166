"""Certificates: SAT serials, RFCs, CSD vs FIEL, and the chain to SAT's CA."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cfdi_ar import Settings
from cfdi_ar.demo.pki import make_ca, make_csd, make_fiel
from cfdi_ar.sat.certs import CertKind, TrustStatus, read_certificate, sat_trust
from cfdi_ar.sat.der import read_tbs_names

from .conftest import codes, error_codes

UTC = dt.timezone.utc


def test_sat_serial_is_read_as_ascii_digits(pki):
    cert = read_certificate(pki.csd.der)
    assert cert.serial_sat == "30001000000500000101"


def test_rfc_of_a_persona_moral_is_the_part_before_the_slash(pki):
    assert read_certificate(pki.csd.der).rfc == "CDB200115AB7"  # subject says "CDB200115AB7 / HELG850314QW5"


def test_csd_and_fiel_are_told_apart(pki):
    assert read_certificate(pki.csd.der).kind is CertKind.CSD
    assert read_certificate(pki.fiel.der).kind is CertKind.FIEL


def test_the_pac_of_a_stamp_certificate_is_read_from_its_organizational_unit(pki):
    assert read_certificate(pki.stamp_cert.der).pac_rfc == "DPA200101AB1"  # OU "PACDPA200101AB100001"
    assert read_certificate(pki.csd.der).pac_rfc is None  # a CSD's OU names a branch, not a PAC


def test_real_stamp_certificates_name_their_pac(shared):
    pac = read_certificate((shared / "sat/tfd-certs/00001000000708361114.cer").read_bytes())
    assert (pac.organizational_unit, pac.pac_rfc) == ("PACTBN040609RKA55702", "TBN040609RKA")
    sat = read_certificate((shared / "sat/tfd-certs/00001000000504465028.cer").read_bytes())
    assert (sat.organizational_unit, sat.pac_rfc) == ("MEGAPACSAT970701NN301", None)  # SAT's own stamping: no PAC named


def test_a_certificate_without_ou_or_fiel_usages_is_unknown_not_csd():
    ca = make_ca()
    leaf = make_csd(ca, "AAA010101AAA", "X", unit=None)  # type: ignore[arg-type]
    assert read_certificate(leaf.der).kind is CertKind.UNKNOWN


def test_chain_to_a_user_root_is_not_production(pki):
    trust = sat_trust().with_user_roots([read_certificate(pki.ca.der)])
    assert trust.chain(read_certificate(pki.csd.der)).status is TrustStatus.USER_ROOT
    assert sat_trust().chain(read_certificate(pki.csd.der)).status is TrustStatus.UNTRUSTED


def test_chain_model_accepts_a_leaf_issued_while_its_ca_was_valid(pki):
    ca = make_ca(not_before=dt.datetime(2015, 1, 1, tzinfo=UTC), not_after=dt.datetime(2024, 1, 1, tzinfo=UTC))
    leaf = make_csd(ca, "AAA010101AAA", "X", not_before=dt.datetime(2022, 1, 1, tzinfo=UTC), not_after=dt.datetime(2026, 1, 1, tzinfo=UTC))
    trust = sat_trust().with_user_roots([read_certificate(ca.der)])
    assert trust.chain(read_certificate(leaf.der)).status is TrustStatus.USER_ROOT


def test_a_leaf_issued_outside_its_ca_validity_does_not_chain():
    ca = make_ca(not_before=dt.datetime(2015, 1, 1, tzinfo=UTC), not_after=dt.datetime(2020, 1, 1, tzinfo=UTC))
    leaf = make_csd(ca, "AAA010101AAA", "X", not_before=dt.datetime(2022, 1, 1, tzinfo=UTC))
    trust = sat_trust().with_user_roots([read_certificate(ca.der)])
    assert trust.chain(read_certificate(leaf.der)).status is TrustStatus.UNTRUSTED


def test_a_forged_signature_does_not_chain(pki):
    # Same issuer name as the trusted CA, different key: names match, signature does not.
    impostor_ca = make_ca()
    leaf = make_csd(impostor_ca, "CDB200115AB7", "X")
    trust = sat_trust().with_user_roots([read_certificate(pki.ca.der)])
    assert trust.chain(read_certificate(leaf.der)).status is TrustStatus.UNTRUSTED


def test_production_bundle_is_loaded_from_satcfdi():
    names = [c.subject.get("2.5.4.3") for c in sat_trust().production]
    assert any(n and "AGENCIA REGISTRADORA CENTRAL" in n.upper() for n in names)
    assert len(sat_trust().production) >= 10


# --------------------------------------------------------------------------- with SAT's own certificates (../shared)


def _all_cer(shared: Path) -> list[Path]:
    return sorted(p for p in (shared / "sat").rglob("*.cer"))


def test_every_sat_certificate_in_shared_is_readable_even_with_enye_in_the_subject(shared):
    # cryptography refuses these subjects (Ñ or & in a PrintableString); cfdi-ar reads them leniently.
    paths = _all_cer(shared)
    assert len(paths) > 40
    rfcs = {read_certificate(p.read_bytes()).rfc for p in paths}
    assert "HAÑ930228SM9" in rfcs
    assert "H&E951128469" in rfcs


def test_sat_test_certificates_are_recognised_by_issuer_and_serial(shared):
    cert = read_certificate((shared / "sat/test-csd/EKU9003173C9_2023/EKU9003173C9.cer").read_bytes())
    assert cert.serial_sat == "30001000000500003416"
    assert cert.kind is CertKind.CSD
    assert sat_trust().chain(cert).status is TrustStatus.TEST


def test_satcfdi_fake_test_ca_is_not_sat(shared):
    # "AC de pruebas" / "Esto no es un genuino SAT certificado": neither production nor SAT's test CA.
    cert = read_certificate((shared / "sat/test-csd/emisor2021_AAA010101AAA_30001000000300023708.cer").read_bytes())
    assert sat_trust().chain(cert).status is TrustStatus.UNTRUSTED


def test_sat_fiel_is_a_fiel(shared):
    cert = read_certificate((shared / "sat/test-csd/FIEL_AAA010101AAA/certificate.cer").read_bytes())
    assert cert.kind is CertKind.FIEL


def test_real_stamp_certificates_chain_to_sat_production(shared):
    cert = read_certificate((shared / "sat/tfd-certs/00001000000504465028.cer").read_bytes())
    assert sat_trust().chain(cert).status is TrustStatus.PRODUCTION


def test_der_names_keep_their_exact_bytes(shared):
    cert = read_certificate((shared / "sat/test-csd/satcfdi-csd/Personas Morales/hañ930228sm9_csd.cer").read_bytes())
    serial, issuer, subject = read_tbs_names(cert.cert.tbs_certificate_bytes)
    assert serial == cert.serial
    assert issuer.der in cert.cert.tbs_certificate_bytes and subject.der in cert.cert.tbs_certificate_bytes


@pytest.fixture
def real_production_cfdi(shared) -> bytes:
    return (shared / "corpus/cfdiutils/cfdi40-real.xml").read_bytes()


def test_production_cfdi_passes_without_test_certificates(real_production_cfdi, shared, check):
    result = check(real_production_cfdi, Settings(sat_certs=str(shared / "sat/tfd-certs")))
    assert result.valid, result.findings
    assert codes(result) == []


def test_test_certificate_is_an_error_unless_allowed(shared, check):
    data = (shared / "corpus/sw-sdk-python/xml40Stamp.xml").read_bytes()
    strict = check(data, Settings(sat_certs=str(shared / "sat/tfd-certs")))
    assert "CFDI40106" in error_codes(strict)
    [f] = [f for f in strict.findings if f.code == "CFDI40106"]
    assert "--test-certificates" in f.message
    relaxed = check(data, Settings(test_certificates=True, sat_certs=str(shared / "sat/tfd-certs")))
    assert relaxed.valid
    assert "CFDIAR-CERT-004" in codes(relaxed)


def test_fiel_sealed_document_from_satcfdi_is_caught(shared, check):
    # satcfdi's own test documents were sealed with the FIEL of H&E951128469 (30001000000400002460).
    data = (shared / "corpus/satcfdi/h_and_e951128469_ingreso_iva16_stamped.xml").read_bytes()
    result = check(data, Settings(test_certificates=True))
    [f] = [f for f in result.findings if f.code == "CFDI40106"]
    assert "FIEL" in f.message
    assert "CFDI40102" not in codes(result)  # the signature itself verifies


def test_a_fiel_from_our_ca_sealing_a_document(make_invoice, pki, check):
    from cfdi_ar.demo.seal import seal

    fiel = make_fiel(pki.ca, "CDB200115AB7", "X", serial="30001000000500000177")
    assert "CFDI40106" in error_codes(check(seal(make_invoice(), fiel)))

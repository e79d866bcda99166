"""The seal (CFDI40102) and the certificate checks (CFDIAR-CERT-*, CFDI40106)."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes

from cfdi_ar import CheckStatus, Settings
from cfdi_ar.demo.seal import seal, stamp

from .conftest import codes, error_codes


def test_sealed_and_stamped_invoice_is_valid(sealed_invoice, check):
    result = check(sealed_invoice())
    assert result.valid, result.findings
    assert result.checks == {
        "schema": CheckStatus.PASS,
        "seal": CheckStatus.PASS,
        "certificate": CheckStatus.PASS,
        "stamp": CheckStatus.PASS,
    }
    # Chains to the test CA we configured, so it says so (info), and nothing else.
    assert codes(result) == ["CFDIAR-CERT-005"]


def test_payment_receipt_is_valid(sealed_payment, check):
    result = check(sealed_payment())
    assert result.valid, result.findings
    assert result.type == "P"


def test_CFDI40102__total_changed_after_sealing(sealed_invoice, check):
    root = sealed_invoice()
    root.set("Total", "1.00")
    result = check(root)
    assert "CFDI40102" in error_codes(result)
    [f] = [f for f in result.findings if f.code == "CFDI40102"]
    assert f.path == "/cfdi:Comprobante/@Sello"
    assert result.checks["seal"] is CheckStatus.FAIL


def test_CFDI40102__amount_reformatted_is_a_different_cadena(sealed_invoice, check):
    root = sealed_invoice()
    root.set("SubTotal", root.get("SubTotal") + "0")  # 409.00 -> 409.000: same number, different text
    assert "CFDI40102" in error_codes(check(root))


def test_CFDI40102__prefix_and_attribute_order_do_not_matter(sealed_invoice, check):
    from cfdi_ar.demo.seal import to_bytes

    data = to_bytes(sealed_invoice()).replace(b"cfdi:", b"x:").replace(b"xmlns:cfdi=", b"xmlns:x=")
    result = check(data)
    assert "CFDI40102" not in codes(result)
    assert result.valid


def test_CFDI40102__sello_not_base64(sealed_invoice, check):
    root = sealed_invoice(stamped=False)
    root.set("Sello", "not base64 at all!")
    result = check(root)
    [f] = [f for f in result.findings if f.code == "CFDI40102"]
    assert "base64" in f.message


def test_CFDI40102__sha1_seal_is_named(make_invoice, pki, check):
    root = seal(make_invoice(), pki.csd, algorithm=hashes.SHA1())
    [f] = [f for f in check(root).findings if f.code == "CFDI40102"]
    assert "SHA-1" in f.message


def test_CFDIAR_CERT_001__certificado_garbage(sealed_invoice, check):
    root = sealed_invoice(stamped=False)
    root.set("Certificado", base64.b64encode(b"garbage").decode())
    result = check(root)
    assert "CFDIAR-CERT-001" in error_codes(result)
    assert result.checks["certificate"] is CheckStatus.FAIL


def test_CFDIAR_CERT_002__no_certificado_is_not_the_serial(sealed_invoice, check):
    root = sealed_invoice(stamped=False)
    root.set("NoCertificado", "30001000000500009999")
    assert "CFDIAR-CERT-002" in error_codes(check(root))


def test_CFDIAR_CERT_003__certificate_of_another_rfc(make_invoice, pki, check):
    root = seal(make_invoice(), pki.other_csd)
    result = check(root)
    [f] = [f for f in result.findings if f.code == "CFDIAR-CERT-003"]
    assert "OTR010101AB1" in f.message
    assert f.path == "/cfdi:Comprobante/cfdi:Emisor/@Rfc"
    assert "CFDI40102" not in codes(result)  # the seal itself verifies


def test_CFDI40106__fiel_instead_of_csd(make_invoice, pki, check):
    result = check(seal(make_invoice(), pki.fiel))
    [f] = [f for f in result.findings if f.code == "CFDI40106"]
    assert "FIEL" in f.message
    assert "CFDI40102" not in codes(result)


def test_CFDI40106__certificate_expired_at_fecha(make_invoice, pki, check):
    result = check(seal(make_invoice(), pki.expired_csd))
    [f] = [f for f in result.findings if f.code == "CFDI40106"]
    assert "expired" in f.message


def test_CFDI40106__not_yet_valid_at_fecha(make_invoice, pki, check):
    import datetime as dt

    result = check(seal(make_invoice(fecha=dt.datetime(2024, 12, 31, 10, 0, 0)), pki.csd))
    [f] = [f for f in result.findings if f.code == "CFDI40106"]
    assert "before the certificate's validity" in f.message


def test_CFDI40106__self_signed_lookalike_of_sat_is_rejected(make_invoice, pki, check):
    result = check(seal(make_invoice(), pki.rogue_csd))
    [f] = [f for f in result.findings if f.code == "CFDI40106"]
    assert "not issued by SAT" in f.message
    assert "--trust-ca" in f.message  # its issuer names SAT: the message says how to add a real new SAT CA


def test_CFDI40106__untrusted_without_the_configured_ca(sealed_invoice, pki, check):
    result = check(sealed_invoice(), Settings(sat_certs=str(pki.sat_certs)))
    assert "CFDI40106" in error_codes(result)


def test_certificate_validity_uses_the_time_zone_of_lugar_expedicion(make_invoice, pki, check):
    import datetime as dt

    from cfdi_ar.demo.pki import make_csd

    # Valid until 2026-10-05 16:30 UTC. In Querétaro (UTC-6) 10:20 local is 16:20 UTC: inside;
    # 10:40 local is 16:40 UTC: outside. A naive UTC reading would call both valid.
    ends = dt.datetime(2026, 10, 5, 16, 30, tzinfo=dt.timezone.utc)
    csd = make_csd(pki.ca, "CDB200115AB7", "COMERCIALIZADORA DEMO DEL BAJIO", serial="30001000000500000199", not_after=ends)
    inside = check(seal(make_invoice(fecha=dt.datetime(2026, 10, 5, 10, 20, 0)), csd))
    outside = check(seal(make_invoice(fecha=dt.datetime(2026, 10, 5, 10, 40, 0)), csd))
    assert "CFDI40106" not in codes(inside)
    assert "CFDI40106" in codes(outside)


def test_stamp_added_after_sealing_keeps_the_seal(sealed_invoice, pki, check):
    root = sealed_invoice(stamped=False)
    stamp(root, pki.stamp_cert)
    assert check(root).checks["seal"] is CheckStatus.PASS

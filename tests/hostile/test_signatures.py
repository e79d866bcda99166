"""Seal cases issue 6 lists that tests/test_seal_and_certificate.py does not already hold.

Each document is stamped after the Sello is replaced, so the stamp's SelloCFD
agrees with it and the seal is the only thing wrong: exactly CFDI40102.
(The other signature and certificate cases, and where each is proven, are
listed in docs/safety.md.)
"""

from __future__ import annotations

from cfdi_ar.demo.seal import stamp, to_bytes

from ._hostile import assert_refused, assert_valid, cli


def _stamped_with_sello(sealed_invoice, pki, sello: str, **kw) -> bytes:  # type: ignore[no-untyped-def]
    root = sealed_invoice(stamped=False, **kw)
    root.set("Sello", sello)
    return to_bytes(stamp(root, pki.stamp_cert))


def _write(tmp_path, name: str, data: bytes):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_sello_truncated_to_whole_base64_fails_the_seal(tmp_path, sealed_invoice, pki, trust):
    sello = sealed_invoice(stamped=False).get("Sello")
    doc = _write(tmp_path, "truncated.xml", _stamped_with_sello(sealed_invoice, pki, sello[:172]))  # 129 of 256 bytes
    result = assert_refused(cli(*trust, doc), "truncated.xml", "CFDI40102")
    assert result["checks"]["seal"] == "fail"


def test_sello_truncated_mid_base64_fails_the_seal_as_not_base64(tmp_path, sealed_invoice, pki, trust):
    sello = sealed_invoice(stamped=False).get("Sello")
    doc = _write(tmp_path, "truncated-mid.xml", _stamped_with_sello(sealed_invoice, pki, sello[:-3]))
    result = assert_refused(cli(*trust, doc), "truncated-mid.xml", "CFDI40102")
    assert "base64" in result["findings"][0]["message"]


def test_sello_of_another_document_by_the_same_csd_fails_the_seal(tmp_path, sealed_invoice, pki, trust):
    other = sealed_invoice(stamped=False, folio="7777").get("Sello")  # a genuine seal, of another cadena
    good = _write(tmp_path, "good.xml", to_bytes(sealed_invoice()))
    borrowed = _write(tmp_path, "borrowed.xml", _stamped_with_sello(sealed_invoice, pki, other))
    run = cli(*trust, good, borrowed)
    assert_valid(run, "good.xml")
    result = assert_refused(run, "borrowed.xml", "CFDI40102")
    assert result["checks"] == {"schema": "pass", "seal": "fail", "certificate": "pass", "stamp": "pass"}

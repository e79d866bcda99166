"""The stamp: TimbreFiscalDigital 1.1 (CFDIAR-TFD-*)."""

from __future__ import annotations

import datetime as dt

from lxml import etree

from cfdi_ar import CheckStatus, Settings
from cfdi_ar.demo.pki import make_ca, make_stamp_certificate
from cfdi_ar.demo.seal import stamp
from cfdi_ar.namespaces import CFDI40, TFD, q
from cfdi_ar.sat.cadena import cadena_tfd11

from .conftest import codes, error_codes


def _tfd(root: etree._Element) -> etree._Element:
    return root.find(f".//{q(TFD, 'TimbreFiscalDigital')}")


def test_CFDIAR_TFD_001__unstamped_is_info_not_error(sealed_invoice, check):
    result = check(sealed_invoice(stamped=False))
    assert result.valid
    assert "CFDIAR-TFD-001" in codes(result)
    assert result.checks["stamp"] is CheckStatus.NOT_APPLICABLE
    assert result.uuid is None


def test_CFDIAR_TFD_002__two_stamps(sealed_invoice, pki, check):
    root = sealed_invoice()
    stamp(root, pki.stamp_cert)
    assert "CFDIAR-TFD-002" in error_codes(check(root))


def test_CFDIAR_TFD_003__stamp_copied_from_another_document(sealed_invoice, check):
    donor = sealed_invoice(folio="9")
    root = sealed_invoice(stamped=False, folio="10")
    complemento = etree.SubElement(root, q(CFDI40, "Complemento"))
    complemento.append(_tfd(donor))
    result = check(root)
    assert "CFDIAR-TFD-003" in error_codes(result)
    assert result.checks["stamp"] is CheckStatus.FAIL


def test_CFDIAR_TFD_004__fecha_timbrado_changed(sealed_invoice, check):
    root = sealed_invoice()
    _tfd(root).set("FechaTimbrado", "2026-10-05T10:03:00")
    result = check(root)
    [f] = [f for f in result.findings if f.code == "CFDIAR-TFD-004"]
    assert f.path.endswith("tfd:TimbreFiscalDigital/@SelloSAT")


def test_CFDIAR_TFD_004__uuid_lower_cased_after_stamping(sealed_invoice, check):
    root = sealed_invoice()
    tfd = _tfd(root)
    tfd.set("UUID", tfd.get("UUID").lower())
    result = check(root)
    assert "CFDIAR-TFD-004" in error_codes(result)
    assert result.uuid == tfd.get("UUID").upper()  # still keyed in upper case


def test_CFDIAR_TFD_005__stamp_certificate_not_in_store_is_a_warning(sealed_invoice, pki, check):
    settings = Settings(trust_roots=(str(pki.ca_path),))  # no --sat-certs
    result = check(sealed_invoice(), settings)
    assert result.valid
    [f] = [f for f in result.findings if f.code == "CFDIAR-TFD-005"]
    assert f.severity.label == "warning"
    assert "--sat-certs" in f.message
    assert result.checks["stamp"] is CheckStatus.UNVERIFIED


def test_CFDIAR_TFD_005__store_file_with_another_certificate(sealed_invoice, pki, tmp_path, check):
    other = make_stamp_certificate(make_ca("X"), serial="00001000000900000002")
    (tmp_path / f"{pki.stamp_cert.serial_sat}.cer").write_bytes(other.der)  # misnamed file
    result = check(sealed_invoice(), Settings(trust_roots=(str(pki.ca_path),), sat_certs=str(tmp_path)))
    [f] = [f for f in result.findings if f.code == "CFDIAR-TFD-005"]
    assert "not 00001000000900000001" in f.message


def test_CFDIAR_TFD_006__sat_certificate_expired_at_fecha_timbrado(sealed_invoice, pki, tmp_path, check):
    old = make_stamp_certificate(
        make_ca("Y"),
        serial="00001000000900000003",
        not_before=dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc),
        not_after=dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc),
    )
    (tmp_path / f"{old.serial_sat}.cer").write_bytes(old.der)
    root = stamp(sealed_invoice(stamped=False), old)
    result = check(root, Settings(trust_roots=(str(pki.ca_path),), sat_certs=str(tmp_path)))
    assert "CFDIAR-TFD-006" in error_codes(result)
    assert "CFDIAR-TFD-004" not in codes(result)


def test_CFDIAR_TFD_007__stamped_more_than_72_hours_after_fecha(sealed_invoice, pki, check):
    root = stamp(sealed_invoice(stamped=False), pki.stamp_cert, fecha_timbrado=dt.datetime(2026, 10, 8, 10, 1, 0))
    [f] = [f for f in check(root).findings if f.code == "CFDIAR-TFD-007"]
    assert "72" in f.message


def test_CFDIAR_TFD_007__exactly_72_hours_is_allowed(sealed_invoice, pki, check):
    root = stamp(sealed_invoice(stamped=False), pki.stamp_cert, fecha_timbrado=dt.datetime(2026, 10, 8, 10, 0, 0))
    assert "CFDIAR-TFD-007" not in codes(check(root))


def test_CFDIAR_TFD_007__stamped_before_fecha(sealed_invoice, pki, check):
    root = stamp(sealed_invoice(stamped=False), pki.stamp_cert, fecha_timbrado=dt.datetime(2026, 10, 5, 9, 0, 0))
    [f] = [f for f in check(root).findings if f.code == "CFDIAR-TFD-007"]
    assert "before" in f.message


def test_CFDIAR_TFD_009__rfc_prov_certif_not_the_pac_of_the_certificate(sealed_invoice, pki, check):
    root = stamp(sealed_invoice(stamped=False), pki.stamp_cert, rfc_prov_certif="OTR010101AB1")
    assert "CFDIAR-TFD-009" in error_codes(check(root))


def test_tfd_cadena_normalises_spaces_like_the_xslt():
    el = etree.Element(q(TFD, "TimbreFiscalDigital"))
    for k, v in [("Version", "1.1"), ("UUID", " A "), ("FechaTimbrado", "x"), ("RfcProvCertif", "R  B"),
                 ("SelloCFD", "s"), ("NoCertificadoSAT", "n")]:
        el.set(k, v)
    assert cadena_tfd11(el) == b"||1.1|A|x|R B|s|n||"


def test_the_stamp_cadena_from_the_model_equals_the_one_read_from_the_element():
    """rules.timbre.tfd_cadena uses the fragment the model's reader kept, or cadena_tfd11 where
    normalize-space() would change a value: the bytes must be the same either way."""
    import itertools

    from cfdi_ar.model.build import _read_timbre
    from cfdi_ar.rules.timbre import tfd_cadena

    values = [None, "", "1.1", " A ", "R  B", "x\ty", "a\nb", "ñ|é", "\u00a0nbsp", "end ", " "]
    names = ["Version", "UUID", "FechaTimbrado", "RfcProvCertif", "Leyenda", "SelloCFD", "NoCertificadoSAT"]
    checked = 0
    for name, value in itertools.product(names, values):
        el = etree.Element(q(TFD, "TimbreFiscalDigital"))
        for other in names:
            if other != "Leyenda":
                el.set(other, "v")
        if value is None:
            el.attrib.pop(name, None)
        else:
            el.set(name, value)
        assert tfd_cadena(_read_timbre(el)) == cadena_tfd11(el), (name, value)
        checked += 1
    assert checked == len(names) * len(values)


def test_CFDIAR_TFD_004__empty_sello_sat_fails_even_without_the_certificate(sealed_invoice, pki, check):
    root = sealed_invoice()
    _tfd(root).set("SelloSAT", "")
    result = check(root, Settings(trust_roots=(str(pki.ca_path),)))  # no stamp store at all
    assert "CFDIAR-TFD-004" in error_codes(result)
    assert "CFDIAR-TFD-005" not in codes(result)
    assert result.checks["stamp"] is CheckStatus.FAIL

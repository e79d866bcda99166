"""Shared fixtures: a test PKI made with ``cryptography``, document builders, ../shared.

The project's tests build their own certificates and documents, so a fresh
clone passes without ``../shared``. Tests that read ``../shared`` (SAT's test
certificates, the public corpus) use the ``shared`` fixture: they skip where
it is absent, and fail instead when ``CFDI_AR_REQUIRE_SHARED=1`` (set by
``.ci/run``) so CI can never silently skip them.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable

import pytest
from lxml import etree

from cfdi_ar import DocumentResult, Settings, validate_bytes
from cfdi_ar.context import Runtime, runtime_for
from cfdi_ar.io.sources import Loaded
from cfdi_ar.validate import validate_loaded
from cfdi_ar.demo.documents import Line, Party, Payment, invoice, paid_document, payment_receipt
from cfdi_ar.demo.pki import Credential, make_ca, make_csd, make_fiel, make_stamp_certificate
from cfdi_ar.demo.seal import seal, stamp, to_bytes
from cfdi_ar.model import build_comprobante

# Keep the suite hermetic: the lean-catalog cache goes to a fresh folder, not ~/.cache.
os.environ.setdefault("CFDI_AR_CACHE_DIR", tempfile.mkdtemp(prefix="cfdi-ar-test-cache-"))

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
UTC = dt.timezone.utc

EMISOR = Party("CDB200115AB7", "COMERCIALIZADORA DEMO DEL BAJIO", "601", "76000")
RECEPTOR = Party("ALE1503107H2", "ABARROTES LA ESPERANZA", "601", "76100", "G01")
FECHA = dt.datetime(2026, 10, 5, 10, 0, 0)


def shared_available() -> bool:
    return (SHARED / "corpus" / "MANIFEST.tsv").is_file()


@pytest.fixture(scope="session")
def shared() -> Path:
    """Path of ../shared, or skip (fail under CFDI_AR_REQUIRE_SHARED=1) when it is absent."""
    if not shared_available():
        if os.environ.get("CFDI_AR_REQUIRE_SHARED") == "1":
            pytest.fail(f"CFDI_AR_REQUIRE_SHARED=1 but {SHARED} is missing")
        pytest.skip("../shared is not present")
    return SHARED


@dataclass(frozen=True)
class Pki:
    ca: Credential
    csd: Credential  # CDB200115AB7, valid 2025-01-01..2029-01-01
    fiel: Credential  # same RFC, a FIEL
    other_csd: Credential  # another RFC's CSD
    expired_csd: Credential  # valid 2020..2024 only
    stamp_cert: Credential  # the "SAT" stamp certificate, in sat_certs
    rogue_ca: Credential  # self-signed lookalike, never trusted
    rogue_csd: Credential  # right RFC and serial shape, issued by rogue_ca
    folder: Path
    ca_path: Path
    sat_certs: Path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca = make_ca()
    csd = make_csd(ca, EMISOR.rfc, EMISOR.nombre, serial="30001000000500000101", representative="HELG850314QW5")
    fiel = make_fiel(ca, EMISOR.rfc, EMISOR.nombre, serial="30001000000500000102")
    other = make_csd(ca, "OTR010101AB1", "OTRA EMPRESA", serial="30001000000500000103")
    expired = make_csd(ca, EMISOR.rfc, EMISOR.nombre, serial="30001000000500000104",
                       not_before=dt.datetime(2020, 1, 1, tzinfo=UTC), not_after=dt.datetime(2024, 1, 1, tzinfo=UTC))
    stamp_ca = make_ca("DEMO SAT stamp CA")
    stamp_cert = make_stamp_certificate(stamp_ca, serial="00001000000900000001")
    rogue_ca = make_ca("A.C. del Servicio de Administracion Tributaria", organization="SERVICIO DE ADMINISTRACION TRIBUTARIA")
    rogue = make_csd(rogue_ca, EMISOR.rfc, EMISOR.nombre, serial="00001000000500000105")
    ca_path = folder / "demo-ca.cer"
    ca_path.write_bytes(ca.der)
    sat_certs = folder / "sat-certs"
    sat_certs.mkdir()
    (sat_certs / f"{stamp_cert.serial_sat}.cer").write_bytes(stamp_cert.der)
    return Pki(ca, csd, fiel, other, expired, stamp_cert, rogue_ca, rogue, folder, ca_path, sat_certs)


@pytest.fixture(scope="session")
def settings(pki: Pki) -> Settings:
    """Trust the test CA and the test stamp certificate store."""
    return Settings(trust_roots=(str(pki.ca_path),), sat_certs=str(pki.sat_certs))


def sample_lines() -> list[Line]:
    return [
        Line("50161813", Decimal("10"), "H87", "Chocolate de mesa", Decimal("35.50")),
        Line("50202306", Decimal("3"), "H87", "Agua mineral", Decimal("18.00"), iva=Decimal("0")),
    ]


@pytest.fixture
def make_invoice() -> Callable[..., etree._Element]:
    """An unsealed invoice; keyword arguments go to :func:`cfdi_ar.demo.documents.invoice`."""

    def build(**kw) -> etree._Element:  # type: ignore[no-untyped-def]
        kw.setdefault("fecha", FECHA)
        kw.setdefault("folio", "1001")
        lines = kw.pop("lines", None) or sample_lines()
        return invoice(kw.pop("emisor", EMISOR), kw.pop("receptor", RECEPTOR), lines, **kw)

    return build


@pytest.fixture
def sealed_invoice(make_invoice, pki) -> Callable[..., etree._Element]:  # type: ignore[no-untyped-def]
    """A sealed and stamped invoice (each call builds a new one)."""

    def build(*, stamped: bool = True, credential: Credential | None = None, **kw) -> etree._Element:  # type: ignore[no-untyped-def]
        root = seal(make_invoice(**kw), credential or pki.csd)
        return stamp(root, pki.stamp_cert) if stamped else root

    return build


@pytest.fixture
def sealed_payment(sealed_invoice, pki) -> Callable[..., etree._Element]:  # type: ignore[no-untyped-def]
    """A sealed and stamped payment receipt paying part of a fresh invoice."""

    def build(pagado: Decimal = Decimal("200.00")) -> etree._Element:
        inv = build_comprobante(sealed_invoice())
        rep = payment_receipt(
            EMISOR,
            RECEPTOR,
            [Payment(dt.datetime(2026, 10, 20, 12, 0, 0), "03", "MXN", (paid_document(inv, pagado=pagado),))],
            fecha=dt.datetime(2026, 10, 21, 9, 0, 0),
            folio="2001",
        )
        return stamp(seal(rep, pki.csd), pki.stamp_cert)

    return build


@pytest.fixture
def check(settings: Settings) -> Callable[..., DocumentResult]:
    """Validate an element or bytes with the test settings (or others)."""

    def run(doc: etree._Element | bytes, settings_: Settings | None = None, name: str = "doc.xml") -> DocumentResult:
        data = doc if isinstance(doc, bytes) else to_bytes(doc)
        result = validate_bytes(name, data, settings_ or settings)
        # Every document a test checks is also checked with every rule run (no subject skips any): the
        # findings must be the same, or a rule's ``over=`` subject hid one.
        assert validate_ungated(name, data, settings_ or settings).findings == result.findings, "a subject hid a finding"
        return result

    return run


_UNGATED: dict[Runtime, Runtime] = {}


def validate_ungated(name: str, data: bytes, settings: Settings) -> DocumentResult:
    """What :func:`validate_bytes` gives when the engine runs every rule, whatever its ``over=`` subject
    (the same runtime, rules and all, with its plans made again without subjects)."""
    gated = runtime_for(settings)
    runtime = _UNGATED.get(gated)
    if runtime is None:
        runtime = _UNGATED[gated] = gated.ungated()
    return validate_loaded(Loaded(name, data), runtime)


def codes(result: DocumentResult) -> list[str]:
    return [f.code for f in result.findings]


def error_codes(result: DocumentResult) -> list[str]:
    return [f.code for f in result.findings if f.severity.name == "ERROR"]

"""Memory stays flat across a batch of hostile documents, not just bounded for one of them.

Each test validates a batch whose documents each carry a *distinct* large or
unusual value, so anything kept from one document to the next (a cache keyed
by the value, a reference cycle the collector has not reached yet, a finding
quoting megabytes) shows up as peak RSS that grows with the batch. Peak RSS
growth is measured in the CLI's own process (``cli_memory``), once for a batch
of five and once for the whole batch: the difference is what the batch costs.
"""

from __future__ import annotations

import base64
import random
from pathlib import Path
from typing import Callable

import pytest
from lxml import etree

from cfdi_ar import validate_bytes
from cfdi_ar.demo.seal import to_bytes
from cfdi_ar.sat.complements import ALWAYS_LOADED, COMPLEMENT_XSD

from ._hostile import MIB, Run, assert_clean, cli_memory, problems

ROOT = '<?xml version="1.0" encoding="UTF-8"?>\n<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4"'
HEAD = ROOT + ' Version="4.0" TipoDeComprobante="I"'
Make = Callable[[int], bytes]


def _peak_growth(folder: Path, count: int, make: Make) -> tuple[float, Run]:
    folder.mkdir()
    for i in range(count):
        (folder / f"doc-{i:03d}.xml").write_bytes(make(i))
    run = cli_memory(folder)
    assert_clean(run, bound=30)
    assert len(run.results) == count
    return run.extra["rss_mib"], run


def _one_and_many(tmp_path: Path, make: Make, many: int) -> tuple[float, float, Run]:
    """Peak growth for a batch of 5 and for ``many``: both read ahead as far as they can (16 MB), so
    the difference is what the extra documents leave behind."""
    validate_bytes("warm-up.xml", make(0))  # the lean-catalog cache on disk is built before anything is measured
    few, _ = _peak_growth(tmp_path / "few", 5, make)
    peak, run = _peak_growth(tmp_path / "many", many, make)
    return few, peak, run


def _distinct(i: int, size: int, fill: str = "7") -> str:
    return (f"{i + 1}" + fill * size)[:size]


def _total(i: int, der: bytes) -> bytes:
    return f'{HEAD} Total="{_distinct(i, 4 * MIB)}"/>'.encode()


def _garbage_certificado(i: int, der: bytes) -> bytes:
    return f'{HEAD} Certificado="{_distinct(i, 4 * MIB)}"/>'.encode()  # valid base64, not a certificate


def _lugar_expedicion(i: int, der: bytes) -> bytes:
    return f'{HEAD} LugarExpedicion="{_distinct(i, 4 * MIB)}"/>'.encode()  # quoted by CFDI40126's message


def _lugar_expedicion_with_fecha(i: int, der: bytes) -> bytes:  # with a Fecha: its time zone is looked up
    return f'{HEAD} Fecha="2026-10-05T10:00:00" LugarExpedicion="{_distinct(i, 4 * MIB)}"/>'.encode()


def _tipo_de_comprobante(i: int, der: bytes) -> bytes:  # picks the rules to run
    return f'{ROOT} Version="4.0" TipoDeComprobante="{_distinct(i, 4 * MIB)}"/>'.encode()


def _padded_certificado(i: int, der: bytes) -> bytes:  # a real certificate, after 4 MB of distinct whitespace
    text = base64.b64encode(der).decode()
    return f'{HEAD} Certificado="{text[:64]}{" " * (4 * MIB + i)}{text[64:]}"/>'.encode()


@pytest.mark.parametrize(("make", "code"), [
    pytest.param(_total, "CFDI40999", id="total"),
    pytest.param(_garbage_certificado, "CFDIAR-CERT-001", id="garbage-certificado"),
    pytest.param(_lugar_expedicion, "CFDI40126", id="lugar-expedicion"),
    pytest.param(_tipo_de_comprobante, "CFDI40999", id="tipo-de-comprobante"),
    pytest.param(_lugar_expedicion_with_fecha, "CFDI40126", id="lugar-expedicion-with-fecha"),
    pytest.param(_padded_certificado, "CFDI40999", id="padded-certificado"),
])
def test_a_batch_of_distinct_4mb_values_keeps_memory_flat(tmp_path, pki, make, code):
    one, many, run = _one_and_many(tmp_path, lambda i: make(i, pki.csd.der), 25)  # 100 MB of values in all
    assert run.exit_code == 1
    assert all(code in problems(r) for r in run.results)
    assert many < one + 25, (one, many)  # observed: +0 to +20 MiB; kept per document it is +100 MiB or more
    assert max(len(f["message"]) for r in run.results for f in r["findings"]) <= 1000


def _every_attribute(document: etree._Element, size: int) -> Make:
    base = to_bytes(document)

    def make(i: int) -> bytes:
        root = etree.fromstring(base)
        for n, el in enumerate(root.iter()):
            for name in [a for a in el.attrib if not a.startswith("{")]:
                el.set(name, _distinct(i * 1000 + n, size))
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    return make


@pytest.mark.parametrize("kind", ["invoice", "payment"])
def test_every_attribute_distinct_and_large_across_a_batch_keeps_memory_flat(tmp_path, sealed_invoice, sealed_payment, kind):
    document = sealed_invoice() if kind == "invoice" else sealed_payment()
    make = _every_attribute(document, 150_000)  # ~11-13 MB a document, ~250 MB in the batch
    one, many, run = _one_and_many(tmp_path, make, 20)
    assert run.exit_code == 1
    assert many < one + 25, (one, many)  # observed: flat; before the caches were bounded, +300 MiB


def test_a_batch_where_each_document_carries_another_set_of_complements_keeps_memory_bounded(tmp_path):
    # Each set of complements is validated with its own compiled schema (up to ~70 MB each): tiny
    # documents naming empty elements of a different subset of SAT's complements each made the run
    # compile and keep one schema per document (~50 MB a document).
    optional = sorted(set(COMPLEMENT_XSD) - ALWAYS_LOADED)
    rng = random.Random(6)

    def make(i: int) -> bytes:
        chosen = [ns for ns in optional if rng.random() < 0.5] or optional[:1]
        decl = "".join(f' xmlns:c{n}="{ns}"' for n, ns in enumerate(chosen))
        body = "".join(f"<c{n}:X/>" for n in range(len(chosen)))
        return f"{HEAD}{decl}><cfdi:Complemento>{body}</cfdi:Complemento></cfdi:Comprobante>".encode()

    peak, run = _peak_growth(tmp_path / "combos", 40, make)
    assert run.exit_code == 1
    assert all("CFDI40999" in problems(r) for r in run.results)
    assert peak < 450, peak  # observed ~300 MiB: at most MAX_COMPILED schemas; one per document was ~2 GiB
    assert run.seconds < 30


def test_certificate_and_stamp_store_caches_stop_growing_at_their_limit(monkeypatch, pki, tmp_path):
    # A batch of documents each sealed with another certificate, or naming another stamp certificate
    # serial, would otherwise add one entry per document for the whole run.
    import cfdi_ar.sat.certs as certs
    import cfdi_ar.sat.stamps as stamps
    from cfdi_ar.demo.pki import make_csd

    monkeypatch.setattr(certs, "MAX_CACHED_CERTIFICATES", 3)
    monkeypatch.setattr(stamps, "MAX_CACHED_SERIALS", 3)
    trust = certs.sat_trust().with_user_roots([certs.read_certificate(pki.ca.der)])
    leaves = [certs.read_certificate(make_csd(pki.ca, "CDB200115AB7", "X", serial=f"3000100000050000{n:04d}").der) for n in range(6)]
    verdicts = [trust.chain(leaf).status for leaf in leaves]
    assert verdicts == [certs.TrustStatus.USER_ROOT] * 6 and len(trust._cache) == 3
    assert [trust.chain(leaf).status for leaf in leaves] == verdicts  # uncached ones are simply checked again
    store = stamps.StampStore(pki.sat_certs)
    assert [store.get(f"{n:020d}") for n in range(6)] == [None] * 6 and len(store._cache) == 3
    assert store.get(pki.stamp_cert.serial_sat).certificate is not None

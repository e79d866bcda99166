"""Property-based fuzzing: any CFDI-shaped document gets findings, never an exception.

Hypothesis starts from real documents (a sealed, stamped invoice, a REP, a
credit note) and mutates them the way broken and hostile files differ from
good ones: attribute values replaced by arbitrary or hostile text, attributes
removed or added, nodes removed, repeated, moved under another parent or
renamed. Every outcome must be a result with findings:

* nothing raises out of ``validate_bytes`` (nor out of the ledger's
  ``prepare``, the pure step that turns a result into rows);
* no finding is ``CFDIAR-INTERNAL`` (an internal error is a bug);
* every code is a registered rule, and the result matches the JSON report's
  schema.

Each crash found here is kept as a named regression test at the bottom.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from cfdi_ar import Settings, validate_bytes
from cfdi_ar.context import runtime_for
from cfdi_ar.demo.documents import Payment, invoice, paid_document, payment_receipt
from cfdi_ar.demo.pki import make_ca, make_csd, make_stamp_certificate
from cfdi_ar.demo.seal import seal, stamp, to_bytes
from cfdi_ar.io.sources import Loaded
from cfdi_ar.ledger.records import prepare
from cfdi_ar.model import build_comprobante
from cfdi_ar.rules import get as get_rule
from cfdi_ar.validate import inspect_loaded

from ..conftest import EMISOR, FECHA, RECEPTOR, sample_lines

REPORT_SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "validate-report.schema.json"


@functools.cache
def _world(tmp: str) -> tuple[Settings, tuple[bytes, ...]]:
    """Settings trusting a fresh demo PKI, and the seed documents (built once per session)."""
    folder = Path(tmp)
    ca = make_ca()
    csd = make_csd(ca, EMISOR.rfc, EMISOR.nombre, serial="30001000000500000101")
    stamp_cert = make_stamp_certificate(make_ca("DEMO SAT stamp CA"), serial="00001000000900000001")
    (folder / "ca.cer").write_bytes(ca.der)
    (folder / "sat").mkdir(exist_ok=True)
    (folder / "sat" / f"{stamp_cert.serial_sat}.cer").write_bytes(stamp_cert.der)
    inv = stamp(seal(invoice(EMISOR, RECEPTOR, sample_lines(), fecha=FECHA, folio="1"), csd), stamp_cert)
    usd = stamp(seal(invoice(EMISOR, RECEPTOR, sample_lines(), fecha=FECHA, folio="2", moneda="USD",
                             tipo_cambio=Decimal("18.4523"), metodo_pago="PUE", forma_pago="03"), csd), stamp_cert)
    model = build_comprobante(inv)
    note = stamp(seal(invoice(EMISOR, RECEPTOR, sample_lines()[:1], fecha=FECHA, folio="3", tipo="E",
                              related=("01", (model.uuid or "",))), csd), stamp_cert)
    rep = stamp(seal(payment_receipt(EMISOR, RECEPTOR, [
        Payment(dt.datetime(2026, 10, 20, 12), "03", "MXN", (paid_document(model, pagado=Decimal("200.00")),)),
        Payment(dt.datetime(2026, 10, 22, 12), "03", "USD", (paid_document(model, pagado=Decimal("50.00"), num_parcialidad=2,
                                                                          saldo_anterior=model.total - Decimal("200.00")),),
                tipo_cambio=Decimal("18.40")),
    ], fecha=dt.datetime(2026, 10, 23, 9), folio="P1"), csd), stamp_cert)
    settings_ = Settings(trust_roots=(str(folder / "ca.cer"),), sat_certs=str(folder / "sat"))
    return settings_, tuple(to_bytes(d) for d in (inv, usd, note, rep))


@pytest.fixture(scope="module")
def world(tmp_path_factory):  # type: ignore[no-untyped-def]
    return _world(str(tmp_path_factory.mktemp("fuzz-world")))


# Values that broke parsers elsewhere, or that SAT's types treat specially, mixed with arbitrary text.
HOSTILE_VALUES = [
    "", " ", "0", "-0", "-0.00", "+1", "1E+3", "1e-7", "NaN", "-Infinity", "sNaN", "1,234.50", " 12.5 ", "١٢٣",
    "9" * 40, "0." + "0" * 30 + "1", "1" * 400, "2025-02-29T10:00:00", "2026-10-05T24:00:00", "2026-10-05T10:00",
    "2026-10-05T10:00:00-06:00", "0000-00-00T00:00:00", "9999-12-31T23:59:59", "{6F1C1A2B-3D4E-4F50-8A6B-7C8D9E0F1A2B}",
    "6f1c1a2b-3d4e-4f50-8a6b-7c8d9e0f1a2b", "ÑAÑ010101AB1", "A&B010101AB1", "XAXX010101000", "'; DROP TABLE documents;--",
    "I", "E", "P", "N", "T", "MXN", "USD", "XXX", "PPD", "PUE", "99", "01", "02", "03", "4.0", "2.0", "1.1", "3.3",
    "Tasa", "Cuota", "Exento", "002", "0.160000", "1", "-1", "76000", "00000",
]
_XML_TEXT = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff") | st.sampled_from("\t\n\r")
VALUES = st.sampled_from(HOSTILE_VALUES) | st.text(_XML_TEXT, max_size=40) | st.from_regex(r"\A[0-9]{1,25}(\.[0-9]{0,12})?\Z")


def _elements(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter() if isinstance(el.tag, str)]


@st.composite
def mutated(draw: st.DrawFn, seeds: tuple[bytes, ...]) -> bytes:
    root = etree.fromstring(draw(st.sampled_from(seeds)))
    names = sorted({a for el in root.iter() if isinstance(el.tag, str) for a in el.attrib if not a.startswith("{")})
    for _ in range(draw(st.integers(1, 6))):
        els = _elements(root)
        el = draw(st.sampled_from(els))
        op = draw(st.sampled_from(["set", "set", "set", "add", "drop-attr", "drop", "repeat", "move", "rename", "text"]))
        if op == "set" and el.attrib:
            el.set(draw(st.sampled_from(sorted(el.attrib))), draw(VALUES))
        elif op == "add":
            el.set(draw(st.sampled_from(names)), draw(VALUES))
        elif op == "drop-attr" and el.attrib:
            del el.attrib[draw(st.sampled_from(sorted(el.attrib)))]
        elif op == "drop" and el.getparent() is not None:
            el.getparent().remove(el)
        elif op == "repeat" and el.getparent() is not None:
            for _ in range(draw(st.integers(1, 3))):
                el.addnext(copy.deepcopy(el))
        elif op == "move" and el.getparent() is not None:
            target = draw(st.sampled_from([e for e in els if e is not el and el not in e.iterancestors()]))
            target.append(el)
        elif op == "rename":
            other = draw(st.sampled_from(els))
            el.tag = other.tag
        elif op == "text":
            el.text = draw(VALUES)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@functools.cache
def _schema_validator():  # type: ignore[no-untyped-def]
    import jsonschema

    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def check_never_raises(data: bytes, settings_: Settings) -> None:
    """The property: findings, never an exception, never an internal error; a report-schema result."""
    result, ctx = inspect_loaded(Loaded("fuzz.xml", data), runtime_for(settings_))
    internal = [f.message for f in result.findings if f.code == "CFDIAR-INTERNAL"]
    assert internal == [], internal
    for f in result.findings:
        get_rule(f.code)  # every code is a registered rule (raises KeyError otherwise)
    errors = [e.message for e in _schema_validator().iter_errors([result.to_dict()])]
    assert errors == [], errors
    prepare("fuzz.xml", data, result, ctx, frozenset({EMISOR.rfc}))  # the ledger's pure step, too


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_mutated_documents_get_findings_never_an_exception(world, data):
    settings_, seeds = world
    check_never_raises(data.draw(mutated(seeds)), settings_)


@functools.cache
def _without_schema(settings_: Settings) -> Settings:
    """The same settings with every schema code skipped (``--skip``): business rules then run on
    documents SAT's schema would have stopped, and must still only ever report findings."""
    from dataclasses import replace

    from cfdi_ar.rules import all_rules
    from cfdi_ar.rules.registry import Kind

    return replace(settings_, exclude_rules=tuple(r.code for r in all_rules() if r.kind is Kind.SCHEMA))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_mutated_documents_with_the_schema_skipped_get_findings_never_an_exception(world, data):
    settings_, seeds = world
    check_never_raises(data.draw(mutated(seeds)), _without_schema(settings_))


def test_the_seeds_themselves_are_valid(world):
    settings_, seeds = world
    for seed in seeds:
        result = validate_bytes("seed.xml", seed, settings_)
        assert result.valid, [(f.code, f.message) for f in result.findings]

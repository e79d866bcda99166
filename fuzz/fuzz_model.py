"""Coverage-guided, structure-aware fuzzing of the model and the rules.

Byte-level mutations of a CFDI mostly break its XML, so fuzz_validate.py spends its time in
the parser. Here the fuzzer's bytes are *decisions* (atheris' FuzzedDataProvider): which
samples/ document to start from, then a few edits of its tree: set an attribute to a hostile
or arbitrary value, add or drop an attribute, drop, repeat, move or rename an element, set an
element's text. The edited document is validated with the sample settings, and half of the
time with every schema code skipped (--skip), so SAT's business rules run on documents the
schema would have stopped. Same properties as fuzz_validate.py: a result, never an exception,
never CFDIAR-INTERNAL, registered codes only; the ledger's prepare() takes it.

Run: ``python fuzz/fuzz_model.py [libFuzzer options] [CORPUS_DIR ...]``; see fuzz/README.md.
"""

from __future__ import annotations

import copy
import dataclasses
import sys

import atheris

from _common import sample_settings, seed_files

with atheris.instrument_imports(include=["cfdi_ar"]):
    from lxml import etree

    from cfdi_ar.context import runtime_for
    from cfdi_ar.io.sources import Loaded
    from cfdi_ar.ledger.records import prepare
    from cfdi_ar.rules import all_rules
    from cfdi_ar.rules import get as get_rule
    from cfdi_ar.rules.registry import Kind
    from cfdi_ar.validate import inspect_loaded

SEEDS = [p.read_bytes() for p in seed_files(".xml")]
NAMES = sorted({a for s in SEEDS for el in etree.fromstring(s).iter() if isinstance(el.tag, str)
                for a in el.attrib if not a.startswith("{")})
VALUES = [
    "", " ", "0", "-0", "-0.00", "+1", "1E+3", "NaN", "-Infinity", "1,234.50", " 12.5 ", "\u0661\u0662\u0663", "9" * 40,
    "0." + "0" * 30 + "1", "2025-02-29T10:00:00", "2026-10-05T24:00:00", "2026-10-05T10:00", "9999-12-31T23:59:59",
    "0001-01-01T00:00:00", "{6F1C1A2B-3D4E-4F50-8A6B-7C8D9E0F1A2B}", "6f1c1a2b-3d4e-4f50-8a6b-7c8d9e0f1a2b", "\u00d1A\u00d1010101AB1",
    "A&B010101AB1", "XAXX010101000", "XEXX010101000", "I", "E", "P", "N", "T", "MXN", "USD", "XXX", "JPY", "PPD", "PUE",
    "99", "01", "03", "04", "4.0", "2.0", "1.1", "Tasa", "Cuota", "Exento", "001", "002", "003", "0.160000", "1", "-1",
    "76000", "00000", "601", "616", "G03", "S01", "CP01", "1.000000", "0.000001", "999999999999999999.999999",
]
RUNTIMES = (runtime_for(sample_settings()),
            runtime_for(dataclasses.replace(sample_settings(),
                                            exclude_rules=tuple(r.code for r in all_rules() if r.kind is Kind.SCHEMA))))
OURS = frozenset({"CDB200115AB7"})


def _value(fdp: atheris.FuzzedDataProvider) -> str:
    if fdp.ConsumeBool():
        return VALUES[fdp.ConsumeIntInRange(0, len(VALUES) - 1)]
    text = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 60))
    return "".join(c for c in text if c in "\t\n\r" or (c >= " " and c not in "\ufffe\uffff"))


def _pick(fdp: atheris.FuzzedDataProvider, items: list):  # type: ignore[no-untyped-def]
    return items[fdp.ConsumeIntInRange(0, len(items) - 1)]


def edit(fdp: atheris.FuzzedDataProvider) -> bytes:
    root = etree.fromstring(_pick(fdp, SEEDS))
    for _ in range(fdp.ConsumeIntInRange(1, 8)):
        els = [el for el in root.iter() if isinstance(el.tag, str)]
        el = _pick(fdp, els)
        op = fdp.ConsumeIntInRange(0, 8)
        attrs = sorted(a for a in el.attrib if not a.startswith("{"))
        if op <= 2 and attrs:
            el.set(_pick(fdp, attrs), _value(fdp))
        elif op == 3:
            el.set(_pick(fdp, NAMES), _value(fdp))
        elif op == 4 and attrs:
            del el.attrib[_pick(fdp, attrs)]
        elif op == 5 and el.getparent() is not None:
            el.getparent().remove(el)
        elif op == 6 and el.getparent() is not None:
            for _ in range(fdp.ConsumeIntInRange(1, 3)):
                el.addnext(copy.deepcopy(el))
        elif op == 7 and el.getparent() is not None:
            targets = [e for e in els if e is not el and el not in e.iterancestors()]
            if targets:
                _pick(fdp, targets).append(el)
        elif op == 8:
            el.tag = _pick(fdp, els).tag
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def TestOneInput(data: bytes) -> None:  # noqa: N802 - atheris' name
    fdp = atheris.FuzzedDataProvider(data)
    runtime = RUNTIMES[fdp.ConsumeIntInRange(0, 1)]
    document = edit(fdp)
    result, ctx = inspect_loaded(Loaded("fuzz.xml", document), runtime)
    for f in result.findings:
        if f.code == "CFDIAR-INTERNAL":
            raise AssertionError(f"internal error: {f.message}")
        get_rule(f.code)
    result.to_dict()
    if ctx is not None:
        prepare("fuzz.xml", document, result, ctx, OURS)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""Coverage-guided fuzzing of the model and validation: bytes → a result with findings.

Properties checked on every input (the engine and the ledger's pure step):

* ``inspect_loaded`` (what ``validate`` and ``ingest`` run per document) returns a result and
  never raises; no finding is ``CFDIAR-INTERNAL`` (an internal error is a bug); every code is a
  registered rule; a message stays under the 1,000-character cap;
* for a CFDI 4.0, the ledger's ``prepare`` turns the result into rows without raising.

Seeded with samples/ (valid and broken invoices, credit notes and REPs), validated with the
settings of samples/cfdi-ar.toml, so the seed documents are valid and mutations reach the
seal, stamp and business rules. Run: ``python fuzz/fuzz_validate.py [libFuzzer options]
[CORPUS_DIR ...]``; see fuzz/README.md.
"""

from __future__ import annotations

import sys

import atheris

from _common import sample_settings

with atheris.instrument_imports(include=["cfdi_ar"]):
    from cfdi_ar.context import runtime_for
    from cfdi_ar.io.sources import Loaded
    from cfdi_ar.ledger.records import prepare
    from cfdi_ar.rules import get as get_rule
    from cfdi_ar.validate import inspect_loaded

RUNTIME = runtime_for(sample_settings())
OURS = frozenset({"CDB200115AB7"})


def TestOneInput(data: bytes) -> None:  # noqa: N802 - atheris' name
    result, ctx = inspect_loaded(Loaded("fuzz.xml", data), RUNTIME)
    for f in result.findings:
        if f.code == "CFDIAR-INTERNAL":
            raise AssertionError(f"internal error: {f.message}")
        get_rule(f.code)  # KeyError for an unregistered code
        if len(f.message) > 1000:
            raise AssertionError(f"{f.code}: message of {len(f.message)} characters")
    result.to_dict()
    if ctx is not None:
        prepare("fuzz.xml", data, result, ctx, OURS)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""Findings: the engine's fast constructor builds exactly what the dataclass's own does."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, strategies as st

from cfdi_ar.findings import MAX_MESSAGE, MAX_VALUE, Finding, Severity

_TEXT = st.one_of(st.text(max_size=30), st.text(min_size=MAX_VALUE - 2, max_size=MAX_VALUE + 3))
_MAYBE = st.one_of(st.none(), _TEXT)


@given(st.sampled_from(["CFDI40102", "CFDIAR-CERT-005"]), st.sampled_from(list(Severity)),
       st.one_of(_TEXT, st.text(min_size=MAX_MESSAGE - 2, max_size=MAX_MESSAGE + 3)), _MAYBE, _MAYBE,
       st.one_of(st.none(), st.integers(1, 10**6)), _MAYBE, _MAYBE)
def test_make_builds_what_the_constructor_builds(code, severity, message, path, attribute, line, expected, found):
    made = Finding.make(code, severity, message, path, attribute, line, expected, found)
    built = Finding(code, severity, message, path, attribute, line, expected, found)
    assert type(made) is Finding
    assert dataclasses.astuple(made) == dataclasses.astuple(built) and made == built and hash(made) == hash(built)
    assert len(made.message) <= MAX_MESSAGE and all(v is None or len(v) <= MAX_VALUE for v in (made.expected, made.found))


def test_a_made_finding_is_frozen():
    finding = Finding.make("CFDI40102", Severity.ERROR, "m", None, None, None, None, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.code = "other"  # type: ignore[misc]


def test_severity_labels():
    assert [s.label for s in Severity] == ["info", "warning", "error"]


def test_a_result_keeps_a_hostile_version_and_type_to_a_readable_size():
    from cfdi_ar.findings import DocumentResult

    result = DocumentResult("x.xml", version="4" * 10_000, type="I" * (MAX_VALUE + 1))
    assert len(result.version) <= MAX_VALUE and len(result.type) <= MAX_VALUE  # type: ignore[arg-type]
    assert result.version.startswith("4") and "characters" in result.version  # type: ignore[union-attr]
    assert DocumentResult("y.xml", version="4.0", type="I").version == "4.0"

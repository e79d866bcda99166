"""Findings and per-document results: the data every check produces.

A finding is data, never raised. Exceptions are kept for operational failures
(an unreadable configuration, a bad command line); in a batch, even an
unreadable file becomes a finding on that file so one bad input never stops
the others.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Iterable

from .twins import builder_twin

__all__ = ["Severity", "Finding", "CheckStatus", "DocumentResult", "sort_key"]


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, text: str) -> "Severity":
        return cls[text.strip().upper()]


_LABELS = {severity: severity.name.lower() for severity in Severity}  # (Enum.name is a Python-level property)

MAX_MESSAGE = 1000  # characters of a finding's message; longer ones keep their head and tail
MAX_VALUE = 200  # characters of a finding's expected/found value, and of a result's version and type


def shorten(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its head and tail around a note of its length."""
    if len(text) <= limit:
        return text
    note = f" …[{len(text):,} characters]… "
    keep = max(limit - len(note), 2)
    return text[: keep * 3 // 5] + note + text[len(text) - (keep - keep * 3 // 5):]


@dataclass(frozen=True, slots=True)
class Finding:
    """One condition found in one document.

    ``code`` is SAT's code where SAT defines one for the condition (for
    example ``CFDI40102``), else one of the project's own ``CFDIAR-*`` codes
    (``cfdi-ar rules`` lists them all). ``path`` is the XPath of the node,
    with the canonical prefixes of :mod:`cfdi_ar.namespaces`, or ``None``
    when the finding is about the file rather than a node in it.
    """

    code: str
    severity: Severity
    message: str
    path: str | None = None
    attribute: str | None = None
    line: int | None = None
    expected: str | None = None  # the value SAT's rule requires (a number, a range, a catalog value...)
    found: str | None = None  # the value the document carries

    def __post_init__(self) -> None:
        # A finding quotes what the document says, and a document may say megabytes: keep each text to a
        # size a person can read (and a batch of 100,000 results can hold), its head and its tail.
        for name, limit in (("message", MAX_MESSAGE), ("expected", MAX_VALUE), ("found", MAX_VALUE)):
            text = getattr(self, name)
            if text is not None and len(text) > limit:
                object.__setattr__(self, name, shorten(text, limit))

    @classmethod
    def make(cls, code: str, severity: Severity, message: str, path: str | None, attribute: str | None, line: int | None,
             expected: str | None, found: str | None) -> "Finding":
        """``Finding(...)``, positionally, for the engine's hot path: the same object (texts shortened as
        ``__post_init__`` does) for a third of the cost, its slots filled on a builder twin (cfdi_ar/twins.py)."""
        if len(message) > MAX_MESSAGE or (expected is not None and len(expected) > MAX_VALUE) or (
                found is not None and len(found) > MAX_VALUE):
            return cls(code, severity, message, path, attribute, line, expected, found)
        o = _new(_FindingTwin)
        o.code = code
        o.severity = severity
        o.message = message
        o.path = path
        o.attribute = attribute
        o.line = line
        o.expected = expected
        o.found = found
        o.__class__ = cls
        return o  # type: ignore[no-any-return]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.label,
            "message": self.message,
            "path": self.path,
        }
        if self.line is not None:
            out["line"] = self.line
        if self.expected is not None:
            out["expected"] = self.expected
        if self.found is not None:
            out["found"] = self.found
        return out


_new = object.__new__
_FindingTwin = builder_twin(Finding)


class CheckStatus(str, enum.Enum):
    """Outcome of one family of checks (schema, seal, stamp) for one document."""

    PASS = "pass"
    FAIL = "fail"
    UNVERIFIED = "unverified"  # could not be decided offline (e.g. stamp certificate not in the store)
    NOT_APPLICABLE = "n/a"  # nothing to check (e.g. an unstamped document has no stamp)


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """The verdict on one input document."""

    file: str
    findings: tuple[Finding, ...] = ()
    uuid: str | None = None
    version: str | None = None
    type: str | None = None
    checks: dict[str, CheckStatus] = field(default_factory=dict)
    unreadable: bool = False  # the input itself could not be read (exit code 2)

    def __post_init__(self) -> None:
        for name in ("version", "type"):  # the attributes as written: a hostile document's may be megabytes
            text = getattr(self, name)
            if text is not None and len(text) > MAX_VALUE:
                object.__setattr__(self, name, shorten(text, MAX_VALUE))

    @property
    def valid(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "uuid": self.uuid,
            "version": self.version,
            "type": self.type,
            "valid": self.valid,
            "checks": {name: status.value for name, status in self.checks.items()},
            "findings": [f.to_dict() for f in self.findings],
        }


def sort_key(finding: Finding) -> tuple[int, int, str, str]:
    """Deterministic order inside a document: worst first, then document order, then code."""
    return (-int(finding.severity), finding.line or 0, finding.path or "", finding.code)


def sorted_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=sort_key))

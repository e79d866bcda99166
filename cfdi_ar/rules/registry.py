"""The rule registry: every code cfdi-ar can report, and the checks behind them.

A :class:`Rule` is one code: SAT's (``CFDI40102``, ``CRP20244``) where SAT
defines one for the condition, else the project's own (``CFDIAR-AREA-NNN``).
Most rules carry a ``check``: a small function of the document context that
yields :class:`Violation` s (only what it knows: a message, the node, the
attribute); the engine turns them into findings with the rule's code and
severity. Some codes are raised by a stage rather than a function: the
reader (``input``) and SAT's schema (``schema``); they are registered with
``check=None`` so ``cfdi-ar rules`` lists every code that can appear.

Registration is explicit (modules are imported in :mod:`cfdi_ar.rules` in a
fixed order) and a duplicate code is an error at import time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from lxml import etree

from ..findings import Severity

if TYPE_CHECKING:
    from ..context import DocContext

__all__ = ["Kind", "Status", "Rule", "Violation", "Subject", "rule", "register_code", "all_rules", "get", "select", "selected_codes"]


class Kind(str, enum.Enum):
    INPUT = "input"  # raised while reading files and archives
    SCHEMA = "schema"  # enforced by SAT's XSD (and the catalog look-ups standing in for its giant enumerations)
    STRUCTURE = "structure"  # what the document is (CFDI 4.0? which type? which complements?)
    SIGNATURE = "signature"  # the seal and the certificate
    STAMP = "stamp"  # the TimbreFiscalDigital
    BUSINESS = "business"  # SAT's business rules (CFDI40xxx, CRP20xxx matrices)
    EXTERNAL = "external"  # SAT rules that need data from outside the document (LRFC, LCO, FX rates, Confirmacion)


class Status(str, enum.Enum):
    """What ``cfdi-ar rules`` says about a code."""

    IMPLEMENTED = "implemented"  # a check function of cfdi-ar
    SCHEMA = "schema"  # enforced by SAT's XSD (cfdi-ar maps the schema error to the code)
    READER = "reader"  # raised while reading or recognising the input
    EXTERNAL = "needs external data"  # not checkable from the document alone


@dataclass(slots=True)
class Violation:
    """What a check yields. ``element`` defaults to the document root.

    Not frozen: a violation lives only until the engine turns it into a (frozen) Finding, and a frozen
    dataclass sets each field through ``object.__setattr__``, ~0.5 us a violation on the hot path."""

    message: str
    element: etree._Element | None = None
    attribute: str | None = None
    severity: Severity | None = None  # only for checks whose severity depends on settings
    expected: object = None  # what the rule requires (rendered with str())
    found: object = None  # what the document carries


Check = Callable[["DocContext"], "Iterable[Violation] | None"]
Subject = Callable[["DocContext"], bool]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    title: str  # SAT's wording (Spanish) where SAT defines the code, else a short English title
    severity: Severity
    kind: Kind
    check: Check | None = None
    gloss: str = ""  # English explanation
    source: str = ""  # where the rule comes from (SAT matrix, PAC code, RELIABILITY.md ...)
    needs_schema: bool = False  # skip when the document failed SAT's schema (business rules)
    types: frozenset[str] | None = None  # TipoDeComprobante values the rule applies to; None = all
    over: Subject | None = None  # what the rule inspects: when the document has none, the rule cannot fire

    @property
    def implemented_by(self) -> str:
        if self.check is not None:
            return f"{self.check.__module__}.{self.check.__name__}"
        return self.kind.value

    @property
    def status(self) -> Status:
        if self.check is not None:
            return Status.IMPLEMENTED
        if self.kind is Kind.SCHEMA:
            return Status.SCHEMA
        if self.kind is Kind.EXTERNAL:
            return Status.EXTERNAL
        return Status.READER

    def applies_to(self, tipo: str | None) -> bool:
        return self.types is None or tipo in self.types


_REGISTRY: dict[str, Rule] = {}


def _add(r: Rule) -> None:
    if r.code in _REGISTRY:
        raise RuntimeError(f"duplicate rule code {r.code}")
    _REGISTRY[r.code] = r


def rule(
    code: str,
    title: str,
    *,
    kind: Kind,
    severity: Severity = Severity.ERROR,
    gloss: str = "",
    source: str = "",
    needs_schema: bool = False,
    types: Iterable[str] | None = None,
    over: Subject | None = None,
) -> Callable[[Check], Check]:
    """Register the decorated function as the check for ``code``.

    ``types`` limits the rule to documents of those TipoDeComprobante values (the engine does
    not even call it for others); a check may yield its violations or return a list (or None).
    ``over`` names what the check inspects (a subject of :mod:`cfdi_ar.rules.facts`, such as
    ``has_retenciones_concepto``): give it only to a check that can report nothing on a document
    where the subject is false; the engine then skips the check there.
    """

    def register(fn: Check) -> Check:
        _add(Rule(code, title, severity, kind, fn, gloss, source, needs_schema, frozenset(types) if types is not None else None,
                  over))
        return fn

    return register


def register_code(code: str, title: str, *, kind: Kind, severity: Severity = Severity.ERROR, gloss: str = "", source: str = "") -> None:
    """Register a code raised by a stage (the reader, the schema) rather than a check function."""
    _add(Rule(code, title, severity, kind, None, gloss, source))


def all_rules() -> tuple[Rule, ...]:
    """Every rule, in registration order (a new tuple: the registry itself is never handed out)."""
    return tuple(_REGISTRY.values())


def get(code: str) -> Rule:
    return _REGISTRY[code]


def select(include: Iterable[str] = (), exclude: Iterable[str] = ()) -> tuple[Rule, ...]:
    """Rules with a check, optionally limited to ``include`` and without ``exclude``.

    Unknown codes raise ``KeyError`` so a typo on the command line is reported, not ignored.
    """
    inc = {c.strip().upper() for c in include if c.strip()}
    exc = {c.strip().upper() for c in exclude if c.strip()}
    unknown = sorted((inc | exc) - _REGISTRY.keys())
    if unknown:
        raise KeyError(", ".join(unknown))
    return tuple(
        r for r in _REGISTRY.values() if r.check is not None and (not inc or r.code in inc) and r.code not in exc
    )


def selected_codes(include: Iterable[str] = (), exclude: Iterable[str] = ()) -> frozenset[str]:
    """Every code a run may report. Codes of the reader and of document recognition (kinds
    ``input`` and ``structure`` without a check) always stay: they say a document could not be
    validated at all, which no selection may hide."""
    inc = {c.strip().upper() for c in include if c.strip()}
    exc = {c.strip().upper() for c in exclude if c.strip()}
    always = {r.code for r in _REGISTRY.values() if r.check is None and r.kind in (Kind.INPUT, Kind.STRUCTURE)}
    chosen = {r.code for r in _REGISTRY.values() if (not inc or r.code in inc) and r.code not in exc}
    return frozenset(chosen | always)

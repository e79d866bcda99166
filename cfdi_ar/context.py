"""Settings of a run, and the per-document context rules read.

:class:`Settings` is plain, picklable data (what the user asked for); a
:class:`Runtime` holds what is built from it once per process (trust store,
stamp certificate store, selected rules). :class:`DocContext` is one
document: its bytes, its tree, its model, and lazily computed, cached facts
several rules share (the certificate, the cadena, the local time of Fecha).
Rules never do IO beyond what the runtime gives them.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from lxml import etree

from .io.sources import Limits
from .model import Comprobante, build_comprobante
from .sat.catalogs import Catalogs, load_catalogs
from .sat.certs import CertificateError, SatCertificate, Trust, load_certificate_file, read_certificado_attr, sat_trust
from .sat.external import load_lrfc
from .sat.stamps import StampStore
from .sat.timezones import MEXICO_CITY, OFFSET_RANGE, to_utc, zone_for_postal_code
from .sat.xsd import ComplementCensus, SchemaIssue, census, schema_validator

if TYPE_CHECKING:
    from .rules.registry import Rule, Subject

# The engine's plan: groups of (code, check), each with the subject its rules inspect (None: always run).
Plan = tuple[tuple["Subject | None", tuple[tuple[str, Callable[..., object]], ...]], ...]

__all__ = ["Settings", "Runtime", "DocContext", "runtime_for"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Settings:
    """What the user asked for. Picklable: it travels to worker processes."""

    test_certificates: bool = False
    sat_certs: str | None = None
    trust_roots: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    include_rules: tuple[str, ...] = ()
    exclude_rules: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # glob patterns of files and folders to leave out while walking folders
    catalogs_dir: str | None = None  # imported SAT catalogs (default: CFDI_AR_CATALOGS_DIR or the user data folder)
    lrfc: str | None = None  # optional file of SAT's registered RFCs (LRFC); rules needing it check nothing without it


# TipoDeComprobante values whose rule plan is kept: SAT has five, plus the misspellings of a batch. The key
# is the text as written, so a batch of documents each with another (or a megabyte-long) value must not
# grow the cache without end: past this many, or this long, the plan is computed again for the document.
_CACHED_TYPES = 64
_CACHED_TYPE_LENGTH = 8


def _cacheable_type(tipo: str | None) -> bool:
    return tipo is None or len(tipo) <= _CACHED_TYPE_LENGTH


class Runtime:
    """Built once per process from :class:`Settings`."""

    def __init__(self, settings: Settings) -> None:
        from .rules import select  # registers every rule module
        from .rules.registry import selected_codes

        self.settings = settings
        roots = [load_certificate_file(Path(p)) for p in settings.trust_roots]
        self.trust: Trust = sat_trust().with_user_roots(roots) if roots else sat_trust()
        self.stamps = StampStore(settings.sat_certs)
        self.rules: tuple[Rule, ...] = select(settings.include_rules, settings.exclude_rules)
        self.codes: frozenset[str] = selected_codes(settings.include_rules, settings.exclude_rules)
        self.schemas = schema_validator()
        self.catalogs: Catalogs = load_catalogs(settings.catalogs_dir)
        self.lrfc: frozenset[str] | None = load_lrfc(settings.lrfc) if settings.lrfc else None
        self._by_type: dict[str | None, tuple[Rule, ...]] = {}
        self._plans: dict[tuple[str | None, bool], Plan] = {}
        self.gates = True  # skip the rules over a subject the document lacks (see ungated())

    def ungated(self) -> "Runtime":
        """This runtime (its rules, catalogs and certificates) with plans that run every rule whatever its
        subject: what the tests compare the engine's findings against."""
        other = copy.copy(self)
        other._plans = {}
        other.gates = False
        return other

    def rules_for(self, tipo: str | None) -> tuple[Rule, ...]:
        """The selected rules that apply to a TipoDeComprobante, in registration order."""
        try:
            return self._by_type[tipo]
        except KeyError:
            chosen = tuple(r for r in self.rules if r.applies_to(tipo))
            if _cacheable_type(tipo) and len(self._by_type) < _CACHED_TYPES:
                self._by_type[tipo] = chosen
            return chosen

    def plan(self, tipo: str | None, schema_ok: bool) -> Plan:
        """The rules to run on a document of this type: the engine's inner loop, precomputed so it
        does no attribute look-ups per rule (rules that need a schema-valid document are left out
        when the schema failed). Consecutive rules over the same subject (``Rule.over``) form one
        group, which the engine skips in one test when the document lacks the subject; the order
        of the rules is kept."""
        key = (tipo, schema_ok)
        try:
            return self._plans[key]
        except KeyError:
            groups: list[tuple[Subject | None, list[tuple[str, Callable[..., object]]]]] = []
            for r in self.rules_for(tipo):
                if r.check is None or not (schema_ok or not r.needs_schema):
                    continue
                subject = r.over if self.gates else None
                if not groups or groups[-1][0] is not subject:
                    groups.append((subject, []))
                groups[-1][1].append((r.code, r.check))
            plan = tuple((subject, tuple(checks)) for subject, checks in groups)
            if _cacheable_type(tipo) and len(self._plans) < _CACHED_TYPES:
                self._plans[key] = plan
            return plan


@functools.lru_cache(maxsize=8)
def runtime_for(settings: Settings) -> Runtime:
    return Runtime(settings)


class _once:
    """``functools.cached_property`` without the lock Python 3.11 takes on every first read
    (~1 us each, five per document); a DocContext never crosses threads."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


class DocContext:
    """One document under validation."""

    def __init__(self, name: str, data: bytes, root: etree._Element, runtime: Runtime) -> None:
        self.name = name
        self.data = data
        self.root = root
        self.runtime = runtime
        self._memo: dict[str, object] = {}

    def memo(self, key: str, compute: Callable[["DocContext"], T]) -> T:
        """Compute a fact several rules share once per document."""
        try:
            return self._memo[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self._memo[key] = compute(self)
            return value

    @_once
    def model(self) -> Comprobante:
        return build_comprobante(self.root)

    @_once
    def census(self) -> ComplementCensus:
        return census(self.root)

    @_once
    def schema_issues(self) -> list[SchemaIssue]:
        return self.runtime.schemas.validate(self.root, self.census)

    @_once
    def certificate(self) -> SatCertificate | CertificateError | None:
        """The emisor's certificate, the reason it is unreadable, or None when absent."""
        value = self.root.get("Certificado")
        if value is None or not value.strip():
            return None
        try:
            return read_certificado_attr(value)
        except CertificateError as exc:
            # Kept as the answer, so cut it loose: its traceback (and the decoding error it was raised
            # over) holds the frames of this call, with this context and the attribute's text in them,
            # a reference cycle that kept megabytes per document alive until the collector came by.
            exc.__traceback__ = exc.__context__ = exc.__cause__ = None
            return exc

    @_once
    def timbrado_utc(self) -> datetime | None:
        """The stamp's FechaTimbrado, which SAT writes in central Mexico time, as a UTC instant."""
        t = self.model.timbre
        if t is None or t.fecha_timbrado is None:
            return None
        return to_utc(t.fecha_timbrado, MEXICO_CITY)

    @_once
    def fecha_utc(self) -> tuple[datetime, datetime] | None:
        """The instant of ``Fecha`` as a (earliest, latest) UTC range.

        A single instant when ``LugarExpedicion``'s time zone is known; every Mexican
        offset (UTC-5 to UTC-8) otherwise, so a verdict never hinges on a guess.
        """
        local = self.model.fecha
        if local is None:
            return None
        zone = zone_for_postal_code(self.model.lugar_expedicion)
        if zone is not None:
            instant = to_utc(local, zone)
            return instant, instant
        west, east = OFFSET_RANGE
        return to_utc(local, east), to_utc(local, west)

"""SAT's XSD validation, fast.

libxml2 spends milliseconds per document walking the giant catalog
enumerations of ``catCFDI.xsd`` (c_CodigoPostal has ~96,000 values,
c_ClaveProdServ ~53,000) and the big ones of the complement catalogs. cfdi-ar
compiles SAT's official schemas with those enumerations *removed* (the
"lean" schema: every other facet, cardinality and type stays as SAT wrote
it) and checks the removed catalogs itself with set look-ups, built once per
process from the very same catalog files. ``tests/test_xsd_equivalence.py``
proves the verdicts equal the full official schema's.

Which attributes to look up is derived from the schemas themselves (every
attribute declared with a stripped catalog type). A stripped type that any
declaration derives from, or an attribute name whose element carries that
type in one place and another type elsewhere, would make the look-up
ambiguous: such a catalog is simply left in the schema (slower, never wrong).

Schemas are compiled once per process and per set of complement namespaces a
document carries (most batches need one or two sets).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import itertools
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from lxml import etree

from ..namespaces import CFDI40, PAGOS20, namespace_of, q, split_tag
from ..xmltext import collapse
from .cache import cache_key, load_json, store_json
from .complements import ALWAYS_LOADED, BASE_XSD, COMPLEMENT_XSD, UNSUPPORTED_COMPLEMENTS
from .files import LocalOnlyResolver, sat_file, schema_root

__all__ = ["SchemaIssue", "SchemaValidator", "schema_validator", "GIANT_ENUMERATION"]

XS = "http://www.w3.org/2001/XMLSchema"
GIANT_ENUMERATION = 1000  # enumerations this long or longer are looked up in sets
MAX_COMPILED = 4  # compiled schemas kept per process (one per set of complements; batches use one or two)

_TRUSTED_PARSER_KW = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, remove_comments=True)


@dataclass(frozen=True, slots=True)
class SchemaIssue:
    """One XSD violation, with the element and attribute it concerns when known."""

    message: str
    element: etree._Element | None
    attribute: str | None
    line: int | None
    element_tag: str | None  # Clark name from the validator's message


# ---------------------------------------------------------------------------
# Reading SAT's XSD files (trusted: shipped by satcfdi, never taken from input)


def _parse_trusted(path: Path) -> etree._ElementTree:
    parser = etree.XMLParser(**_TRUSTED_PARSER_KW)
    return etree.parse(os.fspath(path), parser)


def _resolve_qname(node: etree._Element, value: str) -> str:
    prefix, _, local = value.rpartition(":")
    ns = node.nsmap.get(prefix or None)
    return q(ns, local) if ns else local


def _is_catalog(path: Path) -> bool:
    return "catalogos" in path.parts


@dataclass(slots=True)
class _LeanCatalog:
    lean_bytes: bytes
    giant: dict[str, frozenset[str]]  # type Clark name -> values


@functools.cache
def _lean_catalog(path: Path, keep: frozenset[str] = frozenset()) -> _LeanCatalog:
    """The catalog XSD with its giant enumerations removed (except types in ``keep``).

    Building it means parsing a 5 MB file (~0.19 s per process), so the result is cached on
    disk, keyed by the SHA-256 of the catalog file itself (see :mod:`.cache`).
    """
    data = path.read_bytes()
    key = cache_key("lean-catalog", hashlib.sha256(data).hexdigest(), str(GIANT_ENUMERATION), *sorted(keep))
    cached = load_json(key)
    if _valid_cached(cached):
        return _LeanCatalog(cached["xsd"].encode("utf-8"), {k: frozenset(v) for k, v in cached["giant"].items()})
    catalog = _build_lean_catalog(path, keep)
    store_json(key, {"xsd": catalog.lean_bytes.decode("utf-8"), "giant": {k: sorted(v) for k, v in catalog.giant.items()}})
    return catalog


def _valid_cached(cached: object) -> bool:
    if not isinstance(cached, dict) or not isinstance(cached.get("xsd"), str) or not isinstance(cached.get("giant"), dict):
        return False
    return all(isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v) for k, v in cached["giant"].items())


def _build_lean_catalog(path: Path, keep: frozenset[str]) -> _LeanCatalog:
    tree = _parse_trusted(path)
    root = tree.getroot()
    tns = root.get("targetNamespace")
    giant: dict[str, frozenset[str]] = {}
    enumeration = q(XS, "enumeration")
    for st in root.iterchildren(q(XS, "simpleType")):
        restriction = st.find(q(XS, "restriction"))
        if restriction is None:
            continue
        name = q(tns, st.get("name", ""))
        if name in keep or len(restriction) < GIANT_ENUMERATION:
            continue
        values = [facet.get("value", "") for facet in restriction if facet.tag == enumeration]
        if len(values) < GIANT_ENUMERATION:
            continue
        giant[name] = frozenset(values)
        # Keep every facet but the enumerations; clear() then re-adding beats removing 95,000 children.
        others = [facet for facet in restriction if facet.tag != enumeration]
        attrib = dict(restriction.attrib)
        restriction.clear()
        restriction.attrib.update(attrib)
        restriction.extend(others)
    return _LeanCatalog(etree.tostring(tree, encoding="utf-8"), giant)


def _closure(start: Path) -> list[Path]:
    """The XSD files ``start`` imports or includes, transitively (itself first)."""
    seen: list[Path] = []
    todo = [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.append(path)
        if _is_catalog(path):
            continue  # catalogs import nothing; skip parsing the big ones twice
        root = _parse_trusted(path).getroot()
        for imp in root.iter(q(XS, "import"), q(XS, "include")):
            loc = imp.get("schemaLocation")
            if not loc:
                continue
            if loc.startswith(("http://", "https://")):
                target = schema_root() / loc.split("://", 1)[1]
            else:
                target = (path.parent / loc).resolve()
            todo.append(Path(os.path.normpath(target)))
    return seen


@dataclass(slots=True)
class _Declarations:
    """attribute -> declared type, per element, across one set of schema documents."""

    attr_types: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    derived_from: set[str] = field(default_factory=set)  # every base="..." type

    def add(self, element: str, attribute: str, type_: str) -> None:
        self.attr_types.setdefault((element, attribute), set()).add(type_)


def _collect_declarations(paths: Iterable[Path]) -> _Declarations:
    decl = _Declarations()
    for path in paths:
        if _is_catalog(path):
            continue
        root = _parse_trusted(path).getroot()
        tns = root.get("targetNamespace")
        qualified = root.get("elementFormDefault") == "qualified"
        named_types = {ct.get("name"): ct for ct in root.iterchildren(q(XS, "complexType"))}
        for node in root.iter(q(XS, "restriction"), q(XS, "extension")):
            base = node.get("base")
            if base:
                decl.derived_from.add(_resolve_qname(node, base))
        for el in root.iter(q(XS, "element")):
            name = el.get("name")
            if not name:
                continue
            is_global = el.getparent() is root
            tag = q(tns, name) if (tns and (qualified or is_global)) else name
            body = el.find(q(XS, "complexType"))
            if body is None and el.get("type"):
                type_name = el.get("type", "").rpartition(":")[2]
                body = named_types.get(type_name)
            if body is None:
                continue
            for attr in body.iter(q(XS, "attribute")):
                # only this element's own attributes, not those of nested element declarations
                owner = attr.getparent()
                while owner is not None and owner.tag != q(XS, "element") and owner is not body:
                    owner = owner.getparent()
                if owner is not body and owner is not el:
                    continue
                aname = attr.get("name")
                if not aname:
                    continue
                atype = attr.get("type")
                decl.add(tag, aname, _resolve_qname(attr, atype) if atype else "(anonymous)")
    return decl


@dataclass(frozen=True, slots=True)
class _Lookup:
    catalog: str  # type Clark name, e.g. {…/catalogos}c_CodigoPostal
    values: frozenset[str]

    @property
    def catalog_name(self) -> str:
        return etree.QName(self.catalog).localname


_collapse = collapse  # XSD whiteSpace="collapse"


class _Compiled:
    """One compiled lean schema plus the catalog look-ups it relies on.

    With ``lean=False`` it is SAT's official schema as is (giant enumerations
    inside libxml2, no look-ups): the reference the tests compare against.
    """

    def __init__(self, namespaces: frozenset[str], lean: bool = True) -> None:
        xsd_paths = [sat_file(BASE_XSD)] + [sat_file(COMPLEMENT_XSD[ns]) for ns in sorted(namespaces)]
        files: list[Path] = []
        for p in xsd_paths:
            for f in _closure(p):
                if f not in files:
                    files.append(f)
        decl = _collect_declarations(files)
        overrides: dict[str, bytes] = {}
        giant: dict[str, frozenset[str]] = {}
        for f in files:
            if not lean or not _is_catalog(f):
                continue
            cat = _lean_catalog(f)
            unsafe = {t for t in cat.giant if t in decl.derived_from or _ambiguous(decl, t)}
            if unsafe:
                cat = _lean_catalog(f, frozenset(unsafe))
            overrides[os.path.normpath(os.fspath(f))] = cat.lean_bytes
            giant.update(cat.giant)
        # element tag -> [(attribute, lookup)]
        self.lookups: dict[str, list[tuple[str, _Lookup]]] = {}
        for (element, attribute), types in decl.attr_types.items():
            for t in types & giant.keys():
                self.lookups.setdefault(element, []).append((attribute, _Lookup(t, giant[t])))
        self._tags = tuple(self.lookups)
        wrapper = etree.Element(q(XS, "schema"), nsmap={"xs": XS})
        for ns, path in [(CFDI40, xsd_paths[0])] + [(ns, sat_file(COMPLEMENT_XSD[ns])) for ns in sorted(namespaces)]:
            etree.SubElement(wrapper, q(XS, "import"), namespace=ns, schemaLocation=path.as_uri())
        parser = etree.XMLParser(**_TRUSTED_PARSER_KW)
        parser.resolvers.add(LocalOnlyResolver(overrides))
        doc = etree.fromstring(etree.tostring(wrapper), parser, base_url=os.fspath(schema_root() / "cfdi-ar-wrapper.xsd"))
        self.schema = etree.XMLSchema(doc)
        self._lock = threading.Lock()

    def validate(self, root: etree._Element) -> list[SchemaIssue]:
        issues: list[SchemaIssue] = []
        with self._lock:  # an XMLSchema's error log is per object
            ok = self.schema.validate(root)
            log = [] if ok else list(self.schema.error_log)
        for entry in log:
            issues.append(_issue_from_log(root, entry))
        if self._tags:
            lookups = self.lookups
            for el in root.iter(*self._tags):
                get = el.get
                for attribute, lookup in lookups[el.tag]:
                    raw = get(attribute)
                    if raw is None:
                        continue  # absence is the schema's business (use="required")
                    values = lookup.values
                    if raw not in values and _collapse(raw) not in values:  # a catalog value as written needs no collapse
                        issues.append(
                            SchemaIssue(
                                f"the value '{raw}' is not in SAT's catalog {lookup.catalog_name}",
                                el,
                                attribute,
                                el.sourceline,
                                el.tag,
                            )
                        )
        return issues


def _ambiguous(decl: _Declarations, type_: str) -> bool:
    for (element, attribute), types in decl.attr_types.items():
        if type_ in types and len(types) > 1:
            return True
    return False


_ENUM_SET = re.compile(r"is not an element of the set \{.*", re.S)
_LOG_HEAD = re.compile(r"^Element '(?P<el>[^']+)'(?:, attribute '(?P<attr>[^']+)')?: (?P<rest>.*)$", re.S)


def _issue_from_log(root: etree._Element, entry) -> SchemaIssue:  # type: ignore[no-untyped-def]
    message = " ".join(str(entry.message).split())
    # libxml2 lists every allowed value (thousands for SAT's catalogs): say it shortly.
    message = _ENUM_SET.sub("is not one of the values SAT's catalog allows", message)
    m = _LOG_HEAD.match(message)
    tag = attr = None
    if m:
        tag, attr = m.group("el"), m.group("attr")
        message = m.group("rest")
        if attr:
            message = f"attribute {attr}: {message}"
        message = f"{split_tag(tag)[1]}: {message}"
    line = entry.line if entry.line and entry.line > 0 else None
    element = _find_element(root, tag, line)
    return SchemaIssue(message, element, attr, line, tag)


def _find_element(root: etree._Element, tag: str | None, line: int | None) -> etree._Element | None:
    if not tag or not tag.startswith("{"):
        return None
    candidates = [el for el in root.iter(tag)]
    if line is not None:
        on_line = [el for el in candidates if el.sourceline == line]
        if on_line:
            return on_line[0]
    return candidates[0] if len(candidates) == 1 else None


# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComplementCensus:
    """What a document carries in cfdi:Complemento and cfdi:ComplementoConcepto."""

    known: frozenset[str]
    unknown: tuple[etree._Element, ...]  # complement elements in namespaces cfdi-ar has no XSD for
    unsupported: tuple[etree._Element, ...]  # SAT complements not valid in CFDI 4.0 (e.g. Pagos 1.0)
    addenda: etree._Element | None
    has_complemento_concepto: bool = False

    def only(self, namespaces: frozenset[str]) -> bool:
        """True when every complement is in ``namespaces`` and no concept carries a ComplementoConcepto."""
        return not (self.unknown or self.unsupported or self.has_complemento_concepto) and self.known <= namespaces


_COMPLEMENTO = q(CFDI40, "Complemento")
_COMPLEMENTO_CONCEPTO = q(CFDI40, "ComplementoConcepto")
_CONCEPTO = q(CFDI40, "Concepto")
_ADDENDA = q(CFDI40, "Addenda")
_CONCEPTOS = q(CFDI40, "Conceptos")


def census(root: etree._Element) -> ComplementCensus:
    known: set[str] = set()
    unknown: list[etree._Element] = []
    unsupported: list[etree._Element] = []
    holders = []
    addenda = None
    for child in root:
        tag = child.tag
        if tag == _COMPLEMENTO:
            holders.append(child)
        elif tag == _CONCEPTOS:
            # one C-level walk of the concepts instead of an iterator per concept
            holders.extend(cc for cc in child.iter(_COMPLEMENTO_CONCEPTO) if cc.getparent().tag == _CONCEPTO)  # type: ignore[union-attr]
        elif tag == _ADDENDA and addenda is None:
            addenda = child
    has_cc = False
    for holder in holders:
        has_cc = has_cc or holder.tag == _COMPLEMENTO_CONCEPTO
        for child in holder:
            if not isinstance(child.tag, str):
                continue
            ns = namespace_of(child.tag)
            if ns in COMPLEMENT_XSD:
                known.add(ns)
            elif ns in UNSUPPORTED_COMPLEMENTS:
                unsupported.append(child)
            else:
                unknown.append(child)
    return ComplementCensus(frozenset(known), tuple(unknown), tuple(unsupported), addenda, has_cc)


class SchemaValidator:
    """Validates CFDI 4.0 documents against SAT's schemas (lean + catalog look-ups).

    ``SchemaValidator(lean=False)`` uses SAT's schemas unmodified (slow; for tests).
    """

    def __init__(self, lean: bool = True) -> None:
        self.lean = lean
        self._compiled: dict[frozenset[str], _Compiled] = {}
        self._used: dict[frozenset[str], int] = {}  # key -> tick of its last use, for eviction
        self._tick = itertools.count()
        self._lock = threading.Lock()

    def compiled(self, namespaces: Iterable[str] = ()) -> _Compiled:
        key = frozenset(namespaces) | ALWAYS_LOADED
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled.get(key)
                if found is None:
                    if len(self._compiled) >= MAX_COMPILED:
                        # Each set of complements is its own compiled schema (up to ~70 MB with Comercio
                        # Exterior's catalogs): a batch whose documents each carry another set must not
                        # keep them all. The least recently used one goes; it is compiled again if needed.
                        oldest = min(self._compiled, key=lambda k: self._used.get(k, -1))
                        del self._compiled[oldest]
                        self._used.pop(oldest, None)
                    found = self._compiled[key] = _Compiled(key, self.lean)
        self._used[key] = next(self._tick)
        return found

    def validate(self, root: etree._Element, found: ComplementCensus | None = None) -> list[SchemaIssue]:
        """XSD issues of ``root``. Unknown complements and the Addenda are not validated
        (SAT validates neither); the caller reports unknown complements."""
        found = found or census(root)
        target = root
        strip = found.unknown + found.unsupported + ((found.addenda,) if found.addenda is not None else ())
        if strip:
            target = copy.deepcopy(root)
            _remove_like(target, root, strip)
        return self.compiled(found.known).validate(target)


def _remove_like(copy_root: etree._Element, original: etree._Element, elements: Iterable[etree._Element]) -> None:
    """Remove from ``copy_root`` the nodes that are ``elements`` in ``original``, matched by their
    position among their parent's children (a deep copy keeps every node, comments and PIs included,
    in place). Not by ``getpath()``: its prefixed steps (``/cfdi:Comprobante/cfdi:Addenda``) cannot be
    evaluated without a prefix map, and an unknown complement's prefix may be declared anywhere."""
    targets = []
    for el in elements:
        steps = []
        node = el
        parent = node.getparent()
        while parent is not None:
            steps.append(parent.index(node))
            node, parent = parent, parent.getparent()
        found = copy_root
        for i in reversed(steps):
            found = found[i]
        targets.append(found)
    for el in targets:
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)


@functools.cache
def schema_validator() -> SchemaValidator:
    """The process-wide validator (compiled schemas are shared)."""
    return SchemaValidator()

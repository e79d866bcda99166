"""Bytes → lxml tree, safely.

Untrusted XML never resolves entities, never loads a DTD, never touches the
network and is never "repaired". A document with any DOCTYPE is refused:
CFDI has none, and refusing it closes every entity trick at once (see
``../shared/RELIABILITY.md`` §1). lxml >= 6.1 is required (CVE-2026-41066).

Parsers are not thread-safe: one parser per thread, created lazily.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from lxml import etree

__all__ = ["XmlRefused", "parse_untrusted", "safe_parser", "DEFAULT_MAX_BYTES"]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

_SAFE_PARSER_KW = dict(
    resolve_entities=False,  # CFDI never needs entities; nothing is expanded
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    attribute_defaults=False,
    huge_tree=False,  # keep libxml2's limits: depth 256, 10 MB text nodes
    recover=False,  # never "repair" untrusted input
    remove_comments=False,
    remove_pis=False,
    strip_cdata=True,
    # Not collect_ids=False: lxml then sets a libxml2 flag that also loads the external DTD
    # subset (a local <!DOCTYPE r SYSTEM "file:..."> was opened before being refused).
    remove_blank_text=False,
)

_local = threading.local()


class _DenyAll(etree.Resolver):
    """Belt and braces: should libxml2 ever try to load anything, it gets nothing."""

    def resolve(self, url, pubid, context):  # type: ignore[no-untyped-def]
        return self.resolve_string("", context)


def safe_parser() -> etree.XMLParser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(**_SAFE_PARSER_KW)
        parser.resolvers.add(_DenyAll())
    return parser


@dataclass(frozen=True, slots=True)
class XmlRefused(Exception):
    """The bytes are not a document cfdi-ar will read. ``code`` is a CFDIAR code."""

    code: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return self.message


def parse_untrusted(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse ``data`` (bytes only) with the hardened parser, or raise :class:`XmlRefused`."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("parse_untrusted() takes bytes, not str: the encoding declaration must be honoured")
    if len(data) > max_bytes:
        raise XmlRefused("CFDIAR-IO-002", f"document is {len(data):,} bytes, over the {max_bytes:,}-byte limit; not read")
    if not data.strip():
        raise XmlRefused("CFDIAR-XML-001", "the file is empty")
    try:
        root = etree.fromstring(bytes(data), safe_parser())
    except etree.XMLSyntaxError as exc:
        if _declares_doctype(data):  # e.g. billion laughs: libxml2 stops it, but the cause is the DTD
            raise _doctype_refused() from None
        line = exc.lineno if exc.lineno and exc.lineno > 0 else None
        raise XmlRefused("CFDIAR-XML-001", f"not well-formed XML: {_clean(exc.msg)}", line) from None
    except (ValueError, LookupError) as exc:  # unknown or inconsistent encoding declarations
        raise XmlRefused("CFDIAR-XML-001", f"cannot decode the document: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _doctype_refused()
    return root


_MARKERS = ("<!DOCTYPE", "<!ENTITY")
_MARKERS_BY_ENCODING = {enc: tuple(m.encode(enc) for m in _MARKERS)
                        for enc in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")}
# The encoding family a document's first bytes announce (XML 1.0 Appendix F, as libxml2 reads them).
_SIGNATURES = (
    (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"),
)


def _declares_doctype(data: bytes) -> bool:
    """Whether the bytes declare a DTD, however far in (a prolog can hold megabytes of comments
    before it), in the encoding family the first bytes announce. Searching every family's markers
    in every document took ~1 s for 20 MB of NUL bytes: the big-endian markers begin with NUL."""
    raw = bytes(data)
    encoding = next((enc for sig, enc in _SIGNATURES if raw.startswith(sig)), "ascii")
    return any(marker in raw for marker in _MARKERS_BY_ENCODING[encoding])


def _doctype_refused() -> XmlRefused:
    return XmlRefused(
        "CFDIAR-XML-002",
        "the document has a DOCTYPE (DTD or entity declarations); CFDI has none and cfdi-ar never processes them",
    )


def _clean(msg: str | None) -> str:
    if not msg:
        return "syntax error"
    return " ".join(msg.split())

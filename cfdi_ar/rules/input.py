"""Codes raised while reading inputs (:mod:`cfdi_ar.io`): files, archives, XML."""

from __future__ import annotations

from ..findings import Severity
from .registry import Kind, register_code

_I = Kind.INPUT

register_code("CFDIAR-IO-001", "Input cannot be read", kind=_I, gloss="The file, folder or archive could not be opened (missing, permission denied); the run exits with code 2.")
register_code("CFDIAR-IO-002", "Document over the size limit", kind=_I, gloss="Refused before parsing: larger than the configured limit (default 20 MB; --max-size).")
register_code("CFDIAR-XML-001", "Not well-formed XML", kind=_I, gloss="The bytes are not XML (syntax error, bad encoding, empty file, nesting deeper than 256); never repaired.")
register_code("CFDIAR-XML-002", "DOCTYPE refused", kind=_I, gloss="The document declares a DTD or entities. CFDI has none; cfdi-ar never expands entities or loads DTDs.")
register_code("CFDIAR-ZIP-001", "Archive or member unreadable", kind=_I, gloss="The ZIP is corrupt or truncated, or a member fails its CRC or uses an unsupported method.")
register_code("CFDIAR-ZIP-002", "Unsafe member name", kind=_I, gloss="Path traversal ('..'), absolute path, drive letter, backslash or NUL in a member name; the member is not read.")
register_code("CFDIAR-ZIP-003", "Member larger than its header says", kind=_I, gloss="The member holds more bytes than its directory entry declares (a lie that hides ZIP bombs); reading stops at the size cap.")
register_code("CFDIAR-ZIP-004", "Suspicious compression ratio", kind=_I, gloss="The member compresses better than 100:1 (a ZIP bomb, most likely); not read.")
register_code("CFDIAR-ZIP-005", "Encrypted member", kind=_I, gloss="Encrypted members are not read.")
register_code("CFDIAR-ZIP-006", "Duplicate member name", kind=_I, gloss="Two members share a name; rather than silently taking the last, the duplicate is reported and not read.")
register_code("CFDIAR-ZIP-007", "Symbolic link member", kind=_I, gloss="Symlink members are not followed or read.")
register_code("CFDIAR-ZIP-008", "Nested archive", kind=_I, severity=Severity.WARNING, gloss="A ZIP inside a ZIP is not opened; extract it and validate it on its own.")
register_code("CFDIAR-ZIP-009", "Archive too large", kind=_I, gloss="Too many members or too many bytes in total; the rest of the archive is not read.")
register_code("CFDIAR-INTERNAL", "Internal error in a check", kind=_I, gloss="A check failed unexpectedly on this document. Please report it with the document (or its structure).")

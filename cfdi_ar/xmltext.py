"""Text normalisation, one way each: XML whitespace collapse, and accent folding.

XSD's ``whiteSpace collapse`` and XPath's ``normalize-space()`` do the same thing:
runs of #x20, #x9, #xD, #xA become one space, and leading/trailing ones go. Other
Unicode spaces (NBSP, em space...) are *not* whitespace here.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["collapse", "strip_accents"]

_XML_WS = re.compile(r"[ \t\r\n]+")


def collapse(value: str) -> str:
    # Fast path: most values need nothing, and this runs for many attributes of every document.
    if "  " in value or "\t" in value or "\n" in value or "\r" in value or value[:1] == " " or value[-1:] == " ":
        return _XML_WS.sub(" ", value).strip(" ")
    return value


def strip_accents(text: str) -> str:
    """Text without combining marks ("Nómina" → "Nomina"), for comparing names SAT spells several ways."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))

"""XML whitespace, the one way cfdi-ar collapses it.

XSD's ``whiteSpace collapse`` and XPath's ``normalize-space()`` do the same thing:
runs of #x20, #x9, #xD, #xA become one space, and leading/trailing ones go. Other
Unicode spaces (NBSP, em space...) are *not* whitespace here.
"""

from __future__ import annotations

import re

__all__ = ["collapse"]

_XML_WS = re.compile(r"[ \t\r\n]+")


def collapse(value: str) -> str:
    # Fast path: most values need nothing, and this runs for many attributes of every document.
    if "  " in value or "\t" in value or "\n" in value or "\r" in value or value[:1] == " " or value[-1:] == " ":
        return _XML_WS.sub(" ", value).strip(" ")
    return value

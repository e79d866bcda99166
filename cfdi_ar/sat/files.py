"""SAT's official files, as shipped in the installed satcfdi package.

satcfdi mirrors SAT's site layout under ``satcfdi/transform/schemas``
(``www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd`` and so on), so a SAT URL
maps to a local file by dropping the scheme. Nothing here ever touches the
network: :class:`LocalOnlyResolver` serves SAT URLs from disk and refuses
every other ``http:``, ``https:`` or ``ftp:`` URL, so a schema import or an
``xsl:include`` can never be fetched at run time (``RELIABILITY.md`` §1.3).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

from lxml import etree

__all__ = ["satcfdi_root", "schema_root", "sat_file", "LocalOnlyResolver", "SatFilesMissing", "RemoteFetchRefused"]


class SatFilesMissing(RuntimeError):
    """The installed satcfdi does not carry a file cfdi-ar needs."""


class RemoteFetchRefused(RuntimeError):
    """A schema or stylesheet asked for a non-SAT remote URL."""


@functools.cache
def satcfdi_root() -> Path:
    # find_spec does not execute satcfdi's __init__; we only need its data files.
    spec = importlib.util.find_spec("satcfdi")
    if spec is None or not spec.submodule_search_locations:
        raise SatFilesMissing("the satcfdi package is not installed; run: pip install satcfdi")
    return Path(list(spec.submodule_search_locations)[0])


def schema_root() -> Path:
    return satcfdi_root() / "transform" / "schemas"


def sat_file(relative: str) -> Path:
    """Path of a SAT file given its URL path (``www.sat.gob.mx/sitio_internet/...``)."""
    path = schema_root() / relative
    if not path.is_file():
        raise SatFilesMissing(f"{relative} is not in the installed satcfdi ({schema_root()}); reinstall satcfdi")
    return path


def production_ca_zip() -> Path:
    path = satcfdi_root() / "transform" / "CertsProd.zip"
    if not path.is_file():
        raise SatFilesMissing(f"SAT's production CA bundle is missing from satcfdi ({path})")
    return path


_REMOTE = ("http://", "https://", "ftp://")


class LocalOnlyResolver(etree.Resolver):
    """Serve SAT URLs from the local copy; refuse any other remote URL.

    ``overrides`` maps a local file path (as libxml2 reports it) to replacement
    bytes; the schema compiler uses it to serve lean catalogs.
    """

    def __init__(self, overrides: dict[str, bytes] | None = None) -> None:
        super().__init__()
        self.overrides = dict(overrides or {})

    def resolve(self, url, pubid, context):  # type: ignore[no-untyped-def]
        if url is None:
            return None
        local = url
        lower = url.lower()
        if lower.startswith(_REMOTE):
            host_path = url.split("://", 1)[1]
            if not host_path.startswith("www.sat.gob.mx/"):
                raise RemoteFetchRefused(f"refusing to fetch {url}: cfdi-ar never uses the network")
            local = os.fspath(schema_root() / host_path)
        elif lower.startswith("file://"):
            local = url[len("file://"):]
        override = self.overrides.get(os.path.normpath(local))
        if override is not None:
            return self.resolve_string(override, context, base_url=local)
        if local != url:
            return self.resolve_filename(local, context)
        return None

"""The on-disk cache of lean catalogs gives exactly what building them gives, and never breaks a run."""

from __future__ import annotations

import json

from cfdi_ar.sat import xsd
from cfdi_ar.sat.files import sat_file

CATALOG = "www.sat.gob.mx/sitio_internet/cfd/catalogos/catCFDI.xsd"


def _build(monkeypatch, folder):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CFDI_AR_CACHE_DIR", str(folder) if folder is not None else "")
    return xsd._lean_catalog.__wrapped__(sat_file(CATALOG))  # bypass the in-process cache


def test_cached_lean_catalog_equals_a_fresh_build(monkeypatch, tmp_path):
    fresh = _build(monkeypatch, None)
    first = _build(monkeypatch, tmp_path)  # builds and stores
    assert list(tmp_path.glob("lean-catalog-*.json"))
    second = _build(monkeypatch, tmp_path)  # loads
    assert fresh.lean_bytes == first.lean_bytes == second.lean_bytes
    assert fresh.giant == first.giant == second.giant
    assert len(second.giant["{http://www.sat.gob.mx/sitio_internet/cfd/catalogos}c_CodigoPostal"]) > 90_000


def test_a_damaged_cache_entry_is_ignored(monkeypatch, tmp_path):
    _build(monkeypatch, tmp_path)
    [entry] = tmp_path.glob("lean-catalog-*.json")
    entry.write_text(json.dumps({"xsd": 1, "giant": "nope"}))
    rebuilt = _build(monkeypatch, tmp_path)
    assert rebuilt.giant and b"c_CodigoPostal" in rebuilt.lean_bytes
    entry.write_bytes(b"\x00not json")
    assert _build(monkeypatch, tmp_path).giant == rebuilt.giant


def test_an_unwritable_cache_folder_is_not_an_error(monkeypatch, tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    assert _build(monkeypatch, blocker / "sub").giant

"""A small on-disk cache for facts derived from SAT's files (never from input documents).

Where: ``$CFDI_AR_CACHE_DIR``, else ``$XDG_CACHE_HOME/cfdi-ar``, else ``~/.cache/cfdi-ar``
(created 0700). Entries are JSON (never pickle), written atomically, keyed by a hash of
everything they derive from (file contents, cfdi-ar's version), so a stale entry is never
read. Any problem (no home, read-only disk, a damaged entry) silently means "no cache":
the caller recomputes. Set ``CFDI_AR_CACHE_DIR=`` (empty) to turn the cache off.

Trust: an entry shapes the schema cfdi-ar compiles, so the cache folder deserves the same
protection as the Python environment cfdi-ar runs from.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "cache_key", "load_json", "store_json"]

_FORMAT = "1"


def cache_dir() -> Path | None:
    explicit = os.environ.get("CFDI_AR_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if base.startswith("~"):
        return None  # no home directory
    return Path(base) / "cfdi-ar"


def cache_key(*parts: str) -> str:
    from .. import __version__

    digest = hashlib.sha256("\x00".join((_FORMAT, __version__, *parts)).encode("utf-8")).hexdigest()
    return f"{parts[0]}-{digest[:32]}.json"


def load_json(key: str) -> Any:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        with open(folder / key, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def store_json(key: str, value: Any) -> None:
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(value, fh, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, folder / key)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return

"""The configuration file: ``cfdi-ar.toml``.

Where it is looked for, first found wins: ``--config FILE``; the
``CFDI_AR_CONFIG`` environment variable; ``cfdi-ar.toml`` in the current
folder; ``$XDG_CONFIG_HOME/cfdi-ar/config.toml`` (``~/.config/...``).
Relative paths inside it are relative to the file. Command-line options win
over environment variables, which win over the file.

Keys (all optional)::

    sat_certs = "sat-certs"          # folder of SAT stamp certificates, named by serial
    test_certificates = false        # accept SAT's public test certificates (with a warning)
    trust_ca = ["my-pac-test-ca.cer"]  # extra CA certificates to accept as issuers of CSDs
    max_size_mb = 20                 # refuse documents larger than this
    lrfc = "lrfc.txt"                # SAT's registered RFCs (optional): turns on CFDI40143 and CRP20222
    jobs = 1                         # worker processes for validate
    db = "cfdi-ar.db"                # the ledger: an SQLite file, or postgresql://user@host/dbname
    rfc = ["CDB200115AB7"]           # the company's RFC(s): documents it issued are accounts receivable
    terms = "terms.csv"              # customers' days of credit (rfc,days[,name]) for aging and KPIs
    default_days = 30                # days of credit when CondicionesDePago and the terms file say nothing
    buckets = [0, 30, 60, 90, 120]   # aging bucket edges, in days past due
    provision = [0, 1, 5, 10, 25, 50]  # bad-debt provision, % per aging bucket (kpis)
    rep_deadline_day = 5             # a REP is on time when issued by this day of the month after the payment
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ConfigError", "Config", "find_config", "load_config"]

ENV_CONFIG = "CFDI_AR_CONFIG"
FILE_NAME = "cfdi-ar.toml"

_KEYS: dict[str, type | tuple[type, ...]] = {
    "sat_certs": str,
    "test_certificates": bool,
    "trust_ca": list,
    "max_size_mb": (int, float),
    "jobs": int,
    "lrfc": str,
    "catalogs": str,
    "exclude": list,
    "db": str,
    "rfc": list,
    # month-end close (aging, kpis, close-check); values are checked by the commands that use them
    "terms": str,
    "default_days": int,
    "buckets": list,
    "provision": list,
    "rep_deadline_day": int,
}
_PATH_KEYS = {"sat_certs", "lrfc", "catalogs", "terms"}
_PATH_LIST_KEYS = {"trust_ca"}


class ConfigError(ValueError):
    """The configuration file is unreadable or holds an unknown or mistyped key."""


@dataclass(frozen=True, slots=True)
class Config:
    values: dict[str, Any]
    source: Path | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def find_config(explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Path | None:
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env)
    here = (cwd or Path.cwd()) / FILE_NAME
    if here.is_file():
        return here
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    user = Path(xdg) / "cfdi-ar" / "config.toml"
    return user if user.is_file() else None


def load_config(explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Config:
    path = find_config(explicit, cwd)
    if path is None:
        return Config({})
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from None
    values: dict[str, Any] = {}
    base = path.parent
    for key, value in raw.items():
        expected = _KEYS.get(key)
        if expected is None:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{path}: unknown key {key!r} (known keys: {known})")
        if not isinstance(value, expected) or (expected in (int, (int, float)) and isinstance(value, bool)):
            raise ConfigError(f"{path}: {key} has the wrong type ({type(value).__name__})")
        if key == "db" and not value.startswith(("postgresql://", "postgres://")):
            value = str(base / value)  # an SQLite file, relative to this file; a URL stays as written
        elif key == "rfc" and not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: rfc must be a list of RFCs, e.g. rfc = [\"AAA010101AAA\"]")
        elif key in _PATH_KEYS:
            value = str(base / value)
        elif key in _PATH_LIST_KEYS:
            if not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: {key} must be a list of paths")
            value = [str(base / v) for v in value]
        values[key] = value
    return Config(values, path)

"""Local time of a CFDI: ``Fecha`` has no offset.

SAT's filling guide says ``Fecha`` is the local time where the document was
issued (``LugarExpedicion``); ``FechaTimbrado`` is central Mexico time. The
time zone of a postal code comes from SAT's c_CodigoPostal catalog (its
"huso horario" column) in satcfdi's catalog database, read-only. Conversion
uses :mod:`zoneinfo` (never pytz ``replace(tzinfo=...)``, which yields the
LMT offset −06:37).
"""

from __future__ import annotations

import functools
import pickle
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from .files import satcfdi_root

__all__ = ["zone_for_postal_code", "to_utc", "MEXICO_CITY", "OFFSET_RANGE"]

MEXICO_CITY = ZoneInfo("America/Mexico_City")
# Every Mexican civil time, with and without daylight saving: UTC-5 (Cancún) to UTC-8 (Tijuana, winter).
OFFSET_RANGE = (timezone(timedelta(hours=-8)), timezone(timedelta(hours=-5)))

_HUSOS = {
    "Tiempo del Centro": "America/Mexico_City",
    "Tiempo del Centro en Frontera": "America/Matamoros",  # border strip: follows US daylight saving
    "Tiempo del Noroeste": "America/Tijuana",
    "Tiempo del Pacífico": "America/Mazatlan",
    "Tiempo del Sureste": "America/Cancun",
}

_local = threading.local()


def _connection() -> sqlite3.Connection | None:
    conn = getattr(_local, "conn", None)
    if conn is None:
        path = satcfdi_root() / "catalogs" / "catalogs.db"
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        except sqlite3.Error:
            return None
        _local.conn = conn
    return conn


def zone_for_postal_code(postal_code: str | None) -> ZoneInfo | None:
    """The time zone of a c_CodigoPostal value, or None when unknown."""
    if not postal_code or len(postal_code) != 5 or not postal_code.isdigit():
        return None  # before the cache: it is keyed by the text, which may be megabytes of anything
    return _zone_for_postal_code(postal_code)


@functools.lru_cache(maxsize=4096)
def _zone_for_postal_code(postal_code: str) -> ZoneInfo | None:
    conn = _connection()
    if conn is None:
        return None
    try:
        row = conn.execute(
            "SELECT value FROM C756_c_CodigoPostal WHERE key = ?", (pickle.dumps(postal_code, protocol=4),)
        ).fetchone()
    except sqlite3.Error:
        return None
    if row is None:
        return None
    # The database is satcfdi's own package data (trusted), stored as pickles by satcfdi.
    record = pickle.loads(row[0])  # noqa: S301
    estado, huso = record[0], record[4]
    if huso == "Tiempo del Pacífico" and estado == "SON":
        return ZoneInfo("America/Hermosillo")  # Sonora never observed daylight saving
    name = _HUSOS.get(huso)
    return ZoneInfo(name) if name else None


_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NAIVE_EPOCH = datetime(1970, 1, 1)


def to_utc(local: datetime, zone: ZoneInfo | timezone) -> datetime:
    """Attach ``zone`` to a naive local time and convert to UTC (fold=0 on repeated hours).

    The same instant as ``local.replace(tzinfo=zone).astimezone(timezone.utc)``, computed as the
    zone's offset for that local time and two subtractions: ``replace()`` and ``astimezone()`` cost
    ~2 µs together, and this runs three times for every document (tests/test_timezones.py checks the
    two agree). Years at the edge of ``datetime``'s range (0001, 9999) cannot be shifted; they are
    clamped, which keeps every comparison with a certificate's validity meaningful.
    """
    if local.tzinfo is not None:
        local = local.replace(tzinfo=None)
    try:
        offset = zone.utcoffset(local)
        return _UTC_EPOCH + (local - offset - _NAIVE_EPOCH)  # type: ignore[operator]
    except OverflowError:
        return (datetime.min if local.year < 5000 else datetime.max).replace(tzinfo=timezone.utc)

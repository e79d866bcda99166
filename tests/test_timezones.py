"""Local CFDI times to UTC: the fast conversion agrees with zoneinfo's replace()/astimezone()."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfdi_ar.sat.timezones import _HUSOS, MEXICO_CITY, OFFSET_RANGE, to_utc, zone_for_postal_code

ZONES = [ZoneInfo(name) for name in sorted(set(_HUSOS.values()))] + [ZoneInfo("America/Hermosillo"), *OFFSET_RANGE]


def _reference(local: datetime, zone) -> datetime:  # type: ignore[no-untyped-def]
    try:
        return local.replace(tzinfo=zone).astimezone(timezone.utc)
    except OverflowError:
        return (datetime.min if local.year < 5000 else datetime.max).replace(tzinfo=timezone.utc)


@settings(max_examples=2000, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)), st.sampled_from(ZONES))
def test_to_utc_is_zoneinfos_instant_for_any_local_time(local, zone):
    got = to_utc(local, zone)
    assert got == _reference(local, zone) and got.utcoffset() == timedelta(0)


@pytest.mark.parametrize("local, zone, expected", [
    # Tijuana springs forward at 02:00 on 2026-03-08: 02:30 does not exist; fold=0 reads it with the old offset (-8)
    (datetime(2026, 3, 8, 2, 30), ZoneInfo("America/Tijuana"), datetime(2026, 3, 8, 10, 30, tzinfo=timezone.utc)),
    # and falls back at 02:00 on 2026-11-01: 01:30 happens twice; fold=0 is the first (-7)
    (datetime(2026, 11, 1, 1, 30), ZoneInfo("America/Tijuana"), datetime(2026, 11, 1, 8, 30, tzinfo=timezone.utc)),
    # central Mexico has kept UTC-6 all year since October 2022
    (datetime(2026, 7, 1, 12, 0), MEXICO_CITY, datetime(2026, 7, 1, 18, 0, tzinfo=timezone.utc)),
    (datetime(2022, 7, 1, 12, 0), MEXICO_CITY, datetime(2022, 7, 1, 17, 0, tzinfo=timezone.utc)),
    # the edges of datetime's range are clamped, never an error
    (datetime(9999, 12, 31, 23, 0), MEXICO_CITY, datetime.max.replace(tzinfo=timezone.utc)),
    (datetime(1, 1, 1, 0, 0), OFFSET_RANGE[1], datetime(1, 1, 1, 5, 0, tzinfo=timezone.utc)),
])
def test_to_utc_at_daylight_saving_changes_and_range_edges(local, zone, expected):
    assert to_utc(local, zone) == expected == _reference(local, zone)


def test_to_utc_reads_an_aware_time_as_the_local_time_it_shows():
    aware = datetime(2026, 10, 5, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    assert to_utc(aware, MEXICO_CITY) == datetime(2026, 10, 5, 18, 0, tzinfo=timezone.utc)


def test_a_postal_code_gives_its_zone_from_sats_catalog():
    assert zone_for_postal_code("76000") == MEXICO_CITY  # Querétaro
    assert zone_for_postal_code("22000") == ZoneInfo("America/Tijuana")
    assert zone_for_postal_code("83000") == ZoneInfo("America/Hermosillo")  # Sonora: no daylight saving
    assert zone_for_postal_code("7600") is None and zone_for_postal_code(None) is None

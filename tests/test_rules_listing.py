"""``cfdi-ar rules``: every code with its status, filtered with ``--status``, and checked against SAT's inventory.

The inventory is ``shared/sat/RULES.md`` (§1.1 CFDI40101–CFDI40221, §1.2 CRP20101–CRP20279): every code
listed there must be registered, and its status must fit its class — DOC and CAT codes are
implemented, XSD codes are enforced by the schema (or implemented), EXT codes need external data
(or are implemented, where the data can be plugged in).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cfdi_ar.cli import main
from cfdi_ar.report import render_rules, rule_status
from cfdi_ar.rules import all_rules, get

STATUSES = {"implemented", "schema", "reader", "needs external data", "needs external data (--lrfc)"}


def cli(*args: object) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"cfdi-ar crashed: {result.exception!r}") from result.exception
    return result


def listing(*args: str) -> list[dict[str, str]]:
    result = cli("rules", "-f", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- the status column


def test_every_code_has_a_known_status():
    rows = listing()
    assert len(rows) == len(all_rules())
    assert {r["status"] for r in rows} <= STATUSES
    assert {r["status"] for r in rows} >= {"implemented", "schema", "reader", "needs external data (--lrfc)"}


def test_status_follows_what_implements_the_code():
    by_code = {r["code"]: r["status"] for r in listing()}
    assert by_code["CFDI40102"] == "implemented"  # the seal
    assert by_code["CFDIAR-XML-001"] == "reader"
    assert by_code["CFDI40999"] == "schema"
    assert by_code["CFDI40143"] == by_code["CRP20222"] == "needs external data (--lrfc)"


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_every_format_shows_the_status(fmt):
    text = cli("rules", "-f", fmt).stdout
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert {r["code"]: r["status"] for r in rows}["CFDI40143"] == "needs external data (--lrfc)"
    elif fmt == "markdown":
        assert "| Code | Severity | Status |" in text
        assert re.search(r"^\| CFDI40143 \| error \| needs external data \(--lrfc\) \|", text, re.M)
    else:
        header, *lines = text.splitlines()
        assert header.split() == ["code", "severity", "kind", "status", "title"]
        at, title_at = header.index("status"), header.index("title")
        status_of = {line.split()[0]: line[at:title_at].strip() for line in lines}
        assert status_of["CFDI40143"] == "needs external data (--lrfc)" and status_of["CFDI40102"] == "implemented"
        assert set(status_of.values()) <= STATUSES  # the title column starts at the same place on every line


@pytest.mark.parametrize(
    ("status", "expected"),
    [("implemented", {"implemented"}), ("schema", {"schema"}), ("reader", {"reader"}),
     ("external", {"needs external data", "needs external data (--lrfc)"}),
     ("needs external data", {"needs external data", "needs external data (--lrfc)"}),
     ("SCHEMA", {"schema"})],
)
def test_status_option_filters(status, expected):
    rows = listing("--status", status)
    assert rows and {r["status"] for r in rows} <= expected
    everything = listing()
    assert len(rows) == sum(1 for r in everything if r["status"] in expected)


def test_status_option_filters_every_format():
    text = cli("rules", "--status", "external").stdout
    assert "CFDI40143" in text and "CFDI40102" not in text


def test_unknown_status_is_a_usage_error():
    result = cli("rules", "--status", "done")
    assert result.exit_code == 2 and "implemented" in result.stderr


def test_rules_help_explains_the_statuses():
    text = cli("rules", "--help").stdout
    for word in ("--status", "implemented", "schema", "reader", "needs external data", "--lrfc"):
        assert word in text


def test_render_rules_and_rule_status_agree():
    out = io.StringIO()
    render_rules(all_rules(), "json", out)
    assert [r["status"] for r in json.loads(out.getvalue())] == [rule_status(r) for r in all_rules()]


# --------------------------------------------------------------------------- SAT's inventory (shared/sat/RULES.md)


def sat_inventory(rules_md: Path) -> dict[str, str]:
    """Code → class cell ("DOC", "CAT+EXT", "XSD (pattern) + EXT" …) of every CFDI40xxx and CRP20xxx row of RULES.md's tables."""
    out: dict[str, str] = {}
    class_col = None
    for line in rules_md.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            class_col = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if "Class" in cells:
            class_col = cells.index("Class")
            continue
        if class_col is None or not re.fullmatch(r"CFDI40\d{3}|CRP20\d{3}", cells[0]):
            continue
        assert re.match(r"[A-Z]+", cells[class_col]), f"{cells[0]}: no class in {cells[class_col]!r}"
        out[cells[0]] = cells[class_col]
    return out


@pytest.fixture(scope="module")
def inventory(shared: Path) -> dict[str, str]:
    inv = sat_inventory(shared / "sat" / "RULES.md")
    assert sum(c.startswith("CFDI40") for c in inv) >= 122 and sum(c.startswith("CRP20") for c in inv) >= 103, len(inv)
    return inv


def statuses() -> dict[str, str]:
    return {r.code: rule_status(r) for r in all_rules()}


def test_every_sat_code_in_rules_md_is_registered(inventory):
    known = statuses()
    missing = sorted(c for c in inventory if c not in known)
    assert not missing, f"{len(missing)} SAT codes of RULES.md are not registered: {', '.join(missing)}"


def test_sat_codes_have_the_status_their_class_calls_for(inventory):
    """DOC and CAT → implemented; XSD → schema or implemented; a row that also needs EXT data
    (DOC+EXT, CAT+EXT, XSD+EXT, EXT) → needs external data, or implemented where the offline part is checkable
    or the data can be plugged in. SIG rows (seal and certificate): any status."""
    known = statuses()
    expected = {"DOC": "implemented", "CAT": "implemented", "XSD": "schema or implemented",
                "EXT": "needs external data or implemented"}
    wrong: dict[str, list[str]] = {}
    for code, cell in sorted(inventory.items()):
        status = known.get(code)
        klass = "EXT" if "EXT" in cell else re.match(r"[A-Z]+", cell).group(0)  # type: ignore[union-attr]
        if status is None or klass not in expected:
            continue  # unregistered: the test above reports it
        if klass in ("DOC", "CAT"):
            ok = status == "implemented"
        elif klass == "XSD":
            ok = status in ("schema", "implemented")
        else:
            ok = status.startswith("needs external data") or status == "implemented"
        if not ok:
            wrong.setdefault(klass, []).append(f"{code} ({status})")
    assert not wrong, "SAT codes whose status does not fit their class in RULES.md: " + "; ".join(
        f"{klass}-first codes should be {expected[klass]}, but {', '.join(codes)}" for klass, codes in wrong.items())


def test_external_rules_that_run_are_the_pluggable_ones(inventory):
    for code in ("CFDI40143", "CRP20222"):
        assert inventory[code].startswith("EXT")
        assert get(code).check is not None and rule_status(get(code)) == "needs external data (--lrfc)"

"""Rendering results: table, JSON, CSV, JUnit XML. Formatting only, no verdicts.

JSON is a list of ``{file, uuid, version, type, valid, checks, findings}``,
described by ``schemas/validate-report.schema.json``.
"""

from __future__ import annotations

import csv
import json
from typing import IO, Callable, Iterable

from lxml import etree

from .findings import DocumentResult, Severity
from .rules.registry import Rule, Status

__all__ = ["FORMATS", "render", "render_rules", "rule_status", "safe_cell"]

FORMATS = ("table", "json", "csv", "junit")
# One encoder for every document: json.dumps() with any non-default argument builds a new one per call.
_JSON = json.JSONEncoder(ensure_ascii=False)


def render(results: list[DocumentResult], fmt: str, out: IO[str], *, summary: dict[str, int] | None = None,
           verbose: bool = False, color: bool = False) -> None:
    if fmt == "json":
        # One document per line: readable, diff-able, and json's C encoder (indent= is pure Python,
        # ~80 us per document).
        out.write("[\n")
        out.write(",\n".join(map(_JSON.encode, (r.to_dict() for r in results))))
        out.write("\n]\n" if results else "]\n")
    elif fmt == "csv":
        _csv(results, out)
    elif fmt == "junit":
        _junit(results, out)
    else:
        _table(results, out, summary=summary, verbose=verbose, color=color)


# --------------------------------------------------------------------------- table

_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _paint(color: bool) -> Callable[..., str]:
    if not color:
        return lambda text, **_: text
    import click

    return lambda text, **kw: click.style(text, **kw)


def _table(results: list[DocumentResult], out: IO[str], *, summary: dict[str, int] | None, verbose: bool, color: bool) -> None:
    paint = _paint(color)
    for r in results:
        verdict = paint("valid  ", fg="green") if r.valid else paint("INVALID", fg="red", bold=True)
        ident = r.uuid or ("(unstamped)" if r.version else "")
        out.write(f"{verdict}  {(r.type or '-'):<2} {ident:<36}  {r.file}\n")
        for f in r.findings:
            if f.severity is Severity.INFO and not verbose:
                continue
            sev = paint(f"{f.severity.label:<7}", fg=_STYLE[f.severity])
            where = f"\n{'':34}at {f.path}" + (f" (line {f.line})" if f.line else "") if f.path else ""
            out.write(f"         {sev} {f.code:<16} {f.message}{where}\n")
    if summary is not None:
        parts = [
            f"{summary['documents']} document{'s' if summary['documents'] != 1 else ''}",
            f"{summary['valid']} valid",
            f"{summary['invalid']} invalid",
            f"{summary['errors']} error{'s' if summary['errors'] != 1 else ''}",
            f"{summary['warnings']} warning{'s' if summary['warnings'] != 1 else ''}",
        ]
        if summary.get("skipped"):
            parts.append(f"{summary['skipped']} non-XML file{'s' if summary['skipped'] != 1 else ''} skipped")
        out.write("\n" + ", ".join(parts) + "\n")


# --------------------------------------------------------------------------- CSV

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Text for a spreadsheet cell: never a live formula (a leading ' neutralises =, +, -, @)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


_CSV_COLUMNS = ("file", "uuid", "version", "type", "valid", "severity", "code", "message", "path")


def _csv(results: list[DocumentResult], out: IO[str]) -> None:
    # RFC 4180 line ends: with "\r\n" as terminator the csv module quotes any value holding a CR
    # or LF, so a value can never break its row and start a new one (with, say, a formula).
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_CSV_COLUMNS)
    for r in results:
        head = [r.file, r.uuid, r.version, r.type, "true" if r.valid else "false"]
        if not r.findings:
            writer.writerow([safe_cell(v) for v in head + ["", "", "", ""]])
        for f in r.findings:
            writer.writerow([safe_cell(v) for v in head + [f.severity.label, f.code, f.message, f.path]])


# --------------------------------------------------------------------------- JUnit


def _junit(results: list[DocumentResult], out: IO[str]) -> None:
    suites = etree.Element("testsuites", name="cfdi-ar validate")
    suite = etree.SubElement(
        suites,
        "testsuite",
        name="cfdi-ar validate",
        tests=str(len(results)),
        failures=str(sum(1 for r in results if not r.valid)),
        errors="0",
        skipped="0",
    )
    for r in results:
        case = etree.SubElement(suite, "testcase", classname=f"cfdi.{r.type or 'unknown'}", name=_xml_text(r.file))
        errors = [f for f in r.findings if f.severity is Severity.ERROR]
        if errors:
            failure = etree.SubElement(
                case, "failure", type=errors[0].code, message=_xml_text(f"{len(errors)} error(s); first: {errors[0].code} {errors[0].message}")
            )
            failure.text = _xml_text("\n".join(f"{f.code} {f.path or ''}: {f.message}" for f in errors))
        others = [f for f in r.findings if f.severity is not Severity.ERROR]
        if others:
            sysout = etree.SubElement(case, "system-out")
            sysout.text = _xml_text("\n".join(f"{f.severity.label} {f.code} {f.path or ''}: {f.message}" for f in others))
    out.write(etree.tostring(suites, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8"))


def _xml_text(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (a file name or message may hold them)."""
    return "".join(c for c in text if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c >= "\U00010000")


# --------------------------------------------------------------------------- rules


_RULES_MD_HEAD = """# Codes cfdi-ar reports

Generated by `cfdi-ar rules --format markdown` (a test keeps this file in step with the code).
A finding carries SAT's code where SAT's error matrices define one for the condition
(CFDI40xxx for CFDI 4.0, CRP20xxx for Pagos 2.0), otherwise a `CFDIAR-*` code of this project.
"""


def rule_status(r: Rule) -> str:
    """What ``cfdi-ar rules`` says about a code: :class:`Status`, and for an external rule whose data
    can be plugged in, the option that supplies it ("needs external data (--lrfc)")."""
    from .rules.external import PLUGGABLE

    option = PLUGGABLE.get(r.code)
    return f"{Status.EXTERNAL.value} ({option})" if option else r.status.value


def render_rules(rules: Iterable[Rule], fmt: str, out: IO[str]) -> None:
    rows = [
        {
            "code": r.code,
            "severity": r.severity.label,
            "kind": r.kind.value,
            "status": rule_status(r),
            "title": r.title,
            "gloss": r.gloss,
            "source": r.source,
        }
        for r in rules
    ]
    if fmt == "json":
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "markdown":
        out.write(_RULES_MD_HEAD)
        kind = None
        for row in rows:
            if row["kind"] != kind:
                kind = row["kind"]
                out.write(f"\n## {kind}\n\n| Code | Severity | Status | SAT title / title | What it means | Source |\n"
                          "|---|---|---|---|---|---|\n")
            cells = [row["code"], row["severity"], row["status"], row["title"], row["gloss"], row["source"]]
            out.write("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["code"], lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: safe_cell(v) for k, v in row.items()})
    else:
        width = max((len(row["status"]) for row in rows), default=len("status"))
        out.write(f"{'code':<16} {'severity':<8} {'kind':<10} {'status':<{width}} title\n")
        for row in rows:
            out.write(f"{row['code']:<16} {row['severity']:<8} {row['kind']:<10} {row['status']:<{width}} {row['title']}\n")

"""The ``cfdi-ar reconcile`` command: AR ledger vs GL control account (and the ERP's AR). Parsing, output, exit codes.

Exit codes: 0 the AR ties with the GL and there is no item; 1 findings (items, or a
difference left unexplained); 2 usage or input error (an export that cannot be read,
a missing column, no ledger). pandas and the close package are imported only when the
command runs: every other command starts without them.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import IO, Any

import click

from .cli import CONTEXT, _from_config, main, stdout_text
from .cli_ledger import _config, _config_option, _db_option, _format_options, _open
from .ledger import DEFAULT_DB, LedgerError
from .report import safe_cell
from .tabular import Column, render_rows, to_jsonable

__all__: list[str] = []

DEFAULT_MAX_EXPORT_MB = 2048  # cfdi_ar.close.exports.DEFAULT_MAX_MB, without importing pandas to say so

_ITEM_COLUMNS = (
    Column("kind", "kind"), Column("uuid", "uuid"), Column("amount", "amount", ">"), Column("explains", "explains"),
    Column("refs", "gl rows / erp rows", width=40), Column("message", "message", width=110),
)
_CSV_COLUMNS = (
    Column("kind", "kind"), Column("uuid", "uuid"), Column("amount", "amount"), Column("explains", "explains"),
    Column("invoice", "invoice"), Column("refs", "refs"), Column("message", "message"),
)
_SUMMARY = (("ar_balance", "AR balance (ledger)"), ("gl_balance", "GL balance"), ("difference", "Difference (AR - GL)"),
            ("explained", "Explained by the items"), ("unexplained", "Unexplained"))


def _list_presets(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from .close.exports import presets

    for kind, label in (("gl", "GL exports (--gl-preset)"), ("ar", "ERP open items (--ar-preset)")):
        click.echo(label)
        for p in presets(kind):
            click.echo(f"  {p.name:<20} {p.description}")
    ctx.exit(0)


@main.command(context_settings=CONTEXT, short_help="Tie the AR ledger to the GL control account (and the ERP's AR).")
@click.option("--gl", "gl_path", required=True, metavar="FILE", type=click.Path(dir_okay=False, path_type=str),
              help="The GL export: CSV or XLSX (layout recognised from its headers, or --gl-preset / --gl-map).")
@click.option("--account", required=True, metavar="CODE",
              help="The AR control account: its code, or a code prefix (105-01 takes 105-01-001, never 105-010); "
              "105* for a plain prefix; several separated by commas.")
@click.option("--as-of", "as_of", required=True, metavar="YYYY-MM-DD", help="Balances at the end of this day.")
@click.option("--ar", "ar_path", metavar="FILE", type=click.Path(dir_okay=False, path_type=str),
              help="The ERP's AR open items at the same date (CSV or XLSX): compared with the ledger and the GL.")
@click.option("--gl-map", metavar="FILE", type=click.Path(dir_okay=False, path_type=str),
              help="A mapping file (TOML) naming the GL export's columns (docs/close-gl.md).")
@click.option("--gl-preset", metavar="NAME", help="Read the GL export with this preset only (--list-presets).")
@click.option("--ar-map", metavar="FILE", type=click.Path(dir_okay=False, path_type=str),
              help="A mapping file (TOML) naming the ERP export's columns.")
@click.option("--ar-preset", metavar="NAME", help="Read the ERP export with this preset only.")
@click.option("--max-export-mb", type=click.FloatRange(min=1), default=DEFAULT_MAX_EXPORT_MB, show_default=True, metavar="MB",
              help="Refuse larger exports (CSVs are read in chunks; this bounds the time and the disk read).")
@click.option("--list-presets", is_flag=True, is_eager=True, expose_value=False, callback=_list_presets,
              help="List the presets and exit.")
@_db_option
@_format_options
@_config_option
@click.pass_context
def reconcile(ctx: click.Context, gl_path: str, account: str, as_of: str, ar_path: str | None, gl_map: str | None,
              gl_preset: str | None, ar_map: str | None, ar_preset: str | None, max_export_mb: float, db_target: str | None,
              fmt: str | None, output: str | None, config_path: str | None) -> None:
    """Reconcile the AR subledger with the GL control account at a date, and list every reconciling item.

    The AR balance is the ledger's open items in MXN at each invoice's TipoCambio; the GL
    balance is the account's debits less credits dated by --as-of. Every difference is
    broken down by CFDI UUID into items whose amounts add up to it (docs/close-gl.md
    defines each kind and its sign):

    \b
      missing_in_gl      an invoice, REP or credit note of the ledger that no GL line carries
      duplicated_in_gl   posted more than once
      amount_mismatch    posted for another amount
      gl_without_cfdi    GL lines with no CFDI of the ledger behind them (manual entries)
      unapplied_payment  a REP paying an invoice the ledger does not hold
      cancelled_in_gl    a cancelled CFDI still carried by the GL
      period_mismatch    posted on the other side of --as-of

    With --ar, the ERP's open items are compared too (informative, never counted):
    missing_in_erp, erp_without_cfdi, erp_amount_mismatch, erp_balance_vs_gl.

    \b
    Examples:
      cfdi-ar reconcile --gl auxiliar-octubre.xlsx --account 105-01 --as-of 2026-10-31
      cfdi-ar reconcile --gl fagll03.csv --gl-preset sap-fagll03 --account 1105000000 --as-of 2026-10-31 \\
          --ar fbl5n.xlsx -o conciliacion.xlsx
    """
    day = _day(as_of)
    if not account.strip(","):
        raise click.BadParameter("an account code is required", param_hint="--account")
    config = _config(config_path)
    target = _from_config(ctx, "db_target", db_target, config.get("db")) or DEFAULT_DB
    from .ledger.db import is_postgres_url

    if not is_postgres_url(target) and not os.path.exists(target):
        click.echo(f"cfdi-ar: no ledger at {target}: run cfdi-ar ingest first (or give --db)", err=True)
        ctx.exit(2)
    from .close.exports import GLFormatError
    from .close.gl import read_gl

    try:
        gl = read_gl(gl_path, gl_map, gl_preset, account=account, max_mb=max_export_mb)
        if gl.lines.empty:
            _no_account_lines(ctx, gl_path, gl_map, gl_preset, account, max_export_mb)
        erp = None
        if ar_path is not None:
            from .close.erp import read_ar

            erp = read_ar(ar_path, ar_map, ar_preset, max_mb=max_export_mb)
    except GLFormatError as exc:
        click.echo(f"cfdi-ar: {exc}", err=True)
        ctx.exit(2)
    db = _open(ctx, config, db_target)
    from .close.reconcile import reconcile as run
    from .close.subledger import subledger
    from .ledger.book import load_book

    try:
        ar = subledger(load_book(db), day)
    except LedgerError as exc:
        click.echo(f"cfdi-ar: {exc}", err=True)
        ctx.exit(2)
    finally:
        db.close()
    import pandas as pd

    dated = gl.lines["date"] <= pd.Timestamp(day)
    info: dict[str, Any] = {"gl": {"file": gl.source, "layout": gl.layout, "lines": int(dated.sum()),
                                   "lines_after_as_of": int((~dated).sum()), "skipped_rows": list(gl.skipped)}}
    if erp is not None:
        info["erp"] = {"file": erp.source, "layout": erp.layout, "items": len(erp.items), "skipped_rows": list(erp.skipped)}
    result = run(ar, gl.lines, account=account, erp=erp.items if erp is not None else None, info=info)
    _emit(ctx, result, fmt, output)
    ctx.exit(0 if result.ties else 1)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint="--as-of") from None


def _no_account_lines(ctx: click.Context, path: str, mapping: str | None, preset: str | None, account: str,
                      max_mb: float) -> None:
    """No line of the account: with lines of other accounts, the code is wrong (exit 2); with none, the export is empty."""
    from .close.gl import read_gl

    every = read_gl(path, mapping, preset, max_mb=max_mb).lines
    if every.empty:
        return
    accounts = sorted(set(every["account"]))
    shown = ", ".join(accounts[:12]) + (f" and {len(accounts) - 12} more" if len(accounts) > 12 else "")
    click.echo(f"cfdi-ar: {path}: no line of account {account}; its accounts are {shown}", err=True)
    ctx.exit(2)


# --------------------------------------------------------------------------- output


def _rows(result: Any) -> list[dict[str, Any]]:
    rows = []
    for item in result.items:
        d = item.to_dict()
        refs = [f"row {r['row']}" + (f" {r['entry']}" if r["entry"] else "") for r in d["gl_refs"]]
        refs += [f"erp row {n}" for n in d.get("erp_rows", [])]
        rows.append({**d, "refs": ", ".join(refs)})
    return rows


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'' if n == 1 else 's'}"


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _emit(ctx: click.Context, result: Any, fmt: str | None, output: str | None) -> None:
    if output is not None:
        folder = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(folder):
            raise click.UsageError(f"cannot write {output}: folder {folder} does not exist")
    fmt = fmt or ("xlsx" if output and output.lower().endswith(".xlsx") else None)
    fmt = fmt or ("table" if output is None and sys.stdout.isatty() else "json")
    try:
        if fmt == "xlsx":
            if output is None:
                raise click.UsageError("--format xlsx writes a workbook: give -o FILE.xlsx")
            _xlsx(output, result)
        elif output is not None:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                _text(result, fmt, fh)
        else:
            with stdout_text() as out:
                _text(result, fmt, out)
    except OSError as exc:
        click.echo(f"cfdi-ar: cannot write {output}: {exc.strerror or exc}", err=True)
        ctx.exit(2)


def _text(result: Any, fmt: str, out: IO[str]) -> None:
    data = result.to_dict()
    if fmt == "json":
        out.write(json.dumps(to_jsonable(data), ensure_ascii=False, indent=1) + "\n")
        return
    rows = _rows(result)
    if fmt == "csv":
        summary = [{"kind": key, "amount": data[key], "message": label} for key, label in _SUMMARY]
        if "erp_balance" in data:
            summary.append({"kind": "erp_balance", "amount": data["erp_balance"], "message": "ERP open items (informative)"})
        _csv(summary + rows, out)
        return
    out.write(f"Reconciliation of account {result.account} at {result.as_of:%Y-%m-%d}\n")
    gl = data.get("gl", {})
    if gl:
        out.write(f"GL: {gl['file']} ({gl['layout']}), {_count(gl['lines'], 'line')} by then, {gl['lines_after_as_of']} after")
        out.write(f"; {len(gl['skipped_rows'])} total/note rows skipped\n" if gl["skipped_rows"] else "\n")
    labels = list(_SUMMARY) + ([("erp_balance", "ERP open items (informative)")] if "erp_balance" in data else [])
    width = max(len(_money(data[k])) for k, _ in labels)
    out.write("\n")
    for key, label in labels:
        out.write(f"  {label:<30} {_money(data[key]):>{width}}\n")
    out.write("\n")
    matched = data.get("matched_without_uuid") or []
    if matched:
        out.write(f"{len(matched)} GL line{'s' if len(matched) != 1 else ''} without a CFDI UUID matched to a payment "
                  "by amount and date (listed in json and xlsx)\n\n")
    if not rows:
        out.write("No reconciling items: the AR ledger ties with the GL.\n")
        return
    for r in rows:
        r["amount"] = _money(r["amount"])
    render_rows(rows, _ITEM_COLUMNS, "table", out)
    counts = ", ".join(f"{n} {kind}" for kind, n in data["counts"].items())
    out.write(f"\n{len(rows)} item{'s' if len(rows) != 1 else ''}: {counts}\n")


def _csv(rows: Sequence[dict[str, Any]], out: IO[str]) -> None:
    """One table: the summary rows, then the items. Amounts are plain numbers ("-150.00"); text that a spreadsheet
    would take for a formula is written so it stays text (report.safe_cell)."""
    writer = csv.writer(out, lineterminator="\r\n")  # CR/LF inside a value forces quoting: no row injection
    writer.writerow([c.header for c in _CSV_COLUMNS])
    for r in rows:
        cells = []
        for c in _CSV_COLUMNS:
            value = r.get(c.key)
            if isinstance(value, Decimal):
                cells.append(str(value))
            elif isinstance(value, bool):
                cells.append("yes" if value else "no")
            else:
                cells.append(safe_cell("" if value is None else value))
        writer.writerow(cells)


def _xlsx(path: str, result: Any) -> None:
    """A workbook: the summary, the GL items and (with --ar) the ERP items; amounts are numbers formatted as money."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = result.to_dict()
    wb = Workbook()
    summary = wb.active
    summary.title = "summary"
    summary.append(["Reconciliation", f"account {result.account} at {result.as_of:%Y-%m-%d}"])
    summary["A1"].font = Font(bold=True)
    labels = list(_SUMMARY) + ([("erp_balance", "ERP open items (informative)")] if "erp_balance" in data else [])
    for n, (key, label) in enumerate(labels, start=2):
        summary.append([label, data[key]])
        summary.cell(row=n, column=2).number_format = _MONEY
    for part in ("gl", "erp"):
        if part in data:
            summary.append([])
            for key, value in data[part].items():
                shown = ", ".join(map(str, value)) if isinstance(value, list) else value
                summary.append([f"{part.upper()} {key.replace('_', ' ')}", safe_cell(shown) if isinstance(shown, str) else shown])
    summary.column_dimensions["A"].width = 32
    summary.column_dimensions["B"].width = 22
    rows = _rows(result)
    _sheet(wb, "GL items", [r for r in rows if r["explains"]])
    if "erp_balance" in data:
        _sheet(wb, "ERP items", [r for r in rows if not r["explains"]])
    _lines_sheet(wb, result)
    if data.get("matched_without_uuid"):
        _matched_sheet(wb, data["matched_without_uuid"])
    wb.save(path)


def _matched_sheet(wb: Any, matched: Sequence[dict[str, Any]]) -> None:
    """GL lines without a UUID taken for a payment by amount and date: for the accountant to confirm."""
    from openpyxl.styles import Font

    ws = wb.create_sheet("matched without UUID")
    ws.append(["uuid", "invoices", "amount", "gl row", "date", "entry", "description"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for n, m in enumerate(matched, start=2):
        ref = m["gl_ref"]
        ws.append([m["uuid"], ", ".join(m["invoices"]), m["amount"], ref["row"], ref["date"], safe_cell(ref["entry"]),
                   safe_cell(ref["description"])])
        ws.cell(row=n, column=3).number_format = _MONEY
        ws.cell(row=n, column=5).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"


_LINE_COLUMNS = (("kind", 20), ("uuid", 38), ("row", 8), ("date", 12), ("entry", 14), ("amount", 16), ("reference", 40),
                 ("description", 60))


def _lines_sheet(wb: Any, result: Any) -> None:
    """Every GL line an item rests on, with its own text: what the accountant opens to check an item."""
    from openpyxl.styles import Font

    ws = wb.create_sheet("GL lines")
    ws.append([c for c, _ in _LINE_COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    n = 1  # openpyxl's ws.max_row walks every cell: rows are counted here instead
    for item in result.items:
        for ref in item.gl_refs:
            d = ref.to_dict()
            ws.append([item.kind, item.uuid or "", ref.row, ref.date, safe_cell(ref.entry), d["amount"], safe_cell(ref.reference),
                       safe_cell(ref.description)])
            n += 1
            ws.cell(row=n, column=4).number_format = "yyyy-mm-dd"
            ws.cell(row=n, column=6).number_format = _MONEY
    for i, (_, width) in enumerate(_LINE_COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


_MONEY = "#,##0.00;-#,##0.00"
_SHEET_COLUMNS = (("kind", 20), ("uuid", 38), ("amount", 16), ("invoice", 38), ("refs", 30), ("message", 100))


def _sheet(wb: Any, name: str, rows: Sequence[dict[str, Any]]) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet(name)
    ws.append([c for c, _ in _SHEET_COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for n, r in enumerate(rows, start=2):  # openpyxl's ws.max_row walks every cell: rows are counted here instead
        ws.append([r.get(c) if c == "amount" else safe_cell(r.get(c) or "") for c, _ in _SHEET_COLUMNS])
        ws.cell(row=n, column=3).number_format = _MONEY
    for i, (_, width) in enumerate(_SHEET_COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions

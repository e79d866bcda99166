"""The ``cfdi-ar close`` command: the whole month-end close in one run, and its Excel close pack. Parsing, output,
exit codes only (cfdi_ar.close.closing runs the close; cfdi_ar.close.pack builds the workbook).

Exit codes: 0 ready to close (no blocking close-check item failed, and the reconciliation ties: no item, nothing
unexplained); 1 not ready (a blocking item failed, or the reconciliation has items or an unexplained difference:
the summary says which), the workbook written either way; 2 usage or input error, and no workbook is written.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import IO, Any

import click

from .cli import CONTEXT, _from_config, main, stdout_text
from .cli_aging import (_aging_settings, _bucket_options, _deadline_day, _deadline_option, _period, _provision_option,
                        _provision_settings)
from .cli_close import DEFAULT_MAX_EXPORT_MB, _no_account_lines
from .cli_ledger import _config, _config_option, _db_option, _open
from .ledger import DEFAULT_DB, LedgerError
from .tabular import to_jsonable

__all__: list[str] = []


@main.command("close", context_settings=CONTEXT, short_help="The month-end close in one run, and its Excel close pack.")
@click.option("--period", required=True, metavar="YYYY-MM", help="The month being closed.")
@click.option("--gl", "gl_path", required=True, metavar="FILE", type=click.Path(dir_okay=False, path_type=str),
              help="The GL export: CSV or XLSX (layout recognised from its headers, or --gl-preset / --gl-map), holding "
              "the control account's postings up to the period's end and, to tell a late posting from a missing one, after.")
@click.option("--account", required=True, metavar="CODE",
              help="The AR control account: its code or a code prefix (105-01 takes 105-01-001, never 105-010).")
@click.option("--ar", "ar_path", metavar="FILE", type=click.Path(dir_okay=False, path_type=str),
              help="The ERP's AR open items at the period's end (CSV or XLSX): the three-way comparison.")
@click.option("-o", "--out", "out", metavar="FILE.xlsx", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="The workbook to write (default: cierre-YYYY-MM.xlsx in the working folder).")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="What is printed: a short summary, or one JSON document with every section.")
@click.option("--lang", type=click.Choice(["es", "en"]), default="es", show_default=True,
              help="The workbook's language: sheet names, headers and labels.")
@click.option("--gl-map", metavar="FILE", type=click.Path(dir_okay=False, path_type=str),
              help="A mapping file (TOML) naming the GL export's columns (docs/close-gl.md).")
@click.option("--gl-preset", metavar="NAME", help="Read the GL export with this preset only (reconcile --list-presets).")
@click.option("--ar-map", metavar="FILE", type=click.Path(dir_okay=False, path_type=str),
              help="A mapping file (TOML) naming the ERP export's columns.")
@click.option("--ar-preset", metavar="NAME", help="Read the ERP export with this preset only.")
@click.option("--max-export-mb", type=click.FloatRange(min=1), default=DEFAULT_MAX_EXPORT_MB, show_default=True, metavar="MB",
              help="Refuse larger exports.")
@_bucket_options
@_provision_option
@_deadline_option
@_db_option
@_config_option
@click.pass_context
def close_command(ctx: click.Context, period: str, gl_path: str, account: str, ar_path: str | None, out: str | None,
                  fmt: str, lang: str, gl_map: str | None, gl_preset: str | None, ar_map: str | None, ar_preset: str | None,
                  max_export_mb: float, buckets_text: str | None, terms_path: str | None, default_days: int | None,
                  provision_text: str | None, deadline_day: int | None, db_target: str | None,
                  config_path: str | None) -> None:
    """Close a month: reconcile the AR ledger with the GL at the period's end, age the receivables, work out the
    KPIs and REP compliance, run the close checklist, and write it all to one Excel workbook.

    The workbook (Spanish by default; --lang en) has a summary, the reconciliation and its items, the aging by
    customer and by invoice, the KPIs, every PPD payment with its REP, and the findings; totals are live
    formulas, amounts exact. docs/close-gl.md and docs/close-aging.md define every figure; docs/close-pack.md
    the workbook.

    \b
    Exit codes:
      0  ready to close: no blocking close-check item failed and the reconciliation ties
      1  not ready: a blocking item failed (rep_missing, pue_unpaid, invalid_cfdi, cancelled_open), or the
         reconciliation has items or an unexplained difference; the workbook is written all the same
      2  usage or input error (nothing written)

    \b
    Examples:
      cfdi-ar close --period 2026-10 --gl auxiliar-octubre.csv --account 105-01
      cfdi-ar close --period 2026-10 --gl fagll03.xlsx --account 1105000000 --ar fbl5n.xlsx -o cierre.xlsx --lang en
    """
    month = _period(period)
    if not account.strip(","):
        raise click.BadParameter("an account code is required", param_hint="--account")
    out = out or f"cierre-{month.label}.xlsx"
    if not out.lower().endswith(".xlsx"):
        raise click.BadParameter(f"{out!r}: the close pack is an Excel workbook (.xlsx)", param_hint="--out")
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise click.UsageError(f"cannot write {out}: folder {folder} does not exist")
    config = _config(config_path)
    buckets, terms, default_days = _aging_settings(ctx, config, buckets_text, terms_path, default_days)
    percentages = _provision_settings(config, provision_text, buckets)
    day = _deadline_day(ctx, config, deadline_day)
    from .ledger.db import is_postgres_url

    target = _from_config(ctx, "db_target", db_target, config.get("db")) or DEFAULT_DB
    if not is_postgres_url(target) and not os.path.exists(target):
        click.echo(f"cfdi-ar: no ledger at {target}: run cfdi-ar ingest first (or give --db)", err=True)
        ctx.exit(2)
    lines, erp, gl = _exports(ctx, gl_path, gl_map, gl_preset, account, ar_path, ar_map, ar_preset, max_export_mb, month)
    from .close.checks import read_invalid_documents
    from .close.closing import close_month, read_companies
    from .close.reps import read_rep_issue_dates
    from .ledger.book import load_book

    db = _open(ctx, config, db_target)
    try:
        book, issued, invalid, companies = load_book(db), read_rep_issue_dates(db), read_invalid_documents(db), read_companies(db)
    except LedgerError as exc:
        click.echo(f"cfdi-ar: {exc}", err=True)
        ctx.exit(2)
    finally:
        db.close()
    result = close_month(book, issued, invalid, month, lines, account=account, companies=companies, erp=erp, gl=gl,
                         buckets=buckets, terms=terms, default_days=default_days, percentages=percentages,
                         deadline_day=day)
    _save(ctx, result, out, lang)
    with stdout_text() as stream:
        if fmt == "json":
            stream.write(json.dumps(to_jsonable({**result.to_dict(), "workbook": out}), ensure_ascii=False, indent=1) + "\n")
        else:
            _summary(result, out, stream)
    ctx.exit(result.exit_code)


def _exports(ctx: click.Context, gl_path: str, gl_map: str | None, gl_preset: str | None, account: str,
             ar_path: str | None, ar_map: str | None, ar_preset: str | None, max_mb: float, month: Any) -> tuple[Any, Any, Any]:
    """The control account's GL lines, the ERP's open items (or None) and what was read; exit 2 on a bad export."""
    from .close.exports import GLFormatError
    from .close.gl import read_gl

    try:
        export = read_gl(gl_path, gl_map, gl_preset, account=account, max_mb=max_mb)
        if export.lines.empty:
            _no_account_lines(ctx, gl_path, gl_map, gl_preset, account, max_mb)
        erp = None
        if ar_path is not None:
            from .close.erp import read_ar

            erp = read_ar(ar_path, ar_map, ar_preset, max_mb=max_mb)
    except GLFormatError as exc:  # it names the file, the row and the column
        click.echo(f"cfdi-ar: {exc}", err=True)
        ctx.exit(2)
    except OSError as exc:
        click.echo(f"cfdi-ar: cannot read {exc.filename or gl_path}: {exc.strerror or exc}", err=True)
        ctx.exit(2)
    import pandas as pd

    dated = export.lines["date"] <= pd.Timestamp(month.end)
    gl = {"file": export.source, "layout": export.layout, "account": account, "lines": int(dated.sum()),
          "lines_after_period": int((~dated).sum()), "skipped_rows": list(export.skipped)}
    if erp is not None:
        gl["erp"] = {"file": erp.source, "layout": erp.layout, "items": len(erp.items), "skipped_rows": list(erp.skipped)}
    return export.lines, (erp.items if erp is not None else None), gl


def _save(ctx: click.Context, result: Any, out: str, lang: str) -> None:
    """Write the workbook beside its final name, then move it there: a reader never sees half a file."""
    from .close.pack import workbook

    wb = workbook(result, lang)
    folder, name = os.path.split(os.path.abspath(out))
    partial = os.path.join(folder, f".{name}.{os.getpid()}.partial")
    try:
        wb.save(partial)
        os.replace(partial, out)
    except OSError as exc:
        click.echo(f"cfdi-ar: cannot write {out}: {exc.strerror or exc}", err=True)
        ctx.exit(2)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _summary(result: Any, out: str, fh: IO[str]) -> None:
    """A few lines: who and what, the tie, the checklist, the headline KPIs, the verdict, where the workbook is."""
    r, k, check = result.reconciliation, result.kpis, result.check
    who = ", ".join(f"{c.rfc} {c.name or ''}".strip() for c in result.companies) or "(no company documents in the ledger)"
    fh.write(f"Month-end close {result.period.label}: {who}; account {result.account} "
             f"(GL: {result.gl.get('file')}, {result.gl.get('layout')})\n\n")
    d = r.to_dict()
    labels = [("ar_balance", "AR balance (ledger)"), ("gl_balance", "GL balance"), ("difference", "Difference (AR - GL)"),
              ("explained", "Explained by the items"), ("unexplained", "Unexplained")]
    labels += [("erp_balance", "ERP open items (informative)")] if "erp_balance" in d else []
    width = max(len(_money(d[key])) for key, _ in labels)
    fh.write(f"Reconciliation at {r.as_of:%Y-%m-%d}\n")
    for key, label in labels:
        fh.write(f"  {label:<30} {_money(d[key]):>{width}}\n")
    counts = ", ".join(f"{n} {kind}" for kind, n in r.counts().items())
    fh.write(f"  {len(r.items)} item{'s' if len(r.items) != 1 else ''}{': ' + counts if counts else ''}\n\n")
    aging = result.aging.total.mxn
    buckets = ", ".join(f"{label} {_money(v)}" for label, v in aging.buckets.items() if v)
    fh.write(f"Aging at {result.as_of:%Y-%m-%d}: {_money(aging.total)}" + (f" ({buckets})" if buckets else "") + "\n")
    fh.write(f"KPIs: DSO {k.dso_standard if k.dso_standard is not None else '-'} days "
             f"(count-back {k.dso_count_back.to_dict()['days']}), past due {_pct(k.past_due_pct)}, CEI {_pct(k.cei)}, "
             f"REP compliance {_pct(k.rep_compliance_pct)} ({k.rep_on_time} of {len(k.rep_payments)}), "
             f"provision {_money(k.provision_total)}\n\n")
    fh.write("Close check\n")
    for item in check.items:
        n = len(item.findings)
        found = f"{n} finding{'s' if n != 1 else ''}" if item.status != "not_checked" else ""
        fh.write(f"  {item.kind:<24} {item.status.replace('_', ' '):<12} {'blocking' if item.blocking else 'warning':<9} "
                 f"{found}\n")
    fh.write("\n")
    if result.ready:
        fh.write("READY TO CLOSE" + (f" (warnings: {', '.join(result.warnings)})" if result.warnings else "") + "\n")
    else:
        fh.write("NOT READY TO CLOSE:\n" + "".join(f"  - {why}\n" for why in result.failures))
        if result.warnings:
            fh.write(f"  warnings (not blocking): {', '.join(result.warnings)}\n")
    fh.write(f"Workbook: {out}\n")


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value} %"

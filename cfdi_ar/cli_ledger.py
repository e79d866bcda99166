"""The ledger commands of the ``cfdi-ar`` CLI: ingest, history. Parsing, output, exit codes only.

Exit codes: 0 clean; 1 findings (an invalid, rejected or conflicting document);
2 usage error, bad configuration, a ledger that cannot be opened or written, or (as
``validate``) an input that cannot be read at all, such as a corrupt ZIP; the readable
inputs of that run are still stored.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from .cli import CONTEXT, _check_options, _from_config, _settings, freeze_startup_objects, freezing_progress, main, stdout_text
from .config import ConfigError, load_config
from .ledger import DEFAULT_DB, LedgerError, open_database
from .tabular import ROW_FORMATS, Column, render_rows, write_xlsx

__all__: list[str] = []


def _db_option(f: Any) -> Any:
    return click.option(
        "--db", "db_target", envvar="CFDI_AR_DB", default=None, metavar="PATH|URL",
        help=f"The ledger: an SQLite file (created when missing; default ./{DEFAULT_DB}) or a PostgreSQL URL "
        "(postgresql://user@host/dbname). Also: CFDI_AR_DB, or db in the configuration file.",
    )(f)


_config_option = click.option(
    "-c", "--config", "config_path", type=click.Path(dir_okay=False, path_type=str), default=None, envvar="CFDI_AR_CONFIG",
    help="Configuration file (default: ./cfdi-ar.toml, then ~/.config/cfdi-ar/config.toml).")


def _format_options(f: Any) -> Any:
    f = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), default=None,
                     help="Write to FILE instead of standard output (required for xlsx).")(f)
    f = click.option("-f", "--format", "fmt", type=click.Choice(ROW_FORMATS), default=None,
                     help="Output format. Default: table on a terminal, json otherwise.")(f)
    return f


def _config(config_path: str | None) -> Any:
    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def _open(ctx: click.Context, config: Any, db_target: str | None) -> Any:
    target = _from_config(ctx, "db_target", db_target, config.get("db")) or DEFAULT_DB
    try:
        return open_database(target)
    except LedgerError as exc:
        click.echo(f"cfdi-ar: {exc}", err=True)
        ctx.exit(2)


def _emit(ctx: click.Context, rows: Sequence[dict[str, Any]], columns: Sequence[Column], fmt: str | None, output: str | None,
          *, sheet: str, title: str = "") -> None:
    if output is not None:
        folder = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(folder):
            raise click.UsageError(f"cannot write {output}: folder {folder} does not exist")
    fmt = fmt or ("xlsx" if output and output.lower().endswith(".xlsx") else None)
    fmt = fmt or ("table" if output is None and sys.stdout.isatty() else "json")
    if fmt == "xlsx":
        if output is None:
            raise click.UsageError("--format xlsx writes a workbook: give -o FILE.xlsx")
        try:
            write_xlsx(output, [(sheet, rows, columns)])
        except OSError as exc:
            click.echo(f"cfdi-ar: cannot write {output}: {exc.strerror or exc}", err=True)
            ctx.exit(2)
        return
    if output is not None:
        try:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                render_rows(rows, columns, fmt, fh, title=title)
        except OSError as exc:
            click.echo(f"cfdi-ar: cannot write {output}: {exc.strerror or exc}", err=True)
            ctx.exit(2)
        return
    with stdout_text() as out:
        render_rows(rows, columns, fmt, out, title=title)


# --------------------------------------------------------------------------- ingest

_INGEST_COLUMNS = (
    Column("outcome", "outcome"), Column("type", "type"), Column("uuid", "uuid"), Column("valid", "valid"),
    Column("ours", "ours"), Column("file", "file", width=60), Column("message", "message", width=80),
)


@main.command(context_settings=CONTEXT, short_help="Check documents and keep them in the AR ledger.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True, path_type=str))
@_db_option
@click.option("--rfc", "rfcs", multiple=True, metavar="RFC",
              help="The company's RFC: documents it issued are accounts receivable (repeatable). "
              "Also: rfc = [...] in the configuration file.")
@click.option("--accept-invalid", is_flag=True,
              help="Let documents with error findings count in balances (they are always stored and reported).")
@_format_options
@_check_options
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], db_target: str | None, rfcs: tuple[str, ...], accept_invalid: bool,
           fmt: str | None, output: str | None, test_certificates: bool, sat_certs: str | None, trust_ca: tuple[str, ...],
           lrfc: str | None, catalogs_dir: str | None, exclude: tuple[str, ...], max_size_mb: float, rules_: str | None,
           skip: str | None, config_path: str | None, quiet: bool) -> None:
    """Check documents (files, folders, ZIPs) as `validate` does and keep them in the ledger.

    Each document is stored with its raw XML (compressed), its fields, its
    findings and its payments, keyed by its stamp's UUID. A run is one
    transaction: all of it is stored or none of it. Running it again on the
    same files changes nothing; a different document under a UUID already
    stored is kept aside as a conflict, never overwriting what is there.

    \b
    Outcome of each input:
      new               stored
      already_present   the same document is already in the ledger
      alternate         the same document in other bytes (BOM, line ends, Addenda): kept as a copy
      conflict          another document with this UUID is in the ledger: kept aside for review
      duplicate_in_run  given twice in this run
      rejected          not a stamped CFDI 4.0 (not XML, no UUID...): not stored
      evidence          a cancellation source, kept with what it says about each UUID: SAT's
                        metadata TXT (Estatus, FechaCancelacion), a CSV of uuid,status,date, a
                        cancellation request signed with a trusted CSD, or SAT's acuse (kept
                        as unverified evidence: only SAT can check its seal)

    \b
    Examples:
      cfdi-ar ingest --rfc CDB200115AB7 facturas/ pagos/ descarga-2026-10.zip
      cfdi-ar ingest --db postgresql://ar@db.example/ar --format csv -o ingest.csv octubre/
    """
    config = _config(config_path)
    settings = _settings(ctx, config, test_certificates, sat_certs, trust_ca, lrfc, catalogs_dir, exclude, max_size_mb,
                         rules_, skip)
    rfcs = rfcs or tuple(config.get("rfc") or ())
    if not rfcs:
        raise click.UsageError("the company's RFC is not configured: give --rfc RFC (repeatable) or rfc = [...] in cfdi-ar.toml")
    db = _open(ctx, config, db_target)
    from .ledger import ingest_paths

    show = not quiet and sys.stderr.isatty()
    bar: dict[str, Any] = {}

    def on_plan(total: int) -> None:
        if show and total >= 20:
            bar["bar"] = click.progressbar(length=total, label="Checking", file=sys.stderr, show_pos=True)
            bar["bar"].__enter__()

    freeze_startup_objects()
    try:
        report = ingest_paths(db, paths, settings, rfcs, arguments=sys.argv[1:], accept_invalid=accept_invalid,
                              on_plan=on_plan,
                              on_progress=freezing_progress(lambda n: bar["bar"].update(n) if "bar" in bar else None))
    except LedgerError as exc:
        click.echo(f"cfdi-ar: {exc}", err=True)
        ctx.exit(2)
    finally:
        if "bar" in bar:
            bar["bar"].__exit__(None, None, None)
        db.close()
    rows = [i.to_dict() for i in report.inputs]
    _emit(ctx, rows, _INGEST_COLUMNS, fmt, output, sheet="ingest")
    c = report.counts()
    if not quiet:
        click.echo(
            f"run {report.run_id}: {c['inputs']} inputs: {c['new']} new ({c['invalid']} invalid, {c['not_ours']} not ours), "
            f"{c['already_present']} already present, {c['alternate']} alternate, {c['conflict']} conflict, "
            f"{c['duplicate_in_run']} duplicate, {c['rejected']} rejected, {c['evidence']} cancellation files",
            err=True,
        )
    if not report.inputs:
        click.echo("cfdi-ar: no XML documents found in the given paths", err=True)
    elif report.unreadable:
        names = ", ".join(i.name for i in report.unreadable[:3]) + (", ..." if len(report.unreadable) > 3 else "")
        click.echo(f"cfdi-ar: {len(report.unreadable)} input(s) could not be read ({names}); the others were ingested. "
                   "Fix or replace them and run the command again: what is stored already is not stored twice.", err=True)
    ctx.exit(report.exit_code())


# --------------------------------------------------------------------------- history

_HISTORY_COLUMNS = (
    Column("run", "run", ">"), Column("command", "command"), Column("status", "status"), Column("started_at", "started (UTC)"),
    Column("user", "user"), Column("summary", "summary", width=70), Column("arguments", "arguments", width=60),
)


@main.command(context_settings=CONTEXT, short_help="Show the ledger's run log.")
@_db_option
@click.option("-n", "--limit", type=click.IntRange(min=1), default=None, help="Only the last N runs.")
@click.option("--inputs", is_flag=True, help="With each run's inputs: file, SHA-256, size, outcome, UUID (json).")
@_format_options
@_config_option
@click.pass_context
def history(ctx: click.Context, db_target: str | None, limit: int | None, inputs: bool, fmt: str | None, output: str | None,
            config_path: str | None) -> None:
    """Show the run log, newest first: when, who (OS user), with which arguments, what each run did.

    \b
    Example:
      cfdi-ar history -n 5
    """
    from .ledger import history as read_history

    config = _config(config_path)
    db = _open(ctx, config, db_target)
    try:
        runs = read_history(db, limit=limit, inputs=inputs)
    except LedgerError as exc:
        click.echo(f"cfdi-ar: {exc}", err=True)
        ctx.exit(2)
    finally:
        db.close()
    for run in runs:
        counts = run["counts"]
        run["summary"] = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items() if v) if counts else (run["message"] or "")
    _emit(ctx, runs, _HISTORY_COLUMNS, fmt, output, sheet="history")


# --------------------------------------------------------------------------- open items, payment checks

def _as_of(text: str | None) -> Any:
    from datetime import date

    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint="--as-of") from None


_OPEN_ITEMS_COLUMNS = (
    Column("serie", "serie"), Column("folio", "folio"), Column("uuid", "uuid"), Column("customer_rfc", "customer"),
    Column("customer_name", "name", width=30), Column("fecha", "fecha"), Column("due_date", "due"), Column("currency", "cur"),
    Column("total", "total", ">"), Column("balance", "balance", ">"), Column("balance_mxn", "balance MXN", ">"),
    Column("metodo_pago", "mp"), Column("status", "status"),
    Column("replaces", "replaces", width=14), Column("replaced_by", "replaced by", width=14),
)


@main.command("open-items", context_settings=CONTEXT, short_help="Open invoices at a date, with their payments.")
@_db_option
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="Balances at the end of this day (default: today).")
@click.option("--customer", default=None, metavar="RFC", help="Only this customer's invoices.")
@click.option("--all", "include_all", is_flag=True, help="Every invoice, settled ones too (balance 0), cancelled and invalid ones.")
@_format_options
@_config_option
@click.pass_context
def open_items_command(ctx: click.Context, db_target: str | None, as_of: str | None, customer: str | None, include_all: bool,
                       fmt: str | None, output: str | None, config_path: str | None) -> None:
    """List the invoices open at a date: balance in the invoice's currency and in MXN.

    A balance is the invoice's Total less the credit notes and the payments
    (REPs) dated by that day; MXN at the invoice's TipoCambio. A payment made
    at another exchange rate shows its exchange difference apart (json), never
    inside the balance. A negative balance (status credit) is an overpayment.

    \b
    Examples:
      cfdi-ar open-items --as-of 2026-10-31
      cfdi-ar open-items --customer ALE1503107H2 --all -o cartera.xlsx
    """
    from .ledger.book import load_book, open_items

    day = _as_of(as_of)
    config = _config(config_path)
    db = _open(ctx, config, db_target)
    try:
        rows = open_items(load_book(db, slim=not include_all), day, customer=customer, include_all=include_all)
    except LedgerError as exc:
        click.echo(f"cfdi-ar: {exc}", err=True)
        ctx.exit(2)
    finally:
        db.close()
    _emit(ctx, rows, _OPEN_ITEMS_COLUMNS, fmt, output, sheet="open items", title=f"Open items at {day:%Y-%m-%d}")


@main.group(context_settings=CONTEXT)
def payments() -> None:
    """Payment receipts (REPs) and the invoices they pay."""


_BREAK_COLUMNS = (
    Column("kind", "kind"), Column("fecha_pago", "fecha pago"), Column("payment_uuid", "payment uuid"),
    Column("invoice_uuid", "invoice uuid"), Column("num_parcialidad", "parc", ">"), Column("message", "message", width=90),
)


@payments.command("check", context_settings=CONTEXT, short_help="Every break in the chains of payments.")
@_db_option
@click.option("--period", default=None, metavar="YYYY-MM", help="Only payments dated in this month.")
@_format_options
@_config_option
@click.pass_context
def payments_check(ctx: click.Context, db_target: str | None, period: str | None, fmt: str | None, output: str | None,
                   config_path: str | None) -> None:
    """Check every payment against the invoices it pays; exit 1 when a chain breaks.

    \b
    Breaks:
      unknown_invoice               pays an invoice the ledger does not hold (kept as unapplied cash)
      saldo_anterior_mismatch       ImpSaldoAnt differs from the ledger's balance before the payment
      parcialidad_gap, parcialidad_duplicate
                                    NumParcialidad skips or repeats a number
      overpayment                   ImpPagado above the balance (a credit balance remains)
      payment_on_pue_invoice        pays a PUE invoice (paid at issue; not applied)
      payment_on_cancelled_invoice  pays a cancelled invoice (not applied)
      currency_mismatch             MonedaDR differs from the invoice's Moneda
      party_mismatch                the REP's emisor or receptor differ from the invoice's
      payment_before_invoice        FechaPago before the invoice's Fecha
      cancelled_payment             the REP was cancelled (never applied)

    \b
    Example:
      cfdi-ar payments check --period 2026-10 -o breaks.xlsx
    """
    import re

    from .ledger.book import load_book, payment_breaks

    if period is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise click.BadParameter(f"{period!r} is not a month (YYYY-MM)", param_hint="--period")
    config = _config(config_path)
    db = _open(ctx, config, db_target)
    try:
        rows = payment_breaks(load_book(db), period=period)
    except LedgerError as exc:
        click.echo(f"cfdi-ar: {exc}", err=True)
        ctx.exit(2)
    finally:
        db.close()
    _emit(ctx, rows, _BREAK_COLUMNS, fmt, output, sheet="payment breaks")
    click.echo(f"{len(rows)} break{'s' if len(rows) != 1 else ''} found", err=True)
    ctx.exit(1 if rows else 0)

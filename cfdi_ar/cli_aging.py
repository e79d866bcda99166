"""The month-end close commands of the ``cfdi-ar`` CLI: aging, kpis, close-check. Parsing, output, exit codes only.

Exit codes: 0 clean (aging and kpis are reports: always 0); 1 a blocking close-check item
failed; 2 usage error, bad input (period, buckets, terms file, GL export) or a ledger that
cannot be opened.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any

import click

from .cli import CONTEXT, _from_config, main, stdout_text
from .cli_close import DEFAULT_MAX_EXPORT_MB
from .cli_ledger import _as_of, _config, _config_option, _db_option, _emit, _format_options, _open
from .ledger import LedgerError
from .tabular import Column, render_rows, to_jsonable, write_xlsx

__all__: list[str] = []

Section = tuple[str, str, Sequence[dict[str, Any]], Sequence[Column]]  # (sheet, title, rows, columns)


# --------------------------------------------------------------------------- shared options and output

def _aging_options(f: Any) -> Any:
    f = click.option("--customer", default=None, metavar="RFC", help="Only this customer.")(f)
    return _bucket_options(f)


def _bucket_options(f: Any) -> Any:
    """--buckets, --terms, --default-days: how the aging buckets and due dates are worked out."""
    f = click.option("--default-days", type=click.IntRange(0, 3650), default=None, metavar="N",
                     help="Days of credit for invoices whose CondicionesDePago and the terms file give none. "
                     "Also: default_days in the configuration file. Without it such invoices show under "
                     "'no due date', never as current.")(f)
    f = click.option("--terms", "terms_path", type=click.Path(exists=True, dir_okay=False, path_type=str), default=None,
                     metavar="FILE", help="Customers' days of credit: a CSV with the columns rfc,days[,name] "
                     "(or rfc,dias[,nombre]). Also: terms in the configuration file.")(f)
    f = click.option("--buckets", "buckets_text", default=None, metavar="EDGES",
                     help="Bucket edges in days past due (default 0,30,60,90,120: current, 1-30, 31-60, 61-90, "
                     "91-120, over 120). Also: buckets = [...] in the configuration file.")(f)
    return f


def _aging_settings(ctx: click.Context, config: Any, buckets_text: str | None, terms_path: str | None,
                    default_days: int | None) -> tuple[Any, Any, int | None]:
    """Buckets, terms and default days from the command line, else the configuration file."""
    from .close.aging import Buckets, BucketsError
    from .close.terms import TermsError, read_terms

    try:
        if buckets_text is not None:
            buckets = Buckets.parse(buckets_text)
        elif config.get("buckets") is not None:
            buckets = Buckets.from_values(config.get("buckets"))
        else:
            buckets = Buckets()
    except BucketsError as exc:
        where = "--buckets" if buckets_text is not None else f"buckets in {config.source}"
        raise click.BadParameter(str(exc), param_hint=where) from None
    default_days = _from_config(ctx, "default_days", default_days, config.get("default_days"))
    if default_days is not None and not 0 <= default_days <= 3650:
        raise click.UsageError(f"default_days in {config.source} must be from 0 to 3650, not {default_days}")
    terms_path = _from_config(ctx, "terms_path", terms_path, config.get("terms"))
    terms = None
    if terms_path is not None:
        try:
            terms = read_terms(terms_path)
        except TermsError as exc:
            raise click.UsageError(str(exc)) from None
    return buckets, terms, default_days


def _period(text: str) -> Any:
    from .close.period import Period, PeriodError

    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None


def _provision_settings(config: Any, provision_text: str | None, buckets: Any) -> Any:
    """The bad-debt provision's percentages from --provision, else the configuration file (None: the default)."""
    from .close.kpis import ProvisionError, parse_percentages

    source = provision_text if provision_text is not None else config.get("provision")
    try:
        percentages = parse_percentages(source, buckets) if source is not None else None
        if percentages is None and buckets.edges != (0, 30, 60, 90, 120):
            raise ProvisionError(f"give --provision with one percentage for each bucket ({', '.join(buckets.labels)}): "
                                 "the default 0,1,5,10,25,50 is for the default buckets")
    except ProvisionError as exc:
        where = "--provision" if provision_text is not None or source is None else f"provision in {config.source}"
        raise click.BadParameter(str(exc), param_hint=where) from None
    return percentages


def _provision_option(f: Any) -> Any:
    return click.option("--provision", "provision_text", default=None, metavar="PERCENTS",
                        help="Bad-debt provision, one percentage per aging bucket (default 0,1,5,10,25,50 for the default "
                        "buckets). Also: provision = [...] in the configuration file.")(f)


def _deadline_day(ctx: click.Context, config: Any, value: int | None) -> int:
    day = _from_config(ctx, "deadline_day", value, config.get("rep_deadline_day"))
    if day is None:
        return 5
    if not 1 <= day <= 31:
        raise click.UsageError(f"rep_deadline_day in {config.source} must be a day from 1 to 31, not {day}")
    return int(day)


def _deadline_option(f: Any) -> Any:
    return click.option("--rep-deadline-day", "deadline_day", type=click.IntRange(1, 31), default=None, metavar="DAY",
                        help="A REP is on time when issued (FechaTimbrado) by this day of the month after the payment "
                        "(default 5, SAT's rule; a day past the month's end means its last day). "
                        "Also: rep_deadline_day in the configuration file.")(f)


def _report(ctx: click.Context, fmt: str | None, output: str | None, *, document: dict[str, Any],
            sections: Sequence[Section], flat: tuple[Sequence[dict[str, Any]], Sequence[Column]],
            table: Sequence[Section] | None = None) -> None:
    """Write a report: json (``document``), table (``table``, else every section), csv (``flat``), xlsx (a sheet
    per section)."""
    fmt = fmt or ("xlsx" if output and output.lower().endswith(".xlsx") else None)
    fmt = fmt or ("table" if output is None and sys.stdout.isatty() else "json")
    if fmt == "csv":
        _emit(ctx, flat[0], flat[1], "csv", output, sheet=sections[0][0])
        return
    if output is not None:
        folder = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(folder):
            raise click.UsageError(f"cannot write {output}: folder {folder} does not exist")
    if fmt == "xlsx":
        if output is None:
            raise click.UsageError("--format xlsx writes a workbook: give -o FILE.xlsx")
        sheets = [(sheet, rows, columns) for sheet, _, rows, columns in sections]
        _write(ctx, output, lambda: write_xlsx(output, sheets))
        return

    def text(out: Any) -> None:
        if fmt == "json":
            out.write(json.dumps(to_jsonable(document), ensure_ascii=False, indent=1) + "\n")
            return
        for i, (_, title, rows, columns) in enumerate(table if table is not None else sections):
            if i:
                out.write("\n")
            render_rows(rows, columns, "table", out, title=title)

    if output is None:
        with stdout_text() as out:
            text(out)
        return

    def to_file() -> None:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            text(fh)

    _write(ctx, output, to_file)


def _write(ctx: click.Context, output: str, write: Any) -> None:
    try:
        write()
    except OSError as exc:
        click.echo(f"cfdi-ar: cannot write {output}: {exc.strerror or exc}", err=True)
        ctx.exit(2)


def _load(ctx: click.Context, config: Any, db_target: str | None, read: Any) -> Any:
    """Open the ledger, run ``read(db)``, close it; a ledger error is exit code 2."""
    db = _open(ctx, config, db_target)
    try:
        return read(db)
    except LedgerError as exc:
        click.echo(f"cfdi-ar: {exc}", err=True)
        ctx.exit(2)
    finally:
        db.close()


def _notes(notes: Sequence[str]) -> None:
    for note in notes:
        click.echo(f"note: {note}", err=True)


_M = ">"  # money and counts align right


# --------------------------------------------------------------------------- aging

_AGING_INVOICE_COLUMNS = (
    Column("serie", "serie"), Column("folio", "folio"), Column("uuid", "uuid"), Column("customer_rfc", "customer"),
    Column("customer_name", "name", width=30), Column("fecha", "fecha"), Column("due_date", "due"),
    Column("due_source", "due from"), Column("days_overdue", "days overdue", _M), Column("bucket", "bucket"),
    Column("currency", "cur"), Column("balance", "balance", _M), Column("balance_mxn", "balance MXN", _M),
)


def _aging_columns(labels: Sequence[str]) -> tuple[Column, ...]:
    from .close.aging import NO_DUE_DATE

    return (Column("customer_rfc", "customer"), Column("customer_name", "name", width=30), Column("invoices", "invoices", _M),
            *(Column(label, label, _M) for label in labels), Column(NO_DUE_DATE, NO_DUE_DATE, _M),
            Column("total", "total", _M), Column("credit", "credit", _M), Column("net", "net", _M))


@main.command("aging", context_settings=CONTEXT, short_help="Age receivables by days past due, by customer and in total.")
@_db_option
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="Balances at the end of this day (default: today).")
@_aging_options
@click.option("--by", "by", type=click.Choice(["customer", "invoice"]), default="customer", show_default=True,
              help="One row per customer (with a total), or one per invoice.")
@_format_options
@_config_option
@click.pass_context
def aging_command(ctx: click.Context, db_target: str | None, as_of: str | None, buckets_text: str | None,
                  terms_path: str | None, default_days: int | None, customer: str | None, by: str, fmt: str | None,
                  output: str | None, config_path: str | None) -> None:
    """Age the open invoices at a date by days past their due date, in MXN.

    Balances are those of `open-items` at the end of --as-of (payments by
    FechaPago, credit notes by Fecha), in MXN at each invoice's TipoCambio
    (json also gives each customer's figures in the invoice currency). The due
    date comes from CondicionesDePago ("Crédito 30 días"), else the customer's
    days in --terms, else --default-days; an invoice with none is shown under
    "no due date", never as current. Credit balances (overpayments) are shown
    apart under "credit", as a positive amount: net = total - credit.

    \b
    Examples:
      cfdi-ar aging --as-of 2026-10-31
      cfdi-ar aging --as-of 2026-10-31 --terms plazos.csv --buckets 0,15,30,60 -o aging.xlsx
      cfdi-ar aging --as-of 2026-09-30 --by invoice --customer ALE1503107H2 -f csv
    """
    from .close.aging import aging
    from .ledger.book import load_book

    day: date = _as_of(as_of)
    config = _config(config_path)
    buckets, terms, default_days = _aging_settings(ctx, config, buckets_text, terms_path, default_days)
    report = _load(ctx, config, db_target, lambda db: aging(load_book(db), day, buckets=buckets, terms=terms,
                                                             default_days=default_days, customer=customer))
    by_customer = ("aging", f"Aging at {day:%Y-%m-%d} (MXN at each invoice's TipoCambio)",
                   [c.row() for c in report.customers] + [report.total.row()], _aging_columns(buckets.labels))
    by_invoice = ("aging invoices", f"Open invoices at {day:%Y-%m-%d} by bucket",
                  [i.to_dict() for i in report.items], _AGING_INVOICE_COLUMNS)
    first, second = (by_customer, by_invoice) if by == "customer" else (by_invoice, by_customer)
    _report(ctx, fmt, output, document=report.to_dict(invoices=by == "invoice"), sections=[first, second], table=[first],
            flat=(first[2], first[3]))
    _notes(report.notes)


# --------------------------------------------------------------------------- kpis

_KPI_COLUMNS = (Column("kpi", "kpi"), Column("value", "value", _M), Column("unit", "unit"), Column("how", "how", width=90))
_PAY_COLUMNS = (Column("customer_rfc", "customer"), Column("customer_name", "name", width=30),
                Column("payments", "payments", _M), Column("amount", "paid MXN", _M), Column("days", "days to pay", _M))
_PROVISION_COLUMNS = (Column("bucket", "bucket"), Column("percentage", "%", _M), Column("balance", "balance", _M),
                      Column("no_due_date", "no due date (by Fecha)", _M), Column("base", "base", _M),
                      Column("provision", "provision", _M))
_REP_COLUMNS = (Column("payment_uuid", "REP"), Column("fecha_pago", "fecha pago"), Column("customer_rfc", "customer"),
                Column("issued", "issued"), Column("issued_source", "from"), Column("deadline", "deadline"),
                Column("on_time", "on time"), Column("days_late", "days late", _M))
_FLAT_COLUMNS = (Column("section", "section"), Column("name", "name"), Column("customer", "customer"),
                 Column("bucket", "bucket"), Column("value", "value"), Column("unit", "unit"))


def _kpi_rows(k: Any) -> list[dict[str, Any]]:
    back = k.dso_count_back.to_dict()
    rows = [
        ("opening_ar", k.opening_ar, "MXN", f"AR at {k.period.previous().end}, less what was cancelled in the period"),
        ("cancelled_in_period", k.cancelled_in_period, "MXN", "opening balances of invoices cancelled in the period"),
        ("credit_sales", k.sales.invoices, "MXN", "invoices issued in the period, not PUE, not cancelled"),
        ("credit_notes", k.sales.credit_notes, "MXN", "credit notes of the period applied to those invoices"),
        ("net_credit_sales", k.sales.net, "MXN", "credit sales - credit notes"),
        ("closing_ar", k.closing_ar, "MXN", f"open balances at {k.period.end} (credit balances apart)"),
        ("current_ar", k.current_ar, "MXN", "not yet due at the period's end"),
        ("past_due", k.past_due, "MXN", "every bucket after current"),
        ("no_due_date", k.no_due_date, "MXN", "neither current nor past due"),
        ("credit_balances", k.credit_balances, "MXN", "overpayments, owed to customers"),
        ("dso_standard", k.dso_standard, "days", f"closing AR / net credit sales x {k.period.days}"),
        ("dso_count_back", back["days"], "days", "months of net credit sales walked back until the closing AR is used up"
         + ("" if k.dso_count_back.complete else " (a lower bound: the ledger's months ran out)")),
        ("past_due_pct", k.past_due_pct, "%", "past due / closing AR x 100"),
        ("cei", k.cei, "%", "(opening + net sales - closing AR) / (opening + net sales - current AR) x 100"),
        ("rep_compliance_pct", k.rep_compliance_pct, "%",
         f"{k.rep_on_time} of {len(k.rep_payments)} PPD payments with the REP issued by day {k.rep_deadline_day} "
         "of the next month"),
        ("days_to_pay", k.days_to_pay_total.days, "days", "invoice Fecha to FechaPago, weighted by the amount paid"),
        ("provision_total", k.provision_total, "MXN", "bad-debt provision: each bucket x its %"),
    ]
    return [{"kpi": name, "value": value, "unit": unit, "how": how} for name, value, unit, how in rows]


def _kpi_flat(k: Any) -> list[dict[str, Any]]:
    out = [{"section": "kpi", "name": r["kpi"], "value": r["value"], "unit": r["unit"]} for r in _kpi_rows(k)]
    for d in [*k.days_to_pay, k.days_to_pay_total]:
        who = d.customer_rfc or "TOTAL"
        out += [{"section": "days_to_pay", "name": "payments", "customer": who, "value": d.payments, "unit": "count"},
                {"section": "days_to_pay", "name": "amount", "customer": who, "value": d.amount, "unit": "MXN"},
                {"section": "days_to_pay", "name": "days", "customer": who, "value": d.days, "unit": "days"}]
    for line in k.provision:
        base = line.balance + line.no_due_date
        out += [{"section": "provision", "name": "base", "bucket": line.bucket, "value": base, "unit": "MXN"},
                {"section": "provision", "name": "percentage", "bucket": line.bucket, "value": line.percentage, "unit": "%"},
                {"section": "provision", "name": "provision", "bucket": line.bucket, "value": line.provision, "unit": "MXN"}]
    return out


@main.command("kpis", context_settings=CONTEXT, short_help="DSO, % past due, CEI, REP compliance, days to pay, provision.")
@_db_option
@click.option("--period", required=True, metavar="YYYY-MM", help="The month to report on.")
@_aging_options
@_provision_option
@_deadline_option
@_format_options
@_config_option
@click.pass_context
def kpis_command(ctx: click.Context, db_target: str | None, period: str, buckets_text: str | None, terms_path: str | None,
                 default_days: int | None, customer: str | None, provision_text: str | None, deadline_day: int | None,
                 fmt: str | None, output: str | None, config_path: str | None) -> None:
    """Report the month's receivables KPIs, in MXN at each invoice's TipoCambio.

    \b
    standard DSO     closing AR / net credit sales of the month x days in the month
    count-back DSO   the month's and earlier months' net credit sales walked back until
                     the closing AR is used up
    % past due       past-due AR / closing AR x 100
    CEI              (opening AR + net credit sales - closing AR)
                     / (opening AR + net credit sales - current AR) x 100
    REP compliance   PPD payments of the month whose REP was issued (FechaTimbrado) by
                     day 5 of the next month / PPD payments of the month x 100
    days to pay      invoice Fecha to FechaPago by customer, weighted by amount paid
    provision        each aging bucket at the month's end x its percentage

    Every formula and convention: docs/close-aging.md.

    \b
    Examples:
      cfdi-ar kpis --period 2026-10
      cfdi-ar kpis --period 2026-10 --terms plazos.csv --provision 0,2,5,15,40,80 -o kpis.xlsx
    """
    from .close.kpis import kpis
    from .close.reps import read_rep_issue_dates
    from .ledger.book import load_book

    month = _period(period)
    config = _config(config_path)
    buckets, terms, default_days = _aging_settings(ctx, config, buckets_text, terms_path, default_days)
    day = _deadline_day(ctx, config, deadline_day)
    percentages = _provision_settings(config, provision_text, buckets)
    k = _load(ctx, config, db_target, lambda db: kpis(load_book(db), read_rep_issue_dates(db), month, buckets=buckets,
                                                      terms=terms, default_days=default_days, percentages=percentages,
                                                      deadline_day=day, customer=customer))
    who = f" for {k.customer}" if k.customer else ""
    total_line = {"bucket": "TOTAL", "provision": k.provision_total}
    _report(ctx, fmt, output, document=k.to_dict(), flat=(_kpi_flat(k), _FLAT_COLUMNS), sections=[
        ("kpis", f"KPIs for {month}{who} (MXN at each invoice's TipoCambio)", _kpi_rows(k), _KPI_COLUMNS),
        ("days to pay", f"Days to pay: payments with FechaPago in {month}",
         [d.to_dict() for d in k.days_to_pay] + [{**k.days_to_pay_total.to_dict(), "customer_rfc": "TOTAL",
                                                   "customer_name": None}], _PAY_COLUMNS),
        ("provision", f"Bad-debt provision at {month.end:%Y-%m-%d}",
         [line.to_dict() for line in k.provision] + [total_line], _PROVISION_COLUMNS),
        ("rep compliance", f"REP compliance: PPD payments of {month} (deadline: day {day} of the following month)",
         [t.to_dict() for t in k.rep_payments], _REP_COLUMNS),
    ])
    _notes(k.notes)


# --------------------------------------------------------------------------- close-check

_CHECK_COLUMNS = (Column("item", "item"), Column("status", "status"), Column("severity", "severity"),
                  Column("count", "findings", _M), Column("note", "note", width=90))
_FINDING_COLUMNS = (Column("item", "item"), Column("status", "status"), Column("severity", "severity"),
                    Column("uuid", "uuid"), Column("message", "message", width=120))


def _gl_lines(ctx: click.Context, gl_path: str, account: str, gl_map: str | None, gl_preset: str | None,
              max_mb: float) -> tuple[Any, dict[str, Any]]:
    """The control account's lines from the GL export (read as `reconcile` reads it), and what was read."""
    from .close.gl import GLFormatError, account_lines, read_gl

    try:
        export = read_gl(gl_path, gl_map, gl_preset, account=account, max_mb=max_mb)
    except GLFormatError as exc:  # it names the file, the row and the column
        click.echo(f"cfdi-ar: {exc}", err=True)
        ctx.exit(2)
    except OSError as exc:
        click.echo(f"cfdi-ar: cannot read {gl_path}: {exc.strerror or exc}", err=True)
        ctx.exit(2)
    lines = account_lines(export.lines, account)
    if len(lines) == 0:
        raise click.UsageError(f"the GL export {gl_path} has no lines for the account {account!r}")
    return lines, {"source": export.source, "layout": export.layout, "account": account, "lines": int(len(lines))}


@main.command("close-check", context_settings=CONTEXT,
              short_help="The month-end close checklist; exit 1 when a blocking item fails.")
@_db_option
@click.option("--period", required=True, metavar="YYYY-MM", help="The month being closed.")
@click.option("--gl", "gl_path", type=click.Path(exists=True, dir_okay=False, path_type=str), default=None, metavar="FILE",
              help="The GL export (CSV or XLSX) for the GL items (rep_missing, pue_unpaid, cancelled_open).")
@click.option("--account", default=None, metavar="CODE", help="The AR control account in the GL: a code or a code prefix.")
@click.option("--gl-map", "gl_map", type=click.Path(exists=True, dir_okay=False, path_type=str), default=None,
              metavar="FILE", help="A mapping file for a GL layout that is not recognised from its headers.")
@click.option("--gl-preset", metavar="NAME", help="Read the GL export with this preset only (cfdi-ar reconcile --list-presets).")
@click.option("--max-export-mb", type=click.FloatRange(min=1), default=DEFAULT_MAX_EXPORT_MB, show_default=True, metavar="MB",
              help="Refuse a GL export larger than this.")
@_deadline_option
@_format_options
@_config_option
@click.pass_context
def close_check_command(ctx: click.Context, db_target: str | None, period: str, gl_path: str | None, account: str | None,
                        gl_map: str | None, gl_preset: str | None, max_export_mb: float, deadline_day: int | None,
                        fmt: str | None, output: str | None, config_path: str | None) -> None:
    """Check the month before closing it; each item passes or fails with its findings.

    \b
    item                     severity  fails when
    payment_complement_late  warning   a REP was issued after day 5 of the month following its FechaPago
    rep_missing              blocking  the GL shows a payment of a PPD invoice in the month, and no REP pays it
    pue_unpaid               blocking  a PUE invoice still has a balance in the GL at the month's end
    invalid_cfdi             blocking  one of our documents of the month has error findings
    cancelled_open           blocking  a cancelled invoice is still open in the ledger, or has a GL balance

    Without --gl the GL items are reported as not checked, never as passed.
    Exit codes: 0 no blocking item failed (warnings allowed); 1 a blocking item
    failed; 2 usage or input error.

    \b
    Examples:
      cfdi-ar close-check --period 2026-10
      cfdi-ar close-check --period 2026-10 --gl balanza-octubre.xlsx --account 105-01 -o cierre.xlsx
    """
    from .close.checks import close_check, read_invalid_documents
    from .close.reps import read_rep_issue_dates
    from .ledger.book import load_book

    month = _period(period)
    if (gl_path is None) != (account is None):
        raise click.UsageError("--gl and --account go together: the GL export and its AR control account")
    if (gl_map is not None or gl_preset is not None) and gl_path is None:
        raise click.UsageError("--gl-map and --gl-preset need --gl")
    config = _config(config_path)
    day = _deadline_day(ctx, config, deadline_day)
    lines, gl = (_gl_lines(ctx, gl_path, account, gl_map, gl_preset, max_export_mb)
                 if gl_path is not None and account is not None else (None, None))
    check = _load(ctx, config, db_target, lambda db: close_check(load_book(db), read_rep_issue_dates(db),
                                                                 read_invalid_documents(db), month, gl_lines=lines, gl=gl,
                                                                 deadline_day=day))
    checklist, findings = [], []
    for item in check.items:
        severity = "blocking" if item.blocking else "warning"
        status = item.status.replace("_", " ")
        checklist.append({"item": item.kind, "status": status, "severity": severity,
                          "count": len(item.findings) if item.status != "not_checked" else None,
                          "note": item.note or item.title})
        for f in item.findings or [{}]:
            findings.append({"item": item.kind, "status": status, "severity": severity,
                             "uuid": f.get("uuid") or f.get("payment_uuid"), "message": f.get("message", item.note)})
    shown = [f for f in findings if f["status"] == "fail"]
    sections: list[Section] = [("checklist", f"Close check for {month}", checklist, _CHECK_COLUMNS),
                               ("findings", "Findings", shown, _FINDING_COLUMNS)]
    _report(ctx, fmt, output, document=check.to_dict(), flat=(findings, _FINDING_COLUMNS), sections=sections,
            table=sections if shown else sections[:1])
    failed = check.failed_blocking
    unchecked = [i.kind for i in check.items if i.status == "not_checked"]
    verdict = f"FAILED ({', '.join(failed)})" if failed else "passed"
    extra = f"; not checked: {', '.join(unchecked)}" if unchecked else ""
    click.echo(f"close check {month}: {verdict}{extra}", err=True)
    ctx.exit(check.exit_code)

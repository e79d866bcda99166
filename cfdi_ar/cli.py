"""The ``cfdi-ar`` command line: argument parsing, output and exit codes only.

Exit codes: 0 every document is valid; 1 some document has an error finding;
2 usage error, bad configuration, unreadable input, or nothing to validate.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

import click
from click.core import ParameterSource

from . import __version__
from .config import ConfigError, load_config
from .context import Settings
from .io.sources import Limits
from .report import FORMATS, render, render_rules
from .sat.certs import CertificateError, load_certificate_file
from .validate import validate_paths

__all__ = ["main"]

CONTEXT = dict(help_option_names=["-h", "--help"], max_content_width=100)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="cfdi-ar")
def main() -> None:
    """cfdi-ar: CFDI 4.0 and Pagos 2.0 for accounts receivable teams in Mexico.

    Validates invoices (I), credit notes (E) and payment receipts (P, the REP)
    offline: SAT's schemas, the seal and certificate, the stamp, and SAT's
    rules. Run `cfdi-ar COMMAND --help` for each command.
    """


def _from_config(ctx: click.Context, name: str, value: Any, config_value: Any) -> Any:
    """The command line and environment win; the configuration file fills in defaults."""
    if config_value is not None and ctx.get_parameter_source(name) in (ParameterSource.DEFAULT, None):
        return config_value
    return value


def _check_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say how documents are checked, shared by validate and ingest."""
    options = [
        click.option("--test-certificates/--no-test-certificates", default=False, envvar="CFDI_AR_TEST_CERTIFICATES",
                     help="Accept SAT's public test certificates (AC UAT) with a warning instead of an error. "
                     "For test environments only."),
        click.option("--sat-certs", type=click.Path(exists=True, file_okay=False, path_type=str), envvar="CFDI_AR_SAT_CERTS",
                     help="Folder of SAT stamp certificates (.cer named by serial) used to verify stamps offline. "
                     "Also: CFDI_AR_SAT_CERTS, or sat_certs in the configuration file."),
        click.option("--trust-ca", "trust_ca", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=str),
                     help="Also accept CSDs issued by this CA certificate (a SAT CA newer than the bundled ones, "
                     "or your PAC's test CA). Repeatable."),
        click.option("--lrfc", type=click.Path(exists=True, dir_okay=False, path_type=str), envvar="CFDI_AR_LRFC",
                     help="SAT's list of registered RFCs (LRFC), or your own list of known RFCs: one RFC per line, or a "
                     "CSV/TXT with an RFC column. Turns on CFDI40143 and CRP20222 (skipped without it). "
                     "Also: CFDI_AR_LRFC, or lrfc in the configuration file."),
        click.option("--catalogs", "catalogs_dir", type=click.Path(exists=True, file_okay=False, path_type=str),
                     envvar="CFDI_AR_CATALOGS_DIR", default=None, metavar="DIR",
                     help="Folder of SAT catalogs written by `cfdi-ar catalogs import` (default: the user catalog "
                     "folder, else the built-in catalogs). Also: CFDI_AR_CATALOGS_DIR, or catalogs in the configuration file."),
        click.option("--exclude", multiple=True, metavar="PATTERN",
                     help="Leave out files and folders matching this glob while walking folders (repeatable; "
                     "e.g. --exclude broken --exclude '*.tmp.xml'). A path given on the command line is always read. "
                     "Also: exclude = [...] in the configuration file."),
        click.option("--max-size", "max_size_mb", type=click.FloatRange(min=0.001), default=20, show_default=True,
                     help="Refuse documents larger than this many megabytes."),
        click.option("--rules", "rules_", default=None, metavar="CODES", help="Run only these rule codes (comma-separated)."),
        click.option("--skip", default=None, metavar="CODES", help="Do not run these rule codes (comma-separated)."),
        click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False, path_type=str), default=None,
                     envvar="CFDI_AR_CONFIG", help="Configuration file (default: ./cfdi-ar.toml, then ~/.config/cfdi-ar/config.toml)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _settings(ctx: click.Context, config: Any, test_certificates: bool, sat_certs: str | None, trust_ca: tuple[str, ...],
              lrfc: str | None, catalogs_dir: str | None, exclude: tuple[str, ...], max_size_mb: float,
              rules_: str | None, skip: str | None) -> Settings:
    """The check options merged with the configuration file and verified (a bad one is a usage error)."""
    test_certificates = _from_config(ctx, "test_certificates", test_certificates, config.get("test_certificates"))
    sat_certs = _from_config(ctx, "sat_certs", sat_certs, config.get("sat_certs"))
    trust_ca = trust_ca or tuple(config.get("trust_ca") or ())
    max_size_mb = _from_config(ctx, "max_size_mb", max_size_mb, config.get("max_size_mb"))
    lrfc = _from_config(ctx, "lrfc", lrfc, config.get("lrfc"))
    catalogs_dir = _from_config(ctx, "catalogs_dir", catalogs_dir, config.get("catalogs"))
    exclude = exclude or tuple(str(p) for p in config.get("exclude") or ())
    if catalogs_dir:
        from .sat.catalogs import CatalogError, load_catalogs

        if not os.path.isdir(catalogs_dir):
            raise click.UsageError(f"catalog folder {catalogs_dir} does not exist")
        try:
            load_catalogs(catalogs_dir)
        except CatalogError as exc:
            raise click.UsageError(str(exc)) from None
    if lrfc:
        from .sat.external import ExternalDataError, load_lrfc

        try:
            load_lrfc(lrfc)  # read once here (and cached) so a bad file is a usage error, not a crash
        except ExternalDataError as exc:
            raise click.UsageError(str(exc)) from None
    if sat_certs and not os.path.isdir(sat_certs):
        raise click.UsageError(f"SAT certificate folder {sat_certs} does not exist")
    for path in trust_ca:
        try:
            load_certificate_file(Path(path))
        except (OSError, CertificateError) as exc:
            raise click.UsageError(f"--trust-ca {path}: {exc}") from None
    from .rules import select

    try:
        select(_codes(rules_), _codes(skip))
    except KeyError as exc:
        raise click.UsageError(f"unknown rule code(s): {exc.args[0]} (see `cfdi-ar rules`)") from None
    if not lrfc:
        from .rules.external import PLUGGABLE

        for code in _codes(rules_):
            if PLUGGABLE.get(code) == "--lrfc":
                click.echo(f"cfdi-ar: warning: {code} needs an LRFC file (--lrfc); without it, it checks nothing", err=True)
    settings = Settings(
        test_certificates=bool(test_certificates),
        sat_certs=sat_certs,
        trust_roots=tuple(trust_ca),
        limits=Limits(max_document_bytes=int(max_size_mb * 1024 * 1024)),
        include_rules=_codes(rules_),
        exclude_rules=_codes(skip),
        lrfc=lrfc or None,
        catalogs_dir=catalogs_dir or None,
        exclude=tuple(exclude),
    )
    return settings


def _codes(text: str | None) -> tuple[str, ...]:
    return tuple(c.strip().upper() for c in (text or "").split(",") if c.strip())


@main.command(context_settings=CONTEXT, short_help="Validate CFDI 4.0 documents: files, folders and ZIP archives.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True, path_type=str))
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format. Default: table on a terminal, json otherwise.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=str), default=None,
              help="Write the report to FILE instead of standard output.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes (0: one per CPU).")
@_check_options
@click.option("-v", "--verbose", is_flag=True, help="Also show informational findings in the table.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], fmt: str | None, output: str | None, jobs: int,
             test_certificates: bool, sat_certs: str | None, trust_ca: tuple[str, ...], lrfc: str | None,
             catalogs_dir: str | None, exclude: tuple[str, ...], max_size_mb: float,
             rules_: str | None, skip: str | None, config_path: str | None, verbose: bool, quiet: bool) -> None:
    """Validate CFDI 4.0 documents: files, folders (recursive) and ZIP archives.

    Each document gets a verdict and its findings: a code (SAT's, such as
    CFDI40102, where SAT defines one), a severity, a message and the XPath
    of the node. ZIPs (e.g. SAT bulk downloads) are read in memory, never
    extracted.

    \b
    Examples:
      cfdi-ar validate facturas/
      cfdi-ar validate --sat-certs sat-certs/ --format csv -o report.csv descarga.zip
    """
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    jobs = _from_config(ctx, "jobs", jobs, config.get("jobs"))
    settings = _settings(ctx, config, test_certificates, sat_certs, trust_ca, lrfc, catalogs_dir, exclude, max_size_mb,
                         rules_, skip)
    jobs = jobs or os.cpu_count() or 1
    if output is not None:
        folder = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(folder):
            raise click.UsageError(f"cannot write the report to {output}: folder {folder} does not exist")
        if not os.access(folder, os.W_OK):
            raise click.UsageError(f"cannot write the report to {output}: folder {folder} is not writable")
    out_is_tty = output is None and sys.stdout.isatty()
    fmt = fmt or ("table" if out_is_tty else "json")
    freeze_startup_objects()
    report = _run(paths, settings, jobs, show_progress=not quiet and sys.stderr.isatty())
    summary = None if quiet else report.counts()
    if output:
        try:
            with open(output, "w", encoding="utf-8", errors="backslashreplace", newline="") as fh:
                render(report.results, fmt, fh, summary=summary, verbose=verbose)
        except OSError as exc:
            click.echo(f"cfdi-ar: cannot write the report to {output}: {exc.strerror or exc}", err=True)
            ctx.exit(2)
    else:
        with stdout_text() as out:
            render(report.results, fmt, out, summary=summary, verbose=verbose, color=out_is_tty)
    if not report.results:
        click.echo("cfdi-ar: no XML documents found in the given paths", err=True)
    elif not quiet and fmt != "table":
        c = report.counts()
        noun = "document" if c["documents"] == 1 else "documents"
        click.echo(f"{c['documents']} {noun}: {c['valid']} valid, {c['invalid']} invalid", err=True)
    ctx.exit(report.exit_code())


class ChunkedText:
    """A text stream's writes gathered and passed on ~64 KiB at a time.

    Where ``PYTHONUNBUFFERED`` is set (many container images set it), every write to ``sys.stdout``
    is a system call: a CSV or table written row by row cost one per row (10,000 in an ingest of
    10,000 documents, ~3 us each)."""

    CHUNK = 1 << 16

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._parts: list[str] = []
        self._size = 0

    def write(self, text: str) -> int:
        self._parts.append(text)
        self._size += len(text)
        if self._size >= self.CHUNK:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._parts:
            text = "".join(self._parts)
            self._parts.clear()
            self._size = 0
            self._stream.write(text)
        self._stream.flush()


@contextmanager
def stdout_text() -> Iterator[ChunkedText]:
    """Standard output for a report: text it cannot encode is escaped (:func:`_never_fail_on_encoding`),
    and what is written reaches it in chunks (:class:`ChunkedText`), all of it even when the report
    fails half way."""
    _never_fail_on_encoding(sys.stdout)
    out = ChunkedText(sys.stdout)
    try:
        yield out
    finally:
        out.flush()


def _never_fail_on_encoding(stream: Any) -> None:
    """A message or file name the terminal's encoding cannot show is escaped, never a crash."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):  # pragma: no cover - streams that refuse
            pass


# The young generation's collection threshold for a long run. A group of documents checked together
# (validate.inspect_batch) keeps its trees, models and facts alive until the group is done, when reference
# counting frees them; at Python's default of 700 the collector ran 118 times over 2,000 documents (groups
# of 16), walking those live objects each time (~16 us a document), and not at all at 20,000.
YOUNG_THRESHOLD = 20_000


def freeze_startup_objects() -> None:
    """Before a long run: what start-up made (modules, compiled rules, click's objects) never becomes
    garbage, so the cyclic collector need not walk it again at every full collection (``gc.freeze``;
    ~0.6% of a 10,000-document run, measured with callgrind); and the young generation is collected
    at :data:`YOUNG_THRESHOLD` allocations, not 700."""
    gc.freeze()
    young, older, oldest = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, young), older, oldest)


def freezing_progress(update: Callable[[int], None] | None = None) -> Callable[[int], None]:
    """An ``on_progress`` callback that, once the first document is done, freezes again (see
    :func:`freeze_startup_objects`): the first document loads what every later one shares, such as
    the compiled schema's catalog sets (~150,000 strings), which the collector otherwise walked at
    each of its older-generation passes (27k instructions a document over 1,000 documents, callgrind).
    Then it passes each count on to ``update``."""
    frozen = False

    def on_progress(n: int) -> None:
        nonlocal frozen
        if not frozen:
            frozen = True
            gc.freeze()
        if update is not None:
            update(n)

    return on_progress


def _run(paths: tuple[str, ...], settings: Settings, jobs: int, *, show_progress: bool):  # type: ignore[no-untyped-def]
    if not show_progress:
        return validate_paths(paths, settings, jobs=jobs, on_progress=freezing_progress())
    bar: dict[str, Any] = {}

    def on_plan(total: int) -> None:
        if total >= 20:
            bar["bar"] = click.progressbar(length=total, label="Validating", file=sys.stderr, show_pos=True)
            bar["bar"].__enter__()

    def on_progress(n: int) -> None:
        if "bar" in bar:
            bar["bar"].update(n)

    try:
        return validate_paths(paths, settings, jobs=jobs, on_plan=on_plan, on_progress=freezing_progress(on_progress))
    finally:
        if "bar" in bar:
            bar["bar"].__exit__(None, None, None)


_STATUSES = ("implemented", "schema", "reader", "external", "needs external data")


@main.command(context_settings=CONTEXT)
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]), default="table", show_default=True)
@click.option("--status", "status", type=click.Choice(_STATUSES, case_sensitive=False), default=None,
              help="List only the codes with this status (external: every 'needs external data' code).")
def rules(fmt: str, status: str | None) -> None:
    """List every code cfdi-ar can report: SAT's codes and its own.

    Each code has a status:

    \b
      implemented          a check of cfdi-ar
      schema               SAT's XSD enforces it; cfdi-ar maps the schema error to the code
      reader               raised while reading or recognising the input
      needs external data  SAT checks it against data outside the document (its RFC lists,
                           the day's exchange rate, a PAC's confirmation keys); with an option
                           in brackets, e.g. "(--lrfc)", cfdi-ar checks it when you supply
                           that data, and skips it otherwise

    \b
    Examples:
      cfdi-ar rules --status external
      cfdi-ar rules --format markdown > rules.md
    """
    from .report import rule_status
    from .rules import all_rules

    chosen = all_rules()
    if status is not None:
        prefix = "needs external data" if status.lower() in ("external", "needs external data") else status.lower()
        chosen = tuple(r for r in chosen if rule_status(r).startswith(prefix))
    render_rules(chosen, fmt, sys.stdout)


# --------------------------------------------------------------------------- catalogs


@main.group(context_settings=CONTEXT)
def catalogs() -> None:
    """SAT catalog data the rules read beyond the schema.

    SAT's schema lists catalog keys, not the other columns its rules need
    (a currency's decimals, which regimes a UsoCFDI admits, the tax rates of
    c_TasaOCuota, what a ClaveProdServ obliges...). cfdi-ar ships them; import
    a newer catCFDI workbook from SAT to refresh them.
    """


@catalogs.command("import", context_settings=CONTEXT, short_help="Import SAT's catCFDI workbook (.xls or .xlsx).")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "dest", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
              help="Write the catalog files to this folder instead of the user catalog folder "
              "(CFDI_AR_CATALOGS_DIR, else ~/.local/share/cfdi-ar/catalogs; validate reads that one).")
@click.pass_context
def catalogs_import(ctx: click.Context, path: Path, dest: Path | None) -> None:
    """Import SAT's catCFDI workbook (catCFDI_V_4_AAAAMMDD.xls, or an .xlsx re-save).

    Reads c_FormaPago, c_UsoCFDI, c_RegimenFiscal, c_TasaOCuota, c_Moneda and
    c_ClaveProdServ, keeps the rows in force today, and writes one JSON file per
    catalog, recording SAT's version, the import date and the workbook's SHA-256.
    These files replace the built-in ones. A workbook that lacks a sheet or a
    column is refused (exit code 2) and nothing is written.

    \b
    Example:
      cfdi-ar catalogs import ~/Descargas/catCFDI_V_4_20260903.xls
    """
    from .sat.catalogs_import import CatalogImportError, import_workbook

    try:
        imported = import_workbook(path, dest)
    except CatalogImportError as exc:
        click.echo(f"cfdi-ar: {path.name}: {exc}", err=True)
        ctx.exit(2)
    width = max(len(i.catalog) for i in imported)
    for i in imported:
        click.echo(f"{i.catalog:<{width}}  {i.rows:>6} rows  {i.version}")
    click.echo(f"written to {imported[0].path.parent}")


@catalogs.command("info", context_settings=CONTEXT, short_help="Show the catalogs in use and where they come from.")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def catalogs_info(ctx: click.Context, fmt: str) -> None:
    """Show the catalogs in use: file, built-in or imported, version, date reflected, rows."""
    from .sat.catalogs import CatalogError, load_catalogs, user_dir

    try:
        files = load_catalogs().files
    except CatalogError as exc:
        click.echo(f"cfdi-ar: {exc}", err=True)
        ctx.exit(2)
    rows = [{"catalog": f.catalog, "origin": "built-in" if f.builtin else "imported", "version": f.version,
             "reflects": f.reflects, "rows": f.rows, "file": f.path} for f in files]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    width = max(len(r["catalog"]) for r in rows)
    click.echo(f"{'catalog':<{width}}  {'origin':<8}  {'rows':>6}  version")
    for r in rows:
        click.echo(f"{r['catalog']:<{width}}  {r['origin']:<8}  {r['rows']:>6}  {r['version']}")
        click.echo(f"{'':<{width}}  reflects: {r['reflects']}")
        click.echo(f"{'':<{width}}  file:     {r['file']}")
    click.echo(f"\nImported catalogs are read from {user_dir()} (`cfdi-ar catalogs import` writes there).")


from . import cli_ledger  # noqa: E402,F401 - registers the ledger commands (ingest, history) on main
from . import cli_aging  # noqa: E402,F401 - registers the close commands (aging, kpis, close-check) on main
from . import cli_close  # noqa: E402,F401 - registers the close's reconcile command on main
from . import cli_pack  # noqa: E402,F401 - registers the month-end close (cfdi-ar close) on main

if __name__ == "__main__":  # pragma: no cover
    main()

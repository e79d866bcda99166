"""The ``cfdi-ar`` command line: argument parsing, output and exit codes only.

Exit codes: 0 every document is valid; 1 some document has an error finding;
2 usage error, bad configuration, unreadable input, or nothing to validate.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

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


def _codes(text: str | None) -> tuple[str, ...]:
    return tuple(c.strip().upper() for c in (text or "").split(",") if c.strip())


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=True, path_type=str))
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format. Default: table on a terminal, json otherwise.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=str), default=None,
              help="Write the report to FILE instead of standard output.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes (0: one per CPU).")
@click.option("--test-certificates/--no-test-certificates", default=False, envvar="CFDI_AR_TEST_CERTIFICATES",
              help="Accept SAT's public test certificates (AC UAT) with a warning instead of an error. "
              "For test environments only.")
@click.option("--sat-certs", type=click.Path(exists=True, file_okay=False, path_type=str), envvar="CFDI_AR_SAT_CERTS",
              help="Folder of SAT stamp certificates (.cer named by serial) used to verify stamps offline. "
              "Also: CFDI_AR_SAT_CERTS, or sat_certs in the configuration file.")
@click.option("--trust-ca", "trust_ca", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=str),
              help="Also accept CSDs issued by this CA certificate (a SAT CA newer than the bundled ones, "
              "or your PAC's test CA). Repeatable.")
@click.option("--max-size", "max_size_mb", type=click.FloatRange(min=0.001), default=20, show_default=True,
              help="Refuse documents larger than this many megabytes.")
@click.option("--rules", "rules_", default=None, metavar="CODES", help="Run only these rule codes (comma-separated).")
@click.option("--skip", default=None, metavar="CODES", help="Do not run these rule codes (comma-separated).")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False, path_type=str), default=None,
              envvar="CFDI_AR_CONFIG", help="Configuration file (default: ./cfdi-ar.toml, then ~/.config/cfdi-ar/config.toml).")
@click.option("-v", "--verbose", is_flag=True, help="Also show informational findings in the table.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], fmt: str | None, output: str | None, jobs: int,
             test_certificates: bool, sat_certs: str | None, trust_ca: tuple[str, ...], max_size_mb: float,
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
    test_certificates = _from_config(ctx, "test_certificates", test_certificates, config.get("test_certificates"))
    sat_certs = _from_config(ctx, "sat_certs", sat_certs, config.get("sat_certs"))
    trust_ca = trust_ca or tuple(config.get("trust_ca") or ())
    max_size_mb = _from_config(ctx, "max_size_mb", max_size_mb, config.get("max_size_mb"))
    jobs = _from_config(ctx, "jobs", jobs, config.get("jobs"))
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
    settings = Settings(
        test_certificates=bool(test_certificates),
        sat_certs=sat_certs,
        trust_roots=tuple(trust_ca),
        limits=Limits(max_document_bytes=int(max_size_mb * 1024 * 1024)),
        include_rules=_codes(rules_),
        exclude_rules=_codes(skip),
    )
    jobs = jobs or os.cpu_count() or 1
    if output is not None:
        folder = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(folder):
            raise click.UsageError(f"cannot write the report to {output}: folder {folder} does not exist")
        if not os.access(folder, os.W_OK):
            raise click.UsageError(f"cannot write the report to {output}: folder {folder} is not writable")
    out_is_tty = output is None and sys.stdout.isatty()
    fmt = fmt or ("table" if out_is_tty else "json")
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
        _never_fail_on_encoding(sys.stdout)
        render(report.results, fmt, sys.stdout, summary=summary, verbose=verbose, color=out_is_tty)
    if not report.results:
        click.echo("cfdi-ar: no XML documents found in the given paths", err=True)
    elif not quiet and fmt != "table":
        c = report.counts()
        noun = "document" if c["documents"] == 1 else "documents"
        click.echo(f"{c['documents']} {noun}: {c['valid']} valid, {c['invalid']} invalid", err=True)
    ctx.exit(report.exit_code())


def _never_fail_on_encoding(stream: Any) -> None:
    """A message or file name the terminal's encoding cannot show is escaped, never a crash."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):  # pragma: no cover - streams that refuse
            pass


def _run(paths: tuple[str, ...], settings: Settings, jobs: int, *, show_progress: bool):  # type: ignore[no-untyped-def]
    if not show_progress:
        return validate_paths(paths, settings, jobs=jobs)
    bar: dict[str, Any] = {}

    def on_plan(total: int) -> None:
        if total >= 20:
            bar["bar"] = click.progressbar(length=total, label="Validating", file=sys.stderr, show_pos=True)
            bar["bar"].__enter__()

    def on_progress(n: int) -> None:
        if "bar" in bar:
            bar["bar"].update(n)

    try:
        return validate_paths(paths, settings, jobs=jobs, on_plan=on_plan, on_progress=on_progress)
    finally:
        if "bar" in bar:
            bar["bar"].__exit__(None, None, None)


@main.command(context_settings=CONTEXT)
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]), default="table", show_default=True)
def rules(fmt: str) -> None:
    """List every code cfdi-ar can report: SAT's codes and its own."""
    from .rules import all_rules

    render_rules(all_rules(), fmt, sys.stdout)


if __name__ == "__main__":  # pragma: no cover
    main()

"""The ``cfdi-ar`` command line: exit codes, output formats, options and configuration precedence."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from lxml import etree

from cfdi_ar import DocumentResult, Report, __version__
from cfdi_ar.cli import main
from cfdi_ar.demo.seal import to_bytes

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "schemas" / "validate-report.schema.json").read_text(encoding="utf-8"))
CODE = re.compile(r"^(CFDI40\d{3}|CRP20\d{3}|CFDIAR-[A-Z]+(-\d{3})?)$")
CSV_HEADER = ["file", "uuid", "version", "type", "valid", "severity", "code", "message", "path"]
JSON_KEYS = {"file", "uuid", "version", "type", "valid", "checks", "findings"}


@pytest.fixture(autouse=True)
def hermetic(tmp_path, monkeypatch):
    """No configuration from the environment, the user's home or the current folder leaks in."""
    for var in ("CFDI_AR_CONFIG", "CFDI_AR_SAT_CERTS", "CFDI_AR_TEST_CERTIFICATES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def cli(*args: object, env: dict[str, str | None] | None = None) -> Result:
    """Run ``cfdi-ar`` in-process; a Python traceback is never an acceptable outcome."""
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"cfdi-ar crashed: {result.exception!r}") from result.exception
    return result


def trusted(pki) -> list[object]:
    return ["--trust-ca", pki.ca_path, "--sat-certs", pki.sat_certs]


def tampered(root):
    root.set("Folio", "99999")  # after sealing: the seal no longer verifies (and no business rule reads Folio)
    return root


@pytest.fixture
def valid_folder(tmp_path, sealed_invoice, sealed_payment) -> Path:
    folder = tmp_path / "valid"
    folder.mkdir()
    (folder / "F-1001.xml").write_bytes(to_bytes(sealed_invoice()))
    (folder / "P-2001.xml").write_bytes(to_bytes(sealed_payment()))
    return folder


@pytest.fixture
def mixed_folder(tmp_path, sealed_invoice) -> Path:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a-valid.xml").write_bytes(to_bytes(sealed_invoice()))
    (folder / "b-tampered.xml").write_bytes(to_bytes(tampered(sealed_invoice())))
    return folder


def as_json(result: Result) -> list[dict]:
    data = json.loads(result.stdout)
    jsonschema.validate(data, SCHEMA)
    return data


# --------------------------------------------------------------------------- exit codes


def test_exit_0_when_every_document_is_valid(valid_folder, pki):
    result = cli("validate", *trusted(pki), valid_folder)
    assert result.exit_code == 0, result.output
    assert [d["valid"] for d in as_json(result)] == [True, True]


def test_exit_1_when_a_document_has_an_error_finding(mixed_folder, pki):
    result = cli("validate", *trusted(pki), mixed_folder)
    assert result.exit_code == 1
    data = as_json(result)
    assert [d["valid"] for d in data] == [True, False]
    assert "CFDI40102" in [f["code"] for f in data[1]["findings"]]


def test_exit_1_when_the_csd_issuer_is_not_trusted(valid_folder):
    result = cli("validate", valid_folder)
    assert result.exit_code == 1
    assert all("CFDI40106" in [f["code"] for f in d["findings"]] for d in as_json(result))


def test_a_single_file_can_be_validated(valid_folder, pki):
    result = cli("validate", *trusted(pki), valid_folder / "P-2001.xml")
    assert result.exit_code == 0
    assert [d["type"] for d in as_json(result)] == ["P"]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--no-such-option"], id="unknown-option"),
        pytest.param(["{tmp}/missing.xml"], id="missing-path"),
        pytest.param(["--rules", "NOPE"], id="unknown-rule"),
        pytest.param(["--skip", "CFDI40102,NOPE"], id="unknown-skip"),
        pytest.param(["--format", "xml"], id="unknown-format"),
        pytest.param(["--jobs", "-1"], id="negative-jobs"),
        pytest.param(["--max-size", "0"], id="zero-max-size"),
        pytest.param(["--sat-certs", "{tmp}/no-such-folder"], id="missing-sat-certs"),
        pytest.param(["--trust-ca", "{tmp}/not-a-cert.cer"], id="trust-ca-not-a-certificate"),
        pytest.param(["--trust-ca", "{tmp}/valid/F-1001.xml"], id="trust-ca-an-xml-file"),
        pytest.param(["--config", "{tmp}/broken.toml"], id="config-not-toml"),
        pytest.param(["--config", "{tmp}/no-such.toml"], id="config-missing"),
    ],
)
def test_usage_errors_exit_2_without_a_traceback(tmp_path, valid_folder, args):
    (tmp_path / "not-a-cert.cer").write_bytes(b"-----BEGIN NONSENSE-----\n")
    (tmp_path / "broken.toml").write_text("sat_certs = [unclosed\n", encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = cli("validate", *args, valid_folder)
    assert result.exit_code == 2, result.output
    assert "Error" in result.stderr and "Traceback" not in result.output
    assert result.stdout == ""  # no report on a usage error


def test_no_paths_is_a_usage_error():
    result = cli("validate")
    assert result.exit_code == 2 and "PATHS" in result.stderr


def test_a_truncated_zip_exits_2(tmp_path, sealed_invoice):
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("F-1.xml", to_bytes(sealed_invoice()))
    cut = tmp_path / "descarga.zip"
    cut.write_bytes(whole.read_bytes()[:200])
    result = cli("validate", cut)
    assert result.exit_code == 2
    (doc,) = as_json(result)
    assert doc["file"] == str(cut) and [f["code"] for f in doc["findings"]] == ["CFDIAR-ZIP-001"]


def test_an_unreadable_input_wins_over_invalid_documents(tmp_path, mixed_folder, pki):
    (tmp_path / "cut.zip").write_bytes(b"PK\x03\x04 truncated")
    result = cli("validate", *trusted(pki), mixed_folder, tmp_path / "cut.zip")
    assert result.exit_code == 2
    assert len(as_json(result)) == 3


def test_a_folder_with_no_xml_exits_2_and_says_so(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "factura.pdf").write_bytes(b"%PDF-1.4")
    result = cli("validate", folder)
    assert result.exit_code == 2
    assert json.loads(result.stdout) == []
    assert "no XML documents found" in result.stderr


def test_not_xml_in_an_xml_file_is_an_invalid_document_not_an_unreadable_input(tmp_path):
    (tmp_path / "junk.xml").write_bytes(b"this is not XML")
    result = cli("validate", tmp_path / "junk.xml")
    assert result.exit_code == 1
    assert [f["code"] for f in as_json(result)[0]["findings"]] == ["CFDIAR-XML-001"]


# --------------------------------------------------------------------------- output formats


def test_json_is_the_default_when_stdout_is_not_a_terminal(mixed_folder, pki):
    result = cli("validate", *trusted(pki), mixed_folder)
    data = as_json(result)
    assert [Path(d["file"]).name for d in data] == ["a-valid.xml", "b-tampered.xml"]


def test_json_has_exactly_the_documented_keys(mixed_folder, pki):
    (mixed_folder / "c-junk.xml").write_bytes(b"<<<")
    result = cli("validate", "--format", "json", *trusted(pki), mixed_folder)
    data = as_json(result)
    assert [set(d) for d in data] == [JSON_KEYS] * 3
    for doc in data:
        for finding in doc["findings"]:
            assert set(finding) <= {"code", "severity", "message", "path", "line", "expected", "found"}
            assert {"code", "severity", "message", "path"} <= set(finding)
    assert data[0]["checks"] == {"schema": "pass", "seal": "pass", "certificate": "pass", "stamp": "pass"}
    assert re.fullmatch(r"[0-9A-F-]{36}", data[0]["uuid"]) and data[0]["version"] == "4.0" and data[0]["type"] == "I"
    assert data[2]["uuid"] is None and data[2]["checks"] == {}


def test_json_summary_goes_to_stderr_not_into_the_report(mixed_folder, pki):
    result = cli("validate", *trusted(pki), mixed_folder)
    assert result.stderr.strip() == "2 documents: 1 valid, 1 invalid"
    as_json(result)  # stdout is pure JSON


def test_csv_has_the_documented_header_and_one_row_per_finding(mixed_folder, pki):
    with_info = cli("validate", "-f", "csv", *trusted(pki), mixed_folder)
    rows = list(csv.reader(io.StringIO(with_info.stdout)))
    assert rows[0] == CSV_HEADER
    expected = [(d["file"], f["code"]) for d in as_json(cli("validate", *trusted(pki), mixed_folder)) for f in d["findings"]]
    assert [(r[0], r[6]) for r in rows[1:]] == expected
    assert all(len(r) == len(CSV_HEADER) for r in rows)


def test_csv_gives_a_document_without_findings_one_row(mixed_folder, pki):
    result = cli("validate", "-f", "csv", "--skip", "CFDIAR-CERT-005", *trusted(pki), mixed_folder)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    valid_rows = [r for r in rows if r["file"].endswith("a-valid.xml")]
    assert len(valid_rows) == 1
    assert valid_rows[0]["valid"] == "true" and valid_rows[0]["code"] == "" and valid_rows[0]["severity"] == ""
    invalid_rows = [r for r in rows if r["file"].endswith("b-tampered.xml")]
    assert invalid_rows and all(r["valid"] == "false" for r in invalid_rows)
    assert "CFDI40102" in [r["code"] for r in invalid_rows]


def test_junit_has_one_testcase_per_document_and_a_failure_for_invalid_ones(mixed_folder, pki):
    result = cli("validate", "-f", "junit", *trusted(pki), mixed_folder)
    assert result.exit_code == 1
    root = etree.fromstring(result.stdout.encode("utf-8"))
    cases = root.findall(".//testcase")
    assert [Path(c.get("name")).name for c in cases] == ["a-valid.xml", "b-tampered.xml"]
    assert [c.find("failure") is not None for c in cases] == [False, True]
    assert root.find("testsuite").get("failures") == "1"


def test_table_shows_verdicts_and_a_summary_line(mixed_folder, pki):
    result = cli("validate", "-f", "table", *trusted(pki), mixed_folder)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("valid") and lines[0].endswith("a-valid.xml")
    assert any(line.startswith("INVALID") and line.endswith("b-tampered.xml") for line in lines)
    assert lines[-1].startswith("2 documents, 1 valid, 1 invalid, ")
    assert "\x1b[" not in result.stdout  # no colour outside a terminal


def test_verbose_shows_informational_findings_in_the_table(mixed_folder, pki):
    assert "CFDIAR-CERT-005" not in cli("validate", "-f", "table", *trusted(pki), mixed_folder).stdout
    assert "CFDIAR-CERT-005" in cli("validate", "-f", "table", "-v", *trusted(pki), mixed_folder).stdout


def test_quiet_removes_the_summary_line(mixed_folder, pki):
    json_quiet = cli("validate", "-q", *trusted(pki), mixed_folder)
    assert json_quiet.stderr == "" and len(as_json(json_quiet)) == 2
    table_quiet = cli("validate", "-q", "-f", "table", *trusted(pki), mixed_folder)
    assert "documents" not in table_quiet.stdout
    assert table_quiet.exit_code == 1  # quiet changes output, not the verdict


@pytest.mark.parametrize("fmt", ["json", "csv", "junit", "table"])
def test_output_writes_the_report_to_the_file(tmp_path, mixed_folder, pki, fmt):
    target = tmp_path / f"report.{fmt}"
    result = cli("validate", "-f", fmt, "-o", target, *trusted(pki), mixed_folder)
    assert result.exit_code == 1
    assert result.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert text == cli("validate", "-f", fmt, *trusted(pki), mixed_folder).stdout


class _Terminal:
    """A stream that says it is a terminal."""

    def __init__(self, stream) -> None:  # type: ignore[no-untyped-def]
        self._stream = stream

    def isatty(self) -> bool:
        return True

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._stream, name)


class _SysWithTerminalStdout:
    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        value = getattr(sys, name)
        return _Terminal(value) if name == "stdout" else value


@pytest.fixture
def stdout_is_a_terminal(monkeypatch) -> None:
    import cfdi_ar.cli

    monkeypatch.setattr(cfdi_ar.cli, "sys", _SysWithTerminalStdout())


def test_table_in_colour_is_the_default_on_a_terminal(mixed_folder, pki, stdout_is_a_terminal):
    result = cli("validate", *trusted(pki), mixed_folder)
    assert result.exit_code == 1
    assert "INVALID" in result.stdout and "\x1b[" in result.stdout
    assert "2 documents, 1 valid, 1 invalid" in result.stdout and result.stderr == ""


def test_output_file_defaults_to_json_even_from_a_terminal(tmp_path, mixed_folder, pki, stdout_is_a_terminal):
    target = tmp_path / "report"
    cli("validate", "-o", target, *trusted(pki), mixed_folder)
    text = target.read_text(encoding="utf-8")
    jsonschema.validate(json.loads(text), SCHEMA)
    assert "\x1b[" not in text


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, sealed_invoice, pki):
    folder = tmp_path / "many"
    folder.mkdir()
    data = to_bytes(sealed_invoice())
    for i in range(25):
        (folder / f"{i:02}.xml").write_bytes(data)
    result = cli("validate", *trusted(pki), folder)
    assert result.stderr == "25 documents: 25 valid, 0 invalid\n"


# --------------------------------------------------------------------------- rule selection


def test_skip_removes_an_info_finding(mixed_folder, pki):
    result = cli("validate", "--skip", "CFDIAR-CERT-005", *trusted(pki), mixed_folder)
    codes = [f["code"] for d in as_json(result) for f in d["findings"]]
    assert "CFDIAR-CERT-005" not in codes and "CFDI40102" in codes


def test_skip_codes_are_case_and_space_insensitive(mixed_folder, pki):
    result = cli("validate", "--skip", " cfdiar-cert-005 , cfdi40102", *trusted(pki), mixed_folder)
    assert result.exit_code == 0
    assert [d["findings"] for d in as_json(result)] == [[], []]


def test_rules_runs_only_the_selected_codes(mixed_folder, pki):
    result = cli("validate", "--rules", "CFDI40102", *trusted(pki), mixed_folder)
    assert result.exit_code == 1
    assert [[f["code"] for f in d["findings"]] for d in as_json(result)] == [[], ["CFDI40102"]]


def test_skipping_the_failing_rule_makes_the_document_pass(mixed_folder, pki):
    assert cli("validate", "--skip", "CFDI40102", *trusted(pki), mixed_folder).exit_code == 0


@pytest.fixture
def schema_invalid(tmp_path, make_invoice, pki) -> Path:
    """A sealed, stamped invoice whose only error is a schema one (Exportacion not in c_Exportacion)."""
    from cfdi_ar.demo.seal import seal, stamp

    root = make_invoice()
    root.set("Exportacion", "99")
    path = tmp_path / "exportacion.xml"
    path.write_bytes(to_bytes(stamp(seal(root, pki.csd), pki.stamp_cert)))
    return path


def test_skip_removes_a_schema_code_finding(schema_invalid, pki):
    before = cli("validate", *trusted(pki), schema_invalid)
    assert "CFDI40123" in [f["code"] for f in as_json(before)[0]["findings"]]
    result = cli("validate", "--skip", "CFDI40123", *trusted(pki), schema_invalid)
    assert "CFDI40123" not in [f["code"] for f in as_json(result)[0]["findings"]]
    assert result.exit_code == 0


def test_rules_excludes_schema_codes_that_were_not_selected(schema_invalid, pki):
    result = cli("validate", "--rules", "CFDI40102", *trusted(pki), schema_invalid)
    assert [f["code"] for f in as_json(result)[0]["findings"]] == []


# --------------------------------------------------------------------------- configuration


@pytest.fixture
def conf_dir(tmp_path, pki) -> Path:
    """A folder holding a CA and a SAT certificate store, as a team would keep next to cfdi-ar.toml."""
    folder = tmp_path / "conf"
    folder.mkdir()
    shutil.copy(pki.ca_path, folder / "demo-ca.cer")
    shutil.copytree(pki.sat_certs, folder / "sat-certs")
    return folder


GOOD_TOML = 'sat_certs = "sat-certs"\ntrust_ca = ["demo-ca.cer"]\n'


def test_config_option_supplies_settings_with_paths_relative_to_the_file(conf_dir, valid_folder):
    (conf_dir / "cfdi-ar.toml").write_text(GOOD_TOML, encoding="utf-8")
    assert cli("validate", valid_folder).exit_code == 1  # without it: untrusted CA
    result = cli("validate", "--config", conf_dir / "cfdi-ar.toml", valid_folder)
    assert result.exit_code == 0, result.output


def test_config_given_relative_to_the_current_folder_resolves_its_paths_from_the_file(conf_dir, valid_folder, hermetic):
    (conf_dir / "cfdi-ar.toml").write_text(GOOD_TOML, encoding="utf-8")
    relative = os.path.relpath(conf_dir / "cfdi-ar.toml", hermetic)
    assert cli("validate", "-c", relative, valid_folder).exit_code == 0


def test_config_from_the_environment_variable(conf_dir, valid_folder):
    (conf_dir / "team.toml").write_text(GOOD_TOML, encoding="utf-8")
    result = cli("validate", valid_folder, env={"CFDI_AR_CONFIG": str(conf_dir / "team.toml")})
    assert result.exit_code == 0, result.output


def test_config_option_wins_over_the_environment_variable(conf_dir, tmp_path, valid_folder):
    (conf_dir / "cfdi-ar.toml").write_text(GOOD_TOML, encoding="utf-8")
    (tmp_path / "bad.toml").write_text("nonsense = 1\n", encoding="utf-8")
    result = cli("validate", "--config", conf_dir / "cfdi-ar.toml", valid_folder, env={"CFDI_AR_CONFIG": str(tmp_path / "bad.toml")})
    assert result.exit_code == 0, result.output


def test_config_in_the_current_folder_is_found(conf_dir, valid_folder, monkeypatch):
    (conf_dir / "cfdi-ar.toml").write_text(GOOD_TOML, encoding="utf-8")
    monkeypatch.chdir(conf_dir)
    assert cli("validate", valid_folder).exit_code == 0


def test_config_in_the_user_config_folder_is_found(conf_dir, tmp_path, valid_folder):
    user = tmp_path / "xdg" / "cfdi-ar"
    user.mkdir(parents=True)
    (user / "config.toml").write_text(f'sat_certs = "{conf_dir / "sat-certs"}"\ntrust_ca = ["{conf_dir / "demo-ca.cer"}"]\n', encoding="utf-8")
    assert cli("validate", valid_folder).exit_code == 0


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ('sat_cert = "sat-certs"\n', "sat_cert"),
        ("colour = true\n", "colour"),
        ('trust_ca = "demo-ca.cer"\n', "trust_ca"),  # a string where a list belongs
        ('jobs = "4"\n', "jobs"),
        ("test_certificates = 1\n", "test_certificates"),
    ],
)
def test_unknown_or_mistyped_config_keys_exit_2_naming_the_key(tmp_path, valid_folder, toml, named):
    (tmp_path / "cfdi-ar.toml").write_text(toml, encoding="utf-8")
    result = cli("validate", "--config", tmp_path / "cfdi-ar.toml", valid_folder)
    assert result.exit_code == 2
    assert named in result.stderr and result.stdout == ""


def test_a_config_path_that_does_not_exist_exits_2(tmp_path, valid_folder):
    result = cli("validate", valid_folder, env={"CFDI_AR_CONFIG": str(tmp_path / "nowhere.toml")})
    assert result.exit_code == 2 and "nowhere.toml" in result.stderr


def test_config_pointing_at_a_missing_sat_certs_folder_exits_2(tmp_path, valid_folder):
    (tmp_path / "cfdi-ar.toml").write_text('sat_certs = "not-there"\n', encoding="utf-8")
    result = cli("validate", "-c", tmp_path / "cfdi-ar.toml", valid_folder)
    assert result.exit_code == 2 and "not-there" in result.stderr


def test_environment_sat_certs_wins_over_the_file(tmp_path, valid_folder, pki):
    (tmp_path / "cfdi-ar.toml").write_text(f'sat_certs = "not-there"\ntrust_ca = ["{pki.ca_path}"]\n', encoding="utf-8")
    result = cli("validate", "-c", tmp_path / "cfdi-ar.toml", valid_folder, env={"CFDI_AR_SAT_CERTS": str(pki.sat_certs)})
    assert result.exit_code == 0, result.output


def test_command_line_trust_ca_wins_over_the_file(tmp_path, valid_folder, pki):
    (tmp_path / "junk.cer").write_bytes(b"not a certificate")
    (tmp_path / "cfdi-ar.toml").write_text('trust_ca = ["junk.cer"]\n', encoding="utf-8")
    result = cli("validate", "-c", tmp_path / "cfdi-ar.toml", *trusted(pki), valid_folder)
    assert result.exit_code == 0, result.output


@pytest.fixture
def captured(monkeypatch) -> dict:
    """Replace the engine: record the Settings and jobs the command line produced."""
    seen: dict = {}

    def fake(paths, settings=None, *, jobs=1, on_progress=None, on_plan=None):  # type: ignore[no-untyped-def]
        seen.update(paths=list(paths), settings=settings, jobs=jobs)
        return Report(results=[DocumentResult("x.xml", version="4.0", type="I")])

    monkeypatch.setattr("cfdi_ar.cli.validate_paths", fake)
    return seen


FULL_TOML = 'sat_certs = "sat-certs"\ntrust_ca = ["demo-ca.cer"]\ntest_certificates = true\nmax_size_mb = 2\njobs = 3\n'


def test_every_config_key_reaches_the_settings(conf_dir, valid_folder, captured):
    (conf_dir / "cfdi-ar.toml").write_text(FULL_TOML, encoding="utf-8")
    assert cli("validate", "-c", conf_dir / "cfdi-ar.toml", valid_folder).exit_code == 0
    s = captured["settings"]
    assert s.sat_certs == str(conf_dir / "sat-certs")
    assert s.trust_roots == (str(conf_dir / "demo-ca.cer"),)
    assert s.test_certificates is True
    assert s.limits.max_document_bytes == 2 * 1024 * 1024
    assert captured["jobs"] == 3


def test_command_line_options_win_over_every_config_key(conf_dir, valid_folder, captured, pki, tmp_path):
    (conf_dir / "cfdi-ar.toml").write_text(FULL_TOML, encoding="utf-8")
    other = tmp_path / "other-store"
    other.mkdir()
    cli("validate", "-c", conf_dir / "cfdi-ar.toml", "--sat-certs", other, "--trust-ca", pki.ca_path,
        "--no-test-certificates", "--max-size", "1", "--jobs", "1", valid_folder)
    s = captured["settings"]
    assert s.sat_certs == str(other)
    assert s.trust_roots == (str(pki.ca_path),)
    assert s.test_certificates is False
    assert s.limits.max_document_bytes == 1024 * 1024
    assert captured["jobs"] == 1


def test_environment_variables_win_over_the_file_and_lose_to_the_command_line(conf_dir, valid_folder, captured, tmp_path):
    (conf_dir / "cfdi-ar.toml").write_text(FULL_TOML, encoding="utf-8")
    env_store, cli_store = tmp_path / "env-store", tmp_path / "cli-store"
    env_store.mkdir()
    cli_store.mkdir()
    env = {"CFDI_AR_SAT_CERTS": str(env_store), "CFDI_AR_TEST_CERTIFICATES": "0"}
    cli("validate", "-c", conf_dir / "cfdi-ar.toml", valid_folder, env=env)
    assert captured["settings"].sat_certs == str(env_store)
    assert captured["settings"].test_certificates is False
    cli("validate", "-c", conf_dir / "cfdi-ar.toml", "--sat-certs", cli_store, valid_folder, env=env)
    assert captured["settings"].sat_certs == str(cli_store)


def test_without_any_configuration_the_defaults_apply(valid_folder, captured):
    cli("validate", valid_folder)
    s = captured["settings"]
    assert (s.sat_certs, s.trust_roots, s.test_certificates) == (None, (), False)
    assert s.limits.max_document_bytes == 20 * 1024 * 1024 and captured["jobs"] == 1


# --------------------------------------------------------------------------- rules, help, version


def test_rules_json_lists_unique_well_formed_codes():
    result = cli("rules", "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    listed = [r["code"] for r in rows]
    assert len(listed) == len(set(listed))
    assert {"CFDI40102", "CFDI40106", "CFDIAR-TFD-004", "CFDIAR-ZIP-002"} <= set(listed)
    assert [c for c in listed if not CODE.match(c)] == []
    assert all(r["title"] and r["severity"] in ("error", "warning", "info") for r in rows)


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_rules_other_formats_list_the_same_codes(fmt):
    codes = [r["code"] for r in json.loads(cli("rules", "-f", "json").stdout)]
    text = cli("rules", "-f", fmt).stdout
    assert all(code in text for code in codes)


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["validate", "--help"], ["rules", "--help"]])
def test_help_exists_for_the_group_and_each_command(args):
    result = cli(*args)
    assert result.exit_code == 0 and "Usage:" in result.stdout and len(result.stdout) > 200


def test_group_help_lists_both_commands():
    text = cli("--help").stdout
    assert "validate" in text and "rules" in text


def test_validate_help_documents_every_option():
    text = cli("validate", "--help").stdout
    for option in ("--format", "--output", "--jobs", "--sat-certs", "--trust-ca", "--test-certificates",
                   "--max-size", "--rules", "--skip", "--config", "--verbose", "--quiet"):
        assert option in text


def test_version():
    result = cli("--version")
    assert result.exit_code == 0 and __version__ in result.stdout and "cfdi-ar" in result.stdout


# --------------------------------------------------------------------------- parallel


def test_jobs_2_gives_the_same_results_in_the_same_order_as_jobs_1(tmp_path, sealed_invoice, sealed_payment, pki, monkeypatch):
    folder = tmp_path / "batch"
    (folder / "2026" / "10").mkdir(parents=True)
    for i in range(12):
        (folder / f"F-{i:02}.xml").write_bytes(to_bytes(sealed_invoice(folio=str(1000 + i))))
    for i in range(4):
        (folder / "2026" / "10" / f"P-{i}.xml").write_bytes(to_bytes(sealed_payment()))
    for i in range(6):
        (folder / "2026" / f"T-{i}.xml").write_bytes(to_bytes(tampered(sealed_invoice())))
    for i, junk in enumerate([b"", b"not xml", b"<a>", b"\xff\xfe<\x00"]):
        (folder / f"junk-{i}.xml").write_bytes(junk)
    with zipfile.ZipFile(folder / "descarga.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(4):
            zf.writestr(f"zip/{i}.xml", to_bytes(sealed_invoice() if i % 2 else tampered(sealed_invoice())))
    (folder / "factura.pdf").write_bytes(b"%PDF")

    import cfdi_ar.parallel

    calls = []
    real = cfdi_ar.parallel.validate_parallel
    monkeypatch.setattr(cfdi_ar.parallel, "validate_parallel", lambda items, settings, jobs: calls.append(jobs) or real(items, settings, jobs))
    serial = cli("validate", "--jobs", "1", *trusted(pki), folder)
    assert calls == []
    parallel = cli("validate", "--jobs", "2", *trusted(pki), folder)
    assert calls == [2]  # really ran in worker processes
    assert serial.exit_code == parallel.exit_code == 1
    assert parallel.stdout == serial.stdout
    assert parallel.stderr == serial.stderr
    data = as_json(serial)
    assert len(data) == 30
    assert sum(d["valid"] for d in data) == 12 + 4 + 2
    assert "CFDIAR-INTERNAL" not in serial.stdout


# --------------------------------------------------------------------------- known bugs


def test_a_file_name_that_is_not_utf8_is_reported_not_a_crash(tmp_path, sealed_invoice):
    folder = tmp_path / "latin1"
    folder.mkdir()
    try:
        with open(os.fsencode(folder) + b"/caf\xe9.xml", "wb") as fh:
            fh.write(to_bytes(sealed_invoice()))
    except OSError:
        pytest.skip("this file system refuses non-UTF-8 names")
    report = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["validate", "-f", "json", "-o", str(report), str(folder)])
    assert not isinstance(result.exception, UnicodeError)
    assert result.exit_code == 1 and len(json.loads(report.read_text(encoding="utf-8"))) == 1


def test_output_into_a_missing_folder_is_a_usage_error(tmp_path, valid_folder, pki):
    result = CliRunner().invoke(main, ["validate", "-o", str(tmp_path / "no-such-dir" / "r.json"), *map(str, trusted(pki)), str(valid_folder)])
    assert not isinstance(result.exception, OSError)
    assert result.exit_code == 2


# --------------------------------------------------------------------------- long runs


def test_progress_freezes_once_after_the_first_document_and_passes_every_count_on(monkeypatch):
    import gc

    from cfdi_ar.cli import freezing_progress

    freezes: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: freezes.append(1))
    seen: list[int] = []
    on_progress = freezing_progress(seen.append)
    assert freezes == []  # nothing before the first document
    for n in (1, 1, 2):
        on_progress(n)
    assert freezes == [1] and seen == [1, 1, 2]
    freezing_progress()(1)  # no update given: it only freezes
    assert freezes == [1, 1]


def test_a_long_run_collects_the_young_generation_less_often():
    import gc

    from cfdi_ar.cli import YOUNG_THRESHOLD, freeze_startup_objects

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        freeze_startup_objects()
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


class _CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_a_report_reaches_standard_output_in_chunks_not_a_write_a_row(monkeypatch):
    from cfdi_ar.cli import ChunkedText, stdout_text

    stream = _CountingStream()
    monkeypatch.setattr(sys, "stdout", stream)
    rows = [f"new,I,{i:08d}-0000-4000-8000-000000000000,yes,yes,{i}.xml,\r\n" for i in range(5000)]
    with stdout_text() as out:
        for row in rows:
            out.write(row)
    text = "".join(rows)
    assert stream.getvalue() == text  # every byte, in order
    assert stream.writes <= len(text) // ChunkedText.CHUNK + 1 < len(rows) // 100


def test_what_a_report_wrote_before_it_failed_still_reaches_standard_output(monkeypatch):
    from cfdi_ar.cli import stdout_text

    stream = _CountingStream()
    monkeypatch.setattr(sys, "stdout", stream)
    with pytest.raises(RuntimeError), stdout_text() as out:
        out.write("first row\n")
        raise RuntimeError("the report failed half way")
    assert stream.getvalue() == "first row\n"

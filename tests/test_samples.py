"""The bundled samples: the clean month validates clean, and each file of samples/broken breaks its one rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from cfdi_ar import Settings, validate_paths
from cfdi_ar.demo.broken import CASES
from cfdi_ar.findings import Severity

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TRUSTED = Settings(trust_roots=(str(SAMPLES / "certs" / "demo-ca.cer"),), sat_certs=str(SAMPLES / "sat-certs"))


def test_the_clean_samples_have_no_finding_above_info() -> None:
    report = validate_paths([SAMPLES], Settings(trust_roots=TRUSTED.trust_roots, sat_certs=TRUSTED.sat_certs, exclude=("broken",)))
    assert len(report.results) == 22
    assert [(r.file, f.code, f.message) for r in report.results for f in r.findings if f.severity > Severity.INFO] == []


@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
def test_each_broken_sample_raises_its_code_and_no_other_error(case) -> None:  # type: ignore[no-untyped-def]
    report = validate_paths([SAMPLES / "broken" / case.file], TRUSTED)
    (result,) = report.results
    assert [f.code for f in result.findings if f.severity is Severity.ERROR] == [case.code], result.findings
    assert result.checks["seal"].value == "pass" and result.checks["stamp"].value == "pass"


def test_the_samples_readme_lists_every_broken_sample_with_its_code() -> None:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for case in CASES:
        assert f"`broken/{case.file}` | `{case.code}`" in readme, case.file
    assert sorted(p.name for p in (SAMPLES / "broken").glob("*.xml")) == sorted(c.file for c in CASES)


def test_validating_the_samples_is_clean_and_broken_is_read_when_named() -> None:
    from click.testing import CliRunner

    from cfdi_ar.cli import main

    config = str(SAMPLES / "cfdi-ar.toml")
    clean = CliRunner().invoke(main, ["validate", "--config", config, "-f", "json", str(SAMPLES)])
    assert clean.exit_code == 0, clean.output
    assert '"file"' in clean.stdout and "broken" not in clean.stdout
    broken = CliRunner().invoke(main, ["validate", "--config", config, "-f", "csv", str(SAMPLES / "broken")])
    assert broken.exit_code == 1
    assert {c.code for c in CASES} <= set(broken.stdout.replace(",", " ").split())
    everything = CliRunner().invoke(main, ["validate", "--config", config, "--exclude", "nothing", "-f", "json", str(SAMPLES)])
    assert everything.exit_code == 1  # --exclude on the command line replaces the file's list


def test_a_catalog_folder_on_the_command_line_is_used(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from cfdi_ar.cli import main

    # A c_UsoCFDI where D01 is open to personas morales: the broken CFDI40161 sample then passes.
    import json

    doc = json.loads((Path(__file__).resolve().parents[1] / "cfdi_ar" / "sat" / "data" / "c_UsoCFDI.json").read_text(encoding="utf-8"))
    doc["rows"]["D01"] = {"fisica": True, "moral": True, "regimenes": doc["rows"]["G01"]["regimenes"]}
    (tmp_path / "c_UsoCFDI.json").write_text(json.dumps(doc), encoding="utf-8")
    path = str(SAMPLES / "broken" / "I-CFDI40161-uso-cfdi-d01-moral.xml")
    config = str(SAMPLES / "cfdi-ar.toml")
    assert CliRunner().invoke(main, ["validate", "--config", config, path]).exit_code == 1
    assert CliRunner().invoke(main, ["validate", "--config", config, "--catalogs", str(tmp_path), path]).exit_code == 0

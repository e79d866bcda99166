"""Documentation generated from the code stays in step with it."""

from __future__ import annotations

import io
from pathlib import Path

from cfdi_ar.report import render_rules
from cfdi_ar.rules import all_rules

ROOT = Path(__file__).resolve().parents[1]


def test_docs_rules_md_is_what_the_registry_generates():
    out = io.StringIO()
    render_rules(all_rules(), "markdown", out)
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == out.getvalue(), (
        "docs/rules.md is stale: run `cfdi-ar rules --format markdown > docs/rules.md`"
    )


def test_every_code_in_the_readme_exists():
    import re

    known = {r.code for r in all_rules()}
    mentioned = set(re.findall(r"\b(CFDI40\d{3}|CRP20\d{3}|CFDIAR-[A-Z]+-\d{3})\b", (ROOT / "README.md").read_text(encoding="utf-8")))
    assert mentioned <= known, mentioned - known


def test_every_test_and_code_docs_safety_md_names_exists():
    """docs/safety.md points each claim at the tests that prove it: those tests must exist."""
    import fnmatch
    import re

    text = (ROOT / "docs" / "safety.md").read_text(encoding="utf-8")
    refs = re.findall(r"`((?:tests/)?(?:hostile/|ledger/)?test_\w+\.py)(?:::([\w*]+)(?:\[[^\]]*\])?)?`", text)
    assert len(refs) > 40
    missing = []
    for path, name in refs:
        file = ROOT / (path if path.startswith("tests/") else f"tests/{path}")
        if not file.is_file():
            missing.append(path)
            continue
        defined = re.findall(r"^def (test_\w+)", file.read_text(encoding="utf-8"), re.M)
        if name and not fnmatch.filter(defined, name):
            missing.append(f"{path}::{name}")
    assert missing == []
    # "::test_x" right after a named file refers to that file
    for name in re.findall(r"`::([\w*]+)`", text):
        assert any(fnmatch.filter(re.findall(r"^def (test_\w+)", p.read_text(encoding="utf-8"), re.M), name)
                   for p in (ROOT / "tests").rglob("test_*.py")), name
    known = {r.code for r in all_rules()}
    assert set(re.findall(r"\b(CFDI40\d{3}|CRP20\d{3}|CFDIAR-[A-Z]+-\d{3}|CFDIAR-INTERNAL)\b", text)) <= known

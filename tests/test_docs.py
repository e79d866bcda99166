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

"""docs/close-gl.md says what the code does: its sample exports read with the preset they illustrate, its
mapping files load, and it defines every reconcile kind and names every preset."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cfdi_ar.close.erp import read_ar
from cfdi_ar.close.exports import load_mapping, presets
from cfdi_ar.close.gl import read_gl
from cfdi_ar.close.reconcile import ERP_KINDS, KINDS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "close-gl.md").read_text(encoding="utf-8")
SAMPLES = re.findall(r"<!-- (gl|ar)-preset: ([a-z0-9-]+) -->\n```csv\n(.*?)```", DOC, re.DOTALL)
MAPPINGS = re.findall(r"```toml\n(.*?)```", DOC, re.DOTALL)


def test_every_preset_has_a_sample_export_on_the_page():
    assert sorted(name for _, name, _ in SAMPLES) == sorted(p.name for kind in ("gl", "ar") for p in presets(kind))


@pytest.mark.parametrize(("kind", "name", "sample"), SAMPLES, ids=[name for _, name, _ in SAMPLES])
def test_each_sample_export_is_recognised_as_its_preset(tmp_path, kind, name, sample):
    path = tmp_path / "export.csv"
    path.write_text(sample, encoding="utf-8")
    export = read_gl(path) if kind == "gl" else read_ar(path)
    assert export.layout == name
    assert len(export.lines if kind == "gl" else export.items) >= 1


@pytest.mark.parametrize("toml", MAPPINGS, ids=[f"mapping-{i}" for i in range(len(MAPPINGS))])
def test_each_mapping_file_on_the_page_loads(tmp_path, toml):
    path = tmp_path / "m.toml"
    path.write_text(toml, encoding="utf-8")
    kind = "ar" if 'kind = "ar"' in toml else "gl"
    assert load_mapping(path, kind).kind == kind


def test_the_page_defines_every_kind_and_its_json_example_is_json():
    for kind in KINDS + ERP_KINDS:
        assert f"| `{kind}` |" in DOC, kind
    [example] = re.findall(r"```json\n(.*?)```", DOC, re.DOTALL)
    assert set(json.loads(example)) >= {"as_of", "account", "ar_balance", "gl_balance", "difference", "explained",
                                         "unexplained", "items"}

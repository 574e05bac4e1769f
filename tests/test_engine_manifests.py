"""Engine manifests: the family facts core modules read come from each family's folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from matrix.analysis import compare
from matrix.engines import ManifestError, families_by_name, load_engine_builds, read_manifest
from matrix.planner import assign_shards, modelled_cost

NEW_FAMILY = """\
family: newengine
title: New Engine
homepage: https://example.invalid/newengine
cost_ms: 1500
tables:
  webassembly_org: New Engine
  mdn: newengine
  category: Web Browsers
  switched_on: [simd128]
expresses:
  values: [i32, i64, f32, f64, v128]
limits:
  module_bytes: 1048576
  why: "measured: a larger module takes minutes"
host: host.py
provision:
  kind: pip
  packages: ["newengine=={version}"]
builds:
  - version: 1.0.0
"""


def write_manifest(folder: Path, text: str) -> Path:
    path = folder / "newengine" / "manifest.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def test_a_new_family_is_one_folder_with_all_its_facts(tmp_path):
    write_manifest(tmp_path, NEW_FAMILY)
    (build,) = load_engine_builds(tmp_path)
    family = build.family
    assert build.id == "newengine-1.0.0"
    assert family.homepage == "https://example.invalid/newengine"
    assert family.cost_ms == 1500.0
    assert family.tables.webassembly_org == "New Engine"
    assert family.tables.mdn == "newengine"
    assert family.tables.category == "Web Browsers"
    assert family.tables.switched_on == {"simd128"}
    assert family.values == ("i32", "i64", "f32", "f64", "v128")
    assert not family.validator_only
    assert family.limits.refuses(2**20, build.id) is None
    refused = family.limits.refuses(2**20 + 1, build.id)
    assert refused == (
        "the module is 1.0 MiB; newengine-1.0.0 takes modules up to 1.0 MiB "
        "(measured: a larger module takes minutes)"
    )


def test_a_family_that_says_little_gets_the_defaults(tmp_path):
    path = write_manifest(
        tmp_path,
        """\
        family: newengine
        provision: {kind: pip, packages: [x]}
        builds: [{version: "1"}]
        """,
    )
    family = read_manifest(path)[0].family
    assert family.cost_ms == 10.0 and family.homepage is None
    assert family.tables.webassembly_org is None and family.tables.switched_on == frozenset()
    assert family.values == ("i32", "i64", "f32", "f64") and not family.validator_only
    assert family.limits.module_bytes is None and family.limits.refuses(2**40, "x") is None


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ("cost_ms: 1500", "cost_ms: -1"),
        ("values: [i32, i64, f32, f64, v128]", "values: [i32, i65]"),
        ("switched_on: [simd128]", "switched_on: [simd256]"),
        ("category: Web Browsers", "category: Toasters"),
        ("module_bytes: 1048576", "module_bytes: lots"),
        ('  why: "measured: a larger module takes minutes"\n', ""),
    ],
)
def test_a_bad_fact_names_the_manifest(tmp_path, change, complaint):
    path = write_manifest(tmp_path, NEW_FAMILY.replace(change, complaint))
    with pytest.raises(ManifestError, match=r"newengine/manifest\.yaml"):
        read_manifest(path)


def test_the_shard_cost_model_is_each_manifests_cost():
    for name, family in families_by_name().items():
        assert modelled_cost(name) == family.cost_ms
    assert modelled_cost("a-family-no-manifest-describes") == 10.0
    # One cell of the slowest family weighs more than ten of the fastest: it gets a shard
    # of its own.
    slow = max(families_by_name().values(), key=lambda family: family.cost_ms)
    fast = min(families_by_name().values(), key=lambda family: family.cost_ms)
    assert slow.cost_ms > 10 * (fast.cost_ms + 5)
    cells = [(("slow", "wat", "mvp", "e1"), slow.name)]
    cells += [((f"case{i}", "wat", "mvp", "e2"), fast.name) for i in range(10)]
    assignment = assign_shards(cells, 2)
    slow_shard = assignment[cells[0][0]]
    assert all(assignment[key] != slow_shard for key, _ in cells[1:])


def test_compare_maps_exactly_the_families_whose_manifest_names_a_column():
    mapped = compare.mapped_families()
    for name, family in families_by_name().items():
        if family.tables.webassembly_org:
            assert mapped[name] == family.tables.webassembly_org
        else:
            assert name not in mapped
            assert family.tables.not_compared, f"{name}: say why it is not compared"
            assert family.tables.not_compared in compare.not_compared()

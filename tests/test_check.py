"""`wasm-matrix check`: a real clang 19 default build against a real measured run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import wasmtime

from matrix import snapshot
from matrix.cases import ModuleSource
from matrix.check import check
from matrix.records import CellResult
from matrix.results import RESULTS, RUN
from matrix.scanner import scan
from matrix.toolchains import wasm_opt
from matrix.toolchains.clang import ClangToolchain

from .helpers import NEWEST, OLDER_NO_REFS, REPO, wasm_matrix

VALIDATOR = "binaryen-js-132.0.0"


@pytest.fixture(scope="module")
def clang19_build(tmp_path_factory) -> Path:
    toolchain = ClangToolchain(19)
    reason = toolchain.unavailable_reason()
    if reason:
        pytest.skip(reason)
    source = (REPO / "cases" / "c" / "dispatch.c").read_bytes()
    built = toolchain.build(ModuleSource("c", source, "dispatch.c"), "default")
    path = tmp_path_factory.mktemp("check") / "dispatch.wasm"
    path.write_bytes(built.module)
    return path


@pytest.fixture(scope="module")
def measured(tmp_path_factory, provisioned) -> Path:
    """The feature probes, measured on wasmtime 50, on wasmtime 48 without reference-types,
    and on binaryen.js (a validator: it runs nothing)."""
    provisioned(NEWEST)
    provisioned(OLDER_NO_REFS)
    provisioned(VALIDATOR)
    work = tmp_path_factory.mktemp("measured")
    engines = f"{NEWEST},{OLDER_NO_REFS},{VALIDATOR}"
    done = wasm_matrix(
        *("run", str(REPO / "cases" / "probes"), "--engines", engines),
        *("-n", "0"),
        cwd=work,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return (work / "reports" / "latest").resolve()


@pytest.mark.engine
def test_check_names_the_overlong_call_indirect_and_who_rejects_it(clang19_build, measured):
    done = wasm_matrix("check", str(clang19_build), "--run", str(measured), cwd=measured)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    uses = text.split("measured in run")[0]
    assert "call-indirect-overlong: call_indirect table index 0 encoded in 5 bytes" in uses
    runs, refused = text.split("will not run (or validate) on 1:")
    runs, validates = runs.split("validates on")
    assert "runs on 1 of 2 engine builds:" in runs
    assert f"wasmtime: {NEWEST}" in runs
    assert VALIDATOR not in runs  # a validator runs nothing: it is listed apart
    assert validates.startswith(" 1 of 1 validator-only builds")
    assert VALIDATOR in validates
    assert f"{OLDER_NO_REFS} (48.0.0): call-indirect-overlong probe reject" in refused
    widen = text.split("to widen that:")[1]
    assert f"without call-indirect-overlong: also 1 more: {OLDER_NO_REFS}" in widen
    assert "-mno-reference-types" in widen


@pytest.mark.engine
def test_check_json_lists_every_measured_engine(clang19_build, measured):
    done = wasm_matrix("check", str(clang19_build), "--run", str(measured), "--json", cwd=measured)
    data = json.loads(done.stdout)
    by_engine = {e["engine"]: e for e in data["engines"]}
    assert by_engine[NEWEST]["runs"] is True
    assert by_engine[OLDER_NO_REFS]["runs"] is False
    assert by_engine[OLDER_NO_REFS]["missing"]["call-indirect-overlong"]["outcome"] == "reject"
    validator = by_engine[VALIDATOR]
    assert (validator["runs"], validator["validator_only"], validator["validates"]) == (
        False,
        True,
        True,
    )


def test_the_wasm_opt_advice_removes_the_overlong_index(clang19_build, tmp_path):
    if wasm_opt.unavailable_reason():
        pytest.skip(wasm_opt.unavailable_reason())
    script = wasm_opt.provision(log=lambda text: None)
    out = tmp_path / "out.wasm"
    subprocess.run(["node", str(script), str(clang19_build), "-o", str(out)], check=True)
    assert "call-indirect-overlong" in scan(clang19_build.read_bytes()).needs
    assert "call-indirect-overlong" not in scan(out.read_bytes()).needs


def test_a_feature_never_probed_is_not_measured(tmp_path):
    module = tmp_path / "m.wasm"
    module.write_bytes(bytes.fromhex("0061736d01000000"))
    records = [
        {
            "case": "x",
            "toolchain": "wat",
            "profile": "default",
            "engine": "e-1",
            "kind": "probe",
            "features": ["gc"],
            "outcome": "pass",
        }
    ]
    result = check(module, [CellResult.from_record(r) for r in records], {}, "run")
    assert [v.unmeasured for v in result.verdicts] == [["mvp"]]
    assert not result.verdicts[0].runs


def test_check_of_a_file_that_is_not_a_module(tmp_path, clang19_build):
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"not wasm")
    run = tmp_path / "run"
    run.mkdir()
    (run / "results.jsonl").write_text(
        json.dumps(
            {
                "case": "x",
                "toolchain": "wat",
                "profile": "default",
                "engine": "e",
                "kind": "probe",
                "features": ["mvp"],
                "outcome": "pass",
            }
        )
        + "\n"
    )
    done = wasm_matrix("check", str(bad), "--run", str(run), cwd=tmp_path)
    assert done.returncode == 2
    assert "bad.wasm is not a valid module" in done.stderr


def test_a_control_says_nothing_about_the_engine(tmp_path):
    module = tmp_path / "m.wasm"
    module.write_bytes(bytes.fromhex("0061736d01000000"))
    probe = {"case": "mvp", "toolchain": "wat", "profile": "default", "engine": "e-1"}
    probe |= {"kind": "probe", "features": ["mvp"], "outcome": "pass"}
    control = {**probe, "case": "wrong", "outcome": "fail", "control": True}
    result = check(module, [CellResult.from_record(r) for r in (probe, control)], {}, "run")
    assert result.verdicts[0].runs  # the control's (deliberate) fail does not count


# --- which measurements `check` answers from -------------------------------------------------


def probe(case, engine, outcome, features, message=""):
    return {
        "case": case,
        "toolchain": "wat",
        "profile": "default",
        "engine": engine,
        "kind": "probe",
        "features": features,
        "outcome": outcome,
        "message": message,
        "engine_family": engine.split("-")[0],
        "engine_version": engine.split("-")[1],
        "engine_disabled": [],
    }


def run_with(folder: Path, records: list[dict], started: str) -> Path:
    folder.mkdir(parents=True)
    (folder / RESULTS).write_text("".join(json.dumps(r) + "\n" for r in records))
    engines = sorted({r["engine"] for r in records})
    run = {"started_at": started, "engines": [{"id": e, "family": "e"} for e in engines]}
    (folder / RUN).write_text(json.dumps(run))
    return folder


MVP_MODULE = bytes.fromhex("0061736d01000000")
SIGN_EXT = "(module (func (param i32) (result i32) local.get 0 i32.extend8_s))"
SIGN_EXT_MODULE = bytes(wasmtime.wat2wasm(SIGN_EXT))


def test_check_answers_from_the_newest_run_that_has_probe_results(tmp_path):
    reports = tmp_path / "reports"
    run_with(
        reports / "20260101T000000Z",
        [probe("mvp", "old-1", "pass", ["mvp"]), probe("sign-ext", "old-1", "pass", ["sign-ext"])],
        "2026-01-01T00:00:00+00:00",
    )
    run_with(
        reports / "20260102T000000Z",
        [
            probe("mvp", "new-2", "pass", ["mvp"]),
            probe("sign-ext", "new-2", "reject", ["sign-ext"], "no"),
        ],
        "2026-01-02T00:00:00+00:00",
    )
    spec = {**probe("i32.wast", "new-2", "pass", []), "kind": "spec"}
    run_with(reports / "20260103T000000Z", [spec], "2026-01-03T00:00:00+00:00")  # no probes
    (reports / "latest").symlink_to("20260103T000000Z")
    module = tmp_path / "m.wasm"
    module.write_bytes(SIGN_EXT_MODULE)
    done = wasm_matrix("check", str(module), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "measured in run 20260102T000000Z (reports/20260102T000000Z, started " in done.stdout
    assert " days old):" in done.stdout
    assert "will not run (or validate) on 1:\n  new-2 (2): sign-ext probe reject: no" in done.stdout


def test_a_snapshot_keeps_what_check_reads_and_nothing_more(tmp_path):
    records = [
        probe("mvp", "w-1", "pass", ["mvp"]),
        probe("sign-ext", "w-1", "reject", ["sign-ext"], "unknown opcode\nmore lines"),
        {**probe("sign-ext", "w-2", "pass", ["sign-ext"]), "stdout": "x" * 10_000},
        {**probe("prog", "w-2", "pass", []), "kind": "program"},  # not a probe: left out
    ]
    run = run_with(tmp_path / "20260101T000000Z", records, "2026-01-01T00:00:00+00:00")
    path = snapshot.write(snapshot.make([run]), tmp_path / "snapshot.json.gz")
    assert path.stat().st_size < 1000  # no stdout, no program cells
    loaded = snapshot.load_snapshot(path)
    assert (loaded.name, loaded.source, loaded.run["started_at"]) == (
        "20260101T000000Z",
        "snapshot",
        "2026-01-01T00:00:00+00:00",
    )
    module = tmp_path / "m.wasm"
    module.write_bytes(SIGN_EXT_MODULE)
    from_snapshot = check(module, loaded.records, loaded.run, loaded.name)
    from_run = check(
        module,
        [CellResult.from_record(r) for r in records],
        json.loads((run / RUN).read_text()),
        run.name,
    )
    assert [(v.engine, v.runs, v.missing) for v in from_snapshot.verdicts] == [
        (v.engine, v.runs, v.missing) for v in from_run.verdicts
    ]
    assert from_snapshot.verdicts[0].missing["sign-ext"][1] == "unknown opcode"


def test_check_on_a_fresh_install_answers_from_the_shipped_snapshot(tmp_path):
    """No run on this machine yet: the snapshot of a real run that ships in the package."""
    shipped = snapshot.load_snapshot()
    assert shipped is not None and shipped.run["started_at"]
    assert len({r.engine_family for r in shipped.records}) >= 10  # a real, wide run
    module = tmp_path / "m.wasm"
    module.write_bytes(MVP_MODULE)
    done = wasm_matrix("check", str(module), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shipped_with = "measured in the snapshot shipped with wasm-matrix (snapshot.json.gz: "
    assert f"{shipped_with}run {shipped.name}, started " in done.stdout
    assert "no run with probe results under reports/" in done.stdout
    engines = {r.engine for r in shipped.records}
    mvp = [r for r in shipped.records if "mvp" in r.features]
    broken = {r.engine for r in mvp if r.outcome != "pass"}
    assert broken  # wasmtime 49 and newer abort with reference types switched off
    validators = {r.engine for r in shipped.records if r.outcome in ("valid", "invalid")}
    assert validators  # binaryen.js and wabt.js: listed apart, never among those it runs on
    executing = len(engines - validators)
    assert f"runs on {len(engines - broken)} of {executing} engine builds" in done.stdout
    data = json.loads(wasm_matrix("check", str(module), "--json", cwd=tmp_path).stdout)
    assert data["source"] == "snapshot" and data["run"] == shipped.name

"""Required engines through the pytest plugin, in a project laid out as users lay theirs:
built modules in build/, cases in their own folder, settings in pyproject.toml."""

from __future__ import annotations

import json

import pytest
import wasmtime

from matrix.paths import cache_dir

from .helpers import NEWEST, OLDER_NO_REFS

pytestmark = pytest.mark.engine
# pytester gives each test a fresh HOME; the engines stay in the real cache.
CACHE = cache_dir()

# Uses reference-types (ref.null / ref.is_null): an engine without it rejects the module.
REFS_WAT = '(module (func (export "one") (result i32) (ref.is_null (ref.null func))))'


@pytest.fixture
def real_cache(monkeypatch):
    monkeypatch.setenv("WASM_MATRIX_CACHE", str(CACHE))


@pytest.fixture
def project(real_cache, pytester, provisioned):
    for engine in (NEWEST, OLDER_NO_REFS):
        provisioned(engine)
    (pytester.path / "build").mkdir()
    (pytester.path / "build" / "refs.wasm").write_bytes(wasmtime.wat2wasm(REFS_WAT))
    pytester.makepyprojecttoml(
        f"""
        [tool.pytest.ini_options]
        wasm_matrix_cases = ["checks"]

        [tool.wasm-matrix]
        engines = ["{NEWEST}", "{OLDER_NO_REFS}"]
        requires = ["{NEWEST}"]
        reports = "out/matrix"
        """
    )
    return pytester


def write_case(pytester, extra: str = "") -> None:
    (pytester.path / "checks").mkdir(exist_ok=True)
    (pytester.path / "checks" / "refs.yaml").write_text(
        "module: build/*.wasm   # from the project's root\n"
        + extra
        + "calls:\n  - {invoke: one, expect: [i32:1]}\n"
    )


def records(pytester) -> dict[str, dict]:
    lines = (pytester.path / "out" / "matrix" / "latest" / "results.jsonl").read_text()
    return {r["engine"]: r for r in map(json.loads, lines.splitlines())}


def test_an_engine_outside_requires_is_reported_but_does_not_fail(project):
    write_case(project)
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-rx")
    result.assert_outcomes(passed=1, xfailed=1)
    by_engine = records(project)
    old = by_engine[OLDER_NO_REFS]
    assert old["outcome"] == "reject" and old["required"] is False
    assert old["case"] == "refs[refs.wasm]" and old["toolchain"] == "prebuilt"
    assert by_engine[NEWEST]["outcome"] == "pass" and by_engine[NEWEST]["required"] is True
    summary = (project.path / "out" / "matrix" / "latest" / "summary.md").read_text()
    listed = next(line for line in summary.splitlines() if line.startswith("- [🚫 reject]"))
    assert listed.endswith("(not required: reported only, it does not fail the run)")
    xfail = f"XFAIL checks/refs.yaml::refs.wasm/prebuilt/default/{OLDER_NO_REFS} - reject on"
    assert f"{xfail} an engine that is not required" in result.stdout.str()


@pytest.mark.parametrize(
    ("extra", "arguments", "source"),
    [
        ("", ["--matrix-requires", OLDER_NO_REFS], "the project"),
        ("", ["-o", f"wasm_matrix_requires='{OLDER_NO_REFS}' wasm3"], "the project"),  # ini
        (f"requires: ['{OLDER_NO_REFS}']\n", [], "the case"),  # the case's own wins
    ],
)
def test_a_required_engine_that_rejects_fails_and_says_why(project, extra, arguments, source):
    write_case(project, extra)
    result = project.runpytest_subprocess("-p", "no:cacheprovider", *arguments)
    result.assert_outcomes(passed=1, failed=1)
    rejected = records(project)[OLDER_NO_REFS]
    assert rejected["outcome"] == "reject" and rejected["required"] is True
    output = result.stdout.str()
    failure = output[output.index("FAILURES") :]
    # The engine, what the scanner found in the module, and the engine's own words.
    assert f"on {OLDER_NO_REFS} (" in failure
    assert "uses reference-types (found by the module scanner)" in failure
    engine_error = rejected["message"].strip().splitlines()[-1].strip()
    assert engine_error and engine_error in failure
    assert f"is an engine {source} requires" in failure


def test_a_conftest_can_point_at_the_case_folder(real_cache, pytester):
    pytester.makeconftest(
        """
        import pytest

        @pytest.hookimpl(tryfirst=True)  # before the plugin reads it
        def pytest_configure(config):
            config.addinivalue_line("wasm_matrix_cases", "checks")
        """
    )
    write_case(pytester)
    (pytester.path / "build").mkdir()
    (pytester.path / "build" / "refs.wasm").write_bytes(wasmtime.wat2wasm(REFS_WAT))
    (pytester.path / "ci.yaml").write_text("jobs: {}\n")  # not a case: outside checks/
    result = pytester.runpytest_subprocess(
        "--collect-only", "-q", "--matrix-engines", NEWEST, "-p", "no:cacheprovider"
    )
    result.stdout.fnmatch_lines([f"checks/refs.yaml::refs.wasm/prebuilt/default/{NEWEST}"])
    assert "ci.yaml" not in result.stdout.str()
    assert result.ret == 0

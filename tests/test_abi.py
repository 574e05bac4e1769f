"""C ↔ Rust ABI pairings: link sources, the pairing toolchains, real links and runs, the
report's table."""

from __future__ import annotations

import json

import pytest

from matrix.build import BuildCache
from matrix.cases import LINK, CaseError, load_case
from matrix.engines import load_engine_builds, select
from matrix.outcomes import Outcome
from matrix.planner import Cell, plan
from matrix.records import CellResult
from matrix.reporting.tables import toolchain_defaults_table
from matrix.reporting.wasi_tables import abi_table
from matrix.runner import Runner
from matrix.toolchains import all_toolchains
from matrix.toolchains.link import parts

from .helpers import REPO

ABI = REPO / "cases" / "abi"


def test_a_link_source_names_both_files_and_their_toolchains():
    case = load_case(ABI / "abi-structs.yaml")
    assert case.module.format == LINK
    described = {part["format"]: part for part in parts(case.module)}
    assert (described["c"]["file"], described["c"]["toolchain"]) == ("abi-structs.c", "clang-*")
    assert described["rust"]["toolchain"] == "rustc-*"


def test_a_link_needs_one_c_and_one_rust_file(tmp_path):
    (tmp_path / "a.c").write_text("int x;\n")
    (tmp_path / "b.c").write_text("int y;\n")
    (tmp_path / "bad.yaml").write_text(
        "module:\n  link:\n    - {file: a.c, toolchain: clang-19}\n"
        "    - {file: b.c, toolchain: clang-22}\ncalls:\n  - invoke: f\n"
    )
    with pytest.raises(CaseError, match=r"one \.c and one \.rs"):
        load_case(tmp_path / "bad.yaml")


def test_every_pairing_and_flag_is_a_toolchain():
    case = load_case(ABI / "abi-scalars.yaml")
    engine = select(load_engine_builds(), ["wasmtime-50.0.1"])
    names = {cell.toolchain for cell in plan([case], engine)}
    # 4 clangs x (default, :mv) x (rustc-1.63, rustc-1.96, rustc-1.96:wasm-c-abi=spec)
    assert len(names) == 24
    assert {"clang-14+rustc-1.63", "clang-22:mv+rustc-1.96:wasm-c-abi=spec"} <= names
    assert not any("rustc-1.63:" in name for name in names)  # 1.63 has no -Zwasm-c-abi
    linker = all_toolchains()["clang-16+rustc-1.96"].linker
    assert linker == "wasm-ld-22"  # the newer LLVM links


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    runner = Runner(BuildCache(tmp_path_factory.mktemp("abi-builds")))
    yield runner
    runner.close()


def run(runner, provisioned, case: str, toolchain: str):
    build, _ = provisioned("wasmtime-50.0.1")
    pairing = all_toolchains()[toolchain]
    if pairing.unavailable_reason():
        pytest.skip(pairing.unavailable_reason())
    return runner.run(Cell(load_case(ABI / f"{case}.yaml"), toolchain, "default", build))


@pytest.mark.engine
def test_the_spec_abi_pairing_agrees(runner, provisioned):
    for case in ("abi-structs", "abi-returns", "abi-callbacks", "abi-scalars"):
        result = run(runner, provisioned, case, "clang-19+rustc-1.96")
        assert result.outcome == Outcome.PASS, result.message
    # rustc 1.96 takes -Zwasm-c-abi=spec (deprecated, always on): it changes nothing.
    flagged = run(runner, provisioned, "abi-structs", "clang-19+rustc-1.96:wasm-c-abi=spec")
    assert flagged.outcome == Outcome.PASS
    assert (
        "RUSTC_BOOTSTRAP=1" in flagged.build_command
        and "-Zwasm-c-abi=spec" in flagged.build_command
    )


@pytest.mark.engine
def test_the_legacy_abi_does_not_link_structs_by_value(runner, provisioned):
    result = run(runner, provisioned, "abi-structs", "clang-19+rustc-1.63")
    assert result.outcome == Outcome.BUILD_ERROR
    assert "function signature mismatch: rs_pair_sum" in result.message
    assert "(i32) -> i32 in abi-structs.o" in result.message  # C: a pointer
    assert "(i32, i32) -> i32 in libabi_callee.a" in result.message  # Rust 1.63: two fields


@pytest.mark.engine
def test_an_indirect_call_links_and_then_traps(runner, provisioned):
    # wasm-ld cannot see through a function pointer: the legacy ABI's callback links and
    # traps at run time, which the matrix counts as wrong results.
    result = run(runner, provisioned, "abi-callbacks", "clang-19+rustc-1.63")
    assert result.outcome == Outcome.TRAP
    assert "apply_pair" in result.message and "indirect call type mismatch" in result.message


def record(case: str, toolchain: str, outcome: str, engine="wasmtime-50.0.1") -> CellResult:
    return CellResult(
        case=case,
        toolchain=toolchain,
        profile="default",
        engine=engine,
        outcome=outcome,
        engine_family=engine.split("-")[0],
        engine_version=engine.split("-", 1)[1],
    )


def test_the_abi_table_reads_the_newest_wasmtime_and_leaves_the_defaults_table_alone():
    records = [
        record("abi-structs", "clang-19+rustc-1.63", "build-error"),
        record("abi-structs", "clang-19+rustc-1.96", "pass"),
        record("abi-structs", "clang-19+rustc-1.96", "fail", engine="wasmtime-48.0.0"),
        record("abi-callbacks", "clang-19+rustc-1.63", "trap"),
        record("sort", "clang-19", "pass"),
    ]
    table = abi_table(records)
    assert table.title == "C ↔ Rust ABI on wasmtime-50.0.1"
    assert table.rows == ["clang-19+rustc-1.63", "clang-19+rustc-1.96"]
    assert table.cells[("clang-19+rustc-1.96", "abi-structs")].outcome == Outcome.PASS
    assert table.cells[("clang-19+rustc-1.63", "abi-callbacks")].outcome == Outcome.TRAP
    defaults = toolchain_defaults_table(records, ["wasmtime-50.0.1"])
    assert defaults.rows == ["clang-19"]
    assert json.dumps(table.columns) == '["abi-callbacks", "abi-structs"]'

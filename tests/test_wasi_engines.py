"""WASI programs on real engines, each through its own WASI (and jsc through our shim).

A representative slice, not the matrix: the programs built once by clang-19-wasi (Debian's
wasi-libc), and the hostile ones on one engine of each kind of WASI.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import wasmtime

from matrix.build import BuildCache
from matrix.cases import load_case
from matrix.outcomes import Outcome
from matrix.planner import Cell
from matrix.runner import Runner

from .helpers import REPO

WASI = REPO / "cases" / "wasi"
PROGRAMS = ["hello", "args-env", "stdin-filter", "read-file", "write-file", "exit-code"]
PROGRAMS += ["clock-random", "wordfreq", "reactor"]
HOSTILE = ["escape", "env-not-given", "readonly-write"]


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    runner = Runner(BuildCache(tmp_path_factory.mktemp("wasi-builds")))
    yield runner
    runner.close()


def run(runner: Runner, provisioned, case: str, engine: str, toolchain: str = "clang-19-wasi"):
    build, _ = provisioned(engine)
    result = runner.run(Cell(load_case(WASI / f"{case}.yaml"), toolchain, "default", build))
    if result.outcome == Outcome.SKIP and "toolchain" in result.message:
        pytest.skip(result.message)
    return result


@pytest.mark.engine
@pytest.mark.parametrize("case", PROGRAMS + HOSTILE)
def test_every_wasi_program_passes_on_wasmtime(runner, provisioned, case):
    result = run(runner, provisioned, case, "wasmtime-50.0.1")
    assert (result.outcome, result.wasi) == (Outcome.PASS, "native"), result.message


@pytest.mark.engine
@pytest.mark.parametrize("engine", ["node-24", "wasmer-1.1.0", "bun-1.4.5", "pywasm-2.2.3"])
def test_engines_run_wasi_through_their_own_implementation(runner, provisioned, engine):
    for case in ("stdin-filter", "write-file", "reactor", "exit-code"):
        result = run(runner, provisioned, case, engine)
        assert (result.outcome, result.wasi) == (Outcome.PASS, "native"), result.message


@pytest.mark.engine
@pytest.mark.parametrize("toolchain", ["rustc-1.63-wasi", "rustc-1.96-wasi"])
def test_a_rust_reactor_keeps_its_state_and_output_between_calls(runner, provisioned, toolchain):
    # A cdylib with std: a Mutex<Option<String>> and an atomic counter live between the
    # case's calls, and println! inside a call reaches the cell's stdout.
    for engine in ("wasmtime-50.0.1", "node-24", "jsc-system"):
        result = run(runner, provisioned, "reactor", engine, toolchain)
        assert result.outcome == Outcome.PASS, (engine, result.message)
        assert "3 calls as expected" in result.message


@pytest.mark.engine
@pytest.mark.parametrize("engine", ["jsc-system", "gjs-system", "firefox-esr"])
def test_engines_without_wasi_run_it_through_the_shim_and_say_so(runner, provisioned, engine):
    for case in ("read-file", "write-file", *HOSTILE):
        result = run(runner, provisioned, case, engine)
        assert result.outcome == Outcome.PASS and result.wasi == "shim", result.message
        assert result.message.startswith("WASI via wasm-matrix's shim: ")


@pytest.mark.engine
@pytest.mark.parametrize("engine", ["node-24", "wasmer-1.1.0", "wasmtime-20.0.0"])
def test_a_read_only_preopen_the_engine_cannot_give_is_a_skip_with_the_reason(
    runner, provisioned, engine
):
    # node:wasi, wasmer-python and wasmtime-py before 30 have no read-only preopens: the
    # program's writes succeed, which it reports; the cell is a skip that says why.
    result = run(runner, provisioned, "readonly-write", engine)
    assert result.outcome == Outcome.SKIP, result.message
    assert "cannot preopen data read-only" in result.message
    assert "append to data/numbers.txt: ALLOWED" in result.message
    # A program that only reads went well, but was not given what the case grants.
    result = run(runner, provisioned, "read-file", engine)
    assert result.outcome == Outcome.SKIP, result.message
    assert "the case's grant was not given; the run: exit code 0" in result.message
    # The other hostile programs (their folders are read-write) are refused by these
    # engines' own WASI.
    for case in ("escape", "env-not-given"):
        assert run(runner, provisioned, case, engine).outcome == Outcome.PASS


@pytest.mark.engine
def test_a_wasi_that_closes_the_hosts_stdin_fails_that_cell_not_the_next(runner, provisioned):
    # bun 1.1's path_open answers fd 0 when its own open fails (it resolves the path against
    # the working folder); the program's fclose then closes the host's stdin, the protocol's
    # request channel. The cell where that happens fails and says so; the next cell gets a
    # new host and passes, instead of being recorded as a crash it did not cause.
    broken = run(runner, provisioned, "write-file", "bun-1.1.45", "clang-16-wasi")
    assert broken.outcome == Outcome.FAIL
    assert "file descriptors: fd 0 (stdin) closed" in broken.message
    after = run(runner, provisioned, "hello", "bun-1.1.45", "clang-16-wasi")
    assert after.outcome == Outcome.PASS, after.message


@pytest.mark.engine
@pytest.mark.parametrize(
    ("engine", "reason"),
    [
        ("wasm3-0.5.0", "its wasm3 is built without m3_LinkWASI"),
        ("wabt-1.0.32", "wasi support not compiled in"),
    ],
)
def test_an_engine_without_wasi_is_a_skip_with_the_reason(runner, provisioned, engine, reason):
    for case in ("hello", "escape", "readonly-write"):
        result = run(runner, provisioned, case, engine)
        assert result.outcome == Outcome.SKIP and reason in result.message, result.message


PROC_EXIT_3 = """
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 3))))
"""


@pytest.mark.engine
def test_wabts_wasm_interp_really_has_no_wasi(provisioned, tmp_path):
    # The manifest's reason, measured: if a wabt with WASI comes, this fails, and its host
    # should then run WASI programs through `wasm-interp --wasi --dir … --env …`.
    _, environment = provisioned("wabt-1.0.32")
    interp = Path(environment.places["command"]).with_name("wasm-interp")
    (tmp_path / "exit.wasm").write_bytes(wasmtime.wat2wasm(PROC_EXIT_3))
    done = subprocess.run(
        [str(interp), "--wasi", "--dir", str(tmp_path), "--env", "A=1", "exit.wasm"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 3
    assert "wasi support not compiled in" in done.stdout + done.stderr


WASM3_WASI = """
import pathlib, wasm3
names = [n for n in dir(wasm3) for n in [n, *dir(getattr(wasm3, n))] if "wasi" in n.lower()]
code = pathlib.Path(wasm3.__file__).read_bytes()
linkers = [m for m in (b"m3_LinkWASI", b"m3_LinkRawFunction") if m in code]
print(names, [m for m in (b"wasi_snapshot_preview1",) if m in code], linkers)
"""


@pytest.mark.engine
def test_pywasm3_really_has_no_wasi(provisioned):
    # The manifest's reason, measured in the build's own venv: no WASI name in its API,
    # and neither wasm3's WASI linker nor its module name in the extension.
    _, environment = provisioned("wasm3-0.5.0")
    probe = [str(environment.python), "-c", WASM3_WASI]
    done = subprocess.run(probe, capture_output=True, text=True, timeout=60, check=True)
    # (It is the right file: wasm3's linker of plain host functions is there.)
    assert done.stdout.strip() == "[] [] [b'm3_LinkRawFunction']"


@pytest.mark.engine
def test_a_wrong_expectation_fails_with_what_the_program_printed(runner, provisioned, tmp_path):
    (tmp_path / "hello.c").write_bytes((WASI / "hello.c").read_bytes())
    (tmp_path / "hello.yaml").write_text(
        'module:\n  file: hello.c\nwasi:\n  stdout: "Hello, world!\\n"\n  exit_code: 0\n'
    )
    build, _ = provisioned("wasmtime-50.0.1")
    result = runner.run(Cell(load_case(tmp_path / "hello.yaml"), "clang-19-wasi", "default", build))
    assert result.outcome == Outcome.FAIL
    assert "got 'Hello, WASI!\\n', expected 'Hello, world!\\n'" in result.message

"""WASI cases without engines: the `wasi:` section, the sandbox a cell gets, the verdict."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from matrix.cases import CaseError, load_case, load_cases
from matrix.engines import load_engine_builds, select
from matrix.outcomes import Outcome
from matrix.planner import plan
from matrix.protocol import RunAnswer, WasiAnswer
from matrix.wasi.judge import SHIM_NOTE, judge_wasi
from matrix.wasi.sandbox import DECOY, Sandbox, differences, snapshot

from .helpers import REPO

PROGRAM = "int main(void) { return 0; }\n"


def write(folder: Path, text: str, name: str = "prog.yaml") -> Path:
    (folder / "prog.c").write_text(PROGRAM)
    path = folder / name
    path.write_text(text)
    return path


def wasi_case(tmp_path: Path, section: str):
    return load_case(write(tmp_path, f"module:\n  file: prog.c\nwasi:\n{section}"))


def encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def answer(
    stdout="", stderr="", exit_code=0, trap=None, read_only=(), via="native", calls=(), **more
):
    """A host's `ran` answer for a WASI program, read as the runner reads it."""
    wire = {
        "seq": 1,
        "status": "ran",
        "calls": list(calls),
        "wasi": {
            "exit_code": exit_code,
            "trap": trap,
            "stdout": encoded(stdout),
            "stderr": encoded(stderr),
            "read_only": list(read_only),
            "via": via,
            **more,
        },
    }
    return RunAnswer.from_wire(wire, check_schema=True)


def folders(files: list) -> WasiAnswer:
    """A shim host's WASI answer that returns the preopens' `files`."""
    wire = {"exit_code": 0, "trap": None, "stdout": "", "stderr": "", "read_only": []}
    return WasiAnswer.from_wire({**wire, "files": files}, check_schema=True)


# --- the case section ---------------------------------------------------------------


def test_the_corpus_has_the_wasi_programs_and_the_abi_cases():
    cases, errors = load_cases([REPO / "cases" / "wasi", REPO / "cases" / "abi"])
    assert not errors
    names = {case.name for case in cases}
    wanted = {"hello", "args-env", "stdin-filter", "read-file", "write-file", "exit-code"}
    wanted |= {"clock-random", "wordfreq", "reactor", "escape", "env-not-given"}
    assert wanted | {"readonly-write"} <= names
    for case in cases:
        if case.wasi:  # every WASI program in C, Rust and Zig
            assert {source.format for source in case.sources} == {"c", "rust", "zig"}
            assert all(source.entry == case.wasi.start for source in case.sources)


def test_a_wasi_case_reads_every_field(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("a")
    (tmp_path / "after").mkdir()
    case = wasi_case(
        tmp_path,
        "  args: [x, 'y z']\n  env: {A: '1', B: ''}\n  stdin: \"hi\\n\"\n"
        "  dirs:\n    - {guest: data, folder: in}\n"
        "    - {guest: /out, access: read-write, expect: after}\n"
        "  stdout: {pattern: '^ok$'}\n  stderr: ''\n  exit_code: 3\n",
    )
    spec = case.wasi
    assert spec.start == "command" and spec.args == ("x", "y z")
    assert spec.env == (("A", "1"), ("B", "")) and spec.stdin == b"hi\n"
    assert [(p.guest, p.writable) for p in spec.preopens] == [("data", False), ("/out", True)]
    assert spec.preopens[1].expect == (tmp_path / "after").resolve()
    assert spec.stdout.matches("first\nok\n") and not spec.stdout.matches("not ok")
    assert spec.stderr.matches("") and not spec.stderr.matches(" ")
    assert spec.exit_code == 3


@pytest.mark.parametrize(
    ("section", "field", "words"),
    [
        ("  dirs:\n    - {guest: data, folder: ../elsewhere}\n", "wasi.dirs[0].folder", "outside"),
        ("  dirs:\n    - {guest: data, folder: missing}\n", "wasi.dirs[0].folder", "not a folder"),
        ("  dirs:\n    - {guest: data}\n", "wasi.dirs[0].folder", "needs a folder"),
        ("  stdout: {pattern: '('}\n", "wasi.stdout.pattern", "regular expression"),
        ("  dirs:\n    - {guest: ../up, access: read-write}\n", "wasi.dirs[0].guest", "guest"),
        ("  exit_code: -1\n", "wasi.exit_code", "minimum"),
    ],
)
def test_a_bad_wasi_section_names_its_field(tmp_path, section, field, words):
    with pytest.raises(CaseError) as caught:
        wasi_case(tmp_path, section)
    assert caught.value.field == field and words in caught.value.message
    assert caught.value.line is not None


def test_a_folder_with_a_link_out_is_refused(tmp_path):
    (tmp_path / "in").mkdir()
    os.symlink("/etc", tmp_path / "in" / "escape")
    with pytest.raises(CaseError, match="symbolic link"):
        wasi_case(tmp_path, "  dirs:\n    - {guest: data, folder: in}\n")


def test_a_command_cannot_have_calls(tmp_path):
    path = write(tmp_path, "module:\n  file: prog.c\nwasi: {}\ncalls:\n  - invoke: f\n")
    with pytest.raises(CaseError, match="reactor"):
        load_case(path)


def test_wasi_programs_plan_only_wasi_toolchains_and_c_only_freestanding_ones(tmp_path):
    wasi = wasi_case(tmp_path, "  stdout: ''\n")
    freestanding = load_case(REPO / "cases" / "c" / "sort.yaml")
    engine = select(load_engine_builds(), ["wasmtime-50.0.1"])
    wasi_toolchains = {cell.toolchain for cell in plan([wasi], engine)}
    plain_toolchains = {cell.toolchain for cell in plan([freestanding], engine)}
    assert wasi_toolchains == {
        "clang-14-wasi",
        "clang-16-wasi",
        "clang-19-wasi",
        "clang-22-wasi",
        "zig-cc-wasi",
        "emcc",
    }
    assert "emcc" in plain_toolchains and "clang-19" in plain_toolchains
    assert not any(name.endswith("-wasi") for name in plain_toolchains)


# --- the sandbox --------------------------------------------------------------------


def test_the_sandbox_copies_grants_a_scratch_folder_and_leaves_a_decoy(tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "sub" / "a.txt").write_text("original")
    case = wasi_case(
        tmp_path,
        "  args: [one]\n  env: {K: v}\n  dirs:\n    - {guest: data, folder: in}\n"
        "    - {guest: out, access: read-write}\n",
    )
    with Sandbox(case.wasi, "prog") as box:
        request = box.request().to_wire()
        data, out = (Path(p["host"]) for p in request["preopens"])
        assert request["args"] == ["prog", "one"] and request["env"] == [["K", "v"]]
        assert data != tmp_path / "in" and (data / "sub" / "a.txt").read_text() == "original"
        assert list(out.iterdir()) == []
        assert (data.parent / DECOY).exists()
        (data / "sub" / "a.txt").write_text("changed by a module")
        problems = box.problems(folders([]))
        assert problems and "read-only preopen data was changed" in problems[0]
        root = box.root
    assert not root.exists()
    assert (tmp_path / "in" / "sub" / "a.txt").read_text() == "original"


def test_a_shim_host_gets_the_files_inline_and_returns_them(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_bytes(b"\x00\xff")
    (tmp_path / "want").mkdir()
    (tmp_path / "want" / "r.txt").write_text("result")
    case = wasi_case(
        tmp_path,
        "  dirs:\n    - {guest: data, folder: in}\n"
        "    - {guest: out, access: read-write, expect: want}\n",
    )
    with Sandbox(case.wasi, "prog", inline=True) as box:
        sent = box.request().to_wire()["preopens"]
        assert sent[0]["files"] == {"a.txt": base64.b64encode(b"\x00\xff").decode()}
        good = [sent[0]["files"], {"r.txt": encoded("result")}]
        assert box.problems(folders(good)) == []
        wrong = [sent[0]["files"], {"r.txt": encoded("other"), "extra": None}]
        problems = box.problems(folders(wrong))
        assert "out/extra should not be there (dir)" in problems[0]
        assert "out/r.txt differs" in problems[0]


def test_snapshots_do_not_follow_links(tmp_path):
    (tmp_path / "f").write_text("x")
    os.symlink("/etc/passwd", tmp_path / "link")
    found = snapshot(tmp_path)
    assert found == {"f": b"x", "link": "link -> /etc/passwd"}
    assert differences({"f": b"x"}, found, "out") == [
        "out/link should not be there (link -> /etc/passwd)"
    ]


# --- the verdict --------------------------------------------------------------------


@pytest.fixture
def spec_case(tmp_path):
    return wasi_case(tmp_path, '  stdout: "a\\nb\\n"\n  exit_code: 2\n')


def judged(case, reply):
    with Sandbox(case.wasi, case.name) as box:
        return judge_wasi(case, reply, box)


def test_the_verdict_checks_exit_code_then_output(spec_case):
    assert judged(spec_case, answer("a\nb\n", exit_code=2)).outcome == Outcome.PASS
    wrong_code = judged(spec_case, answer("a\nb\n", exit_code=0))
    assert wrong_code.outcome == Outcome.FAIL and "exit code 0, expected 2" in wrong_code.message
    wrong_text = judged(spec_case, answer("a\nc\n", exit_code=2))
    assert wrong_text.outcome == Outcome.FAIL
    assert "stdout differs from line 2 on: got 'c\\n', expected 'b\\n'" in wrong_text.message
    trapped = judged(spec_case, answer(trap="_start: unreachable", exit_code=None))
    assert trapped.outcome == Outcome.TRAP and "_start: unreachable" in trapped.message


def test_a_shim_cell_says_so_whatever_its_outcome(spec_case):
    passed = judged(spec_case, answer("a\nb\n", exit_code=2, via="shim"))
    failed = judged(spec_case, answer("", exit_code=2, via="shim"))
    assert passed.message.startswith(SHIM_NOTE) and failed.message.startswith(SHIM_NOTE)
    assert (passed.outcome, failed.outcome) == (Outcome.PASS, Outcome.FAIL)


def test_a_program_that_reached_the_hosts_own_descriptors_fails_whatever_it_printed(spec_case):
    # What it printed is right, but the engine's WASI closed the host's stdin for it.
    verdict = judged(spec_case, answer("a\nb\n", exit_code=2, host_fds=["fd 0 (stdin) closed"]))
    assert verdict.outcome == Outcome.FAIL
    assert "reach the host's own file descriptors: fd 0 (stdin) closed" in verdict.message


def test_a_read_only_grant_the_engine_could_not_give_is_never_a_pass(tmp_path):
    (tmp_path / "in").mkdir()
    case = wasi_case(tmp_path, "  dirs:\n    - {guest: data, folder: in}\n  stdout: ok\n")
    assert judged(case, answer("ok", read_only=[True])).outcome == Outcome.PASS
    # Mounted read-write: the case did not run as written, however well it went.
    unprotected = judged(case, answer("ok", read_only=[False]))
    assert unprotected.outcome == Outcome.SKIP
    assert "cannot preopen data read-only" in unprotected.message
    assert "the case's grant was not given; the run: exit code 0" in unprotected.message
    # A wrong answer that owes nothing to the missing protection is still a failure…
    wrong = judged(case, answer("no", read_only=[False]))
    assert wrong.outcome == Outcome.FAIL and "cannot preopen data read-only" in wrong.message
    # …but when the program's writes to the unprotected copy went through, it is a skip.
    with Sandbox(case.wasi, case.name) as box:
        (box.folders[0] / "new.txt").write_text("written")
        written = judge_wasi(case, answer("create data/new.txt: ALLOWED", read_only=[False]), box)
    assert written.outcome == Outcome.SKIP
    assert "writes to it went through (data/new.txt should not be there" in written.message
    assert "create data/new.txt: ALLOWED" in written.message

"""The hostile corpus (cases/hostile) on real engines: each cell ends as the right outcome,
the host is restarted when it had to die, and the next cell on the same worker passes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from matrix.build import BuildCache
from matrix.cases import load_case
from matrix.hosts import Host, HostOutOfMemory, HostPool
from matrix.planner import Cell
from matrix.runner import Runner

from .helpers import NEWEST, NEWEST_NO_REFS, REPO
from .test_hosts import run_request

HOSTILE = REPO / "cases" / "hostile"
NORMAL = REPO / "cases" / "programs" / "add.yaml"
NODE = "node-22"

# The right outcome of every hostile case, by the kind of engine: wasmtime stops modules
# itself (epochs, store limits), node is stopped by the runner (kill at the time limit,
# the resident-memory watcher).
RIGHT_OUTCOMES = {
    "infinite-loop": {NEWEST: "timeout", NODE: "timeout"},
    "unbounded-recursion": {NEWEST: "trap", NODE: "trap"},
    "memory-grow-bomb": {NEWEST: "trap", NODE: "crash"},
    "huge-locals": {NEWEST: "reject", NODE: "reject"},
    "deep-nesting": {NEWEST: "pass", NODE: "pass"},
    "garbage-bytes": {NEWEST: "reject", NODE: "reject"},
    "text-as-binary": {NEWEST: "reject", NODE: "reject"},
    "engine-abort": {NEWEST: "pass", NODE: "pass", NEWEST_NO_REFS: "crash"},
}
# Hosts that had to be killed for the outcome; the others answer it themselves.
HOST_KILLED = {
    ("infinite-loop", NODE),
    ("memory-grow-bomb", NODE),
    ("engine-abort", NEWEST_NO_REFS),
}


def toolchain_of(case) -> str:
    return "wat" if case.module.format == "wat" else "binary"


def test_every_hostile_case_has_a_right_outcome():
    names = {path.stem for path in HOSTILE.glob("*.yaml")}
    assert names == set(RIGHT_OUTCOMES)
    for path in HOSTILE.glob("*.yaml"):
        assert "hostile" in load_case(path).tags


@pytest.fixture(autouse=True)
def small_memory_limit(monkeypatch):
    # A bomb is stopped at 256 MiB, not the default 4 GiB: the machine is shared.
    monkeypatch.setenv("WASM_MATRIX_HOST_MEMORY_MB", "256")


@pytest.mark.engine
@pytest.mark.parametrize(
    ("case_name", "engine_id"),
    [(case, engine) for case, engines in RIGHT_OUTCOMES.items() for engine in engines],
)
def test_hostile_cell_ends_right_and_the_next_cell_passes(
    case_name, engine_id, provisioned, tmp_path
):
    build, environment = provisioned(engine_id)
    normal_build, normal_environment = provisioned(
        NEWEST if engine_id == NEWEST_NO_REFS else engine_id
    )
    environments = {build.id: environment, normal_build.id: normal_environment}
    runner = Runner(BuildCache(tmp_path / "builds"), HostPool(), lambda b: environments[b.id])
    try:
        case = load_case(HOSTILE / f"{case_name}.yaml")
        before = runner.run(Cell(load_case(NORMAL), "binary", "default", normal_build))
        assert before.outcome == "pass", before.message
        host_before = runner.hosts.get(normal_build, normal_environment).pid

        hostile = runner.run(Cell(case, toolchain_of(case), "default", build))
        assert hostile.outcome == RIGHT_OUTCOMES[case_name][engine_id], hostile.message
        assert hostile.message

        after = runner.run(Cell(load_case(NORMAL), "binary", "default", normal_build))
        assert after.outcome == "pass", after.message
        host_after = runner.hosts.get(normal_build, normal_environment).pid
        if (case_name, engine_id) in HOST_KILLED and build.id == normal_build.id:
            assert host_after != host_before  # restarted
        elif build.id == normal_build.id:
            assert host_after == host_before  # the engine handled it: the host stayed warm
    finally:
        runner.close()


@pytest.mark.engine
def test_wasmtime_interrupts_an_infinite_loop_itself(provisioned, tmp_path):
    build, environment = provisioned(NEWEST)
    runner = Runner(BuildCache(tmp_path / "builds"), HostPool(), lambda _: environment)
    try:
        case = load_case(HOSTILE / "infinite-loop.yaml")
        result = runner.run(Cell(case, "wat", "default", build))
        assert result.outcome == "timeout"
        assert "epoch" in result.message  # the engine's answer, not the runner's kill
    finally:
        runner.close()


@pytest.mark.engine
@pytest.mark.parametrize("engine_id", [NEWEST, NODE])
def test_host_killed_by_a_signal_mid_cell_is_a_crash(engine_id, provisioned, tmp_path):
    build, environment = provisioned(engine_id)
    runner = Runner(BuildCache(tmp_path / "builds"), HostPool(), lambda _: environment)
    try:
        host = runner.hosts.get(build, environment)
        case = load_case(HOSTILE / "infinite-loop.yaml")
        results = []
        worker = threading.Thread(
            target=lambda: results.append(runner.run(Cell(case, "wat", "default", build)))
        )
        worker.start()
        time.sleep(1.0)  # the host is spinning in the loop now
        os.kill(host.pid, signal.SIGKILL)
        worker.join(timeout=30)
        assert results and results[0].outcome == "crash"
        assert "SIGKILL" in results[0].message
        after = runner.run(Cell(load_case(NORMAL), "binary", "default", build))
        assert after.outcome == "pass", after.message
    finally:
        runner.close()


def test_engine_chatter_on_stdout_does_not_break_the_protocol(fake_engine, write_case, tmp_path):
    build, environment = fake_engine("noisy")
    runner = Runner(BuildCache(tmp_path / "builds"), HostPool(), lambda _: environment)
    case = write_case(
        "chatty.yaml",
        """
        module: {hex: "0061736d01000000"}
        calls:
          - {invoke: f, expect: [i32:7]}
        """,
    )
    try:
        for _ in range(2):
            result = runner.run(Cell(load_case(case), "binary", "default", build))
            assert result.outcome == "pass", result.message
    finally:
        runner.close()


def test_host_dying_by_a_signal_is_a_crash_and_the_next_cell_passes(
    fake_engine, write_case, tmp_path
):
    build, environment = fake_engine("misbehaving")
    runner = Runner(BuildCache(tmp_path / "builds"), HostPool(), lambda _: environment)

    def cell(export: str) -> Cell:
        path = write_case(
            f"{export}.yaml",
            f"""
            module: {{hex: "0061736d01000000"}}
            calls:
              - {{invoke: {export}, expect: [i32:7]}}
            """,
        )
        return Cell(load_case(path), "binary", "default", build)

    try:
        crashed = runner.run(cell("segv"))
        assert crashed.outcome == "crash"
        assert "SIGSEGV" in crashed.message
        assert runner.run(cell("fine")).outcome == "pass"
    finally:
        runner.close()


def test_memory_of_a_hosts_children_counts_and_they_die_with_it(fake_engine):
    build, environment = fake_engine("misbehaving")
    host = Host(build, environment)
    host.memory_limit = 100 * 2**20
    host.start()
    with pytest.raises(HostOutOfMemory, match="over the limit of 100 MiB"):
        host.request(run_request(b"", [{"invoke": "bloat-child", "args": []}]), timeout=60)
    child = next(int(line.split()[1]) for line in host._stderr if line.startswith("child "))
    assert not _running(child, wait=10)


SPINNER = """
import json, sys
from matrix.engines import load_engine_builds
from matrix.hosts import Host
from matrix.provision import ready
build = next(b for b in load_engine_builds() if b.id == sys.argv[1])
host = Host(build, ready(build))
host.start()
print(host.pid, flush=True)
module = bytes.fromhex(sys.argv[2])
host.exchange({"cmd": "run", "module": __import__("base64").b64encode(module).decode(),
              "calls": [{"invoke": "spin", "args": []}]}, timeout=600)
"""
# (module (func (export "spin") (loop $l (br $l))))
SPIN_MODULE = "0061736d0100000001040160000003020100070801047370696e00000a0901070003400c000b0b"


@pytest.mark.engine
@pytest.mark.parametrize("engine_id", [NEWEST, NODE])
def test_a_runner_killed_with_sigkill_leaves_no_host_behind(engine_id, provisioned):
    provisioned(engine_id)
    runner = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(SPINNER), engine_id, SPIN_MODULE],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    host_pid = int(runner.stdout.readline())
    time.sleep(1.0)  # the host is spinning in the infinite loop now
    assert _running(host_pid, wait=0)
    runner.kill()
    runner.wait()
    assert not _running(host_pid, wait=10), f"host {host_pid} outlived its runner"


def _running(pid: int, wait: float) -> bool:
    """Whether the process still runs (a zombie does not count), waiting up to `wait` s."""
    deadline = time.monotonic() + wait
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            state = "gone"
        if state in ("gone", "Z", "X"):
            return False
        if time.monotonic() >= deadline:
            return True
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("arguments", "collected"),
    [
        (["cases"], False),  # the whole corpus: the hostile folder left out
        (["cases", "--matrix-hostile"], True),
        (["cases/hostile"], True),  # named: asked for
        (["cases/hostile/garbage-bytes.yaml"], True),
    ],
)
def test_hostile_cases_run_only_when_asked(arguments, collected):
    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--wasm-matrix",
            *arguments,
            "--matrix-engines",
            NEWEST,
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
    hostile = [line for line in listed.stdout.splitlines() if "cases/hostile/" in line]
    assert bool(hostile) == collected, listed.stdout
    if not collected:
        assert "cases/programs/" in listed.stdout

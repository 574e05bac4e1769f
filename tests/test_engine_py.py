"""The Python-hosted engines (wasmtime old and new, Wasmer, wasm3, pywasm) for real."""

from __future__ import annotations

import base64
import struct

import pytest
import wasmtime

from matrix.hosts import Host

# The oldest and newest of the wasmtime series, and one build of each other family.
BUILDS = {
    "wasmtime-0.23.0": ("wasmtime", "0.23.0"),
    "wasmtime-45.0.0": ("wasmtime", "45.0.0"),
    "wasmer-1.1.0": ("wasmer", "1.1.0"),
    "wasmer-singlepass-1.1.0": ("wasmer-singlepass", "1.1.0"),
    "wasm3-0.5.0": ("wasm3", "0.5.0"),
    "pywasm-2.2.3": ("pywasm", "2.2.3"),
}
# Single results only: Wasmer's singlepass compiler has no multi-value.
MODULE = bytes(
    wasmtime.wat2wasm(
        """
        (module
          (func (export "inc64") (param i64) (result i64) local.get 0 i64.const 1 i64.add)
          (func (export "id32") (param f32) (result f32) local.get 0)
          (func (export "id64") (param f64) (result f64) local.get 0)
          (func (export "boom") unreachable)
          (func $deep (export "deep") (result i32) i32.const 1 call $deep i32.add))
        """
    )
)
NOT_WASM = b"\0asm\x01\0\0\0\xff"


def value(kind: str, bits: int) -> dict:
    return {"type": kind, "value": str(bits)}


def f32_bits(number: float) -> int:
    return struct.unpack("<I", struct.pack("<f", number))[0]


def run(host: Host, module: bytes, calls: list[tuple[str, list[dict]]]) -> dict:
    request = {
        "cmd": "run",
        "module": base64.b64encode(module).decode(),
        "calls": [{"invoke": name, "args": args} for name, args in calls],
    }
    return host.exchange(request, timeout=60)


@pytest.fixture(params=sorted(BUILDS))
def host(request, provisioned):
    build, environment = provisioned(request.param)
    process = Host(build, environment)
    process.start()
    yield process
    process.stop()


@pytest.mark.engine
def test_handshake_names_family_and_exact_version(host):
    engine, version = BUILDS[host.build.id]
    handshake = host.handshake.wire
    assert (handshake["engine"], handshake["version"]) == (engine, version)
    assert handshake["language"] == "python"
    assert handshake["language_version"].count(".") == 2
    assert handshake["disabled"] == []
    assert all(isinstance(on, bool) for on in handshake["features"].values())


@pytest.mark.engine
def test_values_round_trip_exactly(host):
    cases = [
        ("inc64", value("i64", 2**64 - 1), value("i64", 0)),
        ("inc64", value("i64", 2**63 - 1), value("i64", 2**63)),
        ("id32", value("f32", f32_bits(-0.0)), value("f32", f32_bits(-0.0))),
        ("id32", value("f32", 0x7F7FFFFF), value("f32", 0x7F7FFFFF)),
        ("id64", value("f64", 1 << 63), value("f64", 1 << 63)),  # -0.0
        ("id64", value("f64", 0x7FF8000000000123), value("f64", 0x7FF8000000000123)),
    ]
    answer = run(host, MODULE, [(name, [arg]) for name, arg, _ in cases])
    assert answer["status"] == "ran", answer
    returned = [call["values"] for call in answer["calls"]]
    assert returned == [[expected] for _, _, expected in cases]


@pytest.mark.engine
def test_traps_are_traps_and_the_instance_stays_usable(host):
    answer = run(
        host,
        MODULE,
        [("boom", []), ("deep", []), ("inc64", [value("i64", 41)]), ("missing", [])],
    )
    assert answer["status"] == "ran", answer
    boom, deep, after, missing = answer["calls"]
    assert boom["status"] == "trap" and boom["message"]
    assert "\n" not in boom["message"]  # the cause, not a backtrace
    assert deep["status"] == "trap"  # stack exhaustion: a trap, not a hang or a crash
    assert after == {"status": "return", "values": [value("i64", 42)]}
    assert missing["status"] == "error"


@pytest.mark.engine
def test_bad_module_is_rejected_at_compile(host):
    answer = run(host, NOT_WASM, [])
    assert answer["status"] == "reject" and answer["stage"] == "compile", answer
    assert answer["message"]


@pytest.mark.engine
def test_old_wasmtime_reports_only_the_switches_it_has(provisioned):
    build, environment = provisioned("wasmtime-0.23.0[-reference-types]")
    host = Host(build, environment)
    try:
        features = host.start().features
    finally:
        host.stop()
    assert features["reference-types"] is False
    assert features["simd128"] is True
    assert "memory64" not in features and "tail-call" not in features

"""The wabt host: spectest-interp driven for real (skipped where it is not installed)."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import jsonschema
import pytest
import wasmtime

from matrix.hosts import Host
from matrix.paths import engines_dir

from .helpers import REPO

PLAIN = "wabt-1.0.32"
NO_REFS = "wabt-1.0.32[-reference-types]"
SCHEMA = json.loads((engines_dir() / "protocol.schema.json").read_text())

VALUES = """
(module
  (func (export "i32") (param i32) (result i32) local.get 0)
  (func (export "i64") (param i64) (result i64) local.get 0)
  (func (export "f32") (param f32) (result f32) local.get 0)
  (func (export "f64") (param f64) (result f64) local.get 0)
  (func (export "neg") (param i64) (result i64) (i64.sub (i64.const 0) (local.get 0)))
  (func (export "half") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 0.5)))
  (func (export "three") (param i32 i64 f32) (result f32 i64 i32)
    local.get 2 local.get 1 local.get 0)
  (func (export "nothing"))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "forever") (loop (br 0)))
  (global (export "g") i32 (i32.const 1))
  (memory (export "mem") 1))
"""


def check(definition: str, message: dict) -> None:
    jsonschema.Draft202012Validator({**SCHEMA, "$ref": f"#/$defs/{definition}"}).validate(message)


def value(kind: str, bits: int) -> dict:
    return {"type": kind, "value": str(bits)}


def call(name: str, *args: dict) -> dict:
    return {"invoke": name, "args": list(args)}


def run(host: Host, module: bytes, calls: list[dict]) -> dict:
    request = {"cmd": "run", "module": base64.b64encode(module).decode(), "calls": calls}
    answer = host.exchange(request, timeout=60)
    check("run-answer", answer)
    return answer


@pytest.fixture
def wabt(provisioned):
    """A started host for a wabt build (skips when spectest-interp is not installed)."""
    hosts = []

    def start(engine_id: str = PLAIN) -> Host:
        build, environment = provisioned(engine_id)
        host = Host(build, environment)
        hosts.append(host)
        check("handshake", host.start().wire)
        return host

    yield start
    for host in hosts:
        host.stop()


@pytest.mark.engine
def test_handshake(wabt):
    handshake = wabt().handshake.wire
    assert handshake["engine"] == "wabt"
    assert handshake["version"] == "1.0.32"
    assert handshake["disabled"] == []
    features = handshake["features"]
    assert features["reference-types"] and features["tail-call"] and features["memory64"]
    assert features["gc"] is False  # 1.0.32 cannot decode GC types at all

    handshake = wabt(NO_REFS).handshake.wire
    assert handshake["disabled"] == ["reference-types"]
    # wabt turns reference types back on for exceptions: the host switches both off.
    assert handshake["features"]["reference-types"] is False
    assert handshake["features"]["exceptions"] is False
    assert handshake["features"]["simd128"] is True


@pytest.mark.engine
def test_values_round_trip_bit_exact(wabt):
    module = bytes(wasmtime.wat2wasm(VALUES))
    sent = [
        value("i32", 0xFFFFFFFF),
        value("i64", (-2) & 0xFFFFFFFFFFFFFFFF),
        value("i64", 0x8000000000000000),
        value("f32", 0x7FA00001),  # a signalling NaN with a payload
        value("f32", 0x80000000),  # -0.0
        value("f32", 0x3DCCCCCD),  # 0.1f: printf("%f") would say 0.100000
        value("f64", 0xFFF4000000000001),  # a negative signalling NaN with a payload
        value("f64", 0x3FB999999999999A),  # 0.1
        value("f64", 0xFFF0000000000000),  # -inf
    ]
    answer = run(wabt(), module, [call(v["type"], v) for v in sent])
    assert answer["status"] == "ran"
    assert answer["calls"] == [{"status": "return", "values": [v]} for v in sent]


@pytest.mark.engine
def test_arithmetic_and_multiple_results(wabt):
    module = bytes(wasmtime.wat2wasm(VALUES))
    answer = run(
        wabt(),
        module,
        [
            call("neg", value("i64", 5)),
            call("half", value("f64", 0x3FF0000000000000)),  # 1.0 -> 0.5
            call("three", value("i32", 7), value("i64", 1 << 63), value("f32", 0x7FC00000)),
            call("nothing"),
        ],
    )
    assert answer["calls"] == [
        {"status": "return", "values": [value("i64", (-5) & 0xFFFFFFFFFFFFFFFF)]},
        {"status": "return", "values": [value("f64", 0x3FE0000000000000)]},
        {
            "status": "return",
            "values": [value("f32", 0x7FC00000), value("i64", 1 << 63), value("i32", 7)],
        },
        {"status": "return", "values": []},
    ]


@pytest.mark.engine
def test_traps_and_call_errors(wabt):
    module = bytes(wasmtime.wat2wasm(VALUES))
    answer = run(
        wabt(),
        module,
        [
            call("div", value("i32", 1), value("i32", 0)),
            call("missing"),
            call("g"),
            call("div", value("i32", 1)),
            call("div", value("i32", 7), value("i32", 2)),  # the instance lives on
        ],
    )
    trap, missing, global_, arity, after = answer["calls"]
    assert trap == {
        "status": "trap",
        "message": "integer divide by zero",
        "kinds": ["integer divide by zero"],
    }
    assert missing["status"] == "error" and "missing" in missing["message"]
    assert global_["status"] == "error" and "not a function" in global_["message"]
    assert arity["status"] == "error"
    assert after == {"status": "return", "values": [value("i32", 3)]}


@pytest.mark.engine
def test_rejects_with_wabts_message(wabt):
    host = wabt()
    invalid = bytes(wasmtime.wat2wasm('(module (func (export "f") (result i32) i32.const 0))'))
    invalid = invalid.replace(b"\x41\x00\x0b", b"\x42\x00\x0b")  # i32.const -> i64.const
    answer = run(host, invalid, [call("f")])
    assert answer["status"] == "reject" and answer["stage"] == "compile"
    assert "type mismatch" in answer["message"]

    answer = run(host, b"\0asm\x01\0\0\0\xff", [])
    assert answer["status"] == "reject" and answer["stage"] == "compile"

    start_trap = bytes(wasmtime.wat2wasm("(module (func $s unreachable) (start $s))"))
    answer = run(host, start_trap, [])
    assert answer == {
        "seq": answer["seq"],
        "status": "reject",
        "stage": "instantiate",
        "message": "unreachable executed",
    }

    # spectest-interp would link its own `spectest` module: the host gives no imports.
    imports = '(module (import "spectest" "print_i32" (func (param i32))))'
    answer = run(host, bytes(wasmtime.wat2wasm(imports)), [])
    assert answer["status"] == "reject" and answer["stage"] == "instantiate"


@pytest.mark.engine
def test_without_reference_types_the_overlong_call_indirect_is_rejected(wabt):
    module = (REPO / "cases/probes/call-indirect-overlong.yaml").read_text()
    hex_text = module.split("hex: |", 1)[1].split("calls:", 1)[0]
    binary = bytes.fromhex("".join(hex_text.split()))
    calls = [call("call", value("i32", 1), value("i32", 5))]
    plain = run(wabt(), binary, calls)
    assert plain["calls"] == [{"status": "return", "values": [value("i32", 15)]}]
    no_refs = run(wabt(NO_REFS), binary, calls)
    assert no_refs["status"] == "reject" and "call_indirect" in no_refs["message"]


@pytest.mark.engine
def test_a_killed_host_takes_spectest_interp_with_it(wabt):
    # The runner SIGKILLs a host that does not answer in time; its child must die too.
    host = wabt()
    module = bytes(wasmtime.wat2wasm(VALUES))
    request = {"cmd": "run", "module": base64.b64encode(module).decode()}
    host._process.stdin.write(json.dumps({**request, "seq": 99, "calls": [call("forever")]}))
    host._process.stdin.write("\n")
    host._process.stdin.flush()
    pid = host._process.pid
    children: list[str] = []
    deadline = time.monotonic() + 10
    while not children and time.monotonic() < deadline:
        time.sleep(0.05)
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert children, "spectest-interp did not start"
    interp = Path(f"/proc/{children[0]}")
    assert (interp / "comm").read_text().strip() == "spectest-interp"
    host.kill()
    deadline = time.monotonic() + 5
    while _alive(interp) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(interp)


def _alive(proc: Path) -> bool:
    try:
        return (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False

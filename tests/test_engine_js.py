"""The JavaScript hosts (engines/js/): one build of each family, through the real protocol."""

from __future__ import annotations

import base64

import pytest
import wasmtime

from matrix.hosts import Host

pytestmark = pytest.mark.engine

MODULE = """
(module
  (func (export "add64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
  (func (export "id64") (param f64) (result f64) local.get 0)
  (func (export "id32") (param f32) (result f32) local.get 0)
  (func (export "lanes") (param v128) (result v128) local.get 0)
  (func (export "pair") (result i32 i64) i32.const -1 i64.const -2)
  (func (export "boom") unreachable)
  (func $deep (export "deep") (result i32) (i32.add (i32.const 1) (call $deep))))
"""
NEEDS_IMPORT = '(module (import "env" "f" (func)))'
QUIET_NAN_WITH_PAYLOAD = 0x7FF8_0000_0000_0123
SIGNALLING_F32 = 0x7FA0_0001
# Values cross through the core's trampolines as bits, so every NaN payload survives on
# every engine (a JS number would lose it on JavaScriptCore and SpiderMonkey).
BUILDS = ["node-24", "deno-2.9.6", "pythonmonkey-1.4.1", "bun-1.4.5", "jsc-system", "gjs-system"]


def value(kind: str, bits: int) -> dict:
    return {"type": kind, "value": str(bits)}


def run(host: Host, wat: str, calls: list[dict]) -> dict:
    module = base64.b64encode(bytes(wasmtime.wat2wasm(wat))).decode()
    return host.exchange({"cmd": "run", "module": module, "calls": calls}, timeout=60)


@pytest.fixture(params=BUILDS)
def js_host(request, provisioned):
    build, environment = provisioned(request.param)
    host = Host(build, environment)
    host.start()
    yield host
    host.stop()


def test_handshake_names_the_embedded_engine(js_host):
    host = js_host
    handshake = host.handshake.wire
    assert handshake["engine"] == host.build.family.name
    assert handshake["version"] and handshake["version"] != "unknown"
    assert handshake["language"] == "javascript"
    assert handshake["engine_version"]
    assert handshake["features"]["sign-ext"] is True


def test_values_cross_as_exact_bits(js_host):
    lanes = int.from_bytes(bytes(range(16)), "little") | 1 << 127
    answer = run(
        js_host,
        MODULE,
        [
            {"invoke": "add64", "args": [value("i64", 1 << 63), value("i64", (1 << 64) - 1)]},
            {"invoke": "id64", "args": [value("f64", QUIET_NAN_WITH_PAYLOAD)]},
            {"invoke": "id32", "args": [value("f32", SIGNALLING_F32)]},
            {"invoke": "id64", "args": [value("f64", 1 << 63)]},  # -0.0
            {"invoke": "pair", "args": []},
            {"invoke": "lanes", "args": [value("v128", lanes)]},
        ],
    )
    assert answer["status"] == "ran"
    add, nan, signalling, negative_zero, pair, v128 = answer["calls"]
    assert add == {"status": "return", "values": [value("i64", (1 << 63) - 1)]}
    assert nan["values"] == [value("f64", QUIET_NAN_WITH_PAYLOAD)]
    assert signalling["values"] == [value("f32", SIGNALLING_F32)]
    assert negative_zero["values"] == [value("f64", 1 << 63)]
    assert pair["values"] == [value("i32", 0xFFFFFFFF), value("i64", (1 << 64) - 2)]
    assert v128["values"] == [value("v128", lanes)]


def test_traps_and_rejects(js_host):
    host = js_host
    answer = run(
        host,
        MODULE,
        [
            {"invoke": "boom", "args": []},
            {"invoke": "deep", "args": []},
            {"invoke": "add64", "args": [value("i64", 1), value("i64", 2)]},
            {"invoke": "missing", "args": []},
        ],
    )
    assert answer["status"] == "ran"
    boom, deep, after, missing = answer["calls"]
    assert boom["status"] == "trap" and "\n" not in boom["message"]
    assert boom["kinds"] == ["unreachable"]
    assert deep["status"] == "trap" and deep["kinds"] == ["call stack exhausted"]
    assert after == {"status": "return", "values": [value("i64", 3)]}
    assert missing["status"] == "error" and "missing" in missing["message"]

    garbage = base64.b64encode(b"\0asm\x01\0\0\0\xff").decode()
    rejected = host.exchange({"cmd": "run", "module": garbage, "calls": []}, timeout=60)
    assert rejected["status"] == "reject" and rejected["stage"] == "compile"
    assert rejected["message"]

    unlinked = run(host, NEEDS_IMPORT, [])
    assert unlinked["status"] == "reject" and unlinked["stage"] == "instantiate"

"""Every host names its engine's traps in the shared vocabulary (engines/protocol.md, "Trap
kinds"): one module per group of traps, run on one build of every engine family. A trap
must carry its own kind (alone, or among the kinds the engine words alike), never another."""

from __future__ import annotations

import pytest
import wasmtime

from matrix.hosts import Host
from matrix.protocol import Invoke, Run
from matrix.traps import KINDS

pytestmark = pytest.mark.engine

BUILDS = [
    "wasmtime-50.0.1",
    "wasmtime-0.23.0",  # no trap codes yet: read from the message
    "wasmer-1.1.0",
    "wasm3-0.5.0",
    "pywasm-2.2.3",
    "wabt-1.0.32",
    "node-24",
    "node-16",  # an older V8's words
    "bun-1.4.5",
    "jsc-system",
    "gjs-system",
    "firefox-esr",
    "chromium-stable",
]

# (module, {export: the kind of trap it must be})
GROUPS = {
    "mvp": (
        """(module
          (type $v (func)) (type $i (func (result i32)))
          (memory 1) (table 2 funcref) (elem (i32.const 0) $f) (func $f)
          (func (export "unreachable") unreachable)
          (func (export "div") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
          (func (export "rem") (result i32) (i32.rem_u (i32.const 1) (i32.const 0)))
          (func (export "divov") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
          (func (export "truncov") (result i32) (i32.trunc_f64_s (f64.const 1e100)))
          (func (export "truncnan") (result i32) (i32.trunc_f64_s (f64.const nan)))
          (func (export "memory") (result i32) (i32.load (i32.const 65536)))
          (func (export "undefined") (call_indirect (type $v) (i32.const 5)))
          (func (export "uninitialized") (call_indirect (type $v) (i32.const 1)))
          (func (export "mismatch") (drop (call_indirect (type $i) (i32.const 0))))
          (func $loop (export "stack") (call $loop)))""",
        {
            "unreachable": "unreachable",
            "div": "integer divide by zero",
            "rem": "integer divide by zero",
            "divov": "integer overflow",
            "truncov": "integer overflow",
            "truncnan": "invalid conversion to integer",
            "memory": "out of bounds memory access",
            "undefined": "undefined element",
            "uninitialized": "uninitialized element",
            "mismatch": "indirect call type mismatch",
            "stack": "call stack exhausted",
        },
    ),
    "bulk": (
        """(module (memory 1) (table 2 funcref) (data $d "abc") (elem $e func $f) (func $f)
          (func (export "fill") (memory.fill (i32.const 65535) (i32.const 0) (i32.const 3)))
          (func (export "init") (memory.init $d (i32.const 65535) (i32.const 0) (i32.const 3)))
          (func (export "tableinit") (table.init $e (i32.const 2) (i32.const 0) (i32.const 1)))
          (func (export "tablefill") (table.fill (i32.const 2) (ref.null func) (i32.const 1))))""",
        {
            "fill": "out of bounds memory access",
            "init": "out of bounds memory access",
            "tableinit": "out of bounds table access",
            "tablefill": "out of bounds table access",
        },
    ),
    "gc": (
        """(module (type $s (struct (field i32))) (type $a (array i32)) (type $f (func))
          (func (export "struct") (result i32) (struct.get $s 0 (ref.null $s)))
          (func (export "callref") (call_ref $f (ref.null $f)))
          (func (export "array") (result i32)
            (array.get $a (array.new_default $a (i32.const 1)) (i32.const 5)))
          (func (export "cast")
            (drop (ref.cast (ref $s) (array.new_default $a (i32.const 1))))))""",
        {
            "struct": "null reference",
            "callref": "null reference",
            "array": "out of bounds array access",
            "cast": "cast failure",
        },
    ),
}


@pytest.fixture(params=BUILDS)
def host(request, provisioned):
    build, environment = provisioned(request.param)
    process = Host(build, environment)
    process.start()
    yield process
    process.stop()


@pytest.mark.parametrize("group", list(GROUPS))
def test_each_trap_carries_its_own_kind(host, group):
    wat, expected = GROUPS[group]
    request = Run(bytes(wasmtime.wat2wasm(wat)), tuple(Invoke(name) for name in expected))
    answer = host.request(request, timeout=120)  # held to the protocol's schema, too
    if answer.status == "reject":
        pytest.skip(f"{host.build.id} does not take the {group} module: {answer.message}")
    assert answer.status == "ran", answer
    for (name, kind), call in zip(expected.items(), answer.calls, strict=True):
        assert call.status == "trap", (name, call)
        assert set(call.kinds) <= set(KINDS), (name, call)
        assert kind in call.kinds, (name, call)

"""The `script` extension of the host protocol: real hosts' script answers fit the schema,
and every kind of directive and value crosses the wire."""

from __future__ import annotations

import json

import jsonschema
import pytest

from matrix.hosts import Host
from matrix.paths import engines_dir
from matrix.protocol import Script
from matrix.spec.plan import plan
from matrix.spec.script import parse_script

from .helpers import NEWEST

SCHEMA = json.loads((engines_dir() / "protocol.schema.json").read_text())

SCRIPT = """\
(module $M
  (global (export "g") i64 (i64.const -2))
  (func (export "v") (param v128) (result v128) (local.get 0))
  (func (export "r") (param externref) (result externref) (local.get 0))
  (func (export "n") (result funcref) (ref.null func))
  (func (export "i") (result i31ref) (ref.i31 (i32.const 5)))
  (tag $e) (func (export "throw") (throw $e))
  (func $loop (export "loop") (call $loop))
  (func (export "f") (param f32) (result f32) (local.get 0)))
(register "M" $M)
(module (import "M" "g" (global i64)) (import "spectest" "print_i32" (func (param i32))))
(get $M "g")
(assert_return (invoke $M "v" (v128.const i32x4 1 2 3 4)) (v128.const i32x4 1 2 3 4))
(assert_return (invoke $M "r" (ref.extern 9)) (ref.extern 9))
(assert_return (invoke $M "n") (ref.null func))
(assert_return (invoke $M "i") (ref.i31))
(assert_exception (invoke $M "throw"))
(assert_exhaustion (invoke $M "loop") "call stack exhausted")
(assert_return (invoke $M "f" (f32.const -0x1p-149)) (f32.const -0x1p-149))
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_unlinkable (module (import "M" "nope" (func))) "unknown import")
(module definition $D (func (export "d")))
(module instance $I $D)
(assert_return (invoke $I "d"))
"""


def check(definition: str, message: dict) -> None:
    jsonschema.Draft202012Validator({**SCHEMA, "$ref": f"#/$defs/{definition}"}).validate(message)


def test_the_schema_refuses_bad_script_messages():
    with pytest.raises(jsonschema.ValidationError):
        check("request", {"seq": 1, "cmd": "script", "directives": [{"do": "jump"}]})
    with pytest.raises(jsonschema.ValidationError):  # v128 bits as a string, like the rest
        check("spec-value", {"type": "v128", "value": 5})
    with pytest.raises(jsonschema.ValidationError):
        check("script-answer", {"seq": 1, "status": "ran", "answers": [{"status": "fine"}]})


@pytest.mark.parametrize("engine_id", [NEWEST, "node-22"])
def test_a_script_round_trip_fits_the_schema(provisioned, engine_id):
    build, environment = provisioned(engine_id)
    steps = [step for step in plan(parse_script(SCRIPT)) if step.directive]
    request = Script(tuple({**step.directive, "line": step.line} for step in steps))
    check("request", request.to_wire(seq=1))
    with Host(build, environment) as host:
        assert host.handshake.script is True
        answer = host.request(request, timeout=120).wire
    check("script-answer", answer)
    statuses = [reply["status"] for reply in answer["answers"]]
    assert statuses[:4] == ["ok", "ok", "ok", "return"]  # module, register, module, get
    assert answer["answers"][3]["values"] == [{"type": "i64", "value": str(2**64 - 2)}]
    by_line = {step.line: reply for step, reply in zip(steps, answer["answers"], strict=True)}
    assert by_line[14]["values"] == [{"type": "ref", "kind": "extern", "value": "9"}]
    assert by_line[15]["values"] == [{"type": "ref", "kind": "null"}]
    assert by_line[17]["status"] == "exception"
    assert by_line[18]["status"] == "trap"
    assert by_line[19]["values"] == [{"type": "f32", "value": str(0x80000001)}]
    assert (by_line[20]["status"], by_line[20]["stage"]) == ("reject", "compile")
    assert (by_line[21]["status"], by_line[21]["stage"]) == ("reject", "instantiate")
    assert by_line[24]["status"] == "return"
    # Every value kind crosses exactly, the JS API too (through the core's trampolines),
    # as the manifest's `expresses: values` says.
    assert "v128" in build.family.values
    v128 = 1 | 2 << 32 | 3 << 64 | 4 << 96
    assert by_line[13]["values"] == [{"type": "v128", "value": str(v128)}]
    assert by_line[16]["values"] == [{"type": "ref", "kind": "i31", "value": "5"}]
    assert by_line[18]["kinds"] == ["call stack exhausted"]

"""Load cells: a shipped module compiled and instantiated against generated imports.

The generated imports are read from the module's own import section (engines/imports.py
for the Python hosts that need it, binary.js and stubs.js for JavaScript, provider
modules for wabt); every family answers the `load` request within the protocol, and the
runner turns the answer into pass, reject, skip, or a validator's valid or invalid.
"""

from __future__ import annotations

import sys

import pytest
import wasmtime

from matrix.cases import CaseError, load_case
from matrix.engines import load_engine_builds
from matrix.hosts import Host
from matrix.load import engine_offset, judge_load, located
from matrix.outcomes import Outcome
from matrix.paths import engines_dir
from matrix.protocol import Invoke, Load, LoadAnswer

from .helpers import OLDER_NO_REFS

sys.path.insert(0, str(engines_dir()))
import imports

EVERY_KIND = """
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (import "env" "mem" (memory 1 2))
  (import "env" "tab" (table 2 funcref))
  (import "env" "g" (global i64))
  (import "host" "gm" (global (mut f64)))
  (func (export "calls_stub") (result i32) (call $f (i32.const 1)))
  (func (export "answer") (result i32) (i32.const 42)))
"""
START_CALLS_STUB = '(module (import "env" "hello" (func $h)) (func $s call $h) (start $s))'
ONLY_FUNCTIONS = """
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (func (export "calls_stub") (result i32) (call $f (i32.const 1)))
  (func (export "answer") (result i32) (i32.const 42)))
"""
CALLS = (Invoke("answer"), Invoke("calls_stub"))


# --- the import reader and the provider modules ----------------------------------------------


def test_imports_are_read_with_their_types():
    found = imports.read_imports(wasmtime.wat2wasm(EVERY_KIND))
    assert [(i.label, i.kind) for i in found] == [
        ("env.f", "function"),
        ("env.mem", "memory"),
        ("env.tab", "table"),
        ("env.g", "global"),
        ("host.gm", "global"),
    ]
    function, memory, table, constant, mutable = found
    assert (function.params, function.results) == (("i32",), ("i32",))
    assert memory.limits == imports.Limits(1, 2, False, False)
    assert table.element == "funcref" and table.limits.maximum is None
    assert (constant.value, constant.mutable) == ("i64", False)
    assert (mutable.value, mutable.mutable) == ("f64", True)


def test_a_shared_64_bit_memory_is_read_as_such():
    wat = '(module (import "env" "m" (memory i64 1 10 shared)))'
    (memory,) = imports.read_imports(wasmtime.wat2wasm(wat))
    assert memory.limits == imports.Limits(1, 10, True, True)


def test_provider_modules_link_the_module_and_report_a_called_stub():
    module = wasmtime.wat2wasm(EVERY_KIND)
    wanted = imports.read_imports(module)
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    reported = []
    print_i32 = wasmtime.Func(
        store, wasmtime.FuncType([wasmtime.ValType.i32()], []), reported.append
    )
    linker.define(store, "spectest", "print_i32", print_i32)
    first = 0
    for namespace in ("env", "host"):
        items = [item for item in wanted if item.module == namespace]
        provider = wasmtime.Module(engine, imports.provider_module(items, first=first))
        linker.define_instance(store, namespace, linker.instantiate(store, provider))
        first += len(items)
    instance = linker.instantiate(store, wasmtime.Module(engine, module))
    exports = instance.exports(store)
    assert exports["answer"](store) == 42
    with pytest.raises(wasmtime.Trap):
        exports["calls_stub"](store)
    assert reported == [0]  # env.f is import 0


def test_an_import_named_twice_is_provided_once():
    """Go's modules import some functions twice; a module exports each name once."""
    wat = """(module (import "go" "f" (func (param i32))) (import "go" "f" (func (param i32))))"""
    twice = imports.read_imports(wasmtime.wat2wasm(wat))
    provider = imports.provider_module(twice)
    assert wasmtime.Module.validate(wasmtime.Engine(), provider) is None
    clash = [twice[0], imports.Import("go", "f", "function", ("i64",), (), raw=b"\x60\x01\x7e\x00")]
    with pytest.raises(imports.CannotProvide, match="different types"):
        imports.provider_module(clash)


def test_no_module_can_provide_a_table_of_non_nullable_references():
    table = imports.Import("env", "t", "table", raw=b"\x64\x70\x00\x01", element="(ref func)")
    with pytest.raises(imports.CannotProvide):
        imports.provider_module([table])


# --- the verdict ---------------------------------------------------------------------------


@pytest.fixture
def load_case_file(write_case):
    path = write_case(
        "shipped.yaml",
        """
        kind: load
        module:
          wat: '(module (func (export "one") (result i32) i32.const 1))'
        calls:
          - invoke: one
            expect: [i32:1]
        """,
    )
    return load_case(path)


def answer(**wire) -> LoadAnswer:
    """A host's answer to `load` as the runner reads it (checked against the schema)."""
    return LoadAnswer.from_wire({"seq": 1, **wire}, check_schema=True)


def test_answers_become_outcomes(load_case_file):
    case = load_case_file
    one = {"status": "return", "values": [{"type": "i32", "value": "1"}]}
    ran = judge_load(case, answer(status="ran", calls=[one], imports=3))
    assert ran.outcome == Outcome.PASS and "3 generated imports" in ran.message
    wrong = {"status": "return", "values": [{"type": "i32", "value": "2"}]}
    assert judge_load(case, answer(status="ran", calls=[wrong])).outcome == Outcome.FAIL
    stub = answer(status="stub", stage="instantiate", message="…", **{"import": "env.hello"})
    started = judge_load(case, stub)
    assert started.outcome == Outcome.SKIP and "env.hello" in started.message
    cannot = judge_load(case, answer(status="unsupported", message="no v128 global here"))
    assert cannot.outcome == Outcome.SKIP and "no v128 global here" in cannot.message
    assert judge_load(case, answer(status="valid")).outcome == Outcome.VALID
    refused = judge_load(case, answer(status="reject", stage="compile", message="bad"))
    assert refused.outcome == Outcome.REJECT and "bad" in refused.message
    # A validator-only build's refusal is validation, never an executing engine's reject.
    invalid = judge_load(case, answer(status="reject", stage="compile", message="bad"), True)
    assert invalid.outcome == Outcome.INVALID and "bad" in invalid.message


def test_a_load_request_is_a_run_request_by_another_name():
    request = Load(module=b"\0asm\1\0\0\0", calls=(Invoke("f"),)).to_wire(7)
    assert request == {
        "cmd": "load",
        "module": "AGFzbQEAAAA=",
        "calls": [{"invoke": "f", "args": []}],
        "seq": 7,
    }
    assert Load.answer is LoadAnswer


@pytest.mark.parametrize(
    ("message", "offset"),
    [
        ("Invalid input WebAssembly code at offset 36734: legacy_exceptions", 36734),
        ("invalid table resizable limits flags (at offset 0x5c47)", 23623),
        ("Compiling function #140 failed: expected table index 0, found 0 @+4915", 4915),
        ("WebAssembly.Module doesn't parse at byte 104: can't get Global's value type", 104),
        ("readWasm failed: 000002a: error: invalid limits flags", 0x2A),
        ("unreachable executed", None),
        ("doesn't parse at byte 1401: wasm-simd is not enabled, in function at index 24", None),
    ],
)
def test_the_offset_an_engine_names_is_found(message, offset):
    assert engine_offset(message) == offset


def test_the_scanner_says_what_is_at_the_offset_an_engine_names():
    module = wasmtime.wat2wasm("(module (global v128 (v128.const i32x4 0 0 0 0)))")
    v128_at = module.index(b"\x7b")  # the global's type byte
    found = located(module, f"doesn't parse at byte {v128_at}: can't get Global's value type")
    assert found["offset"] == v128_at
    assert [f["feature"] for f in found["features"]] == ["simd128"]


# --- the case format -----------------------------------------------------------------------

PACKAGE_CASE = """
kind: load
module:
  package:
    npm: "rabin-wasm@0.1.5"
    sha256: 3f5f74078be357eda868873bc1edb8695e801bb013b9cc81637c59958480ca63
    path: package/dist/rabin.wasm
    licence: MIT
    built_with: AssemblyScript
    why: small
"""


def test_a_package_case_names_its_package(write_case):
    case = load_case(write_case("rabin.yaml", PACKAGE_CASE))
    assert case.kind == "load" and case.module.format == "package"
    assert case.module.origin == "npm:rabin-wasm@0.1.5 package/dist/rabin.wasm"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('    npm: "rabin-wasm@0.1.5"', '    npm: "rabin-wasm@latest"'), "module.package.npm"),
        (("    sha256: 3f5f", "    sha256: XX5f"), "module.package.sha256"),
        (("    licence: MIT\n", ""), "module.package.licence"),
        (("kind: load", "kind: load\nvalid: false"), "valid"),
    ],
)
def test_a_bad_package_case_says_which_field(write_case, change, field):
    path = write_case("bad.yaml", PACKAGE_CASE.replace(*change))
    with pytest.raises(CaseError) as raised:
        load_case(path)
    assert raised.value.field == field and raised.value.line


# --- every family answers `load` ------------------------------------------------------------


def one_build_per_family() -> list[str]:
    firsts: dict[str, str] = {}
    for build in load_engine_builds():
        firsts.setdefault(build.family.name, build.id)
    return [*firsts.values(), OLDER_NO_REFS]


def ask(host: Host, wat: str, calls: tuple[Invoke, ...]) -> dict:
    """The host's answer to a `load` request, as it came (both checked against the schema:
    the tests switch checking on)."""
    loaded = host.request(Load(module=bytes(wasmtime.wat2wasm(wat)), calls=calls), 120)
    assert isinstance(loaded, LoadAnswer)
    return loaded.wire


@pytest.mark.engine
@pytest.mark.parametrize("engine_id", one_build_per_family())
def test_every_family_loads_against_stubs(provisioned, engine_id):
    build, environment = provisioned(engine_id)
    with Host(build, environment) as host:
        functions = ask(host, ONLY_FUNCTIONS, CALLS)
        every = ask(host, EVERY_KIND, CALLS)
        start = ask(host, START_CALLS_STUB, ())
    if host.handshake.validator_only:
        assert {functions["status"], every["status"], start["status"]} == {"valid"}
        return
    stub_trap = {  # a trap, but of no kind in the vocabulary: nothing for `trap:` to match
        "status": "trap",
        "message": "called the import env.f, which the load cell only stubs",
        "kinds": [],
    }
    assert functions["status"] == "ran" and functions["imports"] == 1
    assert functions["calls"] == [
        {"status": "return", "values": [{"type": "i32", "value": "42"}]},
        stub_trap,
    ]
    if build.family.name == "wasm3":  # pywasm3 cannot be handed a memory
        assert every["status"] == "unsupported" and "env.mem" in every["message"]
    else:
        assert every["status"] == "ran" and every["imports"] == 5
        assert every["calls"][1] == stub_trap
    if build.family.name == "wasm3":  # pywasm3 never runs a start function
        assert start["status"] == "ran" and "start" in start["note"]
    else:
        assert start == {
            "status": "stub",
            "stage": "instantiate",
            "import": "env.hello",
            "message": "called the import env.hello, which the load cell only stubs",
            "seq": start["seq"],
        }


@pytest.mark.engine
def test_wabt_without_reference_types_refuses_the_module_not_its_stubs(provisioned):
    """A provider declares the module's own import types: when wabt cannot read them (an
    externref parameter with reference types off), the cell is the module's reject."""
    build, environment = provisioned("wabt-1.0.32[mvp]")
    with Host(build, environment) as host:
        refused = ask(host, '(module (import "env" "f" (func (param externref))))', ())
    assert refused["status"] == "reject" and refused["stage"] == "compile"


@pytest.mark.engine
@pytest.mark.parametrize("engine_id", ["wasmtime-50.0.1", "wasmtime-20.0.0"])
def test_a_shared_memory_is_made_for_a_threaded_module(provisioned, engine_id):
    """Emscripten's pthread builds import a shared memory (wasm-vips): the host makes one."""
    build, environment = provisioned(engine_id)
    wat = """(module (import "env" "m" (memory 1 10 shared))
               (func (export "size") (result i32) memory.size))"""
    with Host(build, environment) as host:
        loaded = ask(host, wat, (Invoke("size"),))
    assert loaded["calls"] == [{"status": "return", "values": [{"type": "i32", "value": "1"}]}]

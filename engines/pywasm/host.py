"""wasm-matrix host for pywasm, a WebAssembly interpreter written in pure Python."""

from __future__ import annotations

import io
import re
import sys
import traceback
from importlib.metadata import version as package_version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyhost import (
    SPECTEST_GLOBALS,
    SPECTEST_PRINTS,
    CallError,
    CallTrapped,
    CannotStub,
    EngineFault,
    Host,
    Reject,
    Unsupported,
    serve,
    stub_called,
    stub_function,
)
from pyvalues import check_arguments
from pywasi import WasiRun
from pywasm.core import (
    FuncType,
    GlobalType,
    Limits,
    MemType,
    ModuleDesc,
    Runtime,
    Stack,
    TableType,
    ValInst,
    ValType,
)
from pywasm.opcode import name as OPCODE_NAMES
from trapwords import (
    CONVERSION,
    DIVIDE,
    MEMORY,
    MISMATCH,
    OVERFLOW,
    STACK,
    TABLE,
    UNDEFINED,
    UNINITIALIZED,
    UNREACHABLE,
)

KINDS = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64"}
# Values go in and out as raw bits, so pywasm gets NaN payloads and -0.0 exactly.
FROM_BITS = {
    "i32": lambda bits: ValInst.from_u32(bits),
    "i64": lambda bits: ValInst.from_u64(bits),
    "f32": lambda bits: ValInst.from_f32_u32(bits),
    "f64": lambda bits: ValInst.from_f64_u64(bits),
}
FUNCTION = 0x00
GLOBAL = 0x03


class PywasmHost(Host):
    engine = "pywasm"
    scripts = True

    def version(self) -> str:
        return package_version("pywasm")

    stubs = 0  # how many imports the last load generated

    def load(self, module: bytes, calls: list[dict]) -> tuple[int, list[dict]]:
        answers = self.run(module, calls, stubbed=True)
        return self.stubs, answers

    def run(self, module: bytes, calls: list[dict], stubbed: bool = False) -> list[dict]:
        runtime = Runtime()
        try:
            described = ModuleDesc.from_reader(io.BytesIO(module))
        except Exception as error:  # pywasm decodes with asserts: any exception is a refusal
            raise Reject("compile", _message(error)) from None
        if stubbed:
            self.stubs = _stub_imports(runtime, described)
        try:
            instance = runtime.instance(described)
        except Exception as error:
            called = stub_called(error)
            if called is not None:
                runtime.machine.stack = Stack()
                raise called from None
            raise Reject("instantiate", _message(error)) from None
        return self.call_each(calls, _invoker(runtime, instance))

    # WASI preview 1 through pywasm's own implementation (pywasm.wasi.Preview1); stdio
    # through its pipes (BytesIO), which it offers for exactly this.
    wasi = "native"

    def run_wasi(self, module: bytes, calls: list[dict], wasi: dict) -> tuple[list, dict]:
        import pywasm.wasi

        with WasiRun(wasi) as run:
            runtime = Runtime()
            try:
                described = ModuleDesc.from_reader(io.BytesIO(module))
            except Exception as error:  # pywasm decodes with asserts: any exception is a refusal
                raise Reject("compile", _message(error)) from None
            dirs = {preopen["guest"]: preopen["host"] for preopen in run.preopens}
            preview1 = pywasm.wasi.Preview1(run.args, dirs, dict(run.env))
            stdout, stderr = io.BytesIO(), io.BytesIO()
            for fd, pipe in enumerate((io.BytesIO(run.stdin.read_bytes()), stdout, stderr)):
                preview1.fd[fd].pipe = pipe
            run.read_only = [False] * len(run.preopens)  # Preview1 has no read-only dirs
            preview1.bind(runtime)
            try:
                instance = runtime.instance(described)
            except Exception as error:
                raise Reject("instantiate", _message(error)) from None
            answers = self._start_and_call(runtime, instance, run, calls)
            run.stdout.write_bytes(stdout.getvalue())
            run.stderr.write_bytes(stderr.getvalue())
            return answers, run.answer()

    def _start_and_call(self, runtime, instance, run: WasiRun, calls: list[dict]) -> list[dict]:
        name = "_start" if run.start == "command" else "_initialize"
        if not any(export.name == name for export in instance.exps):
            if run.start == "command":
                run.trap = "the module exports no _start function"
                return []
            run.exit_code = 0
        else:
            try:
                runtime.invocate(instance, name, [])
                run.exit_code = 0
            except Exception as error:  # proc_exit raises Exception(SystemExit, code)
                runtime.machine.stack = Stack()
                if len(error.args) >= 2 and error.args[0] is SystemExit:
                    run.exit_code = int(error.args[1])
                    if run.start == "reactor":
                        run.trap = f"_initialize called proc_exit({run.exit_code})"
                else:
                    run.trap = f"{name}: {_message(error)}"
        if not run.finished:
            return []
        return self.call_each(calls, _invoker(runtime, instance))

    # Scripts: one Runtime (store, import namespaces) per script, `spectest` in it.
    def script_store(self) -> object:
        runtime = Runtime()
        runtime.imports["spectest"] = _spectest(runtime)
        return runtime

    def script_compile(self, runtime, module: bytes) -> object:
        try:
            return ModuleDesc.from_reader(io.BytesIO(module))
        except Exception as error:  # pywasm decodes with asserts: any exception is a refusal
            raise Reject("compile", _message(error)) from None

    def script_instantiate(self, runtime, described) -> object:
        for wanted in described.imps:
            if wanted.name not in runtime.imports.get(wanted.module, {}):
                raise Reject("instantiate", f"unknown import {wanted.module}.{wanted.name}")
        try:
            return runtime.instance(described)
        except Exception as error:
            runtime.machine.stack = Stack()
            raise Reject("instantiate", _message(error)) from None

    def script_register(self, runtime, name: str, instance) -> None:
        runtime.imports[name] = {export.name: export.data for export in instance.exps}

    def script_invoke(self, runtime, instance, field: str, args: list) -> list:
        extern = {export.name: export.data for export in instance.exps}.get(field)
        if extern is None or extern.kind != FUNCTION:
            raise CallError(f"no exported function named {field!r}")
        function = runtime.machine.store.func[extern.data]
        kinds = [kind.data for kind in (*function.type.args, *function.type.rets)]
        unknown = [kind for kind in kinds if kind not in KINDS]
        if unknown or any(arg["type"] not in FROM_BITS for arg in args):
            raise Unsupported("the pywasm host passes numbers only")
        params = [KINDS[kind.data] for kind in function.type.args]
        results = [KINDS[kind.data] for kind in function.type.rets]
        check_arguments(field, params, args)
        values = [
            FROM_BITS[kind](int(arg["value"])) for kind, arg in zip(params, args, strict=True)
        ]
        try:
            got = runtime.machine.invocate(extern.data, values)
        except Exception as error:
            raise _ended(runtime, error) from None
        return [
            {"type": kind, "value": str(_bits(kind, value))}
            for kind, value in zip(results, got, strict=True)
        ]

    def script_get(self, runtime, instance, field: str) -> dict:
        extern = {export.name: export.data for export in instance.exps}.get(field)
        if extern is None or extern.kind != GLOBAL:
            raise CallError(f"no exported global named {field!r}")
        glob = runtime.machine.store.glob[extern.data]
        kind = glob.data.type.data  # the value carries its type
        if kind not in KINDS:
            raise Unsupported("the pywasm host reads number globals only")
        return {"type": KINDS[kind], "value": str(_bits(KINDS[kind], glob.data))}


def _invoker(runtime: Runtime, instance):
    exports = {export.name: export.data for export in instance.exps}

    def invoke(name: str, args: list[dict]) -> list[dict]:
        extern = exports.get(name)
        if extern is None or extern.kind != FUNCTION:
            raise CallError(f"no exported function named {name!r}")
        function = runtime.machine.store.func[extern.data]
        params = [_kind(kind) for kind in function.type.args]
        kinds = [_kind(kind) for kind in function.type.rets]
        check_arguments(name, params, args)
        values = [
            FROM_BITS[kind](int(arg["value"])) for kind, arg in zip(params, args, strict=True)
        ]
        try:
            results = runtime.machine.invocate(extern.data, values)
        except Exception as error:  # RecursionError and MemoryError too
            called = stub_called(error)
            if called is not None:  # a generated import was called (a load cell)
                runtime.machine.stack = Stack()
                raise called from None
            raise _ended(runtime, error) from None
        return [
            {"type": kind, "value": str(_bits(kind, value))}
            for kind, value in zip(kinds, results, strict=True)
        ]

    return invoke


def _ended(runtime: Runtime, error: Exception) -> Exception:
    """pywasm traps by raising Python exceptions (mostly failed asserts) from the instruction
    that traps: the instruction and the exception say which trap it is. Any other exception
    is pywasm failing, not a trap. Its stacks are left as they were: clear them so the
    instance stays usable, as a trap requires."""
    instruction = _failing_instruction(runtime)
    runtime.machine.stack = Stack()
    message = _message(error)
    kinds = _trap_kinds(instruction, error, message)
    if kinds:
        return CallTrapped(message, kinds)
    return EngineFault(f"pywasm failed in {instruction or 'the call'}: {message}")


def _failing_instruction(runtime: Runtime) -> str:
    labels = runtime.machine.stack.label
    if not labels or not 0 < labels[-1].index <= len(labels[-1].instr):
        return ""
    return OPCODE_NAMES.get(labels[-1].instr[labels[-1].index - 1].opcode, "")


def _trap_kinds(instruction: str, error: Exception, message: str) -> list[str]:
    if isinstance(error, RecursionError) or "len(self.stack.frame) <" in message:
        return [STACK]  # its call depth limit, checked as a call begins
    if instruction == "unreachable":
        return [UNREACHABLE]
    if re.search(r"\.(div|rem)_", instruction):
        return [DIVIDE] if isinstance(error, ZeroDivisionError) else [OVERFLOW]
    if re.search(r"\.trunc_f", instruction):
        return [CONVERSION] if isinstance(error, ValueError) else [OVERFLOW]  # NaN: ValueError
    if re.search(r"\.(load|store)|^memory\.(init|copy|fill)", instruction):
        return [MEMORY]
    if instruction == "call_indirect":
        if isinstance(error, IndexError):
            return [UNDEFINED]
        return [UNINITIALIZED] if "self.data[4]" in message else [MISMATCH]  # a null's tag
    if instruction.startswith("table."):
        return [TABLE]
    return []


def _spectest(runtime: Runtime) -> dict:
    """The spec's `spectest` module: print functions, globals, a table and a memory."""
    types = {"i32": ValType.i32(), "i64": ValType.i64(), "f32": ValType.f32(), "f64": ValType.f64()}
    externs = {}
    for name, params in SPECTEST_PRINTS.items():
        function_type = FuncType([types[p] for p in params], [])
        externs[name] = runtime.allocate_func_host(function_type, lambda *values: [])
    for kind, value in SPECTEST_GLOBALS.items():
        data = getattr(ValInst, f"from_{kind}")(value)
        externs[f"global_{kind}"] = runtime.allocate_global(GlobalType(types[kind], 0), data)
    externs["table"] = runtime.allocate_table(TableType(ValType.ref_func(), Limits(10, 20)))
    externs["memory"] = runtime.allocate_memory(MemType(Limits(1, 2)))
    return externs


def _kind(kind: ValType) -> str:
    if kind.data not in KINDS:
        raise CallError(f"pywasm host cannot pass values of type {kind}")
    return KINDS[kind.data]


def _bits(kind: str, value: ValInst) -> int:
    return value.into_u32() if kind in ("i32", "f32") else value.into_u64()


def _message(error: BaseException) -> str:
    # pywasm's traps are mostly bare asserts: name the failed check by its source line.
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if not text:
        frames = traceback.extract_tb(error.__traceback__)
        text = (frames[-1].line or "") if frames else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _stub_imports(runtime: Runtime, described: ModuleDesc) -> int:
    """A generated extern for every import, from the module's own declaration
    (protocol.md, "Load"): functions raise StubCalled; memories, tables, globals are zero."""
    for wanted in described.imps:
        where = f"{wanted.module}.{wanted.name}"
        desc = wanted.desc
        if isinstance(desc, int):  # a function: its type index
            extern = runtime.allocate_func_host(described.type[desc], stub_function(where))
        elif isinstance(desc, MemType):
            extern = runtime.allocate_memory(desc)
        elif isinstance(desc, TableType):
            extern = runtime.allocate_table(desc)
        elif isinstance(desc, GlobalType):
            if desc.type.data not in KINDS:
                raise CannotStub(f"the pywasm host makes number globals only ({where})")
            zero = FROM_BITS[KINDS[desc.type.data]](0)
            extern = runtime.allocate_global(desc, zero)
        else:
            raise CannotStub(f"pywasm cannot make the import {where} ({type(desc).__name__})")
        runtime.imports.setdefault(wanted.module, {})[wanted.name] = extern
    return len(described.imps)


if __name__ == "__main__":
    serve(PywasmHost)

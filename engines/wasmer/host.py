"""wasm-matrix host for Wasmer, through the wasmer Python package (1.x) and a compiler."""

from __future__ import annotations

import argparse
import contextlib
import sys
from importlib.metadata import version as package_version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import wasmer
from pyhost import (
    SPECTEST_GLOBALS,
    SPECTEST_PRINTS,
    CallError,
    CallTrapped,
    CannotStub,
    Host,
    Reject,
    StubCalled,
    Unsupported,
    first_line,
    serve,
    stub_called,
    stub_function,
)
from pyvalues import bits_to_python, check_arguments, python_to_wire
from pywasi import WasiRun, exit_code_of, redirected
from trapwords import (
    SPEC_WORDS,
    trap_kinds,
)

COMPILERS = {"cranelift": "wasmer_compiler_cranelift", "singlepass": "wasmer_compiler_singlepass"}
KINDS = {
    wasmer.Type.I32: "i32",
    wasmer.Type.I64: "i64",
    wasmer.Type.F32: "f32",
    wasmer.Type.F64: "f64",
}


class WasmerHost(Host):
    engine = "wasmer"
    stubs = 0  # how many imports the last load generated
    scripts = True

    def __init__(self, disabled: list[str], compiler: str = "cranelift"):
        super().__init__(disabled)
        self.compiler = compiler
        # The family name says the compiler: wasmer (Cranelift) or wasmer-singlepass.
        self.engine = "wasmer" if compiler == "cranelift" else f"wasmer-{compiler}"
        module = __import__(COMPILERS[compiler])
        self.store = wasmer.Store(wasmer.engine.Universal(module.Compiler))

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--compiler", choices=sorted(COMPILERS), default="cranelift")

    @classmethod
    def from_options(cls, options: argparse.Namespace) -> WasmerHost:
        return cls(options.disable, options.compiler)

    def version(self) -> str:
        return package_version("wasmer")

    def features(self) -> dict[str, bool]:
        # wasmer-python 1.x has no API to set or read wasm features: nothing to report.
        return {}

    def load(self, module: bytes, calls: list[dict]) -> tuple[int, list[dict]]:
        self.stubs = 0
        answers = self.run(module, calls, stubbed=True)
        return self.stubs, answers

    def run(self, module: bytes, calls: list[dict], stubbed: bool = False) -> list[dict]:
        try:
            compiled = wasmer.Module(self.store, module)
        except RuntimeError as error:
            raise Reject("compile", first_line(str(error))) from None
        imports = self._stubs(compiled) if stubbed else None
        try:
            instance = wasmer.Instance(compiled, imports) if stubbed else wasmer.Instance(compiled)
        except StubCalled:
            raise
        except RuntimeError as error:
            _reraise_stub(error)
            raise Reject("instantiate", first_line(str(error))) from None
        return self.call_each(calls, self._invoker(instance))

    # WASI preview 1 through wasmer's own implementation (wasmer.wasi). It reads and writes
    # the process's own stdio, so the run's files stand in for fds 0, 1 and 2 meanwhile.
    wasi = "native"

    def run_wasi(self, module: bytes, calls: list[dict], wasi: dict) -> tuple[list, dict]:
        with WasiRun(wasi) as run:
            try:
                compiled = wasmer.Module(self.store, module)
            except RuntimeError as error:
                raise Reject("compile", first_line(str(error))) from None
            builder = wasmer.wasi.StateBuilder(run.args[0] if run.args else "program")
            for argument in run.args[1:]:
                builder.argument(argument)
            for name, value in run.env:
                builder.environment(name, value)
            for preopen in run.preopens:
                builder.map_directory(preopen["guest"], preopen["host"])
            run.read_only = [False] * len(run.preopens)  # wasmer-python has no read-only map
            version = wasmer.wasi.get_version(compiled, strict=False)
            with redirected(run):
                try:
                    if version is None:  # no WASI imports at all
                        instance = wasmer.Instance(compiled)
                    else:
                        imports = builder.finalize().generate_import_object(self.store, version)
                        instance = wasmer.Instance(compiled, imports)
                except RuntimeError as error:
                    raise Reject("instantiate", first_line(str(error))) from None
                answers = self._start_and_call(instance, run, calls)
            return answers, run.answer()

    def _start_and_call(self, instance, run: WasiRun, calls: list[dict]) -> list[dict]:
        name = "_start" if run.start == "command" else "_initialize"
        function = _exports(instance).get(name)
        if not isinstance(function, wasmer.Function):
            if run.start == "command":
                run.trap = "the module exports no _start function"
                return []
            run.exit_code = 0
        else:
            try:
                function()
                run.exit_code = 0
            except RuntimeError as error:
                text = first_line(str(error))
                code = exit_code_of(error) if "exited" in text.lower() else None
                if code is None:
                    run.trap = f"{name}: {text}"
                    return []
                run.exit_code = code
                if run.start == "reactor":
                    run.trap = f"_initialize called proc_exit({code})"
        if not run.finished:
            return []
        return self.call_each(calls, self._invoker(instance))

    def _invoker(self, instance: wasmer.Instance):
        def invoke(name: str, args: list[dict]) -> list[dict]:
            try:
                function = getattr(instance.exports, name)
            except LookupError:
                raise CallError(f"no exported function named {name!r}") from None
            if not isinstance(function, wasmer.Function):
                raise CallError(f"{name} is not a function")
            params = [_kind(kind) for kind in function.type.params]
            kinds = [_kind(kind) for kind in function.type.results]
            check_arguments(name, params, args)
            values = [bits_to_python(arg) for arg in args]
            try:
                result = function(*values)
            except RuntimeError as error:  # wasmer-python raises every trap as RuntimeError
                _reraise_stub(error)
                raise _ended(error) from None
            results = [] if not kinds else ([result] if len(kinds) == 1 else list(result))
            return [python_to_wire(kind, value) for kind, value in zip(kinds, results, strict=True)]

        return invoke

    def _stubs(self, compiled: wasmer.Module) -> wasmer.ImportObject:
        """A generated extern for every import, from the import's own type (protocol.md)."""
        namespaces: dict[str, dict] = {}
        for wanted in compiled.imports:
            where = f"{wanted.module}.{wanted.name}"
            namespaces.setdefault(wanted.module, {})[wanted.name] = self._stub(wanted.type, where)
            self.stubs += 1
        imports = wasmer.ImportObject()
        for namespace, externs in namespaces.items():
            imports.register(namespace, externs)
        return imports

    def _stub(self, kind, where: str):
        try:
            if isinstance(kind, wasmer.FunctionType):
                return wasmer.Function(self.store, stub_function(where), kind)
            if isinstance(kind, wasmer.MemoryType):
                return wasmer.Memory(self.store, kind)
            if isinstance(kind, wasmer.GlobalType):
                if kind.type not in KINDS:
                    raise CannotStub(f"wasmer-python cannot make a {kind.type} global ({where})")
                zero = getattr(wasmer.Value, KINDS[kind.type])(0)
                return wasmer.Global(self.store, zero, mutable=kind.mutable)
            if isinstance(kind, wasmer.TableType):
                # wasmer-python has no Table constructor: a module's own table is the same.
                if kind.type != wasmer.Type.FUNC_REF:
                    raise CannotStub(f"wasmer-python cannot make a table of {kind.type} ({where})")
                limit = f"{kind.minimum} {kind.maximum}" if kind.maximum is not None else ""
                limit = limit or str(kind.minimum)
                maker = wasmer.Module(self.store, f'(module (table (export "t") {limit} funcref))')
                return wasmer.Instance(maker).exports.t
        except RuntimeError as error:
            raise CannotStub(f"wasmer-python cannot make the import {where}: {error}") from None
        raise CannotStub(f"wasmer-python cannot make the import {where} ({type(kind).__name__})")

    # Scripts: one registry of import namespaces per script, `spectest` in it.
    def script_store(self) -> object:
        return {"spectest": _spectest(self.store)}

    def script_compile(self, store, module: bytes) -> object:
        try:
            return wasmer.Module(self.store, module)
        except RuntimeError as error:
            raise Reject("compile", first_line(str(error))) from None

    def script_instantiate(self, store, compiled) -> object:
        imports = wasmer.ImportObject()
        wanted: dict[str, dict] = {}
        for item in compiled.imports:
            provided = store.get(item.module, {})
            if item.name in provided:
                wanted.setdefault(item.module, {})[item.name] = provided[item.name]
        for namespace, externs in wanted.items():
            imports.register(namespace, externs)
        try:
            return wasmer.Instance(compiled, imports)
        except RuntimeError as error:
            raise Reject("instantiate", first_line(str(error))) from None

    def script_register(self, store, name: str, instance) -> None:
        store[name] = _exports(instance)

    def script_invoke(self, store, instance, field: str, args: list) -> list:
        for arg in args:
            if arg["type"] not in KINDS.values():
                raise Unsupported(f"the wasmer host cannot pass {arg['type']} values")
        function = _exports(instance).get(field)
        if not isinstance(function, wasmer.Function):
            raise CallError(f"no exported function named {field!r}")
        try:
            params = [_kind(kind) for kind in function.type.params]
            kinds = [_kind(kind) for kind in function.type.results]
        except CallError as error:
            raise Unsupported(str(error)) from None
        check_arguments(field, params, args)
        values = [bits_to_python(arg) for arg in args]
        try:
            result = function(*values)
        except RuntimeError as error:  # wasmer-python raises every trap as RuntimeError
            raise _ended(error) from None
        results = [] if not kinds else ([result] if len(kinds) == 1 else list(result))
        return [python_to_wire(kind, value) for kind, value in zip(kinds, results, strict=True)]

    def script_get(self, store, instance, field: str) -> dict:
        glob = _exports(instance).get(field)
        if not isinstance(glob, wasmer.Global):
            raise CallError(f"no exported global named {field!r}")
        kind = glob.type.type
        if kind not in KINDS:
            raise Unsupported(f"the wasmer host cannot read {kind.name.lower()} globals")
        return python_to_wire(KINDS[kind], glob.value)


def _ended(error: RuntimeError) -> Exception:
    """wasmer-python raises traps and its own failures alike as RuntimeError: a trap is what
    wasmer words as one (the spec's words); anything else is not the module's doing."""
    text = first_line(str(error))
    kinds = trap_kinds(text, SPEC_WORDS)
    if kinds:
        return CallTrapped(text, kinds)
    return CallError(f"wasmer failed on the call: {text}")


def _reraise_stub(error: RuntimeError) -> None:
    """wasmer-python turns a host function's exception into a RuntimeError with its text."""
    called = stub_called(error)
    if called is not None:
        raise called from None


def _exports(instance: wasmer.Instance) -> dict:
    # Exports iterate as (name, extern) pairs; dict() would look for a `keys` export.
    return dict(list(instance.exports))


def _spectest(store: wasmer.Store) -> dict:
    """The spec's `spectest` module: print functions, globals, a table and a memory."""
    T = wasmer.Type
    externs: dict = {}
    for name, params in SPECTEST_PRINTS.items():
        function_type = wasmer.FunctionType([getattr(T, p.upper()) for p in params], [])
        externs[name] = wasmer.Function(
            store, lambda *values: print(*values, file=sys.stderr), function_type
        )
    for kind, value in SPECTEST_GLOBALS.items():
        externs[f"global_{kind}"] = wasmer.Global(store, getattr(wasmer.Value, kind)(value))
    externs["memory"] = wasmer.Memory(store, wasmer.MemoryType(minimum=1, maximum=2))
    # wasmer-python has no Table constructor: a table made by a module is the same thing.
    with contextlib.suppress(RuntimeError):
        maker = wasmer.Module(store, '(module (table (export "t") 10 20 funcref))')
        externs["table"] = wasmer.Instance(maker).exports.t
    return externs


def _kind(kind: wasmer.Type) -> str:
    if kind not in KINDS:
        # Function types give plain numbers where Type has no member (5: v128).
        name = getattr(kind, "name", {5: "v128", 6: "externref", 7: "funcref"}.get(kind, kind))
        raise CallError(f"wasmer host cannot pass values of type {str(name).lower()}")
    return KINDS[kind]


if __name__ == "__main__":
    serve(WasmerHost)

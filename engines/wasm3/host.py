"""wasm-matrix host for wasm3, the interpreter, through the pywasm3 package."""

from __future__ import annotations

import sys
from importlib.metadata import version as package_version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import wasm3
from imports import NotRead, exported_functions, read_imports
from pyhost import (
    CallError,
    CallTrapped,
    CannotStub,
    Host,
    Reject,
    Unsupported,
    first_line,
    serve,
    stub_called,
    stub_function,
)
from pyvalues import bits_to_python, check_arguments, python_to_wire
from trapwords import (
    SPEC_WORDS,
    STACK,
    UNDEFINED,
    UNINITIALIZED,
    rules,
    trap_kinds,
)

# wasm3's value type codes (M3ValueType).
KINDS = {1: "i32", 2: "i64", 3: "f32", 4: "f64"}
# pywasm3's signature letters for link_function, e.g. "i(iI)".
LETTERS = {"i32": "i", "i64": "I", "f32": "f", "f64": "F"}
# The wasm3 command line's default stack size; a call deeper than it traps "stack overflow".
STACK_BYTES = 64 * 1024
LOOKUP_FAILED = "function lookup failed"
TRAP = "[trap] "  # how wasm3 begins a trap's message; anything else is not a trap
# wasm3's own words for some traps, before the spec's.
TRAP_RULES = (
    rules(
        (r"stack overflow", [STACK]),
        (r"undefined element", [UNDEFINED, UNINITIALIZED]),  # it says so of null entries too
    )
    + SPEC_WORDS
)
# The spectest module's functions and their wasm3 signatures; wasm3 (through pywasm3) can
# link host functions only, not globals, memories, tables or another module's exports.
SPECTEST = {
    "print": "v()",
    "print_i32": "v(i)",
    "print_i64": "v(I)",
    "print_f32": "v(f)",
    "print_f64": "v(F)",
    "print_i32_f32": "v(if)",
    "print_f64_f64": "v(FF)",
}
IMPORT_KINDS = {0: "function", 1: "table", 2: "memory", 3: "global", 4: "tag"}


class Instance:
    """One instantiated module of a script: each has a runtime of its own, so that an
    export name finds this module's function (a wasm3 runtime searches all it loaded)."""

    def __init__(self, runtime, module):
        self.runtime, self.module = runtime, module


class Wasm3Host(Host):
    engine = "wasm3"
    scripts = True

    def __init__(self, disabled: list[str]):
        super().__init__(disabled)
        self.environment = wasm3.Environment()

    def version(self) -> str:
        return package_version("pywasm3")

    def load(self, module: bytes, calls: list[dict]) -> tuple[int, list[dict]]:
        try:
            imports = read_imports(module)
        except NotRead as error:
            imports = []  # wasm3 will most likely refuse it: its words, not ours
            unreadable = str(error)
        else:
            unreadable = ""
        for wanted in imports:
            # pywasm3 links functions only; wasm3 gives imported globals and tables its own
            # zero-filled ones, but has no way to be handed a memory.
            if wanted.kind == "memory":
                raise CannotStub(f"pywasm3 cannot provide an imported memory ({wanted.label})")
            if wanted.kind == "function":
                kinds = [*wanted.params, *wanted.results]
                odd = [kind for kind in kinds if kind not in LETTERS]
                if odd or len(wanted.results) > 1:
                    what = ", ".join(odd) or "several results"
                    raise CannotStub(f"pywasm3 cannot link a function of {what} ({wanted.label})")
        # wasm3 compiles a function when it is first looked up: look up every exported one,
        # so that a function wasm3 cannot compile rejects the module (others stay unread).
        names = [call["invoke"] for call in calls]
        names += [name for name in exported_functions(module) if name not in names]
        answers = self.run(module, calls, imports, names)
        if unreadable:
            raise RuntimeError(
                f"wasm3 took a module whose imports the host cannot read: {unreadable}"
            )
        self.note = (
            "wasm3 compiles lazily: the exported functions were compiled, functions reached "
            "only through them were not; pywasm3 never runs a start function"
        )
        return len(imports), answers

    def run(
        self,
        module: bytes,
        calls: list[dict],
        imports: list | None = None,
        compile_first: list[str] | None = None,
    ) -> list[dict]:
        try:
            parsed = self.environment.parse_module(module)
        except RuntimeError as error:
            raise Reject("compile", first_line(str(error))) from None
        runtime = self.environment.new_runtime(STACK_BYTES)
        try:
            # Initialises memory and tables; pywasm3 0.5 never runs the start function
            # (measured: a start that executes `unreachable` does not trap).
            runtime.load(parsed)
        except RuntimeError as error:
            if stub_called(error):
                raise stub_called(error) from None
            raise Reject("instantiate", first_line(str(error))) from None
        for wanted in imports or []:
            if wanted.kind != "function":
                continue
            letters = "".join(LETTERS[kind] for kind in wanted.params)
            result = LETTERS[wanted.results[0]] if wanted.results else "v"
            try:
                parsed.link_function(
                    wanted.module, wanted.name, f"{result}({letters})", stub_function(wanted.label)
                )
            except RuntimeError as error:
                raise Reject("instantiate", first_line(str(error))) from None
        # wasm3 compiles a function when it is first looked up: look up every function the
        # calls need before making any, so that a compile error rejects the module.
        functions: dict[str, object] = {}
        for name in dict.fromkeys(compile_first or [call["invoke"] for call in calls]):
            try:
                functions[name] = runtime.find_function(name)
            except RuntimeError as error:
                if not str(error).startswith(LOOKUP_FAILED):
                    raise Reject("compile", first_line(str(error))) from None

        def invoke(name: str, args: list[dict]) -> list[dict]:
            function = functions.get(name)
            if function is None:
                raise CallError(f"no exported function named {name!r}")
            params = [_kind(code) for code in function.arg_types]
            kinds = [_kind(code) for code in function.ret_types]
            check_arguments(name, params, args)
            values = [bits_to_python(arg) for arg in args]
            try:
                result = function(*values)
            except RuntimeError as error:
                called = stub_called(error)
                if called is not None:  # a generated import was called (a load cell)
                    raise called from None
                text = first_line(str(error))
                if text.startswith(TRAP):
                    raise CallTrapped(text, trap_kinds(text, TRAP_RULES)) from None
                # wasm3 compiles each function when first called: a callee it cannot
                # compile is the module refused, late, not a trap.
                raise Reject("compile", f"when called: {text}") from None
            results = [] if not kinds else ([result] if len(kinds) == 1 else list(result))
            return [python_to_wire(kind, value) for kind, value in zip(kinds, results, strict=True)]

        return self.call_each(calls, invoke)

    # Scripts (protocol.md, "Scripts").
    def script_store(self) -> object:
        return {"registered": set()}

    def script_compile(self, store, module: bytes) -> object:
        try:
            self.environment.parse_module(module)  # wasm3 parses now, compiles lazily
        except RuntimeError as error:
            raise Reject("compile", first_line(str(error))) from None
        return module

    def script_instantiate(self, store, module: bytes) -> object:
        imports = module_imports(module)
        for name, field, kind in imports:
            if name != "spectest" or kind != 0 or field not in SPECTEST:
                raise Unsupported(
                    f"wasm3 links host functions only: cannot import {name}.{field} "
                    f"({IMPORT_KINDS.get(kind, kind)})"
                )
        runtime = self.environment.new_runtime(STACK_BYTES)
        parsed = self.environment.parse_module(module)
        try:
            runtime.load(parsed)
        except RuntimeError as error:
            raise Reject("instantiate", first_line(str(error))) from None
        for _, field, _ in imports:
            parsed.link_function("spectest", field, SPECTEST[field], _print)
        return Instance(runtime, parsed)

    def script_register(self, store, name: str, instance) -> None:
        store["registered"].add(name)  # importing from it is refused (see instantiate)

    def script_invoke(self, store, instance, field: str, args: list) -> list:
        try:
            function = instance.runtime.find_function(field)
        except RuntimeError as error:
            if str(error).startswith(LOOKUP_FAILED):
                raise CallError(f"no exported function named {field!r}") from None
            # wasm3 compiles a function when it is first looked up: refused late, not a trap.
            raise Reject("compile", f"when called: {first_line(str(error))}") from None
        codes = [*function.arg_types, *function.ret_types]
        if any(code not in KINDS for code in codes) or any(
            a["type"] not in KINDS.values() for a in args
        ):
            raise Unsupported("the wasm3 host passes numbers only")
        params = [KINDS[code] for code in function.arg_types]
        kinds = [KINDS[code] for code in function.ret_types]
        check_arguments(field, params, args)
        try:
            result = function(*[bits_to_python(arg) for arg in args])
        except RuntimeError as error:
            text = first_line(str(error))
            if text.startswith(TRAP):  # "stack overflow" among them: its kind is STACK
                raise CallTrapped(text, trap_kinds(text, TRAP_RULES)) from None
            raise Reject("compile", f"when called: {text}") from None
        results = [] if not kinds else ([result] if len(kinds) == 1 else list(result))
        return [python_to_wire(kind, value) for kind, value in zip(kinds, results, strict=True)]

    def script_get(self, store, instance, field: str) -> dict:
        raise Unsupported("pywasm3 reads globals without their types")


def _print(*args) -> None:
    print(*args, file=sys.stderr)


def module_imports(module: bytes) -> list[tuple[str, str, int]]:
    """(module, name, kind) of each import, read from the binary's import section."""
    at = 8

    def leb() -> int:
        nonlocal at
        result = shift = 0
        while True:
            byte = module[at]
            at += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return result

    def name() -> str:
        nonlocal at
        length = leb()
        text = module[at : at + length].decode("utf-8", "replace")
        at += length
        return text

    while at < len(module):
        section = module[at]
        at += 1
        size = leb()
        end = at + size
        if section != 2:
            at = end
            continue
        found = []
        for _ in range(leb()):
            found.append((name(), name(), module[at]))
            at = _skip_import(module, at)
        return found
    return []


def _skip_import(module: bytes, at: int) -> int:
    """Past one import's description (kind byte and type), at `at` the kind byte."""
    kind = module[at]
    at += 1

    def skip_leb(at: int) -> int:
        while module[at] & 0x80:
            at += 1
        return at + 1

    if kind == 0:
        return skip_leb(at)
    if kind == 1:  # reftype then limits
        at += 1
    if kind in (1, 2):
        flags = module[at]
        at = skip_leb(at + 1)
        return skip_leb(at) if flags & 1 else at
    if kind == 3:
        return at + 2 if module[at] not in (0x63, 0x64) else skip_leb(at + 1) + 1
    return skip_leb(at + 1)  # tag: attribute, type index


def _kind(code: int) -> str:
    if code not in KINDS:
        raise CallError(f"wasm3 host cannot pass values of type code {code}")
    return KINDS[code]


if __name__ == "__main__":
    serve(Wasm3Host)
